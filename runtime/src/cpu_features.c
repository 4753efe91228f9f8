#define _GNU_SOURCE /* syscall, arch_prctl numbers */
/* Which CPU features this machine has, by the names ternc records in a
 * model descriptor (`tern_model_desc.cpu_features`). */
#include <stdio.h>
#include <string.h>

#include "tern/runtime.h"

#if defined(__x86_64__)
#include <cpuid.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* AMX tile data is off by default on Linux: a process asks for it once
 * (arch_prctl ARCH_REQ_XCOMP_PERM for XTILEDATA, feature 18). */
static int amx_usable(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(d & (1u << 24)) ||
      !(d & (1u << 25)))
    return 0;
#if defined(__linux__)
  return syscall(SYS_arch_prctl, 0x1023 /* ARCH_REQ_XCOMP_PERM */, 18) == 0;
#else
  return 0;
#endif
}

static int has_feature(const char *name) {
  __builtin_cpu_init();
  if (!strcmp(name, "avx2"))
    return __builtin_cpu_supports("avx2");
  if (!strcmp(name, "fma"))
    return __builtin_cpu_supports("fma");
  if (!strcmp(name, "avx512f"))
    return __builtin_cpu_supports("avx512f");
  if (!strcmp(name, "avx512bw"))
    return __builtin_cpu_supports("avx512bw");
  if (!strcmp(name, "avx512vl"))
    return __builtin_cpu_supports("avx512vl");
  if (!strcmp(name, "avx512vnni"))
    return __builtin_cpu_supports("avx512vnni");
  if (!strcmp(name, "avx512vbmi"))
    return __builtin_cpu_supports("avx512vbmi");
  if (!strcmp(name, "amx-int8") || !strcmp(name, "amx-tile"))
    return amx_usable();
  return 0;
}
#elif defined(__aarch64__)
#if defined(__linux__)
#include <sys/auxv.h>
#endif
static int has_feature(const char *name) {
  if (!strcmp(name, "neon"))
    return 1; /* baseline on AArch64 */
#if defined(__linux__)
  if (!strcmp(name, "dotprod"))
    return (getauxval(AT_HWCAP) & (1ul << 20)) != 0; /* HWCAP_ASIMDDP */
#endif
  return 0;
}
#else
static int has_feature(const char *name) {
  (void)name;
  return 0;
}
#endif

const char *tern_missing_cpu_feature(const char *features) {
  static _Thread_local char name[32];
  const char *at = features;
  while (at && *at) {
    const char *comma = strchr(at, ',');
    size_t length = comma ? (size_t)(comma - at) : strlen(at);
    snprintf(name, sizeof name, "%.*s", (int)length, at);
    if (length && !has_feature(name))
      return name;
    at = comma ? comma + 1 : NULL;
  }
  return NULL;
}
