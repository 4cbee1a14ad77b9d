#!/bin/sh
# Runs inside L1 (scripts/nested-run.sh --script): boots the default guest initramfs as L2 under
# L1's real KVM with QEMU as the reference VMM.  Args: KERNEL INITRD.
kernel=$1
initrd=$2
start=$(date +%s%N)
qemu-system-x86_64 -nodefaults -no-user-config -display none -M q35 -accel kvm -cpu host \
  -smp 1 -m 512 -no-reboot -kernel "$kernel" -initrd "$initrd" \
  -append 'console=ttyS0 quiet panic=-1 vdm.poweroff=1' -serial stdio \
  -device pcie-root-port,id=rp1,chassis=1,slot=1,bus=pcie.0 \
  -device pci-testdev,bus=rp1,membar=2M </dev/null
rc=$?
end=$(date +%s%N)
echo "l2-reference: QEMU exit status $rc after $(( (end - start) / 1000000 )) ms"
exit $rc
