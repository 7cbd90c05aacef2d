// Test-only: the check counter every runtime unit test reports at the end
// ("N checks, M failures"); each test is its own program, so one counter each.
#pragma once

#include <cstdio>

namespace qcc_rt_test {

inline int g_checks = 0, g_failures = 0;

// Counts one check; prints `what` when it failed.
inline void expect(bool ok, const char* what) {
  ++g_checks;
  if (!ok) {
    ++g_failures;
    std::printf("FAIL %s\n", what);
  }
}

}  // namespace qcc_rt_test
