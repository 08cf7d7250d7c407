# Firmware core sources, shared by every board. Include from a board Makefile after setting EL_CORE.
EL_CORE_SOURCES := $(addprefix $(EL_CORE)/src/, \
  crc32.c sha256.c hmac.c hkdf.c chacha20.c cobs.c frame.c storage.c record.c keystore.c lock_key.c identity.c \
  slots.c package.c flash.c attest.c runtime_hook.c dispatch.c commands.c cmd_device.c cmd_key.c cmd_model_load.c firmware.c watermark.c)
EL_CORE_INCLUDE := $(EL_CORE)/include
