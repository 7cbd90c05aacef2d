//===- QuantizeChannelsLastPass.cpp - quantize into NHWC (qcc-quantize-channels-last) ===//
//
// qcc-layout leaves a network's input quantize contiguous (PyTorch's format)
// and inserts a relayout for the first conv. The CPU kernel
// quantize_channels_last_u8 does both in one pass over the image; this pass
// gives the quantize that layout wherever the relayout is all it feeds.
#include "qcc/Codegen/Layout.h"
#include "qcc/Codegen/Passes.h"
#include "qcc/IR/QccOps.h"
#include "qcc/IR/QccTypes.h"

#include "mlir/IR/Builders.h"

using namespace mlir;

namespace qcc {
#define GEN_PASS_DEF_QCCQUANTIZECHANNELSLAST
#include "qcc/Codegen/Passes.h.inc"

namespace {

/// The quantize that `relayout` can absorb, or null; each bail-out says why.
QuantizeOp absorbableQuantize(RelayoutOp relayout) {
  if (parseLayout(relayout.getLayout()) != Layout::ChannelsLast)
    return nullptr; // only the NHWC kernel exists
  auto quantize = relayout.getInput().getDefiningOp<QuantizeOp>();
  if (!quantize)
    return nullptr; // not a quantize's result
  if (!quantize.getOutput().hasOneUse())
    return nullptr; // another user reads the contiguous bytes
  if (getLayout(quantize.getInput()) != Layout::Contiguous)
    return nullptr; // the kernel reads NCHW floats
  auto q = llvm::dyn_cast_or_null<quant::UniformQuantizedType>(
      getQuantizedElementType(quantize.getOutput().getType()));
  if (!q || q.isSigned() || q.getStorageTypeIntegralWidth() != 8)
    return nullptr; // the kernel writes per-tensor quint8
  if (llvm::cast<RankedTensorType>(quantize.getInput().getType()).getRank() < 3)
    return nullptr; // no spatial dimensions: nothing to interleave
  return quantize;
}

struct QccQuantizeChannelsLastPass
    : impl::QccQuantizeChannelsLastBase<QccQuantizeChannelsLastPass> {
  void runOnOperation() override {
    if (getNumericsProfile(getOperation()) == NumericsProfile::OnnxRuntime)
      return; // ONNX Runtime's quantize kernel has no channels-last variant
    SmallVector<RelayoutOp> relayouts;
    getOperation().walk([&](RelayoutOp op) { relayouts.push_back(op); });
    OpBuilder builder(&getContext());
    for (RelayoutOp relayout : relayouts) {
      QuantizeOp quantize = absorbableQuantize(relayout);
      if (!quantize)
        continue;
      // The quantize now writes what the relayout wrote.
      quantize->setAttr(kLayoutAttrName, builder.getStringAttr(layoutName(Layout::ChannelsLast)));
      relayout.getOutput().replaceAllUsesWith(quantize.getOutput());
      relayout.erase();
    }
  }
};

} // namespace
} // namespace qcc
