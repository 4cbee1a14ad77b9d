#!/usr/bin/env bash
# Builds vdm's initramfs archives (uncompressed newc cpio) from busybox-static and the Debian
# kernel's modules, cached under .cache/initramfs/; prints the archive's path.  See usage().
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/build-initramfs.sh l1    [--arch x86_64|arm64] [--series 6.1|6.12]
       scripts/build-initramfs.sh guest [--arch x86_64|arm64] [--series 6.1|6.12] [--modules "name ..."]
       scripts/build-initramfs.sh default-guest [--arch x86_64|arm64] [--series 6.1|6.12]
       scripts/build-initramfs.sh pack OUT.cpio SRC[:DEST] ...

  l1     the nested harness's level-1 initramfs (scripts/guest/l1-init): busybox, kvm_amd and the
         9p chain with their dependencies; scripts/nested-run.sh appends a per-run archive.
  guest  vdm's default guest initramfs (scripts/guest/guest-init): busybox, vdm-pci, shell on the
         console, kernel command line hooks vdm.cmd= vdm.cmd64= vdm.poweroff=1 vdm.panic=1.
         --modules adds kernel modules (and their dependencies), loaded before the PCI list.
  default-guest
         the guest flavour plus its kernel, linked as .cache/default-guest/vmlinuz (the
         bzImage), .cache/default-guest/vmlinux (the same kernel uncompressed, booted through
         its PVH entry: no in-guest decompression) and .cache/default-guest/initrd: what
         vmm-example boots when given no --kernel (the vmlinux when present).
         Prints that folder.  Cheap when nothing changed (scripts/run.sh runs it each time).
         With --arch arm64: .cache/default-guest-arm64/vmlinuz (the arm64 Image) and initrd.
  --arch A
         x86_64 (default) or arm64: the kernel package (scripts/fetch-guest-kernel.sh --arch)
         and busybox of that architecture.  arm64 uses Debian's busybox-static:arm64 (apt-get
         download + dpkg -x into .cache/busybox/; it cannot be installed beside the amd64 one),
         the same guest-init and vdm-pci, and for l1 scripts/guest/l1-init-arm64 with the
         virtio-pci/9p chain, virtio_console and binfmt_misc (KVM is built into Debian's arm64 kernel).
  pack   a small archive of the given files (DEST defaults to /vdm/<name>), to append to either:
         the kernel unpacks concatenated archives in order, e.g. a guest's /vdm/run.sh:
           cat "$(scripts/build-initramfs.sh guest)" my.cpio > initrd

Prints the path of the archive on stdout.  l1/guest archives are cached under
.cache/initramfs/ keyed by this script, scripts/guest/*, busybox and the kernel package.
Environment: VDM_KERNEL_SERIES, VDM_KERNEL_ARCH, VDM_KERNEL_PKG (see fetch-guest-kernel.sh),
VDM_CACHE_DIR, VDM_BUSYBOX (x86_64) and VDM_BUSYBOX_ARM64 (arm64): a static busybox to use.
EOF
}

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${VDM_CACHE_DIR:-$top/.cache}
busybox=${VDM_BUSYBOX:-/bin/busybox}
die() { echo "build-initramfs: $*" >&2; exit 1; }

# arm64_busybox: prints the path of Debian's static arm64 busybox, downloaded (apt-get download
# busybox-static:arm64) and unpacked under .cache/busybox/ once per package version.
arm64_busybox() {
  local stamp memo version dest deb tmp s="" v=""
  if [ -n "${VDM_BUSYBOX_ARM64:-}" ]; then echo "$VDM_BUSYBOX_ARM64"; return 0; fi
  mkdir -p "$cache/busybox"
  stamp=$(stat -c %Y /var/lib/apt/lists /var/cache/apt/pkgcache.bin 2>/dev/null | tr '\n' . || true)
  memo="$cache/busybox/.version-arm64"
  [ -r "$memo" ] && read -r s v <"$memo" && [ "$s" = "$stamp" ] || v=""
  version=$v
  if [ -z "$version" ]; then
    dpkg --print-foreign-architectures | grep -qx arm64 ||
      die "dpkg does not know the arm64 architecture: run scripts/install-deps.sh --arm64"
    version=$(apt-cache policy busybox-static:arm64 2>/dev/null | sed -n 's/^ *Candidate: //p')
    [ -n "$version" ] && [ "$version" != "(none)" ] ||
      die "apt knows no busybox-static:arm64: run scripts/install-deps.sh --arm64 (apt-get update)"
    echo "$stamp $version" >"$memo.$$" && mv "$memo.$$" "$memo"
  fi
  dest="$cache/busybox/arm64-${version//:/%3a}"
  if [ ! -x "$dest/bin/busybox" ]; then
    exec 7>"$cache/busybox/.lock"
    flock 7
    if [ ! -x "$dest/bin/busybox" ]; then
      tmp=$(mktemp -d "$cache/busybox/.dl.XXXXXX")
      (cd "$tmp" && apt-get download -qq "busybox-static:arm64=$version" 2>&1 |
         grep -v 'unsandboxed as root' >&2 || true)
      deb=$(ls "$tmp"/*.deb 2>/dev/null | head -n1 || true)
      [ -n "$deb" ] || { rm -rf "$tmp"; die "apt-get download busybox-static:arm64=$version failed"; }
      dpkg -x "$deb" "$tmp/x"
      [ -x "$tmp/x/bin/busybox" ] || { rm -rf "$tmp"; die "$deb holds no bin/busybox"; }
      rm -rf "$dest"
      mv "$tmp/x" "$dest"
      rm -rf "$tmp"
    fi
    exec 7>&-
  fi
  echo "$dest/bin/busybox"
}

# newc_node NAME MODE_OCTAL MAJOR MINOR: one newc entry without data (a directory or a device
# node), so device nodes need neither root nor mknod.
newc_node() {
  local name=$1 mode=$((8#$2)) major=$3 minor=$4 namesize=$((${#1} + 1)) pad
  printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\0' \
    0 "$mode" 0 0 1 0 0 0 0 "$major" "$minor" "$namesize" 0 "$name"
  pad=$(( (4 - (110 + namesize) % 4) % 4 ))
  [ "$pad" -eq 0 ] || head -c "$pad" /dev/zero
}
newc_trailer() {
  printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\0' \
    0 0 0 0 1 0 0 0 0 0 0 11 0 'TRAILER!!!'
  head -c 3 /dev/zero   # 110 + 11 = 121: pad to 124
}

# cpio_dir DIR: newc archive of DIR's contents, owned by root, on stdout.
cpio_dir() {
  (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet)
}

# stage_busybox DIR: busybox and the usual empty folders in DIR.  Only /bin/sh is linked here:
# each init starts with "busybox --install -s /bin" (400 forks of ln cost seconds, the in-guest
# install a few milliseconds).
stage_busybox() {
  local d=$1
  [ -x "$busybox" ] || die "$busybox missing: install busybox-static (scripts/install-deps.sh)"
  mkdir -p "$d"/{bin,dev,proc,sys,tmp,root,etc,lib/modules,vdm}
  cp "$busybox" "$d/bin/busybox"
  ln -s busybox "$d/bin/sh"
  ln -s bin "$d/sbin"
  echo "root:x:0:0:root:/root:/bin/sh" >"$d/etc/passwd"
  echo "root:x:0:" >"$d/etc/group"
}

# stage_modules DIR MODULES_DIR NAME...: copies NAME and its dependencies, uncompressed, into
# DIR/lib/modules/ and lists them in load order in DIR/lib/modules/load.list.  Names built into
# the kernel are skipped.
stage_modules() {
  local d=$1 mdir=$2 seen=" " order=()
  shift 2
  visit() {
    local name=${1//-/_} line path deps i
    case $seen in *" $name "*) return 0 ;; esac
    seen+="$name "
    if grep -qE "/${1//_/[-_]}\.ko(\.[a-z]+)?$" "$mdir/modules.builtin" 2>/dev/null; then
      return 0
    fi
    line=$(grep -m1 -E "(^|/)${1//_/[-_]}\.ko(\.[a-z]+)?:" "$mdir/modules.dep") ||
      die "module $1 not found in $mdir/modules.dep"
    path=${line%%:*}
    read -r -a deps <<<"${line#*:}"
    # modules.dep lists every dependency, the ones to load first last.
    for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
      local dn=${deps[i]##*/}
      visit "${dn%%.ko*}"
    done
    order+=("$path")
  }
  local m
  for m in "$@"; do visit "$m"; done
  : >"$d/lib/modules/load.list"
  for m in "${order[@]}"; do
    local base=${m##*/} out
    out=${base%%.ko*}.ko
    case $base in
      *.ko) cp "$mdir/$m" "$d/lib/modules/$out" ;;
      *.ko.xz) xz -dc "$mdir/$m" >"$d/lib/modules/$out" ;;
      *.ko.zst) zstd -q -dc "$mdir/$m" >"$d/lib/modules/$out" ;;
      *.ko.gz) gzip -dc "$mdir/$m" >"$d/lib/modules/$out" ;;
      *) die "module $m: unknown compression" ;;
    esac
    echo "$out" >>"$d/lib/modules/load.list"
  done
}

