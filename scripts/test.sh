#!/usr/bin/env bash
# The one test command: installs what is missing, builds vdm (plain, ASan+UBSan, libFuzzer)
# and runs every test: ctest in both builds, then every fuzz target briefly.
# Usage: scripts/test.sh   (from anywhere in the tree; VDM_FUZZ_SECONDS=N sets the fuzz time)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc)
start=$(date +%s)
stamp() { echo "== $* ($(( $(date +%s) - start )) s)"; }

"$top/scripts/install-deps.sh"

stamp "plain build: every test (unit, integration, tool, guest payloads, end-to-end)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

stamp "ASan+UBSan build: unit, integration and tool tests"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DVDM_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
ctest --test-dir build-asan --output-on-failure -j"$jobs" -L 'unit|integration|tool'

stamp "libFuzzer targets, ${VDM_FUZZ_SECONDS:-60} s each, fixed seeds"
"$top/scripts/fuzz-ci.sh" -t "${VDM_FUZZ_SECONDS:-60}" -j "$jobs"

stamp "AML encoder against iasl: 100 generated DSDTs must recompile byte for byte"
"$top/tests/fuzz/aml-iasl-check.sh" 100 1

stamp "all tests passed"
