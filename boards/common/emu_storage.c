#include "emu_storage.h"
#include "emu_file.h"
#include "el_board.h"
#include <string.h>

#define SMALL_REGION 256u
#define TALLY_REGION 1024u
#define POOL_SIZE (7u * SMALL_REGION + TALLY_REGION + EL_MODEL_SLOTS * EL_MODEL_SLOT_SIZE)

/* 16-byte aligned: the model runtime reads .tflite files in place and needs aligned constant buffers. */
static uint8_t g_pool[POOL_SIZE] __attribute__((aligned(16)));
static uint8_t *g_mem[EL_REGION_COUNT];
static int g_file[EL_REGION_COUNT];

bool emu_storage_init(void) {
  uint32_t used = 0;
  for (int r = 0; r < EL_REGION_COUNT; r++) {
    uint32_t size = el_regions[r].size;
    if (used + size > POOL_SIZE) return false;
    g_mem[r] = g_pool + used;
    used += size;
    g_file[r] = emu_file_open(el_regions[r].name);
    if (g_file[r] < 0) return false;
    long have = emu_file_length(g_file[r]);
    if (have < 0) return false;
    uint32_t keep = (uint32_t)have < size ? (uint32_t)have : size;
    memset(g_mem[r], 0xFF, size);
    if (keep > 0 && !emu_file_read(g_file[r], 0, g_mem[r], keep)) return false;
    if (keep < size && !emu_file_write(g_file[r], keep, g_mem[r] + keep, size - keep)) return false;
  }
  return true;
}

static bool in_range(el_region_t r, uint32_t offset, uint32_t len) {
  return (unsigned)r < EL_REGION_COUNT && offset <= el_regions[r].size && len <= el_regions[r].size - offset;
}

uint32_t board_storage_size(el_region_t region) {
  return (unsigned)region < EL_REGION_COUNT ? el_regions[region].size : 0;
}

bool board_storage_read(el_region_t region, uint32_t offset, void *buf, uint32_t len) {
  if (!in_range(region, offset, len)) return false;
  memcpy(buf, g_mem[region] + offset, len);
  return true;
}

bool board_storage_erase(el_region_t region) {
  if (!in_range(region, 0, 0)) return false;
  memset(g_mem[region], 0xFF, el_regions[region].size);
  return emu_file_write(g_file[region], 0, g_mem[region], el_regions[region].size);
}

bool board_storage_program(el_region_t region, uint32_t offset, const void *data, uint32_t len) {
  if (!in_range(region, offset, len)) return false;
  const uint8_t *d = data;
  uint8_t *m = g_mem[region] + offset;
  for (uint32_t i = 0; i < len; i++) m[i] &= d[i];
  return emu_file_write(g_file[region], offset, m, len);
}

const uint8_t *board_storage_map(el_region_t region) {
  return (unsigned)region < EL_REGION_COUNT ? g_mem[region] : NULL;
}
