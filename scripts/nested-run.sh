#!/usr/bin/env bash
# Runs a command where a real /dev/kvm exists: directly on a host with VMX/SVM, otherwise as root
# inside a level-1 Linux guest booted in QEMU TCG (emulated AMD SVM, kvm_amd).  See usage().
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/nested-run.sh [options] -- COMMAND [ARG...]
       scripts/nested-run.sh [options] --script FILE [-- ARG...]

Runs COMMAND with a /dev/kvm that boots stock guests.  If this host's /dev/kvm can (VMX or SVM,
/dev/kvm usable, not a PVM-only host) COMMAND runs directly.  Otherwise a level-1 (L1) Debian
kernel boots in QEMU TCG with an emulated AMD CPU, loads kvm_amd, and runs COMMAND as root
with this host's root filesystem as its / (shared read-only over 9p, so every path, binary and
library is the same; moved over the root of a mount namespace of COMMAND's own, not a chroot,
so COMMAND may make user namespaces), from the same working directory, with stdin /dev/null
(see --stdin).  Its
stdout and stderr arrive on this script's stdout as it runs; the exit status is COMMAND's.
One L1 boot costs about 10 s: to run several commands, pass a script (sh -c '...' or --script).

options:
  --share DIR        make DIR writable inside L1 at the same path (repeatable; created if
                     missing).  Everything else of the host is read-only; /tmp, /run, /var/tmp
                     and /dev/shm are empty tmpfs in L1, except what is shared: DIRs, the
                     checkout, and the folder right below them (/tmp/x) of every path the
                     command names there: in its arguments (also --opt=PATH, NAME=PATH), in
                     a VDM_* variable (VDM_BUILD_DIR: a build folder) or --env, the guest
                     cache, the working folder.  Each is said on stderr ("vdm: sharing").
  --script FILE      run FILE (copied into L1, need not be on a shared path) with ARGs
  --timeout S        COMMAND's time limit once it has started (default 600)
  --boot-timeout S   L1 must start COMMAND within S seconds (default 120); an L1 that hangs
                     before that is restarted once
  --no-stall-retry   L1's own CPUs can stall under QEMU TCG (its console then reports
                     "soft lockup ... [swapper/N]", the idle task, or its 5-second heartbeat
                     stops for 2 minutes, VDM_NESTED_HEARTBEAT_S: L1 is broken, not COMMAND).
                     Such a run is stopped at once and, unless this option or --stdin is
                     given, started again from scratch, COMMAND included, up to twice:
                     without --no-stall-retry, COMMAND must be safe to run again (the test
                     batches skip the cases that finished).
  --no-fault-retry   An L2 guest can triple-fault under this nested layer whatever its VMM
                     (QEMU TCG's emulated SVM with L1's KVM; tests/bench/fault_hunt.py makes it
                     happen at will).  L1's init counts the L2 triple faults its KVM saw; when
                     there was one and COMMAND failed, it is said, and unless this option or
                     --stdin is given, L1 and COMMAND start again (up to twice in all with the
                     stall retries).  Programs that count faults themselves pass this option.
  --mem MB           L1 memory (default 2048)      --cpus N   L1 vCPUs (default 2)
  --series 6.1|6.12  L1 kernel series (default 6.1; see scripts/fetch-guest-kernel.sh)
  --arch x86_64|arm64  the KVM COMMAND needs (default x86_64).  arm64: directly on an arm64
                     host with /dev/kvm, otherwise an arm64 L1 (QEMU virt with EL2, Debian's
                     arm64 kernel, KVM in VHE mode; scripts/nested/arm64.sh) where COMMAND runs
                     under an arm64 busybox sh and must itself be an arm64 program (installed
                     arm64 libraries are found in the host's root); see
                     scripts/guest/l1-init-arm64.  Needs scripts/install-deps.sh --arm64.
  --env NAME[=VAL]   pass a variable into L1 (repeatable).  Always passed: PATH HOME USER LANG
                     LC_ALL TZ TERM, every VDM_* and *SAN_OPTIONS.  VDM_NESTED=1 is set inside
                     L1, VDM_NESTED=0 in a direct run.
  --nested | --direct  force one way (also VDM_NESTED_FORCE=1)
  (environment)      VDM_NESTED_QEMU: the L0 QEMU binary (default qemu-system-x86_64);
                     VDM_NESTED_QEMU_ARGS: more L0 QEMU arguments (e.g. -d cpu_reset -D FILE).
  --stdin            nested: this script's stdin reaches COMMAND, whose stdin, stdout and
                     stderr are then L1's serial port ttyS0, a terminal (its controlling tty;
                     L1's own console moves to ttyS1).  Bytes pass unchanged both ways (output
                     lines end in CR LF); COMMAND sees no end of file, and what arrives before
                     it starts (L1 boots for ~10 s) may be lost.  On by default when stdin
                     and stdout are both terminals, which is how a person uses vmm-example
                     through this script: keys reach the guest's console, Ctrl-C included
                     (vmm-example's Ctrl-A x quits it); Ctrl-] x stops L1's QEMU at once,
                     Ctrl-] Ctrl-] sends a Ctrl-].  Direct runs always pass stdin through.
  --log FILE         keep L1's whole console log in FILE
  --verbose          show L1's kernel and init messages too
  --quiet            omit the timing summary line at the end

