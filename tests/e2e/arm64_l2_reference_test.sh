#!/usr/bin/env bash
# e2e reference test (opt-in, -DVDM_E2E_REFERENCE=ON): the arm64 default guest boots as L2 under
# real arm64 KVM in the arm64 L1, with QEMU 7.2 virt as the VMM, by device tree and by EDK2 + ACPI
# (a root port with pref64-reserve=2G and a pci-testdev,membar=4M): what vdm's arm64 machine is
# measured against.  One L1 boot, two L2 boots: about 40 s here.
set -uo pipefail
top=${VDM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
fail() { echo "FAIL: $*"; exit 1; }
"$top/scripts/install-deps.sh" --arm64 || fail "scripts/install-deps.sh --arm64"
eval "$("$top/scripts/fetch-guest-kernel.sh" --arch arm64)" || fail "fetch-guest-kernel.sh --arch arm64"
initrd=$("$top/scripts/build-initramfs.sh" guest --arch arm64) || fail "build-initramfs.sh guest --arch arm64"
qemu=$("$top/scripts/nested/fetch-arm64-qemu.sh") || fail "scripts/nested/fetch-arm64-qemu.sh"
efi=/usr/share/qemu-efi-aarch64/QEMU_EFI.fd
[ -s "$efi" ] || fail "$efi missing (qemu-efi-aarch64: scripts/install-deps.sh --arm64)"

out=$("$top/scripts/nested-run.sh" --arch arm64 --timeout 600 \
      --script "$top/tests/e2e/arm64_l2_reference_l1.sh" -- "$qemu" "$VDM_KERNEL" "$initrd" "$efi" 2>&1)
rc=$?
echo "$out"
[ "$rc" = 123 ] && { echo "SKIP: the arm64 L1 hung twice before the command started (infrastructure hang)"; exit 77; }
[ "$rc" = 0 ] || fail "nested-run.sh exited $rc (124 = hang, 125 = harness)"
grep -q '^vdm: running directly on host KVM (arm64)$\|running nested in QEMU TCG (arm64 L1' <<<"$out" ||
  fail "nested-run.sh did not say it ran on arm64 KVM"
section() { sed -n "/^l2-reference: ---- $1 ----\$/,/^l2-reference: ---- end ----\$/p" <<<"$out"; }
for mode in dt acpi; do
  s=$(section "$mode")
  grep -q '^VDM-GUEST-READY$' <<<"$s" || fail "$mode: L2 never said VDM-GUEST-READY"
  grep -q '^VDM-GUEST-POWEROFF$' <<<"$s" || fail "$mode: L2 did not power off"
  grep -q '^VDM-PCI 0000:01:00.0 vendor=1b36 device=0005 ' <<<"$s" ||
    fail "$mode: L2 did not list the pci-testdev behind the root port"
  grep -Eq '^VDM-PCI-BAR 0000:01:00.0 bar=2 start=0x[0-9a-f]+ .*size=0x400000 .*64bit pref$' <<<"$s" ||
    fail "$mode: the testdev's 4 MiB 64-bit BAR was not placed"
  grep -Eq "^RESULT arm64-l2 mode=$mode ready_ms=[1-9][0-9]* " <<<"$out" ||
    fail "$mode: no RESULT line with a ready time"
done
grep -q '^DSDT$' <<<"$(section acpi)" || fail "acpi: L2 has no /sys/firmware/acpi/tables/DSDT (not an ACPI boot)"
! grep -q '^DSDT$' <<<"$(section dt)" || fail "dt: L2 has ACPI tables (expected a device-tree boot)"
grep '^RESULT arm64-l2 ' <<<"$out"
echo "ok: the arm64 default guest boots as L2 under arm64 KVM with QEMU virt, by device tree and by EDK2 + ACPI"
