#!/usr/bin/env python3
# The hotplug e2e scenarios, run where /dev/kvm boots Linux (inside L1 under nested-run.sh, or
# directly): one vmm-example boot driven through its monitor, QMP and console, then QEMU q35 with
# the same kernel and initramfs for the hotplug latency comparison.
"""usage: hotplug_l1.py VMM KERNEL INITRD OUTDIR

Prints "ok: ..." / "FAIL: ..." per check, the guest console lines that matter, and
"RESULT latency ..." lines; exit 0 when every check passed, 1 otherwise."""
import json
import os
import pty
import re
import select
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
# VDM_HOTPLUG_APPEND replaces the guest command line (debugging: drop "quiet")
APPEND = os.environ.get("VDM_HOTPLUG_APPEND", "console=ttyS0 quiet panic=-1")
WAIT = 90  # seconds for one guest reaction (nested KVM under TCG is slow)
failures = []
passes = []


def check(name, cond, detail=""):
    if cond:
        passes.append(name)
        print("ok: " + name, flush=True)
    else:
        failures.append(name)
        print("FAIL: %s%s" % (name, (": " + detail) if detail else ""), flush=True)
    return cond


class Console:
    """A VMM's serial console: stdout lines with arrival times; stdin to type into the guest."""

    def __init__(self, argv, log_path, err_path):
        self.lines = []  # (monotonic time, text)
        self.cv = threading.Condition()
        self.log = open(log_path, "w")
        self.err = open(err_path, "w")
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=self.err)
        self.t = threading.Thread(target=self._reader, daemon=True)
        self.t.start()

    def _reader(self):
        buf = b""
        while True:
            chunk = self.p.stdout.read1(4096)
            if not chunk:
                break
            now = time.monotonic()
            self.log.write(chunk.decode("utf-8", "replace"))
            self.log.flush()
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                with self.cv:
                    self.lines.append((now, line.decode("utf-8", "replace").rstrip("\r")))
                    self.cv.notify_all()
        with self.cv:
            self.lines.append((time.monotonic(), "<EOF>"))
            self.cv.notify_all()

    def mark(self):
        with self.cv:
            return len(self.lines)

    def wait(self, pattern, start=0, timeout=WAIT):
        """First line from index `start` matching regex `pattern`: (index, time, line)."""
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        with self.cv:
            i = start
            while True:
                while i < len(self.lines):
                    t, ln = self.lines[i]
                    if rx.search(ln):
                        return i, t, ln
                    if ln == "<EOF>":
                        return None
                    i += 1
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.cv.wait(left)

    def type(self, text):
        self.p.stdin.write(text.encode())
        self.p.stdin.flush()

    def shell(self, cmd, timeout=WAIT):
        """Run cmd in the guest shell; its output lines."""
        tag = "M%d" % int(time.monotonic() * 1000)
        start = self.mark()
        self.type("echo %s-BEGIN; %s; echo %s-END\n" % (tag, cmd, tag))
        b = self.wait("^%s-BEGIN" % tag, start, timeout)
        e = b and self.wait("^%s-END" % tag, b[0] + 1, timeout)
        if not e:
            return None
        with self.cv:
            return [ln for _, ln in self.lines[b[0] + 1:e[0]]]


class Hmp:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        for _ in range(100):
            try:
                self.s.connect(path)
                break
            except OSError:
                time.sleep(0.1)
        self.buf = ""
        self.read_until("(vdm) ")

    def read_until(self, text, timeout=WAIT):
        self.s.settimeout(timeout)
        while text not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise EOFError("monitor closed")
            self.buf += d.decode("utf-8", "replace")
        i = self.buf.index(text) + len(text)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def cmd(self, line):
        self.s.sendall(line.encode() + b"\n")
        return self.read_until("(vdm) ")[:-len("(vdm) ")]

    def raw(self, data):
        self.s.sendall(data)
        return self.read_until("(vdm) ")[:-len("(vdm) ")]

    def sync(self):
        """Skip what arrived unasked (event lines, each followed by a fresh prompt): after
        this, replies line up with commands again."""
        tag = "vdm-sync-%d" % int(time.monotonic() * 1000)
        self.s.sendall(("device_del %s\n" % tag).encode())
        self.read_until(tag)
        self.read_until("(vdm) ")


