#!/usr/bin/env bash
# Cross-compiles the runtime for a Cortex-M4 (no FPU ABI assumptions) with warnings as errors and
# prints the code size of every object and the total (arm-none-eabi-size, Berkeley format).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$(mktemp -d)}"
mkdir -p "$out"
CC="${ARM_CC:-arm-none-eabi-gcc}"
FLAGS=(-mcpu=cortex-m4 -mthumb -Os -std=c99 -Wall -Wextra -Werror -pedantic -ffunction-sections -fdata-sections)
objs=()
while IFS= read -r src; do
  [ -z "$src" ] && continue
  obj="$out/$(basename "$src" .c).o"
  "$CC" "${FLAGS[@]}" -c "$here/$src" -o "$obj"
  objs+=("$obj")
done < "$here/sources.txt"
arm-none-eabi-size -t "${objs[@]}"

# Link a minimal program that prepares and invokes a model, to prove every symbol resolves against
# newlib (libm: expf, tanhf, roundf, round, frexp) and to show the size a firmware pays.
cat > "$out/link_check.c" <<'C'
#include "el_runtime.h"
static uint8_t arena[16384] __attribute__((aligned(16)));
extern const uint8_t *model_bytes;
extern size_t model_len;
int main(void) {
  el_model m;
  if (el_model_prepare(&m, model_bytes, model_len, arena, sizeof arena) != EL_OK) return 1;
  return el_model_invoke(&m) == EL_OK ? 0 : 2;
}
const uint8_t *model_bytes = 0;
size_t model_len = 0;
C
"$CC" "${FLAGS[@]}" -I"$here" -c "$out/link_check.c" -o "$out/link_check.o"
"$CC" -mcpu=cortex-m4 -mthumb --specs=nosys.specs -Wl,--gc-sections -o "$out/link_check.elf" "$out/link_check.o" "${objs[@]}" -lm
echo "linked (runtime + newlib libm/libc + startup):"
arm-none-eabi-size "$out/link_check.elf"
