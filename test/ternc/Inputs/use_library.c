/* Links against a model built with `ternc --emit=lib` and runs it through
 * the C API documented in tern/runtime.h. argv[1]: the weights file. */
#include <stdio.h>

#include "mlp.h"

int main(int argc, char **argv) {
  const tern_model_desc *model = mlp_model();
  printf("model %s: %d input(s), %d output(s), arena %llu bytes\n",
         model->name, model->num_inputs, model->num_outputs,
         (unsigned long long)model->arena_bytes);
  tern_session *session;
  if (argc < 2 || tern_session_open(model, argv[1], &session) != TERN_OK) {
    fprintf(stderr, "error: %s\n", tern_last_error());
    return 1;
  }
  float x[6] = {0, 1, 2, 3, 4, 5}, y[8];
  const void *inputs[] = {x};
  void *outputs[] = {y};
  if (tern_session_run(session, inputs, outputs) != TERN_OK) {
    fprintf(stderr, "error: %s\n", tern_last_error());
    return 1;
  }
  for (int i = 0; i < 8; ++i)
    printf("%.4f%c", y[i], i == 7 ? '\n' : ' ');
  tern_session_close(session);
  return 0;
}
