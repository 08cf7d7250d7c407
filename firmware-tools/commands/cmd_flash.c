#include "el_flash.h"
#include "el_bytes.h"
#include "el_keystore.h"
#include "el_lock.h"
#include "el_package.h"
#include "el_protocol.h"
#include "el_query_limit.h"
#include "el_response_mark.h"
#include "el_runtime_hook.h"
#include "el_slots.h"
#include <stdbool.h>
#include <string.h>

/* Where the upload continues, while known in RAM. After a reset it is recomputed from storage (resume_offset). */
static struct {
  bool known;
  uint8_t slot;
  uint32_t next;
} g_up;

/* The slot holding a package upload in progress (LOADING, kind package), or EL_SLOT_NONE. */
static uint8_t loading_slot(void) {
  for (uint8_t s = 0; s < EL_MODEL_SLOTS; s++)
    if (el_slot_state(s) == EL_SLOT_STATE_LOADING && el_slot_kind(s) == EL_SLOT_KIND_PACKAGE) return s;
  return EL_SLOT_NONE;
}

/* One past the last programmed byte: every byte from there on is still erased (0xFF), so programming it again
 * gives exactly the data; the bytes before it are checked by the host against FLASH_STATUS's prefix hash. */
static uint32_t resume_offset(uint8_t slot) {
  const uint8_t *b = el_slot_bytes(slot);
  uint32_t n = el_slot_size(slot);
  if (!b) return 0;
  while (n > 0 && b[n - 1] == 0xFFu) n--;
  return n;
}

static uint32_t position(uint8_t slot) {
  if (!g_up.known || g_up.slot != slot) {
    g_up.known = true;
    g_up.slot = slot;
    g_up.next = resume_offset(slot);
  }
  return g_up.next;
}

static uint8_t prepare(uint8_t slot, const el_package_t *p) {
  const el_runtime_hook_t *rt = el_runtime_hook();
  el_lock_set_package(slot, p->wrapped_key); /* its tag verified (el_package_verify) */
  el_query_slot_limits(slot, p->has_limits ? &p->limits : NULL);
  el_mark_slot_params(slot, p->has_mark ? &p->mark : NULL);
  el_offsets_slot_record(slot, p->offsets, p->offsets_len);
  if (!rt || !rt->prepare) return EL_ST_OK;
  return rt->prepare(slot, p->model, p->model_size);
}

uint8_t el_flash_prepare_slot(uint8_t slot) {
  const uint8_t *b = el_slot_bytes(slot);
  el_package_t p;
  if (!b) return EL_ST_ERR_STORAGE;
  uint8_t st = el_package_verify(b, el_slot_size(slot), &p);
  return st == EL_ST_OK ? prepare(slot, &p) : st;
}

uint8_t el_cmd_flash_begin(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  (void)req_len;
  uint32_t size = el_get_u32(req + EL_FLASH_BEGIN_REQ_SIZE_OFF);
  const uint8_t *sha = req + EL_FLASH_BEGIN_REQ_SHA256_OFF;
  uint8_t active = el_slots_active();
  if (!(el_keystore_mask() & 1u)) return EL_ST_ERR_KEY_EMPTY;
  if (active != EL_SLOT_NONE && el_slot_size(active) == size &&
      el_ct_equal(el_slot_sha256(active), sha, EL_SHA256_SIZE)) {
    rsp[EL_FLASH_BEGIN_RSP_SLOT_OFF] = active;
    *rsp_len = EL_FLASH_BEGIN_RSP_FIXED_SIZE;
    return EL_ST_OK_UNCHANGED;
  }
  if (size < EL_PKG_HEADER_SIZE + EL_PKG_TAG_SIZE) return EL_ST_ERR_BAD_ARGUMENT;
  uint8_t target = active == EL_SLOT_NONE ? 0u : (uint8_t)((active + 1u) % EL_MODEL_SLOTS);
  /* An abandoned upload in a third slot (boards with more than two) is dropped: one upload at a time. */
  for (uint8_t s = 0; s < EL_MODEL_SLOTS; s++)
    if (s != target && s != active && el_slot_state(s) == EL_SLOT_STATE_LOADING &&
        el_slot_kind(s) == EL_SLOT_KIND_PACKAGE)
      (void)el_slot_discard(s);
  g_up.known = false;
  uint8_t st = el_slot_package_begin(target, size, sha);
  if (st != EL_ST_OK) return st;
  g_up.known = true;
  g_up.slot = target;
  g_up.next = 0;
  rsp[EL_FLASH_BEGIN_RSP_SLOT_OFF] = target;
  *rsp_len = EL_FLASH_BEGIN_RSP_FIXED_SIZE;
  return EL_ST_OK;
}

