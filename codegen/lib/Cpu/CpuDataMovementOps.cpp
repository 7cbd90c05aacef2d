//===- CpuDataMovementOps.cpp - data movement emission ----------------------===//
//
// Relayout, concatenation, split, permute, views and copies: bytes move,
// values only change where PyTorch requantizes (cat of mixed qparams).
//
//===----------------------------------------------------------------------===//
#include "CpuOpSupport.h"
#include "../OpTables.h"

#include "qcc/Codegen/Layout.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace qcc::cpu {
namespace {

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult emitRelayout(RelayoutOp op, CpuEmitter &e) {
  ChannelPlanes planes = channelPlanes(tensorType(op.getInput()));
  std::string kernel = op.getLayout() == "channels_last" ? "to_channels_last" : "to_contiguous";
  parallelCall(e, planes.pixels(), kElementAlign,
               "qcc_rt::" + kernel + "(" + e.ref(op.getInput()) + ", " + e.ref(op.getOutput()) +
                   ", " + std::to_string(planes.channels) + ", " + std::to_string(planes.inner) +
                   ", begin, end)");
  return success();
}

/// Rows x columns view of a cat/split along `dim`: channels-last along
/// channels is one row per pixel; contiguous is one row per index of the
/// leading dimensions. Returns (rows, elements per row per unit of `dim`).
LogicalResult emitCat(CatOp op, CpuEmitter &e) {
  Value out = op.getOutput();
  auto outType = tensorType(out);
  // Float concatenation (a region a pt2e graph keeps float) copies values.
  bool isFloat = outType.getElementType().isF32();
  if (!isQuint8(out) && !isFloat)
    return unsupported(op, "only quint8 and float concatenation are implemented");
  int64_t rank = outType.getRank();
  int64_t dim = static_cast<int64_t>(op.getDim()); // I64Attr getters are uint64_t
  dim = dim < 0 ? dim + rank : dim;
  auto [rows, inner] = sliceView(outType, dim, getLayout(out) == Layout::ChannelsLast);
  int64_t outWidth = outType.getDimSize(dim) * inner, offset = 0;
  for (Value in : op.getInputs()) {
    if (isFloat ? !tensorType(in).getElementType().isF32() : !isQuint8(in))
      return unsupported(op, "the inputs must all be quint8 or all float");
    int64_t width = tensorType(in).getDimSize(dim) * inner;
    std::string call;
    if (isFloat || (perTensor(in)->scale == perTensor(out)->scale &&
        perTensor(in)->zeroPoint == perTensor(out)->zeroPoint)) {
      call = "qcc_rt::copy_columns(" + e.ref(in) + ", " + e.ref(out) + ", " +
             std::to_string(width) + ", " + std::to_string(outWidth) + ", " +
             std::to_string(offset) + ", begin, end)";
    } else {
      // PyTorch requantizes each input's row of `width` values.
      call = "for (int64_t r = begin; r < end; ++r) " + e.isaNamespace() + "::requantize_u8(" +
             e.ref(in) + " + r * " + std::to_string(width) + ", " + e.ref(out) + " + r * " +
             std::to_string(outWidth) + " + " + std::to_string(offset) + ", 0, " +
             std::to_string(width) + ", " + qparamsLiteral(*perTensor(in)) + ", " +
             qparamsLiteral(*perTensor(out)) + ")";
    }
    parallelCall(e, rows, 1, call);
    offset += width;
  }
  return success();
}

LogicalResult emitSplit(SplitOp op, CpuEmitter &e) {
  Value in = op.getInput();
  auto inType = tensorType(in);
  int64_t dim = static_cast<int64_t>(op.getDim()); // I64Attr getters are uint64_t
  dim = dim < 0 ? dim + inType.getRank() : dim;
  auto [rows, inner] = sliceView(inType, dim, getLayout(op.getOutputs()[0]) == Layout::ChannelsLast);
  int64_t inWidth = inType.getDimSize(dim) * inner, offset = 0;
  for (Value out : op.getOutputs()) {
    int64_t width = tensorType(out).getDimSize(dim) * inner;
    parallelCall(e, rows, 1,
                 "qcc_rt::slice_columns(" + e.ref(in) + ", " + e.ref(out) + ", " +
                     std::to_string(inWidth) + ", " + std::to_string(width) + ", " +
                     std::to_string(offset) + ", begin, end)");
    offset += width;
  }
  return success();
}

LogicalResult emitPermute(PermuteOp op, CpuEmitter &e) {
  auto in = tensorType(op.getInput()), out = tensorType(op.getOutput());
  SmallVector<int64_t> strides(in.getRank(), 1);
  for (int64_t d = in.getRank() - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * in.getDimSize(d + 1);
  std::string shapeList, strideList;
  llvm::raw_string_ostream shapeOs(shapeList), strideOs(strideList);
  llvm::interleaveComma(out.getShape(), shapeOs);
  llvm::interleaveComma(llvm::map_range(op.getDims(), [&](int64_t d) { return strides[d]; }),
                        strideOs);
  e.body() << "  {\n    const int64_t shape[] = {" << shapeList << "};\n"
           << "    const int64_t strides[] = {" << strideList << "};\n";
  parallelCall(e, out.getNumElements(), kElementAlign,
               "qcc_rt::permute(" + e.ref(op.getInput()) + ", " + e.ref(op.getOutput()) + ", " +
                   std::to_string(out.getRank()) + ", shape, strides, begin, end)");
  e.body() << "  }\n";
  return success();
}

LogicalResult emitCopy(Operation *op, CpuEmitter &e) {
  Value in = op->getOperand(0), out = op->getResult(0);
  if (e.ref(in) == e.ref(out))
    return success();
  parallelCall(e, tensorType(in).getNumElements(), kElementAlign,
               "qcc_rt::copy_elements(" + e.ref(in) + ", " + e.ref(out) + ", begin, end)");
  return success();
}

} // namespace

std::optional<LogicalResult> emitDataMovementOp(Operation *op, CpuEmitter &e) {
  return llvm::TypeSwitch<Operation *, std::optional<LogicalResult>>(op)
      .Case([&](RelayoutOp o) { return emitRelayout(o, e); })
      .Case([&](CatOp o) { return emitCat(o, e); })
      .Case([&](SplitOp o) { return emitSplit(o, e); })
      .Case([&](PermuteOp o) { return emitPermute(o, e); })
      .Case([&](ReshapeOp) -> LogicalResult {
        e.body() << "  // a view of its input: no code\n";
        return success();
      })
      .Case([&](DropoutOp o) { return emitCopy(o, e); })
      .Default([](Operation *) { return std::nullopt; });
}

} // namespace qcc::cpu
