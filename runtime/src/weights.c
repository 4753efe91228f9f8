/* The weights file: validated, then memory-mapped (read into memory where
 * mmap is unavailable). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#if defined(__unix__) || defined(__APPLE__)
#define TERN_HAVE_MMAP 1
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

struct tern_weights {
  uint8_t *base; /* the whole file */
  size_t size;
  int mapped;
};

static uint64_t load_le64(const uint8_t *p) {
  uint64_t value;
  memcpy(&value, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  value = __builtin_bswap64(value);
#endif
  return value;
}

#define FNV_BASIS 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t checksum_step(uint64_t lane, const uint8_t *word) {
  uint64_t h = (lane ^ load_le64(word)) * FNV_PRIME;
  return h ^ (h >> 32);
}

/* FNV-1a steps over 64-bit little-endian words in 8 interleaved lanes (word
 * i feeds lane i % 8), each step folding the product's high half down so a
 * changed bit reaches the whole lane; then the lanes, the tail bytes and the
 * size fold into one FNV-1a 64. The lanes are separate variables so they
 * stay in registers: about 1 GB per 0.1 s, where byte-wise FNV-1a took 2 s
 * at every start of a 2B model. */
uint64_t tern_weights_checksum(const void *data, size_t size) {
  const uint8_t *bytes = (const uint8_t *)data;
  uint64_t l0 = FNV_BASIS, l1 = FNV_BASIS + 1, l2 = FNV_BASIS + 2,
           l3 = FNV_BASIS + 3, l4 = FNV_BASIS + 4, l5 = FNV_BASIS + 5,
           l6 = FNV_BASIS + 6, l7 = FNV_BASIS + 7;
  size_t blocks = size / 64;
  for (size_t b = 0; b < blocks; ++b) {
    const uint8_t *p = bytes + 64 * b;
    l0 = checksum_step(l0, p);
    l1 = checksum_step(l1, p + 8);
    l2 = checksum_step(l2, p + 16);
    l3 = checksum_step(l3, p + 24);
    l4 = checksum_step(l4, p + 32);
    l5 = checksum_step(l5, p + 40);
    l6 = checksum_step(l6, p + 48);
    l7 = checksum_step(l7, p + 56);
  }
  const uint64_t lanes[8] = {l0, l1, l2, l3, l4, l5, l6, l7};
  uint64_t hash = FNV_BASIS;
  for (int j = 0; j < 8; ++j)
    for (int i = 0; i < 8; ++i)
      hash = (hash ^ ((lanes[j] >> (8 * i)) & 0xff)) * FNV_PRIME;
  for (size_t i = blocks * 64; i < size; ++i)
    hash = (hash ^ bytes[i]) * FNV_PRIME;
  for (int i = 0; i < 8; ++i)
    hash = (hash ^ (((uint64_t)size >> (8 * i)) & 0xff)) * FNV_PRIME;
  return hash;
}

void tern_weights_header(uint8_t header[TERN_WEIGHTS_HEADER_BYTES],
                         uint64_t payload_bytes, uint64_t checksum) {
  const uint64_t fields[3] = {TERN_WEIGHTS_VERSION |
                                  ((uint64_t)TERN_WEIGHTS_ALIGNMENT << 32),
                              payload_bytes, checksum};
  memset(header, 0, TERN_WEIGHTS_HEADER_BYTES);
  memcpy(header, TERN_WEIGHTS_MAGIC, 8);
  for (int f = 0; f < 3; ++f)
    for (int i = 0; i < 8; ++i)
      header[8 + 8 * f + i] = (uint8_t)(fields[f] >> (8 * i));
}

static int loading_flags;

void tern_weights_set_loading(int flags) { loading_flags = flags; }

/* "cannot open", with the way out when the folder holds the manifest of
 * synthesized weights (ternc --synthesize-weights) instead of the file. */
static tern_status cannot_open(const char *path) {
  size_t length = strlen(path);
  const char *suffix = ".weights";
  size_t suffix_length = strlen(suffix);
  if (length > suffix_length &&
      strcmp(path + length - suffix_length, suffix) == 0 && length < 4096) {
    char manifest[4096 + 8];
    snprintf(manifest, sizeof manifest, "%.*s.synth",
             (int)(length - suffix_length), path);
    FILE *file = fopen(manifest, "r");
    if (file) {
      fclose(file);
      return tern_fail(TERN_ERROR_IO,
                       "%s: cannot open weights file (the folder has its "
                       "synthesized-weights manifest %s: run `make weights` "
                       "there first)",
                       path, manifest);
    }
  }
  return tern_fail(TERN_ERROR_IO, "%s: cannot open weights file", path);
}

/* Reads the file into 64-byte-aligned memory: kernels rely on the layout's
 * alignment, which malloc alone does not give. */
