#!/bin/sh
# Runs inside the arm64 L1 (scripts/nested-run.sh --arch arm64 --script; busybox sh): boots the
# arm64 default guest as L2 under L1's KVM with QEMU virt as the VMM, by device tree and by EDK2 +
# ACPI, and times each boot.  Args: QEMU KERNEL INITRD EDK2_FIRMWARE.
# Prints each L2's console between "l2-reference: ---- MODE ----" lines, then per mode
#   RESULT arm64-l2 mode=MODE ready_ms=N total_ms=N qemu_hwm_mib_at_ready=N
# (ready: QEMU started -> VDM-GUEST-READY on the console; total: until QEMU exited; the guest
# powers itself off, and VDM-GUEST-POWEROFF in the console is the test's check that it did).
qemu=$1 kernel=$2 initrd=$3 efi=$4
ms() { read -r up _ </proc/uptime; echo "${up%.*}${up#*.}0"; }

# hwm PID: QEMU's peak resident memory in MiB (shell builtins only: a fork costs L1 time).
hwm() {
  while read -r k v _; do
    [ "$k" = VmHWM: ] && { echo $((v / 1024)); return; }
  done </proc/"$1"/status
  echo 0
}

# run MODE QEMU-ARGS...: one L2 boot (timeout 240 s).  The console is read line by line with
# shell builtins, stamping VDM-GUEST-READY from /proc/uptime as it arrives.
run() {
  mode=$1
  shift
  echo "l2-reference: ---- $mode ----"
  t0=$(ms)
  timeout 240 "$qemu" -M virt,gic-version=3 -accel kvm -cpu host -smp 1 -m 512 -nodefaults \
    -no-user-config -display none -no-reboot -serial stdio -pidfile /tmp/l2.pid \
    -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyAMA0 quiet panic=-1 vdm.poweroff=1 vdm.cmd=\"ls -1 /sys/firmware/acpi/tables; dmesg | grep -i 'bridge window'\"" \
    -device pcie-root-port,id=rp1,chassis=1,slot=1,pref64-reserve=2G \
    -device pci-testdev,bus=rp1,membar=4M "$@" </dev/null 2>&1 | {
    ready=0 mib=0
    while IFS= read -r line; do
      line=${line%"$(printf '\r')"}
      case $line in
        VDM-GUEST-READY*)
          read -r up _ </proc/uptime
          ready=$(( ${up%.*}${up#*.}0 - t0 ))
          read -r pid </tmp/l2.pid && mib=$(hwm "$pid") ;;
      esac
      echo "$line"
    done
    echo "$ready $mib" >/tmp/l2.result
  }
  t1=$(ms)
  read -r ready mib </tmp/l2.result
  echo "l2-reference: ---- end ----"
  echo "RESULT arm64-l2 mode=$mode ready_ms=$ready total_ms=$((t1 - t0)) qemu_hwm_mib_at_ready=$mib"
}

run dt
run acpi -bios "$efi"
