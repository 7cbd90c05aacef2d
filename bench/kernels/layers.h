// Layer shapes of ResNet-18 and MobileNetV2 (batch 1, 224x224 input) used by
// the kernel benchmark; torch_conv_bench.py times the same list in PyTorch.
#pragma once

#include "qcc_rt/types.h"

struct BenchLayer {
  const char* name;
  int in_hw, in_c, out_c, kernel, stride, pad, groups;
};

inline constexpr BenchLayer kBenchLayers[] = {
    // ResNet-18
    {"r18.conv1_7x7s2", 224, 3, 64, 7, 2, 3, 1},
    {"r18.l1_3x3", 56, 64, 64, 3, 1, 1, 1},
    {"r18.l2a_3x3s2", 56, 64, 128, 3, 2, 1, 1},
    {"r18.l2_3x3", 28, 128, 128, 3, 1, 1, 1},
    {"r18.l2_down_1x1s2", 56, 64, 128, 1, 2, 0, 1},
    {"r18.l3a_3x3s2", 28, 128, 256, 3, 2, 1, 1},
    {"r18.l3_3x3", 14, 256, 256, 3, 1, 1, 1},
    {"r18.l3_down_1x1s2", 28, 128, 256, 1, 2, 0, 1},
    {"r18.l4a_3x3s2", 14, 256, 512, 3, 2, 1, 1},
    {"r18.l4_3x3", 7, 512, 512, 3, 1, 1, 1},
    {"r18.l4_down_1x1s2", 14, 256, 512, 1, 2, 0, 1},
    {"r18.fc", 1, 512, 1000, 1, 1, 0, 1},
    // ResNet-50 bottlenecks (1x1 reduce, 3x3, 1x1 expand), stages 1 and 3
    {"r50.l1_1x1_256_64", 56, 256, 64, 1, 1, 0, 1},
    {"r50.l1_1x1_64_256", 56, 64, 256, 1, 1, 0, 1},
    {"r50.l3_1x1_1024_256", 14, 1024, 256, 1, 1, 0, 1},
    {"r50.l3_1x1_256_1024", 14, 256, 1024, 1, 1, 0, 1},
    {"r50.l4_1x1_2048_512", 7, 2048, 512, 1, 1, 0, 1},
    // MobileNetV2
    {"mv2.conv0_3x3s2", 224, 3, 32, 3, 2, 1, 1},
    {"mv2.dw32_3x3", 112, 32, 32, 3, 1, 1, 32},
    {"mv2.pw32_16", 112, 32, 16, 1, 1, 0, 1},
    {"mv2.pw16_96", 112, 16, 96, 1, 1, 0, 1},
    {"mv2.dw96_3x3s2", 112, 96, 96, 3, 2, 1, 96},
    {"mv2.pw96_24", 56, 96, 24, 1, 1, 0, 1},
    {"mv2.pw24_144", 56, 24, 144, 1, 1, 0, 1},
    {"mv2.dw144_3x3", 56, 144, 144, 3, 1, 1, 144},
    {"mv2.pw144_24", 56, 144, 24, 1, 1, 0, 1},
    {"mv2.dw144_3x3s2", 56, 144, 144, 3, 2, 1, 144},
    {"mv2.pw144_32", 28, 144, 32, 1, 1, 0, 1},
    {"mv2.pw32_192", 28, 32, 192, 1, 1, 0, 1},
    {"mv2.dw192_3x3", 28, 192, 192, 3, 1, 1, 192},
    {"mv2.pw192_32", 28, 192, 32, 1, 1, 0, 1},
    {"mv2.pw64_384", 14, 64, 384, 1, 1, 0, 1},
    {"mv2.dw384_3x3", 14, 384, 384, 3, 1, 1, 384},
    {"mv2.pw384_64", 14, 384, 64, 1, 1, 0, 1},
    {"mv2.pw96_576", 14, 96, 576, 1, 1, 0, 1},
    {"mv2.dw576_3x3", 14, 576, 576, 3, 1, 1, 576},
    {"mv2.pw576_96", 14, 576, 96, 1, 1, 0, 1},
    {"mv2.pw160_960", 7, 160, 960, 1, 1, 0, 1},
    {"mv2.dw960_3x3", 7, 960, 960, 3, 1, 1, 960},
    {"mv2.pw960_160", 7, 960, 160, 1, 1, 0, 1},
    {"mv2.pw320_1280", 7, 320, 1280, 1, 1, 0, 1},
    {"mv2.fc", 1, 1280, 1000, 1, 1, 0, 1},
};

inline qcc_rt::Conv2dShape bench_shape(const BenchLayer& l) {
  qcc_rt::Conv2dShape s;
  s.in_h = s.in_w = l.in_hw;
  s.in_channels = l.in_c, s.out_channels = l.out_c;
  s.kernel_h = s.kernel_w = l.kernel;
  s.stride_h = s.stride_w = l.stride;
  s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = l.pad;
  s.groups = l.groups;
  return s;
}
