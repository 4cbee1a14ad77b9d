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
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${VDM_CACHE_DIR:-$top/.cache}
quiet=0
case ${1:-} in
  "") ;;
  -q|--quiet) quiet=1 ;;
  -h|--help) sed -n '2,11s/^# \{0,1\}//p' "$0"; exit 0 ;;
  *) echo "fetch-arm64-qemu: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac
say() { [ "$quiet" = 1 ] || echo "fetch-arm64-qemu: $*" >&2; }
die() { echo "fetch-arm64-qemu: $*" >&2; exit 1; }
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

if [ ! -x "$bin" ]; then
  mkdir -p "$cache/qemu-arm64"
  exec 9>"$cache/qemu-arm64/.lock"
  flock 9
  if [ ! -x "$bin" ]; then
    say "downloading qemu-system-arm:arm64 $version"
    tmp=$(mktemp -d "$cache/qemu-arm64/.dl.XXXXXX")
    (cd "$tmp" && apt-get download -qq "qemu-system-arm:arm64=$version" 2>&1 |
       grep -v 'unsandboxed as root' >&2 || true)
    deb=$(ls "$tmp"/*.deb 2>/dev/null | head -n1 || true)
    [ -n "$deb" ] || { rm -rf "$tmp"; die "apt-get download qemu-system-arm:arm64=$version failed"; }
    dpkg -x "$deb" "$tmp/x"
    [ -x "$tmp/x/usr/bin/qemu-system-aarch64" ] || { rm -rf "$tmp"; die "$deb holds no qemu-system-aarch64"; }
    rm -rf "$dest"
    mv "$tmp/x" "$dest"
    rm -rf "$tmp"
  fi
fi
echo "$bin"
