#!/usr/bin/env bash
# Formats the C sources of firmware-tools/ and boards/ with clang-format (.clang-format at the root).
#   scripts/format-c.sh           rewrite the files in place
#   scripts/format-c.sh --check   list files that differ and exit 1 (changes nothing)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v clang-format >/dev/null || { echo "format-c: clang-format not found (apt-get install clang-format)" >&2; exit 127; }
mapfile -t files < <(git ls-files 'firmware-tools/*.c' 'firmware-tools/*.h' 'boards/*.c' 'boards/*.h')
if [ "${1:-}" = "--check" ]; then
  clang-format --style=file --dry-run --Werror "${files[@]}"
else
  clang-format --style=file -i "${files[@]}"
fi
