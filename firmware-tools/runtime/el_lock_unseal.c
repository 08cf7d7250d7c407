#include "el_lock_unseal.h"

#include <string.h>

#include "el_bytes.h"
#include "el_chacha20.h"
#include "el_flatbuffer.h"
#include "el_lock.h"
#include "el_protocol.h"
#include "el_sha256.h"

/* TFLite schema field ids read here. */
enum { MODEL_SUBGRAPHS = 2, MODEL_BUFFERS = 4, MODEL_METADATA = 6 };
enum { METADATA_NAME = 0, METADATA_BUFFER = 1 };
enum { SG_TENSORS = 0 };
enum { TENSOR_SHAPE = 0, TENSOR_TYPE = 1, TENSOR_BUFFER = 2 };
enum { BUFFER_DATA = 0 };

/* Descriptor layout (src/lock/tflite-descriptor.ts, docs/security.md). */
#define DESC_HEADER 44u
#define DESC_ENTRY 16u
#define DESC_LOCK_ID 8u
#define DESC_KEY_ID 24u
#define DESC_SALT 32u
#define DESC_SALT_LEN 8u
#define DESC_COUNT 40u
#define DESC_VERSION 2u /* 2: the lock key is bound to the model (binding hash); 1 is refused */
#define SCHEME_SEAL 1u
#define SCHEME_HPNN 2u
#define CIPHER_CHACHA20 1u
#define KIND_SEALED 1u
#define KIND_HPNN_WEIGHT 2u
#define KIND_HPNN_BIAS 3u
#define KEY_BITS_STREAM 0xFFFFFFFFu

#define TRY(expr)                       \
  do {                                  \
    el_status try_s_ = (expr);          \
    if (try_s_ != EL_OK) return try_s_; \
  } while (0)

static const char k_metadata_name[] = "edgelock.lock";

typedef struct {
  const uint8_t *desc; /* the descriptor, in place in the model; NULL: not locked */
  uint32_t entries;
  uint8_t status; /* last answer of load/unlock */
  uint8_t unlocked;
  uint8_t stream; /* streaming mode: sealed inputs restored before each operator (el_lock_unseal.h) */
  uint8_t slot;
  size_t ram_used; /* RAM mode: all restored tensors; streaming: the largest operator's */
  uint8_t key[32]; /* streaming mode only, while unlocked: the checked lock key */
} lock_slot;

/* A constant tensor as stored in the flatbuffer. */
typedef struct {
  const uint8_t *data;
  uint32_t bytes;
  uint8_t type;
  uint32_t rank;
  uint32_t dims[EL_MAX_DIMS];
} const_tensor;

/* One descriptor entry: u32 tensor | u8 kind | u8 axis | u16 0 | u32 a | u32 b. */
typedef struct {
  uint32_t tensor;
  uint8_t kind;
  uint8_t axis;
  uint32_t a, b;
} lock_entry;

static lock_slot g_lock[EL_MODEL_SLOTS];
static uint8_t g_ram[EL_MODEL_SLOTS][EL_LOCK_RAM_BYTES] __attribute__((aligned(16)));

static size_t align16(size_t n) { return (n + 15u) & ~(size_t)15u; }

static void read_entry(const uint8_t *desc, uint32_t i, lock_entry *e) {
  const uint8_t *p = desc + DESC_HEADER + (size_t)i * DESC_ENTRY;
  e->tensor = el_get_u32(p);
  e->kind = p[4];
  e->axis = p[5];
  e->a = el_get_u32(p + 8);
  e->b = el_get_u32(p + 12);
}

/* The data vector of buffer `index` (n == 0: no data). */
static el_status buffer_data(const el_fb *fb, const el_fbt *model, uint32_t index, el_fbv *data) {
  el_fbv buffers;
  el_fbt bt;
  TRY(el_fbt_vector(model, MODEL_BUFFERS, 4, &buffers));
  if (index >= buffers.n) return EL_ERR_MALFORMED;
  TRY(el_fbv_table(fb, &buffers, index, &bt));
  return el_fbt_vector(&bt, BUFFER_DATA, 1, data);
}

