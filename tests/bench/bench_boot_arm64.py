#!/usr/bin/env python3
# Benchmark (not a ctest): the arm64 default guest booted by vmm-example (cross-built) and by
# QEMU virt (device tree, and EDK2 + ACPI) on the same arm64 KVM, side by side in one L1 boot.
"""usage: tests/bench/bench_boot_arm64.py [--runs N] [--cycles N] [--build DIR]

Boots the arm64 default guest (scripts/build-initramfs.sh default-guest --arch arm64: Debian's
arm64 kernel and the busybox initramfs; "console=ttyAMA0 quiet vdm.poweroff=1") N times
(default 5) with each VMM, alternating, all inside ONE scripts/nested-run.sh --arch arm64 (an
arm64 L1 under QEMU TCG here, directly on an arm64 host with KVM):

  vmm-example   DIR/vmm-example/vmm-example --boot acpi --device testdev,membar=4M
                (every device in a sandboxed vdm-devhost, the default; --memory-backend anon)
  in-process    the same with --in-process
  QEMU-ACPI     qemu-system-aarch64 -M virt,gic-version=3 -accel kvm -cpu host with EDK2
                (QEMU_EFI.fd) booting the kernel by UEFI + ACPI, as a distribution would
  QEMU-DT       the same without firmware: the kernel straight from QEMU, by device tree

each with -m 512M, one vCPU, a pcie-root-port and a pci-testdev,membar=4M behind it. Per run:
wall time from the VMM's start to the guest's VDM-GUEST-READY line, and at that line the
proportional set size of the VMM's process tree outside the guest-RAM mapping (what the VMM
itself costs; device hosts included). Prints every run and the medians with ratios against
QEMU-ACPI (the like-for-like machine: ACPI, and what the seed bug's users run).

Then hotplug latency (--cycles N, default 10; 0 skips): one more boot each of vmm-example
(sandboxed) and QEMU-ACPI with the PCI watcher of the hotplug e2e test in the guest; N times
QMP device_add pci-testdev,membar=4M on the root port (QEMU's: pref64-reserve=64M), the time
until the guest lists the device with its BAR 2, then device_del and DEVICE_DELETED. vdm hot-adds
through ACPI (GED), QEMU 7.2 virt through native PCIe hotplug (its virt has no ACPI PCI hotplug).
DIR defaults to <repo>/build-arm64 (configured with cmake/aarch64-linux-gnu.cmake if missing).
"""
import os
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_boot import tree  # noqa: E402 - the VMM's process tree, device hosts included

TOP = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
APPEND = "console=ttyAMA0 quiet vdm.poweroff=1"
RAM = 512 << 20
EFI = "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd"


def sh(*cmd):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout.strip()


def pss_outside_ram(pid):
    """KiB of proportional set size of pid's tree, the guest-RAM mapping (RAM bytes) left out."""
    total = 0
    for p in tree(pid):
        try:
            with open("/proc/%d/smaps" % p) as f:
                skip = False
                for ln in f:
                    w = ln.split()
                    if "-" in w[0] and not w[0].endswith(":"):
                        lo, hi = (int(x, 16) for x in w[0].split("-"))
                        skip = p == pid and hi - lo == RAM
                    elif w[0] == "Pss:" and not skip:
                        total += int(w[1])
        except OSError:
            continue
    return total


