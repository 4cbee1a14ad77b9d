#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in build-fuzz and runs each one for a fixed time,
# two at a time; fails on any crash, sanitizer report or broken invariant.  Prints exec/s.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: scripts/fuzz-ci.sh [-t SECONDS] [-j JOBS] [--allow-known] [TARGET...]

  -t SECONDS     run time per target (default 60)
  -j JOBS        targets run at once (default 2)
  --allow-known  let the targets look past the known, reported findings (VDM_FUZZ_ALLOW_KNOWN=1;
                 see tests/fuzz/README.md); without it a known finding fails the run
  TARGET         fuzz_testdev, fuzz_ged, ... (default: every target the build has;
                 fuzz_example_plugin is the installed driver, vdm-fuzz, on examples/plugin)

Runs are seeded (-seed=1) and time-bound (-max_total_time); new corpus entries go to
build-fuzz/fuzz-ci/corpus/<target> (kept between runs, never written into the repo), crash
inputs to build-fuzz/fuzz-ci/artifacts/<target>/.  Exit status 0 only if every target ran
its time without a finding.
EOF
}

secs=60
jobs=2
allow_known=0
targets=()
while [ $# -gt 0 ]; do
	case "$1" in
	-t) secs="$2"; shift 2 ;;
	-j) jobs="$2"; shift 2 ;;
	--allow-known) allow_known=1; shift ;;
	-h|--help) usage; exit 0 ;;
	-*) echo "fuzz-ci: unknown option $1" >&2; usage >&2; exit 2 ;;
	*) targets+=("$1"); shift ;;
	esac
done
case "$secs$jobs" in
*[!0-9]*) echo "fuzz-ci: -t and -j take whole numbers" >&2; exit 2 ;;
esac
[ "$jobs" -ge 1 ] || { echo "fuzz-ci: -j must be at least 1" >&2; exit 2; }

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
command -v clang >/dev/null || { echo "fuzz-ci: clang is needed (scripts/install-deps.sh)" >&2; exit 2; }

build=build-fuzz
echo "== fuzz-ci: building the targets (clang, libFuzzer + ASan + UBSan) in $build =="
CC=clang cmake -S . -B "$build" -DVDM_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$jobs" --target fuzz_targets >/dev/null

bin="$build/tests/fuzz"
if [ ${#targets[@]} -eq 0 ]; then
	for t in "$bin"/fuzz_*; do
		[ -x "$t" ] && [ -f "$t" ] && targets+=("$(basename "$t")")
	done
fi
[ ${#targets[@]} -gt 0 ] || { echo "fuzz-ci: no targets built" >&2; exit 1; }

work="$build/fuzz-ci"
mkdir -p "$work/logs"
# A small quarantine: ASan's 256 MiB default costs half the speed in page faults here.
export ASAN_OPTIONS="quarantine_size_mb=4:detect_leaks=1:abort_on_error=1:symbolize=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
if [ "$allow_known" = 1 ]; then
	export VDM_FUZZ_ALLOW_KNOWN=1
else
	unset VDM_FUZZ_ALLOW_KNOWN
fi

run_one() {
	local t=$1 dict=()
	[ -x "$bin/$t" ] || { echo "fuzz-ci: no target $t" > "$work/logs/$t.log"; return 2; }
	mkdir -p "$work/corpus/$t" "$work/artifacts/$t"
	[ -f "tests/fuzz/dict/$t.dict" ] && dict=(-dict="tests/fuzz/dict/$t.dict")
	"$bin/$t" -seed=1 -max_total_time="$secs" -max_len=1024 -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$work/artifacts/$t/" "${dict[@]}" \
		"$work/corpus/$t" "tests/fuzz/corpus/$t" > "$work/logs/$t.log" 2>&1
}

echo "== fuzz-ci: ${#targets[@]} targets, ${secs}s each, $jobs at a time =="
declare -A rc_of
rm -f "$work"/logs/*.rc
for t in "${targets[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n || true
	done
	( if run_one "$t"; then echo 0; else echo $?; fi > "$work/logs/$t.rc" ) 2>/dev/null &
done
wait
for t in "${targets[@]}"; do
	rc_of[$t]=$(cat "$work/logs/$t.rc" 2>/dev/null || true)
	[ -n "${rc_of[$t]}" ] || rc_of[$t]=99 # killed before it could say
done

# (a log without stats - a target killed early - must not end the script: `|| true`)
stat() { grep -a "^stat::$2:" "$work/logs/$1.log" 2>/dev/null | awk '{print $2}' | tail -1 || true; }
failed=0
printf '%-22s %8s %12s %10s %6s %s\n' target result executions exec/s cov corpus
for t in "${targets[@]}"; do
	log="$work/logs/$t.log"
	runs=$(stat "$t" number_of_executed_units)
	eps=$(stat "$t" average_exec_per_sec)
	cov=$(grep -ao 'cov: [0-9]*' "$log" 2>/dev/null | tail -1 | awk '{print $2}' || true)
	ncorp=$(find "$work/corpus/$t" -type f 2>/dev/null | wc -l)
	result=ok
	if [ "${rc_of[$t]}" != 0 ] || grep -aq -e 'ERROR: AddressSanitizer' -e 'runtime error:' \
		-e 'invariant broken' -e 'ERROR: libFuzzer' "$log"; then
		result=FAIL
		failed=1
	fi
	printf '%-22s %8s %12s %10s %6s %s\n' "$t" "$result" "${runs:--}" "${eps:--}" \
		"${cov:--}" "$ncorp"
done
if [ "$failed" = 1 ]; then
	for t in "${targets[@]}"; do
		log="$work/logs/$t.log"
		if [ "${rc_of[$t]}" != 0 ] || grep -aq -e 'ERROR: AddressSanitizer' -e 'runtime error:' \
			-e 'invariant broken' -e 'ERROR: libFuzzer' "$log"; then
			echo
			echo "== $t: finding (log $log) =="
			grep -a -m1 -e 'invariant broken' -e 'ERROR: AddressSanitizer' -e 'runtime error:' \
				-e 'ERROR: libFuzzer' "$log" || tail -5 "$log"
			grep -a -e '^Test unit written to' -e 'artifact_prefix' "$log" | tail -2
			echo "reproduce: $bin/$t <the crash file above>"
		fi
	done
	exit 1
fi
echo "fuzz-ci: every target ran ${secs}s without a finding"
