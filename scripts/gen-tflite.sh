#!/usr/bin/env bash
# Generates the TypeScript bindings for edgelock's TFLite schema with Debian's flatc (2.0.8).
#   scripts/gen-tflite.sh            regenerate src/tflite/generated/ in place
#   scripts/gen-tflite.sh <outdir>   write the bindings to <outdir> instead (used by the
#                                    test that checks the committed files are up to date)
# The generated files are never edited by hand; change the .fbs and rerun this script.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
schema="$repo/src/tflite/schema/edgelock_tflite.fbs"
out="${1:-$repo/src/tflite/generated}"
flatc="${FLATC:-flatc}"

if ! command -v "$flatc" >/dev/null 2>&1; then
  echo "gen-tflite: flatc not found (apt-get install flatbuffers-compiler)" >&2
  exit 127
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# --gen-object-api adds the *T classes (plain objects with pack()/unpack()) used for options.
"$flatc" --ts --gen-object-api -o "$tmp" "$schema"

# flatc names the entry file after the schema; give it a stable module name.
mv "$tmp/edgelock_tflite_generated.ts" "$tmp/index.ts"

# Relative imports without extensions resolve under CommonJS as generated; nothing to rewrite.
rm -rf "$out"
mkdir -p "$out"
cp -R "$tmp/." "$out/"
