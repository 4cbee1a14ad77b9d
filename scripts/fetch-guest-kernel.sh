#!/usr/bin/env bash
# Fetches a stock Debian kernel package, amd64 or arm64 (apt-get download + dpkg -x, never into
# /boot) into .cache/ and prints where its vmlinuz and modules are.  Usage: see usage() below.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/fetch-guest-kernel.sh [--arch x86_64|arm64] [--series 6.1|6.12] [--list] [--quiet]

Downloads (once) a stock Debian kernel package and unpacks it under .cache/, then prints
shell assignments for eval:
    VDM_KVER=6.1.0-56-amd64
    VDM_KERNEL=/.../boot/vmlinuz-6.1.0-56-amd64
    VDM_MODULES=/.../lib/modules/6.1.0-56-amd64
    VDM_VMLINUX=/.../boot/vmlinux-6.1.0-56-amd64  (uncompressed ELF with a PVH entry; empty if
                                                 the bzImage's payload could not be unpacked)
    VDM_KERNEL_PKG=linux-image-6.1.0-56-amd64-unsigned
e.g.  eval "$(scripts/fetch-guest-kernel.sh)"

  --arch A     x86_64 (default) or arm64.  arm64 takes Debian's linux-image-*-arm64 package
               (needs `dpkg --add-architecture arm64`: scripts/install-deps.sh --arm64); its
               VDM_KERNEL is the arm64 Image (Debian ships it uncompressed, EFI stub header in
               front, checked here) and VDM_VMLINUX is empty
  --series S   6.1 (default; Debian 12's kernel) or 6.12 (bookworm-security's newer series)
  --list       print which package each series resolves to now, download nothing
Environment:
  VDM_KERNEL_SERIES  same as --series
  VDM_KERNEL_ARCH    same as --arch
  VDM_KERNEL_PKG     exact package to use instead (e.g. linux-image-6.1.0-50-amd64-unsigned)
  VDM_CACHE_DIR      cache folder (default: <repo>/.cache)
The newest version apt knows is used; the unpacked tree is keyed by this script's content hash.
EOF
}

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${VDM_CACHE_DIR:-$top/.cache}
series=${VDM_KERNEL_SERIES:-6.1}
arch=${VDM_KERNEL_ARCH:-x86_64}
list=0
quiet=0
while [ $# -gt 0 ]; do
  case $1 in
    --series) series=${2:?--series needs 6.1 or 6.12}; shift 2 ;;
    --series=*) series=${1#*=}; shift ;;
    --arch) arch=${2:?--arch needs x86_64 or arm64}; shift 2 ;;
    --arch=*) arch=${1#*=}; shift ;;
    --list) list=1; shift ;;
    --quiet|-q) quiet=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "fetch-guest-kernel: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

case $series in
  6.1|6.12) ;;
  *) echo "fetch-guest-kernel: --series $series: unknown series; use 6.1 or 6.12" >&2; exit 2 ;;
esac
# darch: Debian's name of the architecture; aq: the ":arm64" qualifier apt needs for a foreign one.
case $arch in
  x86_64|amd64) darch=amd64 aq="" ;;
  arm64|aarch64) darch=arm64 aq=":arm64" ;;
  *) echo "fetch-guest-kernel: --arch $arch: unknown architecture; use x86_64 or arm64" >&2; exit 2 ;;
esac

say() { [ "$quiet" = 1 ] || echo "fetch-guest-kernel: $*" >&2; }
die() { echo "fetch-guest-kernel: $*" >&2; exit 1; }

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# extract_vmlinux BZIMAGE OUT: unpacks the compressed kernel inside a bzImage (boot protocol
# header: setup_sects at 0x1f1, payload_offset/length at 0x248/0x24c; the payload ends with 4
# bytes of decompressed size).  Booting the ELF directly (QEMU's PVH entry) skips the in-guest
# decompression, which takes seconds under TCG.
extract_vmlinux() {
  local img=$1 out=$2 sects off len start magic
  sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$img" | tr -d ' ')
  off=$(od -An -tu4 -j $((0x248)) -N4 "$img" | tr -d ' ')
  len=$(od -An -tu4 -j $((0x24c)) -N4 "$img" | tr -d ' ')
  [ -n "$sects" ] && [ -n "$off" ] && [ -n "$len" ] && [ "$len" -gt 4 ] || return 1
  start=$(((sects + 1) * 512 + off))
  magic=$(od -An -tx1 -j "$start" -N4 "$img" | tr -d ' ')
  payload() { tail -c +$((start + 1)) "$img" | head -c $((len - 4)); }
  case $magic in
    fd377a58) payload | xz -dc >"$out" ;;
    28b52ffd) payload | zstd -q -dc >"$out" ;;
    1f8b*) payload | gzip -dc >"$out" ;;
    *) return 1 ;;
  esac
  [ "$(od -An -tx1 -N4 "$out" | tr -d ' ')" = 7f454c46 ]
}

