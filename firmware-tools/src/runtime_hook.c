#include "el_model_runtime.h"
#include <stddef.h>

static const el_model_runtime_t *g_runtime;

void el_model_runtime_register(const el_model_runtime_t *runtime) { g_runtime = runtime; }
const el_model_runtime_t *el_model_runtime(void) { return g_runtime; }
