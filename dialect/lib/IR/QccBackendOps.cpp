//===- QccBackendOps.cpp - verifiers of ops that backends insert ----------===//
#include "VerifyUtils.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::detail;

LogicalResult RelayoutOp::verify() {
  if (getLayout() != "contiguous" && getLayout() != "channels_last")
    return emitOpError() << "unknown layout '" << getLayout()
                         << "' (expected contiguous or channels_last)";
  if (getInput().getType() != getOutput().getType())
    return emitOpError("result type must equal the input type");
  if (getLayout() == "channels_last" && llvm::cast<RankedTensorType>(getType()).getRank() < 3)
    return emitOpError("channels_last needs rank >= 3 (N, C, spatial...)");
  return success();
}

/// Per-tensor quint8 (what the fused CPU kernel reads and writes).
static bool isPerTensorQuint8(Type type) {
  auto tensor = llvm::dyn_cast<RankedTensorType>(type);
  auto q = tensor ? llvm::dyn_cast<quant::UniformQuantizedType>(tensor.getElementType()) : nullptr;
  return q && !q.isSigned() && q.getStorageTypeIntegralWidth() == 8;
}

LogicalResult ConvAddOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  ArrayRef<int64_t> in = shapeOf(getInput()), w = shapeOf(getWeight()), out = shapeOf(getOutput());
  if (in.size() != 4 || w.size() != 4)
    return emitOpError("input and weight must have rank 4 (a 2-D convolution)");
  auto convType = llvm::dyn_cast<RankedTensorType>(getConvType());
  if (!convType || convType.getShape() != out || !isPerTensorQuint8(convType))
    return emitOpError("conv_type must be a per-tensor quint8 tensor of the result's shape");
  if (shapeOf(getResidual()) != out)
    return emitOpError() << "residual shape " << formatShape(shapeOf(getResidual()))
                         << " must equal the result shape " << formatShape(out);
  if (!isPerTensorQuint8(getInput().getType()) || !isPerTensorQuint8(getResidual().getType()) ||
      !isPerTensorQuint8(getOutput().getType()))
    return emitOpError("input, residual and result must be per-tensor quint8");
  auto weightQuant = getQuantizedElementType(getWeight().getType());
  if (!weightQuant || !weightQuant.isSigned() || weightQuant.getStorageTypeIntegralWidth() != 8)
    return emitOpError("weight must be qint8");
  int64_t groups = getGroups(); // I64Attr getters return uint64_t
  if (groups < 1 || in[1] % groups != 0 || w[0] % groups != 0 || w[1] != in[1] / groups)
    return emitOpError() << "weight " << formatShape(w) << " does not fit input channels " << in[1]
                         << " in " << groups << " groups";
  if (getBias() && shapeOf(getBias()) != ArrayRef<int64_t>{w[0]})
    return emitOpError() << "bias must have shape [" << w[0] << "]";
  if (failed(verifyWindowAttr(*this, "stride", getStride(), 2, 1)) ||
      failed(verifyWindowAttr(*this, "padding", getPadding(), 2, 0)) ||
      failed(verifyWindowAttr(*this, "dilation", getDilation(), 2, 1)) ||
      failed(verifyActivation(*this, getActivation(), /*hasBoundAttrs=*/true, getClampMin(),
                              getClampMax())))
    return failure();
  if (getAddActivation() != "none" && getAddActivation() != "relu")
    return emitOpError() << "add_activation must be none or relu, got '" << getAddActivation()
                         << "'";
  SmallVector<int64_t> expected = {in[0], w[0]};
  for (size_t i = 0; i < 2; ++i) {
    std::optional<int64_t> size = windowOutputSize(in[i + 2], w[i + 2], getStride()[i],
                                                   getPadding()[i], getDilation()[i],
                                                   /*ceilMode=*/false);
    if (!size || *size < 1)
      return emitOpError() << "the dilated kernel does not fit the padded input in spatial dim "
                           << i;
    expected.push_back(*size);
  }
  return verifyResultShape(*this, getOutput(), expected);
}
