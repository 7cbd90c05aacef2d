#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang, ASan and UBSan into
# build-fuzz/ (or $QCC_FUZZ_BUILD_DIR) and runs each for a while on the seed
# corpus (fuzz/corpus/safetensors for the tensor-file reader, fuzz/corpus/models
# for the importer and the pipeline), after replaying fuzz/regressions/<target>
# (inputs that once crashed). New corpus entries go to a scratch directory, so
# the checkout stays as it is.
#
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]    (default: 60, all three)
#
# Findings (crash-*, leak-*, timeout-*) land in $QCC_FUZZ_BUILD_DIR/findings/<target>;
# the script exits non-zero when a target finds one.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup.sh" > /dev/null
build_dir="${QCC_FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(safetensors importer pipeline)

if [ ! -f "$build_dir/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -G Ninja -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release \
    -DQCC_FUZZ=ON -DQCC_RT_BUILD_TESTS=OFF -DQCC_RT_BUILD_CTYPES=OFF \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DPython3_EXECUTABLE="$root/.venv/bin/python" > /dev/null
fi
ninja -C "$build_dir" $(printf 'fuzz_%s ' "${targets[@]}")

status=0
for target in "${targets[@]}"; do
  exe="$build_dir/fuzz/fuzz_$target"
  [ -x "$exe" ] || exe="$build_dir/bin/fuzz_$target"
  findings="$build_dir/findings/$target"
  work="$build_dir/corpus-work/$target"
  mkdir -p "$findings" "$work"
  regressions="$root/fuzz/regressions/$target"
  if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
    echo "== fuzz_$target: replaying $(ls "$regressions" | wc -l) regression input(s)"
    "$exe" -runs=0 "$regressions"/* 2>&1 | tail -n 2 || status=1
  fi
  corpus="$root/fuzz/corpus/models"
  [ "$target" != safetensors ] || corpus="$root/fuzz/corpus/safetensors"
  echo "== fuzz_$target: ${seconds} s"
  # -rss_limit_mb: the pipeline packs weights; -timeout: a hang is a finding.
  if ! "$exe" "$work" "$corpus" -max_total_time="$seconds" -timeout=20 \
      -rss_limit_mb=4096 -max_len=1048576 -print_final_stats=1 \
      -artifact_prefix="$findings/" 2> "$build_dir/fuzz_$target.log"; then
    status=1
  fi
  grep -E "^stat::|Done|ERROR|SUMMARY" "$build_dir/fuzz_$target.log" | tail -n 12
done
if [ $status -ne 0 ]; then echo "fuzz: FINDINGS (see $build_dir/findings)"; else echo "fuzz: no findings"; fi
exit $status
