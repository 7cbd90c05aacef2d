// placeholder, replaced by the real pass
#include "qcc/Transforms/Passes.h"
namespace qcc {
#define GEN_PASS_DEF_QCCPREPARECONSTANTS
#include "qcc/Transforms/Passes.h.inc"
namespace {
struct QccPrepareConstantsPass : impl::QccPrepareConstantsBase<QccPrepareConstantsPass> {
  using Base::Base;
  void runOnOperation() override {}
};
}
}