class Qmp:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        for _ in range(300):
            try:
                self.s.connect(path)
                break
            except OSError:
                time.sleep(0.1)
        self.f = self.s.makefile("rb")
        self.events = []
        self.greeting = json.loads(self.f.readline())

    def _read(self, timeout=WAIT):
        self.s.settimeout(timeout)
        line = self.f.readline()
        if not line:
            raise EOFError("QMP closed")
        return json.loads(line)

    def execute(self, cmd, args=None):
        msg = {"execute": cmd}
        if args is not None:
            msg["arguments"] = args
        self.s.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._read()
            if "event" in r:
                self.events.append(r)
            else:
                return r

    def wait_event(self, name, timeout=WAIT):
        end = time.monotonic() + timeout
        while True:
            for e in self.events:
                if e["event"] == name:
                    self.events.remove(e)
                    return e
            left = end - time.monotonic()
            if left <= 0:
                return None
            try:
                self.events.append(self._read(left))
            except (socket.timeout, TimeoutError):
                return None


def parse_info_pci(text):
    """{id: loc}, {loc: {'pref': (lo, hi), ...}}, {(loc, bar): (lo, hi)}"""
    ids, wins, bars = {}, {}, {}
    for ln in text.splitlines():
        m = re.match(r"pci (\S+) \S+ class \S+ \S+ id=(\S+)", ln)
        if m:
            ids[m.group(2)] = m.group(1)
        m = re.match(r"pci (\S+) window (\w+)\s+\[0x([0-9a-f]+)-0x([0-9a-f]+)\]", ln)
        if m:
            wins.setdefault(m.group(1), {})[m.group(2)] = (int(m.group(3), 16),
                                                          int(m.group(4), 16))
        m = re.match(r"pci (\S+) BAR(\d) \S+\s+\[0x([0-9a-f]+)-0x([0-9a-f]+)\]", ln)
        if m:
            bars[(m.group(1), int(m.group(2)))] = (int(m.group(3), 16), int(m.group(4), 16))
    return ids, wins, bars


def guest_bars(line):
    return {int(i): (int(a, 16), int(b, 16))
            for i, a, b in re.findall(r"bar(\d)=0x([0-9a-f]+)-0x([0-9a-f]+)", line)}


def short(loc):  # 0000:01:00.0 -> 01:00.0
    return loc[5:] if loc.startswith("0000:") else loc


def spares_in_place(hmp, want=2, timeout=5.0):
    """How many spare device hosts `info devices` lists, once it is `want` (vmm-example's
    default pool) or `timeout` has passed: a taken one is replaced once the guest is done."""
    end = time.monotonic() + timeout
    while True:
        n = hmp.cmd("info devices").count("(spare devhost)")
        if n == want or time.monotonic() > end:
            return n
        time.sleep(0.05)


def proc_counts(pid):
    return (len(os.listdir("/proc/%d/fd" % pid)), len(os.listdir("/proc/%d/task" % pid)))


def kill_device_under_linux(con, hmp, loc):
    if not check("kill: t1g is in the guest", loc):
        return
    m = re.search(r"^t1g\s+pci-testdev\s+\S+\s+pid (\d+)\s+(\S+)", hmp.cmd("info devices"), re.M)
    if not check("kill: info devices lists t1g running in its own process",
                 m and m.group(2) == "running", m and m.group(0)):
        return
    pid = int(m.group(1))
    sysfs = "/sys/bus/pci/devices/0000:%s/config" % loc
    before = con.shell("od -An -tx4 -N8 %s" % sysfs) or []
    check("kill: before, the guest reads t1g's ids from config space",
          any("00051b36" in ln for ln in before), str(before))
    os.kill(pid, signal.SIGKILL)
    t_kill = time.monotonic()
    # The VMM's event loop watches each devhost's pidfd: the death is noticed by itself.
    info = ""
    while time.monotonic() - t_kill < 30:
        info = hmp.cmd("info devices")
        if re.search(r"^t1g\s.*failed", info, re.M):
            break
        time.sleep(0.1)
    print("   VMM noticed the death after %.2f s" % (time.monotonic() - t_kill))
    m = re.search(r"^t1g\s+pci-testdev\s+\S+\s+pid %d\s+failed\b" % pid, info, re.M)
    check("kill: info devices shows t1g failed", m, info)
    after = con.shell("od -An -tx4 -N8 %s; echo VDM-ALIVE" % sysfs) or []
    print("   guest after the kill: " + " | ".join(after))
    check("kill: the guest reads all-ones from the dead device's config space",
          any(re.search(r"ffffffff\s+ffffffff", ln) for ln in after), str(after))
    check("kill: the guest keeps running", "VDM-ALIVE" in after, str(after))
    check("kill: its process is gone (reaped)", not os.path.exists("/proc/%d" % pid))
    start = con.mark()
    r = hmp.cmd("device_del t1g")
    gone = con.wait(r"VDM-HP remove 0000:%s" % re.escape(loc), start)
    try:
        ev = "DEVICE_DELETED t1g" in hmp.read_until("DEVICE_DELETED t1g")
    except (socket.timeout, EOFError):
        ev = False
    check("kill: device_del of the dead device: the guest removed it, DEVICE_DELETED came",
          gone and ev, r)
    hmp.sync()
    check("kill: t1g is no longer listed", not re.search(r"^t1g\s", hmp.cmd("info devices"), re.M))


