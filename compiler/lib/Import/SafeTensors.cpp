//===- SafeTensors.cpp - reader for the safetensors container -------------===//
#include "qcc/Import/SafeTensors.h"

#include "qcc/Support/UntrustedText.h"

#include "llvm/ADT/StringSwitch.h"

#include <nlohmann/json.hpp>

using json = nlohmann::json;

namespace qcc {

size_t SafeTensorFile::elementSize(llvm::StringRef dtype) {
  return llvm::StringSwitch<size_t>(dtype)
      .Cases({"I8", "U8", "BOOL"}, 1)
      .Cases({"I16", "U16", "F16", "BF16"}, 2)
      .Cases({"I32", "U32", "F32"}, 4)
      .Cases({"I64", "U64", "F64"}, 8)
      .Default(0);
}

std::unique_ptr<SafeTensorFile> SafeTensorFile::open(llvm::StringRef path, std::string &error) {
  auto bufferOrErr = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                                 /*RequiresNullTerminator=*/false);
  if (!bufferOrErr) {
    error = "cannot open tensor file: " + bufferOrErr.getError().message();
    return nullptr;
  }
  return fromBuffer(std::move(*bufferOrErr), error);
}

std::unique_ptr<SafeTensorFile>
SafeTensorFile::fromBuffer(std::unique_ptr<llvm::MemoryBuffer> buffer, std::string &error) {
  auto file = std::unique_ptr<SafeTensorFile>(new SafeTensorFile());
  file->buffer = std::move(buffer);
  llvm::StringRef data = file->buffer->getBuffer();
  if (data.size() < 8) {
    error = "tensor file is truncated: no header length";
    return nullptr;
  }
  uint64_t headerSize = 0;
  for (int i = 7; i >= 0; --i)
    headerSize = (headerSize << 8) | static_cast<uint8_t>(data[i]);
  if (headerSize > data.size() - 8) {
    error = "tensor file is truncated: header of " + std::to_string(headerSize) +
            " bytes, file has " + std::to_string(data.size() - 8) + " after the length";
    return nullptr;
  }
  json header = json::parse(data.substr(8, headerSize), nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object()) {
    error = "tensor file header is not a JSON object";
    return nullptr;
  }
  size_t payloadSize = data.size() - 8 - headerSize;
  const char *payload = data.data() + 8 + headerSize;
  for (auto &item : header.items()) {
    // Not structured bindings: lambdas may not capture them before C++20.
    const std::string &name = item.key();
    const json &entry = item.value();
    if (name == "__metadata__")
      continue;
    auto bad = [&](const std::string &what) {
      error = "tensor '" + diagnosticSafe(name) + "' in the tensor file: " + what;
      return nullptr;
    };
    if (!entry.is_object() || !entry.contains("dtype") || !entry["dtype"].is_string() ||
        !entry.contains("shape") || !entry["shape"].is_array() ||
        !entry.contains("data_offsets") || !entry["data_offsets"].is_array() ||
        entry["data_offsets"].size() != 2)
      return bad("entry needs dtype, shape and data_offsets");
    SafeTensorEntry parsed;
    parsed.dtype = entry["dtype"].get<std::string>();
    size_t elemSize = elementSize(parsed.dtype);
    if (elemSize == 0)
      return bad("unknown dtype '" + diagnosticSafe(parsed.dtype) + "'");
    uint64_t count = 1;
    for (const json &dim : entry["shape"]) {
      if (!dim.is_number_unsigned())
        return bad("shape entries must be non-negative integers");
      // Reject before multiplying so the element count cannot wrap around.
      constexpr uint64_t maxElements = uint64_t{1} << 40;
      uint64_t extent = dim.get<uint64_t>();
      if (extent > maxElements || (extent != 0 && count > maxElements / extent))
        return bad("shape is implausibly large");
      count *= extent;
      parsed.shape.push_back(static_cast<int64_t>(extent));
    }
    const json &offsets = entry["data_offsets"];
    if (!offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned())
      return bad("data_offsets must be non-negative integers");
    uint64_t begin = offsets[0].get<uint64_t>(), end = offsets[1].get<uint64_t>();
    if (begin > end || end > payloadSize)
      return bad("data [" + std::to_string(begin) + ", " + std::to_string(end) +
                 ") lies outside the " + std::to_string(payloadSize) +
                 " data bytes (truncated file?)");
    if (end - begin != count * elemSize)
      return bad("holds " + std::to_string(end - begin) + " bytes, its shape needs " +
                 std::to_string(count * elemSize));
    parsed.bytes = llvm::ArrayRef<char>(payload + begin, end - begin);
    file->entries[name] = std::move(parsed);
  }
  return file;
}

const SafeTensorEntry *SafeTensorFile::lookup(llvm::StringRef name) const {
  auto it = entries.find(name);
  return it == entries.end() ? nullptr : &it->second;
}

} // namespace qcc
