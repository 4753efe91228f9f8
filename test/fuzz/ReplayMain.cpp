//===- ReplayMain.cpp - a fuzz target without libFuzzer ------------------===//
//
// Builds without TERN_FUZZ link this main instead of libFuzzer's: it runs
// every file named on the command line (or found in a named folder) through
// the target once, so the seeds and the crashes found earlier are
// regression tests of every build.
//
//===----------------------------------------------------------------------===//
#include <cstdint>
#include <cstdio>
#include <dirent.h>
#include <string>
#include <sys/stat.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
    __attribute__((weak));

static bool readFile(const std::string &path, std::vector<uint8_t> &bytes) {
  FILE *file = std::fopen(path.c_str(), "rb");
  if (!file)
    return false;
  bytes.clear();
  uint8_t chunk[65536];
  size_t got;
  while ((got = std::fread(chunk, 1, sizeof chunk, file)) > 0)
    bytes.insert(bytes.end(), chunk, chunk + got);
  std::fclose(file);
  return true;
}

static int runPath(const std::string &path, size_t &count) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    std::fprintf(stderr, "%s: cannot read\n", path.c_str());
    return 1;
  }
  if (S_ISDIR(info.st_mode)) {
    DIR *dir = opendir(path.c_str());
    if (!dir)
      return 1;
    std::vector<std::string> names;
    while (dirent *entry = readdir(dir))
      if (entry->d_name[0] != '.')
        names.push_back(path + "/" + entry->d_name);
    closedir(dir);
    int failures = 0;
    for (const std::string &name : names)
      failures += runPath(name, count);
    return failures;
  }
  std::vector<uint8_t> bytes;
  if (!readFile(path, bytes)) {
    std::fprintf(stderr, "%s: cannot read\n", path.c_str());
    return 1;
  }
  LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  ++count;
  return 0;
}

int main(int argc, char **argv) {
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  size_t count = 0;
  int failures = 0;
  for (int i = 1; i < argc; ++i)
    if (argv[i][0] != '-')
      failures += runPath(argv[i], count);
  std::printf("replayed %zu inputs\n", count);
  return failures ? 1 : 0;
}