def vmm_scenarios(vmm, kernel, initrd, out):
    # sockets live in /tmp: the shared output folder (9p under nesting) cannot hold them
    sock = tempfile.mkdtemp(prefix="vdm-hp-")
    hmp_path, qmp_path = os.path.join(sock, "hmp.sock"), os.path.join(sock, "qmp.sock")
    ports = ["pcie-root-port,id=rp1", "pcie-root-port,id=rp2", "pcie-root-port,id=rp3",
             "pcie-root-port,id=rpz,pref64-reserve=0,mem-reserve=0,io-reserve=0"]
    argv = [vmm, "--kernel", kernel, "--initrd", initrd, "--append", APPEND,
            "--memory-backend", "anon", "--hotplug-ports", "0", "--timeout", "600",
            "--monitor", "unix:" + hmp_path, "--qmp", "unix:" + qmp_path]
    for p in ports:
        argv += ["--device", p]
    # A/B runs: e.g. VDM_HOTPLUG_EXTRA_ARGS=--in-process (nested-run.sh passes VDM_* into L1)
    argv += os.environ.get("VDM_HOTPLUG_EXTRA_ARGS", "").split()
    con = Console(argv, os.path.join(out, "vmm-console.log"), os.path.join(out, "vmm-stderr.log"))
    t0 = time.monotonic()
    ready = con.wait("VDM-HP-READY", 0, 180)
    if not check("vmm-example: the guest booted and its PCI watcher runs", ready):
        con.p.kill()
        return None
    print("   (guest ready after %.1f s)" % (ready[1] - t0))
    hmp = Hmp(hmp_path)
    ids, wins, _ = parse_info_pci(hmp.cmd("info pci"))

    # (a) + (c): 4M, 1G, 64G on three root ports at once
    sizes = {"t4m": ("rp1", 4 << 20, "4M"), "t1g": ("rp2", 1 << 30, "1G"),
             "t64g": ("rp3", 64 << 30, "64G")}
    start = con.mark()
    for dev, (rp, _, txt) in sizes.items():
        r = hmp.cmd("device_add testdev,id=%s,bus=%s,membar=%s" % (dev, rp, txt))
        check("device_add %s membar=%s accepted" % (dev, txt), "added behind " + rp in r, r)
    seen = {}
    for _ in sizes:
        w = con.wait(r"VDM-HP add ", start)
        if not w:
            break
        ln = w[2][w[2].index("VDM-HP"):]
        seen[ln.split()[2]] = ln
        start = w[0] + 1
    ids2, wins2, bars2 = parse_info_pci(hmp.cmd("info pci"))
    for dev, (rp, size, txt) in sizes.items():
        loc = ids2.get(dev)
        line = seen.get("0000:" + loc) if loc else None
        if not check("guest added %s (%s) behind %s" % (dev, txt, rp), line, str(seen)):
            continue
        print("   guest: " + line)
        b2 = guest_bars(line).get(2)
        win = wins2.get(ids2[rp], {}).get("pref")
        check("%s: guest BAR2 is %s" % (dev, txt), b2 and b2[1] - b2[0] + 1 == size, str(b2))
        check("%s: guest BAR2 inside %s's window %s" % (dev, rp, win),
              b2 and win and win[0] <= b2[0] and b2[1] <= win[1], str(b2))
        check("%s: info pci shows the BAR2 the guest assigned" % dev,
              bars2.get((loc, 2)) == b2, "%s vs %s" % (bars2.get((loc, 2)), b2))

    # (e) kill t1g's device host while Linux runs: all-ones, info devices says failed, the
    # guest carries on, device_del still cleans up
    kill_device_under_linux(con, hmp, ids2.get("t1g"))

    # (f) bad monitor input: one error line each, the guest unaffected
    bad = [("unknown bus", "device_add testdev,id=b1,bus=nope", "no pcie-root-port with that id"),
           ("duplicate id", "device_add testdev,id=t4m,bus=rpz", "id=t4m is already in use"),
           ("bad size", "device_add testdev,id=b2,bus=rpz,membar=3M", "membar=3M"),
           ("garbage bytes", b"\x00\xfe\x1b[A junk", "the monitor takes printable ASCII only"),
           ("1 MiB line", b"x" * (1 << 20), "dropped (at most 4096)")]
    for name, line, want in bad:
        r = hmp.raw(line + b"\n") if isinstance(line, bytes) else hmp.cmd(line)
        errs = [ln for ln in r.splitlines() if ln.startswith("error: ")]
        check("bad monitor input (%s): exactly one clear error" % name,
              len(errs) == 1 and want in errs[0], repr(r[:300]))
    s = socket.socket(socket.AF_UNIX)
    s.connect(hmp_path)
    s.sendall(b"device_add testdev,id=half,bus=rp")
    s.close()
    r = hmp.cmd("info devices")
    check("a client that disconnects mid-command changes nothing", "half" not in r, r)
    out_lines = con.shell("echo VDM-ALIVE")
    check("the guest is unaffected by the bad input", out_lines and "VDM-ALIVE" in out_lines)

    # (d) zero reserves: refused first, then (x-fit-check=off) the guest's own failure
    r = hmp.cmd("device_add testdev,id=tz,bus=rpz,membar=4M")
    check("zero-reserve port: the 4M device is refused before the guest sees it",
          r.startswith("error: ") and "BAR2 (64-bit prefetchable memory, 4M)" in r and
          "rpz" in r, r)
    print("   monitor: " + r.strip())
    start = con.mark()
    r = hmp.cmd("device_add testdev,id=tz,bus=rpz,membar=4M,x-fit-check=off")
    check("zero-reserve port: x-fit-check=off lets the guest try", "added behind rpz" in r, r)
    zloc = parse_info_pci(hmp.cmd("info pci"))[0].get("tz")
    w = zloc and con.wait(r"VDM-HP add 0000:%s" % re.escape(zloc), start)
    if check("zero-reserve port: the guest added the function", w):
        print("   guest: " + w[2])
        check("zero-reserve port: the guest left BAR2 unassigned", 2 not in guest_bars(w[2]))
        dm = con.shell("dmesg | grep '%s'" % zloc) or []
        for ln in dm:
            print("   guest dmesg: " + ln)
        check("zero-reserve port: the guest reports no space for BAR 2",
              any(re.search(r"BAR 2.*(no space|failed to assign|can't assign)", ln) for ln in dm),
              "\n".join(dm))

    # (b) unplug and re-plug 20 times on one slot; hotplug latency
    loc1 = ids2["t4m"]
    start = con.mark()
    r = hmp.cmd("device_del t4m")
    ok = con.wait(r"VDM-HP remove 0000:%s" % re.escape(loc1), start) and \
        "DEVICE_DELETED t4m" in hmp.read_until("DEVICE_DELETED t4m")
    check("device_del t4m: the guest removed it and DEVICE_DELETED came", ok, r)
    # Spare device hosts (a process and two fds in the VMM each) are replaced a moment after
    # a device_add took one: count with the pool full both times, not to take one for a leak.
    spares = spares_in_place(hmp)
    before = proc_counts(con.p.pid)
    lat, cycles = [], 0
    for i in range(20):
        start = con.mark()
        t_add = time.monotonic()
        r = hmp.cmd("device_add testdev,id=c%d,bus=rp1,membar=4M" % i)
        w = con.wait(r"VDM-HP add 0000:%s .*bar2=" % re.escape(loc1), start)
        if not w:
            break
        lat.append(w[1] - t_add)
        start = con.mark()
        hmp.cmd("device_del c%d" % i)
        g = con.wait(r"VDM-HP remove 0000:%s" % re.escape(loc1), start)
        try:
            ev = "DEVICE_DELETED c%d" % i in hmp.read_until("DEVICE_DELETED c%d" % i)
        except (socket.timeout, EOFError):
            ev = False
        if not (g and ev):
            break
        cycles += 1
    if spares:
        check("the spare device hosts are in place again after the cycles (%d)" % spares,
              spares_in_place(hmp, spares) == spares)
    after = proc_counts(con.p.pid)
    check("20 unplug/re-plug cycles on rp1, each seen by the guest", cycles == 20,
          "%d cycles" % cycles)
    check("no fd or thread leaked over the cycles (fds, threads %s -> %s)" % (before, after),
          before == after)

    # (g) a QMP session
    q = Qmp(qmp_path)
    check("QMP greeting", "QMP" in q.greeting and "version" in q.greeting["QMP"])
    r = q.execute("query-pci")
    check("QMP refuses commands before qmp_capabilities",
          r.get("error", {}).get("class") == "CommandNotFound", str(r))
    check("qmp_capabilities", q.execute("qmp_capabilities") == {"return": {}})
    r = q.execute("frobnicate")
    check("QMP unknown command -> CommandNotFound",
          r.get("error", {}).get("class") == "CommandNotFound", str(r))
    start = con.mark()
    r = q.execute("device_add", {"driver": "pci-testdev", "id": "q1", "bus": "rp1",
                                 "membar": 4194304})
    check("QMP device_add", r == {"return": {}}, str(r))
    w = con.wait(r"VDM-HP add 0000:%s .*bar2=" % re.escape(loc1), start)
    if check("QMP device_add: the guest added q1", w):
        gb = guest_bars(w[2]).get(2)
        pci = q.execute("query-pci")["return"]
        found = []

        def walk(devs):
            for d in devs:
                if d.get("qdev_id") == "q1":
                    found.extend(r_["address"] for r_ in d["regions"] if r_["bar"] == 2)
                walk(d.get("pci_bridge", {}).get("devices", []))
        walk(pci[0]["devices"])
        check("query-pci shows q1's BAR2 where the guest put it", found and gb and
              found[0] == gb[0], "%s vs %s" % (found, gb))
    start = con.mark()
    r = q.execute("device_del", {"id": "q1"})
    ev = q.wait_event("DEVICE_DELETED")
    check("QMP device_del -> DEVICE_DELETED {device: q1}", r == {"return": {}} and ev and
          ev["data"]["device"] == "q1", "%s %s" % (r, ev))
    r = q.execute("device_del", {"id": "q1"})
    check("QMP device_del of a removed device -> error", "error" in r, str(r))
    r = q.execute("quit")
    try:
        rc = con.p.wait(30)
    except subprocess.TimeoutExpired:
        con.p.kill()
        rc = None
    check("QMP quit ends vmm-example with status 0", r == {"return": {}} and rc == 0,
          "%s rc=%s" % (r, rc))
    return lat


