/* Helpers shared by the runtime's sources; not part of the public API. */
#ifndef TERN_RUNTIME_INTERNAL_H
#define TERN_RUNTIME_INTERNAL_H

#include "tern/runtime.h"

/* Records a printf-style message as the thread's last error and returns
 * `status`, so callers can write `return tern_fail(...)`. */
tern_status tern_fail(tern_status status, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Reads a whole file into malloc'd memory. */
tern_status tern_read_file(const char *path, uint8_t **data, size_t *size);

/* <directory of argv0>/<model><extension>, malloc'd: where a generated
 * program finds its weights and tokenizer by default. */
char *tern_sibling_path(const char *argv0, const char *model,
                        const char *extension);

/* Little-endian fields of tern's file formats. */
static inline uint32_t tern_read_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

#endif
