#!/usr/bin/env bash
# e2e test of the default guest initramfs (scripts/build-initramfs.sh guest) on the Debian kernel,
# booted in QEMU TCG on this host (no KVM needed): PCI list vs the guest's /proc/iomem, hooks, shell.
set -uo pipefail
top=${VDM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
work=$(mktemp -d "${TMPDIR:-/tmp}/vdm-guest-test.XXXXXX")
qpid=""
trap '[ -n "$qpid" ] && kill "$qpid" 2>/dev/null; rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

"$top/scripts/install-deps.sh" || { echo "FAIL: scripts/install-deps.sh"; exit 1; }
eval "$("$top/scripts/fetch-guest-kernel.sh")" || { echo "FAIL: fetch-guest-kernel.sh"; exit 1; }
initrd=$("$top/scripts/build-initramfs.sh" guest) || { echo "FAIL: build-initramfs.sh guest"; exit 1; }

# The uncompressed ELF (PVH entry) spares the seconds of in-guest decompression under TCG.
qemu=(qemu-system-x86_64 -nodefaults -no-user-config -display none -accel tcg -cpu max -smp 1
      -no-reboot -kernel "${VDM_VMLINUX:-$VDM_KERNEL}" -serial stdio)
base_append="console=ttyS0 quiet panic=-1"

# wait_for FILE TEXT SECONDS: waits until FILE holds TEXT; fails after SECONDS.
wait_for() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -qF -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
# wait_exit SECONDS: waits for the running QEMU to stop by itself; kills it after SECONDS.
wait_exit() {
  local i
  for ((i = 0; i < $1 * 10; i++)); do
    kill -0 "$qpid" 2>/dev/null || { wait "$qpid"; qpid=""; return 0; }
    sleep 0.1
  done
  kill "$qpid"; wait "$qpid"; qpid=""
  return 1
}
# show NAME: turns boot NAME's raw console into NAME.log (no CRs) and prints it.
show() {
  tr -d '\r' <"$work/$1.raw" >"$work/$1.log"
  echo "---- console of boot $1 ----"; cat "$work/$1.log"; echo "---- end ----"
}
hex() { echo $((16#${1#0x})); }

# ---- boot A: q35 with a root port and a pci-testdev behind it; every hook; the shell ----------
cat >"$work/run.sh" <<'EOF'
#!/bin/sh
echo "run.sh-from-appended-archive"
exit 3
EOF
chmod +x "$work/run.sh"
"$top/scripts/build-initramfs.sh" pack "$work/extra.cpio" "$work/run.sh:/vdm/run.sh" >/dev/null
cat "$initrd" "$work/extra.cpio" >"$work/initrd-a"
cmd64=$(printf '%s' 'echo "cmd64 says: $((6*7))"' | base64 -w0)
# rp2 stays empty until a 4 MiB-BAR testdev is hot-plugged through the monitor: QEMU's firmware
# gave the empty port a 2 MiB window, so the guest fails to place the BAR (the failure vdm
# exists to fix) and vdm-pci must list it as unassigned.
mkfifo "$work/in-a" "$work/mon.in" "$work/mon.out"
"${qemu[@]}" -M q35 -m 512 -initrd "$work/initrd-a" \
  -device pcie-root-port,id=rp1,chassis=1,slot=1,bus=pcie.0 \
  -device pci-testdev,bus=rp1,membar=2M \
  -device pcie-root-port,id=rp2,chassis=2,slot=2,bus=pcie.0 \
  -chardev pipe,id=mon0,path="$work/mon" -mon chardev=mon0,mode=readline \
  -append "$base_append vdm.cmd=\"cat /proc/iomem /proc/ioports\" vdm.cmd64=$cmd64" \
  <"$work/in-a" 2>"$work/a.err" >"$work/a.raw" &
qpid=$!
exec 7>"$work/in-a"
if wait_for "$work/a.raw" "vdm-guest# " 120; then
  echo 'device_add pci-testdev,bus=rp2,membar=4M,id=hot1' >"$work/mon.in"
  echo 'echo "shell says: $((6*7))"; for i in $(seq 100); do' \
       '[ -e /sys/bus/pci/devices/0000:02:00.0 ] && break; sleep 0.1; done; sleep 1;' \
       'echo HOTPLUG-LIST; vdm-pci; poweroff -f' >&7
else
  fail "boot A: no shell prompt 'vdm-guest# ' within 120 s"
fi
wait_exit 60 || fail "boot A: 'poweroff -f' typed into the shell did not stop the machine"
exec 7>&-
show a
# The boot-time part (PCI list, hooks' output) ends where the shell's hotplug listing starts.
sed '/^HOTPLUG-LIST$/q' "$work/a.log" >"$work/a-boot.log"
log=$work/a-boot.log

grep -q '^VDM-GUEST-READY$' "$log" && pass "boot A: VDM-GUEST-READY" || fail "boot A: no VDM-GUEST-READY"
ready_line=$(grep -n '^VDM-GUEST-READY$' "$log" | cut -d: -f1)
end_line=$(grep -n '^VDM-PCI-END count=' "$log" | cut -d: -f1)
[ -n "$end_line" ] && [ -n "$ready_line" ] && [ "$end_line" -lt "$ready_line" ] &&
  pass "boot A: PCI list complete before the ready line" ||
  fail "boot A: VDM-PCI-END missing or after VDM-GUEST-READY"
grep -q '^VDM-PCI 0000:00:00.0 vendor=8086 device=29c0 class=060000$' "$log" &&
  pass "boot A: q35 host bridge listed" || fail "boot A: q35 host bridge (8086:29c0) not listed"
grep -q '^VDM-PCI 0000:00:01.0 vendor=1b36 device=000c class=060400 bridge bus=00,01,01$' "$log" &&
  pass "boot A: root port listed as a bridge with its bus numbers" ||
  fail "boot A: root port 1b36:000c not listed as 'bridge bus=00,01,01'"
grep -q '^VDM-PCI 0000:01:00.0 vendor=1b36 device=0005 ' "$log" &&
  pass "boot A: pci-testdev behind the root port listed" || fail "boot A: pci-testdev 01:00.0 not listed"
grep -Eq '^VDM-PCI-BAR 0000:01:00.0 bar=2 .*size=0x200000 .* mem 64bit pref$' "$log" &&
  pass "boot A: testdev BAR 2 is a 2 MiB 64-bit prefetchable BAR" ||
  fail "boot A: testdev BAR 2 (membar=2M, 64-bit pref) not listed"

# Every window and BAR printed must be exactly a range the guest kernel shows in /proc/iomem or
# /proc/ioports, owned by the bridge's secondary bus ("PCI Bus 0000:01") or by the device.
in_resource_list() { # START END OWNER
  local s e o
  while IFS= read -r line; do
    [[ $line =~ ^\ *([0-9a-f]+)-([0-9a-f]+)\ :\ (.*)$ ]] || continue
    s=${BASH_REMATCH[1]} e=${BASH_REMATCH[2]} o=${BASH_REMATCH[3]}
    [ "$o" = "$3" ] && [ $((16#$s)) = "$1" ] && [ $((16#$e)) = "$2" ] && return 0
  done <"$log"
  return 1
}
checked=0
while read -r _ bdf kind start end _; do
  [ "$start" = none ] && continue
  sec=$(sed -n "s/^VDM-PCI $bdf .* bridge bus=..,\(..\),..$/\1/p" "$log")
  s=$(hex "${start#start=}") e=$(hex "${end#end=}")
  if in_resource_list "$s" "$e" "PCI Bus 0000:$sec"; then
    pass "boot A: window $bdf $kind $start $end matches the guest's resource tree"
    checked=$((checked + 1))
  else
    fail "boot A: window $bdf $kind $start $end is not 'PCI Bus 0000:$sec' in /proc/iomem|ioports"
  fi
done < <(grep '^VDM-PCI-WINDOW ' "$log")
while read -r _ bdf bar start end _; do
  s=$(hex "${start#start=}") e=$(hex "${end#end=}")
  if in_resource_list "$s" "$e" "$bdf"; then checked=$((checked + 1))
  else fail "boot A: $bdf $bar $start $end is not '$bdf' in /proc/iomem|ioports"; fi
done < <(grep '^VDM-PCI-BAR 0000:01:00.0 ' "$log")
[ "$checked" -ge 6 ] && pass "boot A: $checked windows and BARs match the guest's resource tree" ||
  fail "boot A: only $checked windows/BARs could be checked against /proc/iomem (expected >= 6)"

grep -q '^VDM-GUEST-CMD-EXIT: 0$' "$log" && grep -q ' : PCI Bus 0000:01$' "$log" &&
  pass "boot A: vdm.cmd with spaces ran" || fail "boot A: vdm.cmd=\"...\" did not run"
grep -q '^cmd64 says: 42$' "$log" && pass "boot A: vdm.cmd64 ran" || fail "boot A: vdm.cmd64 did not run"
grep -q '^run.sh-from-appended-archive$' "$log" && grep -q '^VDM-GUEST-CMD-EXIT: 3$' "$log" &&
  pass "boot A: /vdm/run.sh from an appended archive ran, exit status reported" ||
  fail "boot A: appended /vdm/run.sh did not run or its exit status 3 was not reported"
grep -q '^shell says: 42$' "$work/a.log" && pass "boot A: console shell runs typed commands" ||
  fail "boot A: the console shell did not run the typed command"

hot=$(sed -n '/^HOTPLUG-LIST$/,$p' "$work/a.log")
grep -q '^VDM-PCI 0000:02:00.0 vendor=1b36 device=0005 ' <<<"$hot" &&
  pass "boot A: hot-plugged testdev listed by vdm-pci from the shell" ||
  fail "boot A: hot-plugged testdev 02:00.0 not listed after device_add"
grep -q '^VDM-PCI-BAR 0000:02:00.0 bar=2 unassigned config=0x0000000c mem 64bit pref$' <<<"$hot" &&
  pass "boot A: its 4 MiB BAR the guest could not place is listed as unassigned" ||
  fail "boot A: no 'VDM-PCI-BAR 0000:02:00.0 bar=2 unassigned ... 64bit pref' line"
grep -q '^VDM-PCI-BAR 0000:02:00.0 bar=0 start=' <<<"$hot" && ! grep -q '0000:02:00.0 bar=3' <<<"$hot" &&
  pass "boot A: its placed BAR 0 listed, the 64-bit BAR's upper half not" ||
  fail "boot A: hot-plugged testdev BAR 0 missing or BAR 3 (upper half) listed"

# ---- boot B: vdm.poweroff=1 on the plain pc machine --------------------------------------------
"${qemu[@]}" -M pc -m 256 -initrd "$initrd" -append "$base_append vdm.poweroff=1" \
  </dev/null 2>"$work/b.err" >"$work/b.raw" &
qpid=$!
wait_exit 120 && pass "boot B: vdm.poweroff=1 stopped the machine" ||
  fail "boot B: vdm.poweroff=1 did not stop the machine within 120 s"
show b
grep -q '^VDM-PCI 0000:00:00.0 vendor=8086 device=1237 ' "$work/b.log" &&
  pass "boot B: i440fx host bridge listed" || fail "boot B: i440fx host bridge (8086:1237) not listed"
grep -q '^VDM-GUEST-POWEROFF$' "$work/b.log" && ! grep -q 'vdm-guest# ' "$work/b.log" &&
  pass "boot B: powered off without starting a shell" || fail "boot B: no VDM-GUEST-POWEROFF, or a shell started"

# ---- boot C: vdm.panic=1 ----------------------------------------------------------------------
"${qemu[@]}" -M pc -m 256 -initrd "$initrd" -append "$base_append vdm.panic=1" \
  </dev/null 2>"$work/c.err" >"$work/c.raw" &
qpid=$!
wait_exit 120 && pass "boot C: the panic stopped the machine (panic=-1, -no-reboot)" ||
  fail "boot C: vdm.panic=1 did not stop the machine within 120 s"
show c
grep -q '^VDM-GUEST-PANIC' "$work/c.log" && grep -q 'Kernel panic - not syncing: Attempted to kill init' "$work/c.log" &&
  pass "boot C: init exited and the kernel panicked" || fail "boot C: no VDM-GUEST-PANIC and kernel panic"

if [ "$failures" -gt 0 ]; then
  echo "guest initramfs test: $failures check(s) FAILED"
  exit 1
fi
echo "guest initramfs test: all checks passed"
