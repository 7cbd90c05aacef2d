#!/usr/bin/env bash
# Idempotent set-up: system packages, then the pinned Python environment.
#
# The virtual environment lives outside the clone, keyed by the hash of
# python/requirements.txt, and .venv links to it: a fresh clone on a warm
# machine reuses it in a second, a changed requirements file gets a new one.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

apt_packages=(cmake ninja-build g++ clang libomp-14-dev libclang-rt-14-dev libmlir-22-dev mlir-22-tools
              llvm-22-dev llvm-22-tools nlohmann-json3-dev python3-venv)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

req=python/requirements.txt
hash=$(sha256sum "$req" | cut -c1-16)
venv_dir="${QCC_VENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qcc}/venv-$hash"
if [ ! -f "$venv_dir/.complete" ]; then
  echo "setup: creating Python environment $venv_dir"
  rm -rf "$venv_dir"
  python3 -m venv "$venv_dir"
  "$venv_dir/bin/pip" install -q --upgrade pip
  "$venv_dir/bin/pip" install -q -r "$req"
  touch "$venv_dir/.complete"
fi
# cuobjdump / nvdisasm for the CUDA build tests (not part of the reference set).
tools=python/requirements-cuda-tools.txt
tools_mark="$venv_dir/.cuda-tools-$(sha256sum "$tools" | cut -c1-16)"
if [ ! -f "$tools_mark" ]; then
  echo "setup: installing the CUDA binary tools ($tools)"
  "$venv_dir/bin/pip" install -q -r "$tools" && touch "$tools_mark"
fi
if [ "$(readlink .venv 2>/dev/null)" != "$venv_dir" ]; then
  rm -rf .venv
  ln -s "$venv_dir" .venv
fi
echo "setup: ok (python env $venv_dir)"
