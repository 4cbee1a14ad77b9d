#!/usr/bin/env python3
# Hotplug soak: vmm-example boots the default guest under real KVM (nested through
# scripts/nested-run.sh), then N hot-add/eject cycles of testdevs (4M, 1G, 64G) per mode
# (sandboxed devices, --in-process), checking for guest faults and VMM fd/process/RSS leaks.
"""usage: soak_hotplug.py [--cycles N] [--modes sandboxed,in-process] [--build DIR]
                         [--out DIR] [--inject-panic CYCLE] [--timeout S]

Host side (the default): builds the guest initramfs with the hotplug watcher, then runs
itself inside one nested L1 (scripts/nested-run.sh) with "--l1 VMM KERNEL INITRD".  Per mode,
one vmm-example boot and N cycles: device_add pci-testdev (membar 4M, 1G, 64G in turn, on two
hotplug root ports in turn) through QMP, the guest lists it with BAR2 of that size, device_del,
the guest sees it gone, DEVICE_DELETED, and the VMM lists it no more (its device host reaped).
After every cycle: the VMM still runs, and neither its stderr nor the guest console shows a
fault (triple fault, KVM_EXIT_SHUTDOWN, internal error, Kernel panic, Oops, BUG:, general
protection).  Every 10 cycles (with the spare device hosts replaced): the guest's dmesg holds
no fault, and the VMM's fds, threads, child processes and RSS are sampled.

Prints a table per mode and a markdown table for BENCHMARKS.md.  Exit 0 when every cycle
passed with no fault, fds/threads/processes back to the first sample every time, and the
VMM's own RSS (without guest RAM) grew at most RSS_TOLERANCE_KIB from the sample at cycle 10
(the first at the end of warm-up) to the last; 1 otherwise; 77 when the nested harness hung
before starting.  --inject-panic C crashes the guest (sysrq c) at cycle C: a self-test of
the fault detection (expect exit 1 naming the panic)."""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "e2e"))
import hotplug_l1 as hp  # noqa: E402  (Console, Qmp, guest_bars: the e2e test's helpers)

SIZES = [("4M", 4 << 20), ("1G", 1 << 30), ("64G", 64 << 30)]
PORTS = ["rp1", "rp2"]
MODES = {"sandboxed": [], "in-process": ["--in-process"]}
GUEST_RAM_MIB = 512
RSS_TOLERANCE_KIB = 256  # the VMM's own RSS may grow this much from cycle 10 to the end
SAMPLE_EVERY = 10
# What a guest fault looks like: the VMM's crash reports (stderr) and the guest kernel's.
FAULT_RX = re.compile(r"triple fault|KVM_EXIT_SHUTDOWN|KVM_EXIT_INTERNAL_ERROR|"
                      r"KVM internal error|KVM_EXIT_FAIL_ENTRY|halted with interrupts disabled|"
                      r"Kernel panic|Oops|BUG:|general protection|double fault|"
                      r"unexpected KVM exit")
# (each word bracketed: the guest's terminal echoes the command line, which must not match)
DMESG_GREP = ("Oop[s]|BU[G]:|general protectio[n]|Kernel pani[c]|WARNIN[G]:|Call Trac[e]|"
              "double faul[t]")


def descendants(pid):
    """{pid: comm} of every process below pid."""
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        rest = st[st.rindex(")") + 2:].split()
        kids.setdefault(int(rest[1]), []).append((int(d), st[st.index("(") + 1:st.rindex(")")]))
    out, todo = {}, [pid]
    while todo:
        for c, comm in kids.get(todo.pop(), []):
            out[c] = comm
            todo.append(c)
    return out


def running(pid):
    """pid exists and is not a zombie (orphans go to L1's init, which may reap late)."""
    try:
        st = open("/proc/%d/stat" % pid).read()
    except OSError:
        return False
    return st[st.rindex(")") + 2] != "Z"


