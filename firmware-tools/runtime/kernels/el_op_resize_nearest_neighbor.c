/* RESIZE_NEAREST_NEIGHBOR on NHWC, int8 or float32 (a copy: int8 input and output share parameters). The source
 * row and column of every output row and column are worked out once in Prepare as TFLite's reference kernel
 * does (GetNearestNeighbor): scale = in / out (align_corners: (in - 1) / (out - 1)) in float, source =
 * floor((i + offset) * scale) (align_corners: rounded half away from zero; half_pixel_centers: offset 0.5),
 * clamped to [0, in - 1]. */
#include <math.h>
#include <string.h>

#include "../el_internal.h"
#include "el_resize_common.h"

enum { OPT_ALIGN_CORNERS = 0, OPT_HALF_PIXEL_CENTERS = 1 };

typedef struct {
  el_resize_shape s;
  size_t esize;
  int32_t *src_y; /* [out_h] */
  int32_t *src_x; /* [out_w] */
} nearest_data;

static int32_t nearest(int32_t i, int32_t in, int32_t out, int align_corners, int half_pixel_centers) {
  const float scale = (align_corners && out > 1) ? (float)(in - 1) / (float)(out - 1) : (float)in / (float)out;
  const float at = ((float)i + (half_pixel_centers ? 0.5f : 0.0f)) * scale;
  int32_t v = (int32_t)(align_corners ? roundf(at) : floorf(at));
  if (v > in - 1) v = in - 1;
  if (half_pixel_centers && v < 0) v = 0;
  return v;
}

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  nearest_data *d = el_alloc(c, sizeof *d);
  EL_ENSURE(d != NULL, EL_ERR_ARENA_TOO_SMALL);
  EL_TRY(el_resize_prepare(c, n, OPT_ALIGN_CORNERS, OPT_HALF_PIXEL_CENTERS, &d->s));
  d->esize = n->in[0]->type == EL_INT8 ? 1 : 4;
  d->src_y = el_alloc(c, sizeof(int32_t) * (size_t)d->s.out_h);
  d->src_x = el_alloc(c, sizeof(int32_t) * (size_t)d->s.out_w);
  EL_ENSURE(d->src_y != NULL && d->src_x != NULL, EL_ERR_ARENA_TOO_SMALL);
  for (int32_t y = 0; y < d->s.out_h; y++)
    d->src_y[y] = nearest(y, d->s.in_h, d->s.out_h, d->s.align_corners, d->s.half_pixel_centers);
  for (int32_t x = 0; x < d->s.out_w; x++)
    d->src_x[x] = nearest(x, d->s.in_w, d->s.out_w, d->s.align_corners, d->s.half_pixel_centers);
  n->data = d;
  c->macs = 0;
  return EL_OK;
}

static void eval(const el_node *n) {
  const nearest_data *d = n->data;
  const el_resize_shape *s = &d->s;
  const uint8_t *x = n->in[0]->data;
  uint8_t *y = n->out[0]->data;
  const size_t pixel = (size_t)s->depth * d->esize;
  for (int32_t b = 0; b < s->batches; b++) {
    const uint8_t *image = x + (size_t)b * s->in_h * s->in_w * pixel;
    for (int32_t oy = 0; oy < s->out_h; oy++) {
      const uint8_t *row = image + (size_t)d->src_y[oy] * s->in_w * pixel;
      for (int32_t ox = 0; ox < s->out_w; ox++) {
        memcpy(y, row + (size_t)d->src_x[ox] * pixel, pixel);
        y += pixel;
      }
    }
  }
}

const el_kernel el_kernel_resize_nearest_neighbor = {
    EL_OP_RESIZE_NEAREST_NEIGHBOR, "RESIZE_NEAREST_NEIGHBOR", 4, EL_OPT_RESIZE_NEAREST_NEIGHBOR, prepare, eval};
