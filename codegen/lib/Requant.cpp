//===- Requant.cpp - the requantization constants every backend reads -----===//
#include "Requant.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

namespace qcc {

FailureOr<Requant> readRequant(Operation *op) {
  auto dict = op->getAttrOfType<DictionaryAttr>("qcc.requant");
  auto bad = [&](StringRef what) -> FailureOr<Requant> {
    return op->emitError() << "missing or malformed qcc.requant (" << what
                           << "): run qcc-prepare-constants before the backend";
  };
  if (!dict)
    return bad("no attribute");
  Requant r;
  auto floats = [&](StringRef key, std::vector<float> &out) {
    auto array = dict.getAs<DenseF32ArrayAttr>(key);
    if (!array)
      return false;
    out.assign(array.asArrayRef().begin(), array.asArrayRef().end());
    return true;
  };
  auto ints = [&](StringRef key, std::vector<int32_t> &out) {
    auto array = dict.getAs<DenseI32ArrayAttr>(key);
    if (!array)
      return false;
    out.assign(array.asArrayRef().begin(), array.asArrayRef().end());
    return true;
  };
  auto scalar = [&](StringRef key, int32_t &out) {
    auto value = dict.getAs<IntegerAttr>(key);
    if (!value)
      return false;
    out = static_cast<int32_t>(value.getInt());
    return true;
  };
  if (!floats("act_times_w_scale", r.actTimesWScale) || !floats("multiplier", r.multiplier) ||
      !floats("bias", r.bias) || !ints("integer_bias", r.integerBias) ||
      !ints("weight_sum", r.weightSum) ||
      !ints("weight_zero_point", r.weightZeroPoint) ||
      !scalar("input_zero_point", r.inputZeroPoint) ||
      !scalar("output_zero_point", r.outputZeroPoint) || !scalar("output_min", r.outputMin) ||
      !scalar("output_max", r.outputMax))
    return bad("a field is missing or has the wrong kind");
  size_t channels = r.multiplier.size();
  if (r.bias.size() != channels || r.actTimesWScale.size() != channels ||
      r.weightSum.size() != channels || r.weightZeroPoint.size() != channels ||
      r.integerBias.size() != channels)
    return bad("per-channel arrays differ in length");
  return r;
}

} // namespace qcc
