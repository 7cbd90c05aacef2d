// Runs a generated model (model.h / model.cpp, name "model") once per thread
// count given on the command line, reading its inputs from in<i>.bin and
// writing outputs to out<i>_t<threads>.bin. Built with ASan and UBSan by
// test_sanitizers.py: any invalid access in generated code or kernels aborts.
#include "model.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

static std::vector<unsigned char> read_file(const char* path, size_t bytes) {
  std::vector<unsigned char> data(bytes);
  FILE* f = std::fopen(path, "rb");
  if (!f || std::fread(data.data(), 1, bytes, f) != bytes) {
    std::fprintf(stderr, "cannot read %zu bytes from %s\n", bytes, path);
    std::exit(2);
  }
  std::fclose(f);
  return data;
}

int main(int argc, char** argv) {
  std::vector<std::vector<unsigned char>> inputs;
  std::vector<const void*> in_ptrs;
  for (int i = 0; i < model_NUM_INPUTS; ++i) {
    char path[64];
    std::snprintf(path, sizeof(path), "in%d.bin", i);
    inputs.push_back(read_file(path, model_input_desc(i)->bytes));
    in_ptrs.push_back(inputs.back().data());
  }
  for (int a = 1; a < argc; ++a) {
    int threads = std::atoi(argv[a]);
    // Exactly sized buffers: an overrun of any of them is an ASan report.
    std::vector<std::vector<unsigned char>> outputs;
    std::vector<void*> out_ptrs;
    for (int i = 0; i < model_NUM_OUTPUTS; ++i) {
      outputs.emplace_back(model_output_desc(i)->bytes);
      out_ptrs.push_back(outputs.back().data());
    }
    size_t bytes = model_workspace_bytes(threads);
    void* workspace = std::aligned_alloc(model_WORKSPACE_ALIGNMENT,
                                         (bytes + model_WORKSPACE_ALIGNMENT - 1) /
                                             model_WORKSPACE_ALIGNMENT * model_WORKSPACE_ALIGNMENT);
    // Poisoned, not zeroed: a kernel that reads workspace bytes it never
    // wrote then gives wrong outputs instead of passing by luck.
    std::memset(workspace, 0xA5, bytes);
    qcc_thread_pool* pool = threads > 1 ? qcc_thread_pool_create(threads) : nullptr;
    if (threads > 1 && !pool) {
      std::fprintf(stderr, "qcc_thread_pool_create(%d) failed\n", threads);
      return 3;
    }
    int rc = model_run(in_ptrs.data(), out_ptrs.data(), workspace, pool);
    qcc_thread_pool_destroy(pool);
    std::free(workspace);
    if (rc != 0) {
      std::fprintf(stderr, "model_run returned %d\n", rc);
      return 3;
    }
    for (int i = 0; i < model_NUM_OUTPUTS; ++i) {
      char path[64];
      std::snprintf(path, sizeof(path), "out%d_t%d.bin", i, threads);
      FILE* f = std::fopen(path, "wb");
      std::fwrite(outputs[i].data(), 1, outputs[i].size(), f);
      std::fclose(f);
    }
  }
  return 0;
}
