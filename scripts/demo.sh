#!/usr/bin/env bash
# The main job on the bundled default: builds tern, compiles the bundled
# ternary MLP (examples/ternary_mlp/ternary_mlp.onnx: QONNX 2-bit weights)
# with ternc into a standalone executable, runs it, and checks its output
# against an independent numpy reference; then synthesizes a small BitNet
# b1.58 checkpoint and compiles it to a text-generation program.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${TERN_BUILD_DIR:-$ROOT/build}"
EXAMPLE="$ROOT/examples/ternary_mlp"
OUT="$BUILD/demo/ternary_mlp"

"$ROOT/scripts/build.sh"

echo
echo "== ternc --emit=mlir: the QONNX weights import as packed ternary tensors =="
"$BUILD/bin/ternc" "$EXAMPLE/ternary_mlp.onnx" --emit=mlir | grep -E 'tern\.(unpack|dequantize)'

echo
echo "== ternc --emit=exe: C++, a weights file and a standalone program =="
rm -rf "$OUT"
"$BUILD/bin/ternc" "$EXAMPLE/ternary_mlp.onnx" -o "$OUT" --emit=exe
ls -l "$OUT"
float_bytes=$(( (128 * 64 + 10 * 128) * 4 ))
echo "weights file: $(stat -c %s "$OUT/ternary_mlp.weights") bytes (the float weights: $float_bytes bytes)"

echo
echo "== run on examples/ternary_mlp/input.npy =="
"$OUT/ternary_mlp" --out "$OUT" "$EXAMPLE/input.npy"
/usr/bin/python3 "$EXAMPLE/check.py" "$EXAMPLE/ternary_mlp.onnx" \
  "$EXAMPLE/input.npy" "$OUT/output_0.npy"

echo
echo "== an LLM: a synthetic BitNet b1.58 checkpoint (a Hugging Face folder) =="
# tern-mkmodel writes random ternary weights in BitNetForCausalLM's packed
# format; LLaMA-3's vocabulary when ../shared has it, else the 256 bytes.
LLM="$BUILD/demo/llm"
VOCAB="$ROOT/../shared/testdata/tokenizers/llama3-tokenizer.model"
rm -rf "$LLM"
"$BUILD/bin/tern-mkmodel" --preset tiny --format safetensors --seed 1 \
  $([ -f "$VOCAB" ] && echo --vocab "$VOCAB") -o "$LLM/tiny-bitnet"
ls -l "$LLM/tiny-bitnet"
"$BUILD/bin/ternc" "$LLM/tiny-bitnet" --emit=exe -o "$LLM/out"
# Random weights write random tokens; control bytes are dropped for the
# terminal's sake.
"$LLM/out/tiny-bitnet" -p "Once upon a time" -n 32 --temp 0 --print-ids |
  LC_ALL=C tr -d '\000-\010\013-\037'