static tern_status read_file_aligned(const char *path, tern_weights *weights) {
  FILE *file = fopen(path, "rb");
  if (!file)
    return cannot_open(path);
  long size = -1;
  if (fseek(file, 0, SEEK_END) == 0)
    size = ftell(file);
  if (size < 0 || fseek(file, 0, SEEK_SET) != 0) {
    fclose(file);
    return tern_fail(TERN_ERROR_IO, "%s: cannot size weights file", path);
  }
  if ((size_t)size < TERN_WEIGHTS_HEADER_BYTES) {
    fclose(file);
    return tern_fail(TERN_ERROR_FORMAT,
                     "%s: truncated weights file (%ld bytes, header is %u)",
                     path, size, TERN_WEIGHTS_HEADER_BYTES);
  }
  size_t rounded = ((size_t)size + 63) / 64 * 64;
  weights->base = (uint8_t *)aligned_alloc(64, rounded);
  if (!weights->base) {
    fclose(file);
    return tern_fail(TERN_ERROR_MEMORY, "%s: cannot allocate %ld bytes", path,
                     size);
  }
  size_t got = fread(weights->base, 1, (size_t)size, file);
  fclose(file);
  if (got != (size_t)size) {
    free(weights->base);
    weights->base = NULL;
    return tern_fail(TERN_ERROR_IO, "%s: read error", path);
  }
  weights->size = (size_t)size;
  return TERN_OK;
}

static tern_status map_file(const char *path, tern_weights *weights) {
  if (loading_flags & TERN_WEIGHTS_READ)
    return read_file_aligned(path, weights);
#if TERN_HAVE_MMAP
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    return cannot_open(path);
  struct stat info;
  if (fstat(fd, &info) != 0) {
    close(fd);
    return tern_fail(TERN_ERROR_IO, "%s: cannot stat weights file", path);
  }
  weights->size = (size_t)info.st_size;
  if (weights->size < TERN_WEIGHTS_HEADER_BYTES) {
    close(fd);
    return tern_fail(TERN_ERROR_FORMAT,
                     "%s: truncated weights file (%zu bytes, header is %u)",
                     path, weights->size, TERN_WEIGHTS_HEADER_BYTES);
  }
  void *base = mmap(NULL, weights->size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (base == MAP_FAILED)
    return tern_fail(TERN_ERROR_IO, "%s: cannot map weights file", path);
  weights->base = (uint8_t *)base;
  weights->mapped = 1;
  return TERN_OK;
#else
  tern_status status = tern_read_file(path, &weights->base, &weights->size);
  if (status == TERN_OK && weights->size < TERN_WEIGHTS_HEADER_BYTES)
    return tern_fail(TERN_ERROR_FORMAT, "%s: truncated weights file", path);
  return status;
#endif
}

void tern_weights_close(tern_weights *weights) {
  if (!weights)
    return;
#if TERN_HAVE_MMAP
  if (weights->mapped)
    munmap(weights->base, weights->size);
  else
#endif
    free(weights->base);
  free(weights);
}

tern_status tern_weights_open(const char *path, uint64_t expected_bytes,
                              uint64_t expected_checksum, tern_weights **out) {
  *out = NULL;
  tern_weights *weights = (tern_weights *)calloc(1, sizeof *weights);
  if (!weights)
    return tern_fail(TERN_ERROR_MEMORY, "out of memory");
  tern_status status = map_file(path, weights);
  if (status != TERN_OK) {
    free(weights);
    return status;
  }
#if TERN_HAVE_MMAP
  if ((loading_flags & TERN_WEIGHTS_LOCK) &&
      mlock(weights->base, weights->size) != 0) {
    size_t size = weights->size;
    tern_weights_close(weights);
    return tern_fail(TERN_ERROR_MEMORY,
                     "%s: cannot lock %zu bytes in memory (raise 'ulimit -l')",
                     path, size);
  }
#endif
  const uint8_t *header = weights->base;
  uint64_t payload = load_le64(header + 16);
  if (memcmp(header, TERN_WEIGHTS_MAGIC, 8) != 0)
    status = tern_fail(TERN_ERROR_FORMAT, "%s: not a tern weights file", path);
  else if (tern_read_u32(header + 8) != TERN_WEIGHTS_VERSION)
    status = tern_fail(TERN_ERROR_FORMAT,
                       "%s: weights format version %u, this runtime reads %u",
                       path, tern_read_u32(header + 8), TERN_WEIGHTS_VERSION);
  else if (payload != weights->size - TERN_WEIGHTS_HEADER_BYTES)
    status = tern_fail(
        TERN_ERROR_FORMAT,
        "%s: truncated weights file (header says %llu payload "
        "bytes, file has %llu)",
        path, (unsigned long long)payload,
        (unsigned long long)(weights->size - TERN_WEIGHTS_HEADER_BYTES));
  else if (payload != expected_bytes)
    status = tern_fail(TERN_ERROR_FORMAT,
                       "%s: weights hold %llu bytes but the model expects "
                       "%llu; was it written for another model?",
                       path, (unsigned long long)payload,
                       (unsigned long long)expected_bytes);
  else if (load_le64(header + 24) != expected_checksum ||
           tern_weights_checksum(header + TERN_WEIGHTS_HEADER_BYTES, payload) !=
               expected_checksum)
    status = tern_fail(TERN_ERROR_FORMAT,
                       "%s: weights checksum mismatch (corrupt file, or "
                       "written for another model)",
                       path);
  if (status != TERN_OK) {
    tern_weights_close(weights);
    return status;
  }
  *out = weights;
  return TERN_OK;
}

const uint8_t *tern_weights_payload(const tern_weights *weights) {
  return weights->base + TERN_WEIGHTS_HEADER_BYTES;
}
