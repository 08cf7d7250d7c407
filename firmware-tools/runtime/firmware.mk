# The int8 runtime as a firmware module. NOT active yet: the board Makefiles include
# firmware-tools/runtime/firmware.mk; rename this file to that name (or point the include here) to build
# the runtime into the firmware. Its slot hook then Prepares every model that becomes READY, so a slot
# holding bytes that are not a valid int8 .tflite ends in EL_ST_ERR_MODEL_INVALID.
# Adds the interpreter (sources.txt), the slot glue (firmware/el_runtime_module.c) and the C math
# library the runtime calls (expf, tanhf, roundf, round, frexp). The boards' link lines have no
# -lm, so libm is added as an input file: the path the board's own compiler reports for it
# (libm.so on a host, the multilib's libm.a for arm-none-eabi). EL_MODULE_SOURCES is a deferred
# variable so that $(CC) and $(ARCH) are the board's when the board expands its SOURCES.
EL_RUNTIME_DIR := $(EL_CORE)/runtime
EL_RUNTIME_LIBM = $(firstword $(filter /%,$(shell $(CC) $(ARCH) -print-file-name=libm.so) \
                                          $(shell $(CC) $(ARCH) -print-file-name=libm.a)))
EL_MODULE_SOURCES += $(addprefix $(EL_RUNTIME_DIR)/,$(shell cat $(EL_RUNTIME_DIR)/sources.txt)) \
                     $(EL_RUNTIME_DIR)/firmware/el_runtime_module.c $(EL_RUNTIME_LIBM)
EL_MODULE_INCLUDE += $(EL_RUNTIME_DIR) $(EL_RUNTIME_DIR)/firmware
