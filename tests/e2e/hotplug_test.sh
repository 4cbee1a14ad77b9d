#!/usr/bin/env bash
# e2e: ACPI PCI hotplug into a real Linux guest under real KVM (directly, or nested through
# scripts/nested-run.sh), driven through vmm-example's monitor, QMP and console; plus QEMU q35
# with the same kernel and initramfs for the latency comparison.  One nested boot for it all.
# usage: hotplug_test.sh VMM-EXAMPLE [OUTDIR]   (exit 0 pass, 1 fail, 77 skipped: harness hang)
set -uo pipefail
top=${VDM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
vmm=${1:?usage: hotplug_test.sh VMM-EXAMPLE [OUTDIR]}
out=${2:-$(mktemp -d "${TMPDIR:-/tmp}/vdm-hotplug.XXXXXX")}
mkdir -p "$out"
vmm=$(cd "$(dirname "$vmm")" && pwd)/$(basename "$vmm")

"$top/scripts/install-deps.sh" >/dev/null || { echo "FAIL: scripts/install-deps.sh"; exit 1; }
eval "$("$top/scripts/fetch-guest-kernel.sh" --quiet)" || { echo "FAIL: fetch-guest-kernel.sh"; exit 1; }
guest=$("$top/scripts/build-initramfs.sh" guest) || { echo "FAIL: build-initramfs.sh guest"; exit 1; }
extra=$("$top/scripts/build-initramfs.sh" pack "$out/hotplug-hooks.cpio" \
          "$top/tests/e2e/hotplug_guest_run.sh:/vdm/run.sh" \
          "$top/tests/e2e/hotplug_guest_watch.sh:/vdm/hp-watch") ||
  { echo "FAIL: build-initramfs.sh pack"; exit 1; }
cat "$guest" "$extra" >"$out/initrd"
echo "output in $out (console logs: vmm-console.log, qemu-console.log)"

"$top/scripts/nested-run.sh" --share "$out" --timeout 480 -- \
  python3 "$top/tests/e2e/hotplug_l1.py" "$vmm" "${VDM_VMLINUX:-$VDM_KERNEL}" "$out/initrd" "$out"
rc=$?
case $rc in
  0) exit 0 ;;
  123) echo "SKIPPED: the nested harness hung before the test started (L1 TCG hang)"; exit 77 ;;
  124) echo "FAIL: the hotplug scenarios ran past 480 s (hang)"; exit 1 ;;
  *) exit 1 ;;
esac
