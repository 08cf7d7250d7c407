/*
 * The board interface: everything board-specific the firmware core calls. A port (see docs/porting.md)
 * implements these functions in a few files under boards/<name>/ and nothing else.
 */
#ifndef EL_BOARD_H
#define EL_BOARD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "el_storage.h"

/* Short ASCII board name reported by INFO (at most EL_BOARD_NAME_SIZE bytes). */
const char *board_name(void);

/* Serial: blocking write of all bytes. Reception is the board's job: it feeds bytes to el_firmware_rx(). */
void board_serial_write(const uint8_t *data, size_t len);

/* Persistent storage with NOR-flash semantics, one erase unit (or more) per region:
 *  - erase sets every byte of the region to 0xFF;
 *  - program only clears bits (new = old & data); the core programs each byte at most once per erase;
 *  - a power loss during erase or program may leave any byte *of that region* in an intermediate state,
 *    but never changes another region; completed calls are durable.
 * All return false on failure. */
uint32_t board_storage_size(el_region_t region);
bool board_storage_read(el_region_t region, uint32_t offset, void *buf, uint32_t len);
bool board_storage_erase(el_region_t region);
bool board_storage_program(el_region_t region, uint32_t offset, const void *data, uint32_t len);
/* Read-only memory-mapped view of a region (for running a model in place), or NULL if the board has none. */
const uint8_t *board_storage_map(el_region_t region);

/* A unique, stable device id (hardware id, or generated once and stored for boards without one). */
bool board_unique_id(uint8_t out[EL_UID_SIZE]);

/* Random bytes from the board's entropy source; false when none is available. */
bool board_random(uint8_t *out, size_t len);

/* A monotonically increasing cycle (or cycle-proportional) counter, for benchmarks. */
uint64_t board_cycles(void);

/* Milliseconds of a monotonic clock since boot, for the query rate limit (el_query_limit.h). A board without a
 * clock of its own derives it from board_cycles() and its core clock. */
uint64_t board_millis(void);

/* Restarts the firmware after the current response has been sent. Hardware: never returns. */
void board_reset(void);
#endif
