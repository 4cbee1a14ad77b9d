#!/usr/bin/env bash
# e2e: the nested harness's command can make user namespaces (its root is no chroot), so
# vmm-example's device hosts get theirs; and a non-root VMM with them switched off is told once.
# usage: nested_userns_test.sh root|nonroot VMM-EXAMPLE TESTDEV.BIN
#   root     L1's root runs the default Linux guest with a testdev (as scripts/run.sh does) and
#            the testdev payload: every device host in user, mount, net, ipc, uts and pid
#            namespaces of its own, locked down, and no word about namespaces on stderr.
#   nonroot  the same run by nobody with unprivileged user namespaces off in L1
#            (kernel.unprivileged_userns_clone=0, or user.max_user_namespaces=0): one message
#            per run saying namespaces are refused and why, and every device host still
#            locked down (not root, no_new_privs, a seccomp filter on every thread).
# Always nested (--nested): the L1 is what is tested, and its sysctl is changed.
# Exit 0 pass, 1 fail, 77 skipped (the harness hung before the command started).
set -uo pipefail
mode=${1:?usage: nested_userns_test.sh root|nonroot VMM-EXAMPLE TESTDEV.BIN}
vmm=${2:?usage: nested_userns_test.sh root|nonroot VMM-EXAMPLE TESTDEV.BIN}
payload=${3:?usage: nested_userns_test.sh root|nonroot VMM-EXAMPLE TESTDEV.BIN}
case $mode in root|nonroot) ;; *) echo "FAIL: mode '$mode': root or nonroot"; exit 1 ;; esac
for f in "$vmm" "$payload"; do
  [ -f "$f" ] || { echo "FAIL: $f missing: build first (cmake --build build)"; exit 1; }
done
top=${VDM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=tests/e2e/checks.sh
. "$top/tests/e2e/checks.sh"

"$top/scripts/install-deps.sh" >/dev/null || { echo "FAIL: scripts/install-deps.sh"; exit 1; }
eval "$("$top/scripts/fetch-guest-kernel.sh" --quiet)" || { echo "FAIL: fetch-guest-kernel.sh"; exit 1; }
guest=$("$top/scripts/build-initramfs.sh" guest) || { echo "FAIL: build-initramfs.sh guest"; exit 1; }
# A copy the VMM reads in L1, also as nobody (the cache's may be replaced meanwhile).
dir=$(mktemp -d "${TMPDIR:-/tmp}/vdm-userns.XXXXXX")
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
cp "$guest" "$dir/initrd" && chmod 644 "$dir/initrd" || { echo "FAIL: cannot copy $guest to $dir"; exit 1; }

out=$("$top/scripts/nested-run.sh" --nested --timeout 600 --script "$top/tests/e2e/nested_userns_l1.sh" \
        -- "$mode" "$vmm" "$payload" "$VDM_KERNEL" "$dir/initrd" 2>&1)
rc=$?
printf '%s\n' "$out" | grep -v -e 'L1: linux stdout: ' -e 'L1: testdev stdout: ' | sed 's/^/  | /'
case $rc in
  0) ;;
  123) echo "SKIPPED: the nested harness hung before the test started (L1 TCG hang)"; exit 77 ;;
  *) echo "FAIL: nested-run.sh exited $rc (124: the L1 script hung; 125: harness failure)"; exit 1 ;;
esac
has() { grep -q -E -- "$1" <<<"$out"; }
lines() { grep -E -- "$1" <<<"$out" || true; }

# Whether the command may make a user namespace (the chroot took that away).
has '^L1: unshare -U by root: rc=0$' && ok "L1's command (root) makes a user namespace" ||
  bad "L1's command (root) cannot make a user namespace: $(lines '^L1: unshare -U by root')"
if [ "$mode" = root ]; then
  has '^L1: unshare -U by nobody: rc=0$' && ok "L1's command as nobody makes a user namespace" ||
    bad "as nobody, no user namespace: $(lines '^L1: unshare -U by nobody')"
  has '^L1: VMM runs as uid 0$' || bad "the VMM did not run as root: $(lines '^L1: VMM runs')"
else
  has '^L1: set (kernel\.unprivileged_userns_clone|user\.max_user_namespaces)=0$' ||
    bad "L1 could not switch unprivileged user namespaces off"
  if has '^L1: unshare -U by nobody: rc=0$'; then
    bad "nobody still makes user namespaces with the switch off: the test proves nothing"
  else
    ok "with $(lines '^L1: set ' | sed 's/^L1: set //'), nobody cannot make a user namespace"
  fi
  has '^L1: VMM runs as uid 65534$' || bad "the VMM did not run as nobody: $(lines '^L1: VMM runs')"
fi

# Run 1: the Linux guest, its device hosts seen from /proc.
has '^L1: linux run: ready=1 ' && ok "$(lines '^L1: linux run: ready' | sed 's/^L1: //')" ||
  bad "the device hosts were never all locked down while the guest ran: $(lines '^L1: linux run: ready')"
has '^L1: the VMM still ran once its device hosts were read$' ||
  bad "$(lines '^L1: the VMM ended while' | sed 's/^L1: //')"
n=0
while read -r d; do
  [ -n "$d" ] || continue
  n=$((n + 1))
  want=' uid=65534 nnp=1 seccomp=2 every_thread_filtered=yes '
  [ "$mode" = root ] && want+='user=own mnt=own net=own ipc=own uts=own pid=own$'
  [[ $d =~ $want ]] || bad "${d#L1: }: expected${want%\$}"
done < <(lines '^L1: devhost ')
[ "$n" -gt 0 ] && ok "$n device hosts:${want%\$}" || bad "no device host was seen"
has '^L1: linux run exit status: 0$' || bad "vmm-example (Linux guest): $(lines '^L1: linux run exit')"
has '^L1: linux stdout: .*VDM-GUEST-READY' || bad "the Linux guest never said VDM-GUEST-READY"
has '^L1: linux stdout: .*VDM-PCI .*vendor=1b36 device=0005' && ok "the guest lists the testdev" ||
  bad "the guest does not list the testdev (1b36:0005)"
# Run 2: the testdev payload.
has '^L1: testdev run exit status: 0$' && has '^L1: testdev stdout: PAYLOAD: done status=ok' &&
  ok "the testdev payload passed against the sandboxed testdev" ||
  bad "the testdev payload: $(lines '^L1: testdev (run exit|stdout: PAYLOAD: done)')"

# What the VMM and its device hosts say about namespaces, per run.
for run in linux testdev; do
  said=$(lines "^L1: $run stderr: .*[Nn]amespace")
  count=$(grep -c . <<<"$said")
  if [ "$mode" = root ]; then
    [ "$count" = 0 ] && ok "$run run: not a word about namespaces" ||
      bad "$run run: $count lines about namespaces where all are allowed:"$'\n'"$said"
  elif [ "$count" != 1 ]; then
    bad "$run run: $count lines about refused namespaces, expected one message:"$'\n'"$said"
  elif ! grep -q -i -E 'unprivileged.user.namespaces|unprivileged_userns_clone|max_user_namespaces' <<<"$said"; then
    bad "$run run: the message does not say why (unprivileged user namespaces off): $said"
  else
    ok "$run run: one message: ${said#L1: $run stderr: }"
  fi
done

checks_end "nested namespaces ($mode)"