build_image() {
  local flavour=$1 series=$2 modules=$3 key out
  local kenv
  kenv=$(VDM_KERNEL_SERIES=$series "$top/scripts/fetch-guest-kernel.sh" --quiet "${arch_opt[@]}") ||
    die "fetching the kernel failed"
  local VDM_KVER="" VDM_MODULES="" VDM_KERNEL="" VDM_KERNEL_PKG=""
  eval "$kenv"
  key=$( { cat "$0" "$top"/scripts/guest/*; sha256sum "$busybox";
           echo "$flavour $modules $VDM_MODULES"; } | sha256sum | cut -c1-16)
  out="$cache/initramfs/$flavour-$VDM_KVER-$key.cpio"
  if [ -s "$out" ]; then echo "$out"; return 0; fi

  mkdir -p "$cache/initramfs"
  exec 8>"$cache/initramfs/.lock"
  flock 8
  if [ -s "$out" ]; then echo "$out"; return 0; fi
  tmp=$(mktemp -d "$cache/initramfs/.build.XXXXXX")
  trap 'rm -rf "${tmp:-}"' EXIT
  stage_busybox "$tmp/root"
  case $arch-$flavour in
    arm64-l1)
      cp "$top/scripts/guest/l1-init-arm64" "$tmp/root/init"
      mkdir -p "$tmp/root/host"
      stage_modules "$tmp/root" "$VDM_MODULES" virtio_pci 9pnet_virtio 9p virtio_console binfmt_misc
      ;;
    *-l1)
      cp "$top/scripts/guest/l1-init" "$tmp/root/init"
      mkdir -p "$tmp/root/host"
      stage_modules "$tmp/root" "$VDM_MODULES" irqbypass kvm ccp kvm_amd \
        virtio_pci 9pnet_virtio 9p
      ;;
    *-guest)
      cp "$top/scripts/guest/guest-init" "$tmp/root/init"
      cp "$top/scripts/guest/vdm-pci" "$tmp/root/bin/vdm-pci"
      # shellcheck disable=SC2086
      stage_modules "$tmp/root" "$VDM_MODULES" $modules
      ;;
  esac
  chmod 755 "$tmp/root/init"
  { newc_node dev 040755 0 0; newc_node dev/console 020600 5 1; newc_trailer;
    cpio_dir "$tmp/root"; } >"$tmp/out.cpio"
  mv "$tmp/out.cpio" "$out"
  # Archives built by older versions of the scripts are dead weight.
  find "$cache/initramfs" -maxdepth 1 -name "$flavour-$VDM_KVER-*.cpio" ! -path "$out" -delete
  echo "$out"
}

pack() {
  local out=$1 spec src dest
  shift
  [ $# -gt 0 ] || die "pack: name at least one file"
  tmp=$(mktemp -d)
  trap 'rm -rf "${tmp:-}"' EXIT
  for spec in "$@"; do
    src=${spec%%:*}
    dest=${spec#*:}
    [ "$dest" != "$spec" ] || dest=/vdm/${src##*/}
    [ -f "$src" ] || die "pack: $src is not a file"
    case $dest in /*) ;; *) die "pack: destination $dest must be an absolute path" ;; esac
    mkdir -p "$tmp/root$(dirname "$dest")"
    cp -p "$src" "$tmp/root$dest"
  done
  cpio_dir "$tmp/root" >"$out"
  echo "$out"
}

[ $# -gt 0 ] || { usage >&2; exit 2; }
what=$1
shift
series=${VDM_KERNEL_SERIES:-6.1}
arch=${VDM_KERNEL_ARCH:-x86_64}
modules=""
case $what in
  -h|--help) usage; exit 0 ;;
  pack) [ $# -ge 1 ] || die "pack needs OUT.cpio and files"; pack "$@"; exit 0 ;;
  l1|guest|default-guest) ;;
  *) echo "build-initramfs: unknown flavour '$what': use l1, guest, default-guest or pack" >&2
     exit 2 ;;
esac
while [ $# -gt 0 ]; do
  case $1 in
    --series) series=${2:?--series needs 6.1 or 6.12}; shift 2 ;;
    --series=*) series=${1#*=}; shift ;;
    --modules) [ "$what" = guest ] || die "--modules is for the guest flavour"
               modules=${2?--modules needs a list}; shift 2 ;;
    --modules=*) modules=${1#*=}; shift ;;
    --arch) arch=${2:?--arch needs x86_64 or arm64}; shift 2 ;;
    --arch=*) arch=${1#*=}; shift ;;
    *) echo "build-initramfs: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
arch_opt=()
case $arch in
  x86_64|amd64) arch=x86_64 ;;
  arm64|aarch64) arch=arm64 arch_opt=(--arch arm64) busybox=$(arm64_busybox) ;;
  *) echo "build-initramfs: --arch $arch: unknown architecture; use x86_64 or arm64" >&2; exit 2 ;;
esac
if [ "$what" != default-guest ]; then
  build_image "$what" "$series" "$modules"
  exit 0
fi
# default-guest: link the kernel and the guest archive where vmm-example looks (its --help).
[ -z "$modules" ] || die "--modules is for the guest flavour"
initrd=$(build_image guest "$series" "")
kenv=$(VDM_KERNEL_SERIES=$series "$top/scripts/fetch-guest-kernel.sh" --quiet "${arch_opt[@]}") ||
  die "fetching the kernel failed"
VDM_KERNEL="" VDM_VMLINUX=""
eval "$kenv"
[ -s "$VDM_KERNEL" ] || die "fetch-guest-kernel.sh gave no kernel"
d="$cache/default-guest"
[ "$arch" = x86_64 ] || d="$cache/default-guest-$arch"
mkdir -p "$d"
link() { # link TARGET NAME: replace NAME atomically
  [ "$(readlink "$d/$2" 2>/dev/null)" = "$1" ] && return 0
  ln -sfn "$1" "$d/.$2.$$"
  mv -Tf "$d/.$2.$$" "$d/$2"
}
link "$VDM_KERNEL" vmlinuz
link "$initrd" initrd
# x86_64: the uncompressed vmlinux (PVH entry) beside it; none, and vmm-example falls back to
# the bzImage and says so.
if [ "$arch" = x86_64 ] && [ -s "${VDM_VMLINUX:-}" ]; then
  link "$VDM_VMLINUX" vmlinux
else
  [ "$arch" != x86_64 ] ||
    echo "build-initramfs: fetch-guest-kernel.sh unpacked no vmlinux: the default guest boots the bzImage (slower: the guest decompresses it)" >&2
  rm -f "$d/vmlinux"
fi
echo "$d"
