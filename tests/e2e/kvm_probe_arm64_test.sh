#!/usr/bin/env bash
# e2e test: scripts/nested-run.sh --arch arm64 runs the cross-built kvm_probe_arm64 where a real
# arm64 KVM exists (directly on an arm64 host, else in the arm64 L1) and the probe finds it usable.
# Usage: kvm_probe_arm64_test.sh OUT_DIR   (the probe is built there with aarch64-linux-gnu-gcc)
set -uo pipefail
outdir=${1:?usage: kvm_probe_arm64_test.sh OUT_DIR}
top=${VDM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
fail() { echo "FAIL: $*"; exit 1; }
"$top/scripts/install-deps.sh" --arm64 || fail "scripts/install-deps.sh --arm64"

# Cross-built here rather than by the (x86_64) build: the cross compiler may arrive only with
# the line above.  Dynamically linked on purpose: in L1 its loader and libc come from the host's
# root (Debian's multiarch arm64 libc6), as for every arm64 program vdm runs there.
mkdir -p "$outdir"
probe=$outdir/kvm_probe_arm64
cc=${VDM_AARCH64_CC:-aarch64-linux-gnu-gcc}
"$cc" -std=gnu11 -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
  -o "$probe" "$top/tests/e2e/kvm_probe_arm64.c" || fail "$cc could not build kvm_probe_arm64.c"
file -b "$probe" | grep -q 'ARM aarch64.*dynamically linked' ||
  fail "$probe is not a dynamically linked aarch64 program: $(file -b "$probe")"

bad=$("$top/scripts/nested-run.sh" --arch sparc -- true 2>&1)
[ $? = 125 ] && grep -q -- '--arch sparc: unknown architecture; use x86_64 or arm64' <<<"$bad" ||
  fail "nested-run.sh --arch sparc was not refused with exit status 125 and a message: $bad"

# One L1 boot: the probe, then an x86_64 program, which L1 must refuse with a sentence.
x86=$(command -v dpkg)
out=$("$top/scripts/nested-run.sh" --arch arm64 -- sh -c \
      '"$1"; rc=$?; "$2" --version; echo "x86 program exit status $?"; exit $rc' sh "$probe" "$x86" 2>&1)
rc=$?
echo "$out"
[ "$rc" = 123 ] && { echo "SKIP: the arm64 L1 hung twice before the probe started (infrastructure hang, not a probe result)"; exit 77; }
[ "$rc" = 124 ] && fail "kvm_probe_arm64 hung (nested-run.sh reported a timeout while it ran)"
first=$(printf '%s\n' "$out" | head -n1)
if [[ $first =~ ^vdm:\ running\ directly\ on\ host\ KVM\ \(arm64\)$ ]]; then
  way=direct
elif [[ $first =~ ^vdm:\ (no\ usable\ arm64\ /dev/kvm\ on\ this\ host\ \(.+\)|nested\ run\ forced)\;\ running\ nested\ in\ QEMU\ TCG\ \(arm64\ L1 ]]; then
  way=nested
else
  fail "the first line is not nested-run.sh's 'which way' line for arm64: '$first'"
fi
[ "$rc" = 0 ] || fail "nested-run.sh exited $rc (the probe's status; 125 = harness failure)"
has() { printf '%s\n' "$out" | grep -Eq "$1" || fail "$2"; }
has '^kvm_probe_arm64: machine aarch64; ' "the probe did not run on an aarch64 kernel"
has '^kvm_probe_arm64: KVM_GET_API_VERSION = 12$' "no API version 12 line"
has '^kvm_probe_arm64: KVM_CAP_ARM_VM_IPA_SIZE=[0-9]+ KVM_CAP_ARM_PSCI_0_2=yes KVM_CAP_IRQFD=yes KVM_CAP_IOEVENTFD=yes vGICv3=yes$' \
  "a capability vdm's arm64 machine needs is missing"
has '^kvm_probe_arm64: exit 1: MMIO write 0x9000000 <- 0x42$' "the guest's first MMIO write did not arrive"
has '^kvm_probe_arm64: exit 2: MMIO read 0x9000004 -> 0x1234$' "the guest's MMIO read did not arrive"
has '^kvm_probe_arm64: exit 3: MMIO write 0x9000008 <- 0x1235$' "the guest did not use the value its read returned"
has '^kvm_probe_arm64: RESULT: usable arm64 KVM \(vGICv3, PSCI 0.2, [0-9]+-bit IPA; ' \
  "the probe did not report arm64 KVM usable"
if [ "$way" = nested ]; then
  has '^kvm_probe_arm64: VDM_NESTED=1 VDM_NESTED_ARCH=arm64$' "nested: the probe did not run inside the arm64 L1"
  has '^kvm_probe_arm64: kernel: kvm VHE mode initialized successfully$' \
    "nested: L1's kernel did not start KVM in VHE mode (QEMU virt with virtualization=on)"
  has "^vdm: $x86 is an x86_64 program; the arm64 L1 .* runs only arm64 programs" \
    "nested: an x86_64 program was not refused with a sentence"
  has '^x86 program exit status 126$' "nested: the refused x86_64 program did not exit with 126"
  has '^vdm: nested run: L1 started the command after ' "nested: no timing summary from nested-run.sh"
fi
echo "ok: kvm_probe_arm64 found a usable arm64 KVM ($way: $(printf '%s\n' "$out" | sed -n 's/^kvm_probe_arm64: kernel: //p'))"
