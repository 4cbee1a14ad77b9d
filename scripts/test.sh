#!/usr/bin/env bash
# The one test command: installs what is missing, builds vdm (plain, ASan+UBSan, clang from a
# deep folder, libFuzzer) and runs every test: ctest in those builds, then every fuzz target.
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

# clang builds the tree too, and no test may depend on where the checkout lies: a copy of
# the tree ~90 characters deeper than this one (build-deep/, ignored by git), built with
# clang, runs the unit and integration tests.  About 1-2 minutes on 2 cores.
stamp "clang build of a copy at a deep path: unit and integration tests"
deep="$top/build-deep/a-folder-name-long-enough-to-matter/and-another-one-below-it/vdm"
rm -rf "$top/build-deep"
mkdir -p "$deep"
git -C "$top" ls-files -z --cached --others --exclude-standard |
  (cd "$top" && tar --null -T - -cf - --ignore-failed-read 2>/dev/null) | tar -C "$deep" -xf -
CC=clang cmake -S "$deep" -B "$deep/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$deep/build" -j"$jobs"
ctest --test-dir "$deep/build" --output-on-failure -j"$jobs" -L 'unit|integration'

stamp "libFuzzer targets, ${VDM_FUZZ_SECONDS:-60} s each, fixed seeds"
"$top/scripts/fuzz-ci.sh" -t "${VDM_FUZZ_SECONDS:-60}" -j "$jobs"

stamp "AML encoder against iasl: 100 generated DSDTs must recompile byte for byte"
"$top/tests/fuzz/aml-iasl-check.sh" 100 1

stamp "all tests passed"
