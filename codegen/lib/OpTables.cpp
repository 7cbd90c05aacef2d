//===- OpTables.cpp - compile-time tables and views both backends use -----===//
#include "OpTables.h"

#include "qcc/IR/QccTypes.h"

using namespace mlir;

namespace qcc {

std::optional<std::array<uint8_t, 512>> activationTables(Operation *op, qcc_rt::Activation kind,
                                                         double alpha) {
  auto inQuant = getPerTensorQuant(op->getOperand(0).getType());
  auto outQuant = getPerTensorQuant(op->getResult(0).getType());
  if (!inQuant || !outQuant)
    return std::nullopt;
  qcc_rt::ActivationQuantization q;
  q.kind = kind;
  q.input_scale = inQuant.getScale();
  q.input_zero_point = static_cast<int32_t>(inQuant.getZeroPoint());
  q.output_scale = outQuant.getScale();
  q.output_zero_point = static_cast<int32_t>(outQuant.getZeroPoint());
  q.alpha = alpha;
  std::array<uint8_t, 512> tables;
  if (!qcc_rt::activation_tables_u8(q, tables.data(), tables.data() + 256))
    return std::nullopt;
  return tables;
}

std::pair<int64_t, int64_t> sliceView(RankedTensorType type, int64_t dim, bool perPixel) {
  if (perPixel)
    return {type.getNumElements() / type.getDimSize(1), 1};
  int64_t rows = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d)
    rows *= type.getDimSize(d);
  for (int64_t d = dim + 1; d < type.getRank(); ++d)
    inner *= type.getDimSize(d);
  return {rows, inner};
}

} // namespace qcc