/* The descriptor bytes (metadata "edgelock.lock"), *desc = NULL when the model has none. */
static el_status find_descriptor(const el_fb *fb, const uint8_t **desc, uint32_t *len) {
  el_fbt model, md;
  el_fbv metadata, name, data;
  uint32_t i, buffer;
  *desc = NULL;
  *len = 0;
  TRY(el_fb_root(fb, "TFL3", &model));
  TRY(el_fbt_vector(&model, MODEL_METADATA, 4, &metadata));
  for (i = 0; i < metadata.n; i++) {
    TRY(el_fbv_table(fb, &metadata, i, &md));
    TRY(el_fbt_vector(&md, METADATA_NAME, 1, &name));
    if (name.n != sizeof k_metadata_name - 1u || memcmp(fb->buf + name.pos, k_metadata_name, name.n) != 0) continue;
    TRY(el_fbt_u32(&md, METADATA_BUFFER, 0, &buffer));
    TRY(buffer_data(fb, &model, buffer, &data));
    *desc = fb->buf + data.pos;
    *len = data.n;
    return EL_OK;
  }
  return EL_OK;
}

/* Tensor `index` of subgraph 0 with its constant data as stored in the file (before any unlock). */
static el_status stored_tensor(const el_fb *fb, uint32_t index, const_tensor *t) {
  el_fbt model, sg, tt;
  el_fbv subgraphs, tensors, shape, data;
  uint32_t buffer, d;
  TRY(el_fb_root(fb, "TFL3", &model));
  TRY(el_fbt_vector(&model, MODEL_SUBGRAPHS, 4, &subgraphs));
  if (subgraphs.n < 1) return EL_ERR_MALFORMED;
  TRY(el_fbv_table(fb, &subgraphs, 0, &sg));
  TRY(el_fbt_vector(&sg, SG_TENSORS, 4, &tensors));
  if (index >= tensors.n) return EL_ERR_ARGUMENT;
  TRY(el_fbv_table(fb, &tensors, index, &tt));
  TRY(el_fbt_vector(&tt, TENSOR_SHAPE, 4, &shape));
  if (shape.n > EL_MAX_DIMS) return EL_ERR_LIMIT;
  t->rank = shape.n;
  for (d = 0; d < shape.n; d++) t->dims[d] = el_rd_u32(el_fbv_at(fb, &shape, 4, d));
  TRY(el_fbt_u8(&tt, TENSOR_TYPE, 0, &t->type));
  TRY(el_fbt_u32(&tt, TENSOR_BUFFER, 0, &buffer));
  TRY(buffer_data(fb, &model, buffer, &data));
  t->data = fb->buf + data.pos;
  t->bytes = data.n;
  return EL_OK;
}

static size_t elem_size(uint8_t type) {
  return type == EL_INT8 ? 1u : (type == EL_INT32 || type == EL_FLOAT32) ? 4u : 0u;
}

/* Elements before / after `axis` (units are dims[axis]); all dims were validated by Prepare (>= 1, product < 2^28). */
static void split_at(const const_tensor *t, uint32_t axis, size_t *outer, size_t *inner) {
  uint32_t d;
  *outer = 1;
  *inner = 1;
  for (d = 0; d < axis; d++) *outer *= t->dims[d];
  for (d = axis + 1; d < t->rank; d++) *inner *= t->dims[d];
}

/* The descriptor entry of tensor `tensor`, or -1. */
static int32_t entry_of(const uint8_t *desc, uint32_t entries, uint32_t tensor) {
  for (uint32_t i = 0; i < entries; i++)
    if (el_get_u32(desc + DESC_HEADER + (size_t)i * DESC_ENTRY) == tensor) return (int32_t)i;
  return -1;
}

/* Streaming RAM: the largest sum, over operators, of the restored inputs one operator needs at once. */
static size_t stream_peak(const el_model *m, const uint8_t *desc, uint32_t entries) {
  size_t peak = 0;
  for (uint32_t node = 0; node < el_model_node_count(m); node++) {
    size_t need = 0;
    uint32_t t;
    for (uint32_t k = 0; k < el_model_node_input_count(m, node); k++) {
      if ((t = el_model_node_input(m, node, k)) != UINT32_MAX && entry_of(desc, entries, t) >= 0)
        need += align16(el_model_tensor_bytes(m, t, NULL));
    }
    if (need > peak) peak = need;
  }
  return peak;
}

/* Key-independent checks of the descriptor against the prepared model; chooses RAM or streaming mode and sets the
 * RAM the unlock will need. */
