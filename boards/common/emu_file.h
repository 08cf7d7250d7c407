/* Host files behind an emulated board's storage (POSIX on host-sim, semihosting on QEMU). Board-specific. */
#ifndef EMU_FILE_H
#define EMU_FILE_H
#include <stdbool.h>
#include <stdint.h>

/* Opens the named file in the board's state directory, creating it when missing. Returns a handle >= 0 or -1. */
int emu_file_open(const char *name);
/* Current length of the file, or -1. */
long emu_file_length(int handle);
/* Reads/writes exactly len bytes at offset; a completed write has reached the host file (survives a kill). */
bool emu_file_read(int handle, uint32_t offset, void *buf, uint32_t len);
bool emu_file_write(int handle, uint32_t offset, const void *buf, uint32_t len);
#endif
