/* tern_main: the command line of a standalone model executable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "tern/pool.h"

static void usage(FILE *to, const char *program, const tern_model_desc *m) {
  fprintf(to,
          "usage: %s [--out DIR] [--weights FILE] [-t|--threads N] INPUT...\n"
          "Runs model '%s'. Give one .pb (ONNX TensorProto) or .npy file per "
          "input, in this order:\n",
          program, m->name);
  for (int32_t i = 0; i < m->num_inputs; ++i) {
    const tern_tensor_info *in = &m->inputs[i];
    fprintf(to, "  %d: %s %s[", i, in->name, tern_dtype_name(in->dtype));
    for (int32_t d = 0; d < in->rank; ++d)
      fprintf(to, "%s%lld", d ? "x" : "", (long long)in->dims[d]);
    fprintf(to, "]\n");
  }
  fprintf(to, "Writes DIR/output_K.pb (or .npy when the inputs were .npy); "
              "DIR defaults to '.'.\n-t N runs kernels on N threads (default: "
              "every online CPU).\n");
}

static int check_input(const tern_tensor *t, const tern_tensor_info *want,
                       const char *path) {
  int same = t->info.dtype == want->dtype && t->info.rank == want->rank;
  for (int32_t d = 0; same && d < want->rank; ++d)
    same = t->info.dims[d] == want->dims[d];
  if (same)
    return 1;
  fprintf(stderr, "error: %s: input '%s' must be %s with shape [", path,
          want->name, tern_dtype_name(want->dtype));
  for (int32_t d = 0; d < want->rank; ++d)
    fprintf(stderr, "%s%lld", d ? "," : "", (long long)want->dims[d]);
  fprintf(stderr, "], got %s [", tern_dtype_name(t->info.dtype));
  for (int32_t d = 0; d < t->info.rank; ++d)
    fprintf(stderr, "%s%lld", d ? "," : "", (long long)t->info.dims[d]);
  fprintf(stderr, "]\n");
  return 0;
}

char *tern_sibling_path(const char *argv0, const char *model,
                        const char *extension) {
  const char *slash = strrchr(argv0, '/');
  size_t dir = slash ? (size_t)(slash - argv0) + 1 : 0;
  size_t size = dir + strlen(model) + strlen(extension) + 1;
  char *path = (char *)malloc(size);
  if (path)
    snprintf(path, size, "%.*s%s%s", (int)dir, argv0, model, extension);
  return path;
}

int tern_main(int argc, char **argv, const tern_model_desc *m) {
  const char *out_dir = ".", *weights = NULL;
  int threads = tern_cpu_count();
  const char **paths = (const char **)calloc((size_t)argc, sizeof(char *));
  int count = 0, status = 1;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout, argv[0], m);
      free(paths);
      return 0;
    }
    if ((!strcmp(argv[i], "-t") || !strcmp(argv[i], "--threads")) &&
        i + 1 < argc) {
      char *end;
      long n = strtol(argv[++i], &end, 10);
      if (*end || n < 1 || n > 1024) {
        fprintf(stderr,
                "error: --threads wants a count in [1, 1024], got '%s'\n",
                argv[i]);
        free(paths);
        return 2;
      }
      threads = (int)n;
    } else if ((!strcmp(argv[i], "--out") || !strcmp(argv[i], "--weights")) &&
               i + 1 < argc) {
      *(argv[i][2] == 'o' ? &out_dir : &weights) = argv[i + 1];
      ++i;
    } else if (argv[i][0] == '-' && argv[i][1] == '-') {
      fprintf(stderr, "error: unknown option '%s'\n", argv[i]);
      usage(stderr, argv[0], m);
      free(paths);
      return 2;
    } else {
      paths[count++] = argv[i];
    }
  }
  if (count != m->num_inputs) {
    fprintf(stderr, "error: model '%s' takes %d inputs, got %d\n", m->name,
            m->num_inputs, count);
    usage(stderr, argv[0], m);
    free(paths);
    return 2;
  }

  char *default_weights =
      weights ? NULL : tern_sibling_path(argv[0], m->name, ".weights");
  tern_tensor *inputs =
      (tern_tensor *)calloc((size_t)count + 1, sizeof *inputs);
  void **outputs = (void **)calloc((size_t)m->num_outputs + 1, sizeof(void *));
  const void **input_data =
      (const void **)calloc((size_t)count + 1, sizeof(void *));
  tern_session *session = NULL;
  int npy = count > 0;
  for (int i = 0; i < count; ++i) {
    size_t n = strlen(paths[i]);
    npy = npy && n > 4 && !strcmp(paths[i] + n - 4, ".npy");
    if (tern_tensor_read(paths[i], &inputs[i]) != TERN_OK) {
      fprintf(stderr, "error: %s\n", tern_last_error());
      goto done;
    }
    if (!check_input(&inputs[i], &m->inputs[i], paths[i]))
      goto done;
    input_data[i] = inputs[i].data;
  }
  for (int32_t i = 0; i < m->num_outputs; ++i) {
    size_t bytes = tern_tensor_info_elements(&m->outputs[i]) *
                   tern_dtype_size(m->outputs[i].dtype);
    if (!(outputs[i] = malloc(bytes ? bytes : 1))) {
      fprintf(stderr, "error: out of memory\n");
      goto done;
    }
  }
  if (tern_session_open(m, weights ? weights : default_weights, &session) !=
          TERN_OK ||
      tern_session_set_threads(session, threads) != TERN_OK ||
      tern_session_run(session, input_data, outputs) != TERN_OK) {
    fprintf(stderr, "error: %s\n", tern_last_error());
    goto done;
  }
  for (int32_t i = 0; i < m->num_outputs; ++i) {
    char path[4096];
    snprintf(path, sizeof path, "%s/output_%d.%s", out_dir, i,
             npy ? "npy" : "pb");
    if (tern_tensor_write(path, &m->outputs[i], outputs[i]) != TERN_OK) {
      fprintf(stderr, "error: %s\n", tern_last_error());
      goto done;
    }
  }
  status = 0;
done:
  tern_session_close(session);
  for (int i = 0; i < count; ++i)
    tern_tensor_free(&inputs[i]);
  for (int32_t i = 0; i < m->num_outputs; ++i)
    free(outputs[i]);
  free(inputs);
  free(outputs);
  free(input_data);
  free(default_weights);
  free(paths);
  return status;
}
