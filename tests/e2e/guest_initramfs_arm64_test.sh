#!/usr/bin/env bash
# e2e test of the arm64 default guest initramfs (scripts/build-initramfs.sh guest --arch arm64) on
# Debian's arm64 kernel, booted by device tree in QEMU TCG's virt board (no KVM): the PCI list
# against the guest's own /proc/iomem and /proc/ioports, a command line hook, the power-off.
set -uo pipefail
top=${VDM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
work=$(mktemp -d "${TMPDIR:-/tmp}/vdm-guest-arm64.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

"$top/scripts/install-deps.sh" --arm64 || { echo "FAIL: scripts/install-deps.sh --arm64"; exit 1; }
eval "$("$top/scripts/fetch-guest-kernel.sh" --arch arm64)" ||
  { echo "FAIL: fetch-guest-kernel.sh --arch arm64"; exit 1; }
initrd=$("$top/scripts/build-initramfs.sh" guest --arch arm64) ||
  { echo "FAIL: build-initramfs.sh guest --arch arm64"; exit 1; }

# A root port with a pci-testdev (2 MiB 64-bit prefetchable BAR) behind it; the guest lists PCI,
# says VDM-GUEST-READY, prints its resource trees (vdm.cmd) and powers off.
start=$(date +%s%N)
timeout 300 qemu-system-aarch64 -nodefaults -no-user-config -display none -M virt \
  -accel tcg -cpu max,pauth-impdef=on -smp 1 -m 512 -no-reboot \
  -kernel "$VDM_KERNEL" -initrd "$initrd" -serial stdio \
  -append 'console=ttyAMA0 quiet panic=-1 vdm.poweroff=1 vdm.cmd="cat /proc/iomem /proc/ioports"' \
  -device pcie-root-port,id=rp1,chassis=1,slot=1 -device pci-testdev,bus=rp1,membar=2M \
  </dev/null 2>"$work/qemu.err" | tr -d '\r' >"$work/console.log"
rc=${PIPESTATUS[0]}
end=$(date +%s%N)
echo "---- console ----"; cat "$work/console.log"; echo "---- end ----"
log=$work/console.log
[ "$rc" = 0 ] && pass "QEMU exited by itself after $(( (end - start) / 1000000 )) ms" ||
  fail "QEMU exit status $rc (124: no power-off within 300 s): $(cat "$work/qemu.err")"
grep -q '^VDM-GUEST: linux [^ ]*-arm64, 1 cpu(s), ' "$log" && pass "an arm64 kernel runs the guest's init" ||
  fail "no 'VDM-GUEST: linux ...-arm64' line"
grep -q '^VDM-GUEST-READY$' "$log" && pass "VDM-GUEST-READY" || fail "no VDM-GUEST-READY"
grep -q '^VDM-PCI 0000:00:00.0 vendor=1b36 device=0008 class=060000$' "$log" &&
  pass "virt's PCIe host bridge (1b36:0008) listed" || fail "virt's host bridge 1b36:0008 not listed"
grep -q '^VDM-PCI 0000:00:01.0 vendor=1b36 device=000c class=060400 bridge bus=00,01,01$' "$log" &&
  pass "root port listed as a bridge with its bus numbers" ||
  fail "root port 1b36:000c not listed as 'bridge bus=00,01,01'"
grep -Eq '^VDM-PCI-BAR 0000:01:00.0 bar=2 start=0x[0-9a-f]+ end=0x[0-9a-f]+ size=0x200000 .* mem 64bit pref$' "$log" &&
  pass "testdev BAR 2 is a placed 2 MiB 64-bit prefetchable BAR" || fail "testdev BAR 2 (membar=2M) not placed"

# Every window and BAR listed must be exactly a range of the guest's /proc/iomem or /proc/ioports,
# owned by the bridge's secondary bus or by the device.
hex() { echo $((16#${1#0x})); }
in_tree() { # START END OWNER
  local line
  while IFS= read -r line; do
    [[ $line =~ ^\ *([0-9a-f]+)-([0-9a-f]+)\ :\ (.*)$ ]] || continue
    [ "${BASH_REMATCH[3]}" = "$3" ] && [ $((16#${BASH_REMATCH[1]})) = "$1" ] &&
      [ $((16#${BASH_REMATCH[2]})) = "$2" ] && return 0
  done <"$log"
  return 1
}
checked=0
while read -r _ bdf kind s e _; do
  [ "$s" = none ] && continue
  in_tree "$(hex "${s#start=}")" "$(hex "${e#end=}")" "PCI Bus 0000:01" && checked=$((checked + 1)) ||
    fail "window $bdf $kind $s $e is not 'PCI Bus 0000:01' in the guest's /proc/iomem|ioports"
done < <(grep '^VDM-PCI-WINDOW 0000:00:01.0 ' "$log")
while read -r _ bdf bar s e _; do
  in_tree "$(hex "${s#start=}")" "$(hex "${e#end=}")" "$bdf" && checked=$((checked + 1)) ||
    fail "$bdf $bar $s $e is not '$bdf' in the guest's /proc/iomem|ioports"
done < <(grep '^VDM-PCI-BAR 0000:01:00.0 ' "$log")
[ "$checked" -ge 5 ] && pass "$checked windows and BARs match the guest's resource tree" ||
  fail "only $checked windows/BARs matched the guest's /proc/iomem (expected >= 5)"
grep -q '^VDM-GUEST-CMD-EXIT: 0$' "$log" && pass "vdm.cmd ran" || fail "vdm.cmd did not run"
grep -q '^VDM-GUEST-POWEROFF$' "$log" && ! grep -q 'vdm-guest# ' "$log" &&
  pass "vdm.poweroff=1 powered off without a shell" || fail "no VDM-GUEST-POWEROFF, or a shell started"

if [ "$failures" -gt 0 ]; then
  echo "arm64 guest initramfs test: $failures check(s) FAILED"
  exit 1
fi
echo "arm64 guest initramfs test: all checks passed"
