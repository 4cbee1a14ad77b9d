#!/usr/bin/env python3
# Benchmark (not a ctest): what each sandboxed device costs vmm-example as a machine grows to
# 1, 8, 32 and 128 of them: boot time, memory outside guest RAM, hot-plug latency.
"""usage: tests/bench/bench_scale.py [--runs N] [--sizes 1,8,32,128] [BUILD_DIR]

For each size N, boots the default guest (its vmlinux, PVH entry; the busybox initramfs;
512 MiB, 1 vCPU) under vmm-example with N hotplug root ports (--hotplug-ports N: each port a
device of its own, in its own sandboxed vdm-devhost process, 8 ports per multifunction slot),
all inside ONE scripts/nested-run.sh (directly on a VMX/SVM host).  Per boot:

  set-up      vmm-example's own "set-up" (start to the first KVM_RUN: the machine, every
              device host started and locked down, the kernel loaded)
  boot        VMM start to the guest's VDM-GUEST-READY line (the guest enumerated every port)
  memory      proportional set size of the VMM's process tree outside the guest-RAM mapping
              at the ready line (device hosts included, the 2 spare ones too)
  hot-plug    monitor device_add testdev,bus=rp<N-1> (the LAST port) until the guest sees the
              device with its resources assigned (a 5 ms shell-builtin poll of /proc/bus/pci)

Prints each boot, the medians per size, the marginal cost per added device between sizes
(flat = each device costs the same however many there are) and an ASCII plot for
BENCHMARKS.md.  BUILD_DIR defaults to <repo>/build.
"""
import base64
import os
import re
import socket
import statistics
import sys
import tempfile
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import bench_boot  # noqa: E402  (process-tree memory helpers)

# /vdm hook after the ready line: poll (shell builtins only; read -t on a FIFO nobody writes
# is a 5 ms sleep without a fork) for the hot-added function in /proc/bus/pci, where it
# appears once acpiphp has assigned its resources; then wait for its removal.
GUEST = r"""
mkfifo /tmp/never; exec 3<>/tmp/never
f=/proc/bus/pci/%(bus)02x/00.0
echo SCALE-WAITING
i=0; while [ ! -e $f ] && [ $i -lt 6000 ]; do read -r -t 0.005 -u 3 _; i=$((i+1)); done
[ -e $f ] || { echo "SCALE: nothing appeared at $f"; exit 1; }
echo "SCALE-ADDED $f"
i=0; while [ -e $f ] && [ $i -lt 6000 ]; do read -r -t 0.005 -u 3 _; i=$((i+1)); done
echo "SCALE-REMOVED"
"""


def one(vmm, kernel, initrd, n, nested):
    """One boot with n hotplug ports: dict of set-up, boot, memory, hot-plug (s / MiB)."""
    mon = os.path.join(tempfile.mkdtemp(), "monitor.sock")
    script = GUEST % {"bus": n}  # rp<n-1> is the n-th port: bus n
    argv = [vmm, "--kernel", kernel, "--initrd", initrd, "--hotplug-ports", str(n),
            "--monitor", "unix:" + mon, "--timeout", "400", "-m", "512M",
            "--append", "console=ttyS0 quiet vdm.poweroff=1 vdm.cmd64=" +
            base64.b64encode(script.encode()).decode()]
    if nested:
        argv += ["--memory-backend", "anon"]
    t0 = time.monotonic()
    p, err, t = bench_boot.start_draining_stderr(argv)
    r = {"n": n, "boot": None, "memory": None, "hotplug": None, "setup": None, "ports": None}
    sock, t_add = None, None
    for raw in p.stdout:
        line = raw.decode(errors="replace")
        now = time.monotonic()
        m = re.match(r"VDM-PCI-END count=(\d+)", line)
        if m:
            r["ports"] = int(m.group(1)) - 1
        if r["boot"] is None and line.startswith("VDM-GUEST-READY"):
            r["boot"] = now - t0
            r["memory"] = bench_boot.rss_split_kb(p.pid, 512 * 1024)[1] / 1024
        elif line.startswith("SCALE-WAITING") and sock is None:
            sock = socket.socket(socket.AF_UNIX)
            sock.connect(mon)
            t_add = time.monotonic()
            sock.sendall(b"device_add testdev,id=last,bus=rp%d,membar=4M\n" % (n - 1))
        elif line.startswith("SCALE-ADDED") and t_add is not None:
            r["hotplug"] = now - t_add
            sock.sendall(b"device_del last\n")
        elif line.startswith("SCALE:"):
            print("   guest: " + line.rstrip(), flush=True)
    r["rc"] = p.wait()
    t.join()
    if sock:
        sock.close()
    for ln in err:
        m = re.search(r"exit status \d+; set-up ([\d.]+) ms", ln)
        if m:
            r["setup"] = float(m.group(1)) / 1000
    if r["rc"] != 0 or r["hotplug"] is None:
        print("   vmm-example exit %d; stderr tail:" % r["rc"])
        for ln in [x for x in err if "namespace: refused" not in x][-8:]:
            print("   | " + ln.rstrip())
    return r


def med(rows, key):
    v = [x[key] for x in rows if x[key] is not None]
    return statistics.median(v) if v else None


