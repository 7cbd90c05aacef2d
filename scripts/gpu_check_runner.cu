// The GPU check's runner (scripts/gpu_check.py run): one compiled model (m.h /
// m.cu, name "m", weights in m.weights) on the GPU. Reads the inputs of batch
// B from in<i>_b<B>.bin, runs m_run once per batch given, writes
// out<i>_b<B>.bin, then times it: batch 1 through a CUDA graph of m_run, the
// largest batch as a plain stream of runs. Prints one "timing" JSON line.
//
//   runner B1 [B2 ...]
#include "m.h"

#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#define CHECK(call)                                                                       \
  do {                                                                                    \
    cudaError_t e_ = (call);                                                              \
    if (e_ != cudaSuccess) {                                                              \
      std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, cudaGetErrorString(e_)); \
      std::exit(2);                                                                       \
    }                                                                                     \
  } while (0)

static std::vector<unsigned char> read_file(const char* path) {
  FILE* f = std::fopen(path, "rb");
  if (!f) {
    std::fprintf(stderr, "cannot open %s\n", path);
    std::exit(2);
  }
  std::vector<unsigned char> data;
  unsigned char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) data.insert(data.end(), buffer, buffer + n);
  std::fclose(f);
  return data;
}

static size_t per_sample(const qcc_tensor_desc* d) { return d->bytes / m_MAX_BATCH; }

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  cudaStream_t stream;
  CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  const std::vector<unsigned char> weights = read_file("m.weights");
  void *d_weights = nullptr, *d_workspace = nullptr;
  CHECK(cudaMalloc(&d_weights, weights.size() + 256));
  CHECK(cudaMalloc(&d_workspace, m_workspace_bytes() + 256));
  CHECK(cudaMemcpy(d_weights, weights.data(), weights.size(), cudaMemcpyHostToDevice));
  std::vector<void*> d_in(m_NUM_INPUTS), d_out(m_NUM_OUTPUTS);
  for (int i = 0; i < m_NUM_INPUTS; ++i) CHECK(cudaMalloc(&d_in[i], m_input_desc(i)->bytes));
  for (int i = 0; i < m_NUM_OUTPUTS; ++i) CHECK(cudaMalloc(&d_out[i], m_output_desc(i)->bytes));
  int largest = 1;
  for (int a = 1; a < argc; ++a) {
    const int batch = std::atoi(argv[a]);
    largest = batch > largest ? batch : largest;
    for (int i = 0; i < m_NUM_INPUTS; ++i) {
      char path[64];
      std::snprintf(path, sizeof path, "in%d_b%d.bin", i, batch);
      const std::vector<unsigned char> x = read_file(path);
      if (x.size() != per_sample(m_input_desc(i)) * batch) {
        std::fprintf(stderr, "%s: %zu bytes, expected %zu\n", path, x.size(), per_sample(m_input_desc(i)) * batch);
        return 2;
      }
      CHECK(cudaMemcpy(d_in[i], x.data(), x.size(), cudaMemcpyHostToDevice));
    }
    const int rc = m_run(d_weights, d_in.data(), d_out.data(), d_workspace, batch, stream);
    if (rc != QCC_OK) {
      std::fprintf(stderr, "m_run(batch %d) returned %d: %s\n", batch, rc, cudaGetErrorString(cudaGetLastError()));
      return 3;
    }
    CHECK(cudaStreamSynchronize(stream));
    for (int i = 0; i < m_NUM_OUTPUTS; ++i) {
      std::vector<unsigned char> y(per_sample(m_output_desc(i)) * batch);
      CHECK(cudaMemcpy(y.data(), d_out[i], y.size(), cudaMemcpyDeviceToHost));
      char path[64];
      std::snprintf(path, sizeof path, "out%d_b%d.bin", i, batch);
      FILE* f = std::fopen(path, "wb");
      std::fwrite(y.data(), 1, y.size(), f);
      std::fclose(f);
    }
  }

  cudaEvent_t start, stop;
  CHECK(cudaEventCreate(&start));
  CHECK(cudaEventCreate(&stop));
  // Batch 1 as a CUDA graph: m_run only launches and copies on the stream.
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal));
  if (m_run(d_weights, d_in.data(), d_out.data(), d_workspace, 1, stream) != QCC_OK) return 3;
  CHECK(cudaStreamEndCapture(stream, &graph));
  CHECK(cudaGraphInstantiate(&exec, graph, 0));
  for (int i = 0; i < 20; ++i) CHECK(cudaGraphLaunch(exec, stream));
  const int graph_runs = 200;
  CHECK(cudaEventRecord(start, stream));
  for (int i = 0; i < graph_runs; ++i) CHECK(cudaGraphLaunch(exec, stream));
  CHECK(cudaEventRecord(stop, stream));
  CHECK(cudaEventSynchronize(stop));
  float graph_ms = 0;
  CHECK(cudaEventElapsedTime(&graph_ms, start, stop));
  // The largest batch: a stream of runs.
  for (int i = 0; i < 3; ++i) m_run(d_weights, d_in.data(), d_out.data(), d_workspace, largest, stream);
  const int runs = 20;
  CHECK(cudaEventRecord(start, stream));
  for (int i = 0; i < runs; ++i)
    if (m_run(d_weights, d_in.data(), d_out.data(), d_workspace, largest, stream) != QCC_OK) return 3;
  CHECK(cudaEventRecord(stop, stream));
  CHECK(cudaEventSynchronize(stop));
  float batch_ms = 0;
  CHECK(cudaEventElapsedTime(&batch_ms, start, stop));
  std::printf("timing {\"batch1_ms\": %.5f, \"largest_batch\": %d, \"largest_batch_ms\": %.5f}\n",
              graph_ms / graph_runs, largest, batch_ms / runs);
  return 0;
}
