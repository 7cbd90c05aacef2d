//===- Layout.h - physical tensor layouts of the CPU backend ----*- C++ -*-===//
//
// The dialect's shapes are logical (PyTorch's NCHW). The CPU backend stores
// the activations of spatial ops channels-last (NHWC), where 4 consecutive
// input channels are contiguous for the int8 dot-product instructions, and
// everything else contiguous. These rules decide, per op, which layout each
// operand must have and which layout the result gets; the layout pass
// (qcc-layout) inserts qcc.relayout where they disagree and records the
// outcome, so emitters only read it.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_CODEGEN_LAYOUT_H
#define QCC_CODEGEN_LAYOUT_H

#include "mlir/IR/Operation.h"

#include <optional>

namespace qcc {

enum class Layout { Contiguous, ChannelsLast };

/// "contiguous" / "channels_last", as qcc.relayout and `qcc.layout` spell them.
llvm::StringRef layoutName(Layout layout);
std::optional<Layout> parseLayout(llvm::StringRef name);

/// True when both layouts put the bytes of `type` in the same order (rank < 3,
/// one channel, or one spatial position): no relayout is ever needed.
bool isLayoutTrivial(mlir::Type type);

/// How an op relates its operands' layouts to its result's.
enum class LayoutRule {
  /// Activation operands must be channels-last; the results are too.
  Spatial,
  /// Any layout, the same for all activation operands; results follow.
  Elementwise,
  /// cat and split: channels-last when every activation is (or is
  /// layout-trivial) and the op works along channels, which is then a
  /// per-pixel concatenation or slicing; else contiguous.
  ChannelSlices,
  /// Everything contiguous.
  Contiguous,
};
LayoutRule layoutRule(mlir::Operation *op);

/// The attribute on ops whose results are stored channels-last.
constexpr llvm::StringLiteral kLayoutAttrName = "qcc.layout";

/// On average pools whose input PyTorch holds contiguous: PyTorch then runs
/// its NCHW kernel, which rounds differently from the NHWC one.
constexpr llvm::StringLiteral kTorchLayoutAttrName = "qcc.torch_layout";

/// The layout of a value after qcc-layout ran: graph arguments and
/// constants are contiguous, results carry `qcc.layout` when channels-last.
Layout getLayout(mlir::Value value);

} // namespace qcc

#endif // QCC_CODEGEN_LAYOUT_H
