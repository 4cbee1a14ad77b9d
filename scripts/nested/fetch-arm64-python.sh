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
# shellcheck source=scripts/nested/fetch-lib.sh
. "$(dirname "$0")/fetch-lib.sh"
fetch_init fetch-arm64-python "$@"

dpkg --print-foreign-architectures | grep -qx arm64 ||
  die "dpkg does not know the arm64 architecture: run scripts/install-deps.sh --arm64"
pkgs=(python3.11-minimal libpython3.11-minimal libpython3.11-stdlib libexpat1 zlib1g)
version=$(apt-cache policy python3.11-minimal:arm64 2>/dev/null | sed -n 's/^ *Candidate: //p')
[ -n "$version" ] && [ "$version" != "(none)" ] ||
  die "apt knows no python3.11-minimal:arm64: run scripts/install-deps.sh --arm64 (apt-get update)"
# The folder names the package set too: a changed list unpacks afresh.
dest="$cache/python-arm64/${version//:/%3a}-$(echo "${pkgs[*]}" | md5sum | cut -c1-8)"
wrapper="$dest/python3"

# The wrapper runs the unpacked interpreter with its own libraries and standard library.
fetch_finish() {
  [ -x "$1/usr/bin/python3.11" ] || die "the packages hold no usr/bin/python3.11"
  cat >"$1/python3" <<EOF
#!/bin/sh
# arm64 Python unpacked by scripts/nested/fetch-arm64-python.sh (not installed).
d=$dest
PYTHONHOME=\$d/usr LD_LIBRARY_PATH=\$d/usr/lib/aarch64-linux-gnu:\$d/lib/aarch64-linux-gnu \\
PYTHONDONTWRITEBYTECODE=1 exec "\$d/usr/bin/python3.11" "\$@"
EOF
  chmod +x "$1/python3"
}
fetch_unpack "$dest" python3 "${pkgs[@]/%/:arm64}"
echo "$wrapper"
