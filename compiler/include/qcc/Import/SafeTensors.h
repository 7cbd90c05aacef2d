//===- SafeTensors.h - reader for the safetensors container -----*- C++ -*-===//
//
// The tensor half of a qcc model: an 8-byte little-endian header length, a
// JSON header {name: {dtype, shape, data_offsets}}, then raw bytes. The reader
// maps the file and validates every entry against the file size; it never
// asserts on bad input.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_IMPORT_SAFETENSORS_H
#define QCC_IMPORT_SAFETENSORS_H

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <string>
#include <vector>

namespace qcc {

struct SafeTensorEntry {
  std::string dtype;          // "F32", "I8", "U8", "I32", "I64", ...
  std::vector<int64_t> shape;
  llvm::ArrayRef<char> bytes; // points into the mapped file
};

class SafeTensorFile {
public:
  /// Opens and validates `path`. On failure returns null and sets `error`
  /// to a lowercase description (without the file name).
  static std::unique_ptr<SafeTensorFile> open(llvm::StringRef path, std::string &error);
  /// The same for bytes already in memory (the fuzzer's entry point).
  static std::unique_ptr<SafeTensorFile> fromBuffer(std::unique_ptr<llvm::MemoryBuffer> buffer,
                                                    std::string &error);

  const SafeTensorEntry *lookup(llvm::StringRef name) const;

  /// Bytes per element of a safetensors dtype, or 0 if unknown.
  static size_t elementSize(llvm::StringRef dtype);

private:
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  llvm::StringMap<SafeTensorEntry> entries;
};

} // namespace qcc

#endif // QCC_IMPORT_SAFETENSORS_H
