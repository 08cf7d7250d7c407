#!/usr/bin/env bash
# Fuzzes the runtime's flatbuffer reader, Prepare and Eval with libFuzzer (clang) under ASan+UBSan.
#   firmware-tools/runtime/fuzz/run.sh [RUNS] [WORKDIR]     (default 1000000 runs; not part of CI)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
runs="${1:-1000000}"
work="${2:-$(mktemp -d)}"
mkdir -p "$work/corpus"
srcs=()
while IFS= read -r s; do [ -n "$s" ] && srcs+=("$here/../$s"); done < "$here/../sources.txt"
clang -std=c99 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -o "$work/fuzz_prepare" "$here/fuzz_prepare.c" "${srcs[@]}" -lm
(cd "$root" && npx tsx "$here/make-seeds.ts" "$work/corpus")
"$work/fuzz_prepare" -runs="$runs" -max_len=4096 -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" 2>&1 | tail -25
