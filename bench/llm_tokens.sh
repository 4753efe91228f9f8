#!/bin/sh
# Tokens per second of compiled LLMs: pp128 (a 128-token prompt) and tg64
# (64 generated tokens) at 1 and 2 threads, for tern-mkmodel's bitnet-2b4t
# and llama-2b-32k presets (TQ2_0 GGUF; LLaMA-3's vocabulary for the first,
# llama-spm's for the second), weights read into memory (--no-mmap). Each figure is also
# given as a fraction of the roofline: the machine's DRAM read bandwidth,
# measured in the same run by tern-bench-bandwidth, over the bytes read per
# token (the weights file less the embedding table, of which a token reads
# one row).
#
#   bench/llm_tokens.sh [BUILD_DIR] [WORK_DIR]
set -eu
build=$(cd "${1:-build}" && pwd)
work=${2:-/tmp/tern-llm-bench}
vocabs=$(cd "$(dirname "$0")/../../shared/testdata/tokenizers" && pwd)
mkdir -p "$work"

# GiB/s of 2-thread and 1-thread reads of a 1 GiB buffer.
bandwidth=$("$build/bin/tern-bench-bandwidth" --benchmark_filter='MiB:1024' 2>/dev/null |
  awk '/threads:1 /{for(i=1;i<=NF;i++) if($i ~ /bytes_per_second/) {sub(/.*=/,"",$i); sub(/G\/s/,"",$i); one=$i}}
       /threads:2 /{for(i=1;i<=NF;i++) if($i ~ /bytes_per_second/) {sub(/.*=/,"",$i); sub(/G\/s/,"",$i); two=$i}}
       END {print one, two}')
echo "read bandwidth (GiB/s): 1 thread $(echo $bandwidth | cut -d' ' -f1), 2 threads $(echo $bandwidth | cut -d' ' -f2)"

prompt=$(yes the | head -127 | paste -sd' ')  # 127 tokens, plus BOS
echo "| preset | threads | pp128 (tok/s) | tg64 (tok/s) | MB read per token | tg64 / roofline |"
echo "|---|---|---|---|---|---|"
for preset in llama-2b-32k bitnet-2b4t; do
  model="$work/$preset.gguf"
  vocab=$vocabs/ggml-vocab-llama-spm.gguf
  [ "$preset" = bitnet-2b4t ] && vocab=$vocabs/llama3-tokenizer.model
  [ -f "$model" ] || "$build/bin/tern-mkmodel" --preset "$preset" \
    --format gguf:tq2_0 --seed 1 --vocab "$vocab" -o "$model" 2>/dev/null
  [ -x "$work/$preset/$preset" ] || "$build/bin/ternc" "$model" --emit=exe \
    -o "$work/$preset" 2>/dev/null
  dims=$("$build/bin/tern-gguf" "$model" | awk '/embedding_length/{d=$3} /vocab_size/{v=$3} END{print d*v}')
  table=$(awk -v n="$dims" 'BEGIN{print n*2}')  # the f16 embedding table
  weights=$(stat -c %s "$work/$preset/$preset.weights")
  bytes=$((weights - table))
  for threads in 1 2; do
    out=$("$work/$preset/$preset" -p "$prompt" -n 64 --temp 0 --ignore-eos \
      --no-mmap -t "$threads" 2>/dev/null | tail -2)
    pp=$(echo "$out" | awk '/^prompt:/{print $4}')
    tg=$(echo "$out" | awk '/^generation:/{print $4}')
    gib=$(echo $bandwidth | cut -d' ' -f"$threads")
    echo "$preset $threads $pp $tg $bytes $gib" | awk '{
      roof = $6 * 1073741824 / $5;
      printf "| %s | %d | %.1f | %.1f | %.0f | %.0f%% of %.1f |\n", $1, $2, $3, $4, $5 / 1e6, 100 * $4 / roof, roof }'
  done
done
