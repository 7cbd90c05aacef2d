//===- PlanMemory.cpp - static arena planning from liveness ---------------===//
//
// Places every intermediate tensor of a straight-line function in one arena.
//
// 1. Views. A reshape never copies: its result is a view of its input. Values
//    connected by reshapes form a view class that lives as long as its last
//    member is used. A class rooted at a graph argument or a constant is
//    outside the arena; a class with a member returned by func.return lives
//    in the caller's output buffer.
// 2. Storage. Each remaining class gets an arena buffer, except that an
//    elementwise op (relu, clamp, dropout, requantize, the float-computed
//    activations, add, mul, add_scalar, mul_scalar) writes into the buffer of
//    an operand whose storage dies at this op when the byte size and element
//    count are equal: output element i depends only on input element i, so
//    overwriting it in place is safe.
// 3. Placement. Buffers whose lifetimes [definition, last use] overlap get
//    disjoint byte ranges: largest first, each in the smallest gap between
//    already placed conflicting buffers that fits (best fit), at offsets that
//    are multiples of `alignment`.
//
// The result is `qcc.buffers` on each op (one i64 per result: the arena
// offset, kGraphOutput or kOutsideArena) and `qcc.arena_size` /
// `qcc.arena_alignment` on the function (docs/passes.md).
//
//===----------------------------------------------------------------------===//
#include "qcc/IR/QccOps.h"
#include "qcc/IR/QccTypes.h"
#include "qcc/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/Support/MathExtras.h"

#include <numeric>

using namespace mlir;

namespace qcc {
#define GEN_PASS_DEF_QCCPLANMEMORY
#include "qcc/Transforms/Passes.h.inc"

namespace {

/// `qcc.buffers` codes for results that are not in the arena.
constexpr int64_t kGraphOutput = -1;  // the caller's output buffer
constexpr int64_t kOutsideArena = -2; // a view of a graph argument or constant

enum class Home { Arena, GraphOutput, OutsideArena };

/// A view class: a value and the reshapes of it.
struct ViewClass {
  Home home = Home::Arena;
  int64_t start = 0, end = 0; // op index of the root's definition, of the last use
  int64_t bytes = 0;
  int64_t buffer = -1; // index into the buffers, once assigned
};

/// One arena buffer, shared by view classes through in-place ops.
struct Buffer {
  int64_t bytes = 0, start = 0, end = 0;
  int64_t offset = 0;
};

/// Bytes of a statically shaped tensor: elements * storage bytes.
std::optional<int64_t> byteSize(Type type) {
  auto tensor = llvm::dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape())
    return std::nullopt;
  Type element = tensor.getElementType();
  if (auto quantType = llvm::dyn_cast<quant::QuantizedType>(element))
    element = quantType.getStorageType();
  if (!element.isIntOrFloat())
    return std::nullopt;
  return tensor.getNumElements() * llvm::divideCeil(element.getIntOrFloatBitWidth(), 8);
}

bool isElementwise(Operation *op) {
  return llvm::isa<ReluOp, ClampOp, DropoutOp, RequantizeOp, HardswishOp, HardsigmoidOp,
                   SigmoidOp, TanhOp, GeluOp, EluOp, LeakyReluOp, AddOp, MulOp, AddScalarOp,
                   MulScalarOp, LookupOp>(op);
}

bool sameElementCount(Type a, Type b) {
  return llvm::cast<RankedTensorType>(a).getNumElements() ==
         llvm::cast<RankedTensorType>(b).getNumElements();
}

/// Best-fit placement of `buffers[i]` against already placed buffers with
/// overlapping lifetimes; returns the aligned offset.
int64_t placeBuffer(ArrayRef<Buffer> buffers, ArrayRef<unsigned> placed, unsigned i,
                    int64_t alignment) {
  const Buffer &buffer = buffers[i];
  SmallVector<const Buffer *> conflicts;
  for (unsigned j : placed)
    if (buffers[j].start <= buffer.end && buffer.start <= buffers[j].end)
      conflicts.push_back(&buffers[j]);
  llvm::sort(conflicts, [](const Buffer *a, const Buffer *b) { return a->offset < b->offset; });
  int64_t cursor = 0, best = -1, bestGap = INT64_MAX;
  for (const Buffer *other : conflicts) {
    int64_t gap = other->offset - cursor;
    if (gap >= buffer.bytes && gap < bestGap) {
      best = cursor;
      bestGap = gap;
    }
    cursor = std::max(cursor, static_cast<int64_t>(llvm::alignTo(other->offset + other->bytes,
                                                                 alignment)));
  }
  return best >= 0 ? best : cursor;
}

/// For an elementwise op: the buffer of an operand whose storage nobody
/// reads after this op and whose size matches the result's, if any.
template <typename ClassOf>
std::optional<int64_t> findInPlaceBuffer(Operation &op, Value result, ClassOf &classOf,
                                         ArrayRef<Buffer> buffers, int64_t at) {
  if (!isElementwise(&op) || op.getNumResults() != 1)
    return std::nullopt;
  const ViewClass &target = classOf(result);
  for (Value operand : op.getOperands()) {
    const ViewClass &source = classOf(operand);
    if (source.home != Home::Arena || source.buffer < 0 || source.bytes != target.bytes ||
        !sameElementCount(operand.getType(), result.getType()))
      continue;
    // The buffer may hold earlier classes (in-place chains); all of them and
    // this operand's class must be dead after this op.
    if (buffers[source.buffer].end == at)
      return source.buffer;
  }
  return std::nullopt;
}

struct QccPlanMemoryPass : impl::QccPlanMemoryBase<QccPlanMemoryPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    int64_t align = alignment;
    if (align <= 0 || !llvm::isPowerOf2_64(align)) {
      func.emitError() << "alignment must be a power of two, got " << align;
      return signalPassFailure();
    }
    if (func.isExternal())
      return;
    if (!func.getBody().hasOneBlock()) {
      func.emitError("memory planning needs a single-block (straight-line) function body");
      return signalPassFailure();
    }
    Block &body = func.getBody().front();

