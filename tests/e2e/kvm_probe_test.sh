#!/usr/bin/env bash
# e2e test: scripts/nested-run.sh runs kvm_probe where a real /dev/kvm exists (directly, or in the
# nested L1 guest) and the probe finds KVM usable for stock guests.  Usage: kvm_probe_test.sh PROBE
set -uo pipefail
probe=${1:?usage: kvm_probe_test.sh PATH/TO/kvm_probe}
top=${VDM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
"$top/scripts/install-deps.sh" || { echo "FAIL: scripts/install-deps.sh"; exit 1; }

out=$("$top/scripts/nested-run.sh" -- "$probe" 2>&1)
rc=$?
echo "$out"
fail() { echo "FAIL: $*"; exit 1; }

if [ "$rc" = 123 ]; then
  echo "SKIP: the nested L1 guest hung twice before the probe started (infrastructure hang, not a probe result)"
  exit 77
fi
[ "$rc" = 124 ] && fail "kvm_probe hung (nested-run.sh reported a timeout while it ran)"
first=$(printf '%s\n' "$out" | head -n1)
direct_re='^vdm: running directly on host KVM \((vmx|svm)\)$'
nested_re='^vdm: (no usable /dev/kvm on this host \(.+\)|nested run forced); running nested in QEMU TCG \(L1 with kvm_amd\)$'
if [[ $first =~ $direct_re ]]; then
  way=direct
elif [[ $first =~ $nested_re ]]; then
  way=nested
else
  fail "the first line is not nested-run.sh's 'which way' line: '$first'"
fi
[ "$rc" = 0 ] || fail "nested-run.sh exited $rc (the probe's status; 125 = harness failure)"
printf '%s\n' "$out" | grep -q '^kvm_probe: KVM_GET_API_VERSION = 12$' || fail "no API version 12 line"
printf '%s\n' "$out" | grep -q '^kvm_probe: KVM_CAP_IRQCHIP=yes KVM_CAP_IRQFD=yes KVM_CAP_IOEVENTFD=yes$' ||
  fail "a capability is missing"
printf '%s\n' "$out" | grep -q '^kvm_probe: guest code ran: out 0x10 <- 0x42, then hlt$' ||
  fail "the probe's guest code did not run"
printf '%s\n' "$out" | grep -Eq '^kvm_probe: RESULT: usable for stock guests \((vmx|svm), kvm_(intel|amd)\)$' ||
  fail "the probe did not report KVM usable for stock guests"
if [ "$way" = nested ]; then
  printf '%s\n' "$out" | grep -q '^kvm_probe: cpu virtualisation flag: svm; kvm module: kvm_amd$' ||
    fail "nested: the probe did not run inside L1 (expected svm and kvm_amd)"
  printf '%s\n' "$out" | grep -q '^vdm: nested run: L1 started the command after ' ||
    fail "nested: no timing summary from nested-run.sh"
fi
echo "ok: kvm_probe found a usable KVM ($way)"

# Nested, L1's /tmp is an empty tmpfs: nested-run.sh must share what the command names there
# (a build folder under /tmp), each in a folder of its own here: the program (an argument),
# a file named by a VDM_* variable and one named by an --opt=PATH argument.
if [ "$way" = nested ]; then
  a=$(mktemp -d /tmp/vdm-share-arg.XXXXXX)
  e=$(mktemp -d /tmp/vdm-share-env.XXXXXX)
  o=$(mktemp -d /tmp/vdm-share-opt.XXXXXX)
  trap 'rm -rf "$a" "$e" "$o"' EXIT
  mkdir -p "$a/build/bin" "$e/data" "$o/data"
  cp "$probe" "$a/build/bin/kvm_probe"
  echo "env-file-from-the-host" >"$e/data/marker"
  echo "opt-file-from-the-host" >"$o/data/marker"
  out=$(VDM_TEST_DATA="$e/data/marker" "$top/scripts/nested-run.sh" -- sh -c \
        '"$1" | grep RESULT && cat "$VDM_TEST_DATA" "${2#--file=}" && echo wrote >"${2#--file=}.l1"' \
        sh "$a/build/bin/kvm_probe" "--file=$o/data/marker" 2>&1)
  rc=$?
  echo "$out" | sed 's/^/  | /'
  [ "$rc" = 0 ] || fail "a probe under /tmp, run nested: exit status $rc (not shared with L1?)"
  grep -q '^kvm_probe: RESULT: usable' <<<"$out" || fail "the probe under $a did not run in L1"
  grep -q '^env-file-from-the-host$' <<<"$out" || fail "\$VDM_TEST_DATA's file was not in L1"
  grep -q '^opt-file-from-the-host$' <<<"$out" || fail "--file=PATH's file was not in L1"
  for d in "$a" "$e" "$o"; do
    grep -q "^vdm: sharing $d with L1 " <<<"$out" || fail "nested-run.sh did not say it shares $d"
  done
  [ "$(cat "$o/data/marker.l1" 2>/dev/null)" = wrote ] ||
    fail "what the command wrote in the shared folder did not reach the host"
  echo "ok: a program, a VDM_* path and an --opt=PATH under /tmp are shared with L1"
fi