static uint8_t validate(const el_model *m, const el_fb *fb, const uint8_t *desc, uint32_t len, size_t *ram,
                        uint8_t *stream) {
  uint32_t n, i, j;
  *ram = 0;
  if (len < DESC_HEADER || memcmp(desc, "ELK1", 4) != 0 || desc[4] != DESC_VERSION) return EL_ST_ERR_LOCK_DESCRIPTOR;
  if ((desc[5] != SCHEME_SEAL && desc[5] != SCHEME_HPNN) || desc[6] != CIPHER_CHACHA20)
    return EL_ST_ERR_LOCK_DESCRIPTOR;
  if (desc[7] != EL_LOCK_BINDING_DEVICE && desc[7] != EL_LOCK_BINDING_MODEL) return EL_ST_ERR_LOCK_DESCRIPTOR;
  n = el_get_u32(desc + DESC_COUNT);
  if (n == 0 || n > EL_MAX_TENSORS || len != DESC_HEADER + (uint64_t)n * DESC_ENTRY) return EL_ST_ERR_LOCK_DESCRIPTOR;
  for (i = 0; i < n; i++) {
    lock_entry e, f;
    const_tensor t;
    int is_const = 0;
    size_t bytes;
    read_entry(desc, i, &e);
    bytes = el_model_tensor_bytes(m, e.tensor, &is_const);
    if (bytes == 0 || !is_const || stored_tensor(fb, e.tensor, &t) != EL_OK || t.bytes != bytes)
      return EL_ST_ERR_LOCK_DESCRIPTOR;
    for (j = 0; j < i; j++) {
      const_tensor u;
      read_entry(desc, j, &f);
      if (f.tensor == e.tensor) return EL_ST_ERR_LOCK_DESCRIPTOR; /* each tensor is restored once */
      if (stored_tensor(fb, f.tensor, &u) != EL_OK) return EL_ST_ERR_LOCK_DESCRIPTOR;
      if (t.data < u.data + u.bytes && u.data < t.data + t.bytes) return EL_ST_ERR_LOCK_DESCRIPTOR; /* shared data */
    }
    if (t.data < desc + DESC_HEADER && desc < t.data + t.bytes)
      return EL_ST_ERR_LOCK_DESCRIPTOR; /* overlaps the header */
    if (desc[5] == SCHEME_SEAL) {
      if (e.kind != KIND_SEALED || e.a != bytes) return EL_ST_ERR_LOCK_DESCRIPTOR;
    } else {
      if (e.kind != KIND_HPNN_WEIGHT && e.kind != KIND_HPNN_BIAS) return EL_ST_ERR_LOCK_DESCRIPTOR;
      if (elem_size(t.type) == 0 || e.axis >= t.rank || t.dims[e.axis] != e.b) return EL_ST_ERR_LOCK_DESCRIPTOR;
      if (e.kind == KIND_HPNN_BIAS && (t.rank != 1 || e.axis != 0)) return EL_ST_ERR_LOCK_DESCRIPTOR;
      if ((uint64_t)e.a + e.b > KEY_BITS_STREAM) return EL_ST_ERR_LOCK_DESCRIPTOR;
    }
    *ram += align16(bytes);
  }
  *stream = EL_LOCK_STREAMING || *ram > EL_LOCK_RAM_BYTES;
  if (*stream) *ram = stream_peak(m, desc, n);
  return *ram > EL_LOCK_RAM_BYTES ? EL_ST_ERR_LOCK_RAM : EL_ST_OK;
}

/* Key bit `j` of an hpnn lock: bit (j mod 8), LSB first, of byte j/8 of keystream 0xFFFFFFFF. One cached block. */
typedef struct {
  const uint8_t *key;
  uint8_t nonce[EL_CHACHA20_NONCE];
  uint32_t block;
  uint8_t have;
  uint8_t ks[EL_CHACHA20_BLOCK];
} key_bits;

static int key_bit(key_bits *kb, uint32_t j) {
  uint32_t byte = j >> 3, block = byte / EL_CHACHA20_BLOCK;
  if (!kb->have || kb->block != block) {
    el_chacha20_block(kb->key, block, kb->nonce, kb->ks);
    kb->block = block;
    kb->have = 1;
  }
  return (kb->ks[byte % EL_CHACHA20_BLOCK] >> (j & 7u)) & 1;
}

/* Negates, in `data`, the slices along entry e's axis whose key bit is 1 (exact: no int8 -128, no INT32_MIN). */
static void negate_units(key_bits *kb, const lock_entry *e, const const_tensor *t, uint8_t *data) {
  size_t outer, inner, o, i, es = elem_size(t->type);
  uint32_t u;
  split_at(t, e->axis, &outer, &inner);
  for (u = 0; u < e->b; u++) {
    if (!key_bit(kb, e->a + u)) continue;
    for (o = 0; o < outer; o++) {
      uint8_t *p = data + ((o * e->b + u) * inner) * es;
      for (i = 0; i < inner; i++, p += es) {
        if (t->type == EL_INT8) {
          p[0] = (uint8_t)(0u - p[0]);
        } else if (t->type == EL_FLOAT32) {
          p[3] ^= 0x80u; /* the sign bit of a little-endian float */
        } else {
          el_put_u32(p, 0u - el_get_u32(p));
        }
      }
    }
  }
}

