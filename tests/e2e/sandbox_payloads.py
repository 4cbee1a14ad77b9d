#!/usr/bin/env python3
# Sandboxed devices under a real KVM, in ONE nested boot: the guest payload suite with every
# device in its own vdm-devhost (the default) and again --in-process, the MMIO cost of the
# sandbox (mmio_bench, both ways, alternating), and a testdev killed while the guest runs.
"""usage: sandbox_payloads.py BUILD_DIR [--bench-rounds N] [--no-suite]

BUILD_DIR holds vmm-example/vmm-example and tests/guest/*.bin.  Prints PASS/FAIL per case,
the MMIO cost table (what BENCHMARKS.md's "Sandbox MMIO cost" section records) and exits 0
when every case passed, 1 when one failed, 77 when it cannot run here (the reason is on a
"SKIPPED:" line).  --no-suite runs only the benchmark and the kill case (quicker).
"""
import importlib.util
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True
TOP = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
NESTED = os.path.join(TOP, "scripts", "nested-run.sh")
GUEST = os.path.join(TOP, "tests", "guest")
sys.path.insert(0, GUEST)
_spec = importlib.util.spec_from_file_location("run_vmm", os.path.join(GUEST, "run-vmm.py"))
run_vmm = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_vmm)

BENCH_ARGS = ["--device", "pcie-root-port,id=rp1,chassis=1,slot=1",
              "--device", "testdev,id=t0,bus=rp1,membar=4M"]
MODES = [("sbx", []), ("inp", ["--in-process"])]
# Benchmark variants: (tag, environment, extra arguments).  "spin" lets each device host spin
# 1 ms for its next request instead of 50 us (VDM_DEVHOST_SPIN_NS), so a read that follows
# within one exit finds it awake.
BENCH_VARIANTS = [("inp", "", ["--in-process"]), ("sbx", "", []),
                  ("spin", "VDM_DEVHOST_SPIN_NS=1000000", [])]

# Runs inside L1 (python3 comes from the shared host root): vmm-example with a monitor and the
# testdev_dies payload; kills the testdev's device host once the payload reads it, then asks
# for its removal; writes what it saw to kill.json.
KILL_HELPER = r'''
import json, os, re, signal, socket, subprocess, sys, time
vmm, payload, outdir = sys.argv[1:4]
sock_path = "/tmp/vdm-sbx-monitor.sock"
res = {"steps": []}
def step(s):
    res["steps"].append("%.2f %s" % (time.monotonic() - t0, s))
def wait_text(path, text, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            with open(path, errors="replace") as f:
                if text in f.read():
                    return True
        except OSError:
            pass
        if p.poll() is not None:
            return False
        time.sleep(0.05)
    return False
class Mon:
    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(sock_path)
        self.buf = ""
        self.until("(vdm) ", 30)
    def until(self, text, secs):
        end = time.monotonic() + secs
        while text not in self.buf and time.monotonic() < end:
            self.s.settimeout(max(0.05, end - time.monotonic()))
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                continue
            if not d:
                break
            self.buf += d.decode(errors="replace")
        i = self.buf.find(text)
        if i < 0:
            out, self.buf = self.buf, ""
            return None
        out, self.buf = self.buf[:i + len(text)], self.buf[i + len(text):]
        return out
    def cmd(self, line):
        self.s.sendall((line + "\n").encode())
        return self.until("(vdm) ", 30)
t0 = time.monotonic()
out = open(os.path.join(outdir, "kill.out"), "w")
err = open(os.path.join(outdir, "kill.err"), "w")
p = subprocess.Popen([vmm, "--device", "pcie-root-port,id=rp1,chassis=1,slot=1",
                      "--device", "testdev,id=t0,bus=rp1", "--monitor", "unix:" + sock_path,
                      "--timeout", "400", "--payload", payload],
                     stdin=subprocess.DEVNULL, stdout=out, stderr=err)
outp = os.path.join(outdir, "kill.out")
try:
    if not wait_text(outp, "PAYLOAD: dies armed", 180):
        raise RuntimeError("payload never armed")
    step("armed")
    m = Mon()
    res["info_before"] = m.cmd("info devices")
    mt = re.search(r"^t0\s+pci-testdev\s+\S+\s+pid (\d+)\s+(\S+)", res["info_before"] or "", re.M)
    if not mt:
        raise RuntimeError("no 'pid N' for t0 in info devices")
    pid = int(mt.group(1))
    res["pid"] = pid
    os.kill(pid, signal.SIGKILL)
    step("killed pid %d" % pid)
    if not wait_text(outp, "PAYLOAD: dies waiting-unplug", 180):
        raise RuntimeError("payload never saw the device die")
    step("payload saw all-ones")
    res["info_failed"] = m.cmd("info devices")
    res["device_del"] = m.cmd("device_del t0")
    res["deleted_event"] = m.until("DEVICE_DELETED t0", 180)
    step("DEVICE_DELETED" if res["deleted_event"] else "no DEVICE_DELETED")
    m.until("(vdm) ", 2)  # the prompt printed after the event, if any
    res["info_after"] = m.cmd("info devices")
    res["pid_gone"] = not os.path.exists("/proc/%d" % pid)
except Exception as e:  # the verdict is the host's; say what happened
    res["error"] = str(e)
try:
    res["rc"] = p.wait(timeout=240)
except subprocess.TimeoutExpired:
    p.kill()
    res["rc"] = "killed after timeout"
step("vmm-example ended")
with open(os.path.join(outdir, "kill.json"), "w") as f:
    json.dump(res, f)
'''