uint8_t el_cmd_flash_chunk(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  uint32_t offset = el_get_u32(req + EL_FLASH_CHUNK_REQ_OFFSET_OFF);
  uint32_t len = (uint32_t)(req_len - EL_FLASH_CHUNK_REQ_FIXED_SIZE);
  uint8_t slot = loading_slot();
  uint32_t next = slot == EL_SLOT_NONE ? 0u : position(slot);
  *rsp_len = EL_FLASH_CHUNK_RSP_FIXED_SIZE;
  el_put_u32(rsp + EL_FLASH_CHUNK_RSP_NEXT_OFFSET_OFF, next);
  if (slot == EL_SLOT_NONE || offset != next) return EL_ST_ERR_FLASH_SEQUENCE;
  if (len == 0 || len > el_slot_size(slot) - offset) return EL_ST_ERR_BAD_ARGUMENT;
  if (!el_slot_program(slot, offset, req + EL_FLASH_CHUNK_REQ_DATA_OFF, len)) {
    g_up.known = false; /* recompute from storage */
    return EL_ST_ERR_STORAGE;
  }
  g_up.next = offset + len;
  el_put_u32(rsp + EL_FLASH_CHUNK_RSP_NEXT_OFFSET_OFF, g_up.next);
  return EL_ST_OK;
}

uint8_t el_cmd_flash_status(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  (void)req;
  (void)req_len;
  uint8_t slot = loading_slot();
  memset(rsp + 1, 0, EL_FLASH_STATUS_RSP_FIXED_SIZE - 1u);
  *rsp_len = EL_FLASH_STATUS_RSP_FIXED_SIZE;
  rsp[EL_FLASH_STATUS_RSP_SLOT_OFF] = slot;
  if (slot == EL_SLOT_NONE) return EL_ST_OK;
  uint32_t next = position(slot);
  rsp[EL_FLASH_STATUS_RSP_LOADING_OFF] = 1;
  el_put_u32(rsp + EL_FLASH_STATUS_RSP_SIZE_OFF, el_slot_size(slot));
  memcpy(rsp + EL_FLASH_STATUS_RSP_SHA256_OFF, el_slot_sha256(slot), EL_SHA256_SIZE);
  el_put_u32(rsp + EL_FLASH_STATUS_RSP_NEXT_OFFSET_OFF, next);
  if (!el_slot_hash(slot, next, rsp + EL_FLASH_STATUS_RSP_PREFIX_SHA256_OFF)) return EL_ST_ERR_STORAGE;
  return EL_ST_OK;
}

/* Any failure after the upload discards it; the active slot was never touched. */
static uint8_t fail(uint8_t slot, uint8_t st) {
  g_up.known = false;
  (void)el_slot_discard(slot);
  return st;
}

uint8_t el_cmd_flash_end(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  (void)req;
  (void)req_len;
  uint8_t slot = loading_slot();
  if (slot == EL_SLOT_NONE) return EL_ST_ERR_FLASH_SEQUENCE;
  uint32_t size = el_slot_size(slot);
  if (position(slot) != size) return EL_ST_ERR_FLASH_SEQUENCE;
  uint8_t got[EL_SHA256_SIZE];
  if (!el_slot_hash(slot, size, got)) return fail(slot, EL_ST_ERR_STORAGE);
  if (!el_ct_equal(got, el_slot_sha256(slot), EL_SHA256_SIZE)) return fail(slot, EL_ST_ERR_FLASH_HASH);
  const uint8_t *bytes = el_slot_bytes(slot);
  if (!bytes) return fail(slot, EL_ST_ERR_STORAGE);
  el_package_t p;
  uint8_t st = el_package_verify(bytes, size, &p);
  if (st != EL_ST_OK) return fail(slot, st);
  if (p.security_counter < el_slots_counter()) return fail(slot, EL_ST_ERR_PKG_ROLLBACK);
  st = prepare(slot, &p);
  if (st != EL_ST_OK) return fail(slot, st);
  st = el_slot_activate(slot, p.security_counter);
  if (st != EL_ST_OK) return fail(slot, st);
  g_up.known = false;
  rsp[EL_FLASH_END_RSP_SLOT_OFF] = slot;
  el_put_u32(rsp + EL_FLASH_END_RSP_SECURITY_COUNTER_OFF, p.security_counter);
  *rsp_len = EL_FLASH_END_RSP_FIXED_SIZE;
  return EL_ST_OK;
}
