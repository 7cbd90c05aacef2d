// placeholder, replaced by the real pass
#include "qcc/Transforms/Passes.h"
namespace qcc {
#define GEN_PASS_DEF_QCCFOLDQUANTDEQUANT
#include "qcc/Transforms/Passes.h.inc"
namespace {
struct QccFoldQuantDequantPass : impl::QccFoldQuantDequantBase<QccFoldQuantDequantPass> {
  using Base::Base;
  void runOnOperation() override {}
};
}
}
