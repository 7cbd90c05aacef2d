// Measures one core's int8 dot-product peak: 12 independent vpdpbusd chains
// on zmm registers (no loads), 64 u8 x s8 products per instruction, each
// counted as 2 ops (multiply and add). Prints GOPS. Build: -O2 -mavx512f
// -mavx512bw -mavx512vnni.
#include <immintrin.h>

#include <chrono>
#include <cstdio>

int main() {
  __m512i acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_epi32(i);
  const __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
  const long iterations = 20'000'000;
  auto start = std::chrono::steady_clock::now();
  for (long it = 0; it < iterations; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
    __asm__ volatile("" : "+v"(acc[0]), "+v"(acc[1]), "+v"(acc[2]), "+v"(acc[3]), "+v"(acc[4]),
                     "+v"(acc[5]), "+v"(acc[6]), "+v"(acc[7]), "+v"(acc[8]), "+v"(acc[9]),
                     "+v"(acc[10]), "+v"(acc[11]));
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int sink = 0;
  for (int i = 0; i < 12; ++i) sink += _mm512_reduce_add_epi32(acc[i]);
  double ops = 2.0 * 64 * 12 * static_cast<double>(iterations);
  std::printf("%.1f\n", ops / seconds / 1e9);
  return sink == 42 ? 1 : 0;  // keep the result alive
}