The first line (stderr) says which way it runs:
  vdm: running directly on host KVM (svm)
  vdm: no usable /dev/kvm on this host (REASON); running nested in QEMU TCG (L1 with kvm_amd)
  vdm: running directly on host KVM (arm64)                                  (--arch arm64)
  vdm: no usable arm64 /dev/kvm on this host (REASON); running nested in QEMU TCG (arm64 L1 ...)
Exit status: COMMAND's, or
  123  hang of the harness: L1 hung twice before COMMAND started, or its CPUs stalled (three
       times, or once with --no-stall-retry) (a QEMU TCG hang; say "hang", not "test failed")
  124  hang of COMMAND: it ran past --timeout and was killed
  125  the harness failed: QEMU or L1's init failed, or L1 died while COMMAND ran
EOF
}

t_script=${EPOCHREALTIME/./}
exec 3<&0 # the caller's stdin, for --stdin (a background job would get /dev/null)
top=$(cd "$(dirname "$0")/.." && pwd)
shares=()
script=""
timeout_s=600
boot_timeout_s=120
mem=2048
cpus=2
[ "$(nproc)" -lt 2 ] && cpus=1
series=${VDM_KERNEL_SERIES:-6.1}
arch=x86_64
l1_what="L1 with kvm_amd" # the arm64 file (scripts/nested/arm64.sh) replaces these four
qemu_bin=qemu-system-x86_64
arch_opt=()
kvm_kind=""
envs=()
force=""
[ "${VDM_NESTED_FORCE:-0}" = 1 ] && force=nested
logfile=""
verbose=0
quiet=0
fwd_stdin=""
stall_retry=1
fault_retry=1
heartbeat_s=${VDM_NESTED_HEARTBEAT_S:-120} # silence that means a wedged L1 (tests shorten it)
case "$heartbeat_s" in ''|*[!0-9]*) heartbeat_s=120 ;; esac

die() { echo "vdm: nested-run: $*" >&2; exit 125; }
need_num() { [[ $2 =~ ^[0-9]+$ ]] && [ "$2" -gt 0 ] || die "$1 $2: needs a positive whole number"; }

