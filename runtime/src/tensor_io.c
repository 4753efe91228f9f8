/* Tensor files: ONNX TensorProto (.pb) read and written with a minimal
 * protobuf wire-format codec, and NumPy .npy. */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* --- protobuf wire format ------------------------------------------------ */

typedef struct reader {
  const uint8_t *at, *end;
} reader;

static int read_varint(reader *r, uint64_t *value) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && r->at < r->end; shift += 7) {
    uint8_t byte = *r->at++;
    result |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *value = result;
      return 1;
    }
  }
  return 0;
}

/* Skips a field of `wire` type; 0 when the data ends first. */
static int skip_field(reader *r, unsigned wire) {
  uint64_t length;
  switch (wire) {
  case 0:
    return read_varint(r, &length);
  case 1:
    length = 8;
    break;
  case 2:
    if (!read_varint(r, &length))
      return 0;
    break;
  case 5:
    length = 4;
    break;
  default:
    return 0;
  }
  if (length > (uint64_t)(r->end - r->at))
    return 0;
  r->at += length;
  return 1;
}

typedef struct proto_tensor {
  int32_t data_type;
  int32_t rank;
  int64_t dims[TERN_MAX_RANK];
  const uint8_t *raw;
  size_t raw_size;
  int has_raw, external;
} proto_tensor;

static void store_element(void *data, int32_t dtype, size_t index,
                          uint64_t bits, int is_float, double real) {
  switch (dtype) {
  case TERN_DTYPE_FLOAT32: {
    float f;
    if (is_float) {
      uint32_t b = (uint32_t)bits;
      memcpy(&f, &b, 4);
    } else {
      f = (float)real;
    }
    ((float *)data)[index] = f;
    break;
  }
  case TERN_DTYPE_FLOAT64: {
    double d;
    memcpy(&d, &bits, 8);
    ((double *)data)[index] = d;
    break;
  }
  case TERN_DTYPE_UINT8:
  case TERN_DTYPE_INT8:
  case TERN_DTYPE_BOOL:
    ((uint8_t *)data)[index] = (uint8_t)bits;
    break;
  case TERN_DTYPE_UINT16:
  case TERN_DTYPE_INT16:
    ((uint16_t *)data)[index] = (uint16_t)bits;
    break;
  case TERN_DTYPE_INT32:
  case TERN_DTYPE_UINT32:
    ((uint32_t *)data)[index] = (uint32_t)bits;
    break;
  default:
    ((uint64_t *)data)[index] = bits;
    break;
  }
}

/* Decodes one repeated numeric field (packed or not) into `data`. */
static int read_numbers(reader *r, unsigned wire, unsigned width, int32_t dtype,
                        void *data, size_t count, size_t *filled) {
  reader values = *r;
  if (wire == 2) {
    uint64_t length;
    if (!read_varint(r, &length) || length > (uint64_t)(r->end - r->at))
      return 0;
    values.at = r->at;
    values.end = r->at + length;
    r->at += length;
  } else {
    values.end = r->end;
  }
  do {
    uint64_t bits = 0;
    if (width == 0) {
      if (!read_varint(&values, &bits))
        return 0;
    } else {
      if ((size_t)(values.end - values.at) < width)
        return 0;
      for (unsigned i = 0; i < width; ++i)
        bits |= (uint64_t)values.at[i] << (8 * i);
      values.at += width;
    }
    if (*filled >= count)
      return 0;
    store_element(data, dtype, (*filled)++, bits, width == 4, 0.0);
  } while (wire == 2 && values.at < values.end);
  if (wire != 2)
    r->at = values.at;
  return 1;
}

/* The byte size of `info`'s elements; 0 when it does not fit a size_t. */
static int checked_bytes(const tern_tensor_info *info, size_t *bytes) {
  size_t total = tern_dtype_size(info->dtype);
  for (int32_t i = 0; i < info->rank; ++i) {
    if (info->dims[i] < 0 ||
        (info->dims[i] && total > SIZE_MAX / (uint64_t)info->dims[i]))
      return 0;
    total *= (size_t)info->dims[i];
  }
  *bytes = total;
  return 1;
}

