/* Generated LLM programs: the model's shape, its KV cache, and the
 * text-generation command line (tern_llm_main).
 *
 * ternc compiles a decoder-only LLM (GGUF or safetensors) into an ordinary
 * tern model (tern/runtime.h) whose entry takes `tokens` and `positions`
 * (int32 [T]) and returns `logits` (float [T, vocab]); attention layers
 * read and extend the KV cache made current with tern_kv_cache_set_current.
 * A tern_llm_desc describes the rest. */
#ifndef TERN_LLM_H
#define TERN_LLM_H

#include "tern/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_llm_desc {
  const char *architecture; /* "llama", "bitnet-b1.58", ... */
  int32_t layers;
  int32_t heads;
  int32_t kv_heads;
  int32_t head_dim;
  int32_t vocab;
  int32_t context_length;  /* the longest context the model was trained on */
  int32_t tokens_per_step; /* T of the entry's inputs */
  /* A second step model over the same weights taking prefill_tokens
   * tokens at once, for prompts; NULL when there is none. */
  const tern_model_desc *prefill_model;
  int32_t prefill_tokens;
} tern_llm_desc;

/* Keys and values of every layer, width = kv_heads * head_dim floats per
 * position; context is a multiple of 16 (creation rounds it up). Values are
 * values[(layer * context + pos) * width + i]. On the CPU, keys are in
 * panels of 16 positions, keys[(layer * context + pos / 16 * 16) * width +
 * i * 16 + pos % 16], so that vector lanes hold positions
 * (tern/llm/attention.h); on a device they are laid out as the values, so
 * that a warp reads a key with one coalesced load (tern/cuda/llm.cuh). */
typedef struct tern_kv_cache {
  int32_t layers, context, width;
  float *keys, *values;
  /* NULL: keys and values are in host memory; else on this device. */
  const tern_device *device;
} tern_kv_cache;

/* A zeroed cache in host memory, or on `device` (a device model's
 * tern_model_desc.device) when that is not NULL. */
tern_status tern_kv_cache_create_on(const tern_device *device, int32_t layers,
                                    int32_t context, int32_t width,
                                    tern_kv_cache **out);
tern_status tern_kv_cache_create(int32_t layers, int32_t context, int32_t width,
                                 tern_kv_cache **out);
void tern_kv_cache_destroy(tern_kv_cache *cache);
/* The cache the running model's attention layers use (per thread). */
tern_kv_cache *tern_kv_cache_current(void);
void tern_kv_cache_set_current(tern_kv_cache *cache);

/* The standalone generator:
 *   <model> -p PROMPT [-n N] [--temp T] [--top-k K] [--top-p P] [--seed S]
 *           [-t THREADS] [-c CTX] [--print-ids] [--ignore-eos] [--no-mmap]
 *           [--mlock] [--weights FILE] [--tokenizer FILE]
 * It prints the prompt and the generated text as it streams, then
 * `prompt: N tokens, X tok/s` and `generation: N tokens, X tok/s`. */
int tern_llm_main(int argc, char **argv, const tern_model_desc *model,
                  const tern_llm_desc *llm);

#ifdef __cplusplus
}
#endif

#endif /* TERN_LLM_H */
