// placeholder, replaced by the real pass
#include "qcc/Transforms/Passes.h"
namespace qcc {
#define GEN_PASS_DEF_QCCFUSEACTIVATIONS
#include "qcc/Transforms/Passes.h.inc"
namespace {
struct QccFuseActivationsPass : impl::QccFuseActivationsBase<QccFuseActivationsPass> {
  using Base::Base;
  void runOnOperation() override {}
};
}
}
