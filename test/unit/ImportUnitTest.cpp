//===- ImportUnitTest.cpp - unit tests for the model reader pieces --------===//
//
// Exercises the safetensors reader and the JSON type conversion directly, on
// inputs the lit tests cannot easily build (corrupt headers, overflowing
// shapes, every dtype).
//
//===----------------------------------------------------------------------===//
#include "../../compiler/lib/Import/JsonToMlir.h"
#include "qcc/IR/QccDialect.h"
#include "qcc/IR/QccTypes.h"
#include "qcc/Import/SafeTensors.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

using json = nlohmann::json;

namespace {
int failures = 0, checks = 0;
// Every file writeTemp made; main removes them so that runs leave nothing in the temp directory.
std::vector<std::string> tempFiles;

#define EXPECT(cond)                                                                            \
  do {                                                                                          \
    ++checks;                                                                                   \
    if (!(cond)) {                                                                              \
      ++failures;                                                                               \
      std::fprintf(stderr, "%s:%d: expectation failed: %s\n", __FILE__, __LINE__, #cond);       \
    }                                                                                           \
  } while (0)

std::string writeTemp(const std::string &bytes) {
  llvm::SmallString<128> path;
  llvm::sys::fs::createTemporaryFile("qcc-unit", "safetensors", path);
  std::ofstream(path.c_str(), std::ios::binary) << bytes;
  tempFiles.push_back(path.str().str());
  return tempFiles.back();
}

std::string safetensors(const std::string &header, const std::string &payload) {
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + payload;
}

void testSafeTensors() {
  std::string error;
  // A valid file with one I8 tensor of 4 elements.
  std::string ok = safetensors(R"({"w":{"dtype":"I8","shape":[2,2],"data_offsets":[0,4]}})",
                               std::string("\x01\x02\x03\x04", 4));
  auto file = qcc::SafeTensorFile::open(writeTemp(ok), error);
  EXPECT(file && error.empty());
  if (file) {
    const qcc::SafeTensorEntry *w = file->lookup("w");
    EXPECT(w && w->bytes.size() == 4 && w->bytes[3] == 4 && w->shape.size() == 2);
    EXPECT(!file->lookup("absent"));
  }
  // Header length beyond the file.
  EXPECT(!qcc::SafeTensorFile::open(writeTemp(std::string("\xff\x00\x00\x00\x00\x00\x00\x00", 8)), error));
  EXPECT(error.find("truncated") != std::string::npos);
  // Fewer than 8 bytes.
  EXPECT(!qcc::SafeTensorFile::open(writeTemp("abc"), error));
  // Byte count disagreeing with the shape.
  std::string wrongSize = safetensors(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})",
                                      std::string(4, '\0'));
  EXPECT(!qcc::SafeTensorFile::open(writeTemp(wrongSize), error));
  EXPECT(error.find("its shape needs 8") != std::string::npos);
  // Unknown dtype, negative shape, garbage header.
  EXPECT(!qcc::SafeTensorFile::open(
      writeTemp(safetensors(R"({"w":{"dtype":"Q9","shape":[1],"data_offsets":[0,1]}})", "x")), error));
  EXPECT(!qcc::SafeTensorFile::open(
      writeTemp(safetensors(R"({"w":{"dtype":"I8","shape":[-1],"data_offsets":[0,1]}})", "x")), error));
  EXPECT(!qcc::SafeTensorFile::open(writeTemp(safetensors("not json", "")), error));
  // A shape whose element count overflows must not wrap around.
  EXPECT(!qcc::SafeTensorFile::open(
      writeTemp(safetensors(
          R"({"w":{"dtype":"I8","shape":[4294967296,4294967296,16],"data_offsets":[0,0]}})", "")),
      error));
}

void testTypes() {
  mlir::MLIRContext context;
  context.loadDialect<qcc::QccDialect>();
  std::string error;
  auto convert = [&](const char *text) {
    error.clear();
    return qcc::convertType(json::parse(text), context, error);
  };
  auto f = convert(R"({"dtype":"float32","shape":[2,3]})");
  EXPECT(f && f.getElementType().isF32() && f.getShape()[1] == 3);
  auto q = convert(R"({"dtype":"quint8","shape":[4],"scale":0.5,"zero_point":3})");
  EXPECT(q && qcc::getPerTensorQuant(q) && qcc::getPerTensorQuant(q).getZeroPoint() == 3 &&
         !qcc::getPerTensorQuant(q).isSigned());
  auto s = convert(R"({"dtype":"qint8","shape":[2,5],"scales":[0.1,0.2],"zero_points":[0,-3],"axis":0})");
  EXPECT(s && qcc::isQuantizedTensor(s));
  auto table = convert(R"({"dtype":"quint4x2","shape":[10,3]})");
  EXPECT(table && table.getElementType().isUnsignedInteger(8));
  EXPECT(!convert(R"({"dtype":"qint8","shape":[2],"scale":0.1,"zero_point":-129})"));
  EXPECT(error.find("zero point -129") != std::string::npos);
  EXPECT(!convert(R"({"dtype":"qint8","shape":[3,5],"scales":[0.1,0.2],"zero_points":[0,0],"axis":0})"));
  EXPECT(!convert(R"({"dtype":"qint8","shape":[2],"scales":[0.1,0.2],"zero_points":[0,0],"axis":4})"));
  EXPECT(!convert(R"({"dtype":"qint8","shape":[2]})"));
  EXPECT(!convert(R"({"dtype":"bfloat7","shape":[2]})"));
  EXPECT(!convert(R"({"dtype":"float32","shape":[-2]})"));
  EXPECT(!convert(R"({"dtype":"float32","shape":[4294967296,4294967296,16]})"));
  EXPECT(!convert(R"({"dtype":"quint8","shape":[1],"scale":"NaN","zero_point":0})"));
  EXPECT(error == "scale nan is not finite and positive");
  EXPECT(qcc::quoteNonFiniteLiterals(R"({"a":NaN,"b":"NaN","c":-Infinity})") ==
         R"({"a":"NaN","b":"NaN","c":"-Infinity"})");
}
} // namespace

int main() {
  testSafeTensors();
  testTypes();
  for (const std::string &path : tempFiles)
    llvm::sys::fs::remove(path);
  std::printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
