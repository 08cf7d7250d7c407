#!/bin/sh
# Fuzzes host-sim's receive path with clang's libFuzzer (not part of CI).
#   boards/host-sim/fuzz/run.sh [runs]     default 1000000 runs; corpus in build/fuzz/rx-corpus
set -eu
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
RUNS=${1:-1000000}
OUT="$ROOT/build/fuzz"
mkdir -p "$OUT/rx-corpus"
clang -std=c99 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -I"$ROOT/firmware-tools/core" -I"$ROOT/firmware-tools/commands" -I"$ROOT/firmware-tools/firmware" -I"$ROOT/test/firmware/c" \
  $(sed "s|^|$ROOT/firmware-tools/|" "$ROOT/firmware-tools/sources.txt") "$ROOT/test/firmware/c/sim_board.c" "$ROOT/boards/host-sim/fuzz/fuzz_rx.c" \
  -o "$OUT/fuzz_rx"
# Seeds: one valid request of each core command (mode byte 1, then type, length, payload).
printf '\001\001\004ping' > "$OUT/rx-corpus/seed-ping"
printf '\001\002\000' > "$OUT/rx-corpus/seed-info"
printf '\001\020\041\000AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\021\001\000' > "$OUT/rx-corpus/seed-key"
printf '\001\040\005\000\010\000\000\000\041\015\000\000\000\000\000ABCDEFGH' > "$OUT/rx-corpus/seed-model"
exec "$OUT/fuzz_rx" -runs="$RUNS" -max_len=4200 -print_final_stats=1 "$OUT/rx-corpus"