    DenseMap<Operation *, int64_t> index;
    for (auto [i, op] : llvm::enumerate(body)) {
      if (op.getNumRegions() != 0) {
        op.emitOpError("memory planning does not support ops with regions");
        return signalPassFailure();
      }
      index[&op] = static_cast<int64_t>(i);
    }

    // View classes: reshape results join their input's class. Every value
    // gets the index of its class up front, so `classes` never reallocates
    // while references into it are held.
    llvm::EquivalenceClasses<Value> views;
    SmallVector<Value> values(body.getArguments());
    for (Operation &op : body)
      llvm::append_range(values, op.getResults());
    for (Value v : values)
      views.insert(v);
    for (auto reshape : body.getOps<ReshapeOp>())
      views.unionSets(reshape.getInput(), reshape.getOutput());
    DenseMap<Value, unsigned> classIndex;
    SmallVector<ViewClass> classes;
    for (Value v : values) {
      auto [it, inserted] = classIndex.try_emplace(views.getLeaderValue(v), classes.size());
      unsigned id = it->second;
      if (inserted)
        classes.emplace_back();
      classIndex[v] = id;
    }
    auto classOf = [&](Value v) -> ViewClass & { return classes[classIndex.lookup(v)]; };

    for (BlockArgument arg : body.getArguments())
      classOf(arg).home = Home::OutsideArena;
    for (Operation &op : body) {
      int64_t at = index[&op];
      for (Value result : op.getResults()) {
        ViewClass &cls = classOf(result);
        if (op.hasTrait<OpTrait::ConstantLike>()) {
          cls.home = Home::OutsideArena;
          continue;
        }
        if (llvm::isa<ReshapeOp>(op))
          continue; // a view: the root defines start and size
        std::optional<int64_t> bytes = byteSize(result.getType());
        if (!bytes) {
          op.emitOpError("memory planning needs statically shaped tensors of sized elements");
          return signalPassFailure();
        }
        cls.start = cls.end = at;
        cls.bytes = *bytes;
      }
      for (Value operand : op.getOperands()) {
        ViewClass &cls = classOf(operand);
        cls.end = std::max(cls.end, at);
        if (llvm::isa<func::ReturnOp>(op) && cls.home == Home::Arena)
          cls.home = Home::GraphOutput;
      }
    }

    // Buffers, in program order so that in-place decisions see final ends.
    SmallVector<Buffer> buffers;
    for (Operation &op : body) {
      int64_t at = index[&op];
      for (Value result : op.getResults()) {
        ViewClass &cls = classOf(result);
        if (cls.home != Home::Arena || llvm::isa<ReshapeOp>(op) || cls.buffer >= 0)
          continue;
        if (std::optional<int64_t> shared = findInPlaceBuffer(op, result, classOf, buffers, at)) {
          cls.buffer = *shared;
          buffers[*shared].end = std::max(buffers[*shared].end, cls.end);
          continue;
        }
        cls.buffer = static_cast<int64_t>(buffers.size());
        buffers.push_back({cls.bytes, cls.start, cls.end, 0});
      }
    }

    // Placement: largest first (then earliest), best fit.
    SmallVector<unsigned> order(buffers.size());
    std::iota(order.begin(), order.end(), 0u);
    llvm::stable_sort(order, [&](unsigned a, unsigned b) {
      return buffers[a].bytes != buffers[b].bytes ? buffers[a].bytes > buffers[b].bytes
                                                  : buffers[a].start < buffers[b].start;
    });
    SmallVector<unsigned> placed;
    int64_t arenaSize = 0;
    for (unsigned i : order) {
      buffers[i].offset = placeBuffer(buffers, placed, i, align);
      placed.push_back(i);
      arenaSize = std::max(arenaSize, buffers[i].offset + buffers[i].bytes);
    }
    arenaSize = static_cast<int64_t>(llvm::alignTo(arenaSize, align));

    Builder builder(&getContext());
    for (Operation &op : body) {
      if (op.getNumResults() == 0 || op.hasTrait<OpTrait::ConstantLike>())
        continue;
      SmallVector<int64_t> codes;
      for (Value result : op.getResults()) {
        const ViewClass &cls = classOf(result);
        codes.push_back(cls.home == Home::GraphOutput    ? kGraphOutput
                        : cls.home == Home::OutsideArena ? kOutsideArena
                                                         : buffers[cls.buffer].offset);
      }
      op.setAttr("qcc.buffers", builder.getDenseI64ArrayAttr(codes));
    }
    func->setAttr("qcc.arena_size", builder.getI64IntegerAttr(arenaSize));
    func->setAttr("qcc.arena_alignment", builder.getI64IntegerAttr(align));
    if (report)
      func.emitRemark() << "arena size " << arenaSize << " bytes in " << buffers.size()
                        << " buffers";
  }
};

} // namespace
} // namespace qcc
