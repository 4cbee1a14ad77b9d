#!/usr/bin/env bash
# nested-run.sh against an L2 guest that triple-faults: L1's init counts the fault its KVM saw
# (a one-byte payload, int3, with no IDT), says so, and starts the failed command again once.
# usage: nested_fault_retry_test.sh VMM-EXAMPLE   (exit 0 pass, 1 fail, 77 skipped)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
nested=$top/scripts/nested-run.sh
vmm=${1:?usage: nested_fault_retry_test.sh VMM-EXAMPLE}
# shellcheck source=tests/e2e/checks.sh
. "$top/tests/e2e/checks.sh"

command -v qemu-system-x86_64 >/dev/null || { echo "SKIPPED: no qemu-system-x86_64 (run scripts/install-deps.sh)"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/vdm-l2fault.XXXXXX")
trap 'rm -rf "$dir"' EXIT
printf '\314' >"$dir/int3.bin" # int3 with an empty IDT: #GP, #DF, then a triple fault
# The first run of the command faults; a second run (after the restart) exits 0.
cmd='if [ ! -e '"$dir"'/first ]; then touch '"$dir"'/first; exec '"$vmm"' --payload '"$dir"'/int3.bin --timeout 60; fi
  echo SECOND-RUN; exit 0'

out=$("$nested" --nested --share "$dir" --timeout 200 -- sh -c "$cmd" 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/  | /'
printf '%s\n' "$out" | grep -q "triple fault (KVM_EXIT_SHUTDOWN)" \
  && ok "vmm-example reports the L2 guest's triple fault" || bad "no triple fault from vmm-example"
printf '%s\n' "$out" | grep -q "an L2 guest triple-faulted 1 time(s) during the command" \
  && ok "nested-run.sh says L1's KVM saw one L2 triple fault" || bad "no L2 fault count from L1"
printf '%s\n' "$out" | grep -q "the command failed (exit [1-9][0-9]*) after it: starting L1 and the command again" \
  && ok "the failed command is started again" || bad "no restart after the fault"
[ "$rc" = 0 ] && printf '%s\n' "$out" | grep -q SECOND-RUN \
  && ok "the second run decides (exit 0)" || bad "exit status $rc, expected 0 from the second run"

rm -f "$dir/first"
out=$("$nested" --nested --no-fault-retry --share "$dir" --timeout 200 -- sh -c "$cmd" 2>&1); rc=$?
[ "$rc" != 0 ] && ! printf '%s\n' "$out" | grep -q SECOND-RUN \
  && ok "--no-fault-retry: the fault's exit status stands (exit $rc), no second run" \
  || { bad "--no-fault-retry: exit $rc"; printf '%s\n' "$out" | sed 's/^/  | /'; }
printf '%s\n' "$out" | grep -q "an L2 guest triple-faulted 1 time(s)" \
  && ok "--no-fault-retry still says the fault was seen" || bad "--no-fault-retry: fault not said"

out=$("$nested" --nested --share "$dir" --timeout 200 -- sh -c 'echo CLEAN' 2>&1); rc=$?
[ "$rc" = 0 ] && ! printf '%s\n' "$out" | grep -q "triple-faulted" \
  && ok "a command without an L2 guest: no fault said (exit 0)" || bad "clean run: exit $rc or a fault said"

checks_end "nested-run.sh counts L2 triple faults and retries once"
