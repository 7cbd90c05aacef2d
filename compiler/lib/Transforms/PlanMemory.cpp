// placeholder, replaced by the real pass
#include "qcc/Transforms/Passes.h"
namespace qcc {
#define GEN_PASS_DEF_QCCPLANMEMORY
#include "qcc/Transforms/Passes.h.inc"
namespace {
struct QccPlanMemoryPass : impl::QccPlanMemoryBase<QccPlanMemoryPass> {
  using Base::Base;
  void runOnOperation() override {}
};
}
}
