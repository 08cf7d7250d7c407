/* The operator registry: one row per builtin operator this runtime implements (EL_RUNTIME_OPS, el_ops.h). */
#include "el_internal.h"

#define EL_DECLARE_KERNEL(NAME, name) extern const el_kernel el_kernel_##name;
EL_RUNTIME_OPS(EL_DECLARE_KERNEL)

#define EL_KERNEL_ROW(NAME, name) &el_kernel_##name,
static const el_kernel *const registry[] = {EL_RUNTIME_OPS(EL_KERNEL_ROW)};

uint32_t el_kernel_count(void) { return (uint32_t)(sizeof registry / sizeof registry[0]); }

const el_kernel *el_kernel_at(uint32_t i) { return i < el_kernel_count() ? registry[i] : 0; }

const el_kernel *el_find_kernel(int32_t code) {
  for (uint32_t i = 0; i < el_kernel_count(); i++) {
    if (registry[i]->code == code) return registry[i];
  }
  return 0;
}
