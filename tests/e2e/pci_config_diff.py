#!/usr/bin/env python3
# e2e differential test: the same pcie-root-ports and pci-testdev under QEMU 7.2 (q35, TCG) and
# under vmm-example (real KVM through scripts/nested-run.sh); the guest dumps every function's
# config space from sysfs and the two are compared byte for byte.
"""usage: pci_config_diff.py run BUILD_DIR OUT_DIR
       pci_config_diff.py compare QEMU_CONSOLE VMM_CONSOLE

run      boots the default guest kernel with tests/e2e/pci_config_guest.sh as /vdm/run.sh in
         QEMU (q35, TCG, on this host) and in vmm-example (nested-run.sh), both with
             pcie-root-port,id=rp1,chassis=1,slot=1  +  pci-testdev,bus=rp1,membar=4M
             pcie-root-port,id=rp2,chassis=2,slot=2,pref64-reserve=2G   (empty)
         keeps both consoles in OUT_DIR and compares them.  Exit 0 pass, 1 fail, 77 skipped.
compare  only the comparison, on two saved consoles.

Compared: every byte of each function's config space as the guest reads it (4096 for the root
ports, 256 for the conventional pci-testdev), after masking only what firmware programs and
the W1C status bits (MASKS below), plus each BAR's size and kind as the kernel sized them.  A byte
that differs is a failure unless ALLOW names it: the short list of deliberate differences,
each with its reason (README.md, "Deliberate differences from QEMU").  An ALLOW entry that no
longer differs fails too, so the list cannot go stale.
"""
import os
import re
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True
TOP = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
NESTED = os.path.join(TOP, "scripts", "nested-run.sh")
APPEND = "console=ttyS0 quiet panic=-1 vdm.poweroff=1"
RP1 = "pcie-root-port,id=rp1,chassis=1,slot=1"
TD = "pci-testdev,bus=rp1,membar=4M"
RP2 = "pcie-root-port,id=rp2,chassis=2,slot=2,pref64-reserve=2G"

# Roles: how a function is recognised in either machine (bus numbers and slots may differ).
#   rp1  root port with physical slot 1 (Slot Capabilities PSN), holding the testdev
#   rp2  root port with physical slot 2, empty, with the Red Hat reserve capability
#   td   the pci-testdev 1b36:0005
ROLES = ("rp1", "rp2", "td")

# What firmware (SeaBIOS / vmm-example) chooses and what W1C status bits have latched, masked
# before comparing.  The control bits the guest kernel writes (MSI-X enable, the error
# reporting enables, AER's root command) are compared, not masked: the same kernel writes
# the same values to both machines, so equal bytes also show that both let them be written.
# (where, offset inside it, width, mask of the bits programmed, why).  `where` is "hdr" (the
# config header) or a capability: "cap:<id>" (standard) / "ext:<id>" (extended), found by
# walking QEMU's chain (the walks of both must agree, which is checked first).
MASKS = [
    ("hdr", 0x04, 2, 0xffff, "command: decoding and bus mastering, set by firmware and Linux"),
    ("hdr", 0x06, 2, 0xf900, "status: the W1C error bits"),
    ("hdr", 0x3c, 1, 0xff, "interrupt line: written by firmware"),
    # BAR address bits: see bar_masks() (type bits 3:0 / 1:0 stay compared)
    # type 1 only:
    ("bridge", 0x18, 3, 0xffffff, "primary, secondary and subordinate bus numbers"),
    ("bridge", 0x1c, 2, 0xf0f0, "I/O base and limit (the 16-bit type nibbles stay)"),
    ("bridge", 0x1e, 2, 0xf900, "secondary status: the W1C error bits"),
    ("bridge", 0x20, 4, 0xfff0fff0, "memory base and limit"),
    ("bridge", 0x24, 4, 0xfff0fff0, "prefetchable base and limit (the 64-bit type nibbles stay)"),
    ("bridge", 0x28, 8, 0xffffffffffffffff, "prefetchable base and limit, upper 32 bits"),
    ("bridge", 0x30, 4, 0xffffffff, "I/O base and limit, upper 16 bits"),
    ("cap:10", 0x0a, 2, 0x000f, "Device Status: the W1C error bits"),
    ("cap:10", 0x1a, 2, 0x011f, "Slot Status: the W1C event bits"),
    ("ext:1", 0x04, 4, 0xffffffff, "AER uncorrectable status (W1C)"),
    ("ext:1", 0x10, 4, 0xffffffff, "AER correctable status (W1C)"),
    ("ext:1", 0x30, 4, 0x0000007f, "AER Root Error Status (W1C)"),
]

