#!/usr/bin/env python3
# Benchmark (not a ctest): boot time to the default guest's ready line and the VMM's peak RSS,
# vmm-example against QEMU q35, both on the same KVM (nested: the same L1 boot).
"""usage: tests/bench/bench_boot.py [--runs N] [--breakdown] [--kernel vmlinux|bzimage] [BUILD_DIR]

Boots the default guest (scripts/build-initramfs.sh default-guest: the Debian kernel and the
busybox initramfs; command line "console=ttyS0 quiet vdm.poweroff=1") N times (default 5) with
each VMM, alternating, all inside ONE scripts/nested-run.sh (directly on a VMX/SVM host):

  vmm-example  BUILD_DIR/vmm-example/vmm-example --device testdev,membar=4M
               (--memory-backend anon when nested, as scripts/run.sh does; every device in a
               sandboxed vdm-devhost process, the default)
  in-process   the same with --in-process (devices inside the VMM process)
  QEMU         qemu-system-x86_64 -accel kvm -M q35 -cpu host (SeaBIOS, linuxboot),
               -device pcie-root-port,id=rp1,chassis=1,slot=1
               -device pci-testdev,bus=rp1,membar=4M

all with -m 512M, one vCPU, the console on a pipe.  Per run: wall time from the VMM's start
to the guest's VDM-GUEST-READY line; the peak RSS of the VMM's whole process tree (device
hosts included, sampled every 50 ms); and, at the ready line, the tree's proportional set size
outside the guest-RAM mapping (what the VMM itself costs).  Prints every run and the medians
with ratios against QEMU.

The kernel: the default guest's uncompressed vmlinux (PVH entry; QEMU boots the same file
through its PVH support), or with --kernel bzimage the compressed bzImage for every VMM.
A fourth column, "qemu-bzimage", always boots QEMU with the bzImage (what QEMU users get
from -kernel vmlinuz).

--breakdown: after the timed runs, one more boot of each, instrumented: vmm-example with
--stats, and for every VMM KVM's own counters of the VM (debugfs) when the ready line comes; the
guest writes a mark into its kernel log right after the ready line, so its printk clock
can be tied to the host's.  Prints, side by side: VMM set-up (vmm-example's own summary),
VMM start to the kernel's clock start (firmware, loader, decompressor), kernel to /init (the
printk time of "Run /init"), /init to VDM-GUEST-READY, and the exits (KVM's counters by kind;
vmm-example's table by port and MMIO region).
BUILD_DIR defaults to <repo>/build.
"""
import base64
import glob
import os
import re
import shlex
import statistics
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
TOP = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
APPEND = "console=ttyS0 quiet vdm.poweroff=1"


# Run right after VDM-GUEST-READY (guest-init's vdm.cmd64 hook), shell builtins first: a mark in
# the kernel log and, at once, a console line the host timestamps; then the log lines wanted.
MARK_CMD = ("echo VDM-BENCH-MARK >/dev/kmsg; echo VDM-BENCH-MARKED; "
            "dmesg | grep -E 'Run /init|VDM-BENCH-MARK|clocksource|Freeing unused' | "
            "sed 's/^/VDM-BENCH-DMESG /'")
MARK_APPEND = " vdm.cmd64=" + base64.b64encode(MARK_CMD.encode()).decode()


def vmm_cmd(vmm, kernel, initrd, nested, append=APPEND):
    cmd = [vmm, "--kernel", kernel, "--initrd", initrd, "--append", append, "-m", "512M",
           "--device", "testdev,membar=4M", "--timeout", "300"]
    return cmd + (["--memory-backend", "anon"] if nested else [])


def qemu_cmd(kernel, initrd, append=APPEND):
    return ["qemu-system-x86_64", "-accel", "kvm", "-M", "q35", "-cpu", "host", "-m", "512M",
            "-smp", "1", "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
            "-serial", "stdio", "-kernel", kernel, "-initrd", initrd,
            "-append", append + " panic=-1",
            "-device", "pcie-root-port,id=rp1,chassis=1,slot=1",
            "-device", "pci-testdev,bus=rp1,membar=4M"]