static void set_nonce(uint8_t nonce[EL_CHACHA20_NONCE], const uint8_t *salt, uint32_t stream) {
  memcpy(nonce, salt, DESC_SALT_LEN);
  el_put_u32(nonce + DESC_SALT_LEN, stream);
}

/*
 * The binding hash (src/lock/model-binding.ts): SHA-256 of the model file with the data of every entry's tensor and
 * the descriptor's key id read as zeros. Ranges were checked disjoint at load; they are fed in file order.
 */
static uint8_t binding_hash(const lock_slot *ls, const el_fb *fb, uint8_t out[EL_SHA256_SIZE]) {
  static const uint8_t zeros[64] = {0};
  el_sha256_t c;
  size_t pos = 0, end = fb->len;
  el_sha256_init(&c);
  for (;;) {
    /* the next range starting at or after pos: the key id field or an entry's data */
    size_t at = end, n = 0;
    size_t kid = (size_t)(ls->desc + DESC_KEY_ID - fb->buf);
    uint32_t i;
    if (kid >= pos) {
      at = kid;
      n = EL_LOCK_KEY_ID_SIZE;
    }
    for (i = 0; i < ls->entries; i++) {
      lock_entry e;
      const_tensor t;
      size_t o;
      read_entry(ls->desc, i, &e);
      if (stored_tensor(fb, e.tensor, &t) != EL_OK) return EL_ST_ERR_INTERNAL; /* validated at load */
      o = (size_t)(t.data - fb->buf);
      if (o >= pos && o < at) {
        at = o;
        n = t.bytes;
      }
    }
    el_sha256_update(&c, fb->buf + pos, at - pos);
    if (at == end) break;
    for (pos = at; pos < at + n;) {
      size_t k = at + n - pos < sizeof zeros ? at + n - pos : sizeof zeros;
      el_sha256_update(&c, zeros, k);
      pos += k;
    }
  }
  el_sha256_final(&c, out);
  return EL_ST_OK;
}

/* Restores entry `i` (sealed bytes from the model) into `ram` and points the model's tensor at it. */
static uint8_t restore(const uint8_t *desc, uint32_t i, const uint8_t key[32], key_bits *kb, el_model *m, uint8_t *ram,
                       size_t *bytes) {
  lock_entry e;
  const_tensor t;
  uint8_t nonce[EL_CHACHA20_NONCE];
  el_fb fb = {m->fb, m->fb_len};
  read_entry(desc, i, &e);
  if (stored_tensor(&fb, e.tensor, &t) != EL_OK) return EL_ST_ERR_INTERNAL; /* validated at load */
  memcpy(ram, t.data, t.bytes);
  if (e.kind == KIND_SEALED) {
    set_nonce(nonce, desc + DESC_SALT, e.b);
    el_chacha20_xor(key, nonce, 0, ram, ram, t.bytes);
  } else {
    negate_units(kb, &e, &t, ram);
  }
  *bytes = t.bytes;
  return el_model_set_tensor_data(m, e.tensor, ram, t.bytes) == EL_OK ? EL_ST_OK : EL_ST_ERR_INTERNAL;
}

/*
 * Streaming mode: before each operator, its sealed inputs are restored into the slot's RAM (one operator's worth at
 * a time, so the model's total sealed bytes are not bounded by EL_LOCK_RAM_BYTES); after the last operator the RAM
 * is wiped. The lock key stays in this module's RAM while the model is unlocked (on a TrustZone board: secure RAM).
 */
static void stream_hook(el_model *m, uint32_t node, void *ctx) {
  lock_slot *ls = (lock_slot *)ctx;
  uint8_t *base = g_ram[ls->slot];
  size_t off = 0, bytes;
  uint32_t t;
  key_bits kb;
  if (node >= el_model_node_count(m)) {
    el_wipe(base, ls->ram_used);
    return;
  }
  kb.key = ls->key;
  kb.have = 0;
  set_nonce(kb.nonce, ls->desc + DESC_SALT, KEY_BITS_STREAM);
  for (uint32_t k = 0; k < el_model_node_input_count(m, node); k++) {
    int32_t i;
    if ((t = el_model_node_input(m, node, k)) == UINT32_MAX || (i = entry_of(ls->desc, ls->entries, t)) < 0) continue;
    if (restore(ls->desc, (uint32_t)i, ls->key, &kb, m, base + off, &bytes) != EL_ST_OK) break;
    off += align16(bytes);
  }
  el_wipe(&kb, sizeof kb);
}

