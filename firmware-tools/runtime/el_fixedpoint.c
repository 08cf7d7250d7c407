#include "el_fixedpoint.h"

#include <math.h>

int el_quantize_multiplier(double m, int32_t *quantized, int *shift) {
  *quantized = 0;
  *shift = 0;
  if (!(m >= 0.0) || isinf(m)) return 1;
  if (m == 0.0) return 0;
  int e;
  const double q = frexp(m, &e);
  int64_t q_fixed = (int64_t)round(q * (double)(1LL << 31));
  if (q_fixed == (1LL << 31)) {
    q_fixed /= 2;
    ++e;
  }
  if (e < -31) {
    e = 0;
    q_fixed = 0;
  }
  if (e > 30) return 1;
  *quantized = (int32_t)q_fixed;
  *shift = e;
  return 0;
}
