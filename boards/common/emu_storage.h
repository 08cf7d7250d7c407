/*
 * Storage for emulated boards: each region is a RAM array (memory-mapped, like on-chip flash) mirrored to one
 * file in the state directory. Erase/program update RAM and then write the changed range through to the file, so
 * the state survives a restart or a kill of the emulator. NOR semantics are enforced: program only clears bits.
 */
#ifndef EMU_STORAGE_H
#define EMU_STORAGE_H
#include <stdbool.h>

/* Opens (or creates, erased) every region's file and loads it. False when a file cannot be used. */
bool emu_storage_init(void);
#endif