static tern_status parse_header(const char *path, const uint8_t *bytes,
                                size_t size, proto_tensor *t) {
  memset(t, 0, sizeof *t);
  reader r = {bytes, bytes + size};
  while (r.at < r.end) {
    uint64_t key, value;
    if (!read_varint(&r, &key))
      goto truncated;
    unsigned field = (unsigned)(key >> 3), wire = (unsigned)(key & 7);
    if (field == 1) { /* dims */
      reader dims = r;
      if (wire == 2) {
        if (!read_varint(&r, &value) || value > (uint64_t)(r.end - r.at))
          goto truncated;
        dims.at = r.at;
        dims.end = r.at + value;
        r.at += value;
        while (dims.at < dims.end) {
          if (!read_varint(&dims, &value) || t->rank >= TERN_MAX_RANK)
            goto bad_dims;
          t->dims[t->rank++] = (int64_t)value;
        }
      } else {
        if (!read_varint(&r, &value) || t->rank >= TERN_MAX_RANK)
          goto bad_dims;
        t->dims[t->rank++] = (int64_t)value;
      }
    } else if (field == 2 && wire == 0) {
      if (!read_varint(&r, &value))
        goto truncated;
      t->data_type = (int32_t)value;
    } else if (field == 9 && wire == 2) {
      if (!read_varint(&r, &value) || value > (uint64_t)(r.end - r.at))
        goto truncated;
      t->raw = r.at;
      t->raw_size = (size_t)value;
      t->has_raw = 1;
      r.at += value;
    } else if (field == 14 && wire == 0) {
      if (!read_varint(&r, &value))
        goto truncated;
      t->external = value == 1;
    } else if (!skip_field(&r, wire)) {
      goto truncated;
    }
  }
  for (int32_t i = 0; i < t->rank; ++i)
    if (t->dims[i] < 0 || t->dims[i] > ((int64_t)1 << 40))
      goto bad_dims;
  return TERN_OK;
truncated:
  return tern_fail(TERN_ERROR_FORMAT, "%s: malformed or truncated TensorProto",
                   path);
bad_dims:
  return tern_fail(TERN_ERROR_FORMAT,
                   "%s: TensorProto has invalid dims or more than %d of them",
                   path, TERN_MAX_RANK);
}

static tern_status read_pb(const char *path, const uint8_t *bytes, size_t size,
                           tern_tensor *out) {
  proto_tensor t;
  tern_status status = parse_header(path, bytes, size, &t);
  if (status != TERN_OK)
    return status;
  size_t width = tern_dtype_size(t.data_type);
  if (!width)
    return tern_fail(TERN_ERROR_FORMAT,
                     "%s: TensorProto data_type %d is not supported", path,
                     t.data_type);
  if (t.external)
    return tern_fail(TERN_ERROR_FORMAT,
                     "%s: TensorProto with external data is not supported",
                     path);
  out->info.dtype = t.data_type;
  out->info.rank = t.rank;
  memcpy(out->info.dims, t.dims, sizeof t.dims);
  /* The dims may claim anything; every element takes at least a byte of
   * the file (raw_data exactly `width`), so a count the file cannot hold
   * is refused before allocating for it. */
  size_t all_bytes;
  if (!checked_bytes(&out->info, &all_bytes))
    return tern_fail(TERN_ERROR_FORMAT,
                     "%s: TensorProto dims overflow the element count", path);
  size_t count = all_bytes / width;
  if (count > size || (t.has_raw && t.raw_size / width < count))
    return tern_fail(TERN_ERROR_FORMAT,
                     "%s: TensorProto dims give %zu elements, more than its "
                     "%zu bytes hold",
                     path, count, size);
  size_t bytes_needed = count * width;
  out->data = malloc(bytes_needed ? bytes_needed : 1);
  if (!out->data)
    return tern_fail(TERN_ERROR_MEMORY, "%s: out of memory", path);
  if (t.has_raw) {
    if (t.raw_size != count * width) {
      tern_tensor_free(out);
      return tern_fail(TERN_ERROR_FORMAT,
                       "%s: raw_data holds %zu bytes, dims need %zu", path,
                       t.raw_size, count * width);
    }
    memcpy(out->data, t.raw, t.raw_size);
    return TERN_OK;
  }
  /* Typed fields: float_data (4), int32_data (5), int64_data (7),
   * double_data (10), uint64_data (11). */
  reader r = {bytes, bytes + size};
  size_t filled = 0;
  while (r.at < r.end) {
    uint64_t key = 0;
    read_varint(&r, &key);
    unsigned field = (unsigned)(key >> 3), wire = (unsigned)(key & 7);
    unsigned element_width = field == 4 ? 4 : field == 10 ? 8 : 0;
    int typed =
        field == 4 || field == 5 || field == 7 || field == 10 || field == 11;
    if (typed && !read_numbers(&r, wire, element_width, t.data_type, out->data,
                               count, &filled)) {
      tern_tensor_free(out);
      return tern_fail(TERN_ERROR_FORMAT,
                       "%s: TensorProto data is malformed or holds more than "
                       "the %zu elements its dims give",
                       path, count);
    }
    if (!typed)
      skip_field(&r, wire);
  }
  if (filled != count) {
    tern_tensor_free(out);
    return tern_fail(TERN_ERROR_FORMAT,
                     "%s: TensorProto holds %zu elements, dims need %zu", path,
                     filled, count);
  }
  return TERN_OK;
}