def tree(pid):
    """pid and all its descendants (vmm-example runs each device in a vdm-devhost child)."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def field_kb(path, key):
    try:
        with open(path) as f:
            for ln in f:
                if ln.startswith(key):
                    return int(ln.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_rss_kb(pid):
    return sum(field_kb("/proc/%d/status" % p, "VmRSS:") for p in tree(pid))


def children_pss_kb(pid):
    return sum(field_kb("/proc/%d/smaps_rollup" % p, "Pss:") for p in tree(pid) if p != pid)


def rss_split_kb(pid, ram_kb):
    """(resident KiB of the guest-RAM mapping, KiB of everything else) from smaps: the guest's
    RAM is the one mapping exactly as big as -m (both VMMs map it in one piece); everything
    else is the rest of the process tree's proportional set size (shared pages split)."""
    ram = total = size = 0
    try:
        with open("/proc/%d/smaps" % pid) as f:
            for ln in f:
                w = ln.split()
                if w[0] == "Size:":
                    size = int(w[1])
                elif w[0] == "Pss:":
                    total += int(w[1])
                    if size == ram_kb:
                        ram += int(w[1])
    except (OSError, IndexError, ValueError):
        pass
    return ram, total - ram + children_pss_kb(pid)


def one_boot(cmd):
    """(seconds to VDM-GUEST-READY or None, peak RSS KiB, exit status, BAR2 line seen,
    (guest RAM, rest) resident KiB when the ready line came)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    ready, bar2, peak, split = None, False, [0], (0, 0)
    done = threading.Event()

    def sample():  # the peak of the whole process tree's RSS, every 50 ms
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_kb(p.pid))
            time.sleep(0.05)
    t = threading.Thread(target=sample)
    t.start()
    for raw in p.stdout:
        line = raw.decode(errors="replace")
        if "bar=2" in line and "size=0x400000" in line:
            bar2 = True
        if ready is None and "VDM-GUEST-READY" in line:
            ready = time.monotonic() - t0
            split = rss_split_kb(p.pid, 512 * 1024)
    rc = p.wait()
    done.set()
    t.join()
    return ready, peak[0], rc, bar2, split


KVM_COUNTERS = ("exits", "io_exits", "mmio_exits", "halt_exits", "halt_wait_ns", "irq_exits",
                "irq_window_exits", "irq_injections", "signal_exits", "insn_emulation",
                "hypercalls", "request_irq_exits")


def debugfs_kvm():
    """/sys/kernel/debug/kvm, mounting debugfs when needed (root in L1); None if not there."""
    d = "/sys/kernel/debug/kvm"
    if not os.path.isdir(d):
        subprocess.run(["mount", "-t", "debugfs", "debugfs", "/sys/kernel/debug"],
                       capture_output=True)
    return d if os.path.isdir(d) else None


def kvm_counters(pid):
    """KVM's counters of the VM(s) process `pid` made (debugfs: kvm/<pid>-<fd>/), summed."""
    d = debugfs_kvm()
    out = {}
    if not d:
        return out
    for vm in glob.glob(os.path.join(d, "%d-*" % pid)):
        for name in KVM_COUNTERS:
            try:
                with open(os.path.join(vm, name)) as f:
                    out[name] = out.get(name, 0) + int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    return out


def start_draining_stderr(argv):
    """Start argv with stdout piped; a thread collects its stderr lines (so a VMM that writes
    much there never blocks): (process, list of stderr lines, that thread to join)."""
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    err = []
    t = threading.Thread(target=lambda: err.extend(
        ln.decode(errors="replace") for ln in p.stderr))
    t.start()
    return p, err, t


def host_setup(tool, build_arg):
    """vmm-example of the build folder (default ./build) and the default guest's folder
    (scripts/build-initramfs.sh default-guest builds it if need be); None after saying what
    is missing."""
    build = os.path.abspath(build_arg or os.path.join(TOP, "build"))
    vmm = os.path.join(build, "vmm-example", "vmm-example")
    if not os.access(vmm, os.X_OK):
        print("%s: %s not built" % (tool, vmm))
        return None
    guest = subprocess.run([os.path.join(TOP, "scripts", "build-initramfs.sh"), "default-guest"],
                           capture_output=True, text=True, check=True).stdout.strip()
    return vmm, guest


def run_inner_nested(tool, program, inner_args):
    """Run `program --inner ARGS...` in one L1 (scripts/nested-run.sh), saying the load
    average before and after; its exit status."""
    t0 = time.monotonic()
    print("%s: load average before %s" % (tool, " ".join(open("/proc/loadavg").read().split()[:3])))
    r = subprocess.run([os.path.join(TOP, "scripts", "nested-run.sh"), "--timeout", "3000", "--",
                        sys.executable, os.path.abspath(program), "--inner"] + inner_args,
                       stdin=subprocess.DEVNULL)
    print("%s: %.0f s in all; load average now %s" % (
        tool, time.monotonic() - t0, " ".join(open("/proc/loadavg").read().split()[:3])))
    return r.returncode


