/*
 * Host-side test driver for the firmware core. Reads one command per line on stdin, prints one result line:
 *   sha256 <hex> | sha256rep <hex> <count> | hmac <key> <msg> | hkdf <salt> <ikm> <info> <len> | crc32 <hex>
 *   cobs <hex> | uncobs <hex> | frame <type> <seq> <payload> | rx <wire hex> | init | wipe
 *   powerloss-key | powerloss-record <stores>
 *   markanswer <elem size> <top> <keyed> <scores hex> (el_mark_answer: the marked answer's bytes)
 *   markapply <record hex> <key> <int8 input hex> <elem size> <scores hex> (el_mark_apply_key with the parameters of
 *   a 16-byte responseMark record, read field by field without its range checks: "<0|1> <answer hex>")
 *   offsetsapply <record hex> <key> <int8 input hex> <elem size> <scores hex> (el_offsets_apply_key with a scoreOffsets
 *   record, checked by el_offsets_parse: "<1|-status|invalid record> <answer hex>")
 *   chacha <key> <nonce> <counter> <hex> (XOR with the keystream) | chachablock <key> <nonce> <counter>
 *   keywrite <key> (key slot 0; prints the status) | kshkdf <salt> <info hex> (el_keystore_hkdf on slot 0)
 *   lockkey <model slot> <binding> <lock id> <wrapped|-|raw> <binding hash> (marks the slot as holding an authenticated
 *   package with that wrapped key, or none; "raw": a development upload; derives the lock key; prints "<key> <key id>"
 *   or "status <hex>")
 * Hex "-" is the empty string. Used by the jest tests in test/firmware, which compares against RFC/FIPS vectors and node.
 */
#include "el_chacha20.h"
#include "el_cobs.h"
#include "el_crc32.h"
#include "el_firmware.h"
#include "el_frame.h"
#include "el_hkdf.h"
#include "el_hmac.h"
#include "el_keystore.h"
#include "el_lock.h"
#include "el_record.h"
#include "el_response_mark.h"
#include "el_score_offsets.h"
#include "el_sha256.h"
#include "sim_board.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXB (1 << 17)
static uint8_t A[MAXB], B[MAXB], C[MAXB], O[MAXB];

static long unhex(const char *s, uint8_t *out) {
  if (!s) return -1;
  if (strcmp(s, "-") == 0) return 0;
  size_t n = strlen(s);
  if (n % 2) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    unsigned v;
    if (sscanf(s + 2 * i, "%2x", &v) != 1) return -1;
    out[i] = (uint8_t)v;
  }
  return (long)(n / 2);
}

static void puthex(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
  if (n == 0) printf("-");
  printf("\n");
}

/* Writes a key under power cuts at every possible byte operation; checks old-or-new after each reboot. */
static void powerloss_key(void) {
  uint8_t key[EL_KEY_SIZE], kcv[32], want[32];
  for (unsigned i = 0; i < sizeof key; i++) key[i] = (uint8_t)(0xA0 + i);
  el_hmac_sha256(key, sizeof key, (const uint8_t *)EL_KCV_MESSAGE, EL_KCV_MESSAGE_LEN, want);
  long cuts = 0, old_state = 0, new_state = 0, bad = 0;
  for (long n = 0;; n++) {
    sim_storage_reset();
    el_keystore_init();
    sim_power_cut_after(n);
    uint8_t st = el_keystore_write(0, key);
    int cut = sim_power_was_cut();
    sim_power_restore();
    el_keystore_init(); /* reboot */
    if (el_keystore_mask() == 0) {
      old_state++;
      if (st == EL_ST_OK) bad++; /* acknowledged but lost */
      if (el_keystore_write(0, key) != EL_ST_OK) bad++; /* must be writable after recovery */
    } else {
      new_state++;
      if (el_keystore_hmac(0, (const uint8_t *)EL_KCV_MESSAGE, EL_KCV_MESSAGE_LEN, kcv) != EL_ST_OK ||
          memcmp(kcv, want, 32) != 0)
        bad++;
    }
    if (!cut) break;
    cuts++;
  }
  printf("cuts %ld old %ld new %ld bad %ld\n", cuts, old_state, new_state, bad);
}