def console_keys(vmm, kernel, initrd, out):
    """Ctrl-a c / Ctrl-a x on a terminal: vmm-example's stdin and stdout on a pty."""
    master, slave = pty.openpty()
    argv = [vmm, "--kernel", kernel, "--initrd", initrd, "--append", APPEND,
            "--memory-backend", "anon", "--device", "pcie-root-port,id=rp1",
            "--hotplug-ports", "0", "--timeout", "120"]
    with open(os.path.join(out, "console-keys-stderr.log"), "w") as err:
        p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=err)
    os.close(slave)
    seen = [b""]

    def expect(text, timeout=20):
        end = time.monotonic() + timeout
        while text.encode() not in seen[0]:
            left = end - time.monotonic()
            if left <= 0 or not select.select([master], [], [], left)[0]:
                return False
            try:
                seen[0] += os.read(master, 65536)
            except OSError:
                return False
        seen[0] = seen[0][seen[0].index(text.encode()) + len(text):]
        return True

    time.sleep(3)  # vmm_run has put the terminal in raw mode
    os.write(master, b"\x01c")
    check("console: Ctrl-a c switches to the monitor", expect("[monitor:") and expect("(vdm) "))
    os.write(master, b"info devices\r")
    check("console: info devices in the console monitor",
          expect("pcie-root-port") and expect("(vdm) "))
    os.write(master, b"device_add testdev,id=k1,bus=rp1,membar=4M\r")
    check("console: device_add in the console monitor", expect("added behind rp1"))
    os.write(master, b"\x01c")
    check("console: Ctrl-a c returns to the guest", expect("[guest console]"))
    os.write(master, b"\x01x")
    try:
        rc = p.wait(20)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = None
    os.close(master)
    check("console: Ctrl-a x quits with status 0", rc == 0, "rc=%s" % rc)