static void put_varint(FILE *file, uint64_t value) {
  do {
    uint8_t byte = value & 0x7f;
    value >>= 7;
    fputc(byte | (value ? 0x80 : 0), file);
  } while (value);
}

static void write_pb(FILE *file, const tern_tensor_info *info,
                     const void *data) {
  for (int32_t i = 0; i < info->rank; ++i) {
    fputc(0x08, file);
    put_varint(file, (uint64_t)info->dims[i]);
  }
  fputc(0x10, file);
  put_varint(file, (uint64_t)info->dtype);
  if (info->name) {
    fputc(0x42, file);
    put_varint(file, strlen(info->name));
    fputs(info->name, file);
  }
  size_t bytes = tern_tensor_info_elements(info) * tern_dtype_size(info->dtype);
  fputc(0x4a, file);
  put_varint(file, bytes);
  fwrite(data, 1, bytes, file);
}

/* --- NumPy .npy ----------------------------------------------------------- */

static const struct {
  const char *descr;
  int32_t dtype;
} npy_types[] = {
    {"<f4", TERN_DTYPE_FLOAT32}, {"<f8", TERN_DTYPE_FLOAT64},
    {"|i1", TERN_DTYPE_INT8},    {"|u1", TERN_DTYPE_UINT8},
    {"<i2", TERN_DTYPE_INT16},   {"<u2", TERN_DTYPE_UINT16},
    {"<i4", TERN_DTYPE_INT32},   {"<u4", TERN_DTYPE_UINT32},
    {"<i8", TERN_DTYPE_INT64},   {"<u8", TERN_DTYPE_UINT64},
    {"|b1", TERN_DTYPE_BOOL},
};

static tern_status read_npy(const char *path, const uint8_t *bytes, size_t size,
                            tern_tensor *out) {
  if (size < 10 || bytes[6] < 1 || bytes[6] > 3)
    return tern_fail(TERN_ERROR_FORMAT, "%s: unsupported .npy version", path);
  size_t header_len, start;
  if (bytes[6] == 1) {
    header_len = bytes[8] | (size_t)bytes[9] << 8;
    start = 10;
  } else {
    if (size < 12)
      return tern_fail(TERN_ERROR_FORMAT, "%s: truncated .npy header", path);
    header_len = bytes[8] | (size_t)bytes[9] << 8 | (size_t)bytes[10] << 16 |
                 (size_t)bytes[11] << 24;
    start = 12;
  }
  if (header_len > size - start || header_len > 65536)
    return tern_fail(TERN_ERROR_FORMAT, "%s: truncated .npy header", path);
  char header[65537];
  memcpy(header, bytes + start, header_len);
  header[header_len] = 0;
  const char *descr = strstr(header, "'descr'");
  const char *order = strstr(header, "'fortran_order'");
  const char *shape = strstr(header, "'shape'");
  if (!descr || !order || !shape)
    return tern_fail(TERN_ERROR_FORMAT, "%s: malformed .npy header", path);
  if (strstr(order, "True"))
    return tern_fail(TERN_ERROR_FORMAT,
                     "%s: Fortran-order arrays are not supported", path);
  out->info.dtype = 0;
  descr = strchr(descr + 7, '\'');
  for (size_t i = 0; descr && i < sizeof npy_types / sizeof *npy_types; ++i)
    if (strncmp(descr + 1, npy_types[i].descr, 3) == 0 && descr[4] == '\'')
      out->info.dtype = npy_types[i].dtype;
  if (!out->info.dtype)
    return tern_fail(TERN_ERROR_FORMAT, "%s: unsupported .npy dtype", path);
  const char *at = strchr(shape, '(');
  if (!at)
    return tern_fail(TERN_ERROR_FORMAT, "%s: malformed .npy shape", path);
  out->info.rank = 0;
  for (++at; *at && *at != ')';) {
    char *next;
    long long dim = strtoll(at, &next, 10);
    if (next == at) {
      ++at;
      continue;
    }
    if (out->info.rank >= TERN_MAX_RANK || dim < 0 || dim > (1LL << 40))
      return tern_fail(TERN_ERROR_FORMAT, "%s: unsupported .npy shape", path);
    out->info.dims[out->info.rank++] = dim;
    at = next;
  }
  size_t payload;
  if (!checked_bytes(&out->info, &payload))
    return tern_fail(TERN_ERROR_FORMAT,
                     "%s: .npy shape overflows the element count", path);
  if (size - start - header_len != payload)
    return tern_fail(TERN_ERROR_FORMAT,
                     "%s: .npy holds %zu data bytes, its shape needs %zu", path,
                     size - start - header_len, payload);
  out->data = malloc(payload ? payload : 1);
  if (!out->data)
    return tern_fail(TERN_ERROR_MEMORY, "%s: out of memory", path);
  memcpy(out->data, bytes + start + header_len, payload);
  return TERN_OK;
}

