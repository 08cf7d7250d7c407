/* ARM semihosting (bkpt 0xAB on M-profile): host file I/O through QEMU (-semihosting-config enable=on,target=native). */
#ifndef SEMIHOSTING_H
#define SEMIHOSTING_H
#include <stdint.h>

#define SH_SYS_OPEN 0x01
#define SH_SYS_WRITE 0x05
#define SH_SYS_READ 0x06
#define SH_SYS_SEEK 0x0A
#define SH_SYS_FLEN 0x0C

#define SH_MODE_RB 1  /* "rb" */
#define SH_MODE_RPB 3 /* "r+b": read/write, must exist */
#define SH_MODE_WPB 7 /* "w+b": read/write, created (truncated) */

static inline int32_t semihost(int32_t op, const void *args) {
  register int32_t r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = args;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

int32_t sh_open(const char *name, int32_t mode);
/* Return 0 on success (all bytes transferred). */
int32_t sh_seek(int32_t fd, uint32_t pos);
int32_t sh_write(int32_t fd, const void *buf, uint32_t len);
int32_t sh_read(int32_t fd, void *buf, uint32_t len);
int32_t sh_flen(int32_t fd);
#endif
