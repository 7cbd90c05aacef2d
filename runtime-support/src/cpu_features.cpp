// CPU feature detection for --cpu=native: CPUID for the instruction sets and
// XGETBV for the OS saving the wider register state (without which the
// instructions fault even when CPUID lists them).
#include "qcc_rt/types.h"

#include <cstdlib>
#include <cstring>
#include <initializer_list>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace qcc_rt {

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::generic: return "generic";
    case Isa::avx2: return "avx2";
    case Isa::avx512vnni: return "avx512vnni";
  }
  return "unknown";
}

CpuFeatures detect_cpu_features() {
  CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
  const bool osxsave = (ecx >> 27) & 1;
  const bool has_fma = (ecx >> 12) & 1;
  if (!osxsave) return f;
  unsigned xcr0_lo = 0, xcr0_hi = 0;
  __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  const bool ymm_state = (xcr0_lo & 0x6) == 0x6;         // SSE + AVX state
  const bool zmm_state = (xcr0_lo & 0xe6) == 0xe6;       // + opmask, ZMM_Hi256, Hi16_ZMM
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return f;
  f.avx2 = ymm_state && ((ebx >> 5) & 1);
  f.fma = ymm_state && has_fma;
  f.avx512f = zmm_state && ((ebx >> 16) & 1);
  f.avx512bw = zmm_state && ((ebx >> 30) & 1);
  f.avx512vl = zmm_state && ((ebx >> 31) & 1);
  f.avx512vnni = zmm_state && ((ecx >> 11) & 1);
#endif
  return f;
}

bool cpu_supports(Isa isa) {
  const CpuFeatures f = detect_cpu_features();
  switch (isa) {
    case Isa::generic: return true;
    case Isa::avx2: return f.avx2 && f.fma;
    case Isa::avx512vnni: return f.avx512f && f.avx512bw && f.avx512vl && f.avx512vnni;
  }
  return false;
}

Isa best_isa_for_this_cpu() {
  if (cpu_supports(Isa::avx512vnni)) return Isa::avx512vnni;
  if (cpu_supports(Isa::avx2)) return Isa::avx2;
  return Isa::generic;
}

bool parse_isa(const char* name, Isa* isa) {
  for (Isa candidate : {Isa::generic, Isa::avx2, Isa::avx512vnni}) {
    if (name && std::strcmp(name, isa_name(candidate)) == 0) {
      *isa = candidate;
      return true;
    }
  }
  return false;
}

namespace {

// The ISAs select_isa may choose: those the CPU runs, capped by QCC_MAX_ISA.
uint32_t allowed_isas() {
  const char* limit_name = std::getenv("QCC_MAX_ISA");
  if (limit_name && std::strcmp(limit_name, "none") == 0) return 0;
  Isa limit = Isa::avx512vnni;
  if (limit_name && !parse_isa(limit_name, &limit)) limit = Isa::generic;
  uint32_t allowed = 0;
  for (Isa isa : {Isa::generic, Isa::avx2, Isa::avx512vnni})
    if (static_cast<int>(isa) <= static_cast<int>(limit) && cpu_supports(isa)) allowed |= isa_bit(isa);
  return allowed;
}

} // namespace

bool select_isa(uint32_t variants, Isa* chosen) {
  // A function-local constant: initialized once, thread-safely, then only read.
  static const uint32_t allowed = allowed_isas();
  for (Isa isa : {Isa::avx512vnni, Isa::avx2, Isa::generic}) {
    if ((variants & allowed & isa_bit(isa)) != 0) {
      *chosen = isa;
      return true;
    }
  }
  return false;
}

} // namespace qcc_rt
