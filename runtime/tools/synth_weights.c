/* tern_synth_weights MANIFEST OUT: writes the weights file a manifest from
 * `ternc --synthesize-weights=SEED` describes (tern/synth.h), on the
 * machine the model runs on, so that a large model's weights need not be
 * copied there. The manifest is text, one record per line:
 *   tern-synth 1
 *   seed <decimal>
 *   payload <bytes>
 *   checksum <16 hex digits>
 *   synth <offset> <bytes> <kind: bytes|f32|f16>
 *   literal <offset> <bytes> <2 hex digits per byte>
 * The tool refuses a manifest whose result would not have the recorded
 * checksum, and writes OUT through a temporary file, so a failure leaves
 * nothing behind. Build: cc -O2 -I<folder>/runtime/include (or -I<folder>)
 * synth_weights.c <runtime sources> -lm -lpthread. */
#include "tern/runtime.h"
#include "tern/synth.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *path, long line, const char *message) {
  fprintf(stderr, "%s:%ld: error: %s\n", path, line, message);
  return 1;
}

static int hex_digit(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* Reads `bytes` hex pairs after a space into out; 0 on success. */
static int read_hex(FILE *in, uint8_t *out, uint64_t bytes) {
  if (fgetc(in) != ' ')
    return -1;
  for (uint64_t i = 0; i < bytes; ++i) {
    int high = hex_digit(fgetc(in)), low = hex_digit(fgetc(in));
    if (high < 0 || low < 0)
      return -1;
    out[i] = (uint8_t)(high << 4 | low);
  }
  return fgetc(in) == '\n' ? 0 : -1;
}

static int write_file(const char *path, const uint8_t *payload, uint64_t bytes,
                      uint64_t checksum) {
  uint8_t header[TERN_WEIGHTS_HEADER_BYTES];
  tern_weights_header(header, bytes, checksum);
  size_t length = strlen(path) + 5;
  char *temporary = (char *)malloc(length);
  if (!temporary)
    return fail(path, 0, "out of memory");
  snprintf(temporary, length, "%s.tmp", path);
  FILE *out = fopen(temporary, "wb");
  int ok = out && fwrite(header, 1, sizeof header, out) == sizeof header &&
           fwrite(payload, 1, (size_t)bytes, out) == (size_t)bytes;
  ok = out && fclose(out) == 0 && ok;
  if (ok)
    ok = rename(temporary, path) == 0;
  if (!ok)
    remove(temporary);
  free(temporary);
  return ok ? 0 : fail(path, 0, "cannot write the weights file");
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s MANIFEST OUT.weights\n", argv[0]);
    return 2;
  }
  const char *path = argv[1];
  FILE *in = fopen(path, "r");
  if (!in)
    return fail(path, 0, "cannot open the manifest");
  unsigned version = 0;
  uint64_t seed = 0, bytes = 0, checksum = 0;
  if (fscanf(in,
             "tern-synth %u\nseed %" SCNu64 "\npayload %" SCNu64
             "\nchecksum %" SCNx64 "\n",
             &version, &seed, &bytes, &checksum) != 4 ||
      version != 1)
    return fail(path, 1, "not a version-1 tern-synth manifest");
  if (bytes > ((uint64_t)1 << 40))
    return fail(path, 3, "the payload size is out of range");
  uint8_t *payload = (uint8_t *)calloc(1, bytes ? (size_t)bytes : 1);
  if (!payload)
    return fail(path, 3, "cannot allocate the payload");
  int status = 0;
  for (long line = 5;; ++line) {
    char record[16], kind[8] = "";
    uint64_t offset = 0, size = 0;
    int got = fscanf(in, "%15s %" SCNu64 " %" SCNu64, record, &offset, &size);
    if (got == EOF)
      break;
    if (got != 3 || offset > bytes || size > bytes - offset) {
      status = fail(path, line, "malformed record or range past the payload");
      break;
    }
    if (strcmp(record, "literal") == 0) {
      if (read_hex(in, payload + offset, size)) {
        status = fail(path, line, "malformed literal bytes");
        break;
      }
    } else if (strcmp(record, "synth") == 0 &&
               fscanf(in, " %7s\n", kind) == 1) {
      int k = strcmp(kind, "f32") == 0     ? TERN_SYNTH_F32
              : strcmp(kind, "f16") == 0   ? TERN_SYNTH_F16
              : strcmp(kind, "bytes") == 0 ? TERN_SYNTH_BYTES
                                           : -1;
      if (k < 0) {
        status = fail(path, line, "unknown synthesized kind");
        break;
      }
      tern_synth_fill(seed, offset, k, payload + offset, (size_t)size);
    } else {
      status = fail(path, line, "unknown record");
      break;
    }
  }
  fclose(in);
  if (!status && tern_weights_checksum(payload, (size_t)bytes) != checksum)
    status = fail(path, 4,
                  "the synthesized payload does not have the recorded "
                  "checksum (a different tern version wrote the manifest?)");
  if (!status)
    status = write_file(argv[2], payload, bytes, checksum);
  free(payload);
  return status;
}
