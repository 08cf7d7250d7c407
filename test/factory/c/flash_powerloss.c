/*
 * Power loss during a package flash, on the firmware core with the simulated NOR board of test/firmware/c
 * (sim_board.c: after the armed number of byte operations the byte being written becomes garbage and every later
 * storage call fails). Package A is active; package B is flashed with power cut after n byte operations, the board
 * reboots, and then:
 *   - the active package must be A (with A's counter) or B (with B's counter), and verify (el_package_verify);
 *   - B acknowledged (FLASH_END answered OK) and A active afterwards is an acknowledged loss: counted bad;
 *   - the host's recovery (FLASH_STATUS: resume when the stored prefix hashes like B's, else FLASH_BEGIN) must then
 *     activate B.
 * Input lines: "uid <hex>", "key <hex>", "a <hex package>", "b <hex package>", "run <stride> <dense>".
 * Output: "cuts N old N new N bad N resumed N restarted N".
 *
 * "query <start>": package A carries a lifetime query budget L (el_query_limit.h). `start` inferences are admitted,
 * then for every n the power is cut after n byte operations while inferences are admitted, the board reboots and
 * admits until it refuses. The answers in all (admissions acknowledged before the cut and after the reboot) must
 * never exceed L - start, and a cut may cost at most the one inference whose count it tore; the refusal after the
 * reboot must be ERR_QUERY_BUDGET. Output: "query cuts N bad N lost N total N" (lost: the most one cut cost).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "el_board.h"
#include "el_bytes.h"
#include "el_crc32.h"
#include "el_firmware.h"
#include "el_flash.h"
#include "el_keystore.h"
#include "el_package.h"
#include "el_query_limit.h"
#include "el_sha256.h"
#include "el_slots.h"
#include "sim_board.h"

#define MAX_PKG (EL_MODEL_SLOT_SIZE)
static uint8_t g_uid[EL_UID_SIZE], g_key[32];
static uint8_t *g_pkg[2];
static uint32_t g_len[2];
static uint8_t g_rsp[EL_MAX_PAYLOAD];
static uint8_t g_req[EL_MAX_PAYLOAD];

static uint32_t unhex(const char *s, uint8_t *out, uint32_t cap) {
  uint32_t n = 0;
  while (s[0] && s[1] && n < cap) {
    unsigned v;
    sscanf(s, "%2x", &v);
    out[n++] = (uint8_t)v;
    s += 2;
  }
  return n;
}

/* The identity record (identity.c's layout) carrying the uid the packages were made for. */
static void write_identity(void) {
  uint8_t rec[8 + EL_UID_SIZE];
  el_put_u32(rec, 0x31444945u);
  memcpy(rec + 4, g_uid, EL_UID_SIZE);
  el_put_u32(rec + 4 + EL_UID_SIZE, el_crc32(0, rec, 4 + EL_UID_SIZE));
  board_storage_erase(EL_REGION_IDENTITY);
  board_storage_program(EL_REGION_IDENTITY, 0, rec, sizeof rec);
}

typedef uint8_t (*handler_t)(const uint8_t *, uint16_t, uint8_t *, uint16_t *);
static uint8_t call(handler_t h, uint16_t len) {
  uint16_t rlen = 1;
  return h(g_req, len, g_rsp, &rlen);
}

/* The host's flashPackage: resume when FLASH_STATUS shows this package with a matching prefix, else begin. */
static uint8_t flash(int which, int *resumed) {
  const uint8_t *p = g_pkg[which];
  uint32_t size = g_len[which], off = 0;
  uint8_t sha[32], prefix[32];
  el_sha256(p, size, sha);
  *resumed = 0;
  uint8_t st = call(el_cmd_flash_status, 0);
  if (st != EL_ST_OK) return st;
  if (g_rsp[EL_FLASH_STATUS_RSP_LOADING_OFF] == 1 && el_get_u32(g_rsp + EL_FLASH_STATUS_RSP_SIZE_OFF) == size &&
      memcmp(g_rsp + EL_FLASH_STATUS_RSP_SHA256_OFF, sha, 32) == 0) {
    uint32_t next = el_get_u32(g_rsp + EL_FLASH_STATUS_RSP_NEXT_OFFSET_OFF);
    el_sha256(p, next, prefix);
    if (next <= size && memcmp(prefix, g_rsp + EL_FLASH_STATUS_RSP_PREFIX_SHA256_OFF, 32) == 0) {
      off = next;
      *resumed = next > 0;
    }
  }
  if (!*resumed) {
    el_put_u32(g_req, size);
    memcpy(g_req + 4, sha, 32);
    st = call(el_cmd_flash_begin, EL_FLASH_BEGIN_REQ_FIXED_SIZE);
    if (st == EL_ST_OK_UNCHANGED) return EL_ST_OK;
    if (st != EL_ST_OK) return st;
  }
  while (off < size) {
    uint32_t n = size - off < EL_MAX_PAYLOAD - 4u ? size - off : EL_MAX_PAYLOAD - 4u;
    el_put_u32(g_req, off);
    memcpy(g_req + 4, p + off, n);
    st = call(el_cmd_flash_chunk, (uint16_t)(4u + n));
    if (st != EL_ST_OK) return st;
    off += n;
  }
  return call(el_cmd_flash_end, 0);
}

/* Which package is active: 0 (A), 1 (B), -1 (anything else, or it does not verify). */
static int active_package(void) {
  uint8_t a = el_slots_active();
  if (a == EL_SLOT_NONE || el_slot_state(a) != EL_SLOT_STATE_READY) return -1;
  el_package_t p;
  if (el_package_verify(el_slot_bytes(a), el_slot_size(a), &p) != EL_ST_OK) return -1;
  for (int w = 0; w < 2; w++) {
    uint8_t sha[32];
    el_sha256(g_pkg[w], g_len[w], sha);
    if (el_slot_size(a) == g_len[w] && memcmp(el_slot_sha256(a), sha, 32) == 0 && el_slots_counter() == p.security_counter) return w;
  }
  return -1;
}

