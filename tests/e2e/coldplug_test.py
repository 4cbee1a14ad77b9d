#!/usr/bin/env python3
# e2e: real Linux guests under vmm-example on a real KVM, every case batched into one run of
# scripts/nested-run.sh; cold-plugged testdev BARs checked against vmm-example --print-topology.
"""usage: coldplug_test.py run BUILD_DIR OUT_DIR
       coldplug_test.py check OUT_DIR CASE

run    builds the default guest (scripts/build-initramfs.sh default-guest), then boots every
       case below in ONE nested-run.sh (one L1 boot when nested), keeping each case's stdout,
       stderr, exit status and wall time in OUT_DIR.  Exit 0 = the batch ran, 77 = skipped
       (the L1 harness hung twice: an infrastructure hang, not a result), 1 = it could not run.
check  the verdict on one case from OUT_DIR (0 pass, 1 fail, 77 the batch did not run).

Cases: %s
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
TOP = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "guest"))
import guestcheck  # noqa: E402

NESTED = os.path.join(TOP, "scripts", "nested-run.sh")
RP1 = "pcie-root-port,id=rp1,chassis=1,slot=1"
RP2 = "pcie-root-port,id=rp2,chassis=2,slot=2"
GOOD_APPEND = "console=ttyS0 quiet vdm.poweroff=1"

# name -> (vmm-example arguments, kind).  "good" cases boot the default kernel with the default
# guest initramfs plus /vdm/run.sh (prints the guest's dmesg) and must power off with status 0.
# 4M and run-sh use the default (every device in a sandboxed vdm-devhost); the other boots run
# the devices --in-process, which places every BAR the same way and saves ~10-30 s per boot of
# device-process start-up and cross-process config accesses under nested KVM.
INPROC = ["--in-process"]
CASES = {
    "4M": (["--device", "testdev,membar=4M"], "good"),
    "1G": (INPROC + ["--device", "testdev,membar=1G"], "good"),
    "64G": (INPROC + ["--device", "testdev,membar=64G"], "good"),
    "two-root-ports": (INPROC + ["--device", RP1, "--device", "testdev,bus=rp1,membar=4M",
                                 "--device", RP2, "--device", "testdev,bus=rp2,membar=1G"],
                       "good"),
    "missing-kernel": (["--kernel", "/nonexistent/vmlinuz"], "bad"),
    "no-default-guest": ([], "bad"),           # VDM_CACHE_DIR points at an empty folder
    "garbage-kernel": (["--kernel", "@OUT@/garbage.bzImage"], "bad"),
    "corrupt-kernel": (["--kernel", "@OUT@/corrupt.bzImage"], "bad"),
    "panic": (INPROC + ["--append", "console=ttyS0 quiet vdm.panic=1"], "bad"),
    "run-sh": ([], "run.sh"),                  # scripts/run.sh --no-setup, stdin not a terminal
}
# Bad cases: exit status, text that must appear (stdout+stderr), wall-time bound in seconds.
EXPECT = {
    "missing-kernel": (2, "--kernel /nonexistent/vmlinuz: No such file or directory", 15),
    "no-default-guest": (2, "build it with scripts/build-initramfs.sh default-guest", 15),
    "garbage-kernel": (2, "garbage.bzImage: neither a bzImage", 15),
    "corrupt-kernel": (3, "stopped before printing anything: a corrupt or truncated bzImage", 60),
    "panic": (1, "the Linux guest rebooted: after a kernel panic", 150),
}
BAD_DMESG = re.compile(r"can't assign|no space|failed to assign", re.I)

GUEST_SCRIPT = """#!/bin/sh
# coldplug_test.py: the guest kernel's own log about PCI resources, and its uptime
dmesg | grep -iE 'pci|assign|space' | sed 's/^/VDM-DMESG /'
echo "VDM-UPTIME $(cut -d' ' -f1 /proc/uptime)"
"""


def skip(reason):
    print("SKIPPED: " + reason)
    return 77


def sh(words):
    return " ".join(shlex.quote(w) for w in words)


def make_inputs(out):
    """Default guest, the good cases' initrd (guest + /vdm/run.sh), broken kernels."""
    r = subprocess.run([os.path.join(TOP, "scripts", "build-initramfs.sh"), "default-guest"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("scripts/build-initramfs.sh default-guest failed:\n" + r.stderr)
    guest = r.stdout.strip()
    kernel = os.path.realpath(os.path.join(guest, "vmlinuz"))
    with open(os.path.join(out, "run.sh"), "w") as f:
        f.write(GUEST_SCRIPT)
    os.chmod(os.path.join(out, "run.sh"), 0o755)
    extra = os.path.join(out, "extra.cpio")
    subprocess.run([os.path.join(TOP, "scripts", "build-initramfs.sh"), "pack", extra,
                    os.path.join(out, "run.sh") + ":/vdm/run.sh"], check=True,
                   capture_output=True)
    with open(os.path.join(out, "initrd"), "wb") as f:
        for part in (os.path.join(guest, "initrd"), extra):
            with open(part, "rb") as p:
                shutil.copyfileobj(p, f)
    with open(os.path.join(out, "garbage.bzImage"), "wb") as f:
        f.write(bytes((i * 7919 + 13) & 0xff for i in range(1 << 20)))
    with open(kernel, "rb") as f:
        img = bytearray(f.read())
    # Flip 64 KiB in the middle of the compressed payload: the header stays valid, so only
    # the in-guest decompressor can notice.
    mid = len(img) // 2
    for i in range(mid, mid + 65536):
        img[i] ^= 0x5A
    with open(os.path.join(out, "corrupt.bzImage"), "wb") as f:
        f.write(img)
    os.makedirs(os.path.join(out, "empty-cache"), exist_ok=True)
    return kernel


def batch_script(vmm, build, out):
    lines = ["#!/bin/bash",
             "# generated by tests/e2e/coldplug_test.py: every case in one nested boot",
             "cd %s || exit 125" % shlex.quote(out),
             "anon=(); [ \"${VDM_NESTED:-0}\" = 1 ] && anon=(--memory-backend anon)",
             "echo \"way VDM_NESTED=${VDM_NESTED:-?}\" >way.inside"]
    for name, (args, kind) in CASES.items():
        args = [a.replace("@OUT@", out) for a in args]
        env = ""
        if kind == "run.sh":
            cmd = "env VDM_BUILD_DIR=%s %s --no-setup" % (
                shlex.quote(build), shlex.quote(os.path.join(TOP, "scripts", "run.sh")))
        else:
            if kind == "good":
                args = ["--initrd", os.path.join(out, "initrd"), "--append", GOOD_APPEND] + args
            if name == "no-default-guest":
                env = "env VDM_CACHE_DIR=%s " % shlex.quote(os.path.join(out, "empty-cache"))
            if kind == "good":  # alone, --print-topology would only print and not boot
                args += ["--print-topology"]
            cmd = env + shlex.quote(vmm) + ' "${anon[@]}" ' + sh(args + ["--timeout", "300"])
        lines.append("echo %s >&2" % shlex.quote("== case " + name))
        lines.append("s=$(date +%s.%N)")
        lines.append("%s </dev/null >%s.out 2>%s.err; echo $? >%s.rc" % (cmd, name, name, name))
        lines.append("echo \"$s $(date +%%s.%%N)\" >%s.time" % name)
    lines.append("exit 0")
    return "\n".join(lines) + "\n"


def run(build, out):
    vmm = os.path.join(build, "vmm-example", "vmm-example")
    if not os.access(vmm, os.X_OK):
        return skip("vmm-example not built (%s)" % vmm)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    try:
        make_inputs(out)
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        print("FAIL: preparing the guest: %s" % e)
        return 1
    script = os.path.join(out, "batch.sh")
    with open(script, "w") as f:
        f.write(batch_script(vmm, build, out))
    os.chmod(script, 0o755)
    t0 = time.monotonic()
    r = subprocess.run([NESTED, "--share", out, "--timeout", "1200", "--script", script],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True)
    wall = time.monotonic() - t0
    lines = (r.stdout + r.stderr).splitlines()
    way = next((ln for ln in lines if ln.startswith("vdm: ") and "running" in ln), "?")
    with open(os.path.join(out, "way"), "w") as f:
        f.write("%s\n%.1f\n" % (way, wall))
    print(way)
    print("nested-run.sh exit %d after %.1f s for %d cases" % (r.returncode, wall, len(CASES)))
    for ln in lines:
        if ln.startswith("vdm:") or ln.startswith("== case"):
            print("  " + ln)
    if r.returncode == 123:
        with open(os.path.join(out, "skipped"), "w") as f:
            f.write("the L1 harness hung twice before the batch started\n")
        return skip("the nested L1 guest hung twice before the batch started (infrastructure)")
    if r.returncode != 0:
        print("FAIL: the batch did not run to its end (nested-run.sh exit %d)" % r.returncode)
        for ln in lines[-30:]:
            print("    | " + ln)
        return 1
    for name in CASES:
        t = read(out, name + ".time")
        if t:
            a, b = (float(x) for x in t.split())
            print("  %-18s exit %s  %.1f s" % (name, (read(out, name + ".rc") or "?").strip(),
                                               b - a))
    return 0


def read(out, name):
    try:
        with open(os.path.join(out, name), errors="replace") as f:
            return f.read()
    except OSError:
        return None


def guest_bars(lines):
    """{(bdf, idx): (kind, start, size)} from vdm-pci's VDM-PCI-BAR lines (sysfs resource)."""
    bars = {}
    for ln in lines:
        g = re.search(r"VDM-PCI-BAR 0000:(\S+) bar=(\d) start=(0x[0-9a-f]+) end=\S+ "
                      r"size=(0x[0-9a-f]+) flags=\S+ (.*)", ln)
        if g:
            tags = g.group(5).split()
            kind = "io" if "io" in tags else "mem%s%s" % ("64" if "64bit" in tags else "32",
                                                          "pref" if "pref" in tags else "")
            bars[(g.group(1), int(g.group(2)))] = (kind, int(g.group(3), 16), int(g.group(4), 16))
    return bars


def guest_windows(lines):
    """{(bridge bdf, io|mem|pref): (start, end)} from VDM-PCI-WINDOW lines."""
    win = {}
    for ln in lines:
        g = re.search(r"VDM-PCI-WINDOW 0000:(\S+) (io|mem|pref) start=(0x[0-9a-f]+) "
                      r"end=(0x[0-9a-f]+)", ln)
        if g:
            win[(g.group(1), g.group(2))] = (int(g.group(3), 16), int(g.group(4), 16))
    return win


def dmesg_bars(lines):
    """{(bdf, idx): [(start, end), ...]}: every probe ('reg 0x10:' in 6.1, 'BAR 0 [' in 6.12)
    and every 'assigned' line of the guest's dmesg, in order."""
    seen = {}
    for ln in lines:
        if not ln.startswith("VDM-DMESG "):
            continue
        g = (re.search(r"pci 0000:(\S+): reg 0x([0-9a-f]+): \[(?:io|mem)\s+(0x[0-9a-f]+)-"
                       r"(0x[0-9a-f]+)", ln) or
             re.search(r"pci 0000:(\S+): BAR (\d+):? (?:assigned )?\[(?:io|mem)\s+(0x[0-9a-f]+)-"
                       r"(0x[0-9a-f]+)", ln))
        if not g:
            continue
        idx = int(g.group(2), 16)
        if "reg 0x" in ln:
            idx = (idx - 0x10) // 4
        seen.setdefault((g.group(1), idx), []).append((int(g.group(3), 16),
                                                       int(g.group(4), 16)))
    return seen


WINDOW_FOR = {"io": "io", "mem32": "mem", "mem64pref": "pref"}


def check_good(name, out_text, rc, errs):
    lines = out_text.splitlines()
    want, _ = guestcheck.parse_topology(out_text)
    if rc != 0:
        errs.append("vmm-example exit status %d, expected 0 (guest power-off)" % rc)
    for marker in ("VDM-GUEST-READY", "VDM-PCI-END", "VDM-GUEST-POWEROFF"):
        if not any(marker in ln for ln in lines):
            errs.append("the guest never printed %s" % marker)
    testdevs = sorted(b for b, v in want.devs.items() if v[:2] == (0x1b36, 0x0005))
    expected = {"4M": 1, "1G": 1, "64G": 1, "two-root-ports": 2}[name]
    if len(testdevs) != expected:
        errs.append("--print-topology lists %d testdevs, expected %d" % (len(testdevs), expected))
    size2 = {"4M": 4 << 20, "1G": 1 << 30, "64G": 64 << 30}
    got, wins, dm = guest_bars(lines), guest_windows(lines), dmesg_bars(lines)
    report = []
    for bdf in testdevs:
        bus = int(bdf.split(":")[0], 16)
        parent = [b for b, v in want.bridges.items() if v.get("sec") == bus]
        if len(parent) != 1:
            errs.append("%s: no single root port with secondary bus %02x" % (bdf, bus))
            continue
        rp = parent[0]
        for idx in (0, 1, 2):
            w = want.bars.get((bdf, idx))
            g = got.get((bdf, idx))
            if not w or w[1] is None:
                errs.append("%s BAR%d: vmm-example programmed nothing" % (bdf, idx))
                continue
            kind, base, size = w
            if g != (kind, base, size):
                errs.append("%s BAR%d: vmm-example programmed %s [0x%x, size 0x%x], the guest's "
                            "sysfs says %s" % (bdf, idx, kind, base, size, g))
            win = wins.get((rp, WINDOW_FOR.get(kind, "?")))
            if not win or not (win[0] <= base and base + size - 1 <= win[1]):
                errs.append("%s BAR%d [0x%x-0x%x] is not inside root port %s's %s window %s as "
                            "the guest has it" % (bdf, idx, base, base + size - 1, rp,
                                                  WINDOW_FOR.get(kind), win))
            tw = want.bridges.get(rp, {}).get(WINDOW_FOR.get(kind, "?"))
            if win and tw and win != tw:
                errs.append("root port %s %s window: vmm-example programmed [0x%x-0x%x], the "
                            "guest has [0x%x-0x%x]" % (rp, WINDOW_FOR.get(kind), *tw, *win))
            logged = dm.get((bdf, idx))
            if not logged:
                errs.append("%s BAR%d: the guest's dmesg never mentions it" % (bdf, idx))
            elif any(r != (base, base + size - 1) for r in logged):
                errs.append("%s BAR%d: dmesg shows %s, vmm-example programmed [0x%x-0x%x]" % (
                    bdf, idx, ", ".join("[0x%x-0x%x]" % r for r in logged), base,
                    base + size - 1))
            report.append("%s BAR%d %s 0x%x size 0x%x in %s's %s window" % (
                bdf, idx, kind, base, size, rp, WINDOW_FOR.get(kind)))
        if name in size2 and want.bars.get((bdf, 2), (0, 0, 0))[2] != size2[name]:
            errs.append("%s BAR2 size 0x%x, expected 0x%x" % (
                bdf, want.bars.get((bdf, 2), (0, 0, 0))[2], size2[name]))
    bad = [ln for ln in lines if ln.startswith("VDM-DMESG ") and BAD_DMESG.search(ln)]
    if bad:
        errs.append("the guest's dmesg reports a resource failure: " + "; ".join(bad[:5]))
    if not any(ln.startswith("VDM-DMESG ") for ln in lines):
        errs.append("no dmesg lines from the guest's /vdm/run.sh")
    up = [ln.split()[1] for ln in lines if ln.startswith("VDM-UPTIME ")]
    return report + (["guest uptime at the end: %s s" % up[0]] if up else [])


def check(out, name):
    if name not in CASES:
        print("unknown case %r; cases: %s" % (name, ", ".join(CASES)))
        return 2
    way = read(out, "way")
    if read(out, "skipped"):
        return skip("the batch did not run: " + read(out, "skipped").strip())
    rc_text = read(out, name + ".rc")
    if way is None or rc_text is None:
        print("FAIL: case %s did not run (no results in %s; see the batch test's output)" % (
            name, out))
        return 1
    print("%s (case run in the batch: %s)" % (way.splitlines()[0], out))
    rc = int(rc_text.strip() or -1)
    text = (read(out, name + ".out") or "") + (read(out, name + ".err") or "")
    a, b = (float(x) for x in read(out, name + ".time").split())
    secs = b - a
    errs, notes = [], []
    kind = CASES[name][1]
    if kind == "good":
        notes = check_good(name, read(out, name + ".out") or "", rc, errs)
    elif kind == "run.sh":
        if rc != 0:
            errs.append("scripts/run.sh exit status %d, expected 0" % rc)
        if not re.search(r"^vdm: running directly on host KVM|running nested", text, re.M):
            errs.append("no 'which way' line from nested-run.sh")
        if not re.search(r"VDM-PCI-BAR 0000:\S+ bar=2 start=0x[0-9a-f]+ end=0x[0-9a-f]+ "
                         r"size=0x400000 .*mem 64bit pref", text):
            errs.append("the guest did not list a 4 MiB 64-bit prefetchable BAR 2")
        for marker in ("VDM-GUEST-READY", "VDM-GUEST-POWEROFF"):
            if marker not in text:
                errs.append("the guest never printed %s" % marker)
    else:
        want_rc, want_text, bound = EXPECT[name]
        if rc != want_rc:
            errs.append("exit status %d, expected %d" % (rc, want_rc))
        if want_text not in text:
            errs.append("no message %r" % want_text)
        if secs > bound:
            errs.append("took %.1f s, more than the %d s bound" % (secs, bound))
        if name == "panic" and "Kernel panic" not in text:
            errs.append("the guest's console shows no 'Kernel panic'")
        msg = [ln for ln in text.splitlines() if ln.startswith("vmm-example: ") and
               ("kernel" in ln.lower() or "guest" in ln)]
        notes = msg[-2:]
    for n in notes:
        print("  " + n)
    if errs:
        print("FAIL: %s (exit %d, %.1f s)" % (name, rc, secs))
        for e in errs:
            print("    - " + e)
        for ln in text.splitlines()[-40:]:
            print("    | " + ln)
        return 1
    print("PASS: %s (exit %d, %.1f s)" % (name, rc, secs))
    return 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "run":
        return run(os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3]))
    if len(sys.argv) == 4 and sys.argv[1] == "check":
        return check(os.path.abspath(sys.argv[2]), sys.argv[3])
    print(__doc__ % ", ".join(CASES))
    return 2


if __name__ == "__main__":
    sys.exit(main())
