#!/usr/bin/env bash
# The main job on the built-in example: quantize torchvision's ResNet-18
# (random weights, calibrated on random data), export it, compile it with qcc
# and print what came out. Sets up and builds first.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir="${QCC_BUILD_DIR:-$root/build}"
bash "$root/scripts/build.sh"
export QCC_BUILD_DIR="$build_dir" PYTHONPATH="$root/python${PYTHONPATH:+:$PYTHONPATH}"
exec "$root/.venv/bin/python" "$root/examples/resnet18/main.py" "$@"
