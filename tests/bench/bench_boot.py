#!/usr/bin/env python3
# Benchmark (not a ctest): boot time to the default guest's ready line and the VMM's peak RSS,
# vmm-example against QEMU q35, both on the same KVM (nested: the same L1 boot).
"""usage: tests/bench/bench_boot.py [--runs N] [BUILD_DIR]

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
BUILD_DIR defaults to <repo>/build.
"""
import os
import shlex
import statistics
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
TOP = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
APPEND = "console=ttyS0 quiet vdm.poweroff=1"


def vmm_cmd(vmm, kernel, initrd, nested):
    cmd = [vmm, "--kernel", kernel, "--initrd", initrd, "--append", APPEND, "-m", "512M",
           "--device", "testdev,membar=4M", "--timeout", "300"]
    return cmd + (["--memory-backend", "anon"] if nested else [])


def qemu_cmd(kernel, initrd):
    return ["qemu-system-x86_64", "-accel", "kvm", "-M", "q35", "-cpu", "host", "-m", "512M",
            "-smp", "1", "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
            "-serial", "stdio", "-kernel", kernel, "-initrd", initrd,
            "-append", APPEND + " panic=-1",
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


def inner(runs, vmm, kernel, initrd):
    nested = os.environ.get("VDM_NESTED") == "1"
    names = ("vmm-example", "in-process", "qemu")
    rows = {n: [] for n in names}
    cmds = {"vmm-example": vmm_cmd(vmm, kernel, initrd, nested),
            "in-process": vmm_cmd(vmm, kernel, initrd, nested) + ["--in-process"],
            "qemu": qemu_cmd(kernel, initrd)}
    for name, cmd in cmds.items():
        print("command %s: %s" % (name, " ".join(shlex.quote(c) for c in cmd)), flush=True)
    for i in range(runs):
        for name in names:
            ready, rss, rc, bar2, split = one_boot(cmds[name])
            rows[name].append((ready, rss, split[1]))
            print("run %d %-11s ready %s  peak RSS %6.1f MiB  at ready: guest RAM %6.1f MiB, "
                  "the rest (PSS) %5.1f MiB  exit %d%s" % (
                      i + 1, name, "%.2f s" % ready if ready else "never", rss / 1024,
                      split[0] / 1024, split[1] / 1024, rc,
                      "" if bar2 else "  (no 4 MiB BAR2 listed!)"), flush=True)
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
    q = med["qemu"]
    for name in names[:2]:
        v = med[name]
        print("RESULT | %s / QEMU | %.2fx | %.3fx | %.3fx |" % (
            name, v[0] / q[0], v[1] / q[1], v[2] / q[2]))
    print("(medians of %d runs each)" % runs)
    return 0


def main():
    args = sys.argv[1:]
    if args[:1] == ["--inner"]:
        return inner(int(args[1]), *args[2:5])
    if args[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    runs = 5
    if args[:1] == ["--runs"]:
        runs = int(args[1])
        args = args[2:]
    build = os.path.abspath(args[0] if args else os.path.join(TOP, "build"))
    vmm = os.path.join(build, "vmm-example", "vmm-example")
    if not os.access(vmm, os.X_OK):
        print("bench_boot: %s not built" % vmm)
        return 1
    guest = subprocess.run([os.path.join(TOP, "scripts", "build-initramfs.sh"), "default-guest"],
                           capture_output=True, text=True, check=True).stdout.strip()
    kernel = os.path.realpath(os.path.join(guest, "vmlinuz"))
    initrd = os.path.realpath(os.path.join(guest, "initrd"))
    t0 = time.monotonic()
    r = subprocess.run([os.path.join(TOP, "scripts", "nested-run.sh"), "--timeout", "3000", "--",
                        sys.executable, os.path.abspath(__file__), "--inner", str(runs), vmm,
                        kernel, initrd], stdin=subprocess.DEVNULL)
    print("bench_boot: %.0f s in all; load average now %s" % (
        time.monotonic() - t0, " ".join(open("/proc/loadavg").read().split()[:3])))
    return r.returncode


if __name__ == "__main__":
    sys.exit(main())
