#!/bin/sh
# Fuzzes the firmware's watermark commands with clang's libFuzzer (not part of CI).
#   test/firmware/wm/fuzz.sh [seconds]     default 120 s; corpus in build/fuzz/wm-corpus
set -eu
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
SECONDS_MAX=${1:-120}
OUT="$ROOT/build/fuzz"
FW="$ROOT/firmware-tools"
RT="$FW/runtime"
mkdir -p "$OUT/wm-corpus"
clang -std=c99 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -DEL_DEV_UPLOAD \
  -DEL_WM_FUZZ_MODEL="\"$ROOT/test/watermark/fixtures/mnist-lenet-wm.tflite\"" \
  -I"$FW/core" -I"$FW/commands" -I"$FW/firmware" -I"$ROOT/test/firmware/c" -I"$RT" \
  $(sed "s|^|$FW/|" "$FW/sources.txt") "$ROOT/test/firmware/c/sim_board.c" $(sed "s|^|$RT/|" "$RT/sources.txt") \
  "$RT/el_runtime_module.c" "$RT/el_lock_unseal.c" "$FW/commands/cmd_run.c" "$FW/commands/cmd_watermark.c" "$FW/firmware/runtime_module.c" \
  "$ROOT/test/firmware/wm/fuzz_wm.c" -lm -o "$OUT/fuzz_wm"
# Seeds: BEGIN (table encoding, MNIST-sized sample, 2-entry table) then BASES of one sample; BEGIN (float32) + BASES + END.
python3 - "$OUT/wm-corpus" <<'PY'
import struct, sys
d = sys.argv[1]
begin = bytes([0, 1]) + struct.pack('<HIIfff', 1, 784, 39, 0.5, 0.0, 1.0) + bytes(range(32)) + struct.pack('<ff', 0.0, 1.0)
open(d + '/seed-table', 'wb').write(bytes([0]) + struct.pack('<H', len(begin)) + begin + bytes([1]) + struct.pack('<HI', 4 + 784 * 2, 0))
begin0 = bytes([0, 0]) + struct.pack('<HIIfff', 1, 784, 39, 0.5, 0.0, 1.0) + bytes(range(32))
open(d + '/seed-f32', 'wb').write(bytes([0]) + struct.pack('<H', len(begin0)) + begin0 + bytes([1]) + struct.pack('<HI', 4 + 4 * 784, 0) + bytes([2, 0, 0]))
PY
exec "$OUT/fuzz_wm" -max_total_time="$SECONDS_MAX" -max_len=600 -print_final_stats=1 "$OUT/wm-corpus"