def one_boot(cmd):
    """(seconds to VDM-GUEST-READY, MiB outside guest RAM then, exit status) of one boot."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, errors="replace")
    ready, mib = None, None
    for ln in p.stdout:
        if ready is None and ln.startswith("VDM-GUEST-READY"):
            ready = time.monotonic() - t0
            mib = pss_outside_ram(p.pid) / 1024
    try:
        rc = p.wait(60)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = None
    return ready, mib, rc


def hotplug_latency(name, argv, qmp_path, cycles, out):
    """Seconds from each QMP device_add until the guest's watcher lists BAR 2 (None: failed)."""
    sys.path.insert(0, os.path.join(TOP, "tests", "e2e"))
    # the hotplug e2e test's console reader, QMP client and hot-add/eject loop
    from hotplug_l1 import Console, Qmp, qmp_hotplug_cycles  # noqa: E402

    con = Console(argv, os.path.join(out, "hp-%s-console.log" % name),
                  os.path.join(out, "hp-%s-stderr.log" % name))
    if not con.wait("VDM-HP-READY", 0, 300):
        con.p.kill()
        print("FAIL: %s: the hotplug guest did not get ready (%s)" % (name, out))
        return None
    q = Qmp(qmp_path)
    q.execute("qmp_capabilities")
    lat, done = qmp_hotplug_cycles(con, q, cycles, name)
    if not done:
        print("FAIL: %s: a hot-add/eject cycle failed (guest console in %s)" % (name, out))
        lat = None
    q.execute("quit")
    try:
        con.p.wait(30)
    except subprocess.TimeoutExpired:
        con.p.kill()
    return lat


def inner(vmm, qemu, kernel, initrd, runs, hp_initrd=None, cycles=0, out=None):
    dev = ["-device", "pcie-root-port,id=rp1,chassis=1,slot=1",
           "-device", "pci-testdev,bus=rp1,membar=4M"]
    q = [qemu, "-M", "virt,gic-version=3", "-accel", "kvm", "-cpu", "host", "-m", "512M",
         "-smp", "1", "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
         "-serial", "stdio", "-kernel", kernel, "-initrd", initrd,
         "-append", APPEND + " panic=-1"] + dev
    v = [vmm, "--kernel", kernel, "--initrd", initrd, "--append", APPEND, "-m", "512M",
         "--boot", "acpi", "--device", "testdev,membar=4M", "--timeout", "300",
         "--memory-backend", "anon"]
    vmms = [("vmm-example", v), ("in-process", v + ["--in-process"]),
            ("QEMU-ACPI", q + ["-bios", EFI]), ("QEMU-DT", q)]
    res = {n: [] for n, _ in vmms}
    for r in range(runs):
        for name, cmd in vmms:
            ready, mib, rc = one_boot(cmd)
            print("run %d %-11s ready %s  outside guest RAM %s  exit %s" %
                  (r + 1, name, "%6.2f s" % ready if ready else "  never",
                   "%6.1f MiB" % mib if mib is not None else "   -", rc), flush=True)
            if ready is None or rc != 0:
                print("FAIL: %s did not boot to the ready line and power off" % name)
                return 1
            res[name].append((ready, mib))
    ref_t = statistics.median(t for t, _ in res["QEMU-ACPI"])
    ref_m = statistics.median(m for _, m in res["QEMU-ACPI"])
    print("RESULT | VMM | boot to VDM-GUEST-READY (median of %d) | vs QEMU-ACPI | "
          "memory outside guest RAM | vs QEMU-ACPI |" % runs)
    for name, _ in vmms:
        t = statistics.median(x for x, _ in res[name])
        m = statistics.median(y for _, y in res[name])
        print("RESULT | %s | %.2f s | %.2fx | %.1f MiB | %.3fx |" %
              (name, t, t / ref_t, m, m / ref_m))
    if not cycles:
        return 0
    import tempfile
    sock = tempfile.mkdtemp(prefix="vdm-bench-")
    hp_append = "console=ttyAMA0 quiet panic=-1"
    hv = [vmm, "--kernel", kernel, "--initrd", hp_initrd, "--append", hp_append, "-m", "512M",
          "--boot", "acpi", "--memory-backend", "anon", "--hotplug-ports", "0",
          "--device", "pcie-root-port,id=rp1", "--timeout", "900",
          "--qmp", "unix:" + os.path.join(sock, "vdm.qmp")]
    hq = [qemu, "-M", "virt,gic-version=3", "-accel", "kvm", "-cpu", "host", "-m", "512M",
          "-smp", "1", "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
          "-serial", "stdio", "-bios", EFI, "-kernel", kernel, "-initrd", hp_initrd,
          "-append", hp_append,
          "-device", "pcie-root-port,id=rp1,chassis=1,slot=1,pref64-reserve=64M",
          "-qmp", "unix:%s,server=on,wait=off" % os.path.join(sock, "qemu.qmp")]
    lat = {"vmm-example": hotplug_latency("vmm-example", hv, os.path.join(sock, "vdm.qmp"),
                                          cycles, out),
           "QEMU-ACPI": hotplug_latency("QEMU-ACPI", hq, os.path.join(sock, "qemu.qmp"),
                                        cycles, out)}
    print("RESULT | VMM | device_add -> guest lists BAR 2 (median of %d) | min | max |" % cycles)
    for name, l in lat.items():
        if l:
            ms = [x * 1000 for x in l]
            print("RESULT | %s | %.0f ms | %.0f ms | %.0f ms |" %
                  (name, statistics.median(ms), min(ms), max(ms)))
        else:
            print("RESULT | %s | failed | | |" % name)
    return 0 if all(lat.values()) else 1