/* Stores values 1..stores in a record, cutting power at every byte operation of the last store. */
static void powerloss_record(int stores) {
  static const el_record_def_t def = { { EL_REGION_KEYS_A, EL_REGION_KEYS_B }, 0x54534554u, 8 };
  static uint8_t *snap[EL_REGION_COUNT];
  uint8_t body[8];
  el_record_state_t st;
  sim_storage_reset();
  (void)el_record_load(&def, body, &st);
  for (int v = 1; v < stores; v++) {
    memset(body, v, sizeof body);
    if (!el_record_store(&def, body, &st)) { printf("setup failed\n"); return; }
  }
  sim_snapshot(snap);
  long cuts = 0, old_state = 0, new_state = 0, bad = 0;
  for (long n = 0;; n++) {
    sim_restore(snap);
    el_record_state_t s2;
    (void)el_record_load(&def, body, &s2);
    memset(body, stores, sizeof body);
    sim_power_cut_after(n);
    bool ok = el_record_store(&def, body, &s2);
    int cut = sim_power_was_cut();
    sim_power_restore();
    uint8_t got[8];
    if (!el_record_load(&def, got, &s2)) bad++;
    else if (got[0] == stores - 1 && !ok) old_state++;
    else if (got[0] == stores) new_state++;
    else bad++;
    for (int i = 1; i < 8; i++) if (got[i] != got[0]) bad++;
    if (!cut) break;
    cuts++;
  }
  printf("cuts %ld old %ld new %ld bad %ld\n", cuts, old_state, new_state, bad);
}

