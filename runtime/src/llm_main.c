/* tern_llm_main: the text-generation command line of compiled LLMs. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "tern/llm.h"
#include "tern/pool.h"
#include "tern/tokenizer.h"

typedef struct options {
  const char *prompt, *weights, *tokenizer, *logits;
  long tokens, top_k, threads, context;
  double temperature, top_p;
  unsigned long long seed;
  int print_ids, verbose_prompt, ignore_eos, no_mmap, mlock;
} options;

static void usage(FILE *to, const char *program, const tern_model_desc *m,
                  const tern_llm_desc *llm) {
  fprintf(
      to,
      "usage: %s -p PROMPT [options]\n"
      "Generates text with model '%s' (%s, %d layers, vocabulary %d).\n"
      "  -p, --prompt TEXT   the prompt (tokenized with the model's "
      "tokenizer)\n"
      "  -n N                tokens to generate (default 128)\n"
      "  --temp T            sampling temperature; 0 is greedy (default 0.8)\n"
      "  --top-k K           sample among the K likeliest tokens, 0 for all "
      "(default 40)\n"
      "  --top-p P           ... within cumulative probability P (default "
      "0.95)\n"
      "  --seed S            random seed (default 42)\n"
      "  -t, --threads N     threads (default: every online CPU)\n"
      "  -c, --ctx-size N    context length (default: min(training context, "
      "4096))\n"
      "  --print-ids         print the generated token ids on one line\n"
      "  --logits FILE       write each step's logits to FILE (float32, "
      "vocabulary\n"
      "                      values per step, from the last prompt token on)\n"
      "  --verbose-prompt    print the prompt's token ids to stderr\n"
      "  --ignore-eos        do not stop at end of sequence\n"
      "  --no-mmap           read the weights into memory instead of mapping "
      "them\n"
      "  --mlock             keep the weights locked in memory\n"
      "  --weights FILE      default: %s.weights beside the program\n"
      "  --tokenizer FILE    default: %s.tokenizer beside the program\n",
      program, m->name, llm->architecture, llm->layers, llm->vocab, m->name,
      m->name);
}

static int parse_long(const char *flag, const char *text, long low, long high,
                      long *out) {
  char *end;
  long value = strtol(text, &end, 10);
  if (!*text || *end || value < low || value > high) {
    fprintf(stderr, "error: %s wants an integer in [%ld, %ld], got '%s'\n",
            flag, low, high, text);
    return 0;
  }
  *out = value;
  return 1;
}

static int parse_double(const char *flag, const char *text, double low,
                        double high, double *out) {
  char *end;
  double value = strtod(text, &end);
  if (!*text || *end || !(value >= low && value <= high)) {
    fprintf(stderr, "error: %s wants a number in [%g, %g], got '%s'\n", flag,
            low, high, text);
    return 0;
  }
  *out = value;
  return 1;
}

/* 0: run, 1: exit 0 (help), 2: usage error. */
static int parse_options(int argc, char **argv, const tern_model_desc *m,
                         const tern_llm_desc *llm, options *o) {
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    const char *value = i + 1 < argc ? argv[i + 1] : NULL;
#define IS(flag) (!strcmp(a, flag))
    if (IS("-h") || IS("--help")) {
      usage(stdout, argv[0], m, llm);
      return 1;
    }
    if (IS("--print-ids")) {
      o->print_ids = 1;
      continue;
    }
    if (IS("--verbose-prompt")) {
      o->verbose_prompt = 1;
      continue;
    }
    if (IS("--ignore-eos")) {
      o->ignore_eos = 1;
      continue;
    }
    if (IS("--no-mmap")) {
      o->no_mmap = 1;
      continue;
    }
    if (IS("--mlock")) {
      o->mlock = 1;
      continue;
    }
    int known = IS("-p") || IS("--prompt") || IS("-n") || IS("--temp") ||
                IS("--top-k") || IS("--top-p") || IS("--seed") || IS("-t") ||
                IS("--threads") || IS("-c") || IS("--ctx-size") ||
                IS("--weights") || IS("--tokenizer") || IS("--logits");
    if (!known) {
      fprintf(stderr, "error: unknown option '%s' (see --help)\n", a);
      return 2;
    }
    if (!value) {
      fprintf(stderr, "error: %s needs a value\n", a);
      return 2;
    }
    ++i;
    long seed;
    int ok = 1;
    if (IS("-p") || IS("--prompt"))
      o->prompt = value;
    else if (IS("--weights"))
      o->weights = value;
    else if (IS("--tokenizer"))
      o->tokenizer = value;
    else if (IS("--logits"))
      o->logits = value;
    else if (IS("-n"))
      ok = parse_long(a, value, 0, 1L << 30, &o->tokens);
    else if (IS("--top-k"))
      ok = parse_long(a, value, 0, 1L << 30, &o->top_k);
    else if (IS("-t") || IS("--threads"))
      ok = parse_long(a, value, 1, 1024, &o->threads);
    else if (IS("-c") || IS("--ctx-size"))
      ok = parse_long(a, value, 1, 1L << 24, &o->context);
    else if (IS("--temp"))
      ok = parse_double(a, value, 0, 100, &o->temperature);
    else if (IS("--top-p"))
      ok = parse_double(a, value, 0, 1, &o->top_p);
    else if ((ok = parse_long(a, value, 0, 0x7fffffffL, &seed)))
      o->seed = (unsigned long long)seed;
#undef IS
    if (!ok)
      return 2;
  }
  if (!o->prompt) {
    fprintf(stderr, "error: no prompt; give one with -p (see --help)\n");
    return 2;
  }
  return 0;
}

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* xorshift64*: small, fast, and the same on every platform. */
static double next_uniform(unsigned long long *state) {
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return (double)((*state * 0x2545F4914F6CDD1Dull) >> 11) * 0x1.0p-53;
}

