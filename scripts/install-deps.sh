#!/usr/bin/env bash
# Installs, on Debian 12, every package vdm needs to build and test (only those missing).
# Idempotent; needs root (or sudo) only when something is missing.
# Usage: scripts/install-deps.sh [--arm64]   (--arm64 adds the arm64 set, see arm64_pkgs below)
set -euo pipefail

pkgs=(build-essential cmake pkg-config git
      libfdt-dev liburing-dev libcmocka-dev
      acpica-tools abigail-tools device-tree-compiler busybox-static cpio xz-utils zstd kmod
      clang libclang-rt-14-dev llvm gcovr
      qemu-system-x86 qemu-utils)
# The arm64 set: the cross compiler, the arm64 builds of the libraries vdm links (multiarch,
# beside the amd64 ones; their loader and libraries also let arm64 programs run from this root
# inside the arm64 L1 of scripts/nested-run.sh --arch arm64), qemu-system-aarch64 and EDK2,
# qemu-user (qemu-aarch64 runs cross-built tests on this host: cmake/aarch64-linux-gnu.cmake).
# busybox-static:arm64 and the arm64 kernel cannot be installed beside the amd64 ones:
# scripts/build-initramfs.sh and scripts/fetch-guest-kernel.sh download and unpack them into .cache/.
# libfdt-dev is not Multi-Arch: same (libfdt-dev:arm64 would REMOVE the amd64 one and break the
# native build): the arm64 runtime libfdt1 is enough, cmake/aarch64-linux-gnu.cmake links its
# libfdt.so.1 and the (architecture-independent) headers come from the amd64 libfdt-dev.
arm64_pkgs=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross
            libfdt1:arm64 liburing-dev:arm64 libcmocka-dev:arm64
            qemu-system-arm qemu-efi-aarch64 qemu-user)
case ${1:-} in
  "") ;;
  --arm64) pkgs+=("${arm64_pkgs[@]}") ;;
  -h|--help) sed -n '2,4s/^# \{0,1\}//p' "$0"; exit 0 ;;
  *) echo "install-deps: unknown argument '$1': use --arm64 or nothing" >&2; exit 2 ;;
esac

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
update=0
if [ "${1:-}" = --arm64 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "install-deps: adding the arm64 architecture to dpkg (dpkg --add-architecture arm64)"
  $SUDO dpkg --add-architecture arm64
  update=1
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && [ "$update" = 0 ] && exit 0

[ ${#missing[@]} -eq 0 ] || echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
[ ${#missing[@]} -eq 0 ] && exit 0
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
