// qcc_rt/weights_file.h: a weights file comes back byte for byte, 2 MiB
// aligned (the generated code needs 64), for empty, small, odd-sized and
// multi-huge-page files; allocated memory is zeroed and writable; failures
// (no such file, a directory, a device, NULL) return NULL with errno set,
// never crash.
// Whether the OS granted huge pages is printed, not checked: it depends on the
// kernel's transparent_hugepage setting, not on this code.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <unistd.h>

#include "qcc_rt/weights_file.h"

#include "expect.h"

using qcc_rt_test::expect;
using qcc_rt_test::g_checks;
using qcc_rt_test::g_failures;

namespace {

bool aligned_2mib(const void* p) { return reinterpret_cast<uintptr_t>(p) % (size_t(2) << 20) == 0; }

std::string temp_dir() {
  char pattern[] = "/tmp/qcc_weights_test_XXXXXX";
  const char* dir = mkdtemp(pattern);
  return dir ? dir : "/tmp";
}

void check_round_trip(const std::string& dir, size_t size, uint32_t seed) {
  std::vector<unsigned char> bytes(size);
  uint32_t state = seed;
  for (auto& b : bytes) state = state * 1664525u + 1013904223u, b = static_cast<unsigned char>(state >> 24);
  const std::string path = dir + "/w" + std::to_string(size) + ".weights";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  expect(f != nullptr, "create a weights file");
  if (!f) return;
  expect(std::fwrite(bytes.data(), 1, size, f) == size, "write the weights file");
  std::fclose(f);

  qcc_weights* w = qcc_weights_load(path.c_str());
  expect(w != nullptr, "load a weights file");
  if (w) {
    const void* data = qcc_weights_data(w);
    expect(data != nullptr, "data is never NULL");
    expect(aligned_2mib(data), "data is 2 MiB aligned");
    expect(qcc_weights_size(w) == size, "size is the file's");
    expect(size == 0 || std::memcmp(data, bytes.data(), size) == 0, "bytes equal the file's");
    qcc_weights_free(w);
  }
  std::remove(path.c_str());
}

void check_alloc() {
  const size_t size = (size_t(5) << 20) + 3;
  qcc_weights* w = qcc_weights_alloc(size);
  expect(w != nullptr, "alloc");
  if (!w) return;
  auto* data = static_cast<unsigned char*>(qcc_weights_data(w));
  expect(aligned_2mib(data), "alloc: 2 MiB aligned");
  expect(qcc_weights_size(w) == size, "alloc: size");
  bool zero = true;
  for (size_t i = 0; i < size; ++i) zero = zero && data[i] == 0;
  expect(zero, "alloc: zero-filled");
  std::memset(data, 0xab, size);  // writable to the last byte
  expect(data[size - 1] == 0xab, "alloc: writable");
  qcc_weights_free(w);
}

void check_failures(const std::string& dir) {
  errno = 0;
  expect(qcc_weights_load((dir + "/missing.weights").c_str()) == nullptr && errno == ENOENT,
        "a missing file: NULL, ENOENT");
  errno = 0;
  expect(qcc_weights_load(dir.c_str()) == nullptr && errno == EISDIR, "a directory: NULL, EISDIR");
  errno = 0;
  expect(qcc_weights_load(nullptr) == nullptr && errno == EINVAL, "NULL path: NULL, EINVAL");
  errno = 0;
  expect(qcc_weights_load("/dev/null") == nullptr && errno == EINVAL, "not a regular file: NULL, EINVAL");
  expect(qcc_weights_data(nullptr) == nullptr && qcc_weights_size(nullptr) == 0, "NULL handle");
  qcc_weights_free(nullptr);
}

// The AnonHugePages of this process while 8 MiB of weights are mapped.
void report_huge_pages() {
  qcc_weights* w = qcc_weights_alloc(size_t(8) << 20);
  if (!w) return;
  std::memset(qcc_weights_data(w), 1, qcc_weights_size(w));
  long kib = -1;
  if (std::FILE* f = std::fopen("/proc/self/smaps_rollup", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, f))
      if (std::sscanf(line, "AnonHugePages: %ld kB", &kib) == 1) break;
    std::fclose(f);
  }
  std::printf("weights_file_test: 8 MiB of weights, %ld KiB of them on huge pages "
              "(0 where transparent huge pages are off)\n", kib);
  qcc_weights_free(w);
}

}  // namespace

int main() {
  const std::string dir = temp_dir();
  for (size_t size : {size_t(0), size_t(1), size_t(100), size_t(4096), (size_t(2) << 20) + 7,
                      (size_t(9) << 20) + 4093})
    check_round_trip(dir, size, static_cast<uint32_t>(size) + 1);
  check_alloc();
  check_failures(dir);
  report_huge_pages();
  rmdir(dir.c_str());
  std::printf("weights_file_test: %d checks, %d failures\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
