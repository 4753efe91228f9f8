#!/usr/bin/env bash
# Installs missing packages, builds tern, and runs every test (lit +
# FileCheck, GoogleTest, conformance, fuzzing; all under ctest). Exits
# non-zero on any failure.
#
# The suite runs on the hardened build, build-asan/: the compiler, the
# runtime and every program the tests build run under AddressSanitizer and
# UndefinedBehaviorSanitizer (any report fails the test), and the fuzz
# targets fuzz each reader for TERN_FUZZ_SECONDS (default 30). That one
# build carries the whole run. TERN_SANITIZE=0 runs the suite on the plain
# build/ instead (the fuzz tests then replay their inputs once).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ "${TERN_SANITIZE:-1}" = "0" ]; then
  BUILD="${TERN_BUILD_DIR:-$ROOT/build}"
  TERN_BUILD_DIR="$BUILD" "$ROOT/scripts/build.sh"
else
  BUILD="${TERN_BUILD_DIR:-$ROOT/build-asan}"
  "$ROOT/scripts/install-deps.sh"
  if [ ! -f "$BUILD/build.ninja" ]; then
    # -O1 keeps the sanitized suite fast enough; NDEBUG stays off so
    # assertions check too.
    cmake -G Ninja -S "$ROOT" -B "$BUILD" \
      -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_C_FLAGS_RELEASE=-O1 -DCMAKE_CXX_FLAGS_RELEASE=-O1 \
      -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
      -DLLVM_USE_LINKER=lld -DTERN_SANITIZE=ON -DTERN_FUZZ=ON \
      -DTERN_FUZZ_SECONDS="${TERN_FUZZ_SECONDS:-30}"
  fi
  cmake --build "$BUILD"
fi
ctest --test-dir "$BUILD" --output-on-failure -j "$(nproc)"