while [ $# -gt 0 ]; do
  case $1 in
    --share) d=${2:?--share needs a folder}; shares+=("$d"); shift 2 ;;
    --script) script=${2:?--script needs a file}; shift 2 ;;
    --timeout) need_num "$1" "${2:-}"; timeout_s=$2; shift 2 ;;
    --boot-timeout) need_num "$1" "${2:-}"; boot_timeout_s=$2; shift 2 ;;
    --mem) need_num "$1" "${2:-}"; mem=$2; shift 2 ;;
    --cpus) need_num "$1" "${2:-}"; cpus=$2; shift 2 ;;
    --series) series=${2:?--series needs 6.1 or 6.12}; shift 2 ;;
    --arch) arch=${2:?--arch needs x86_64 or arm64}; shift 2 ;;
    --env) e=${2:?--env needs NAME or NAME=VALUE}
           [[ ${e%%=*} =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "--env $e: '${e%%=*}' is not a variable name"
           envs+=("$e"); shift 2 ;;
    --nested) force=nested; shift ;;
    --stdin) fwd_stdin=1; shift ;;
    --no-stall-retry) stall_retry=0; shift ;;
    --no-fault-retry) fault_retry=0; shift ;;
    --direct) force=direct; shift ;;
    --log) logfile=${2:?--log needs a file}; shift 2 ;;
    --verbose|-v) verbose=1; shift ;;
    --quiet|-q) quiet=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    *) echo "vdm: nested-run: unknown option '$1' (see --help; put the command after --)" >&2
       exit 125 ;;
  esac
done
if [ -z "$fwd_stdin" ]; then
  fwd_stdin=0
  [ -t 0 ] && [ -t 1 ] && fwd_stdin=1
fi
if [ -n "$script" ]; then
  [ -f "$script" ] || die "--script $script: no such file"
elif [ $# -eq 0 ]; then
  die "no command: scripts/nested-run.sh [options] -- COMMAND [ARG...] (see --help)"
fi

# check_host_kvm: sets way to the virtualisation flag (vmx/svm) when this host's /dev/kvm runs
# stock guests; otherwise leaves it empty and says why in no_kvm_reason.
way=""
no_kvm_reason=""
check_host_kvm() {
  local flag reasons=()
  flag=$(grep -o -w -m1 -E 'vmx|svm' /proc/cpuinfo | head -n1 || true)
  [ -n "$flag" ] || reasons+=("CPU has no vmx/svm")
  if [ ! -e /dev/kvm ]; then reasons+=("no /dev/kvm")
  elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
    reasons+=("/dev/kvm not readable and writable by $(id -un)")
  fi
  if [ -d /sys/module/kvm_pvm ] && [ ! -d /sys/module/kvm_intel ] && [ ! -d /sys/module/kvm_amd ]; then
    reasons+=("kvm_pvm loaded: a PVM host runs only PVM-enabled guest kernels")
  elif [ -e /dev/kvm ] && [ ! -d /sys/module/kvm_intel ] && [ ! -d /sys/module/kvm_amd ]; then
    reasons+=("neither kvm_intel nor kvm_amd is loaded")
  fi
  if [ ${#reasons[@]} -gt 0 ]; then
    no_kvm_reason=${reasons[0]}
    local r
    for r in "${reasons[@]:1}"; do no_kvm_reason+="; $r"; done
    return 0
  fi
  way=$flag
}

case $arch in
  x86_64|amd64) arch=x86_64 ;;
  arm64|aarch64) arch=arm64 kvm_kind="arm64 "; . "$top/scripts/nested/arm64.sh" ;;
  *) die "--arch $arch: unknown architecture; use x86_64 or arm64" ;;
esac
[ "$force" = nested ] || check_host_kvm
if [ "$force" = direct ] && [ -z "$way" ]; then
  way="forced by --direct; this host's /dev/kvm cannot run stock guests: $no_kvm_reason"
fi

if [ -n "$way" ]; then
  echo "vdm: running directly on host KVM ($way)" >&2
  export VDM_NESTED=0
  if [ -n "$script" ]; then
    if [ -x "$script" ]; then set -- "$script" "$@"; else set -- sh "$script" "$@"; fi
  fi
  for e in ${envs[@]+"${envs[@]}"}; do
    case $e in *=*) export "${e?}" ;; esac
  done
  rc=0
  timeout --foreground "$timeout_s" "$@" || rc=$?
  if [ "$rc" = 124 ]; then
    echo "vdm: HANG: the command did not finish within $timeout_s s (killed)" >&2
  fi
  exit "$rc"
fi