def qmp_hotplug_cycles(con, q, n, name):
    """n times: QMP device_add pci-testdev,membar=4M on rp1, until the guest's watcher lists
    its BAR 2, then device_del and DEVICE_DELETED.  (seconds of each add, all n done?)"""
    lat = []
    for i in range(n):
        start = con.mark()
        t_add = time.monotonic()
        r = q.execute("device_add", {"driver": "pci-testdev", "id": "t%d" % i, "bus": "rp1",
                                     "membar": 4 << 20})
        w = "return" in r and con.wait(r"VDM-HP add .*bar2=", start)
        if not w:
            print("   %s: device_add %d: %s" % (name, i, r))
            return lat, False
        if i == 0:
            print("   %s guest: %s" % (name, w[2]))
        lat.append(w[1] - t_add)
        q.execute("device_del", {"id": "t%d" % i})
        if not q.wait_event("DEVICE_DELETED"):
            print("   %s: no DEVICE_DELETED for t%d" % (name, i))
            return lat, False
    return lat, True


def qemu_latency(kernel, initrd, out, n=10):
    qmp_path = os.path.join(tempfile.mkdtemp(prefix="vdm-hp-"), "qemu-qmp.sock")
    argv = ["qemu-system-x86_64", "-nodefaults", "-no-user-config", "-display", "none",
            "-accel", "kvm", "-cpu", "host", "-M", "q35", "-m", "512", "-smp", "1",
            "-kernel", kernel, "-initrd", initrd, "-append", APPEND, "-serial", "stdio",
            "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1,pref64-reserve=64M",
            "-qmp", "unix:%s,server=on,wait=off" % qmp_path]
    print("   qemu: " + " ".join(argv))
    con = Console(argv, os.path.join(out, "qemu-console.log"),
                  os.path.join(out, "qemu-stderr.log"))
    if not con.wait("VDM-HP-READY", 0, 240):
        print("   qemu: the guest did not get ready; see qemu-console.log")
        con.p.kill()
        return None
    q = Qmp(qmp_path)
    q.execute("qmp_capabilities")
    lat, _ = qmp_hotplug_cycles(con, q, n, "qemu")
    q.execute("quit")
    try:
        con.p.wait(30)
    except subprocess.TimeoutExpired:
        con.p.kill()
    return lat


def report(name, lat):
    if not lat:
        print("RESULT latency %s: no measurement" % name)
        return
    ms = [x * 1000 for x in lat]
    print("RESULT latency %s: median %.1f ms over %d (min %.1f, max %.1f)" %
          (name, statistics.median(ms), len(ms), min(ms), max(ms)))
    print("   each (ms): " + " ".join("%.0f" % x for x in ms))


def main():
    if len(sys.argv) != 5:
        print(__doc__)
        return 2
    vmm, kernel, initrd, out = sys.argv[1:]
    console_keys(vmm, kernel, initrd, out)
    t = time.monotonic()
    lat = vmm_scenarios(vmm, kernel, initrd, out)
    print("   vmm-example part: %.1f s" % (time.monotonic() - t))
    t = time.monotonic()
    qlat = qemu_latency(kernel, initrd, out)
    print("   qemu part: %.1f s" % (time.monotonic() - t))
    report("vmm-example device_add -> guest lists BARs (first 10 cycles)", (lat or [])[:10])
    report("vmm-example all cycles", lat)
    report("qemu-q35 device_add -> guest lists BARs", qlat)
    print("hotplug checks: %d passed, %d failed" % (len(passes), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