# Deliberate differences, the whole list: (roles, where, offset, width, bits, reason).  Each
# must differ in every role it names, or the test fails (the list cannot go stale).
ALLOW = [
    (("rp1", "rp2"), "hdr", 0x3d, 1, 0xff,
     "Interrupt Pin 0 (QEMU: 1, INTA): vdm's port raises no interrupt at all, and a pin the "
     "machine does not route (vmm-example has no _PRT) only makes Linux warn \"can't derive "
     "routing for PCI INT A\""),
    (("rp1", "rp2"), "cap:10", 0x14, 4, 0x00040000,
     "Slot Capabilities No Command Completed Support: vdm's port raises no interrupt, so a "
     "native hotplug driver must not wait for command-completed events"),
    (("rp1",), "cap:10", 0x1a, 2, 0x0040,
     "Slot Status Presence Detect State: vdm reports the occupied slot (PCIe spec); QEMU 7.2 "
     "leaves it 0 for devices plugged through ACPI hotplug"),
    (("rp1",), "cap:10", 0x12, 2, 0x2000,
     "Link Status Data Link Layer Link Active: vdm reports the link to the device up (it "
     "advertises DLLLARC, as QEMU does); QEMU 7.2 leaves it 0"),
]


def skip(reason):
    print("SKIPPED: " + reason)
    return 77


# ---- parsing ---------------------------------------------------------------------------------

def parse(text):
    """{bdf: {"cfg": bytes, "res": [(start, end, flags) x 7]}} from a console."""
    devs = {}
    for ln in text.splitlines():
        m = re.search(r"VDM-CFGX (\S+) ([0-9a-f]{3}) ([0-9a-f]{64})", ln)
        if m:
            d = devs.setdefault(m.group(1), {"cfg": bytearray(), "res": []})
            if int(m.group(2), 16) != len(d["cfg"]):
                raise ValueError("%s: config dump line at 0x%s out of order" % (m.group(1),
                                                                              m.group(2)))
            d["cfg"].extend(bytes.fromhex(m.group(3)))
            continue
        m = re.search(r"VDM-RES (\S+) (\d) (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+)", ln)
        if m:
            d = devs.setdefault(m.group(1), {"cfg": bytearray(), "res": []})
            d["res"].append(tuple(int(m.group(i), 16) for i in (3, 4, 5)))
    if not any("VDM-CFG-END" in ln for ln in text.splitlines()):
        raise ValueError("the guest never printed VDM-CFG-END (dump incomplete)")
    return devs


def le(b, off, width):
    return int.from_bytes(b[off:off + width], "little")


def caps(cfg):
    """[(where, offset)] of every capability in chain order; a loop or wild pointer raises."""
    out, seen = [], set()
    if le(cfg, 0x06, 2) & 0x10:
        p = cfg[0x34] & 0xfc
        while p:
            if p < 0x40 or p in seen:
                raise ValueError("capability chain: bad pointer 0x%x" % p)
            seen.add(p)
            out.append(("cap:%x" % cfg[p], p))
            p = cfg[p + 1] & 0xfc
    if len(cfg) > 0x100 and le(cfg, 0x100, 4):
        p = 0x100
        while p:
            if p < 0x100 or p in seen or p > len(cfg) - 4:
                raise ValueError("extended capability chain: bad pointer 0x%x" % p)
            seen.add(p)
            hdr = le(cfg, p, 4)
            out.append(("ext:%x" % (hdr & 0xffff), p))
            p = (hdr >> 20) & 0xffc
    return out


def roles(devs):
    """{role: bdf}; raises if a role is missing or ambiguous."""
    found = {}
    for bdf, d in devs.items():
        cfg = d["cfg"]
        ident = le(cfg, 0, 4)
        if ident == 0x00051b36:
            role = "td"
        elif ident == 0x000c1b36:
            exp = dict(caps(cfg)).get("cap:10")
            if exp is None:
                raise ValueError("%s: root port without a PCI Express capability" % bdf)
            role = "rp%d" % (le(cfg, exp + 0x14, 4) >> 19)
        else:
            continue
        if role in found:
            raise ValueError("two functions in role %s: %s and %s" % (role, found[role], bdf))
        found[role] = bdf
    missing = [r for r in ROLES if r not in found]
    if missing:
        raise ValueError("no function in role(s) %s (found %s)" % (", ".join(missing), found))
    return found


# ---- comparison -------------------------------------------------------------------------------

def place(where, cfg, chain):
    """Absolute offset of `where` in cfg, or None when the function has no such thing."""
    if where == "hdr":
        return 0
    if where == "bridge":
        return 0 if cfg[0x0e] & 0x7f == 1 else None
    return dict(chain).get(where)