typedef struct candidate {
  int32_t id;
  float logit;
} candidate;

static int by_logit(const void *a, const void *b) {
  const candidate *x = (const candidate *)a, *y = (const candidate *)b;
  if (x->logit != y->logit)
    return x->logit < y->logit ? 1 : -1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* Greedy at temperature 0 (the lowest id wins a tie); otherwise top-k, then
 * top-p, then a draw from the softmax at the temperature. */
static int32_t sample(const float *logits, int32_t vocab, const options *o,
                      candidate *scratch, unsigned long long *rng) {
  if (o->temperature <= 0) {
    int32_t best = 0;
    for (int32_t i = 1; i < vocab; ++i)
      if (logits[i] > logits[best])
        best = i;
    return best;
  }
  for (int32_t i = 0; i < vocab; ++i)
    scratch[i] = (candidate){i, logits[i]};
  qsort(scratch, (size_t)vocab, sizeof *scratch, by_logit);
  int32_t keep = o->top_k > 0 && o->top_k < vocab ? (int32_t)o->top_k : vocab;
  double total = 0;
  double *weights = (double *)malloc((size_t)keep * sizeof *weights);
  if (!weights)
    return scratch[0].id;
  for (int32_t i = 0; i < keep; ++i) {
    weights[i] =
        exp((double)(scratch[i].logit - scratch[0].logit) / o->temperature);
    total += weights[i];
  }
  double mass = 0;
  int32_t nucleus = keep;
  for (int32_t i = 0; i < keep; ++i) {
    mass += weights[i] / total;
    if (mass >= o->top_p) {
      nucleus = i + 1;
      break;
    }
  }
  double nucleus_total = 0;
  for (int32_t i = 0; i < nucleus; ++i)
    nucleus_total += weights[i];
  double draw = next_uniform(rng) * nucleus_total;
  int32_t chosen = scratch[nucleus - 1].id;
  for (int32_t i = 0; i < nucleus; ++i) {
    draw -= weights[i];
    if (draw < 0) {
      chosen = scratch[i].id;
      break;
    }
  }
  free(weights);
  return chosen;
}

typedef struct generator {
  tern_session *session;
  int32_t T, vocab;
  int32_t rows; /* logit rows: T, or 1 when the step gives its last only */
  int32_t *tokens, *positions;
  float *logits; /* [rows, vocab] */
} generator;

static tern_status generator_init(generator *g, tern_session *session,
                                  const tern_model_desc *model, int32_t T,
                                  int32_t vocab) {
  const tern_tensor_info *logits =
      model->num_outputs == 1 ? &model->outputs[0] : NULL;
  if (model->num_inputs != 2 || !logits || model->inputs[0].rank != 1 ||
      model->inputs[0].dims[0] != T || logits->rank != 2 ||
      logits->dims[1] != vocab ||
      (logits->dims[0] != T && logits->dims[0] != 1))
    return tern_fail(TERN_ERROR_FORMAT,
                     "model %s is not an LLM step of %d tokens", model->name,
                     (int)T);
  g->session = session;
  g->T = T;
  g->vocab = vocab;
  g->rows = (int32_t)logits->dims[0];
  g->tokens = (int32_t *)calloc((size_t)T, sizeof(int32_t));
  g->positions = (int32_t *)calloc((size_t)T, sizeof(int32_t));
  g->logits = (float *)malloc((size_t)g->rows * (size_t)vocab * sizeof(float));
  if (!g->tokens || !g->positions || !g->logits)
    return tern_fail(TERN_ERROR_MEMORY, "out of memory");
  return TERN_OK;
}

static void generator_free(generator *g) {
  free(g->tokens);
  free(g->positions);
  free(g->logits);
}

/* Runs `count` tokens starting at position `pos` through the model, T at a
 * time; afterwards logits of the last token are at *last. A short last
 * chunk is padded by repeating its last token at the following positions:
 * their cache rows lie beyond every real token and are overwritten before
 * any query can attend to them. */
static tern_status feed(generator *g, const int32_t *ids, int32_t count,
                        int32_t pos, const float **last) {
  int32_t T = g->T;
  const void *inputs[2] = {g->tokens, g->positions};
  void *outputs[1] = {g->logits};
  for (int32_t start = 0; start < count; start += T) {
    int32_t n = count - start < T ? count - start : T;
    for (int32_t j = 0; j < T; ++j) {
      g->tokens[j] = ids[start + (j < n ? j : n - 1)];
      g->positions[j] = pos + start + j;
    }
    tern_status status = tern_session_run(g->session, inputs, outputs);
    if (status != TERN_OK)
      return status;
    *last = g->logits + (size_t)(g->rows == 1 ? 0 : n - 1) * (size_t)g->vocab;
  }
  return TERN_OK;
}

/* The prompt: through the prefill step when the program has one, in whole
 * chunks of P tokens. A chunk costs about as much as P/6 single-token steps
 * (which each read every weight once), so a remainder of fewer tokens goes
 * one token at a time. A longer one after a whole chunk goes as a chunk
 * ending at the prompt's last token (the step gives its last token's
 * logits), which recomputes a few tokens already in the cache: the same
 * values. A longer one from the start goes as a chunk of all but its last
 * token, padded, then the last token as a single step: the padding writes
 * cache positions past the prompt, which every later token overwrites
 * before any token attends to them. `capacity` bounds the cache positions. */
static tern_status feed_prompt(generator *decode, generator *prefill,
                               const int32_t *ids, int32_t count,
                               int32_t capacity, const float **last) {
  int32_t P = prefill->T, start = 0;
  if (!prefill->session)
    return feed(decode, ids, count, 0, last);
  for (; start + P <= count; start += P) {
    tern_status status = feed(prefill, ids + start, P, start, last);
    if (status != TERN_OK)
      return status;
  }
  int32_t rest = count - start;
  if (rest == 0)
    return TERN_OK;
  if (rest * 6 > P && start > 0)
    return feed(prefill, ids + count - P, P, count - P, last);
  if ((rest - 1) * 6 > P && start + P <= capacity) {
    tern_status status = feed(prefill, ids + start, rest - 1, start, last);
    if (status != TERN_OK)
      return status;
    return feed(decode, ids + count - 1, 1, count - 1, last);
  }
  return feed(decode, ids + start, rest, start, last);
}

static void write_piece(const tern_tokenizer *tokenizer, int32_t id) {
  size_t length;
  const char *piece = tern_tokenizer_piece(tokenizer, id, &length);
  if (piece)
    fwrite(piece, 1, length, stdout);
}

int tern_llm_main(int argc, char **argv, const tern_model_desc *m,
                  const tern_llm_desc *llm) {
  options o = {0};
  o.tokens = 128;
  o.top_k = 40;
  o.temperature = 0.8;
  o.top_p = 0.95;
  o.seed = 42;
  o.threads = tern_cpu_count();
  o.context = llm->context_length < 4096 ? llm->context_length : 4096;
  int parsed = parse_options(argc, argv, m, llm, &o);
  if (parsed)
    return parsed == 1 ? 0 : 2;

  char *weights_path =
      o.weights ? NULL : tern_sibling_path(argv[0], m->name, ".weights");
  char *tokenizer_path =
      o.tokenizer ? NULL : tern_sibling_path(argv[0], m->name, ".tokenizer");
  tern_session *session = NULL;
  tern_tokenizer *tokenizer = NULL;
  tern_kv_cache *cache = NULL;
  int32_t *prompt_ids = NULL, *generated = NULL;
  candidate *scratch = NULL;
  FILE *logits_file = NULL;
  generator g = {0}, prefill = {0};
  tern_session *prefill_session = NULL;
  int exit_code = 1;
  /* Padding of a decode step of T > 1 may reach T - 1 positions past the
   * prompt (prefill chunks stay within it). */
  int32_t T = llm->tokens_per_step;

  tern_weights_set_loading((o.no_mmap ? TERN_WEIGHTS_READ : 0) |
                           (o.mlock ? TERN_WEIGHTS_LOCK : 0));
  if (tern_session_open(m, o.weights ? o.weights : weights_path, &session) ||
      tern_session_set_threads(session, (int)o.threads) ||
      tern_tokenizer_open(o.tokenizer ? o.tokenizer : tokenizer_path,
                          &tokenizer)) {
    fprintf(stderr, "error: %s\n", tern_last_error());
    goto done;
  }
  if (llm->prefill_model &&
      tern_session_open_sibling(llm->prefill_model, session,
                                &prefill_session)) {
    fprintf(stderr, "error: %s\n", tern_last_error());
    goto done;
  }
  if (tern_tokenizer_size(tokenizer) > llm->vocab) {
    fprintf(stderr,
            "error: the tokenizer has %d tokens but the model only %d\n",
            tern_tokenizer_size(tokenizer), llm->vocab);
    goto done;
  }
  size_t prompt_count;
  if (tern_tokenizer_encode(tokenizer, o.prompt, strlen(o.prompt),
                            tern_tokenizer_adds_bos(tokenizer), &prompt_ids,
                            &prompt_count)) {
    fprintf(stderr, "error: %s\n", tern_last_error());
    goto done;
  }
  if (prompt_count == 0) {
    fprintf(stderr, "error: the prompt is empty and the tokenizer adds no "
                    "BOS token; nothing to condition on\n");
    goto done;
  }
  /* Padding of the last prompt chunk may reach T - 1 positions further. */
  if ((long)prompt_count + T - 1 > o.context) {
    fprintf(stderr,
            "error: the prompt is %zu tokens, longer than the context of %ld "
            "(raise -c)\n",
            prompt_count, o.context);
    goto done;
  }
  if (tern_kv_cache_create_on(m->device, llm->layers,
                              (int32_t)o.context + T - 1,
                              llm->kv_heads * llm->head_dim, &cache)) {
    fprintf(stderr, "error: %s\n", tern_last_error());
    goto done;
  }
  tern_kv_cache_set_current(cache);
  if (generator_init(&g, session, m, llm->tokens_per_step, llm->vocab) ||
      (prefill_session &&
       generator_init(&prefill, prefill_session, llm->prefill_model,
                      llm->prefill_tokens, llm->vocab))) {
    fprintf(stderr, "error: %s\n", tern_last_error());
    goto done;
  }
  scratch = (candidate *)malloc((size_t)llm->vocab * sizeof *scratch);
  generated = (int32_t *)malloc(((size_t)o.tokens + 1) * sizeof(int32_t));
  if (!scratch || !generated) {
    fprintf(stderr, "error: out of memory\n");
    goto done;
  }

  if (o.verbose_prompt) {
    fprintf(stderr, "prompt ids:");
    for (size_t i = 0; i < prompt_count; ++i)
      fprintf(stderr, " %d", prompt_ids[i]);
    fprintf(stderr, "\n");
  }
  if (o.logits && !(logits_file = fopen(o.logits, "wb"))) {
    fprintf(stderr, "error: %s: cannot create file\n", o.logits);
    goto done;
  }
  fputs(o.prompt, stdout);
  fflush(stdout);
  const float *logits = NULL;
  double start = now_seconds();
  if (feed_prompt(&g, &prefill, prompt_ids, (int32_t)prompt_count,
                  (int32_t)o.context + T - 1, &logits)) {
    fprintf(stderr, "error: %s\n", tern_last_error());
    goto done;
  }
  double prompt_seconds = now_seconds() - start;

  unsigned long long rng = o.seed * 0x9E3779B97F4A7C15ull + 1;
  int32_t pos = (int32_t)prompt_count;
  long produced = 0;
  start = now_seconds();
  while (produced < o.tokens) {
    if (logits_file && fwrite(logits, sizeof(float), (size_t)llm->vocab,
                              logits_file) != (size_t)llm->vocab) {
      fprintf(stderr, "error: %s: write failed\n", o.logits);
      goto done;
    }
    int32_t id = sample(logits, llm->vocab, &o, scratch, &rng);
    if (!o.ignore_eos && tern_tokenizer_is_end(tokenizer, id))
      break;
    generated[produced++] = id;
    write_piece(tokenizer, id);
    fflush(stdout);
    if (produced == o.tokens)
      break;
    if (pos >= o.context) {
      fprintf(stderr, "\nnote: stopped at the context length %ld (raise -c)\n",
              o.context);
      break;
    }
    if (feed(&g, &id, 1, pos, &logits)) {
      fprintf(stderr, "error: %s\n", tern_last_error());
      goto done;
    }
    ++pos;
  }
  double generation_seconds = now_seconds() - start;
  printf("\n");
  if (o.print_ids) {
    for (long i = 0; i < produced; ++i)
      printf("%s%d", i ? " " : "", generated[i]);
    printf("\n");
  }
  printf("prompt: %zu tokens, %.2f tok/s\n", prompt_count,
         prompt_seconds > 0 ? (double)prompt_count / prompt_seconds : 0.0);
  printf("generation: %ld tokens, %.2f tok/s\n", produced,
         generation_seconds > 0 ? (double)produced / generation_seconds : 0.0);
  exit_code = 0;

done:
  if (logits_file && fclose(logits_file) != 0 && exit_code == 0) {
    fprintf(stderr, "error: %s: write failed\n", o.logits);
    exit_code = 1;
  }
  tern_kv_cache_set_current(NULL);
  tern_kv_cache_destroy(cache);
  tern_tokenizer_close(tokenizer);
  tern_session_close(prefill_session);
  tern_session_close(session);
  generator_free(&g);
  generator_free(&prefill);
  free(scratch);
  free(generated);
  free(prompt_ids);
  free(weights_path);
  free(tokenizer_path);
  return exit_code;
}
