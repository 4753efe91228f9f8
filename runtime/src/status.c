#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

#if defined(_MSC_VER)
#define TERN_THREAD_LOCAL __declspec(thread)
#else
#define TERN_THREAD_LOCAL _Thread_local
#endif

static TERN_THREAD_LOCAL char last_error[512];

const char *tern_last_error(void) { return last_error; }

tern_status tern_fail(tern_status status, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(last_error, sizeof last_error, format, args);
  va_end(args);
  return status;
}

tern_status tern_read_file(const char *path, uint8_t **data, size_t *size) {
  FILE *file = fopen(path, "rb");
  if (!file)
    return tern_fail(TERN_ERROR_IO, "%s: cannot open file", path);
  uint8_t *buffer = NULL;
  size_t used = 0, capacity = 0;
  for (;;) {
    if (used == capacity) {
      size_t grown = capacity ? capacity * 2 : 4096;
      uint8_t *bigger = (uint8_t *)realloc(buffer, grown);
      if (!bigger) {
        free(buffer);
        fclose(file);
        return tern_fail(TERN_ERROR_MEMORY, "%s: out of memory", path);
      }
      buffer = bigger;
      capacity = grown;
    }
    size_t got = fread(buffer + used, 1, capacity - used, file);
    used += got;
    if (got == 0)
      break;
  }
  int failed = ferror(file);
  fclose(file);
  if (failed) {
    free(buffer);
    return tern_fail(TERN_ERROR_IO, "%s: read error", path);
  }
  *data = buffer;
  *size = used;
  return TERN_OK;
}

size_t tern_dtype_size(int32_t dtype) {
  switch (dtype) {
  case TERN_DTYPE_UINT8:
  case TERN_DTYPE_INT8:
  case TERN_DTYPE_BOOL:
    return 1;
  case TERN_DTYPE_UINT16:
  case TERN_DTYPE_INT16:
    return 2;
  case TERN_DTYPE_FLOAT32:
  case TERN_DTYPE_INT32:
  case TERN_DTYPE_UINT32:
    return 4;
  case TERN_DTYPE_INT64:
  case TERN_DTYPE_FLOAT64:
  case TERN_DTYPE_UINT64:
    return 8;
  default:
    return 0;
  }
}

const char *tern_dtype_name(int32_t dtype) {
  switch (dtype) {
  case TERN_DTYPE_FLOAT32:
    return "float32";
  case TERN_DTYPE_UINT8:
    return "uint8";
  case TERN_DTYPE_INT8:
    return "int8";
  case TERN_DTYPE_UINT16:
    return "uint16";
  case TERN_DTYPE_INT16:
    return "int16";
  case TERN_DTYPE_INT32:
    return "int32";
  case TERN_DTYPE_INT64:
    return "int64";
  case TERN_DTYPE_BOOL:
    return "bool";
  case TERN_DTYPE_FLOAT64:
    return "float64";
  case TERN_DTYPE_UINT32:
    return "uint32";
  case TERN_DTYPE_UINT64:
    return "uint64";
  default:
    return "unknown";
  }
}

size_t tern_tensor_info_elements(const tern_tensor_info *info) {
  size_t count = 1;
  for (int32_t i = 0; i < info->rank; ++i)
    count *= (size_t)info->dims[i];
  return count;
}
