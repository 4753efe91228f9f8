// The kernels of tern's transformer-decoder ops (dialect/TernLlmOps.td) on
// the CPU: embedding rows, RMSNorm, rotary embedding, and causal
// grouped-query attention through the current KV cache (tern/llm.h).
// Header-only, so generated code inlines them with its static shapes.
#ifndef TERN_LLM_OPS_H
#define TERN_LLM_OPS_H

#include <cmath>
#include <cstdint>
#include <vector>

#include "tern/llm.h"
#include "tern/pool.h"

namespace tern::llm {

inline void embedding(const float *table, int64_t dim, const int32_t *ids,
                      int64_t tokens, float *out) {
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t i = 0; i < dim; ++i)
      out[t * dim + i] = table[int64_t(ids[t]) * dim + i];
}

// Sums of squares in double, as ggml_rms_norm does, so results track
// llama.cpp's closely.
inline void rms_norm(const float *x, const float *weight, int64_t tokens,
                     int64_t dim, float epsilon, float *out) {
  for (int64_t t = 0; t < tokens; ++t) {
    const float *row = x + t * dim;
    double sum = 0;
    for (int64_t i = 0; i < dim; ++i)
      sum += double(row[i]) * row[i];
    float scale = 1.0f / std::sqrt(float(sum / double(dim)) + epsilon);
    for (int64_t i = 0; i < dim; ++i)
      out[t * dim + i] = row[i] * scale * weight[i];
  }
}

inline void rope(const float *x, const int32_t *positions, int64_t tokens,
                 int64_t width, int64_t head_dim, float theta, bool neox,
                 float *out) {
  int64_t half = head_dim / 2;
  std::vector<float> cosines(static_cast<size_t>(half)),
      sines(static_cast<size_t>(half));
  for (int64_t t = 0; t < tokens; ++t) {
    // The angles depend on the position and the pair, not the head.
    for (int64_t i = 0; i < half; ++i) {
      double angle = double(positions[t]) *
                     std::pow(double(theta), -2.0 * double(i) / head_dim);
      cosines[size_t(i)] = float(std::cos(angle));
      sines[size_t(i)] = float(std::sin(angle));
    }
    for (int64_t h = 0; h < width / head_dim; ++h) {
      const float *in = x + t * width + h * head_dim;
      float *o = out + t * width + h * head_dim;
      for (int64_t i = 0; i < half; ++i) {
        float c = cosines[size_t(i)], s = sines[size_t(i)];
        int64_t a = neox ? i : 2 * i, b = neox ? i + half : 2 * i + 1;
        float x0 = in[a], x1 = in[b];
        o[a] = x0 * c - x1 * s;
        o[b] = x0 * s + x1 * c;
      }
    }
  }
}

struct AttentionTask {
  const float *q;
  const int32_t *positions;
  int64_t tokens, heads, group, head_dim;
  const float *keys, *values; // this layer's cache
  int64_t width;
  float *out;
};

inline void attention_heads(void *context, int thread, int threads) {
  const AttentionTask &a = *static_cast<const AttentionTask *>(context);
  int64_t jobs = a.tokens * a.heads;
  std::vector<float> scores;
  float scale = 1.0f / std::sqrt(float(a.head_dim));
  for (int64_t job = thread; job < jobs; job += threads) {
    int64_t t = job / a.heads, h = job % a.heads;
    int64_t kv = (h / a.group) * a.head_dim, span = a.positions[t] + 1;
    const float *q = a.q + t * a.heads * a.head_dim + h * a.head_dim;
    scores.resize(size_t(span));
    float top = -INFINITY;
    for (int64_t p = 0; p < span; ++p) {
      const float *k = a.keys + p * a.width + kv;
      float dot = 0;
      for (int64_t i = 0; i < a.head_dim; ++i)
        dot += q[i] * k[i];
      scores[size_t(p)] = dot * scale;
      top = std::fmax(top, scores[size_t(p)]);
    }
    double total = 0;
    for (int64_t p = 0; p < span; ++p) {
      scores[size_t(p)] = std::exp(scores[size_t(p)] - top);
      total += scores[size_t(p)];
    }
    float *o = a.out + t * a.heads * a.head_dim + h * a.head_dim;
    for (int64_t i = 0; i < a.head_dim; ++i)
      o[i] = 0;
    for (int64_t p = 0; p < span; ++p) {
      float w = float(scores[size_t(p)] / total);
      const float *v = a.values + p * a.width + kv;
      for (int64_t i = 0; i < a.head_dim; ++i)
        o[i] += w * v[i];
    }
  }
}

// Stores the tokens' keys and values at their positions, then attends each
// query to the cached positions up to its own.
inline void attention(const float *q, const float *k, const float *v,
                      const int32_t *positions, int64_t tokens, int64_t layer,
                      int64_t heads, int64_t kv_heads, int64_t head_dim,
                      float *out) {
  tern_kv_cache *cache = tern_kv_cache_current();
  int64_t width = kv_heads * head_dim;
  float *keys = cache->keys + layer * cache->context * width;
  float *values = cache->values + layer * cache->context * width;
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t i = 0; i < width; ++i) {
      keys[positions[t] * width + i] = k[t * width + i];
      values[positions[t] * width + i] = v[t * width + i];
    }
  AttentionTask task{q,        positions, tokens, heads, heads / kv_heads,
                     head_dim, keys,      values, width, out};
  tern_pool_run(tern_pool_current(), attention_heads, &task);
}

} // namespace tern::llm

#endif // TERN_LLM_OPS_H
