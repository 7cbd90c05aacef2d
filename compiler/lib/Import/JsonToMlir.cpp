//===- JsonToMlir.cpp - JSON type and attribute conversion ----------------===//
#include "JsonToMlir.h"

#include "qcc/Support/UntrustedText.h"

#include "qcc/IR/QccTypes.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/StringSwitch.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <limits>

using json = nlohmann::json;
using namespace mlir;

namespace qcc {
namespace {

struct DtypeInfo {
  unsigned bits = 0;
  bool isSigned = false;
  bool quantized = false;
  bool isFloat = false;
};

DtypeInfo lookupDtype(llvm::StringRef dtype) {
  return llvm::StringSwitch<DtypeInfo>(dtype)
      .Case("float32", {32, true, false, true})
      .Case("int64", {64, true, false, false})
      .Case("int32", {32, true, false, false})
      .Case("uint8", {8, false, false, false})
      .Case("bool", {1, false, false, false})
      .Case("quint8", {8, false, true, false})
      .Case("qint8", {8, true, true, false})
      .Case("qint32", {32, true, true, false})
      .Case("quint4x2", {4, false, true, false})
      .Default({});
}

bool readShape(const json &shape, SmallVectorImpl<int64_t> &out, std::string &error) {
  if (!shape.is_array()) {
    error = "'shape' must be a list of non-negative integers";
    return false;
  }
  // Bounded so that element and byte counts computed later cannot overflow.
  constexpr uint64_t maxElements = uint64_t{1} << 40;
  uint64_t count = 1;
  for (const json &dim : shape) {
    if (!dim.is_number_unsigned()) {
      error = "'shape' must be a list of non-negative integers";
      return false;
    }
    uint64_t extent = dim.get<uint64_t>();
    if (extent > maxElements || (extent != 0 && count > maxElements / extent)) {
      error = "shape is implausibly large";
      return false;
    }
    count *= extent;
    out.push_back(static_cast<int64_t>(extent));
  }
  return true;
}

std::string formatReal(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

/// A real number: a JSON number, or one of the non-finite literals Python's
/// json module writes (turned into strings by `quoteNonFiniteLiterals`).
bool readReal(const json &value, double &out) {
  if (value.is_number()) {
    out = value.get<double>();
    return true;
  }
  if (!value.is_string())
    return false;
  std::string text = value.get<std::string>();
  if (text == "NaN")
    out = std::numeric_limits<double>::quiet_NaN();
  else if (text == "Infinity" || text == "-Infinity")
    out = text[0] == '-' ? -std::numeric_limits<double>::infinity()
                         : std::numeric_limits<double>::infinity();
  else
    return false;
  return true;
}

std::string checkScale(double scale) {
  if (!std::isfinite(scale) || scale <= 0.0)
    return "scale " + formatReal(scale) + " is not finite and positive";
  return {};
}

} // namespace

llvm::StringRef storageDtype(llvm::StringRef modelDtype) {
  return llvm::StringSwitch<llvm::StringRef>(modelDtype)
      .Case("float32", "F32")
      .Case("int64", "I64")
      .Cases({"int32", "qint32"}, "I32")
      .Cases({"uint8", "quint8", "quint4x2"}, "U8")
      .Case("qint8", "I8")
      .Case("bool", "BOOL")
      .Default("");
}

RankedTensorType convertType(const json &type, MLIRContext &context, std::string &error) {
  if (!type.is_object() || !type.contains("dtype") || !type["dtype"].is_string()) {
    error = "type must be an object with a string 'dtype'";
    return {};
  }
  std::string dtype = type["dtype"].get<std::string>();
  DtypeInfo info = lookupDtype(dtype);
  if (info.bits == 0) {
    error = "unknown dtype '" + diagnosticSafe(dtype) + "'";
    return {};
  }
  SmallVector<int64_t> shape;
  if (!readShape(type.contains("shape") ? type["shape"] : json(), shape, error))
    return {};
  if (info.isFloat)
    return RankedTensorType::get(shape, Float32Type::get(&context));
  bool hasPerTensor = type.contains("scale"), hasPerAxis = type.contains("scales");
  // Tables of rowwise-quantized embeddings keep their float qparams in
  // separate tensors; 4-bit rows pack two values per byte.
  if (!info.quantized || (!hasPerTensor && !hasPerAxis && info.bits <= 8)) {
    if (info.quantized && !(dtype == "quint8" || dtype == "quint4x2")) {
      error = "quantized dtype '" + diagnosticSafe(dtype) + "' needs scale and zero_point";
      return {};
    }
    unsigned bits = info.bits == 4 ? 8 : info.bits;
    // bool is i1 (one byte per element at the boundary).
    auto signedness =
        info.isSigned || bits == 1 ? IntegerType::Signless : IntegerType::Unsigned;
    return RankedTensorType::get(shape, IntegerType::get(&context, bits, signedness));
  }
  if (!hasPerTensor && !hasPerAxis) {
    // Wider than 8 bits (qint32): no table form, so the qparams are required.
    error = "quantized dtype '" + diagnosticSafe(dtype) + "' needs 'scale' and 'zero_point' " +
            "(or per-channel 'scales', 'zero_points' and 'axis')";
    return {};
  }
  if (info.bits == 4) {
    error = "quint4x2 is only supported for embedding tables (no scale/zero_point)";
    return {};
  }
  Type storage = IntegerType::get(&context, info.bits);
  Type expressed = Float32Type::get(&context);
  unsigned flags = info.isSigned ? quant::QuantizationFlags::Signed : 0;
  int64_t qmin = info.isSigned ? -(int64_t{1} << (info.bits - 1)) : 0;
  int64_t qmax = info.isSigned ? (int64_t{1} << (info.bits - 1)) - 1
                               : (int64_t{1} << info.bits) - 1;
  quant::QuantizedType elementType;
  if (hasPerTensor) {
    double scale;
    if (!readReal(type["scale"], scale)) {
      error = "quantized type needs a numeric 'scale'";
      return {};
    }
    if (!type.contains("zero_point") || !type["zero_point"].is_number_integer()) {
      error = "quantized type needs an integer 'zero_point'";
      return {};
    }
    int64_t zp = type["zero_point"].get<int64_t>();
    // Check before building: the quant dialect would assert or reject with a
    // less specific message.
    if (error = checkScale(scale); !error.empty())
      return {};
    if (zp < qmin || zp > qmax) {
      error = "zero point " + std::to_string(zp) + " is outside the " + dtype + " range [" +
              std::to_string(qmin) + ", " + std::to_string(qmax) + "]";
      return {};
    }
    elementType = quant::UniformQuantizedType::get(flags, storage, expressed, scale, zp, qmin,
                                                   qmax);
  } else {
    const json &scalesJson = type["scales"];
    const json &zpsJson = type.contains("zero_points") ? type["zero_points"] : json();
    if (!scalesJson.is_array() || !zpsJson.is_array() || scalesJson.size() != zpsJson.size() ||
        !type.contains("axis") || !type["axis"].is_number_integer()) {
      error = "per-channel type needs equally long 'scales' and 'zero_points' and an integer 'axis'";
      return {};
    }
    int64_t axis = type["axis"].get<int64_t>();
    if (axis < 0 || axis >= static_cast<int64_t>(shape.size()) ||
        shape[axis] != static_cast<int64_t>(scalesJson.size())) {
      error = "per-channel axis " + std::to_string(axis) + " with " +
              std::to_string(scalesJson.size()) + " scales does not fit shape";
      return {};
    }
    SmallVector<double> scales;
    SmallVector<int64_t> zps;
    for (size_t i = 0; i < scalesJson.size(); ++i) {
      double scale;
      if (!readReal(scalesJson[i], scale) || !zpsJson[i].is_number_integer()) {
        error = "per-channel scales must be numbers and zero points integers";
        return {};
      }
      scales.push_back(scale);
      zps.push_back(zpsJson[i].get<int64_t>());
      if (error = checkScale(scale); !error.empty()) {
        error += " (channel " + std::to_string(i) + ")";
        return {};
      }
      if (zps.back() < qmin || zps.back() > qmax) {
        error = "zero point " + std::to_string(zps.back()) + " of channel " +
                std::to_string(i) + " is outside the " + dtype + " range";
        return {};
      }
    }
    elementType = quant::UniformQuantizedPerAxisType::get(flags, storage, expressed, scales, zps,
                                                          axis, qmin, qmax);
  }
  return RankedTensorType::get(shape, elementType);
}

std::string quoteNonFiniteLiterals(llvm::StringRef text) {
  std::string out;
  out.reserve(text.size());
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      out += c;
      if (c == '\\' && i + 1 < text.size())
        out += text[++i];
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
      out += c;
      continue;
    }
    bool replaced = false;
    for (llvm::StringRef literal : {"-Infinity", "Infinity", "NaN"}) {
      if (text.substr(i).starts_with(literal)) {
        out += '"' + literal.str() + '"';
        i += literal.size() - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced)
      out += c;
  }
  return out;
}

Attribute convertAttribute(const json &value, MLIRContext &context, std::string &error) {
  Builder b(&context);
  switch (value.type()) {
  case json::value_t::boolean:
    return b.getBoolAttr(value.get<bool>());
  case json::value_t::number_integer:
  case json::value_t::number_unsigned:
    return b.getI64IntegerAttr(value.get<int64_t>());
  case json::value_t::number_float:
    return b.getF64FloatAttr(value.get<double>());
  case json::value_t::string:
    return b.getStringAttr(value.get<std::string>());
  case json::value_t::array: {
    bool allIntegers = true, allNumbers = true;
    for (const json &v : value) {
      allIntegers &= v.is_number_integer();
      allNumbers &= v.is_number();
    }
    if (allIntegers) {
      SmallVector<int64_t> ints;
      for (const json &v : value)
        ints.push_back(v.get<int64_t>());
      return b.getDenseI64ArrayAttr(ints);
    }
    if (allNumbers) {
      SmallVector<double> floats;
      for (const json &v : value)
        floats.push_back(v.get<double>());
      return b.getDenseF64ArrayAttr(floats);
    }
    SmallVector<Attribute> elements;
    for (const json &v : value) {
      Attribute a = convertAttribute(v, context, error);
      if (!a)
        return {};
      elements.push_back(a);
    }
    return b.getArrayAttr(elements);
  }
  case json::value_t::object: {
    SmallVector<NamedAttribute> entries;
    for (auto &[key, v] : value.items()) {
      Attribute a = convertAttribute(v, context, error);
      if (!a)
        return {};
      entries.push_back(b.getNamedAttr(key, a));
    }
    return b.getDictionaryAttr(entries);
  }
  default:
    error = "attribute values must be numbers, strings, booleans, lists or objects";
    return {};
  }
}

} // namespace qcc
