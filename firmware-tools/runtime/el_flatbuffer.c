#include "el_flatbuffer.h"

#include <string.h>

float el_rd_f32(const uint8_t *p) {
  uint32_t u = el_rd_u32(p);
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* True when [pos, pos + n) lies inside the buffer. */
static int in_bounds(const el_fb *fb, uint64_t pos, uint64_t n) { return pos <= fb->len && n <= fb->len - pos; }

static el_status table_at(const el_fb *fb, uint64_t pos, el_fbt *t) {
  if (!in_bounds(fb, pos, 4) || (pos & 3u) != 0) return EL_ERR_MALFORMED;
  int64_t vt = (int64_t)pos - (int64_t)el_rd_i32(fb->buf + pos);
  if (vt < 0 || (vt & 1) != 0 || !in_bounds(fb, (uint64_t)vt, 4)) return EL_ERR_MALFORMED;
  uint16_t vt_len = el_rd_u16(fb->buf + vt);
  uint16_t tbl_len = el_rd_u16(fb->buf + vt + 2);
  if (vt_len < 4 || (vt_len & 1) != 0 || !in_bounds(fb, (uint64_t)vt, vt_len)) return EL_ERR_MALFORMED;
  if (tbl_len < 4 || !in_bounds(fb, pos, tbl_len)) return EL_ERR_MALFORMED;
  t->fb = fb;
  t->pos = (size_t)pos;
  t->vt = (size_t)vt;
  t->vt_len = vt_len;
  t->tbl_len = tbl_len;
  return EL_OK;
}

void el_fbt_empty(const el_fb *fb, el_fbt *t) {
  t->fb = fb;
  t->pos = 0;
  t->vt = 0;
  t->vt_len = 0;
  t->tbl_len = 0;
}

el_status el_fb_root(const el_fb *fb, const char *ident, el_fbt *root) {
  if (fb->buf == NULL || fb->len < 8) return EL_ERR_MALFORMED;
  if (ident != NULL && memcmp(fb->buf + 4, ident, 4) != 0) return EL_ERR_IDENTIFIER;
  return table_at(fb, el_rd_u32(fb->buf), root);
}

/* Offset of `field` inside the table, or 0 when absent; EL_ERR_MALFORMED when the field would
 * extend past the table. */
static el_status field_offset(const el_fbt *t, unsigned field, size_t size, size_t *off) {
  *off = 0;
  size_t entry = 4u + 2u * (size_t)field;
  if (t->vt_len == 0 || entry + 2 > t->vt_len) return EL_OK;
  uint16_t o = el_rd_u16(t->fb->buf + t->vt + entry);
  if (o == 0) return EL_OK;
  if (o < 4 || (size_t)o + size > t->tbl_len) return EL_ERR_MALFORMED;
  *off = o;
  return EL_OK;
}

int el_fbt_has(const el_fbt *t, unsigned field) {
  size_t off;
  return field_offset(t, field, 1, &off) == EL_OK && off != 0;
}

#define SCALAR_READER(fn, type, size, expr)                             \
  el_status fn(const el_fbt *t, unsigned field, type dflt, type *out) { \
    size_t off;                                                         \
    el_status s = field_offset(t, field, size, &off);                   \
    if (s != EL_OK) return s;                                           \
    if (off == 0) {                                                     \
      *out = dflt;                                                      \
      return EL_OK;                                                     \
    }                                                                   \
    const uint8_t *p = t->fb->buf + t->pos + off;                       \
    *out = (type)(expr);                                                \
    return EL_OK;                                                       \
  }

SCALAR_READER(el_fbt_u8, uint8_t, 1, p[0])
SCALAR_READER(el_fbt_i8, int8_t, 1, (int8_t)p[0])
SCALAR_READER(el_fbt_u32, uint32_t, 4, el_rd_u32(p))
SCALAR_READER(el_fbt_i32, int32_t, 4, el_rd_i32(p))
SCALAR_READER(el_fbt_f32, float, 4, el_rd_f32(p))
SCALAR_READER(el_fbt_u64, uint64_t, 8, (uint64_t)el_rd_i64(p))

/* Follows the uoffset stored in `field`; *target = 0 when the field is absent. */
static el_status follow(const el_fbt *t, unsigned field, uint64_t *target) {
  size_t off;
  el_status s = field_offset(t, field, 4, &off);
  *target = 0;
  if (s != EL_OK || off == 0) return s;
  uint64_t at = (uint64_t)t->pos + off;
  uint64_t dest = at + el_rd_u32(t->fb->buf + at);
  if (dest >= t->fb->len) return EL_ERR_MALFORMED;
  *target = dest;
  return EL_OK;
}

el_status el_fbt_table(const el_fbt *t, unsigned field, el_fbt *out) {
  uint64_t dest;
  el_status s = follow(t, field, &dest);
  if (s != EL_OK) return s;
  if (dest == 0) {
    el_fbt_empty(t->fb, out);
    return EL_OK;
  }
  return table_at(t->fb, dest, out);
}

el_status el_fbt_vector(const el_fbt *t, unsigned field, size_t elem_size, el_fbv *out) {
  uint64_t dest;
  out->pos = 0;
  out->n = 0;
  el_status s = follow(t, field, &dest);
  if (s != EL_OK || dest == 0) return s;
  if (!in_bounds(t->fb, dest, 4) || (dest & 3u) != 0) return EL_ERR_MALFORMED;
  uint32_t n = el_rd_u32(t->fb->buf + dest);
  if (!in_bounds(t->fb, dest + 4, (uint64_t)n * elem_size)) return EL_ERR_MALFORMED;
  out->pos = (size_t)(dest + 4);
  out->n = n;
  return EL_OK;
}

el_status el_fbv_table(const el_fb *fb, const el_fbv *v, uint32_t i, el_fbt *out) {
  if (i >= v->n) return EL_ERR_MALFORMED;
  uint64_t at = (uint64_t)v->pos + 4u * (uint64_t)i;
  return table_at(fb, at + el_rd_u32(fb->buf + at), out);
}
