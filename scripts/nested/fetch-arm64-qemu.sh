#!/usr/bin/env bash
# Fetches Debian's arm64 qemu-system-aarch64 (apt-get download qemu-system-arm:arm64 + dpkg -x
# into .cache/qemu-arm64/) and installs the arm64 libraries it links; prints the binary's path.
#
# Inside the arm64 L1 of scripts/nested-run.sh --arch arm64 only arm64 programs run, so QEMU as
# the level-2 VMM (the reference vdm's arm64 machine is measured against) must be an arm64
# build.  qemu-system-arm:arm64 cannot be installed beside the amd64 one (same paths, not
# Multi-Arch: same), but its libraries can: they are installed with apt (multiarch, under
# /usr/lib/aarch64-linux-gnu) and found through the host's root inside L1.  Firmware and data
# (EDK2's /usr/share/qemu-efi-aarch64, /usr/share/qemu) are architecture-independent packages.
# Usage: scripts/nested/fetch-arm64-qemu.sh [--quiet]      Environment: VDM_CACHE_DIR
set -euo pipefail
# shellcheck source=scripts/nested/fetch-lib.sh
. "$(dirname "$0")/fetch-lib.sh"
fetch_init fetch-arm64-qemu "$@"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

dpkg --print-foreign-architectures | grep -qx arm64 ||
  die "dpkg does not know the arm64 architecture: run scripts/install-deps.sh --arm64"
version=$(apt-cache policy qemu-system-arm:arm64 2>/dev/null | sed -n 's/^ *Candidate: //p')
[ -n "$version" ] && [ "$version" != "(none)" ] ||
  die "apt knows no qemu-system-arm:arm64: run scripts/install-deps.sh --arm64 (apt-get update)"
dest="$cache/qemu-arm64/${version//:/%3a}"
bin="$dest/usr/bin/qemu-system-aarch64"

# The shared libraries the package depends on, as arm64 packages (apt-cache depends lists them).
libs=$(apt-cache depends "qemu-system-arm:arm64=$version" 2>/dev/null |
       sed -n 's/^  Depends: \(\(lib\|zlib\)[^ <>]*:arm64\)$/\1/p' | sort -u)
[ -n "$libs" ] || die "apt-cache depends qemu-system-arm:arm64 listed no libraries"
missing=()
for p in $libs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing the arm64 libraries qemu-system-aarch64 links: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
fi

fetch_unpack "$dest" usr/bin/qemu-system-aarch64 "qemu-system-arm:arm64=$version"
echo "$bin"
