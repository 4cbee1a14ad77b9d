#!/usr/bin/env bash
# The main job: sets up whatever is missing (packages, build, guest kernel and initramfs), then
# boots vmm-example's default Linux guest with a testdev on the best KVM here.  See usage().
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/run.sh [--arch x86_64|arm64] [--no-setup] [VMM-EXAMPLE ARG...]

Boots the default guest (a stock Debian kernel and a busybox initramfs) under vmm-example with
    --device testdev,membar=4M  ARG...
The guest prints every PCI device with the BARs and bridge windows Linux assigned (VDM-PCI
lines), then VDM-GUEST-READY, then gives a shell (prompt "vdm-guest# ").

Set-up first, each step only when needed (cheap when nothing changed):
  1. scripts/install-deps.sh               Debian packages that are missing (sudo)
  2. cmake -S . -B build; cmake --build    vmm-example and vdm-devhost (VDM_BUILD_DIR picks
                                           another folder)
  3. scripts/build-initramfs.sh default-guest
                                           the Debian kernel (apt-get download + dpkg -x into
                                           .cache/, never /boot) and the guest initramfs
Then it runs vmm-example through scripts/nested-run.sh: directly when this host's /dev/kvm runs
stock guests (VMX/SVM), otherwise nested in QEMU TCG with an emulated AMD CPU (kvm_amd inside
a level-1 Linux guest; about 10 s more).  The first line on stderr says which.

Interactive (stdin is a terminal): the console is yours.  Type at the guest's shell; Ctrl-C
goes to the guest.  Quit with 'poweroff -f' in the guest, or Ctrl-A x (vmm-example's escape).
When running nested, Ctrl-] x stops the level-1 QEMU at once if anything hangs.

Not a terminal (CI, pipes): the guest lists its devices and powers off (vdm.poweroff=1 is
added to the kernel command line, and --timeout 600); exit status 0 when all of that worked.

Arguments go to vmm-example after the testdev (see build/vmm-example/vmm-example --help), e.g.
    scripts/run.sh --device testdev,membar=1G       # a second testdev, on a root port of its own
    scripts/run.sh --append "console=ttyS0"         # the whole kernel log on the console
    scripts/run.sh --smp 2 -m 1G
  --no-setup   skip steps 1-3 (everything is built already)
  --arch A     x86_64 (default) or arm64: vmm-example cross-built for aarch64 in build-arm64/
               (VDM_BUILD_DIR), the arm64 default guest booted by ACPI with console=ttyAMA0,
               under arm64 KVM (directly on an arm64 host, else nested in an arm64 L1 in QEMU TCG)
Exit status: vmm-example's (0 = the guest powered off; see its --help), or nested-run.sh's
123/124/125 for a hung or failed nested harness.
Environment: VDM_BUILD_DIR (default <repo>/build), VDM_KERNEL_SERIES (6.1 or 6.12),
VDM_NESTED_FORCE=1 (nest even on a VMX/SVM host).
EOF
}

top=$(cd "$(dirname "$0")/.." && pwd)
build=${VDM_BUILD_DIR:-$top/build}
setup=1
arch=x86_64
while :; do
  case ${1:-} in
    -h|--help) usage; exit 0 ;;
    --no-setup) setup=0; shift ;;
    --arch) arch=${2:-}; shift; [ $# -gt 0 ] && shift ;;
    --arch=*) arch=${1#*=}; shift ;;
    *) break ;;
  esac
done
say() { echo "run.sh: $*" >&2; }
# Per architecture: the build folder, the extra set-up and how vmm-example boots the guest.
deps_arch=() cmake_arch=() guest_arch=() boot_arch=() nested_arch=() console=ttyS0
case $arch in
  x86_64|amd64) ;;
  arm64|aarch64)
    # vmm-example cross-built for aarch64 (its own build folder), booting the arm64 default
    # guest by ACPI; it runs under arm64 KVM: directly on an arm64 host, else in the arm64 L1.
    build=${VDM_BUILD_DIR:-$top/build-arm64}
    deps_arch=(--arm64)
    cmake_arch=(-DCMAKE_TOOLCHAIN_FILE="$top/cmake/aarch64-linux-gnu.cmake" -DCMAKE_BUILD_TYPE=RelWithDebInfo)
    guest_arch=(--arch arm64)
    g=${VDM_CACHE_DIR:-$top/.cache}/default-guest-arm64
    boot_arch=(--kernel "$g/vmlinuz" --initrd "$g/initrd" --boot acpi)
    nested_arch=(--arch arm64)
    console=ttyAMA0 ;;
  *) say "--arch $arch: unknown architecture; use x86_64 (the default) or arm64"; exit 2 ;;
esac

if [ "$setup" = 1 ]; then
  "$top/scripts/install-deps.sh" ${deps_arch[@]+"${deps_arch[@]}"} || { say "scripts/install-deps.sh failed"; exit 1; }
  if [ ! -f "$build/CMakeCache.txt" ]; then
    say "configuring the build in $build"
    cmake -S "$top" -B "$build" ${cmake_arch[@]+"${cmake_arch[@]}"} >/dev/null || { say "cmake configure failed"; exit 1; }
  fi
  # vmm-example and the device host it starts for each device; the tests are scripts/test.sh's.
  out=$(cmake --build "$build" --target vmm-example vdm-devhost -j"$(nproc)" 2>&1) ||
    { printf '%s\n' "$out" >&2; say "building vmm-example failed"; exit 1; }
  "$top/scripts/build-initramfs.sh" default-guest ${guest_arch[@]+"${guest_arch[@]}"} >/dev/null ||
    { say "building the default guest failed (scripts/build-initramfs.sh default-guest)"; exit 1; }
fi
vmm=$build/vmm-example/vmm-example
[ -x "$vmm" ] || { say "$vmm missing: run scripts/run.sh without --no-setup"; exit 1; }

# The kernel command line: quiet (the PCI listing is what matters; the kernel's own log is in
# the guest's dmesg), plus vdm.poweroff=1 when nobody can type.  A user's --append replaces
# the first but keeps the second.
interactive=0
[ -t 0 ] && interactive=1
extra=""
[ "$interactive" = 1 ] || extra=" vdm.poweroff=1"
pre=(${boot_arch[@]+"${boot_arch[@]}"} --device testdev,membar=4M --append "console=$console quiet$extra")
[ "$interactive" = 1 ] || pre+=(--timeout 600)
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --append|-append) args+=("$1" "${2-}$extra"); shift; [ $# -gt 0 ] && shift ;;
    --append=*|-append=*) args+=("$1$extra"); shift ;;
    *) args+=("$1"); shift ;;
  esac
done

nested=(${nested_arch[@]+"${nested_arch[@]}"})
[ "$interactive" = 1 ] && nested+=(--stdin)
# Under nested KVM, private anonymous memory (transparent huge pages) boots about a third
# faster than the default memfd; the user's own --memory-backend comes later and wins.
wrapper='if [ "${VDM_NESTED:-0}" = 1 ]; then exec "$0" --memory-backend anon "$@"; fi; exec "$0" "$@"'
exec "$top/scripts/nested-run.sh" ${nested[@]+"${nested[@]}"} -- \
  sh -c "$wrapper" "$vmm" "${pre[@]}" ${args[@]+"${args[@]}"}
