#!/usr/bin/env bash
# e2e reference test: the Debian kernel + default guest initramfs boot as L2 under real KVM
# (nested-run.sh), with QEMU as the VMM: what vmm-example must match.  Opt-in: about 30-60 s.
set -uo pipefail
top=${VDM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
"$top/scripts/install-deps.sh" || { echo "FAIL: scripts/install-deps.sh"; exit 1; }
eval "$("$top/scripts/fetch-guest-kernel.sh")" || { echo "FAIL: fetch-guest-kernel.sh"; exit 1; }
initrd=$("$top/scripts/build-initramfs.sh" guest) || { echo "FAIL: build-initramfs.sh guest"; exit 1; }

out=$("$top/scripts/nested-run.sh" --script "$top/tests/e2e/l2_reference_l1_script.sh" -- \
      "$VDM_KERNEL" "$initrd" 2>&1 | tr -d '\r')
rc=$?
echo "$out"
fail() { echo "FAIL: $*"; exit 1; }
[ "$rc" = 123 ] && { echo "SKIP: L1 hung twice before the command started (infrastructure hang)"; exit 77; }
[ "$rc" = 0 ] || fail "nested-run.sh exited $rc (QEMU in L1 failed; 124 = hang, 125 = harness)"
grep -q '^VDM-PCI 0000:01:00.0 vendor=1b36 device=0005 ' <<<"$out" ||
  fail "L2 did not list the pci-testdev behind the root port"
grep -Eq '^VDM-PCI-WINDOW 0000:00:01.0 pref start=0x[0-9a-f]+ end=0x[0-9a-f]+ size=0x200000 ' <<<"$out" ||
  fail "L2 did not list the root port's 2 MiB prefetchable window"
grep -q '^VDM-GUEST-READY$' <<<"$out" || fail "L2 never said VDM-GUEST-READY"
grep -q '^VDM-GUEST-POWEROFF$' <<<"$out" || fail "L2 did not power off"
echo "ok: the default guest boots under nested KVM ($(grep -o 'QEMU exit status .*' <<<"$out"))"