/* Steps 3-7: derive and check the lock key, restore every entry into the slot's RAM, point the model at it. */
static uint8_t unlock(uint8_t slot, el_model *m) {
  lock_slot *ls = &g_lock[slot];
  const uint8_t *desc = ls->desc;
  el_fb fb = {m->fb, m->fb_len};
  uint8_t key[32], id[EL_LOCK_KEY_ID_SIZE];
  key_bits kb;
  size_t off = 0;
  uint32_t i;
  uint8_t hash[EL_SHA256_SIZE];
  uint8_t st = el_lock_slot_is_package(slot) ? binding_hash(ls, &fb, hash) : EL_ST_ERR_LOCK_SOURCE;
  if (st != EL_ST_OK) return st;
  st = el_lock_derive_key(slot, desc[7], desc + DESC_LOCK_ID, hash, key);
  if (st != EL_ST_OK) return st;
  el_lock_key_id(key, id);
  if (!el_ct_equal(id, desc + DESC_KEY_ID, EL_LOCK_KEY_ID_SIZE)) {
    el_wipe(key, sizeof key);
    return EL_ST_ERR_LOCK_KEY;
  }
  if (ls->stream) {
    memcpy(ls->key, key, sizeof key);
    el_wipe(key, sizeof key);
    ls->slot = slot;
    if (el_model_set_node_hook(m, stream_hook, ls) != EL_OK) {
      el_wipe(ls->key, sizeof ls->key);
      return EL_ST_ERR_INTERNAL;
    }
    ls->unlocked = 1;
    return EL_ST_OK;
  }
  kb.key = key;
  kb.have = 0;
  set_nonce(kb.nonce, desc + DESC_SALT, KEY_BITS_STREAM);
  for (i = 0; i < ls->entries && st == EL_ST_OK; i++) {
    size_t bytes = 0;
    st = restore(desc, i, key, &kb, m, g_ram[slot] + off, &bytes);
    off += align16(bytes);
  }
  el_wipe(key, sizeof key);
  el_wipe(&kb, sizeof kb);
  if (st != EL_ST_OK) {
    el_wipe(g_ram[slot], off);
    return st;
  }
  ls->unlocked = 1;
  return EL_ST_OK;
}

uint8_t el_lock_slot_load(uint8_t slot, el_model *m) {
  el_fb fb;
  const uint8_t *desc;
  uint32_t len;
  size_t ram;
  lock_slot *ls;
  if (slot >= EL_MODEL_SLOTS || m == NULL || !m->prepared) return EL_ST_ERR_INTERNAL;
  el_lock_slot_release(slot);
  ls = &g_lock[slot];
  fb.buf = m->fb;
  fb.len = m->fb_len;
  if (find_descriptor(&fb, &desc, &len) != EL_OK) return ls->status = EL_ST_ERR_LOCK_DESCRIPTOR;
  if (desc == NULL) return EL_ST_OK; /* step 1: not locked, runs as usual */
  ls->status = validate(m, &fb, desc, len, &ram, &ls->stream);
  if (ls->status != EL_ST_OK) return ls->status;
  ls->ram_used = ram;
  ls->desc = desc;
  ls->entries = el_get_u32(desc + DESC_COUNT);
  (void)el_lock_slot_unlock(slot, m); /* a missing key is not a load failure: RUN retries and reports it */
  return EL_ST_OK;
}

uint8_t el_lock_slot_unlock(uint8_t slot, el_model *m) {
  lock_slot *ls;
  if (slot >= EL_MODEL_SLOTS) return EL_ST_ERR_MODEL_SLOT;
  ls = &g_lock[slot];
  if (ls->desc == NULL || ls->unlocked) return ls->status;
  return ls->status = unlock(slot, m);
}

uint8_t el_lock_slot_status(uint8_t slot) { return slot < EL_MODEL_SLOTS ? g_lock[slot].status : EL_ST_ERR_MODEL_SLOT; }

size_t el_lock_slot_ram_used(uint8_t slot) { return slot < EL_MODEL_SLOTS ? g_lock[slot].ram_used : 0; }

void el_lock_slot_release(uint8_t slot) {
  lock_slot *ls;
  if (slot >= EL_MODEL_SLOTS) return;
  ls = &g_lock[slot];
  el_wipe(g_ram[slot], ls->ram_used);
  el_wipe(ls->key, sizeof ls->key);
  ls->stream = 0;
  ls->desc = NULL;
  ls->entries = 0;
  ls->status = EL_ST_OK;
  ls->unlocked = 0;
  ls->ram_used = 0;
}