# check_arm64_image IMAGE: the arm64 boot header (magic "ARMd" at 0x38) must be at the start of
# the file, i.e. an uncompressed Image (with or without the EFI stub's MZ header), not EFI zboot.
check_arm64_image() {
  local magic
  magic=$(od -An -tx1 -j $((0x38)) -N4 "$1" | tr -d ' ')
  [ "$magic" = 41524d64 ] && return 0
  if [ "$(od -An -c -j4 -N4 "$1" | tr -d ' ')" = zimg ]; then
    die "$1 is an EFI zboot image (compressed); only an uncompressed arm64 Image is supported"
  fi
  die "$1 has no arm64 Image header (magic ARMd at 0x38; found $magic)"
}

has_candidate() {
  local c
  c=$(apt-cache policy "$1$aq" 2>/dev/null | sed -n 's/^ *Candidate: //p')
  [ -n "$c" ] && [ "$c" != "(none)" ]
}

# The meta package (linux-image-amd64 for 6.1, linux-image-6.12-amd64 for 6.12) depends on the
# newest versioned image package; take that, falling back to the highest versioned name apt knows.
resolve_pkg() {
  local meta pattern dep
  case $1 in
    6.1) meta=linux-image-$darch
         pattern="^linux-image-6\\.1\\.0-[0-9]+-$darch\$" ;;
    6.12) meta=linux-image-6.12-$darch
          pattern="^linux-image-6\\.12\\.[0-9]+\\+deb[0-9]+-$darch\$" ;;
    *) return 1 ;;
  esac
  dep=""
  if has_candidate "$meta"; then
    dep=$(apt-cache show --no-all-versions "$meta$aq" 2>/dev/null |
          sed -n 's/^Depends: \(linux-image-[^ ,]*\).*/\1/p' | head -n1)
  fi
  case $dep in
    linux-image-$1*) ;;
    *) dep=$(apt-cache pkgnames linux-image-"$1" 2>/dev/null | grep -E "$pattern" | sort -V |
             while read -r p; do has_candidate "$p" && echo "$p"; done | tail -n1) ;;
  esac
  [ -n "$dep" ] || return 1
  # The unsigned package holds the same kernel and modules without Secure Boot signatures.
  if has_candidate "$dep-unsigned"; then echo "$dep-unsigned"; else echo "$dep"; fi
}

# apt-cache takes about a second per call here: remember the answer until apt's lists change.
script_hash=$(sha256sum "$0" | cut -c1-12)
mkdir -p "$cache/kernel" "$cache/debs"
lists_stamp=$(stat -c %Y /var/lib/apt/lists /var/cache/apt/pkgcache.bin 2>/dev/null | tr '\n' . || true)
memo="$cache/kernel/.resolved-${VDM_KERNEL_PKG:-$series}-$script_hash"
[ "$darch" = amd64 ] || [ -n "${VDM_KERNEL_PKG:-}" ] || memo="$cache/kernel/.resolved-$series-$darch-$script_hash"
pkg=""
version=""
if [ "$list" = 0 ] && [ -r "$memo" ]; then
  read -r stamp pkg version <"$memo" || true
  [ "$stamp" = "$lists_stamp" ] || { pkg=""; version=""; }
fi
[ -z "$pkg" ] && pkg=${VDM_KERNEL_PKG:-}
if [ -z "$pkg" ]; then
  if ! pkg=$(resolve_pkg "$series"); then
    if [ "$darch" != amd64 ] && ! dpkg --print-foreign-architectures | grep -qx "$darch"; then
      die "dpkg does not know the $darch architecture: run scripts/install-deps.sh --arm64 (it runs dpkg --add-architecture $darch and apt-get update)"
    fi
    say "no linux-image package for series $series in apt's lists; running apt-get update"
    $SUDO apt-get update -qq >/dev/null || true
    pkg=$(resolve_pkg "$series") ||
      die "Debian offers no linux-image-$series $darch package here (apt-cache search linux-image-$series finds none); use --series 6.1"
  fi
