#!/usr/bin/env bash
# nested-run.sh against a stalled L1: a "soft lockup ... [swapper/N]" on L1's console (here
# written to /dev/kmsg by the command, as QEMU TCG's rare hang makes L1 print it) stops the run.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
nested=$top/scripts/nested-run.sh
# shellcheck source=tests/e2e/checks.sh
. "$top/tests/e2e/checks.sh"

command -v qemu-system-x86_64 >/dev/null || { echo "SKIPPED: no qemu-system-x86_64 (run scripts/install-deps.sh)"; exit 77; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/vdm-stall.XXXXXX")
trap 'rm -rf "$dir"' EXIT
# --nested even on a VMX/SVM host: the L1 is what is tested.  First attempt: the stall report, then a command that would take 100 s; second: quick.
cmd='if [ ! -e '"$dir"'/first ]; then touch '"$dir"'/first
  echo "<0>watchdog: BUG: soft lockup - CPU#0 stuck for 23s! [swapper/0:0]" >/dev/kmsg
  sleep 100; echo NOT-STOPPED; exit 9; fi; echo SECOND-RUN; exit 0'

start=$(date +%s)
out=$("$nested" --nested --share "$dir" --timeout 200 -- sh -c "$cmd" 2>&1); rc=$?
took=$(( $(date +%s) - start ))
printf '%s\n' "$out" | sed 's/^/  | /'
[ "$rc" = 0 ] && ok "a stalled L1 is started again and the command's second run decides (exit 0)" \
  || bad "exit status $rc after a stall, expected 0 from the second run"
printf '%s\n' "$out" | grep -q "L1's CPUs stalled .*starting L1 and the command again" \
  && ok "the restart is announced, naming the stall" || bad "no restart message"
printf '%s\n' "$out" | grep -q NOT-STOPPED && bad "the stalled run was not stopped" \
  || ok "the stalled run was stopped before its command finished"
[ "$took" -lt 100 ] && ok "stall noticed within seconds (whole run ${took} s)" \
  || bad "the run took ${took} s: the stall was not noticed"

rm -f "$dir/first"
out=$("$nested" --nested --no-stall-retry --share "$dir" --timeout 200 -- sh -c "$cmd" 2>&1); rc=$?
[ "$rc" = 123 ] && ok "--no-stall-retry: exit 123 (a hang of the harness, not the command's failure)" \
  || bad "--no-stall-retry: exit $rc, expected 123"
printf '%s\n' "$out" | grep -q "HANG: L1's CPUs stalled" && ok "--no-stall-retry says HANG and why" \
  || bad "--no-stall-retry: no HANG line"

# A wedged L1 prints nothing at all: its heartbeat stops.  Stop the heartbeat's sleep (the
# command itself must not use sleep then) and keep L1 busy; a 15 s limit instead of 120 s.
cmd2='pkill -STOP -x sleep; i=0; while [ $i -lt 3000000 ]; do i=$((i+1)); done; echo NOT-STOPPED'
start=$(date +%s)
out=$(VDM_NESTED_HEARTBEAT_S=15 "$nested" --nested --no-stall-retry --timeout 200 -- sh -c "$cmd2" 2>&1); rc=$?
took=$(( $(date +%s) - start ))
[ "$rc" = 123 ] && printf '%s\n' "$out" | grep -q "heartbeat has been silent" \
  && ok "a silent heartbeat is a stalled L1 (exit 123 after ${took} s)" \
  || { bad "silent heartbeat: exit $rc after ${took} s"; printf '%s\n' "$out" | sed 's/^/  | /'; }

# The heartbeat (its own serial port) never shows in the command's output, which takes
# longer than the 15 s limit here without being taken for a stall.
out=$(VDM_NESTED_HEARTBEAT_S=15 "$nested" --nested --timeout 200 -- \
      sh -c 'printf abc; sleep 25; echo def; echo end' 2>/dev/null); rc=$?
[ "$rc" = 0 ] && [ "$out" = "$(printf 'abcdef\nend')" ] \
  && ok "a quiet 25 s command with a 15 s heartbeat limit: exit 0, output untouched" \
  || bad "quiet command: exit $rc, output $(printf '%s' "$out" | od -c | head -3)"

checks_end "nested stall test"
