// compare_outputs GOT EXPECTED TOLERANCE [SKIP_BYTES]: the largest
// |got - expected| over two little-endian float32 files (after skipping
// SKIP_BYTES of each, e.g. a .npy header), for the GPU bundle's checks
// where numpy may be missing. Prints "max |diff| = X over N values" and
// exits 1 when the sizes differ, a value is NaN in one file only, or the
// difference exceeds TOLERANCE (0: the files must be bit-identical).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

static std::vector<char> readAll(const char *path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "error: cannot read %s\n", path);
    std::exit(1);
  }
  return {std::istreambuf_iterator<char>(in), {}};
}

int main(int argc, char **argv) {
  if (argc < 4 || argc > 5) {
    std::fprintf(stderr, "usage: %s GOT EXPECTED TOLERANCE [SKIP_BYTES]\n",
                 argv[0]);
    return 2;
  }
  const std::vector<char> got = readAll(argv[1]), expected = readAll(argv[2]);
  const double tolerance = std::atof(argv[3]);
  const size_t skip = argc == 5 ? std::strtoul(argv[4], nullptr, 10) : 0;
  if (got.size() != expected.size() || got.size() < skip ||
      (got.size() - skip) % 4) {
    std::fprintf(stderr, "error: %s has %zu bytes, %s %zu\n", argv[1],
                 got.size(), argv[2], expected.size());
    return 1;
  }
  if (tolerance == 0) {
    const bool same = std::memcmp(got.data(), expected.data(), got.size()) == 0;
    std::printf(same ? "bit-identical\n" : "the files differ\n");
    return same ? 0 : 1;
  }
  const size_t count = (got.size() - skip) / 4;
  double worst = 0;
  for (size_t i = 0; i < count; ++i) {
    float a, b;
    std::memcpy(&a, got.data() + skip + 4 * i, 4);
    std::memcpy(&b, expected.data() + skip + 4 * i, 4);
    if (std::isnan(a) != std::isnan(b)) {
      std::fprintf(stderr, "error: value %zu is NaN in one file only\n", i);
      return 1;
    }
    if (!std::isnan(a))
      worst = std::fmax(worst, std::fabs(double(a) - double(b)));
  }
  std::printf("max |diff| = %g over %zu values\n", worst, count);
  return worst <= tolerance ? 0 : 1;
}
