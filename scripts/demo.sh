#!/usr/bin/env bash
# The main job on the bundled default: builds tern, then compiles and runs a
# BitNet b1.58 linear layer (test/examples/bitlinear.mlir) through tern's
# reference semantics, and checks the result against numpy.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${TERN_BUILD_DIR:-$ROOT/build}"
EXAMPLE="$ROOT/test/examples/bitlinear.mlir"
LIBS=/usr/lib/llvm-22/lib

"$ROOT/scripts/build.sh"

echo
echo "== tern-opt: the example, parsed and verified =="
"$BUILD/bin/tern-opt" "$EXAMPLE" | sed -n '/func.func @bitlinear/,/^  }/p'

echo
echo "== tern-opt --tern-lower-to-reference: tern ops become loops =="
"$BUILD/bin/tern-opt" "$EXAMPLE" --tern-lower-to-reference |
  grep -c 'linalg.generic' | xargs echo "linalg.generic loop nests:"

echo
echo "== run: ternary (W1.58A8) layer, then the float layer =="
OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT
"$BUILD/bin/tern-opt" "$EXAMPLE" --tern-reference-to-llvm |
  /usr/lib/llvm-22/bin/mlir-runner -e main -entry-point-result=void \
    -shared-libs="$LIBS/libmlir_runner_utils.so,$LIBS/libmlir_c_runner_utils.so" |
  tee "$OUT"
echo
/usr/bin/python3 "$ROOT/test/examples/check_bitlinear.py" "$EXAMPLE" "$OUT"