def bar_masks(d):
    """[(offset, width, mask)] of the address bits of each BAR the kernel sized."""
    out, cfg = [], d["cfg"]
    nbars = 2 if cfg[0x0e] & 0x7f == 1 else 6
    i = 0
    while i < nbars:
        start, end, flags = d["res"][i] if i < len(d["res"]) else (0, 0, 0)
        reg = le(cfg, 0x10 + 4 * i, 4)
        if flags:
            if reg & 1:
                out.append((0x10 + 4 * i, 4, 0xfffffffc))
            else:
                out.append((0x10 + 4 * i, 4, 0xfffffff0))
                if reg & 6 == 4:  # 64-bit: the upper dword is all address
                    out.append((0x14 + 4 * i, 4, 0xffffffff))
                    i += 1
        i += 1
    return out


def bars(d):
    """[(index, size, flags)] of the BARs and ROM the kernel sized."""
    return [(i, e - s + 1, f) for i, (s, e, f) in enumerate(d["res"]) if f]


def compare(qtext, vtext, out=print):
    """Returns the list of failures (empty = the machines agree)."""
    errs = []
    q, v = parse(qtext), parse(vtext)
    qr, vr = roles(q), roles(v)
    used = set()
    compared = 0
    for role in ROLES:
        qd, vd = q[qr[role]], v[vr[role]]
        qc, vc = qd["cfg"], vd["cfg"]
        name = "%s (QEMU %s, vmm-example %s)" % (role, qr[role], vr[role])
        want = 4096 if role.startswith("rp") else 256
        if len(qc) != want or len(vc) != want:
            errs.append("%s: config space %d bytes in QEMU, %d in vmm-example; the guest must "
                        "see %d" % (name, len(qc), len(vc), want))
            continue
        qchain, vchain = caps(qc), caps(vc)
        if qchain != vchain:
            errs.append("%s: capability chain QEMU %s, vmm-example %s" % (
                name, fmt_chain(qchain), fmt_chain(vchain)))
        if bars(qd) != bars(vd):
            errs.append("%s: BARs (index, size, flags) QEMU %s, vmm-example %s" % (
                name, fmt_bars(bars(qd)), fmt_bars(bars(vd))))
        mask = bytearray(want)
        for where, off, width, bits, _ in MASKS:
            base = place(where, qc, qchain)
            if base is not None:
                apply(mask, base + off, width, bits)
        for off, width, bits in bar_masks(qd) + bar_masks(vd):
            apply(mask, off, width, bits)
        allow = bytearray(want)
        for i, (rs, where, off, width, bits, _) in enumerate(ALLOW):
            base = place(where, qc, qchain)
            if role not in rs or base is None:
                continue
            apply(allow, base + off, width, bits)
            got = [(qc[base + off + k] ^ vc[base + off + k]) & (bits >> (8 * k)) & 0xff
                   for k in range(width)]
            if any(got):
                used.add((i, role))
        for off in range(want):
            diff = (qc[off] ^ vc[off]) & ~mask[off] & ~allow[off] & 0xff
            compared += 8 - bin(mask[off]).count("1")
            if diff:
                errs.append("%s: byte 0x%03x (%s) QEMU 0x%02x, vmm-example 0x%02x (differing "
                            "bits 0x%02x)" % (name, off, where_is(off, qchain), qc[off],
                                              vc[off], diff))
        out("%s: %d bytes, capabilities %s, BARs %s" % (name, want, fmt_chain(qchain),
                                                        fmt_bars(bars(qd))))
    for i, (rs, where, off, width, bits, why) in enumerate(ALLOW):
        for r in rs:
            if (i, r) not in used:
                errs.append("allow-list entry %s+0x%x bits 0x%x no longer differs on %s: "
                            "remove it there (and its README line)" % (where, off, bits, r))
    out("compared %d bits after masking what firmware programs and W1C status" % compared)
    return errs


def apply(arr, off, width, bits):
    for k in range(width):
        arr[off + k] |= (bits >> (8 * k)) & 0xff


def where_is(off, chain):
    if off < 0x40:
        return "header"
    best = None
    for where, p in chain:
        if p <= off and (best is None or p > best[1]) and (off < 0x100) == (p < 0x100):
            best = (where, p)
    return "%s at 0x%x +0x%x" % (best[0], best[1], off - best[1]) if best else "no capability"


def fmt_chain(chain):
    return " ".join("%s@0x%x" % c for c in chain) or "none"


def fmt_bars(b):
    return " ".join("%d:0x%x/0x%x" % x for x in b) or "none"


# ---- running both machines ------------------------------------------------------------------

