#include "semihosting.h"
#include <string.h>

int32_t sh_open(const char *name, int32_t mode) {
  uint32_t args[3] = {(uint32_t)(uintptr_t)name, (uint32_t)mode, (uint32_t)strlen(name)};
  return semihost(SH_SYS_OPEN, args);
}

int32_t sh_seek(int32_t fd, uint32_t pos) {
  uint32_t args[2] = {(uint32_t)fd, pos};
  return semihost(SH_SYS_SEEK, args);
}

int32_t sh_write(int32_t fd, const void *buf, uint32_t len) {
  uint32_t args[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)buf, len};
  return semihost(SH_SYS_WRITE, args);
}

int32_t sh_read(int32_t fd, void *buf, uint32_t len) {
  uint32_t args[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)buf, len};
  return semihost(SH_SYS_READ, args);
}

int32_t sh_flen(int32_t fd) {
  uint32_t args[1] = {(uint32_t)fd};
  return semihost(SH_SYS_FLEN, args);
}