def main():
    args = sys.argv[1:]
    if args[:1] == ["--inner"]:
        return inner(args[1], args[2], args[3], args[4], int(args[5]), args[6], int(args[7]),
                     args[8])
    runs, cycles, build = 5, 10, os.path.join(TOP, "build-arm64")
    while args:
        if args[0] == "--runs" and len(args) > 1:
            runs, args = int(args[1]), args[2:]
        elif args[0] == "--cycles" and len(args) > 1:
            cycles, args = int(args[1]), args[2:]
        elif args[0] == "--build" and len(args) > 1:
            build, args = os.path.abspath(args[1]), args[2:]
        else:
            print(__doc__)
            return 2
    if runs < 1:
        print("--runs %d: at least one run" % runs)
        return 2
    subprocess.run([os.path.join(TOP, "scripts/install-deps.sh"), "--arm64"], check=True,
                   stdout=subprocess.DEVNULL)
    if not os.path.exists(os.path.join(build, "CMakeCache.txt")):
        subprocess.run(["cmake", "-S", TOP, "-B", build, "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                        "-DCMAKE_TOOLCHAIN_FILE=" + os.path.join(TOP, "cmake/aarch64-linux-gnu.cmake")],
                       check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", build, "--target", "vmm-example", "vdm-devhost", "-j2"],
                   check=True, stdout=subprocess.DEVNULL)
    guest = sh(os.path.join(TOP, "scripts/build-initramfs.sh"), "default-guest", "--arch", "arm64")
    qemu = sh(os.path.join(TOP, "scripts/nested/fetch-arm64-qemu.sh")).splitlines()[-1]
    py = sh(os.path.join(TOP, "scripts/nested/fetch-arm64-python.sh")).splitlines()[-1]
    # The hotplug guest: the default guest's initramfs plus the hotplug e2e test's watcher.
    out = os.path.join(build, "bench-boot-arm64")
    os.makedirs(out, exist_ok=True)
    hooks = sh(os.path.join(TOP, "scripts/build-initramfs.sh"), "pack",
               os.path.join(out, "hotplug-hooks.cpio"),
               os.path.join(TOP, "tests/e2e/hotplug_guest_run.sh") + ":/vdm/run.sh",
               os.path.join(TOP, "tests/e2e/hotplug_guest_watch.sh") + ":/vdm/hp-watch")
    hp_initrd = os.path.join(out, "initrd")
    with open(hp_initrd, "wb") as f:
        for part in (os.path.join(guest, "initrd"), hooks):
            with open(part, "rb") as g:
                f.write(g.read())
    cmd = [os.path.join(TOP, "scripts/nested-run.sh"), "--arch", "arm64", "--timeout", "3000",
           "--share", out, "--", py, os.path.abspath(__file__), "--inner",
           os.path.join(build, "vmm-example/vmm-example"), qemu,
           os.path.join(guest, "vmlinuz"), os.path.join(guest, "initrd"), str(runs),
           hp_initrd, str(cycles), out]
    return subprocess.run(cmd).returncode


if __name__ == "__main__":
    sys.exit(main())
