//===- QccBackendOps.cpp - verifiers of ops that backends insert ----------===//
#include "VerifyUtils.h"

using namespace mlir;
using namespace qcc;

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
