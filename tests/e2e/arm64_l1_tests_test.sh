#!/usr/bin/env bash
# e2e: the tests that need real device hosts, cross-built for aarch64 and run where arm64 Linux
# runs them (the arm64 L1): every integration test and the unit tests that spawn device hosts
# or load seccomp filters.
# usage: arm64_l1_tests_test.sh OUTDIR [BUILD_DIR]   (exit 0 pass, 1 fail, 77 skipped: harness hang)
# BUILD_DIR: the aarch64 cross build to use and update (default OUTDIR/build; kept between runs).
set -uo pipefail
top=${VDM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
out=${1:?usage: arm64_l1_tests_test.sh OUTDIR [BUILD_DIR]}
fail() { echo "FAIL: $*"; exit 1; }
"$top/scripts/install-deps.sh" --arm64 >/dev/null || fail "scripts/install-deps.sh --arm64"
mkdir -p "$out"
out=$(cd "$out" && pwd)

. "$top/tests/e2e/arm64_build.sh"
arm64_build "$out" "${2:-$out/build}"

# The programs: every integration test program and the unit tests that spawn device hosts or
# load seccomp filters (qemu-user cannot: e2e.arm64_cross_build_... runs the other unit tests).
progs=()
for p in "$b"/tests/integration/itest_test_* "$b"/tests/unit/test_machine_sandbox \
         "$b"/tests/unit/test_monitor_hotplug "$b"/tests/unit/test_seccomp_bpf; do
  [ -x "$p" ] && [ -f "$p" ] || continue
  file -L "$p" | grep -q 'ARM aarch64' || fail "$p is not an aarch64 program"
  progs+=("$p")
done
[ ${#progs[@]} -ge 8 ] || fail "only ${#progs[@]} test programs were cross-built: ${progs[*]}"

# What L1 runs (busybox sh): each program with ctest's environment, its output in OUTDIR.
{
  echo "export VDM_DEVHOST=$b/sandbox/vdm-devhost VDM_ITEST_PLUGINS=$b/tests/integration/plugins"
  echo "export VDM_ITEST_FAKE_DEVHOST=$b/tests/integration/itest_fake_devhost"
  # nested, L1's CPUs are emulated by TCG: CPU-cost bounds (not time-outs) scale by 8
  echo "[ \"\${VDM_NESTED:-0}\" = 1 ] && export VDM_ITEST_SLOWDOWN=8"
  echo "export VDM_SOURCE_DIR=$top VDM_ITEST_SPAWN_CYCLES=100 # emulated CPUs: 100 cycles, not 1000"
  echo "failed=0"
  for p in "${progs[@]}"; do
    n=$(basename "$p")
    echo "cd $(dirname "$p"); s=\$(date +%s)"
    echo "if $p >$out/$n.log 2>&1; then r=PASS; else r=\"FAIL (exit \$?)\"; failed=\$((failed + 1)); fi"
    echo "echo \"arm64-l1: \$r $n (\$((\$(date +%s) - s)) s)\""
    echo "case \$r in FAIL*) tail -n 25 $out/$n.log;; esac"
  done
  echo "echo \"arm64-l1: \$failed of ${#progs[@]} test programs failed\""
  echo "exit \$((failed != 0))"
} >"$out/run-tests.sh"

res=$("$top/scripts/nested-run.sh" --arch arm64 --share "$out" --timeout 1500 -- sh "$out/run-tests.sh" 2>&1)
rc=$?
echo "$res"
case $rc in
  123) echo "SKIPPED: the arm64 L1 hung before the tests started (TCG hang, not a vdm result)"; exit 77 ;;
  124) fail "the test programs ran past 1500 s in the arm64 L1 (hang)" ;;
esac
head -n1 <<<"$res" | grep -Eq '^vdm: (running directly on host KVM \(arm64\)|.*running nested in QEMU TCG \(arm64 L1)' ||
  fail "nested-run.sh did not say which way it ran"
passed=$(grep -c '^arm64-l1: PASS ' <<<"$res")
[ "$rc" = 0 ] && [ "$passed" = "${#progs[@]}" ] ||
  fail "$passed of ${#progs[@]} test programs passed on arm64 (status $rc; logs in $out)"
echo "ok: all ${#progs[@]} device-host test programs pass on arm64 Linux"
