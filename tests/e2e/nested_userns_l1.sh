#!/usr/bin/env bash
# Runs inside L1 for nested_userns_test.sh: can the command make user namespaces, and what do
# vmm-example and its device hosts say and hold, run by root or by nobody with them switched off.
# usage: nested_userns_l1.sh root|nonroot VMM-EXAMPLE TESTDEV.BIN
# Prints "L1: ..." lines (read by nested_userns_test.sh) and each run's output, prefixed.
set -u
mode=$1 vmm=$2 testdev=$3
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

field() { sed -n "s/^$2:[[:space:]]*//p" "$1" 2>/dev/null | head -n1; }

# devhosts PID: the vdm-devhost children of PID.
devhosts() {
  local c
  for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    [ "$(cat /proc/"$c"/comm 2>/dev/null)" = vdm-devhost ] && echo "$c"
  done
}

# locked PID: 0 when every thread of PID runs under a seccomp filter.
locked() {
  local t
  for t in /proc/"$1"/task/*; do
    [ "$(field "$t/status" Seccomp)" = 2 ] || return 1
  done
}

# Run 1: the default Linux guest with a testdev, as scripts/run.sh boots it (it lists its PCI
# devices and powers off); every device host (root ports, GED, testdev, spares) is looked at
# from /proc once the guest has listed its devices (it then sleeps 10 s) and all of them are locked down.
"${as[@]}" "$vmm" --memory-backend anon --device testdev,id=t0,membar=4M \
  --append "console=ttyS0 quiet vdm.cmd=\"sleep 10\" vdm.poweroff=1" --timeout 300 >"$tmp/linux.out" 2>"$tmp/linux.err" &
vmm_pid=$!
ready=0
for _ in $(seq 3000); do
  dhs=$(devhosts "$vmm_pid")
  all=1
  for d in $dhs; do locked "$d" || all=0; done
  if grep -q VDM-GUEST-READY "$tmp/linux.out" && [ -n "$dhs" ] && [ "$all" = 1 ]; then
    ready=1
    break
  fi
  kill -0 "$vmm_pid" 2>/dev/null || break
  sleep 0.1
done
echo "L1: linux run: ready=$ready device hosts: $(echo $dhs | wc -w)"
for d in $dhs; do
  line="L1: devhost $d uid=$(field /proc/"$d"/status Uid | awk '{print $2}')"
  line+=" nnp=$(field /proc/"$d"/status NoNewPrivs) seccomp=$(field /proc/"$d"/status Seccomp)"
  locked "$d" && line+=" every_thread_filtered=yes" || line+=" every_thread_filtered=no"
  for ns in user mnt net ipc uts pid; do
    if [ "$(readlink /proc/"$d"/ns/$ns)" = "$(readlink /proc/"$vmm_pid"/ns/$ns)" ]; then
      line+=" $ns=vmm's"
    else
      line+=" $ns=own"
    fi
  done
  echo "$line"
done
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
