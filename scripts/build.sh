#!/usr/bin/env bash
# Installs missing packages, then configures (once) and builds tern into
# build/. Tools land in build/bin/. Safe to run again: rebuilds incrementally.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${TERN_BUILD_DIR:-$ROOT/build}"

"$ROOT/scripts/install-deps.sh"

if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld
fi
cmake --build "$BUILD"
