#!/usr/bin/env bash
# The one test command: installs what is missing, builds vdm twice (plain and ASan+UBSan)
# and runs every test with ctest.  Usage: scripts/test.sh   (from anywhere in the tree)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc)

"$top/scripts/install-deps.sh"

echo "== plain build: every test =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== ASan+UBSan build: unit and integration tests =="
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DVDM_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
ctest --test-dir build-asan --output-on-failure -j"$jobs" -L 'unit|integration|tool'
