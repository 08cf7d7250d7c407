# The int8 runtime as a firmware module, active: the board Makefiles include this file. Its slot hook
# Prepares every model that becomes READY, so a slot holding bytes that are not a valid int8 .tflite ends
# in EL_ST_ERR_MODEL_INVALID; its commands add RUN and MODEL_IO (commands/cmd_run.c) and WATERMARK_*
# (commands/cmd_watermark.c). Adds the interpreter (sources.txt), the slot glue (el_runtime_module.c, registered by
# firmware/runtime_module.c), the
# unlock of locked models (el_lock_unseal.c), those commands and the C math library the runtime calls
# (expf, tanhf, roundf, floorf, ceilf, sqrtf, round, frexp). The boards' link lines have no
# -lm, so libm is added as an input file: the path the board's own compiler reports for it
# (libm.so on a host, the multilib's libm.a for arm-none-eabi). EL_MODULE_SOURCES is a deferred
# variable so that $(CC) and $(ARCH) are the board's when the board expands its SOURCES.
EL_RUNTIME_DIR := $(EL_CORE)/runtime
EL_RUNTIME_LIBM = $(firstword $(filter /%,$(shell $(CC) $(ARCH) -print-file-name=libm.so) \
                                          $(shell $(CC) $(ARCH) -print-file-name=libm.a)))
EL_MODULE_SOURCES += $(addprefix $(EL_RUNTIME_DIR)/,$(shell cat $(EL_RUNTIME_DIR)/sources.txt)) \
                     $(EL_RUNTIME_DIR)/el_runtime_module.c \
                     $(EL_RUNTIME_DIR)/el_lock_unseal.c \
                     $(EL_CORE)/firmware/runtime_module.c \
                     $(EL_CORE)/commands/cmd_run.c \
                     $(EL_CORE)/commands/cmd_watermark.c $(EL_RUNTIME_LIBM)
EL_MODULE_INCLUDE += $(EL_RUNTIME_DIR)