if [ "$force" = nested ]; then
  echo "vdm: nested run forced; running nested in QEMU TCG ($l1_what)" >&2
else
  echo "vdm: no usable $kvm_kind/dev/kvm on this host ($no_kvm_reason); running nested in QEMU TCG ($l1_what)" >&2
fi

# /tmp, /run, /var/tmp and /dev/shm are fresh tmpfs inside L1: host paths under them are not
# visible there unless a share covers them.
tmpfs_roots=(/tmp /run /var/tmp /dev/shm)
hidden_in_l1() {
  local p=$1 d
  case $p in /tmp|/tmp/*|/run|/run/*|/var/tmp|/var/tmp/*|/dev/shm|/dev/shm/*) ;; *) return 1 ;; esac
  for d in ${shares[@]+"${shares[@]}"}; do
    d=$(cd "$d" 2>/dev/null && pwd -P) || continue
    case $p in "$d"|"$d"/*) return 1 ;; esac
  done
  return 0
}
# A checkout under one of those (CI clones anywhere, /tmp included) is shared at its own path,
# so the project's build tree stays visible in L1 without every caller passing --share.
top_real=$(cd "$top" && pwd -P)
if hidden_in_l1 "$top_real"; then
  echo "vdm: the checkout $top_real lies under a folder that is an empty tmpfs inside L1; sharing it" >&2
  shares=("$top_real" ${shares[@]+"${shares[@]}"})
fi
# So is whatever else the command names there: a path in its arguments (also as --opt=PATH
# or NAME=PATH), in a VDM_* variable or an --env value (VDM_BUILD_DIR: the build folder, which
# ctest gives every e2e test), the guest cache (VDM_CACHE_DIR, else the checkout's .cache,
# symlinks followed) and the working folder.  What is shared is the folder right below the
# tmpfs (/tmp/x for /tmp/x/build/vmm-example/vmm-example), so a program finds its siblings
# (vmm-example its vdm-devhost) and the files a test writes next to its inputs.
share_needed() { # PATH WHAT
  local p=$1 r rest dir=""
  [[ $p == /* ]] || return 0
  p=$(realpath -m -- "$p" 2>/dev/null) || return 0
  hidden_in_l1 "$p" || return 0
  for r in "${tmpfs_roots[@]}"; do
    case $p in "$r"/*/*) rest=${p#"$r"/}; dir=$r/${rest%%/*}; break ;;
               "$r"/*) [ -d "$p" ] && dir=$p; break ;;
    esac
  done
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    [ -e "$p" ] && echo "vdm: warning: $2 $p lies directly in a folder that is an empty tmpfs inside L1; use --script or --share" >&2
    return 0
  fi
  echo "vdm: sharing $dir with L1 ($2 $p lies there)" >&2
  shares+=("$dir")
}
for a in "$@"; do
  share_needed "$a" "the argument"
  [[ $a == *=/* ]] && share_needed "${a#*=}" "the argument"
done
while IFS='=' read -r name val; do
  share_needed "$val" "\$$name ="
done < <(env | grep -E '^VDM_[A-Za-z0-9_]*=/' || true)
for e in ${envs[@]+"${envs[@]}"}; do
  [[ $e == *=/* ]] && share_needed "${e#*=}" "--env ${e%%=*} ="
done
share_needed "${VDM_CACHE_DIR:-$top/.cache}" "the guest cache"
share_needed "$PWD" "the working folder"
if hidden_in_l1 "$PWD"; then
  echo "vdm: warning: the working folder $PWD lies under a folder that is an empty tmpfs inside L1; use --share" >&2
fi

# ---- nested: build the per-run archive -------------------------------------------------------
l0_qemu=${VDM_NESTED_QEMU:-$qemu_bin}
command -v "$l0_qemu" >/dev/null ||
  die "$l0_qemu missing: run scripts/install-deps.sh${arch_opt[1]:+ --$arch}"
kenv=$(VDM_KERNEL_SERIES=$series "$top/scripts/fetch-guest-kernel.sh" --quiet "${arch_opt[@]}") ||
  die "could not fetch the L1 kernel (scripts/fetch-guest-kernel.sh --series $series ${arch_opt[*]})"
VDM_KERNEL=""
VDM_VMLINUX=""
eval "$kenv"
# The uncompressed ELF boots through QEMU's PVH entry: no in-guest decompression (about 10 s of
# a 20 s boot under TCG on a busy host, 2 s on an idle one).
l1_kernel=${VDM_VMLINUX:-$VDM_KERNEL}
l1_initrd=$(VDM_KERNEL_SERIES=$series "$top/scripts/build-initramfs.sh" l1 "${arch_opt[@]}") ||
  die "could not build the L1 initramfs (scripts/build-initramfs.sh l1 ${arch_opt[*]})"

rundir=$(mktemp -d "${TMPDIR:-/tmp}/vdm-nested.XXXXXX")
qpid=""
apid=""
saved_tty=""
# QEMU sets a terminal on stdin raw and restores it when it exits; this covers a QEMU that
# could not.
[ "$fwd_stdin" = 1 ] && [ -t 0 ] && saved_tty=$(stty -g 2>/dev/null || true)
cleanup() {
  [ -n "$qpid" ] && kill "$qpid" 2>/dev/null
  [ -n "$apid" ] && kill "$apid" 2>/dev/null
  if [ -n "$saved_tty" ]; then
    [ -z "$qpid" ] || wait "$qpid" 2>/dev/null || true
    stty "$saved_tty" 2>/dev/null || true
  fi
  rm -rf "$rundir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

mkdir -p "$rundir/a/vdm"
nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
echo "$nonce" >"$rundir/a/vdm/nonce"
[ "$fwd_stdin" = 1 ] && : >"$rundir/a/vdm/stdin"  # l1-init: COMMAND's terminal is ttyS0
: >"$rundir/a/vdm/shares"
fsdev_args=()
share_dirs=()
for d in ${shares[@]+"${shares[@]}"}; do
  case $d in *$'\n'*) die "--share: folder names with a newline are not supported" ;; esac
  mkdir -p "$d" || die "--share $d: cannot create it"
  d=$(cd "$d" && pwd -P)
  [ "$d" != / ] || die "--share /: the root is shared read-only already; share a folder"
  share_dirs+=("$d")
done
# One 9p share per folder that no other share contains (the outer one shows it already).
i=0
done_dirs=()
for d in ${share_dirs[@]+"${share_dirs[@]}"}; do
  skip=0
  for o in "${share_dirs[@]}"; do
    case $d in "$o"/*) skip=1 ;; esac
  done
  for o in ${done_dirs[@]+"${done_dirs[@]}"}; do
    [ "$d" = "$o" ] && skip=1
  done
  [ "$skip" = 1 ] && continue
  done_dirs+=("$d")
  echo "vdmshare$i $d" >>"$rundir/a/vdm/shares"
  fsdev_args+=(-fsdev "local,id=share$i,path=$d,security_model=none,multidevs=remap"
               -device "virtio-9p-pci,fsdev=share$i,mount_tag=vdmshare$i")
  i=$((i + 1))
done

{
  echo "# Generated by scripts/nested-run.sh: COMMAND's environment, folder and arguments."
  for v in PATH HOME USER LANG LC_ALL TZ TERM; do
    [ -n "${!v+x}" ] && echo "export $v=$(quote "${!v}")"
  done
  while IFS='=' read -r name _; do
    case $name in VDM_*|*SAN_OPTIONS) echo "export $name=$(quote "${!name}")" ;; esac
  done < <(env | grep -E '^(VDM_[A-Za-z0-9_]*|[A-Z]*SAN_OPTIONS)=' || true)
  for e in ${envs[@]+"${envs[@]}"}; do
    case $e in
      *=*) echo "export ${e%%=*}=$(quote "${e#*=}")" ;;
      *) [ -n "${!e+x}" ] && echo "export $e=$(quote "${!e}")" ;;
    esac
  done
  echo "export VDM_NESTED=1"
  echo "cd $(quote "$PWD") 2>/dev/null ||"
  echo "  { echo $(quote "vdm: $PWD is not visible in L1; running in /") >&2; cd /; }"
  printf 'exec'
  if [ -n "$script" ]; then
    cp "$script" "$rundir/a/vdm/script"
    chmod 755 "$rundir/a/vdm/script"
    printf ' /run/vdm/script'
  fi
  for a in "$@"; do printf ' %s' "$(quote "$a")"; done
  echo
} >"$rundir/a/vdm/cmd"
(cd "$rundir/a" && find . -mindepth 1 | cpio -o -H newc -R 0:0 --quiet) >"$rundir/run.cpio"
cat "$l1_initrd" "$rundir/run.cpio" >"$rundir/initrd"

loglevel="quiet loglevel=3"
[ "$verbose" = 1 ] && loglevel="loglevel=7"
# Without --stdin L1's console (ttyS0) carries everything and the filter below reads it from
# QEMU's stdout.  With --stdin, ttyS0 is COMMAND's terminal on this script's stdin/stdout
# (a mux, so Ctrl-] x can stop QEMU) and L1's console, the markers included, is ttyS1.
if [ "$fwd_stdin" = 1 ]; then
  kconsole=ttyS1
  serial_args=(-chardev stdio,id=cmdtty,mux=on,signal=off -echr 29 -serial chardev:cmdtty
               -serial "file:$rundir/con")
else
  kconsole=ttyS0
  serial_args=(-serial stdio -serial null)
fi
# ttyS2: L1's heartbeat, one byte every 5 s while COMMAND runs (its own port: never mixed
# into the command's output).  Silence for minutes means QEMU TCG stopped running L1.
serial_args+=(-serial "file:$rundir/alive")
qemu_args=("$l0_qemu" -nodefaults -no-user-config -display none -M pc
           -accel tcg,thread=multi -cpu max -smp "$cpus" -m "$mem" -no-reboot
           -kernel "$l1_kernel" -initrd "$rundir/initrd"
           -append "console=$kconsole $loglevel panic=-1"
           "${serial_args[@]}"
           -fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap
           -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
           ${fsdev_args[@]+"${fsdev_args[@]}"})
[ "$arch" = x86_64 ] || arch_qemu_args
# $VDM_NESTED_QEMU_ARGS: more L0 QEMU arguments, for debugging the nested layer itself
# (for example "-d cpu_reset,guest_errors -D FILE" logs L1's CPU state when it resets).
# shellcheck disable=SC2206
[ -n "${VDM_NESTED_QEMU_ARGS:-}" ] && qemu_args+=($VDM_NESTED_QEMU_ARGS)

# The console filter: strips CRs, keeps the whole log, hides L1's own chatter outside COMMAND
# (unless --verbose), and turns the nonce-tagged markers into files the loop below watches.
filter='
BEGIN { printf "" > logf; fflush(logf) }
{
  sub(/\r$/, "")
  print > logf
  fflush(logf)
  line = $0
  if (index(line, start_m)) { printf "" > startf; close(startf); started = 1; next }
  if ((i = index(line, exit_m))) {
    if (i > 1) print substr(line, 1, i - 1)
    print substr(line, i + length(exit_m)) + 0 > exitf
    close(exitf)
    done = 1
    fflush()
    next
  }
  if ((i = index(line, err_m))) { print substr(line, i + length(err_m)) > errf; close(errf); next }
  if ((i = index(line, l2f_m))) { print substr(line, i + length(l2f_m)) + 0 > l2ff; close(l2ff); next }
  if ((started && !done) || verbose) { print; fflush() }
}'

# mawk (Debian's awk) reads a pipe in blocks unless told it is interactive.
awk_cmd=(awk)
command -v mawk >/dev/null && awk_cmd=(mawk -W interactive)

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
fmt_s() { printf '%d.%d' $(($1 / 1000)) $((($1 % 1000) / 100)); }
show_tail() {
  if [ -s "$rundir/console.log" ]; then
    echo "vdm: last lines of L1's console:" >&2
    tail -n 25 "$rundir/console.log" | sed 's/^/  | /' >&2 || true
  else
    echo "vdm: L1 printed nothing on its console" >&2
  fi
  local said
  said=$(grep -v 'terminating on signal' "$rundir/qemu.err" 2>/dev/null || true)
  if [ -n "$said" ]; then
    echo "vdm: QEMU said:" >&2
    printf '%s\n' "$said" | sed 's/^/  | /' >&2
  fi
}

t_begin=$((t_script / 1000))
hwm_kb=0
for attempt in 1 2 3; do
  rm -f "$rundir"/{con,started,exit,error,alive,console.log,qemu.err,l2faults}
  mkfifo "$rundir/con"
  "${awk_cmd[@]}" -v logf="$rundir/console.log" -v startf="$rundir/started" -v exitf="$rundir/exit" \
      -v errf="$rundir/error" -v verbose="$verbose" -v start_m="VDM-L1-START-$nonce" \
      -v exit_m="VDM-L1-EXIT-$nonce: " -v err_m="VDM-L1-ERROR-$nonce: " \
      -v l2f_m="VDM-L1-L2FAULTS-$nonce: " -v l2ff="$rundir/l2faults" "$filter" \
      <"$rundir/con" &
  apid=$!
  if [ "$fwd_stdin" = 1 ]; then
    "${qemu_args[@]}" <&3 2>"$rundir/qemu.err" &
  else
    "${qemu_args[@]}" </dev/null >"$rundir/con" 2>"$rundir/qemu.err" &
  fi
  qpid=$!
  t0=$(now_ms)
  t_start=0
  t_exit=0
  t_stall_check=$t0
  t_alive=$t0
  beats=""
  hang="" stall_why=""
  while kill -0 "$qpid" 2>/dev/null; do
    if [ -r "/proc/$qpid/status" ]; then
      while read -r k v _; do
        [ "$k" = VmHWM: ] && [ "$v" -gt "$hwm_kb" ] && hwm_kb=$v
      done <"/proc/$qpid/status" 2>/dev/null || true
    fi
    t=$(now_ms)
    if [ "$t_start" = 0 ] && [ -e "$rundir/started" ]; then t_start=$t; t_alive=$t; fi
    if [ "$t_exit" = 0 ] && [ -e "$rundir/exit" ]; then t_exit=$t; fi
    # L1's idle task stuck for 20+ s on a CPU: QEMU TCG stopped running L1 properly.
    # ... or L1's heartbeat (every 5 s while COMMAND runs) silent for 2 minutes.
    if [ $((t - t_stall_check)) -gt 5000 ]; then
      t_stall_check=$t
      b=$(stat -c %s "$rundir/alive" 2>/dev/null || true)
      if [ "$b" != "$beats" ]; then beats=$b; t_alive=$t; fi
      if [ "$t_start" != 0 ] && [ ! -e "$rundir/exit" ] && [ $((t - t_alive)) -gt $((heartbeat_s * 1000)) ]; then
        echo "vdm: L1's heartbeat has been silent for $(( (t - t_alive) / 1000 )) s" >&2
        hang=stall
        stall_why="its heartbeat silent for $(( (t - t_alive) / 1000 )) s"
      fi
      if grep -q 'soft lockup - CPU#[0-9]* stuck for [0-9]*s! \[swapper/' \
          "$rundir/console.log" 2>/dev/null; then
        hang=stall
        stall_why="soft lockup of its idle task"
      fi
    fi
    if [ -n "$hang" ]; then
      :
    elif [ "$t_start" = 0 ] && [ $((t - t0)) -gt $((boot_timeout_s * 1000)) ]; then
      hang=boot
    elif [ "$t_start" != 0 ] && [ ! -e "$rundir/exit" ] &&
         [ $((t - t_start)) -gt $((timeout_s * 1000)) ]; then
      hang=command
    fi
    # After the exit marker L1 only syncs and powers off: do not wait long for that.
    if [ "$t_exit" != 0 ] && [ $((t - t_exit)) -gt 30000 ]; then
      echo "vdm: L1 did not power off within 30 s after the command ended; stopping QEMU" >&2
      kill "$qpid" 2>/dev/null || true
      break
    fi
    if [ -n "$hang" ]; then
      kill "$qpid" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
  qrc=0
  wait "$qpid" 2>/dev/null || qrc=$?
  qpid=""
  wait "$apid" 2>/dev/null || true
  apid=""
  t_end=$(now_ms)
  [ -n "$logfile" ] && cp "$rundir/console.log" "$logfile"
  if [ "$t_start" = 0 ] && [ -e "$rundir/started" ]; then t_start=$t_end; fi
  if [ "$t_exit" = 0 ]; then t_exit=$t_end; fi

  if [ -e "$rundir/exit" ]; then
    rc=$(cat "$rundir/exit")
    l2f=$(cat "$rundir/l2faults" 2>/dev/null || echo 0)
    if [ "$l2f" -gt 0 ]; then
      echo "vdm: an L2 guest triple-faulted $l2f time(s) during the command (L1's KVM saw" \
           "SVM_EXIT_SHUTDOWN): the nested layer's known fault (QEMU TCG's emulated SVM; guests" \
           "of QEMU/KVM in L1 fault the same way: tests/bench/fault_hunt.py)" >&2
      if [ "$rc" != 0 ] && [ "$attempt" -lt 3 ] && [ "$fault_retry" = 1 ] &&
         [ "$fwd_stdin" != 1 ]; then
        echo "vdm: the command failed (exit $rc) after it: starting L1 and the command again" >&2
        continue
      fi
    fi
    if [ "$quiet" = 0 ]; then
      echo "vdm: nested run: L1 started the command after $(fmt_s $((t_start - t0))) s;" \
           "command took $(fmt_s $((t_exit - t_start))) s; total $(fmt_s $((t_end - t_begin))) s;" \
           "QEMU peak RSS $((hwm_kb / 1024)) MiB; exit status $rc" >&2
    fi
    exit "$rc"
  fi
  if [ "$hang" = boot ]; then
    if [ "$attempt" = 1 ]; then
      echo "vdm: L1 hung before the command started (nothing within $boot_timeout_s s); retrying once" >&2
      [ "$verbose" = 1 ] && show_tail
      continue
    fi
    show_tail
    echo "vdm: HANG: L1 hung twice before the command started (known rare QEMU TCG hang; not a test failure of the command)" >&2
    exit 123
  fi
  if [ "$hang" = stall ]; then
    if [ "$attempt" -lt 3 ] && [ "$stall_retry" = 1 ] && [ "$fwd_stdin" != 1 ]; then
      echo "vdm: L1's CPUs stalled ($stall_why: a QEMU TCG hang, not the" \
           "command's fault) after $(fmt_s $((t_end - t0))) s; starting L1 and the command again" >&2
      grep -m2 'soft lockup' "$rundir/console.log" | sed 's/^/  | /' >&2 || true
      continue
    fi
    show_tail
    echo "vdm: HANG: L1's CPUs stalled ($stall_why; a QEMU TCG hang, not a test failure of the command)" >&2
    exit 123
  fi
  if [ "$hang" = command ]; then
    show_tail
    echo "vdm: HANG: the command did not finish within $timeout_s s inside L1 (killed)" >&2
    exit 124
  fi
  show_tail
  if [ -e "$rundir/error" ]; then
    echo "vdm: L1 harness error: $(cat "$rundir/error")" >&2
  elif [ "$t_start" != 0 ]; then
    echo "vdm: L1 stopped while the command ran, without reporting its exit status (QEMU exit" \
         "status $qrc$([ "$qrc" -gt 128 ] && echo ", signal $((qrc - 128))"); L1 kernel panic?)" >&2
  else
    echo "vdm: L1 stopped before the command started (QEMU exit or L1 boot failure)" >&2
  fi
  exit 125
done
