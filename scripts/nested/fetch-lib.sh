# Sourced by scripts/nested/fetch-*.sh: their argument handling (--quiet, --help), messages, and
# the download of Debian packages unpacked (dpkg -x, never installed) into a cache folder.
#
# fetch_init NAME "$@"      parses the arguments; sets top, cache, quiet; say/die use NAME
# fetch_unpack DEST CHECK PKG=VER...
#                           apt-get download of the packages (extra apt-get options in the array
#                           fetch_apt_opts), each unpacked into one tree that becomes DEST once
#                           the file CHECK (relative to the tree) is there; under a lock, so
#                           concurrent callers download once.  A hook `fetch_finish TREE` runs
#                           before the move when the caller defines it.
fetch_init() {
  fetch_name=$1
  shift
  top=$(cd "$(dirname "${BASH_SOURCE[1]}")/../.." && pwd)
  cache=${VDM_CACHE_DIR:-$top/.cache}
  quiet=0
  case ${1:-} in
    "") ;;
    -q|--quiet) quiet=1 ;;
    -h|--help) sed -n '2,/^# Usage/s/^# \{0,1\}//p' "${BASH_SOURCE[1]}"; exit 0 ;;
    *) echo "$fetch_name: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  fetch_apt_opts=()
}
say() { [ "$quiet" = 1 ] || echo "$fetch_name: $*" >&2; }
die() { echo "$fetch_name: $*" >&2; exit 1; }

fetch_unpack() {
  local dest=$1 check=$2 parent tmp spec name deb
  shift 2
  parent=$(dirname "$dest")
  [ -e "$dest/$check" ] && return 0
  mkdir -p "$parent"
  exec 9>"$parent/.lock"
  flock 9
  if [ ! -e "$dest/$check" ]; then
    say "downloading $*"
    tmp=$(mktemp -d "$parent/.dl.XXXXXX")
    (cd "$tmp" && apt-get "${fetch_apt_opts[@]}" download -qq "$@" 2>&1 |
       grep -v 'unsandboxed as root' >&2 || true)
    for spec in "$@"; do
      name=${spec%%=*}
      name=${name%%:*}
      deb=$(ls "$tmp/${name}"_*.deb 2>/dev/null | head -n1 || true)
      [ -n "$deb" ] || { rm -rf "$tmp"; die "apt-get download $spec failed"; }
      dpkg -x "$deb" "$tmp/x"
    done
    if declare -F fetch_finish >/dev/null; then fetch_finish "$tmp/x"; fi
    [ -e "$tmp/x/$check" ] || { rm -rf "$tmp"; die "the packages hold no $check"; }
    rm -rf "$dest"
    mv "$tmp/x" "$dest"
    rm -rf "$tmp"
  fi
  exec 9>&-
}