def vmm_sample(pid):
    """fds, threads, child processes, VmRSS and the VMM's own RSS (guest RAM's mapping
    left out) in KiB."""
    status = open("/proc/%d/status" % pid).read()
    vmrss = int(re.search(r"^VmRSS:\s+(\d+)", status, re.M).group(1))
    own, size = 0, 0
    for ln in open("/proc/%d/smaps" % pid):
        m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) ", ln)
        if m:
            size = int(m.group(2), 16) - int(m.group(1), 16)
            continue
        m = re.match(r"^Rss:\s+(\d+) kB", ln)
        if m and size != GUEST_RAM_MIB << 20:
            own += int(m.group(1))
    kids = descendants(pid)
    return {"fds": len(os.listdir("/proc/%d/fd" % pid)),
            "threads": len(os.listdir("/proc/%d/task" % pid)),
            "procs": len(kids), "comms": sorted(set(kids.values())), "pids": sorted(kids),
            "rss": vmrss, "own_rss": own}


TRACE = "/sys/kernel/tracing"


def trace_start(buffer_kb=2048):
    """--trace: L1's kvm tracepoints into a ring buffer for the whole soak, so that the last
    exits, injected exceptions and interrupts before a fault can be read (KVM on AMD resets a
    triple-faulting vCPU: its registers are lost)."""
    if not os.path.exists(TRACE + "/trace"):
        subprocess.run(["mount", "-t", "tracefs", "nodev", TRACE], stderr=subprocess.DEVNULL)
    try:
        open(TRACE + "/tracing_on", "w").write("0")
        open(TRACE + "/buffer_size_kb", "w").write(str(buffer_kb))
        open(TRACE + "/trace", "w").close()
        open(TRACE + "/events/kvm/enable", "w").write("1")
        open(TRACE + "/tracing_on", "w").write("1")
    except OSError as e:
        print("   --trace: L1's kvm tracepoints are not available (%s)" % e)
        return False
    print("   --trace: L1's kvm tracepoints on (%d KiB a CPU)" % buffer_kb)
    return True


def trace_dump(path, keep=80):
    """Stop the trace, keep it in `path`, print its last `keep` lines."""
    try:
        open(TRACE + "/tracing_on", "w").write("0")
        lines = [ln for ln in open(TRACE + "/trace", errors="replace") if not ln.startswith("#")]
        open(TRACE + "/events/kvm/enable", "w").write("0")
    except OSError as e:
        print("   trace: %s" % e)
        return
    with open(path, "w") as f:
        f.writelines(lines)
    print("   L1 kvm trace: %d events kept in %s; the last %d:" % (len(lines), path, keep))
    for ln in lines[-keep:]:
        print("   trace: " + ln.rstrip())


def l1_trace(seconds=1.0, keep=40):
    """Where the guest's vCPU is: two kvm tracepoints of L1's kernel (kvm_exit with the
    guest's RIP, kvm_entry) for `seconds`, the last `keep` lines (tracefs mounted if need be)."""
    t = "/sys/kernel/tracing"
    if not os.path.exists(t + "/trace"):
        subprocess.run(["mount", "-t", "tracefs", "nodev", t], stderr=subprocess.DEVNULL)
    ev = [t + "/events/kvm/kvm_exit/enable", t + "/events/kvm/kvm_entry/enable"]
    try:
        open(t + "/trace", "w").close()  # clears the buffer
        open(t + "/tracing_on", "w").write("1")  # (a --trace dump left it off)
        for e in ev:
            open(e, "w").write("1")
        time.sleep(seconds)
        for e in ev:
            open(e, "w").write("0")
        lines = [ln for ln in open(t + "/trace", errors="replace") if not ln.startswith("#")]
    except OSError as e:
        print("   L1 kvm trace: not available (%s)" % e)
        return
    print("   L1 kvm trace: %d events in %.1f s; the last %d:" % (len(lines), seconds, keep))
    for ln in lines[-keep:]:
        print("   trace: " + ln.rstrip())


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