def breakdown_boot(cmd):
    """One instrumented boot: wall times of the ready line and the mark, the guest's printk
    times, KVM's counters at the mark, and the VMM's stderr."""
    t0 = time.monotonic()
    p, err, t = start_draining_stderr(cmd)
    r = {"ready": None, "marked": None, "dmesg": [], "kvm": {}}
    for raw in p.stdout:
        line = raw.decode(errors="replace")
        now = time.monotonic() - t0
        if r["ready"] is None and "VDM-GUEST-READY" in line:
            r["ready"] = now
        elif r["marked"] is None and line.startswith("VDM-BENCH-MARKED"):
            r["marked"] = now
            r["kvm"] = kvm_counters(p.pid)
        elif line.startswith("VDM-BENCH-DMESG "):
            r["dmesg"].append(line[len("VDM-BENCH-DMESG "):].rstrip())
    r["rc"] = p.wait()
    t.join()
    r["stderr"] = err
    return r


def printk_time(lines, text):
    for ln in lines:
        m = re.match(r"\[\s*(\d+\.\d+)\]\s*(.*)", ln)
        if m and text in m.group(2):
            return float(m.group(1))
    return None


def breakdown(cmds, names):
    print("\nBREAKDOWN: one instrumented boot each (vmm-example with --stats)", flush=True)
    res = {}
    for name in names:
        cmd = list(cmds[name])
        ours = not name.startswith("qemu")
        i = cmd.index("--append" if ours else "-append")
        cmd[i + 1] = cmd[i + 1] + MARK_APPEND
        if ours:
            cmd.append("--stats")
        res[name] = breakdown_boot(cmd)
    cols = []
    for name in names:
        r = res[name]
        mark = printk_time(r["dmesg"], "VDM-BENCH-MARK")
        init = printk_time(r["dmesg"], "Run /init")
        setup = None
        for ln in r["stderr"]:
            m = re.search(r"exit status \d+; set-up ([\d.]+) ms", ln)
            if m:
                setup = float(m.group(1)) / 1000
        c = {"setup": setup, "ready": r["ready"]}
        if None not in (mark, init, r["marked"], r["ready"]):
            kstart = r["marked"] - mark  # host time when the guest's printk clock read 0
            c.update(kstart=kstart, init=init, to_ready=r["ready"] - kstart - init)
        c["kvm"] = r["kvm"]
        cols.append(c)

    def cell(v, fmt="%.2f s"):
        return fmt % v if v is not None else "-"
    print("BREAKDOWN | phase | " + " | ".join(names) + " |")
    print("BREAKDOWN |---|" + "---:|" * len(names))
    rows = [("VMM start to its first KVM_RUN (its set-up; QEMU: not visible)", "setup"),
            ("VMM start to the kernel's clock start (set-up, firmware, loader, decompressor)",
             "kstart"),
            ("kernel clock start to /init (printk time of 'Run /init')", "init"),
            ("/init to VDM-GUEST-READY", "to_ready"),
            ("VMM start to VDM-GUEST-READY (this boot)", "ready")]
    for label, key in rows:
        print("BREAKDOWN | %s | %s |" % (label, " | ".join(cell(c.get(key)) for c in cols)))
    for k in KVM_COUNTERS:
        if any(k in c["kvm"] for c in cols):
            fmt = "%.0f" if not k.endswith("_ns") else "%.0f"
            vals = [c["kvm"].get(k) for c in cols]
            if k.endswith("_ns"):
                label, vals = "KVM halt_wait (s, halted waiting)", [
                    v / 1e9 if v is not None else None for v in vals]
                fmt = "%.2f"
            else:
                label = "KVM " + k
            print("BREAKDOWN | %s (at the ready line) | %s |" % (
                label, " | ".join(cell(v, fmt) for v in vals)))
    if not any(c["kvm"] for c in cols):
        print("BREAKDOWN: KVM's debugfs counters unavailable (no /sys/kernel/debug/kvm)")
    for name in names:
        st = [ln.split("stats: ", 1)[1].rstrip() for ln in res[name]["stderr"]
              if "vmm-example: stats: " in ln]
        if st:
            print("\nBREAKDOWN %s --stats (whole run: boot, the mark's dmesg, poweroff):" % name)
            for ln in st:
                print("  " + ln)
        if res[name]["ready"] is None:
            print("BREAKDOWN %s: no ready line (exit %d); stderr tail:" % (name, res[name]["rc"]))
            for ln in res[name]["stderr"][-10:]:
                print("  " + ln.rstrip())


