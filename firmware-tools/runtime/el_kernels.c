/* The operator registry: one row per builtin operator this runtime implements. */
#include "el_internal.h"

extern const el_kernel el_kernel_add, el_kernel_sub, el_kernel_mul, el_kernel_maximum, el_kernel_minimum,
    el_kernel_conv_2d, el_kernel_depthwise_conv_2d, el_kernel_fully_connected, el_kernel_average_pool_2d,
    el_kernel_max_pool_2d, el_kernel_mean, el_kernel_reshape, el_kernel_squeeze, el_kernel_softmax,
    el_kernel_logistic, el_kernel_tanh, el_kernel_relu, el_kernel_relu6, el_kernel_leaky_relu,
    el_kernel_hard_swish, el_kernel_concatenation, el_kernel_pad, el_kernel_padv2, el_kernel_quantize,
    el_kernel_dequantize, el_kernel_transpose;

static const el_kernel *const registry[] = {
    &el_kernel_add,         &el_kernel_sub,          &el_kernel_mul,
    &el_kernel_maximum,     &el_kernel_minimum,      &el_kernel_conv_2d,
    &el_kernel_depthwise_conv_2d, &el_kernel_fully_connected, &el_kernel_average_pool_2d,
    &el_kernel_max_pool_2d, &el_kernel_mean,         &el_kernel_reshape,
    &el_kernel_squeeze,     &el_kernel_softmax,      &el_kernel_logistic,
    &el_kernel_tanh,        &el_kernel_relu,         &el_kernel_relu6,
    &el_kernel_leaky_relu,  &el_kernel_hard_swish,   &el_kernel_concatenation,
    &el_kernel_pad,         &el_kernel_padv2,        &el_kernel_quantize,
    &el_kernel_dequantize,  &el_kernel_transpose,
};

uint32_t el_kernel_count(void) { return (uint32_t)(sizeof registry / sizeof registry[0]); }

const el_kernel *el_kernel_at(uint32_t i) { return i < el_kernel_count() ? registry[i] : 0; }

const el_kernel *el_find_kernel(int32_t code) {
  for (uint32_t i = 0; i < el_kernel_count(); i++) {
    if (registry[i]->code == code) return registry[i];
  }
  return 0;
}
