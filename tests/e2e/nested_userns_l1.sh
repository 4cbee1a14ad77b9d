#!/usr/bin/env bash
# Runs inside L1 for nested_userns_test.sh: can the command make user namespaces, and what do
# vmm-example and its device hosts say and hold, run by root or by nobody with them switched off.
# usage: nested_userns_l1.sh root|nonroot VMM-EXAMPLE TESTDEV.BIN KERNEL INITRD
# Prints "L1: ..." lines (read by nested_userns_test.sh) and each run's output, prefixed.
set -u
mode=$1 vmm=$2 testdev=$3 kernel=$4 initrd=$5
tmp=$(mktemp -d)
as=()
if [ "$mode" = nonroot ]; then
  # Unprivileged user namespaces off, the way this kernel allows.
  if [ -e /proc/sys/kernel/unprivileged_userns_clone ]; then
    echo 0 >/proc/sys/kernel/unprivileged_userns_clone &&
      echo "L1: set kernel.unprivileged_userns_clone=0"
  else
    echo 0 >/proc/sys/user/max_user_namespaces && echo "L1: set user.max_user_namespaces=0"
  fi
  chmod 0666 /dev/kvm # L1's own devtmpfs: lets nobody run the VMM
  as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi

unshare -U true
echo "L1: unshare -U by root: rc=$?"
setpriv --reuid=65534 --regid=65534 --clear-groups unshare -U true
echo "L1: unshare -U by nobody: rc=$?"
echo "L1: VMM runs as uid $("${as[@]}" id -u)"

# What follows runs while the guest sleeps: shell builtins only where it can (a program
# started in L1 costs tens of milliseconds under QEMU TCG).

# field FILE NAME: the value of "NAME:" in a /proc status file.
field() {
  local k v
  while read -r k v; do
    [ "$k" = "$2:" ] && { echo "${v%%[[:space:]]*}"; return; }
  done <"$1" 2>/dev/null
}

# devhosts PID: the vdm-devhost children of PID.
devhosts() {
  local f c comm
  for f in /proc/"$1"/task/*/children; do
    read -r -a kids <"$f" 2>/dev/null || true
    for c in ${kids[@]+"${kids[@]}"}; do
      read -r comm <"/proc/$c/comm" 2>/dev/null && [ "$comm" = vdm-devhost ] && echo "$c"
    done
  done
}

# locked PID: 0 when every thread of PID runs under a seccomp filter.
locked() {
  local t
  for t in /proc/"$1"/task/*; do
    [ "$(field "$t/status" Seccomp)" = 2 ] || return 1
  done
}

# nslinks PID: "user:[N] mnt:[N] ..." for PID's namespaces (one program: ls).
nslinks() {
  ls -l /proc/"$1"/ns/ 2>/dev/null | sed -n 's/.* \([a-z]*\) -> \(.*\)$/\1=\2/p' | tr '\n' ' '
}

# Run 1: the default Linux guest with a testdev, as scripts/run.sh boots it (it lists its PCI
# devices and powers off); every device host (root ports, GED, testdev, spares) is looked at
# from /proc once the guest has listed them (it then sleeps 30 s) and all are locked down.
"${as[@]}" "$vmm" --kernel "$kernel" --initrd "$initrd" --memory-backend anon --device testdev,id=t0,membar=4M \
  --append "console=ttyS0 quiet vdm.cmd=\"sleep 30\" vdm.poweroff=1" --timeout 300 >"$tmp/linux.out" 2>"$tmp/linux.err" &
vmm_pid=$!
ready=0
for _ in $(seq 3000); do
  dhs=$(devhosts "$vmm_pid")
  all=1
  for d in $dhs; do locked "$d" || all=0; done
  if [[ $(<"$tmp/linux.out") == *VDM-GUEST-READY* ]] && [ -n "$dhs" ] && [ "$all" = 1 ]; then
    ready=1
    break
  fi
  kill -0 "$vmm_pid" 2>/dev/null || break
  sleep 0.1
done
echo "L1: linux run: ready=$ready device hosts: $(echo $dhs | wc -w)"
vmm_ns=" $(nslinks "$vmm_pid")"
for d in $dhs; do
  st=/proc/$d/status
  line="L1: devhost $d uid=$(field $st Uid) nnp=$(field $st NoNewPrivs) seccomp=$(field $st Seccomp)"
  locked "$d" && line+=" every_thread_filtered=yes" || line+=" every_thread_filtered=no"
  ns=" $(nslinks "$d")"
  for n in user mnt net ipc uts pid; do
    mine=${ns#* $n=}; mine=${mine%% *}
    if [[ $ns != *" $n="* ]]; then line+=" $n=unreadable"
    elif [[ $vmm_ns == *" $n=$mine "* ]]; then line+=" $n=vmm's"
    else line+=" $n=own"
    fi
  done
  echo "$line"
done
kill -0 "$vmm_pid" 2>/dev/null && echo "L1: the VMM still ran once its device hosts were read" ||
  echo "L1: the VMM ended while its device hosts were read (too slow: the guest sleeps 30 s)"
wait "$vmm_pid"
echo "L1: linux run exit status: $?"
sed 's/^/L1: linux stdout: /' "$tmp/linux.out"
sed 's/^/L1: linux stderr: /' "$tmp/linux.err"

# Run 2: the testdev payload drives the sandboxed testdev to the end.
"${as[@]}" "$vmm" --payload "$testdev" --device testdev,id=t0,membar=4M --timeout 120 \
  >"$tmp/td.out" 2>"$tmp/td.err"
echo "L1: testdev run exit status: $?"
sed 's/^/L1: testdev stdout: /' "$tmp/td.out"
sed 's/^/L1: testdev stderr: /' "$tmp/td.err"
rm -rf "$tmp"
