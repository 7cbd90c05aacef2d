//===- fuzz_safetensors.cpp - libFuzzer target: the safetensors reader ----===//
//
// Any bytes: the reader either returns a file whose every entry lies inside
// the buffer with the size its dtype and shape need, or an error; it never
// reads out of bounds, overflows or crashes.
//
//===----------------------------------------------------------------------===//
#include "qcc/Import/SafeTensors.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto buffer = llvm::MemoryBuffer::getMemBufferCopy(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz.safetensors");
  std::string error;
  auto file = qcc::SafeTensorFile::fromBuffer(std::move(buffer), error);
  if (!file && error.empty())
    std::abort(); // a failure must say why
  return 0;
}
