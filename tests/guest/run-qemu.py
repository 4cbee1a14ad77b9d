#!/usr/bin/env python3
# The guest payloads under plain QEMU TCG (q35 + SeaBIOS, microvm for the GED), started by
# our test-only multiboot loader, their reports compared with QEMU's own query-pci.
"""usage: run-qemu.py GUEST_BUILD_DIR

Proves the payloads themselves against a reference machine that is not ours: QEMU's q35
(pcie-root-port, pci-testdev: the devices vdm copies) and microvm (a GED).  Exit 0 = all
passed, 1 = a case failed, 77 = skipped (no qemu-system-x86_64).
"""
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guestcheck  # noqa: E402

QEMU = shutil.which("qemu-system-x86_64")
EXIT_PASS = (0x34 << 1) | 1  # isa-debug-exit at 0x600: payload's power-off write
EXIT_FAIL = (0x01 << 1) | 1  # payload's reset write


class Qemu:
    """One QEMU run: console lines as they come, optional QMP."""

    def __init__(self, builddir, machine, payload, devices, tmp, timeout=120):
        self.qmp_path = os.path.join(tmp, "qmp.sock")
        if machine == "q35":
            mach = ["-M", "q35", "-m", "1G"]
        else:
            mach = ["-M", "microvm,acpi=on,rtc=on", "-m", "512M"]
        cmd = [QEMU] + mach + [
            "-accel", "tcg", "-cpu", "max", "-nographic", "-monitor", "none",
            "-serial", "stdio", "-no-reboot", "-nodefaults",
            "-kernel", os.path.join(builddir, "qemu-loader.bin"),
            "-initrd", os.path.join(builddir, payload + ".bin"),
            "-device", "isa-debug-exit,iobase=0x600,iosize=1",
            "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]
        for d in devices:
            cmd += ["-device", d]
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.deadline = time.monotonic() + timeout
        self.buf = b""
        self.log = []
        self.qmp = None

    def lines(self):
        """Console lines until QEMU exits or the deadline passes."""
        fd = self.proc.stdout.fileno()
        while True:
            left = self.deadline - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([fd], [], [], min(left, 1.0))
            if not r:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                if self.buf:
                    self.log.append(self.buf.decode(errors="replace"))
                    yield self.log[-1]
                return
            self.buf += chunk
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                self.log.append(line.decode(errors="replace").rstrip("\r"))
                yield self.log[-1]

    def qmp_cmd(self, name, args=None):
        if self.qmp is None:
            for _ in range(100):
                try:
                    s = socket.socket(socket.AF_UNIX)
                    s.connect(self.qmp_path)
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                raise RuntimeError("QMP socket never appeared")
            self.qmp = s.makefile("rw")
            json.loads(self.qmp.readline())  # greeting
            self._send("qmp_capabilities")
        return self._send(name, args)

    def _send(self, name, args=None):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.qmp.write(json.dumps(msg) + "\n")
        self.qmp.flush()
        while True:
            reply = json.loads(self.qmp.readline())
            if "return" in reply or "error" in reply:
                if "error" in reply:
                    raise RuntimeError("QMP %s: %s" % (name, reply["error"]))
                return reply["return"]

    def finish(self):
        """Drain to exit (or kill at the deadline); returns the exit status."""
        for _ in self.lines():
            pass
        try:
            return self.proc.wait(timeout=max(1, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None


def run_payload(builddir, machine, payload, devices, on_line=None):
    with tempfile.TemporaryDirectory(prefix="vdm-guest-") as tmp:
        q = Qemu(builddir, machine, payload, devices, tmp)
        for line in q.lines():
            if on_line:
                on_line(q, line)
        rc = q.finish()
        return rc, q.log


def qemu_topology(builddir, devices):
    """QEMU's own view of the same q35 machine once SeaBIOS has placed everything: the idle
    payload holds the machine still while query-pci reads it."""
    with tempfile.TemporaryDirectory(prefix="vdm-guest-") as tmp:
        q = Qemu(builddir, "q35", "idle", devices, tmp, timeout=60)
        result = None
        for line in q.lines():
            if "PAYLOAD: idle" in line:
                result = q.qmp_cmd("query-pci")
                q.qmp_cmd("quit")
        q.finish()
        if result is None:
            raise RuntimeError("idle payload never reported: " + "\n".join(q.log[-20:]))
        return guestcheck.qemu_query_pci_to_topology(result)


failures = []


def case(name, ok, detail=""):
    print("%s: %s%s" % ("PASS" if ok else "FAIL", name, (" - " + detail) if detail else ""))
    if not ok:
        failures.append(name)
    return ok


def show(log, n=40):
    for line in log[-n:]:
        print("    | " + line)


def check_walk_and_testdev(builddir, title, devices, expect_bars):
    """pci_walk and testdev on one q35 configuration, compared with query-pci."""
    topo_text = qemu_topology(builddir, devices)
    want, _ = guestcheck.parse_topology(topo_text)

    rc, log = run_payload(builddir, "q35", "pci_walk", devices)
    lines = guestcheck.payload_lines("\n".join(log))
    got = guestcheck.parse_report(lines)
    # query-pci reports no programming interface: compare base class and subclass only.
    errs = guestcheck.compare(want, got, class_mask=0xffff00)
    ok = case("%s: pci_walk passes its own checks" % title,
              rc == EXIT_PASS and "done status=ok" in lines, "exit %s" % rc)
    ok &= case("%s: pci_walk report equals QEMU query-pci" % title, not errs,
               "; ".join(errs[:5]))
    for (bdf_kind_size) in expect_bars:
        kind, size = bdf_kind_size
        hit = [k for k, v in got.bars.items() if v[0] == kind and v[2] == size]
        ok &= case("%s: pci_walk sized a %s BAR of 0x%x" % (title, kind, size), bool(hit))
    if not ok:
        show(log)

    # The comparison must be able to fail: move one BAR in the report and expect a finding.
    if got.bars:
        key = sorted(got.bars)[0]
        kind, addr, size = got.bars[key]
        got.bars[key] = (kind, addr + size, size)
        errs = guestcheck.compare(want, got, class_mask=0xffff00)
        case("%s: comparison notices a BAR moved by its size" % title,
             any("BAR%d" % key[1] in e for e in errs))

    rc, log = run_payload(builddir, "q35", "testdev", devices)
    lines = guestcheck.payload_lines("\n".join(log))
    ntestdev = sum(1 for v in want.devs.values() if v[:2] == (0x1b36, 0x0005))
    passes = [ln for ln in lines if ln.startswith("check testdev-bar-tests ok")]
    ok = case("%s: testdev protocol passes on every testdev" % title,
              rc == EXIT_PASS and len(passes) == 2 * ntestdev and ntestdev > 0,
              "exit %s, %d testdevs, %d BARs passed" % (rc, ntestdev, len(passes)))
    if not ok:
        show(log)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    builddir = sys.argv[1]
    if not QEMU:
        print("SKIPPED: qemu-system-x86_64 not installed (scripts/install-deps.sh)")
        return 77

    check_walk_and_testdev(builddir, "q35 rp1+testdev(4M) and root-bus testdev", [
        "pcie-root-port,id=rp1,chassis=1,slot=1", "pci-testdev,bus=rp1,membar=4M",
        "pci-testdev"], [("mem64pref", 4 << 20)])
    check_walk_and_testdev(builddir, "q35 two root ports, testdev 1G and 64G", [
        "pcie-root-port,id=rp1,chassis=1,slot=1", "pci-testdev,bus=rp1,membar=1G",
        "pcie-root-port,id=rp2,chassis=2,slot=2", "pci-testdev,bus=rp2,membar=64G"],
        [("mem64pref", 1 << 30), ("mem64pref", 64 << 30)])

    # A payload must fail loudly: testdev with no testdev present.
    rc, log = run_payload(builddir, "q35", "testdev", [])
    lines = guestcheck.payload_lines("\n".join(log))
    case("testdev without a testdev fails (reset write, status=fail)",
         rc == EXIT_FAIL and any(ln.startswith("check testdev-found FAIL") for ln in lines),
         "exit %s" % rc)

    # GED on microvm: QEMU's power button event (0x02) through the same selector/GSI path.
    def press(q, line):
        if "PAYLOAD: ged armed" in line:
            try:
                q.qmp_cmd("system_powerdown")
            except OSError:
                pass  # the payload may finish (and QEMU exit) before QMP replies
    rc, log = run_payload(builddir, "microvm", "ged", [], on_line=press)
    lines = guestcheck.payload_lines("\n".join(log))
    ev = [guestcheck.kv(ln) for ln in lines if ln.startswith("ged selector first=")]
    ok = case("microvm: ged payload finds GED, takes its interrupt, selector reads 0x2 then 0",
              rc == EXIT_PASS and ev and ev[0].get("event") == "0x2"
              and ev[0].get("second") == "0x0", "exit %s" % rc)
    if not ok:
        show(log)

    rc, log = run_payload(builddir, "microvm", "ged_regs", [])
    lines = guestcheck.payload_lines("\n".join(log))
    ok = case("microvm: ged_regs finds the GED idle (selector 0) and no pcihp block",
              rc == EXIT_PASS and "ged armed selector_initial=0x0" in lines and
              "pcihp absent" in lines, "exit %s" % rc)
    if not ok:
        show(log)

    print("%d failed" % len(failures) if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
