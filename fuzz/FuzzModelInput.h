//===- FuzzModelInput.h - a model file pair from one fuzzer input -*- C++ -*-===//
//
// The importer and pipeline fuzzers take a whole model (JSON graph and
// safetensors file) as one input: a 4-byte little-endian length L, L bytes of
// JSON, then the tensor file's bytes (fuzz/make_corpus.py writes the seeds).
// The pair is written to m.json / m.safetensors in a private directory, so the
// importer runs exactly as the qcc driver runs it, tensor_file checks
// included.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_FUZZ_FUZZMODELINPUT_H
#define QCC_FUZZ_FUZZMODELINPUT_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace qcc::fuzz {

/// The directory this process writes its model pair into (made once). libFuzzer ends a timed
/// run through exit(), which destroys it, so the pair and the directory go then; a crash keeps
/// them beside its reproducer.
class WorkDirectory {
public:
  WorkDirectory() {
    char pattern[] = "/tmp/qcc-fuzz-XXXXXX";
    const char *made = mkdtemp(pattern);
    if (!made)
      std::abort();
    path_ = made;
  }
  ~WorkDirectory() {
    std::remove((path_ + "/m.json").c_str());
    std::remove((path_ + "/m.safetensors").c_str());
    rmdir(path_.c_str());
  }
  WorkDirectory(const WorkDirectory &) = delete;
  WorkDirectory &operator=(const WorkDirectory &) = delete;
  const std::string &path() const { return path_; }

private:
  std::string path_;
};

inline const std::string &workDirectory() {
  static const WorkDirectory dir;
  return dir.path();
}

inline bool writeFile(const std::string &path, const uint8_t *data, size_t size) {
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    return false;
  bool ok = std::fwrite(data, 1, size, f) == size;
  return std::fclose(f) == 0 && ok;
}

/// Splits the input and writes the pair; returns the JSON file's path, or an
/// empty string when the input is too short to hold a length.
inline std::string writeModelPair(const uint8_t *data, size_t size) {
  if (size < 4)
    return "";
  uint32_t jsonSize = uint32_t(data[0]) | uint32_t(data[1]) << 8 | uint32_t(data[2]) << 16 |
                      uint32_t(data[3]) << 24;
  size_t rest = size - 4;
  if (jsonSize > rest)
    jsonSize = static_cast<uint32_t>(rest);
  const std::string json = workDirectory() + "/m.json";
  if (!writeFile(json, data + 4, jsonSize) ||
      !writeFile(workDirectory() + "/m.safetensors", data + 4 + jsonSize, rest - jsonSize))
    std::abort();
  return json;
}

} // namespace qcc::fuzz

#endif // QCC_FUZZ_FUZZMODELINPUT_H