def inner(runs, do_breakdown, vmm, kernel, initrd, bzimage):
    nested = os.environ.get("VDM_NESTED") == "1"
    names = ("vmm-example", "in-process", "qemu", "qemu-bzimage")
    rows = {n: [] for n in names}
    cmds = {"vmm-example": vmm_cmd(vmm, kernel, initrd, nested),
            "in-process": vmm_cmd(vmm, kernel, initrd, nested) + ["--in-process"],
            "qemu": qemu_cmd(kernel, initrd),
            "qemu-bzimage": qemu_cmd(bzimage, initrd)}
    for name, cmd in cmds.items():
        print("command %s: %s" % (name, " ".join(shlex.quote(c) for c in cmd)), flush=True)
    for i in range(runs):
        for name in names:
            ready, rss, rc, bar2, split = one_boot(cmds[name])
            rows[name].append((ready, rss, split[1]))
            print("run %d %-12s ready %s  peak RSS %6.1f MiB  at ready: guest RAM %6.1f MiB, "
                  "the rest (PSS) %5.1f MiB  exit %d%s" % (
                      i + 1, name, "%.2f s" % ready if ready else "never", rss / 1024,
                      split[0] / 1024, split[1] / 1024, rc,
                      "" if bar2 else "  (no 4 MiB BAR2 listed!)"), flush=True)
    if runs:
        med = {}
        for name, r in rows.items():
            times = [x[0] for x in r if x[0] is not None]
            med[name] = (statistics.median(times) if times else float("nan"),
                         statistics.median(x[1] for x in r) / 1024,
                         statistics.median(x[2] for x in r) / 1024)
        print("RESULT | VMM | boot to VDM-GUEST-READY | peak RSS | memory outside guest RAM at "
              "ready (PSS) |")
        for name in names:
            print("RESULT | %s | %.2f s | %.1f MiB | %.1f MiB |" % (name, *med[name]))
        for ref in ("qemu", "qemu-bzimage"):
            q = med[ref]
            for name in names[:2]:
                v = med[name]
                print("RESULT | %s / %s | %.2fx | %.3fx | %.3fx |" % (
                    name, ref, v[0] / q[0], v[1] / q[1], v[2] / q[2]))
        print("(medians of %d runs each; kernel %s)" % (runs, kernel))
    if do_breakdown:
        extra = os.environ.get("VDM_BENCH_BREAKDOWN_ARGS", "")
        bnames = names
        if extra:  # one more vmm-example column: the same with these arguments
            cmds["vmm-example " + extra] = cmds["vmm-example"] + shlex.split(extra)
            bnames = names[:1] + ("vmm-example " + extra,) + names[1:]
        kargs = os.environ.get("VDM_BENCH_BREAKDOWN_KARGS", "")
        if kargs:  # vmm-example and QEMU again, these words added to the kernel command line
            for base in ("vmm-example", "qemu"):
                c = list(cmds[base])
                i = c.index("--append" if base == "vmm-example" else "-append")
                c[i + 1] = c[i + 1].replace(APPEND, APPEND + " " + kargs)
                cmds[base + " +" + kargs] = c
            bnames = bnames + ("vmm-example +" + kargs, "qemu +" + kargs)
        breakdown(cmds, bnames)
    return 0


def main():
    args = sys.argv[1:]
    if args[:1] == ["--inner"]:
        return inner(int(args[1]), args[2] == "1", *args[3:7])
    if args[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    runs, do_breakdown, which = 5, False, "vmlinux"
    while args and args[0].startswith("--"):
        if args[0] == "--runs":
            runs = int(args[1])
            args = args[2:]
        elif args[0] == "--breakdown":
            do_breakdown = True
            args = args[1:]
        elif args[0] == "--kernel" and len(args) > 1 and args[1] in ("vmlinux", "bzimage"):
            which = args[1]
            args = args[2:]
        else:
            print("bench_boot: unknown option %s (see --help)" % args[0])
            return 2
    found = host_setup("bench_boot", args[0] if args else None)
    if not found:
        return 1
    vmm, guest = found
    bzimage = os.path.realpath(os.path.join(guest, "vmlinuz"))
    kernel = os.path.realpath(os.path.join(guest, "vmlinux"))
    if which == "bzimage":
        kernel = bzimage
    elif not os.path.isfile(kernel):
        print("bench_boot: the default guest has no vmlinux (%s): run "
              "scripts/build-initramfs.sh default-guest, or pass --kernel bzimage" % kernel)
        return 1
    initrd = os.path.realpath(os.path.join(guest, "initrd"))
    return run_inner_nested("bench_boot", __file__, [str(runs), "1" if do_breakdown else "0",
                                                      vmm, kernel, initrd, bzimage])


if __name__ == "__main__":
    sys.exit(main())