def run(build, out):
    vmm = os.path.join(build, "vmm-example", "vmm-example")
    if not os.access(vmm, os.X_OK):
        return skip("vmm-example not built (%s)" % vmm)
    if not shutil.which("qemu-system-x86_64"):
        return skip("qemu-system-x86_64 missing (scripts/install-deps.sh installs it)")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    sh = lambda *a: subprocess.run(list(a), capture_output=True, text=True, check=True).stdout
    try:
        kenv = sh(os.path.join(TOP, "scripts", "fetch-guest-kernel.sh"), "--quiet")
        env = dict(re.findall(r"^(VDM_\w+)=['\"]?([^'\"\n]*)", kenv, re.M))
        guest = sh(os.path.join(TOP, "scripts", "build-initramfs.sh"), "guest").strip()
        extra = os.path.join(out, "dump.cpio")
        sh(os.path.join(TOP, "scripts", "build-initramfs.sh"), "pack", extra,
           os.path.join(TOP, "tests", "e2e", "pci_config_guest.sh") + ":/vdm/run.sh")
    except subprocess.CalledProcessError as e:
        print("FAIL: preparing the guest: %s\n%s" % (e, e.stderr))
        return 1
    initrd = os.path.join(out, "initrd")
    with open(initrd, "wb") as f:
        for part in (guest, extra):
            with open(part, "rb") as p:
                shutil.copyfileobj(p, f)
    kernel = env.get("VDM_VMLINUX") or env["VDM_KERNEL"]

    # QEMU: q35 under TCG, here (it needs no KVM).
    t0 = time.monotonic()
    qemu = ["qemu-system-x86_64", "-nodefaults", "-no-user-config", "-display", "none",
            "-M", "q35", "-accel", "tcg", "-cpu", "max", "-smp", "1", "-m", "512",
            "-no-reboot", "-kernel", kernel, "-initrd", initrd, "-append", APPEND,
            "-serial", "stdio", "-device", RP1, "-device", TD, "-device", RP2]
    try:
        r = subprocess.run(qemu, stdin=subprocess.DEVNULL, capture_output=True, timeout=300)
    except subprocess.TimeoutExpired:
        print("FAIL: QEMU did not power off within 300 s")
        return 1
    qtext = r.stdout.decode("utf-8", "replace").replace("\r", "")
    with open(os.path.join(out, "qemu-console.log"), "w") as f:
        f.write(qtext + r.stderr.decode("utf-8", "replace"))
    print("QEMU %s: exit %d after %.1f s" % (
        subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True,
                       text=True).stdout.split("\n")[0], r.returncode, time.monotonic() - t0))

    # vmm-example, with the same devices, where a real KVM exists (QEMU's type names).
    script = os.path.join(out, "vmm.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\n"
                "# generated by tests/e2e/pci_config_diff.py\n"
                "anon=; [ \"${VDM_NESTED:-0}\" = 1 ] && anon='--memory-backend anon'\n"
                "exec \"$1\" $anon --hotplug-ports 0 --kernel \"$2\" --initrd \"$3\" "
                "--append '%s' --device %s --device %s --device %s --timeout 300\n"
                % (APPEND, RP1, TD, RP2))
    t0 = time.monotonic()
    r = subprocess.run([NESTED, "--share", out, "--timeout", "400", "--script", script, "--",
                        vmm, env["VDM_KERNEL"], initrd], stdin=subprocess.DEVNULL,
                       capture_output=True)
    vtext = r.stdout.decode("utf-8", "replace").replace("\r", "")
    with open(os.path.join(out, "vmm-console.log"), "w") as f:
        f.write(vtext + r.stderr.decode("utf-8", "replace"))
    lines = r.stderr.decode("utf-8", "replace").splitlines()
    print(next((ln for ln in lines if ln.startswith("vdm: ") and "running" in ln), "?"))
    print("vmm-example: exit %d after %.1f s" % (r.returncode, time.monotonic() - t0))
    if r.returncode == 123:
        return skip("the nested L1 guest hung twice before vmm-example started (infrastructure)")
    if r.returncode != 0:
        print("FAIL: vmm-example exit status %d (0 = the guest powered off)" % r.returncode)
        for ln in (vtext.splitlines() + lines)[-30:]:
            print("    | " + ln)
        return 1
    return report(qtext, vtext)


def report(qtext, vtext):
    try:
        errs = compare(qtext, vtext)
    except (ValueError, IndexError, KeyError) as e:
        print("FAIL: %s" % e)
        return 1
    print("allow-list (deliberate differences, README.md):")
    for roles, where, off, width, bits, why in ALLOW:
        print("  %-8s %s+0x%02x bits 0x%0*x: %s" % ("+".join(roles), where, off, 2 * width,
                                                    bits, why))
    if errs:
        print("FAIL: %d difference(s) between QEMU and vmm-example:" % len(errs))
        for e in errs:
            print("  - " + e)
        return 1
    print("PASS: config spaces agree byte for byte outside the masks and the allow-list")
    return 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "run":
        return run(os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3]))
    if len(sys.argv) == 4 and sys.argv[1] == "compare":
        with open(sys.argv[2], errors="replace") as a, open(sys.argv[3], errors="replace") as b:
            return report(a.read(), b.read())
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
