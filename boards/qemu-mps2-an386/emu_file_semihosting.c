/* emu_file over semihosting: names are relative to QEMU's working directory, which the launcher sets to --state. */
#include "emu_file.h"
#include "semihosting.h"

int emu_file_open(const char *name) {
  int32_t fd = sh_open(name, SH_MODE_RPB);
  if (fd < 0) fd = sh_open(name, SH_MODE_WPB);
  return fd;
}

long emu_file_length(int handle) { return sh_flen(handle); }

bool emu_file_read(int handle, uint32_t offset, void *buf, uint32_t len) {
  return sh_seek(handle, offset) == 0 && sh_read(handle, buf, len) == 0;
}

bool emu_file_write(int handle, uint32_t offset, const void *buf, uint32_t len) {
  return sh_seek(handle, offset) == 0 && sh_write(handle, buf, len) == 0;
}