class Soak:
    def __init__(self, mode, args, out):
        self.mode, self.args, self.out = mode, args, out
        self.faults, self.errors, self.cycles, self.samples = [], [], [], []
        self.con = self.q = None
        self.scanned = 0
        self.tracing = False

    def stop_trace(self, dump):
        if not self.tracing:
            return
        self.tracing = False
        if dump:
            trace_dump(os.path.join(self.out, "soak-%s-l1-trace.txt" % self.mode))
        else:
            open(TRACE + "/tracing_on", "w").write("0")
            open(TRACE + "/events/kvm/enable", "w").write("0")

    # --- the VMM and its monitor -------------------------------------------------------
    def hmp(self, line):
        r = self.q.execute("human-monitor-command", {"command-line": line})
        return r.get("return", "")

    def spares(self):
        return self.hmp("info devices").count("(spare devhost)")

    def wait_spares(self, want, timeout=10.0):
        end = time.monotonic() + timeout
        while True:
            n = self.spares()
            if n == want or time.monotonic() > end:
                return n
            time.sleep(0.05)

    def fault_scan(self, running=True):
        """Faults in the console lines not yet looked at and in the VMM's stderr, and (with
        running) a VMM that ended: whether all is well."""
        with self.con.cv:
            new = self.con.lines[self.scanned:]
            self.scanned = len(self.con.lines)
        for _, ln in new:
            if FAULT_RX.search(ln):
                self.faults.append("guest console: " + ln.strip())
        try:
            err = open(self.stderr_path, errors="replace").read()
        except OSError:
            err = ""
        for ln in err.splitlines():
            if FAULT_RX.search(ln) and ("vmm stderr: " + ln) not in self.faults:
                self.faults.append("vmm stderr: " + ln.strip())
        rc = self.con.p.poll()
        if running and rc is not None:
            self.faults.append("vmm-example ended (exit status %d) in the middle of the soak; "
                               "stderr: %s" % (rc, " | ".join(err.splitlines()[-12:])))
            return False
        return not self.faults

    def dmesg_scan(self):
        lines = self.con.shell("dmesg | grep -E '%s' | head -20; echo DMESG-DONE" % DMESG_GREP,
                               timeout=60)
        if lines is None or "DMESG-DONE" not in lines:
            self.faults.append("the guest shell did not answer a dmesg (stuck or dead)")
            return False
        for ln in lines:
            if ln != "DMESG-DONE":
                self.faults.append("guest dmesg: " + ln)
        return not self.faults

    def sample(self, cycle):
        if self.spare_want:
            self.wait_spares(self.spare_want)
        s = vmm_sample(self.con.p.pid)
        s["cycle"] = cycle
        self.samples.append(s)
        return s

    # --- one cycle -----------------------------------------------------------------------
    def cycle(self, i):
        txt, size = SIZES[i % len(SIZES)]
        port = PORTS[i % len(PORTS)]  # 3 sizes x 2 ports: every pairing in 6 cycles
        dev = "s%d" % i
        rec = {"cycle": i + 1, "size": txt, "port": port}
        start = self.con.mark()
        t0 = time.monotonic()
        r = self.q.execute("device_add", {"driver": "pci-testdev", "id": dev, "bus": port,
                                          "membar": size})
        if r != {"return": {}}:
            self.errors.append("cycle %d: device_add %s membar=%s on %s: %s" %
                               (i + 1, dev, txt, port, r))
            return None
        info = self.hmp("info pci")
        loc = hp.parse_info_pci(info)[0].get(dev)
        devs = self.hmp("info devices")
        m = re.search(r"^%s\s+\S+\s+\S+\s+(pid (\d+)|in-process)\s" % dev, devs, re.M)
        pid = int(m.group(2)) if m and m.group(2) else None
        if not loc or not m:
            self.errors.append("cycle %d: %s not in info pci / info devices:\n%s\n%s" %
                               (i + 1, dev, info, devs))
            return None
        w = self.con.wait(r"VDM-HP add 0000:%s .*bar2=" % re.escape(loc), start)
        if not w:
            self.errors.append("cycle %d: the guest did not list %s (%s, %s) within %d s" %
                               (i + 1, dev, loc, txt, hp.WAIT))
            return None
        rec["add_ms"] = (w[1] - t0) * 1000
        b2 = hp.guest_bars(w[2]).get(2)
        if not b2 or b2[1] - b2[0] + 1 != size:
            self.errors.append("cycle %d: the guest gave %s BAR2 %s, not %s: %s" %
                               (i + 1, dev, b2, txt, w[2]))
            return None
        start = self.con.mark()
        t0 = time.monotonic()
        r = self.q.execute("device_del", {"id": dev})
        if r != {"return": {}}:
            self.errors.append("cycle %d: device_del %s: %s" % (i + 1, dev, r))
            return None
        g = self.con.wait(r"VDM-HP remove 0000:%s" % re.escape(loc), start)
        if not g:
            self.errors.append("cycle %d: the guest still lists %s after %d s" %
                               (i + 1, dev, hp.WAIT))
            return None
        rec["del_guest_ms"] = (g[1] - t0) * 1000
        ev = self.q.wait_event("DEVICE_DELETED")
        if not ev or ev["data"].get("device") != dev:
            self.errors.append("cycle %d: no DEVICE_DELETED for %s (got %s)" % (i + 1, dev, ev))
            return None
        end = time.monotonic() + 10
        while True:  # released: no longer listed, its device host reaped
            listed = re.search(r"^%s\s" % dev, self.hmp("info devices"), re.M)
            alive = pid is not None and os.path.exists("/proc/%d" % pid)
            if not listed and not alive:
                break
            if time.monotonic() > end:
                self.errors.append("cycle %d: 10 s after DEVICE_DELETED %s is %s" %
                                   (i + 1, dev, "still listed" if listed else
                                    "gone but its device host pid %d is not reaped" % pid))
                return None
            time.sleep(0.01)
        rec["del_ms"] = (time.monotonic() - t0) * 1000
        return rec

    def diagnose(self):
        """After a failed cycle: where each VMM thread and device host waits, what the
        monitor lists, whether the guest's shell still answers and its kernel's last words."""
        pid = self.con.p.pid
        print("   --- diagnosis (%s) ---" % self.mode)
        procs = [(pid, "vmm")] + [(p, "devhost") for p in sorted(descendants(pid))]
        for p, what in procs:
            try:
                tasks = sorted(int(t) for t in os.listdir("/proc/%d/task" % p))
            except OSError:
                continue
            for t in tasks:
                base = "/proc/%d/task/%d/" % (p, t)
                try:
                    comm = open(base + "comm").read().strip()
                    st = open(base + "stat").read()
                    state = st[st.rindex(")") + 2]
                    wchan = open(base + "wchan").read().strip()
                    sysc = open(base + "syscall").read().strip().split()
                except OSError:
                    continue
                print("   %s %d thread %d %s: state %s, wchan %s, syscall %s" %
                      (what, p, t, comm, state, wchan or "-", " ".join(sysc[:3])))
        l1_trace()
        if self.con.p.poll() is not None:
            print("   vmm-example has ended (status %s)" % self.con.p.poll())
            return
        try:
            for ln in self.hmp("info devices").splitlines() + \
                    self.hmp("info pci").splitlines():
                print("   monitor: " + ln)
        except (OSError, EOFError, ValueError) as e:
            print("   monitor: %s" % e)
        out = self.con.shell("echo GUEST-ALIVE; dmesg | tail -25; ls /proc/bus/pci/0[12]",
                             timeout=20)
        if out is None:
            print("   the guest's shell does not answer within 20 s (guest hung)")
        for ln in out or []:
            print("   guest: " + ln)
        for ln in subprocess.run(["dmesg"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True, errors="replace").stdout.splitlines()[-15:]:
            print("   L1 kernel: " + ln)

    # --- the run -------------------------------------------------------------------------
    def run(self):
        sock = tempfile.mkdtemp(prefix="vdm-soak-")
        qmp_path = os.path.join(sock, "qmp.sock")
        tag = self.mode
        self.stderr_path = os.path.join(self.out, "soak-%s-vmm-stderr.log" % tag)
        argv = [self.args.vmm, "--kernel", self.args.kernel, "--initrd", self.args.initrd,
                "--append", hp.APPEND, "--memory", "%dM" % GUEST_RAM_MIB,
                "--memory-backend", "anon", "--hotplug-ports", "0",
                "--timeout", str(600 + 10 * self.args.cycles), "--qmp", "unix:" + qmp_path]
        for p in PORTS:
            argv += ["--device", "pcie-root-port,id=" + p]
        argv += MODES[self.mode]
        print("== %s: %s" % (self.mode, " ".join(argv)), flush=True)
        self.con = hp.Console(argv, os.path.join(self.out, "soak-%s-console.log" % tag),
                              self.stderr_path)
        t0 = time.monotonic()
        ready = self.con.wait("VDM-HP-READY", 0, 240)
        if not ready:
            self.fault_scan()
            self.errors.append("the guest did not get ready (see soak-%s-console.log)" % tag)
            self.con.p.kill()
            return
        self.boot_s = ready[1] - t0
        self.q = hp.Qmp(qmp_path)
        self.q.execute("qmp_capabilities")
        self.spare_want = 2 if self.mode == "sandboxed" else 0
        got = self.wait_spares(self.spare_want)
        if got != self.spare_want:
            self.errors.append("%d spare device hosts at the start, expected %d" %
                               (got, self.spare_want))
        first = self.sample(0)
        print("   guest ready after %.1f s; VMM: %d fds, %d threads, %d child processes %s, "
              "RSS %d KiB (own %d KiB)" % (self.boot_s, first["fds"], first["threads"],
                                           first["procs"], first["comms"], first["rss"],
                                           first["own_rss"]), flush=True)
        self.tracing = self.args.trace and trace_start()
        t_run = time.monotonic()
        for i in range(self.args.cycles):
            if self.args.inject_panic == i + 1:
                print("   injecting a guest kernel panic (sysrq c) at cycle %d" % (i + 1))
                self.con.type("echo c >/proc/sysrq-trigger\n")
                time.sleep(5)
            try:
                rec = self.cycle(i)
            except (OSError, EOFError, ValueError) as e:  # the VMM's QMP socket closed
                self.errors.append("cycle %d: %s: %s" % (i + 1, type(e).__name__, e))
                rec = None
            ok = self.fault_scan()
            if rec:
                self.cycles.append(rec)
            if ok and rec and ((i + 1) % SAMPLE_EVERY == 0 or i + 1 == self.args.cycles):
                ok = self.dmesg_scan() and self.fault_scan()
            if not rec or not ok:
                self.stop_trace(dump=True)
                try:
                    self.diagnose()
                except Exception as e:  # a diagnosis must not hide the failure it explains
                    print("   diagnosis failed: %s: %s" % (type(e).__name__, e))
                break
            if (i + 1) % SAMPLE_EVERY == 0 or i + 1 == self.args.cycles:
                s = self.sample(i + 1)
                print("   cycle %3d: add %.0f ms, del %.0f ms; %d fds, %d threads, %d procs, "
                      "RSS %d KiB (own %d KiB)" % (i + 1, rec["add_ms"], rec["del_ms"],
                                                   s["fds"], s["threads"], s["procs"],
                                                   s["rss"], s["own_rss"]), flush=True)
        self.run_s = time.monotonic() - t_run
        self.stop_trace(dump=False)
        if self.con.p.poll() is None:
            self.q.execute("quit")
            try:
                rc = self.con.p.wait(30)
            except subprocess.TimeoutExpired:
                self.con.p.kill()
                rc = None
            if rc != 0:
                self.errors.append("QMP quit: vmm-example ended with status %s" % rc)
            left = [p for p in self.samples[-1]["pids"] if running(p)]
            end = time.monotonic() + 5
            while left and time.monotonic() < end:
                time.sleep(0.05)
                left = [p for p in left if running(p)]
            if left:
                self.errors.append("device host processes %s outlived vmm-example" % left)
        self.fault_scan(running=False)  # what the guest and the VMM said until the end

    def verdict(self):
        """Leak and RSS findings (a list of failures), from the samples."""
        bad = []
        if not self.samples:
            return ["no sample taken"]
        first = self.samples[0]
        for s in self.samples[1:]:
            for k in ("fds", "threads", "procs"):
                if s[k] != first[k]:
                    bad.append("cycle %d: %s %d, %d at the start" % (s["cycle"], k, s[k],
                                                                     first[k]))
        warm = next((s for s in self.samples if s["cycle"] >= SAMPLE_EVERY), None)
        last = self.samples[-1]
        if warm and last["own_rss"] - warm["own_rss"] > RSS_TOLERANCE_KIB:
            bad.append("the VMM's own RSS grew %d KiB from cycle %d to %d (tolerance %d KiB)" %
                       (last["own_rss"] - warm["own_rss"], warm["cycle"], last["cycle"],
                        RSS_TOLERANCE_KIB))
        return bad

    def summary(self):
        add = [c["add_ms"] for c in self.cycles]
        dl = [c["del_ms"] for c in self.cycles]
        s = self.samples
        warm = next((x for x in s if x["cycle"] >= SAMPLE_EVERY), s[-1] if s else None)

        def lat(xs):
            return "%.0f / %.0f / %.0f" % (pct(xs, 50), pct(xs, 95), max(xs)) if xs else "-"
        return {
            "mode": self.mode, "cycles": len(self.cycles), "asked": self.args.cycles,
            "faults": 1 if self.faults else 0,  # (the soak stops at the first)
            "add_p50": pct(add, 50) if add else 0, "del_p50": pct(dl, 50) if dl else 0, "add": lat(add), "del": lat(dl),
            "fds": "%d -> %d" % (s[0]["fds"], s[-1]["fds"]) if s else "-",
            "threads": "%d -> %d" % (s[0]["threads"], s[-1]["threads"]) if s else "-",
            "procs": "%d -> %d" % (s[0]["procs"], s[-1]["procs"]) if s else "-",
            "own_rss": "%d / %d / %d / %d" % (s[0]["own_rss"], warm["own_rss"], s[-1]["own_rss"],
                                              max(x["own_rss"] for x in s)) if s else "-",
            "rss": "%d / %d / %d" % (s[0]["rss"], s[-1]["rss"], max(x["rss"] for x in s))
            if s else "-",
        }


def l1_main(args):
    out = args.out
    results, failed = [], False
    for mode in args.modes.split(","):
        if mode not in MODES:
            print("FAIL: unknown mode %r (sandboxed, in-process)" % mode)
            return 2
        s = Soak(mode, args, out)
        try:
            s.run()
        except (OSError, EOFError, ValueError) as e:  # a QMP socket that closed, timed out
            if s.con:
                s.fault_scan()
            s.stop_trace(dump=True)
            s.errors.append("%s: %s" % (type(e).__name__, e))
            if s.con and s.con.p.poll() is None:
                s.con.p.kill()
        bad = s.verdict()
        for f in s.faults:
            print("FAULT (%s): %s" % (mode, f))
        for e in s.errors + bad:
            print("FAIL (%s): %s" % (mode, e))
        ok = not s.faults and not s.errors and not bad and len(s.cycles) == args.cycles
        failed |= not ok
        r = s.summary()
        r["ok"] = ok
        results.append(r)
        with open(os.path.join(out, "soak-%s-cycles.json" % mode), "w") as f:
            json.dump({"cycles": s.cycles, "samples": s.samples, "faults": s.faults,
                       "errors": s.errors + bad}, f, indent=1)
        print("%s: %d of %d cycles, %d faults, %s" % (mode, len(s.cycles), args.cycles,
                                                      len(s.faults), "ok" if ok else "FAILED"),
              flush=True)
    print()
    print("| mode | cycles | guest faults | add ms p50 / p95 / max | del ms p50 / p95 / max | "
          "fds first -> last | threads | child processes | VMM own RSS KiB first / at 10 / "
          "last / max | VmRSS KiB (with guest RAM) first / last / max | verdict |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print("| %s | %d of %d | %d | %s | %s | %s | %s | %s | %s | %s | %s |" %
              (r["mode"], r["cycles"], r["asked"], r["faults"], r["add"], r["del"], r["fds"],
               r["threads"], r["procs"], r["own_rss"], r["rss"], "pass" if r["ok"] else "FAIL"))
    by = {r["mode"]: r for r in results}
    if "sandboxed" in by and "in-process" in by and by["in-process"]["add_p50"] and \
            by["in-process"]["del_p50"]:
        sb, ip = by["sandboxed"], by["in-process"]
        print("RESULT soak sandboxed vs in-process, p50 add %.2fx, p50 del %.2fx" %
              (sb["add_p50"] / ip["add_p50"], sb["del_p50"] / ip["del_p50"]))
    return 1 if failed else 0


def run(cmd, what):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if r.returncode != 0:
        print("FAIL: %s (exit %d)" % (what, r.returncode))
        sys.exit(1)
    return r.stdout


def host_inputs(args, prefix):
    """What a nested run needs from the host (shared with fault_hunt.py): vmm-example of the
    build folder, the output folder, the guest kernel's variables (VDM_KERNEL, VDM_VMLINUX,
    VDM_MODULES) and the default guest initramfs; exits 1 saying what is missing."""
    build = args.build or os.environ.get("VDM_BUILD_DIR") or os.path.join(TOP, "build")
    vmm = os.path.abspath(os.path.join(build, "vmm-example", "vmm-example"))
    if not os.access(vmm, os.X_OK):
        print("FAIL: no vmm-example at %s (build first, or give --build DIR)" % vmm)
        sys.exit(1)
    out = os.path.abspath(args.out or tempfile.mkdtemp(prefix=prefix))
    os.makedirs(out, exist_ok=True)
    run([os.path.join(TOP, "scripts", "install-deps.sh")], "scripts/install-deps.sh")
    env = dict(ln.split("=", 1) for ln in
               run([os.path.join(TOP, "scripts", "fetch-guest-kernel.sh"), "--quiet"],
                   "scripts/fetch-guest-kernel.sh").splitlines() if "=" in ln)
    guest = run([os.path.join(TOP, "scripts", "build-initramfs.sh"), "guest"],
                "build-initramfs.sh guest").strip()
    return vmm, out, env, guest


def host_main(args):
    vmm, out, env, guest = host_inputs(args, "vdm-soak.")
    hooks = os.path.join(out, "soak-hooks.cpio")
    run([os.path.join(TOP, "scripts", "build-initramfs.sh"), "pack", hooks,
         os.path.join(TOP, "tests/e2e/hotplug_guest_run.sh") + ":/vdm/run.sh",
         os.path.join(TOP, "tests/e2e/hotplug_guest_watch.sh") + ":/vdm/hp-watch"],
        "build-initramfs.sh pack")
    initrd = os.path.join(out, "initrd")
    with open(initrd, "wb") as f:
        for p in (guest, hooks):
            f.write(open(p, "rb").read())
    nmodes = len(args.modes.split(","))
    timeout = args.timeout or 120 + nmodes * (240 + 4 * args.cycles)
    print("output in %s (soak-MODE-console.log, -vmm-stderr.log, -cycles.json); "
          "load average %s" % (out, " ".join(open("/proc/loadavg").read().split()[:3])),
          flush=True)
    # A guest fault ends the soak with exit 1; only the CI's short run (--retry-nested-fault)
    # lets nested-run.sh start it again when L1's KVM saw the L2 triple-fault.
    cmd = [os.path.join(TOP, "scripts", "nested-run.sh"), "--share", out] + (
        [] if args.retry_nested_fault else ["--no-fault-retry"]) + [
           "--log", os.path.join(out, "l1-console.log"),
           "--timeout", str(timeout), "--",
           "python3", os.path.abspath(__file__), "--l1", vmm, env["VDM_KERNEL"], initrd,
           "--out", out, "--cycles", str(args.cycles), "--modes", args.modes]
    if args.inject_panic:
        cmd += ["--inject-panic", str(args.inject_panic)]
    if args.trace:
        cmd += ["--trace"]
    t = time.monotonic()
    rc = subprocess.call(cmd)
    print("nested run: exit %d after %.0f s; load average now %s" %
          (rc, time.monotonic() - t, " ".join(open("/proc/loadavg").read().split()[:3])))
    if rc == 123:
        print("SKIPPED: the nested harness hung before the soak started (L1 TCG hang)")
        return 77
    if rc == 124:
        print("FAIL: the soak ran past %d s (hang)" % timeout)
        return 1
    return 0 if rc == 0 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cycles", type=int, default=200)
    ap.add_argument("--modes", default="sandboxed,in-process")
    ap.add_argument("--build", help="build folder (default $VDM_BUILD_DIR, else ./build)")
    ap.add_argument("--out", help="output folder (default: a new one under $TMPDIR)")
    ap.add_argument("--timeout", type=int, help="nested run's limit in seconds")
    ap.add_argument("--inject-panic", type=int, metavar="CYCLE",
                    help="self-test: panic the guest at this cycle (must exit 1)")
    ap.add_argument("--trace", action="store_true",
                    help="keep L1's kvm tracepoints in a ring buffer; dumped at a fault")
    ap.add_argument("--retry-nested-fault", action="store_true",
                    help="start the soak again when an L2 guest triple-faulted under the nested "
                         "layer (scripts/nested-run.sh --no-fault-retry is the default here)")
    ap.add_argument("--l1", nargs=3, metavar=("VMM", "KERNEL", "INITRD"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.cycles < 1:
        ap.error("--cycles must be at least 1")
    if args.l1:
        args.vmm, args.kernel, args.initrd = args.l1
        return l1_main(args)
    return host_main(args)


if __name__ == "__main__":
    sys.exit(main())
