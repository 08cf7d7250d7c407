/* Persistent storage regions used by the firmware core. A board maps each to its own erase unit(s). */
#ifndef EL_STORAGE_H
#define EL_STORAGE_H
#include <stdint.h>
#include "el_protocol.h"

typedef enum {
  EL_REGION_IDENTITY = 0, /* generated unique id (boards without a hardware id) */
  EL_REGION_KEYS_A,       /* key store, copy A */
  EL_REGION_KEYS_B,       /* key store, copy B */
  EL_REGION_SLOTS_A,      /* model slot table, copy A */
  EL_REGION_SLOTS_B,      /* model slot table, copy B */
  EL_REGION_MODEL_0,      /* model slot 0 bytes */
  EL_REGION_MODEL_1,      /* model slot 1 bytes */
  EL_REGION_QUERY_A,      /* query-limit lifetime count record, copy A (el_query_limit.h) */
  EL_REGION_QUERY_B,      /* query-limit lifetime count record, copy B */
  EL_REGION_QUERY_TALLY,  /* query-limit tally: one programmed byte per inference, erased when full */
  EL_REGION_COUNT
} el_region_t;

typedef struct {
  const char *name; /* file name on emulated boards */
  uint32_t size;    /* bytes the core needs */
} el_region_info_t;

/* Indexed by el_region_t. */
extern const el_region_info_t el_regions[EL_REGION_COUNT];

#define EL_REGION_MODEL(slot) ((el_region_t)(EL_REGION_MODEL_0 + (slot)))
#endif
