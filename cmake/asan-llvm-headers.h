/* Force-included into C++ sources of the sanitized build (TERN_SANITIZE).
 *
 * LLVM's BumpPtrAllocator poisons fresh slabs and unpoisons what it hands
 * out, through __asan_(un)poison_memory_region, in header code. Our
 * instrumented copies of that code share allocators (MLIR's uniquer) with
 * the uninstrumented copies inside libMLIR.so, which hand out memory
 * without unpoisoning it: every later read would be a false
 * use-after-poison. The calls become no-ops here; ASan still checks every
 * access to heap, stack and globals. */
#ifndef TERN_ASAN_LLVM_HEADERS_H
#define TERN_ASAN_LLVM_HEADERS_H
#include <sanitizer/asan_interface.h>
#undef ASAN_POISON_MEMORY_REGION
#undef ASAN_UNPOISON_MEMORY_REGION
#define __asan_poison_memory_region(addr, size) ((void)(addr), (void)(size))
#define __asan_unpoison_memory_region(addr, size) ((void)(addr), (void)(size))
#endif
