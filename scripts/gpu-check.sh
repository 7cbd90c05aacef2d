#!/usr/bin/env bash
# The CUDA backend's check on a GPU (scripts/gpu_check.py has the details).
#
#   bash scripts/gpu-check.sh prepare [MODEL.json ...]   here: writes gpu-check/ (or $QCC_GPU_CHECK_DIR)
#   bash scripts/gpu-check.sh run DIR                    on a machine with an NVIDIA GPU, nvcc,
#                                                        python3 and numpy
#
# prepare builds qcc, exports the built-in models (plus the model files given),
# generates their CUDA sources and the CPU backend's reference outputs; run
# builds them for the GPU it finds, compares every output element and times
# them, and prints one table. The folder prepare writes is self-contained
# (under 60 MiB): copy it to the GPU machine, or run from a checkout there.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
case "${1:-}" in
  prepare)
    shift
    bash "$root/scripts/build.sh" > /dev/null
    dir="${QCC_GPU_CHECK_DIR:-$root/gpu-check}"
    export QCC_BUILD_DIR="${QCC_BUILD_DIR:-$root/build}" PYTHONPATH="$root/python${PYTHONPATH:+:$PYTHONPATH}"
    exec "$root/.venv/bin/python" "$root/scripts/gpu_check.py" prepare "$dir" "$@" ;;
  run)
    [ $# -eq 2 ] || { echo "usage: $0 run DIR" >&2; exit 2; }
    exec python3 "$2/gpu_check.py" run "$2" ;;
  *)
    sed -n '2,13p' "$0"; exit 2 ;;
esac