static void run(long stride, long dense) {
  static uint8_t *snap[EL_REGION_COUNT];
  int resumed;
  sim_storage_reset();
  write_identity();
  el_firmware_init();
  if (el_keystore_write(0, g_key) != EL_ST_OK || flash(0, &resumed) != EL_ST_OK || active_package() != 0) {
    printf("setup failed\n");
    return;
  }
  sim_snapshot(snap);
  /* Total byte operations of an uninterrupted flash of B: the smallest n whose cut does not happen. */
  long lo = 0, hi = 1;
  for (;; hi *= 2) {
    sim_restore(snap);
    el_firmware_init();
    sim_power_cut_after(hi);
    flash(1, &resumed);
    int cut = sim_power_was_cut();
    sim_power_restore();
    if (!cut) break;
    lo = hi;
  }
  while (lo + 1 < hi) {
    long mid = (lo + hi) / 2;
    sim_restore(snap);
    el_firmware_init();
    sim_power_cut_after(mid);
    flash(1, &resumed);
    int cut = sim_power_was_cut();
    sim_power_restore();
    if (cut) lo = mid;
    else hi = mid;
  }
  long total = hi;
  long cuts = 0, old_state = 0, new_state = 0, bad = 0, n_resumed = 0, restarted = 0;
  for (long n = 0; n <= total; n = (n < dense || n >= total - dense) ? n + 1 : (n + stride < total - dense ? n + stride : total - dense)) {
    sim_restore(snap);
    el_firmware_init();
    sim_power_cut_after(n);
    uint8_t st = flash(1, &resumed);
    int cut = sim_power_was_cut();
    sim_power_restore();
    el_firmware_init(); /* reboot */
    int act = active_package();
    if (act == 0) {
      old_state++;
      if (st == EL_ST_OK) bad++; /* acknowledged but lost */
    } else if (act == 1) {
      new_state++;
    } else {
      bad++;
    }
    /* recovery by the host */
    if (flash(1, &resumed) != EL_ST_OK || active_package() != 1) bad++;
    if (act == 0) {
      if (resumed) n_resumed++;
      else restarted++;
    }
    if (cut) cuts++;
  }
  printf("cuts %ld old %ld new %ld bad %ld resumed %ld restarted %ld total %ld\n", cuts, old_state, new_state, bad, n_resumed, restarted, total);
}

/* Admits inferences one at a time until refused; returns how many were admitted and the refusal in *st. */
static long admit_all(uint8_t *st) {
  long n = 0;
  uint16_t len = 1;
  while ((*st = el_query_admit(1u, g_rsp, &len)) == EL_ST_OK) n++;
  return n;
}

static void query(long start) {
  static uint8_t *snap[EL_REGION_COUNT];
  el_package_t p;
  int resumed;
  uint8_t st;
  uint16_t len = 1;
  if (el_package_parse(g_pkg[0], g_len[0], &p) != EL_ST_OK || !p.has_limits || p.limits.lifetime <= start) {
    printf("setup failed: package a needs a lifetime budget above %ld\n", start);
    return;
  }
  long budget = (long)p.limits.lifetime - start;
  sim_storage_reset();
  write_identity();
  el_firmware_init();
  if (el_keystore_write(0, g_key) != EL_ST_OK || flash(0, &resumed) != EL_ST_OK || active_package() != 0) {
    printf("setup failed\n");
    return;
  }
  for (long i = 0; i < start; i++)
    if (el_query_admit(1u, g_rsp, &len) != EL_ST_OK) {
      printf("setup failed at inference %ld\n", i);
      return;
    }
  sim_snapshot(snap);
  long cuts = 0, bad = 0, lost = 0, total = 0;
  for (long n = 0;; n++) {
    sim_restore(snap);
    el_firmware_init();
    sim_power_cut_after(n);
    long before = admit_all(&st);
    int cut = sim_power_was_cut();
    sim_power_restore();
    el_firmware_init(); /* reboot */
    long after = admit_all(&st);
    long answered = before + after;
    if (st != EL_ST_ERR_QUERY_BUDGET || answered > budget || answered < budget - 1) bad++;
    if (budget - answered > lost) lost = budget - answered;
    if (!cut) {
      total = n;
      break;
    }
    cuts++;
  }
  printf("query cuts %ld bad %ld lost %ld total %ld\n", cuts, bad, lost, total);
}

int main(void) {
  static char line[4 * MAX_PKG + 64];
  g_pkg[0] = malloc(MAX_PKG);
  g_pkg[1] = malloc(MAX_PKG);
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\r\n")] = 0;
    char *sp = strchr(line, ' ');
    if (!sp) continue;
    *sp = 0;
    const char *arg = sp + 1;
    if (strcmp(line, "uid") == 0) unhex(arg, g_uid, sizeof g_uid);
    else if (strcmp(line, "key") == 0) unhex(arg, g_key, sizeof g_key);
    else if (strcmp(line, "a") == 0) g_len[0] = unhex(arg, g_pkg[0], MAX_PKG);
    else if (strcmp(line, "b") == 0) g_len[1] = unhex(arg, g_pkg[1], MAX_PKG);
    else if (strcmp(line, "run") == 0) {
      long stride = 1, dense = 0;
      sscanf(arg, "%ld %ld", &stride, &dense);
      run(stride, dense);
    } else if (strcmp(line, "query") == 0) {
      query(atol(arg));
    }
    fflush(stdout);
  }
  return 0;
}
