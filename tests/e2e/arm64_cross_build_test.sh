#!/usr/bin/env bash
# e2e test of the aarch64 cross build (cmake/aarch64-linux-gnu.cmake): libvdm and libvdm-machine
# build as aarch64 shared objects, and every unit test that needs neither vmm-example (x86_64
# only) nor libvdm-sandbox builds for aarch64 and passes under qemu-aarch64.
# Usage: arm64_cross_build_test.sh BUILD_DIR   (a fresh cross build is made there)
set -uo pipefail
b=${1:?usage: arm64_cross_build_test.sh BUILD_DIR}
top=${VDM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
fail() { echo "FAIL: $*"; exit 1; }
"$top/scripts/install-deps.sh" --arm64 || fail "scripts/install-deps.sh --arm64"

# Not cross-built yet, and why (remove a name here once it builds for aarch64):
#   libvdm-sandbox (every test linking it): sandbox/seccomp.c's allow-list is x86_64's only and
#   sandbox/spawn.c calls SYS_dup2, which arm64 does not have (dup3 does the same job);
#   vmm-example's library: the VMM is x86_64 only (vmm-example/x86/).
not_yet=" test_abi_compat test_bootparams test_host_kvm_check test_machine_sandbox test_monitor_cmd
  test_monitor_event_loop test_monitor_hotplug test_qmp test_vmm_cpuid test_vmm_options
  test_fuzz_regressions "
not_yet=" $(echo $not_yet) " # one space between names

rm -rf "$b"
cmake -S "$top" -B "$b" -DCMAKE_TOOLCHAIN_FILE="$top/cmake/aarch64-linux-gnu.cmake" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$b.configure.log" 2>&1 ||
  { cat "$b.configure.log"; fail "cmake could not configure the aarch64 cross build"; }
grep -q '^CMAKE_CROSSCOMPILING_EMULATOR:.*qemu-aarch64\|^VDM_QEMU_AARCH64:FILEPATH=.*qemu-aarch64' "$b/CMakeCache.txt" ||
  fail "qemu-aarch64 not found: the cross-built tests cannot run (qemu-user: install-deps.sh --arm64)"

tests=()
for src in "$top"/tests/unit/test_*.c; do
  t=$(basename "$src" .c)
  case $not_yet in *" $t "*) echo "not cross-built yet: $t"; continue ;; esac
  tests+=("$t")
done
cmake --build "$b" -j"$(nproc)" --target vdm_shared vdm_machine_shared "${tests[@]}" >"$b.build.log" 2>&1 ||
  { grep -E 'error|Error' "$b.build.log" | head -20; fail "the aarch64 cross build failed ($b.build.log)"; }
for so in "$b/libvdm.so.0" "$b/machine/libvdm-machine.so.0"; do
  file -L "$so" | grep -q 'ELF 64-bit LSB shared object, ARM aarch64' ||
    fail "$so is not an aarch64 shared object: $(file -L "$so")"
done
echo "ok: libvdm.so.0 and libvdm-machine.so.0 are aarch64 shared objects"
file "$b/tests/unit/${tests[0]}" | grep -q 'ARM aarch64' || fail "${tests[0]} is not an aarch64 program"
re="^unit\\.($(IFS='|'; echo "${tests[*]}"))\$"
ctest --test-dir "$b" -R "$re" -j"$(nproc)" --output-on-failure >"$b.ctest.log" 2>&1
rc=$?
tail -n 5 "$b.ctest.log"
[ "$rc" = 0 ] || { cat "$b.ctest.log"; fail "a cross-built unit test failed under qemu-aarch64"; }
grep -q "100% tests passed, 0 tests failed out of ${#tests[@]}\$" "$b.ctest.log" ||
  fail "ctest did not run all ${#tests[@]} cross-built unit tests"
echo "ok: ${#tests[@]} unit tests cross-built for aarch64 pass under qemu-aarch64"