def skip(reason):
    print("SKIPPED: " + reason)
    return 77


def judge_kill(outdir):
    errs = []
    try:
        with open(os.path.join(outdir, "kill.json")) as f:
            res = json.load(f)
    except (OSError, ValueError) as e:
        return ["no verdict from the L1 helper (%s)" % e], {}
    if res.get("error"):
        errs.append(res["error"])
    if res.get("rc") != 0:
        errs.append("vmm-example exit %s (the guest must keep running and pass)" % res.get("rc"))
    row = re.compile(r"^t0\s+pci-testdev\s+\S+\s+(pid \d+|in-process)\s+(\S+)", re.M)
    before = row.search(res.get("info_before") or "")
    if not before or before.group(2) != "running":
        errs.append("info devices before the kill: %r" % (before and before.group(0)))
    failed = row.search(res.get("info_failed") or "")
    if not failed or failed.group(2) != "failed":
        errs.append("info devices after the kill: %r, want t0 failed" % (
            failed and failed.group(0)))
    if "unplug of t0 requested" not in (res.get("device_del") or ""):
        errs.append("device_del t0 said %r" % res.get("device_del"))
    if not res.get("deleted_event"):
        errs.append("no DEVICE_DELETED t0 after the guest's eject")
    if row.search(res.get("info_after") or "") or "host " not in (res.get("info_after") or ""):
        errs.append("t0 still listed after DEVICE_DELETED")
    if not res.get("pid_gone"):
        errs.append("the killed device host pid %s is still there (not reaped)" % res.get("pid"))
    try:
        with open(os.path.join(outdir, "kill.out"), errors="replace") as f:
            lines = [ln[len("PAYLOAD: "):] for ln in f.read().splitlines()
                     if ln.startswith("PAYLOAD: ")]
    except OSError:
        lines = []
    if "done status=ok" not in lines:
        errs.append("payload did not finish ok: %s" % [ln for ln in lines if "FAIL" in ln][:8])
    return errs, res


def bench_lines(outdir, name):
    try:
        with open(os.path.join(outdir, name + ".out"), errors="replace") as f:
            text = f.read()
    except OSError:
        return {}, False
    got = {}
    for ln in text.splitlines():
        m = re.match(r"PAYLOAD: mmio_bench what=(\S+) reads=(\d+) cycles=\d+ "
                     r"cycles_per_read=(\d+) ns_per_read=([\d.]+)", ln)
        if m:
            got[m.group(1)] = (int(m.group(2)), int(m.group(3)), float(m.group(4)))
    return got, "PAYLOAD: done status=ok" in text