fi

if [ "$list" = 1 ]; then
  for s in 6.1 6.12; do
    if p=$(resolve_pkg "$s"); then
      echo "$s: $p $(apt-cache policy "$p$aq" | sed -n 's/^ *Candidate: //p')"
    else
      echo "$s: not offered by Debian here"
    fi
  done
  exit 0
fi

if [ -z "$version" ]; then
  has_candidate "$pkg" || die "package '$pkg' is not known to apt (check VDM_KERNEL_PKG, or run apt-get update)"
  version=$(apt-cache policy "$pkg$aq" | sed -n 's/^ *Candidate: //p')
  echo "$lists_stamp $pkg $version" >"$memo.$$" && mv "$memo.$$" "$memo"
fi
dest="$cache/kernel/${pkg}_${version}-$script_hash"

exec 9>"$cache/kernel/.lock"
flock 9

if [ ! -e "$dest/.done" ]; then
  # Debs are immutable per file name: keep them across script changes.
  deb=$(ls "$cache/debs/${pkg}_"*"_$darch.deb" 2>/dev/null | grep -F "_${version//:/%3a}_" | head -n1 || true)
  if [ -z "$deb" ]; then
    say "downloading $pkg $version"
    tmp=$(mktemp -d "$cache/debs/.dl.XXXXXX")
    (cd "$tmp" && apt-get download -qq "$pkg$aq=$version" 2>&1 | grep -v 'unsandboxed as root' >&2 || true)
    deb=$(ls "$tmp"/*.deb 2>/dev/null | head -n1 || true)
    [ -n "$deb" ] || { rm -rf "$tmp"; die "apt-get download $pkg=$version failed"; }
    mv "$deb" "$cache/debs/"
    deb="$cache/debs/$(basename "$deb")"
    rm -rf "$tmp"
  fi
  say "unpacking $(basename "$deb") into $dest"
  rm -rf "$dest" "$dest.tmp"
  mkdir -p "$dest.tmp"
  dpkg -x "$deb" "$dest.tmp"
  # The package ships no modules.dep (its postinst runs depmod): make one for the unpacked tree.
  kv=$(ls "$dest.tmp/lib/modules")
  depmod=$(command -v depmod || echo /sbin/depmod)
  [ -x "$depmod" ] || die "depmod not found: install kmod (scripts/install-deps.sh does)"
  "$depmod" -b "$dest.tmp" "$kv"
  if [ "$darch" = arm64 ]; then
    check_arm64_image "$dest.tmp/boot/vmlinuz-$kv"
  elif ! extract_vmlinux "$dest.tmp/boot/vmlinuz-$kv" "$dest.tmp/boot/vmlinux-$kv"; then
    say "could not unpack an ELF vmlinux from vmlinuz-$kv; only the bzImage is available"
    rm -f "$dest.tmp/boot/vmlinux-$kv"
  fi
  touch "$dest.tmp/.done"
  mv "$dest.tmp" "$dest"
  # Trees unpacked by an older version of this script are dead weight (about 400 MB each).
  for old in "$cache/kernel/${pkg}_${version}"-*; do
    [ "$old" = "$dest" ] || rm -rf "$old"
  done
fi

kernel=$(ls "$dest"/boot/vmlinuz-* 2>/dev/null | head -n1 || true)
[ -n "$kernel" ] || die "$dest holds no boot/vmlinuz-*: the package '$pkg' is not a kernel image"
kver=${kernel##*/vmlinuz-}
modules="$dest/lib/modules/$kver"
[ -d "$modules" ] || die "$modules missing in package '$pkg'"

echo "VDM_KVER=$kver"
echo "VDM_KERNEL=$kernel"
echo "VDM_MODULES=$modules"
echo "VDM_KERNEL_PKG=$pkg"
if [ -s "$dest/boot/vmlinux-$kver" ]; then echo "VDM_VMLINUX=$dest/boot/vmlinux-$kver"
else echo "VDM_VMLINUX="; fi
