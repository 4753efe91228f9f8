#!/usr/bin/env bash
# Installs missing packages, builds tern, and runs every test (lit +
# FileCheck and GoogleTest, all under ctest). Exits non-zero on any failure.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${TERN_BUILD_DIR:-$ROOT/build}"

"$ROOT/scripts/build.sh"
ctest --test-dir "$BUILD" --output-on-failure -j "$(nproc)"
