#!/bin/sh
# Runs, on a GPU machine, what bench/cuda/bundle.sh prepared, from the
# repository root (it needs runtime/include and bench/cuda), with only the
# CUDA toolkit, make and a C/C++ compiler:
#   * the ONNX models, whose outputs must be bit-identical to the CPU
#     target's (integer accumulation, the same scaling order);
#   * the tiny LLM: the CPU target's 32 greedy ids, logits within 0.2 (as
#     test/cuda/run-llm.test), and the same logits with CUDA graphs off;
#   * bench/cuda/linear.cu: copy bandwidth, GEMV bandwidth, GEMM TOPS;
#   * the 2B-4T preset on synthesized weights: prefill (pp128) and decode
#     tokens/s, with and without CUDA graphs, 3 runs each.
# Prints PASS/FAIL lines and figures, also to $OUT/results.md when OUT is
# set; exits 1 if a check failed.
#
#   bench/cuda/run_bundle.sh [BUNDLE]    (default: build/cuda-bundle)
set -u
bundle=${1:-build/cuda-bundle}
nvcc=${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
jobs=$(nproc)
arch=${ARCH:-native} # nvcc -arch for the models
results=${OUT:-${TMPDIR:-/tmp}}/results.md
tools=$(mktemp -d)
status=0
: >"$results"
log() { echo "$*" | tee -a "$results"; }
fail() {
  log "FAIL: $*"
  status=1
}
build() { # folder: the folder's Makefile with nvcc for this GPU
  make -s -C "$1" -j"$jobs" NVCC="$nvcc" ARCH="$arch" >"$1/build.log" 2>&1
}

log "# CUDA bundle run ($(date -u +%Y-%m-%d))"
log "$(nvidia-smi -L 2>&1 | head -n 1)"
log
g++ -O2 -std=c++17 bench/cuda/compare_outputs.cpp -o "$tools/compare" ||
  exit 1

for dir in "$bundle"/onnx/*/; do
  name=$(basename "$dir")
  if ! build "$dir"; then
    fail "$name: the build failed ($dir/build.log)"
  elif ! "$dir/$name" --out "$dir" "$dir/input.npy" >/dev/null; then
    fail "$name: the program failed"
  elif "$tools/compare" "$dir/output_0.npy" "$dir/expected.npy" 0 >/dev/null
  then
    log "PASS: $name: bit-identical to the CPU target"
  else
    fail "$name: the output differs from the CPU target's"
  fi
done

dir=$bundle/llm-tiny
run_tiny() { # logits file, then the environment's TERN_CUDA_GRAPHS applies
  "$dir/tiny-tq2_0" -p "Once upon a time" -n 32 --temp 0 --ignore-eos \
    --print-ids --logits "$1" >"$1.out"
}
if ! build "$dir"; then
  fail "llm-tiny: the build failed ($dir/build.log)"
elif ! run_tiny "$dir/graphs.logits"; then
  fail "llm-tiny: the program failed"
else
  tail -n 3 "$dir/graphs.logits.out" | head -n 1 >"$dir/graphs.ids"
  if cmp -s "$dir/graphs.ids" "$dir/expected.ids"; then
    log "PASS: llm-tiny: the CPU target's 32 greedy ids"
  else
    fail "llm-tiny: ids $(cat "$dir/graphs.ids"), the CPU's $(cat "$dir/expected.ids")"
  fi
  if diff=$("$tools/compare" "$dir/graphs.logits" "$dir/expected.logits" 0.2)
  then
    log "PASS: llm-tiny: logits within 0.2 of the CPU target's ($diff)"
  else
    fail "llm-tiny: logits not within 0.2 of the CPU target's ($diff)"
  fi
  if TERN_CUDA_GRAPHS=0 run_tiny "$dir/direct.logits" &&
    "$tools/compare" "$dir/direct.logits" "$dir/graphs.logits" 0 >/dev/null
  then
    log "PASS: llm-tiny: the same logits with CUDA graphs off"
  else
    fail "llm-tiny: CUDA graphs change the logits"
  fi
fi

log
log "## bench/cuda/linear.cu"
if "$nvcc" -O2 -std=c++17 -arch="$arch" -Iruntime/include \
  bench/cuda/linear.cu -o "$tools/linear" && "$tools/linear" >"$tools/linear.txt"
then
  tee -a "$results" <"$tools/linear.txt"
else
  fail "bench/cuda/linear.cu"
fi

log
log "## BitNet-b1.58-2B-4T preset (synthesized weights), 3 runs each"
dir=$bundle/bitnet-2b4t
long_prompt=$(yes the | head -n 127 | tr '\n' ' ')
if ! make -s -C "$dir" weights >"$dir/weights.log" 2>&1; then
  fail "bitnet-2b4t: make weights failed ($dir/weights.log)"
elif ! build "$dir"; then
  fail "bitnet-2b4t: the build failed ($dir/build.log)"
else
  log "| CUDA graphs | pp128 tok/s | tg256 tok/s |"
  log "|---|---|---|"
  for graphs in 1 0; do
    for run in 1 2 3; do
      pp=$(TERN_CUDA_GRAPHS=$graphs "$dir/bitnet-2b4t" -p "$long_prompt" -n 1 \
        --temp 0 --ignore-eos | awk '/^prompt:/{print $4}')
      tg=$(TERN_CUDA_GRAPHS=$graphs "$dir/bitnet-2b4t" -p "Once upon a time" \
        -n 256 --temp 0 --ignore-eos | awk '/^generation:/{print $4}')
      log "| $([ $graphs = 1 ] && echo on || echo off) | ${pp:-failed} | ${tg:-failed} |"
      if [ -z "$pp" ] || [ -z "$tg" ]; then
        fail "bitnet-2b4t: the program failed"
        break 2
      fi
    done
  done
fi
rm -rf "$tools"
exit $status