def main():
    args = sys.argv[1:]
    rounds = 2
    if "--bench-rounds" in args:
        i = args.index("--bench-rounds")
        rounds = int(args[i + 1])
        del args[i:i + 2]
    suite = "--no-suite" not in args
    args = [a for a in args if a != "--no-suite"]
    if len(args) != 1:
        print(__doc__)
        return 2
    build = os.path.abspath(args[0])
    vmm = os.path.join(build, "vmm-example", "vmm-example")
    bindir = os.path.join(build, "tests", "guest")
    for need in [vmm] + [os.path.join(bindir, p + ".bin") for p in
                         ("pci_walk", "testdev", "ged", "ged_regs", "mmio_bench",
                          "testdev_dies")]:
        if not os.path.exists(need):
            return skip("%s not built" % need)
    if not os.access(NESTED, os.X_OK):
        return skip("scripts/nested-run.sh is not there")
    helptext = subprocess.run([vmm, "--help"], capture_output=True, text=True).stdout
    if "--in-process" not in helptext:
        return skip("vmm-example has no --in-process")

    todo = []
    for name, payload, a in run_vmm.cases(run_vmm.GED_FLAG in helptext) if suite else []:
        for tag, extra in MODES:
            todo.append(("%s-%s" % (tag, name), payload, extra + a))
    bench = []
    for r in range(rounds):
        for tag, env, extra in BENCH_VARIANTS:
            bench.append(("bench-%s-%d" % (tag, r + 1), env, extra + BENCH_ARGS))

    outdir = os.path.join(build, "tests", "e2e", "sandbox-run")
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    body = run_vmm.batch_script(vmm, bindir, outdir, todo).splitlines()
    assert body[-1] == "exit 0"
    body.pop()
    for name, env, a in bench:
        cmd = [vmm] + a + ["--timeout", "300", "--payload",
                           os.path.join(bindir, "mmio_bench.bin")]
        body.append("[ -e %s.rc ] || {" % name) # resumable, as run_vmm's cases
        body.append("echo %s >&2" % shlex.quote("== case " + name))
        body.append("%s %s </dev/null >%s.out 2>%s.err; echo $? >%s.rc" % (
            env, " ".join(shlex.quote(c) for c in cmd), name, name, name))
        body.append("}")
    body.append("exit 0")
    helper = os.path.join(outdir, "kill_helper.py")
    with open(helper, "w") as f:
        f.write(KILL_HELPER)
    body[-1:] = ["echo '== case kill' >&2",
                 "python3 %s %s %s %s" % (shlex.quote(helper), shlex.quote(vmm),
                                          shlex.quote(os.path.join(bindir, "testdev_dies.bin")),
                                          shlex.quote(outdir)),
                 "exit 0"]
    script = os.path.join(outdir, "batch.sh")
    with open(script, "w") as f:
        f.write("\n".join(body) + "\n")
    os.chmod(script, 0o755)

    t0 = time.monotonic()
    r = subprocess.run([NESTED, "--share", outdir, "--timeout", "1500", "--script", script],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True)
    harness = (r.stdout + r.stderr).strip().splitlines()
    print("nested-run.sh exit %d after %.1f s; %d payload cases, %d bench runs and the kill "
          "case in one boot" % (r.returncode, time.monotonic() - t0, len(todo), len(bench)))
    for ln in harness:
        if ln.startswith("vdm:"):
            print("  " + ln)
    if r.returncode in (123, 124, 125) or not os.path.exists(os.path.join(outdir, "kill.json")) \
            and not any(os.path.exists(os.path.join(outdir, n + ".rc")) for n, _, _ in todo):
        print("FAIL: the nested run did not complete (exit %d)" % r.returncode)
        for ln in harness[-30:]:
            print("    | " + ln)
        return 1

    failed = 0
    for name, payload, _ in todo:
        errs, log = run_vmm.judge(name, payload, outdir)
        if errs:
            failed += 1
            print("FAIL: %s" % name)
            for e in errs:
                print("    - " + e)
            for ln in log.splitlines()[-30:]:
                print("    | " + ln)
        else:
            print("PASS: %s" % name)

    errs, res = judge_kill(outdir)
    if errs:
        failed += 1
        print("FAIL: kill-testdev-while-guest-runs")
        for e in errs:
            print("    - " + e)
        for s in res.get("steps", []):
            print("    | " + s)
    else:
        print("PASS: kill-testdev-while-guest-runs (%s)" % "; ".join(res.get("steps", [])))

    table = {}
    for name, _, _ in bench:
        got, ok = bench_lines(outdir, name)
        if not ok or "testdev-bar0-mmio" not in got:
            failed += 1
            print("FAIL: %s (no complete mmio_bench report)" % name)
            continue
        print("PASS: %s" % name)
        tag = name.split("-")[1]
        for what, v in got.items():
            table.setdefault((what, tag), []).append(v)
    print("\nSandbox MMIO cost (median of %d rounds; cycles and ns per guest read):" % rounds)
    print("| access | variant | reads | cycles/read | ns/read | vs in-process |")
    print("|---|---|---:|---:|---:|---:|")
    for what in ("testdev-bar0-mmio", "testdev-config-ecam", "host-bridge-config-ecam"):
        inp = table.get((what, "inp"))
        if not inp:
            continue
        ci = statistics.median(v[1] for v in inp)
        for tag, _, _ in BENCH_VARIANTS:
            got = table.get((what, tag))
            if not got:
                continue
            c = statistics.median(v[1] for v in got)
            n = statistics.median(v[2] for v in got)
            print("| %s | %s | %d | %d | %.1f | %.2fx |" % (what, tag, got[0][0], c, n,
                                                          c / ci if ci else 0))
    print("%d failed" % failed if failed else "all passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
