#!/usr/bin/env bash
# Line coverage of devices/ (and abi/): builds with gcc --coverage, runs the unit tests and
# every fuzz corpus through the replay drivers, prints per-file coverage with gcovr.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: scripts/coverage.sh [--min PERCENT] [--no-unit] [CORPUS_ROOT...]

Builds vdm with -DVDM_COVERAGE=ON (gcc --coverage -O0) in build-fuzz-cov, runs the unit
tests (ctest -L unit) and then, for each fuzz target, replays its seeds
(tests/fuzz/corpus/<target>) plus <CORPUS_ROOT>/<target> for every CORPUS_ROOT given
(default: build-fuzz/fuzz-ci/corpus, what scripts/fuzz-ci.sh grew, when it exists).
Prints line coverage per file of devices/ and abi/ and fails when devices/ as a whole is
below --min (default 90).
EOF
}

min=90
unit=1
roots=()
while [ $# -gt 0 ]; do
	case "$1" in
	--min) min="$2"; shift 2 ;;
	--no-unit) unit=0; shift ;;
	-h|--help) usage; exit 0 ;;
	-*) echo "coverage: unknown option $1" >&2; usage >&2; exit 2 ;;
	*) roots+=("$1"); shift ;;
	esac
done

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
command -v gcovr >/dev/null || { echo "coverage: gcovr is needed (scripts/install-deps.sh)" >&2; exit 2; }
[ ${#roots[@]} -gt 0 ] || { [ -d build-fuzz/fuzz-ci/corpus ] && roots=(build-fuzz/fuzz-ci/corpus); } || true

build=build-fuzz-cov
echo "== coverage: gcc --coverage build in $build =="
CC=gcc cmake -S . -B "$build" -DVDM_COVERAGE=ON -DVDM_FUZZ=OFF -DCMAKE_BUILD_TYPE=Debug >/dev/null
# Old counters would add up across runs.
find "$build" -name '*.gcda' -delete

# Build what we run: the unit tests and the replay drivers (not the whole tree, so someone
# else's half-finished program elsewhere does not stop the measurement).
replays=()
for src in tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	case "$t" in fuzz_aml_walk|fuzz_pci) continue ;; esac # shared helpers, not targets
	replays+=("replay_${t#fuzz_}")
done
units=()
if [ "$unit" = 1 ]; then
	for src in tests/unit/test_*.c; do units+=("$(basename "$src" .c)"); done
fi
built=()
for t in "${replays[@]}" "${units[@]}"; do
	if cmake --build "$build" -j2 --target "$t" >/dev/null 2>&1; then
		built+=("$t")
	else
		echo "coverage: warning: $t does not build; measured without it" >&2
	fi
done

if [ "$unit" = 1 ]; then
	# Machines sandbox their devices by default: the unit tests that build one need the
	# device host of this build (its own lines count too: it links the same abi/ code).
	cmake --build "$build" -j2 --target vdm-devhost >/dev/null 2>&1 ||
		echo "coverage: warning: vdm-devhost does not build; sandboxed unit tests will fail" >&2
	echo "== coverage: unit tests =="
	for t in "${units[@]}"; do
		exe="$build/tests/unit/$t"
		[ -x "$exe" ] || continue
		if ! VDM_SOURCE_DIR="$top" "$exe" >/dev/null 2>&1; then
			echo "coverage: note: $t has failing tests (coverage still counts)" >&2
		fi
	done
fi

echo "== coverage: fuzz corpora through the replay drivers =="
for r in "${replays[@]}"; do
	exe="$build/tests/fuzz/$r"
	[ -x "$exe" ] || continue
	t="fuzz_${r#replay_}"
	dirs=("tests/fuzz/corpus/$t")
	for root in "${roots[@]}"; do
		[ -d "$root/$t" ] && dirs+=("$root/$t")
	done
	# Known findings would stop a replay at the first such input: look past them here.
	VDM_FUZZ_ALLOW_KNOWN=1 "$exe" "${dirs[@]}" 2>/dev/null | tail -1 || {
		echo "coverage: warning: $r stopped on an input (a finding: run it under scripts/fuzz-ci.sh)" >&2
	}
done

echo "== coverage: lines per file =="
gcovr --root "$top" --object-directory "$build" --filter "$top/abi/" --txt 2>/dev/null |
	sed -n '/^File/,$p'
gcovr --root "$top" --object-directory "$build" --filter "$top/devices/" --txt \
	--fail-under-line "$min" 2>/dev/null | sed -n '/^File/,$p' && ok=1 || ok=0
if [ "$ok" = 1 ]; then
	echo "coverage: devices/ lines at or above ${min}%"
else
	echo "coverage: devices/ lines below ${min}%" >&2
	exit 1
fi
