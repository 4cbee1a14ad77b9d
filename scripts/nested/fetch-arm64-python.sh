#!/usr/bin/env bash
# Fetches Debian's arm64 Python (python3.11-minimal, libpython3.11-minimal/-stdlib, libexpat1, zlib1g:
# apt-get download + dpkg -x into .cache/python-arm64/) and prints the path of a wrapper to run it.
#
# The e2e drivers that run inside the arm64 L1 of scripts/nested-run.sh --arch arm64 (only arm64
# programs run there) are the same Python as the x86_64 ones.  The packages are unpacked, never
# installed: their Multi-Arch: same libraries would have to match the amd64 versions this host
# has.  The wrapper (a POSIX sh script, as busybox runs it) sets PYTHONHOME and the library path
# to the unpacked tree and execs its python3.11 with the arguments it is given.
# Usage: scripts/nested/fetch-arm64-python.sh [--quiet]      Environment: VDM_CACHE_DIR
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${VDM_CACHE_DIR:-$top/.cache}
quiet=0
case ${1:-} in
  "") ;;
  -q|--quiet) quiet=1 ;;
  -h|--help) sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 0 ;;
  *) echo "fetch-arm64-python: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac
say() { [ "$quiet" = 1 ] || echo "fetch-arm64-python: $*" >&2; }
die() { echo "fetch-arm64-python: $*" >&2; exit 1; }

dpkg --print-foreign-architectures | grep -qx arm64 ||
  die "dpkg does not know the arm64 architecture: run scripts/install-deps.sh --arm64"
pkgs=(python3.11-minimal libpython3.11-minimal libpython3.11-stdlib libexpat1 zlib1g)
version=$(apt-cache policy python3.11-minimal:arm64 2>/dev/null | sed -n 's/^ *Candidate: //p')
[ -n "$version" ] && [ "$version" != "(none)" ] ||
  die "apt knows no python3.11-minimal:arm64: run scripts/install-deps.sh --arm64 (apt-get update)"
# The folder names the package set too: a changed list unpacks afresh.
dest="$cache/python-arm64/${version//:/%3a}-$(echo "${pkgs[*]}" | md5sum | cut -c1-8)"
wrapper="$dest/python3"

if [ ! -x "$wrapper" ]; then
  mkdir -p "$cache/python-arm64"
  exec 9>"$cache/python-arm64/.lock"
  flock 9
  if [ ! -x "$wrapper" ]; then
    say "downloading ${pkgs[*]} (arm64, python $version)"
    tmp=$(mktemp -d "$cache/python-arm64/.dl.XXXXXX")
    (cd "$tmp" && apt-get download -qq "${pkgs[@]/%/:arm64}" 2>&1 |
       grep -v 'unsandboxed as root' >&2 || true)
    for p in "${pkgs[@]}"; do
      deb=$(ls "$tmp"/"${p}"_*_arm64.deb 2>/dev/null | head -n1 || true)
      [ -n "$deb" ] || { rm -rf "$tmp"; die "apt-get download $p:arm64 failed"; }
      dpkg -x "$deb" "$tmp/x"
    done
    [ -x "$tmp/x/usr/bin/python3.11" ] || { rm -rf "$tmp"; die "no usr/bin/python3.11 in the packages"; }
    cat >"$tmp/x/python3" <<EOF
#!/bin/sh
# arm64 Python unpacked by scripts/nested/fetch-arm64-python.sh (not installed).
d=$dest
PYTHONHOME=\$d/usr LD_LIBRARY_PATH=\$d/usr/lib/aarch64-linux-gnu:\$d/lib/aarch64-linux-gnu \\
  PYTHONDONTWRITEBYTECODE=1 exec "\$d/usr/bin/python3.11" "\$@"
EOF
    chmod +x "$tmp/x/python3"
    rm -rf "$dest"
    mv "$tmp/x" "$dest"
    rm -rf "$tmp"
  fi
fi
echo "$wrapper"
