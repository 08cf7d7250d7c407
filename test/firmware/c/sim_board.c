/*
 * A board for host-side unit tests: RAM storage with NOR semantics and power-cut injection. After the armed number
 * of byte operations the "power fails": the byte being written gets an arbitrary value (old & noise) and every
 * later storage call fails until sim_power_restore().
 */
#include "sim_board.h"
#include "el_board.h"
#include <stdlib.h>
#include <string.h>

static uint8_t *g_mem[EL_REGION_COUNT];
static int g_dirty[EL_REGION_COUNT]; /* only regions written since the last reset need erasing again */
static long g_budget = -1; /* byte operations left before the cut; -1: no cut armed */
static int g_cut;
static uint32_t g_noise = 0x12345678u;
static uint8_t g_out[1 << 16];
static size_t g_out_len;

static uint8_t noise(void) {
  g_noise ^= g_noise << 13;
  g_noise ^= g_noise >> 17;
  g_noise ^= g_noise << 5;
  return (uint8_t)g_noise;
}

void sim_storage_reset(void) {
  for (int r = 0; r < EL_REGION_COUNT; r++) {
    if (!g_mem[r]) {
      g_mem[r] = malloc(el_regions[r].size);
      g_dirty[r] = 1;
    }
    if (g_dirty[r]) memset(g_mem[r], 0xFF, el_regions[r].size);
    g_dirty[r] = 0;
  }
  g_budget = -1;
  g_cut = 0;
}

void sim_snapshot(uint8_t **copy) {
  for (int r = 0; r < EL_REGION_COUNT; r++) {
    if (!copy[r]) copy[r] = malloc(el_regions[r].size);
    memcpy(copy[r], g_mem[r], el_regions[r].size);
  }
}

void sim_restore(uint8_t *const *copy) {
  for (int r = 0; r < EL_REGION_COUNT; r++) {
    memcpy(g_mem[r], copy[r], el_regions[r].size);
    g_dirty[r] = 1;
  }
}

void sim_power_cut_after(long ops) { g_budget = ops; g_cut = 0; }
int sim_power_was_cut(void) { return g_cut; }
void sim_power_restore(void) { g_budget = -1; g_cut = 0; }

/* Returns 1 when the byte operation may proceed, 0 when power fails now (the byte becomes garbage). */
static int step(uint8_t *byte) {
  if (g_cut) return 0;
  if (g_budget < 0) return 1;
  if (g_budget == 0) {
    *byte &= noise();
    g_cut = 1;
    return 0;
  }
  g_budget--;
  return 1;
}

const char *board_name(void) { return "selftest"; }

void board_serial_write(const uint8_t *data, size_t len) {
  if (g_out_len + len <= sizeof g_out) {
    memcpy(g_out + g_out_len, data, len);
    g_out_len += len;
  }
}

size_t sim_take_output(uint8_t *out, size_t cap) {
  size_t n = g_out_len < cap ? g_out_len : cap;
  memcpy(out, g_out, n);
  g_out_len = 0;
  return n;
}

uint32_t board_storage_size(el_region_t region) { return el_regions[region].size; }

bool board_storage_read(el_region_t region, uint32_t offset, void *buf, uint32_t len) {
  if (g_cut || offset > el_regions[region].size || len > el_regions[region].size - offset) return false;
  memcpy(buf, g_mem[region] + offset, len);
  return true;
}

bool board_storage_erase(el_region_t region) {
  g_dirty[region] = 1;
  if (g_budget < 0 && !g_cut) {
    memset(g_mem[region], 0xFF, el_regions[region].size);
    return true;
  }
  for (uint32_t i = 0; i < el_regions[region].size; i++) {
    if (!step(&g_mem[region][i])) return false;
    g_mem[region][i] = 0xFF;
  }
  return true;
}

bool board_storage_program(el_region_t region, uint32_t offset, const void *data, uint32_t len) {
  if (offset > el_regions[region].size || len > el_regions[region].size - offset) return false;
  const uint8_t *d = data;
  g_dirty[region] = 1;
  for (uint32_t i = 0; i < len; i++) {
    if (!step(&g_mem[region][offset + i])) return false;
    g_mem[region][offset + i] &= d[i];
  }
  return true;
}

const uint8_t *board_storage_map(el_region_t region) { return g_mem[region]; }

bool board_unique_id(uint8_t out[EL_UID_SIZE]) { return el_identity_from_storage(out); }

bool board_random(uint8_t *out, size_t len) {
  for (size_t i = 0; i < len; i++) out[i] = noise();
  return true;
}

uint64_t board_cycles(void) { return 0; }
uint64_t board_millis(void) { return 0; }

static int g_resets;
void board_reset(void) { g_resets++; }
int sim_reset_count(void) { return g_resets; }
