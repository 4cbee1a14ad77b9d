# The arm64 half of scripts/nested-run.sh (sourced by it for --arch arm64): how to tell whether
# this host's KVM runs arm64 guests, and the arm64 level-1 guest's QEMU command line.
#
# L1 is Debian's arm64 kernel (its uncompressed Image; KVM built in) on qemu-system-aarch64's
# `virt` board in TCG mode with EL2 emulated (virtualization=on) and a GICv3 (KVM's vGIC needs
# one), `-cpu max`: the kernel enters at EL2 and KVM runs in VHE mode.  Its init is
# scripts/guest/l1-init-arm64 (the same markers and per-run archive as the x86_64 L1's); the
# command runs in this host's root (its /, not a chroot) under the arm64 busybox: arm64 programs only.
# Consoles: the PL011 (ttyAMA0) carries L1's console and the markers; a virtio console (hvc0) is
# the command's terminal with --stdin; the heartbeat goes to a virtio serial port (vdm.alive).
# The caller defines: cpus mem l1_kernel rundir loglevel fwd_stdin fsdev_args.

l1_what="arm64 L1 on QEMU virt with EL2, KVM in VHE mode"
qemu_bin=qemu-system-aarch64
arch_opt=(--arch arm64)

# check_host_kvm (replaces the x86_64 one): sets way when this host is arm64 and its /dev/kvm
# can be used (it then runs arm64 guests as they are); otherwise says why in no_kvm_reason.
check_host_kvm() {
  local m reasons=()
  m=$(uname -m)
  [ "$m" = aarch64 ] || reasons+=("this host is $m, not aarch64")
  if [ ! -e /dev/kvm ]; then reasons+=("no /dev/kvm")
  elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
    reasons+=("/dev/kvm not readable and writable by $(id -un)")
  fi
  if [ ${#reasons[@]} -gt 0 ]; then
    no_kvm_reason=${reasons[0]}
    local r
    for r in "${reasons[@]:1}"; do no_kvm_reason+="; $r"; done
    return 0
  fi
  way=arm64
}

# arch_qemu_args: sets qemu_args to the arm64 L1's QEMU command.
arch_qemu_args() {
  local serial=()
  if [ "$fwd_stdin" = 1 ]; then
    serial=(-serial "file:$rundir/con"
            -chardev stdio,id=cmdtty,mux=on,signal=off -echr 29
            -device virtconsole,bus=vser.0,chardev=cmdtty)
  else
    serial=(-serial stdio)
  fi
  qemu_args=(qemu-system-aarch64 -nodefaults -no-user-config -display none
             -M virt,virtualization=on,gic-version=3 -accel tcg,thread=multi
             -cpu max,pauth-impdef=on -smp "$cpus" -m "$mem" -no-reboot
             -kernel "$l1_kernel" -initrd "$rundir/initrd"
             -append "console=ttyAMA0 $loglevel panic=-1"
             -device virtio-serial-pci,id=vser
             "${serial[@]}"
             -chardev "file,id=alive,path=$rundir/alive"
             -device virtserialport,bus=vser.0,chardev=alive,name=vdm.alive
             -fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap
             -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
             ${fsdev_args[@]+"${fsdev_args[@]}"})
}