static void write_npy(FILE *file, const tern_tensor_info *info,
                      const void *data) {
  const char *descr = "<f4";
  for (size_t i = 0; i < sizeof npy_types / sizeof *npy_types; ++i)
    if (npy_types[i].dtype == info->dtype)
      descr = npy_types[i].descr;
  char header[512];
  int len =
      snprintf(header, sizeof header,
               "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
  for (int32_t i = 0; i < info->rank; ++i)
    len += snprintf(header + len, sizeof header - (size_t)len, "%lld,%s",
                    (long long)info->dims[i], i + 1 < info->rank ? " " : "");
  len += snprintf(header + len, sizeof header - (size_t)len, "), }");
  /* Pad with spaces so the data starts 64-byte aligned; end with '\n'. */
  while ((10 + len + 1) % 64)
    header[len++] = ' ';
  header[len++] = '\n';
  fwrite("\x93NUMPY\x01\x00", 1, 8, file);
  fputc(len & 0xff, file);
  fputc(len >> 8, file);
  fwrite(header, 1, (size_t)len, file);
  fwrite(data, 1,
         tern_tensor_info_elements(info) * tern_dtype_size(info->dtype), file);
}

static int ends_with(const char *text, const char *suffix) {
  size_t n = strlen(text), m = strlen(suffix);
  return n >= m && strcmp(text + n - m, suffix) == 0;
}

tern_status tern_tensor_parse(const uint8_t *data, size_t size,
                              const char *name, tern_tensor *out) {
  memset(out, 0, sizeof *out);
  if (size >= 6 && memcmp(data, "\x93NUMPY", 6) == 0)
    return read_npy(name, data, size, out);
  return read_pb(name, data, size, out);
}

tern_status tern_tensor_read(const char *path, tern_tensor *out) {
  memset(out, 0, sizeof *out);
  uint8_t *bytes;
  size_t size;
  tern_status status = tern_read_file(path, &bytes, &size);
  if (status != TERN_OK)
    return status;
  status = tern_tensor_parse(bytes, size, path, out);
  free(bytes);
  return status;
}

tern_status tern_tensor_write(const char *path, const tern_tensor_info *info,
                              const void *data) {
  FILE *file = fopen(path, "wb");
  if (!file)
    return tern_fail(TERN_ERROR_IO, "%s: cannot create file", path);
  if (ends_with(path, ".npy"))
    write_npy(file, info, data);
  else
    write_pb(file, info, data);
  if (fclose(file) != 0)
    return tern_fail(TERN_ERROR_IO, "%s: write error", path);
  return TERN_OK;
}

void tern_tensor_free(tern_tensor *tensor) {
  free(tensor->data);
  tensor->data = NULL;
}
