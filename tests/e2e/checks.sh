# Sourced by the e2e shell tests: one line per check (ok/bad, counted) and the closing verdict.
# checks_end WHAT: prints "PASS: WHAT" or "FAIL: WHAT: N check(s) failed" and exits 0 or 1.
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
checks_end() {
  if [ "$fails" = 0 ]; then echo "PASS: $1"; exit 0; fi
  echo "FAIL: $1: $fails check(s) failed"
  exit 1
}
