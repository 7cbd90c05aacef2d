#!/usr/bin/env bash
# Runs every test suite: C++ unit tests (ctest), the lit suite (dialect,
# passes, importer, drivers), the Python tests and a short smoke of the
# fuzzers (scripts/fuzz.sh). Builds (and sets up) first.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir="${QCC_BUILD_DIR:-$root/build}"
bash "$root/scripts/build.sh"

status=0
echo "== C++ unit tests (ctest)"
(cd "$build_dir" && ctest --output-on-failure -j2) || status=1

echo "== lit suite"
/usr/lib/llvm-22/bin/lit -sv "$build_dir/test" || status=1

echo "== Python tests"
export QCC_BUILD_DIR="$build_dir" PYTHONPATH="$root/python${PYTHONPATH:+:$PYTHONPATH}"
set +e
"$root/.venv/bin/python" -m pytest -q -c "$root/test/python/pytest.ini" "$root/test/python" "$@"
rc=$?
set -e
# pytest exits 5 when it collects no tests; that is not a failure of the suite.
if [ $rc -ne 0 ] && [ $rc -ne 5 ]; then status=1; fi

echo "== fuzz smoke (libFuzzer + ASan + UBSan; regressions, then ${QCC_FUZZ_SECONDS:-45} s per target)"
bash "$root/scripts/fuzz.sh" "${QCC_FUZZ_SECONDS:-45}" || status=1

if [ $status -ne 0 ]; then echo "qcc tests: FAILED"; else echo "qcc tests: all suites passed"; fi
exit $status
