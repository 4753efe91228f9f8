// What Vitis HLS cannot synthesize, one finding per line; hls_lint.py
// must flag each one.
static int layer(const int in[4], int w) {
  int *scratch = new int[4];
  std::vector<int> copy;
  int y = in[0] * w;
  const char *bytes = (const char *)scratch;
  return y + bytes[0];
}
struct Base { virtual int f(); };
static int fact(int n) {
  if (n < 2)
    return 1;
  return n + fact(n - 1);
}
