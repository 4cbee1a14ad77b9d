#!/usr/bin/env bash
# e2e test of scripts/nested-run.sh without booting anything: bad usage is refused with exit 125
# and a message naming the fix; --direct runs on the host, passing the exit status and timeouts.
set -uo pipefail
top=${VDM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
run=$top/scripts/nested-run.sh
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect NAME RC REGEX -- ARGS...: runs nested-run.sh ARGS, checks exit status and output.
expect() {
  local name=$1 want_rc=$2 re=$3 out rc
  shift 4
  out=$("$run" "$@" 2>&1)
  rc=$?
  if [ "$rc" != "$want_rc" ]; then
    fail "$name: exit status $rc, expected $want_rc; output: $out"
  elif ! printf '%s\n' "$out" | grep -Eq -- "$re"; then
    fail "$name: output lacks /$re/: $out"
  else
    echo "ok: $name"
  fi
}

expect "no command is refused" 125 'no command: scripts/nested-run.sh \[options\] -- COMMAND' --
expect "unknown option is refused" 125 "unknown option '--frobnicate'" -- --frobnicate -- true
expect "non-numeric timeout is refused" 125 '--timeout abc: needs a positive whole number' -- \
  --timeout abc -- true
expect "bad --env name is refused" 125 "--env 1X=2: '1X' is not a variable name" -- \
  --env 1X=2 -- true
expect "missing script is refused" 125 '--script /nonexistent/x.sh: no such file' -- \
  --script /nonexistent/x.sh
expect "direct run says which way it runs" 7 '^vdm: running directly on host KVM \((vmx|svm|forced by --direct; [^()]+)\)$' -- \
  --direct -- sh -c 'exit 7'
printf 'echo "script says $1"\n' >"${TMPDIR:-/tmp}/vdm-usage-$$.sh"
expect "direct run of a non-executable --script" 0 '^script says hi$' -- \
  --direct --script "${TMPDIR:-/tmp}/vdm-usage-$$.sh" -- hi
rm -f "${TMPDIR:-/tmp}/vdm-usage-$$.sh"
expect "direct run passes VDM_NESTED=0 and arguments" 0 '^VDM_NESTED=0 args=2 \[a b\] \[c'"'"'d\]$' -- \
  --direct -- sh -c 'echo "VDM_NESTED=$VDM_NESTED args=$# [$1] [$2]"' sh "a b" "c'd"
expect "direct run reports a hang" 124 '^vdm: HANG: the command did not finish within 1 s' -- \
  --direct --timeout 1 -- sleep 10

[ "$failures" = 0 ] || { echo "nested-run usage test: $failures check(s) FAILED"; exit 1; }
echo "nested-run usage test: all checks passed"
