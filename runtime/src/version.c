#include "tern/runtime.h"

const char *tern_runtime_version(void) { return TERN_RUNTIME_VERSION_STRING; }
