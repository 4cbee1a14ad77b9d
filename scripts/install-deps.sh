#!/usr/bin/env bash
# Installs, on Debian 12, every package vdm needs to build and test (only those missing).
# Idempotent; needs root (or sudo) only when something is missing.
set -euo pipefail

pkgs=(build-essential cmake pkg-config git
      libfdt-dev liburing-dev libcmocka-dev libseccomp-dev
      acpica-tools abigail-tools device-tree-compiler busybox-static cpio xz-utils zstd kmod
      clang libclang-rt-14-dev llvm gcovr
      qemu-system-x86 qemu-utils)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
