#!/usr/bin/env bash
# The main job on the bundled default model: sets everything up on a fresh machine, then runs it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
node dist/cli/main.js demo "$@"
