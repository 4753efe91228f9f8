//===- FuzzInput.cpp - scratch files for fuzz inputs ----------------------===//
#include "FuzzInput.h"

#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tern::fuzz {

const std::string &scratchFolder() {
  // Never destroyed: the exit handler below still needs it.
  static const std::string &folder = *new std::string([] {
    const char *tmp = std::getenv("TMPDIR");
    std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/tern-fuzz-" +
                       std::to_string(getpid());
    if (mkdir(path.c_str(), 0700) != 0 && access(path.c_str(), W_OK) != 0) {
      std::perror(path.c_str());
      std::abort();
    }
    // The folder outlives no run: emptied and removed at exit.
    std::atexit([] {
      clearScratchFolder();
      rmdir(scratchFolder().c_str());
    });
    return path;
  }());
  return folder;
}

std::string writeScratchFile(const std::string &name, const uint8_t *data,
                             size_t size) {
  std::string path = scratchFolder() + "/" + name;
  FILE *file = std::fopen(path.c_str(), "wb");
  if (!file || (size && std::fwrite(data, 1, size, file) != size) ||
      std::fclose(file) != 0) {
    std::perror(path.c_str());
    std::abort();
  }
  return path;
}

void clearScratchFolder() {
  DIR *dir = opendir(scratchFolder().c_str());
  if (!dir)
    return;
  while (dirent *entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..")
      unlink((scratchFolder() + "/" + name).c_str());
  }
  closedir(dir);
}

void checkFailed(const char *what) {
  std::fprintf(stderr, "tern fuzz check failed: %s\n", what);
  std::abort();
}

} // namespace tern::fuzz
