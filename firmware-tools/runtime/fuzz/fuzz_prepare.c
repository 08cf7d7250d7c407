/*
 * libFuzzer target: arbitrary bytes as a .tflite model through el_model_prepare and, when Prepare
 * accepts them, el_model_invoke on zeroed inputs. Built with -fsanitize=fuzzer,address,undefined
 * by run.sh; any out-of-bounds access, undefined behaviour or crash is a finding.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../el_runtime.h"

static uint8_t arena[256 * 1024] __attribute__((aligned(16)));

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* An exact-size heap copy: the sanitizer flags a read even one byte past the model. */
  uint8_t *model = malloc(size ? size : 1);
  if (model == NULL) return 0;
  memcpy(model, data, size);
  el_model m;
  if (el_model_prepare(&m, model, size, arena, sizeof arena) == EL_OK) {
    for (uint32_t i = 0; i < el_model_input_count(&m); i++) {
      el_tensor_info t;
      if (el_model_input(&m, i, &t) == EL_OK) memset(t.data, 0, t.bytes);
    }
    el_model_invoke(&m);
  }
  free(model);
  return 0;
}
