#!/bin/sh
# Prepares, on a machine with tern built, what the CUDA checks and
# benchmarks need on a GPU machine that has only the CUDA toolkit (no LLVM,
# so no ternc, and little room to copy files to):
#   onnx/<model>/   CUDA folders of three test models, with an input and the
#                   CPU target's output for it;
#   llm-tiny/       llama.cpp's tiny TQ2_0 GGUF as a CUDA folder, with the
#                   CPU target's greedy ids and logits;
#   bitnet-2b4t/    the BitNet-b1.58-2B-4T preset as a CUDA folder whose
#                   weights `make weights` synthesizes there (a 12 KB
#                   manifest instead of 1.5 GB).
# About 55 MB in all. Then, on the GPU machine, from the repository root:
#   bench/cuda/run_bundle.sh build/cuda-bundle
#
#   bench/cuda/bundle.sh [OUT]    (default: build/cuda-bundle)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/build/cuda-bundle}
bin=$root/build/bin
shared=$root/../shared/testdata
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
work=$scratch/work # make_models.py also writes beside it (../elsewhere)
rm -rf "$out"
mkdir -p "$out/onnx" "$work"

/usr/bin/python3 "$root/test/ternc/Inputs/make_models.py" "$work" >/dev/null
onnx() {
  name=$1
  shift
  "$bin/ternc" "$work/$name.onnx" "$@" --target=cuda --emit=cpp \
    -o "$out/onnx/$name"
  "$bin/ternc" "$work/$name.onnx" "$@" --emit=exe -o "$work/$name-cpu"
  "$work/$name-cpu/$name" --out "$work/$name-cpu" "$work/x_$name.npy" \
    >/dev/null
  cp "$work/x_$name.npy" "$out/onnx/$name/input.npy"
  cp "$work/$name-cpu/output_0.npy" "$out/onnx/$name/expected.npy"
}
onnx batch --quantize=absmean
onnx wide --quantize=twn --weight-granularity=per_channel
onnx column_max

tiny=$shared/gguf-llamacpp/tiny-tq2_0.gguf
"$bin/ternc" "$tiny" --target=cuda --emit=cpp -o "$out/llm-tiny"
"$bin/ternc" "$tiny" --emit=exe -o "$work/llm-cpu"
"$work/llm-cpu/tiny-tq2_0" -p "Once upon a time" -n 32 --temp 0 \
  --ignore-eos --print-ids --logits "$out/llm-tiny/expected.logits" -t 2 \
  >"$work/llm-cpu.out"
tail -n 3 "$work/llm-cpu.out" | head -n 1 >"$out/llm-tiny/expected.ids"

"$bin/tern-mkmodel" --preset bitnet-2b4t --format gguf:i2_s \
  --vocab "$shared/tokenizers/llama3-tokenizer.model" \
  -o "$work/bitnet-2b4t.gguf" 2>/dev/null
"$bin/ternc" "$work/bitnet-2b4t.gguf" --target=cuda --synthesize-weights=1 \
  --emit=cpp -o "$out/bitnet-2b4t" 2>/dev/null

du -sh "$out"
