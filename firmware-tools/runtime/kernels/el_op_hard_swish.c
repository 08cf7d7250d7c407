/* HARD_SWISH, int8: TFLite's int16 fixed-point evaluation (HardSwishParams): the input on a
 * "hires" scale (in_scale / 128), a "reluish" factor relu6(x + 3) / 6 on scale 3/32768, their
 * product rescaled to the output. */
#include "../el_fixedpoint.h"
#include "../el_internal.h"

typedef struct {
  int32_t in_zp, out_zp;
  int16_t out_mult16, reluish_mult16;
  int out_exp, reluish_exp;
} hswish_data;

static int16_t downscale_to_int16(int32_t m) {
  const int32_t rounding = 1 << 15;
  if (m >= INT32_MAX - rounding) return INT16_MAX;
  return (int16_t)((m + rounding) >> 16);
}

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  EL_TRY(el_expect_unary_int8(n));
  const el_tensor *in = n->in[0], *out = n->out[0];
  hswish_data *d = el_alloc(c, sizeof *d);
  EL_ENSURE(d != NULL, EL_ERR_ARENA_TOO_SMALL);
  const float hires_input_scale = (1.0f / 128.0f) * in->scale;
  const float reluish_scale = 3.0f / 32768.0f;
  const float out_ratio = hires_input_scale / out->scale;
  const float reluish_ratio = hires_input_scale / reluish_scale;
  int32_t m32;
  EL_ENSURE(el_quantize_multiplier((double)out_ratio, &m32, &d->out_exp) == 0, EL_ERR_QUANTIZATION);
  d->out_mult16 = downscale_to_int16(m32);
  EL_ENSURE(d->out_exp <= 0 && d->out_exp > -16, EL_ERR_QUANTIZATION);
  EL_ENSURE(el_quantize_multiplier((double)reluish_ratio, &m32, &d->reluish_exp) == 0, EL_ERR_QUANTIZATION);
  d->reluish_mult16 = downscale_to_int16(m32);
  EL_ENSURE(d->reluish_exp > -16 && d->reluish_exp < 16, EL_ERR_QUANTIZATION);
  d->in_zp = in->zero_point;
  d->out_zp = out->zero_point;
  n->data = d;
  c->macs = in->count;
  return EL_OK;
}

static void eval(const el_node *n) {
  const hswish_data *d = n->data;
  const int8_t *x = n->in[0]->data;
  int8_t *y = n->out[0]->data;
  const uint32_t count = n->in[0]->count;
  for (uint32_t i = 0; i < count; i++) {
    const int16_t v = (int16_t)(x[i] - d->in_zp);
    const int16_t hires = (int16_t)(v * (1 << 7));
    const int16_t preshift = el_srdhm16(hires, d->out_mult16);
    int16_t reluish = hires;
    if (d->reluish_exp > 0) reluish = el_sat_shl16(reluish, d->reluish_exp - 1);
    reluish = el_srdhm16(reluish, d->reluish_mult16);
    if (d->reluish_exp > 0) reluish = el_sat_shl16(reluish, 1);
    if (d->reluish_exp < 0) reluish = el_rdbpot16(reluish, -d->reluish_exp);
    reluish = (int16_t)(((int32_t)reluish + (1 << 15)) >> 1);
    const int16_t pre_out = el_sdhm16(reluish, preshift);
    int32_t o = el_rdbpot16(pre_out, -d->out_exp) + d->out_zp;
    y[i] = (int8_t)el_clamp(o, -128, 127);
  }
}

const el_kernel el_kernel_hard_swish = {EL_OP_HARD_SWISH, "HARD_SWISH", 1, EL_OPT_HARD_SWISH, prepare, eval};