def plot(sizes, series, width=56):
    """ASCII plot: x = devices (to scale), one letter per series, y scaled per series to its
    own maximum (the legend gives each one's full scale)."""
    height = 12
    grid = [[" "] * (width + 1) for _ in range(height + 1)]
    xmax = max(sizes)
    legend = []
    for mark, (label, vals) in series.items():
        top = max(v for v in vals if v is not None) or 1
        legend.append("%s = %s (top of the axis = %.2f)" % (mark, label, top))
        for n, v in zip(sizes, vals):
            if v is None:
                continue
            x = round(n / xmax * width)
            y = height - round(v / top * height)
            grid[y][x] = mark if grid[y][x] == " " else "*"
    lines = ["  100% |" + "".join(grid[0])]
    for i, row in enumerate(grid[1:], 1):
        lab = "   50% " if i == height // 2 else "       "
        lines.append(lab + "|" + "".join(row))
    lines.append("       +" + "-" * (width + 1))
    axis = [" "] * (width + 12)
    for n in sizes:
        s = str(n)
        x = round(n / xmax * width) + 8 - len(s) // 2
        for j, ch in enumerate(s):
            if 0 <= x + j < len(axis):
                axis[x + j] = ch
    lines.append("".join(axis).rstrip() + "   devices (root ports, each sandboxed)")
    return "\n".join(lines + [""] + legend)


def inner(runs, sizes, vmm, kernel, initrd):
    nested = os.environ.get("VDM_NESTED") == "1"
    rows = {n: [] for n in sizes}
    for i in range(runs):
        for n in sizes:
            r = one(vmm, kernel, initrd, n, nested)
            rows[n].append(r)
            print("run %d N=%-3d set-up %s  boot %s  memory outside guest RAM %s  hot-plug into "
                  "rp%d %s  (guest saw %s ports, exit %d)" % (
                      i + 1, n, fmt(r["setup"], "%.2f s"), fmt(r["boot"], "%.2f s"),
                      fmt(r["memory"], "%.1f MiB"), n - 1, fmt(r["hotplug"], "%.0f ms", 1000),
                      r["ports"], r["rc"]), flush=True)
    m = {n: {k: med(rows[n], k) for k in ("setup", "boot", "memory", "hotplug")} for n in sizes}
    print("RESULT | devices | set-up | boot to ready | memory outside guest RAM | hot-plug "
          "into the last port |")
    print("RESULT |---:|---:|---:|---:|---:|")
    for n in sizes:
        print("RESULT | %d | %s | %s | %s | %s |" % (
            n, fmt(m[n]["setup"], "%.2f s"), fmt(m[n]["boot"], "%.2f s"),
            fmt(m[n]["memory"], "%.1f MiB"), fmt(m[n]["hotplug"], "%.0f ms", 1000)))
    print("MARGINAL | devices | set-up per added device | boot per added device | memory per "
          "added device |")
    print("MARGINAL |---|---:|---:|---:|")
    for a, b in zip(sizes, sizes[1:]):
        d = b - a

        def per(k, scale, f):
            if m[a][k] is None or m[b][k] is None:
                return "-"
            return f % ((m[b][k] - m[a][k]) / d * scale)
        print("MARGINAL | %d -> %d | %s | %s | %s |" % (
            a, b, per("setup", 1000, "%.1f ms"), per("boot", 1000, "%.1f ms"),
            per("memory", 1024, "%.0f KiB")))
    print("(medians of %d run(s) per size; kernel %s)" % (runs, kernel))
    print("PLOT\n" + plot(sizes, {
        "S": ("set-up (s)", [m[n]["setup"] for n in sizes]),
        "B": ("boot to ready (s)", [m[n]["boot"] for n in sizes]),
        "M": ("memory outside guest RAM (MiB)", [m[n]["memory"] for n in sizes]),
        "H": ("hot-plug latency (s)", [m[n]["hotplug"] for n in sizes])}))
    return 0


def fmt(v, f, scale=1):
    return f % (v * scale) if v is not None else "-"


def main():
    args = sys.argv[1:]
    if args[:1] == ["--inner"]:
        return inner(int(args[1]), [int(x) for x in args[2].split(",")], *args[3:6])
    if args[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    runs, sizes = 1, "1,8,32,128"
    while args and args[0].startswith("--"):
        if args[0] == "--runs" and len(args) > 1:
            runs, args = int(args[1]), args[2:]
        elif args[0] == "--sizes" and len(args) > 1:
            sizes, args = args[1], args[2:]
        else:
            print("bench_scale: unknown option %s (see --help)" % args[0])
            return 2
    if not all(x.isdigit() and 1 <= int(x) <= 248 for x in sizes.split(",")):
        print("bench_scale: --sizes %s: give numbers from 1 to 248, comma-separated" % sizes)
        return 2
    found = bench_boot.host_setup("bench_scale", args[0] if args else None)
    if not found:
        return 1
    vmm, guest = found
    kernel = os.path.realpath(os.path.join(guest, "vmlinux"))
    if not os.path.isfile(kernel):
        kernel = os.path.realpath(os.path.join(guest, "vmlinuz"))
    initrd = os.path.realpath(os.path.join(guest, "initrd"))
    return bench_boot.run_inner_nested("bench_scale", __file__,
                                       [str(runs), sizes, vmm, kernel, initrd])


if __name__ == "__main__":
    sys.exit(main())
