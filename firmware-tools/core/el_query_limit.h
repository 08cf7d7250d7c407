/*
 * Query limits (docs/package.md, "Query limits"): the inference budget and rate the active package carries in its
 * authenticated queryLimits record, enforced before every inference the board answers (RUN, and each sample of
 * WATERMARK_BASES) on every slot. On a TrustZone board this module runs in the secure image with the model runtime, so
 * the non-secure image reaches an inference only through this check and cannot touch its counters or storage.
 *   lifetime: counted in flash before each answer, under the board's security counter (a package with a higher counter
 *             starts a new count; a reset or power cut gives nothing back). A two-copy record holds the counter and the
 *             count of full tallies; a tally region gets one programmed byte per inference and is erased when full.
 *   per boot: RAM, since the last reset.
 *   rate:     RAM, a fixed window of board time (board_millis) that starts at the first inference after the last one
 *             ended.
 */
#ifndef EL_QUERY_LIMIT_H
#define EL_QUERY_LIMIT_H
#include <stdbool.h>
#include <stdint.h>
#include "el_protocol.h"

#define EL_QUERY_LIMITS_SIZE 16u
#define EL_QUERY_MAX_WINDOW_MS 86400000u
#define EL_QUERY_KIND_LIFETIME 1u
#define EL_QUERY_KIND_PER_BOOT 2u
#define EL_QUERY_KIND_RATE 3u

typedef struct {
  uint32_t lifetime;       /* 0: none */
  uint32_t per_boot;       /* 0: none */
  uint32_t rate_count;     /* 0: none */
  uint32_t rate_window_ms; /* 0 exactly when rate_count is 0 */
} el_query_limits_t; /* read from a package by el_package_parse, which refuses a record whose limits are all 0, whose
                        rate count and window disagree, or whose window is longer than EL_QUERY_MAX_WINDOW_MS */

/* Forgets every RAM state (boot: the per-boot and rate counts start at 0; the lifetime count is read from flash at the
 * first limited inference). */
void el_query_init(void);

/* The limits of the package verified in `slot` (NULL: it has none, or the slot is being overwritten). */
void el_query_slot_limits(uint8_t slot, const el_query_limits_t *limits);

/* Admits `n` inferences under the active package's limits: EL_ST_OK once they are counted (the lifetime count is in
 * flash before this returns); EL_ST_ERR_QUERY_BUDGET / EL_ST_ERR_QUERY_RATE with a QUERY_LIMIT record written at
 * rsp[1..] and *rsp_len set, nothing counted; EL_ST_ERR_STORAGE when the count could not be written. */
uint8_t el_query_admit(uint32_t n, uint8_t *rsp, uint16_t *rsp_len);

/* INFO's QUERY_STATE record: the active package's limits and the counts against them (nothing is counted). */
void el_query_state(uint8_t out[EL_QUERY_STATE_FIXED_SIZE]);
#endif
