//===- JsonToMlir.h - JSON type and attribute conversion --------*- C++ -*-===//
#ifndef QCC_LIB_IMPORT_JSONTOMLIR_H
#define QCC_LIB_IMPORT_JSONTOMLIR_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinTypes.h"

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace qcc {

/// Converts a type object {dtype, shape, scale/zero_point | scales/zero_points/axis}
/// to a ranked tensor type. Returns null and sets `error` on bad input.
mlir::RankedTensorType convertType(const nlohmann::json &type, mlir::MLIRContext &context,
                                   std::string &error);

/// The safetensors dtype that stores values of a model dtype ("" if none).
llvm::StringRef storageDtype(llvm::StringRef modelDtype);

/// Python's json module writes NaN, Infinity and -Infinity, which JSON does
/// not allow; quoting them lets the importer name the node that holds one
/// instead of failing with a bare parse error.
std::string quoteNonFiniteLiterals(llvm::StringRef text);

/// Converts an attribute value by its JSON kind (docs/model-format.md).
mlir::Attribute convertAttribute(const nlohmann::json &value, mlir::MLIRContext &context,
                                 std::string &error);

} // namespace qcc

#endif // QCC_LIB_IMPORT_JSONTOMLIR_H
