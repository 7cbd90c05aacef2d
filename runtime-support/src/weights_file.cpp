// qcc_rt/weights_file.h: weights memory on 2 MiB-aligned, huge-page-advised
// anonymous mappings (see the header for why).
#include "qcc_rt/weights_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <new>

struct qcc_weights {
  void* mapping;        // what mmap returned (munmap takes it back)
  size_t mapping_bytes;
  uint8_t* data;        // 2 MiB aligned, inside the mapping
  size_t size;
};

namespace {

constexpr size_t kHugePage = size_t(2) << 20;

// An anonymous mapping (zero-filled) with room for size bytes from a 2 MiB
// boundary. Transparent huge pages are granted per aligned 2 MiB range, so
// the bytes start on one. Failure of madvise (no THP in this kernel) is not
// an error: the pages are then 4 KiB.
qcc_weights* map_weights(size_t size) {
  if (size > SIZE_MAX - 2 * kHugePage) {
    errno = ENOMEM;
    return nullptr;
  }
  const size_t bytes = (size + kHugePage - 1) / kHugePage * kHugePage + kHugePage;
  void* mapping = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapping == MAP_FAILED) return nullptr;
  qcc_weights* w = new (std::nothrow) qcc_weights;
  if (!w) {
    munmap(mapping, bytes);
    errno = ENOMEM;
    return nullptr;
  }
  const uintptr_t start = (reinterpret_cast<uintptr_t>(mapping) + kHugePage - 1) & ~uintptr_t(kHugePage - 1);
  *w = {mapping, bytes, reinterpret_cast<uint8_t*>(start), size};
#ifdef MADV_HUGEPAGE
  if (size > 0) (void)madvise(w->data, (size + kHugePage - 1) / kHugePage * kHugePage, MADV_HUGEPAGE);
#endif
  return w;
}

}  // namespace

extern "C" qcc_weights* qcc_weights_alloc(size_t size) { return map_weights(size); }

extern "C" qcc_weights* qcc_weights_load(const char* path) {
  if (!path) {
    errno = EINVAL;
    return nullptr;
  }
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat st;
  qcc_weights* w = nullptr;
  int error = 0;
  if (fstat(fd, &st) != 0) {
    error = errno;
  } else if (!S_ISREG(st.st_mode)) {  // a directory, a pipe: no size to trust
    error = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
  } else if (!(w = map_weights(static_cast<size_t>(st.st_size)))) {
    error = errno;
  } else {
    size_t done = 0;
    while (done < w->size) {
      const ssize_t got = read(fd, w->data + done, w->size - done);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {  // an error, or the file shrank while being read
        error = got < 0 ? errno : EIO;
        break;
      }
      done += static_cast<size_t>(got);
    }
    if (error) {
      qcc_weights_free(w);
      w = nullptr;
    }
  }
  close(fd);
  if (error) errno = error;
  return w;
}

extern "C" void* qcc_weights_data(qcc_weights* weights) { return weights ? weights->data : nullptr; }

extern "C" size_t qcc_weights_size(const qcc_weights* weights) { return weights ? weights->size : 0; }

extern "C" void qcc_weights_free(qcc_weights* weights) {
  if (!weights) return;
  munmap(weights->mapping, weights->mapping_bytes);
  delete weights;
}
