#!/bin/sh
# Prompt speed (pp128, tok/s) of compiled LLM binaries, measured by
# alternating runs: on shared VMs one binary's speed drifts by 20-40% over
# minutes, so binaries are compared run by run, by the median and the best.
#
#   bench/llm_compare.sh RUNS BINARY... (each a ternc --emit=exe program)
set -eu
runs=$1
shift
prompt=$(yes the | head -127 | paste -sd' ')  # 127 tokens, plus BOS
results=$(mktemp)
trap 'rm -f "$results"' EXIT
for i in $(seq "$runs"); do
  for binary in "$@"; do
    speed=$("$binary" -p "$prompt" -n 1 --temp 0 --ignore-eos --no-mmap -t 2 \
      2>/dev/null | awk '/^prompt:/{print $4}')
    echo "$i $binary ${speed:-0}" >>"$results"
  done
done
echo "| binary | runs | median pp128 | best pp128 |"
echo "|---|---|---|---|"
for binary in "$@"; do
  awk -v b="$binary" '$2 == b {print $3}' "$results" | sort -n | awk -v b="$binary" \
    '{v[NR] = $1} END {printf "| %s | %d | %.1f | %.1f |\n", b, NR, v[int((NR + 1) / 2)], v[NR]}'
done