int main(void) {
  static char line[4 * MAXB];
  sim_storage_reset();
  el_firmware_init();
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\r\n")] = 0;
    char *cmd = strtok(line, " ");
    if (!cmd) continue;
    char *a1 = strtok(NULL, " "), *a2 = strtok(NULL, " "), *a3 = strtok(NULL, " "), *a4 = strtok(NULL, " "), *a5 = strtok(NULL, " ");
    if (strcmp(cmd, "sha256") == 0) {
      long n = unhex(a1, A);
      el_sha256(A, (size_t)n, O);
      puthex(O, 32);
    } else if (strcmp(cmd, "sha256rep") == 0) {
      long n = unhex(a1, A), count = atol(a2);
      el_sha256_t c;
      el_sha256_init(&c);
      for (long i = 0; i < count; i++) el_sha256_update(&c, A, (size_t)n);
      el_sha256_final(&c, O);
      puthex(O, 32);
    } else if (strcmp(cmd, "hmac") == 0) {
      long k = unhex(a1, A), m = unhex(a2, B);
      el_hmac_sha256(A, (size_t)k, B, (size_t)m, O);
      puthex(O, 32);
    } else if (strcmp(cmd, "hkdf") == 0) {
      long s = unhex(a1, A), k = unhex(a2, B), i = unhex(a3, C), L = atol(a4);
      if (!el_hkdf(A, (size_t)s, B, (size_t)k, C, (size_t)i, O, (size_t)L)) printf("error\n");
      else puthex(O, (size_t)L);
    } else if (strcmp(cmd, "chacha") == 0 || strcmp(cmd, "chachablock") == 0) {
      long k = unhex(a1, A), nn = unhex(a2, B), n = cmd[6] == 0 ? unhex(a4, C) : 64;
      if (k != 32 || nn != 12 || n < 0) {
        printf("error\n");
      } else if (cmd[6] == 0) {
        el_chacha20_xor(A, B, (uint32_t)strtoul(a3, NULL, 0), C, C, (size_t)n); /* in place, as the firmware uses it */
        puthex(C, (size_t)n);
      } else {
        el_chacha20_block(A, (uint32_t)strtoul(a3, NULL, 0), B, O);
        puthex(O, 64);
      }
    } else if (strcmp(cmd, "keywrite") == 0) {
      long k = unhex(a1, A);
      printf("%02x\n", k == EL_KEY_SIZE ? el_keystore_write(0, A) : 0xff);
    } else if (strcmp(cmd, "kshkdf") == 0) {
      long s = unhex(a1, A), i = unhex(a2, C);
      C[i < 0 ? 0 : i] = 0;
      uint8_t st = el_keystore_hkdf(0, A, (size_t)s, (const char *)C, O);
      if (st != EL_ST_OK) printf("status %02x\n", st);
      else puthex(O, 32);
    } else if (strcmp(cmd, "lockkey") == 0) {
      long l = unhex(a3, A), w = unhex(a4, B);
      uint8_t id[EL_LOCK_KEY_ID_SIZE];
      if (a4 && strcmp(a4, "raw") == 0) el_lock_clear((uint8_t)atoi(a1));
      else el_lock_set_package((uint8_t)atoi(a1), w == 32 ? B : NULL);
      long h = unhex(a5, C);
      uint8_t st = l == EL_LOCK_ID_SIZE && h == 32 ? el_lock_derive_key((uint8_t)atoi(a1), (uint8_t)atoi(a2), A, C, O) : 0xff;
      if (st != EL_ST_OK) {
        printf("status %02x\n", st);
      } else {
        el_lock_key_id(O, id);
        for (unsigned i = 0; i < 32; i++) printf("%02x", O[i]);
        printf(" ");
        puthex(id, sizeof id);
      }
    } else if (strcmp(cmd, "crc32") == 0) {
      long n = unhex(a1, A);
      printf("%08x\n", el_crc32(0, A, (size_t)n));
    } else if (strcmp(cmd, "cobs") == 0) {
      long n = unhex(a1, A);
      puthex(O, el_cobs_encode(A, (size_t)n, O));
    } else if (strcmp(cmd, "uncobs") == 0) {
      long n = unhex(a1, A);
      size_t m = el_cobs_decode(A, (size_t)n, O);
      if (m == (size_t)-1) printf("invalid\n");
      else puthex(O, m);
    } else if (strcmp(cmd, "frame") == 0) {
      long n = unhex(a3, A);
      puthex(O, el_frame_encode((uint8_t)atoi(a1), (uint16_t)atoi(a2), A, (uint16_t)n, B, O));
    } else if (strcmp(cmd, "rx") == 0) {
      long n = unhex(a1, A);
      el_firmware_rx(A, (size_t)n);
      puthex(O, sim_take_output(O, sizeof O));
    } else if (strcmp(cmd, "init") == 0) {
      el_firmware_init();
      printf("ok\n");
    } else if (strcmp(cmd, "wipe") == 0) {
      sim_storage_reset();
      el_firmware_init();
      printf("ok\n");
    } else if (strcmp(cmd, "markanswer") == 0) {
      long n = unhex(a4, O);
      uint32_t size = (uint32_t)atoi(a1);
      if (n < 0 || size == 0u) {
        printf("invalid\n");
      } else {
        el_mark_answer(O, (uint32_t)n / size, size, (uint32_t)atoi(a2), (uint32_t)atoi(a3));
        puthex(O, (size_t)n);
      }
    } else if (strcmp(cmd, "markapply") == 0) {
      long r = unhex(a1, A), k = unhex(a2, B), n = unhex(a3, C), m = unhex(a5, O);
      uint32_t size = a4 ? (uint32_t)atoi(a4) : 0u, gate_bits;
      el_mark_params_t p;
      if (r != 16 || k != 32 || n < 0 || m < 0 || size == 0u) {
        printf("invalid\n");
      } else {
        p.rate_ppm = (uint32_t)A[0] | (uint32_t)A[1] << 8 | (uint32_t)A[2] << 16 | (uint32_t)A[3] << 24;
        p.groups = (uint16_t)(A[4] | A[5] << 8);
        p.levels = A[6];
        p.scheme = A[7];
        gate_bits = (uint32_t)A[8] | (uint32_t)A[9] << 8 | (uint32_t)A[10] << 16 | (uint32_t)A[11] << 24;
        memcpy(&p.gate, &gate_bits, 4);
        int marked = el_mark_apply_key(B, &p, (const int8_t *)C, (uint32_t)n, O, (uint32_t)m / size, size);
        printf("%d ", marked);
        puthex(O, (size_t)m);
      }
    } else if (strcmp(cmd, "offsetsapply") == 0) {
      static el_offsets_params_t op;
      long r = unhex(a1, A), k = unhex(a2, B), n = unhex(a3, C), m = unhex(a5, O);
      uint32_t size = a4 ? (uint32_t)atoi(a4) : 0u;
      if (r < 0 || k != 32 || n < 0 || m < 0 || size == 0u) {
        printf("invalid\n");
      } else if (!el_offsets_parse(A, (uint32_t)r, &op)) {
        printf("record\n");
      } else {
        int applied = el_offsets_apply_key(B, &op, (const int8_t *)C, (uint32_t)n, O, (uint32_t)m / size, size);
        printf("%d ", applied);
        puthex(O, (size_t)m);
      }
    } else if (strcmp(cmd, "powerloss-key") == 0) {
      powerloss_key();
    } else if (strcmp(cmd, "powerloss-record") == 0) {
      powerloss_record(atoi(a1));
    } else {
      printf("unknown\n");
    }
    fflush(stdout);
  }
  return 0;
}
