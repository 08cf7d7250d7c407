/* emu_file over POSIX files in the --state directory. */
#define _POSIX_C_SOURCE 200809L
#include "emu_file.h"
#include "host_sim.h"
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int emu_file_open(const char *name) {
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/%s", host_sim_state_dir(), name) >= (int)sizeof path) return -1;
  return open(path, O_RDWR | O_CREAT, 0600);
}

long emu_file_length(int handle) {
  struct stat st;
  return fstat(handle, &st) == 0 ? (long)st.st_size : -1;
}

bool emu_file_read(int handle, uint32_t offset, void *buf, uint32_t len) {
  uint8_t *p = buf;
  while (len > 0) {
    ssize_t n = pread(handle, p, len, (off_t)offset);
    if (n <= 0) return false;
    p += n;
    offset += (uint32_t)n;
    len -= (uint32_t)n;
  }
  return true;
}

bool emu_file_write(int handle, uint32_t offset, const void *buf, uint32_t len) {
  const uint8_t *p = buf;
  while (len > 0) {
    ssize_t n = pwrite(handle, p, len, (off_t)offset);
    if (n <= 0) return false;
    p += n;
    offset += (uint32_t)n;
    len -= (uint32_t)n;
  }
  return true;
}
