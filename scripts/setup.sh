#!/usr/bin/env bash
# Installs everything edgelock needs on a fresh Debian machine (idempotent), then builds.
# Sourced by scripts/run-demo.sh and scripts/run-tests.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

APT_PACKAGES=(gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm flatbuffers-compiler socat make gcc python3-numpy chromium postgresql clang-format)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

stamp=node_modules/.edgelock-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "setup: npm ci" >&2
  # Dependencies' install scripts do not run: npm 11 obeys package.json "allowScripts" (all denied;
  # onnxruntime-node's would download CUDA binaries, its CPU binding ships in the package); the
  # variable makes older npm versions skip that download too.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error >&2
  cp package-lock.json "$stamp"
fi

echo "setup: building" >&2
npx tsc -p tsconfig.json >&2
