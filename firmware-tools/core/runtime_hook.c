#include "el_runtime_hook.h"
#include <stddef.h>

static const el_runtime_hook_t *g_runtime;

void el_runtime_hook_register(const el_runtime_hook_t *runtime) { g_runtime = runtime; }
const el_runtime_hook_t *el_runtime_hook(void) { return g_runtime; }
