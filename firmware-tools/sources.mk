# Firmware sources shared by every board: core/, commands/ (without the runtime's RUN/MODEL_IO and WATERMARK_*, added
# by runtime/firmware.mk) and firmware/. The list is sources.txt (paths relative to firmware-tools/), which the tests
# that build the firmware for the host read too. Include from a board Makefile after setting EL_CORE; compile with
# $(addprefix -I,$(EL_CORE_INCLUDE)).
EL_CORE_SOURCES := $(addprefix $(EL_CORE)/,$(shell cat $(EL_CORE)/sources.txt))
EL_CORE_INCLUDE := $(EL_CORE)/core $(EL_CORE)/commands $(EL_CORE)/firmware
