#!/usr/bin/env python3
# Guest-fault hunt for nested runs: boots the default guest again and again under vmm-example in
# one nested L1 with a configuration-space stress, counting triple faults and stalls per variant.
"""usage: fault_hunt.py [--minutes M] [--ports N] [--stress S] [--variants V;V...]
                     [--build DIR] [--out DIR] [--trace]

Host side (the default): runs itself inside one nested L1 (scripts/nested-run.sh).  In L1, for
each variant in turn (round-robin, until M minutes have passed): vmm-example boots the default
guest with N hotplug root ports, the guest reads every device's configuration space (port I/O
and ECAM) in a loop for S seconds and powers off.  A boot that ends with a triple fault,
KVM_EXIT_SHUTDOWN, an internal error or a guest oops counts as a fault; one that does not end in
time counts as a stall.  With --trace, L1's kvm tracepoints stay on in a ring buffer and the
last events before each fault are kept.

A variant is a list of words:
  kvm_amd.P=V / kvm.P=V  reload L1's KVM modules with these parameters (npt=0, vgif=0, ...)
  vmm:ARG                one more vmm-example argument (vmm:--in-process)
  vmm=qemu               QEMU q35 with KVM instead of vmm-example, as the VMM of the same guest
                         (a guest reset shows as a boot that ended without powering off)
  vmm=none               no guest at all: L1 only waits as long as a boot would (does L1
                         itself survive the variant's load?)
  kernel:bzimage         boot the bzImage instead of the vmlinux (PVH)
  sysfs:PATH=VALUE       L1's /sys/PATH set to VALUE for the boot, then set back
                         (sysfs:kernel/mm/transparent_hugepage/enabled=never)
  sysctl:PATH=VALUE      the same for /proc/sys/PATH (sysctl:vm/compaction_proactiveness=0)
  l1load:spawn / l1load:cpu   while the guest runs, a shell loop in L1 starts processes
                         (/bin/true) without pause / spins without starting any
  l1load:compact         while the guest runs, L1 compacts its memory every 0.2 s (page
                         migration, guest RAM included)
"default" is the harness as it is.  Prints a table of boots, guest seconds, faults and stalls
per variant, and each fault's last lines.  Exit 0 when no variant faulted, 1 otherwise."""
import argparse
import base64
import os
import re
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAULT_RX = re.compile(r"triple fault|KVM_EXIT_SHUTDOWN|KVM_EXIT_INTERNAL_ERROR|"
                      r"KVM internal error|KVM_EXIT_FAIL_ENTRY|halted with interrupts disabled|"
                      r"Kernel panic|Oops|BUG:|general protection|double fault|"
                      r"unexpected KVM exit")
TRACE = "/sys/kernel/tracing"
STRESS = r"""
end=$(( $(cut -d. -f1 /proc/uptime) + %d ))
n=0
while [ $(cut -d. -f1 /proc/uptime) -lt $end ]; do
  cat /sys/bus/pci/devices/*/config >/dev/null
  n=$((n+1))
done
echo "HUNT: $n passes"
"""


def sh(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True)


def reload_kvm(words, modules):
    """Reload kvm + kvm_amd with the variant's parameters (kvm_amd.npt=0 ...)."""
    params = {"kvm": [], "kvm_amd": []}
    for w in words:
        mod, _, kv = w.partition(".")
        if mod in params and "=" in kv:
            params[mod].append(kv)
    r = sh("rmmod kvm_amd && rmmod kvm")
    if r.returncode:
        return "rmmod: " + r.stderr.strip()
    for mod, f in (("kvm", "kernel/arch/x86/kvm/kvm.ko"), ("kvm_amd", "kernel/arch/x86/kvm/kvm-amd.ko")):
        r = sh("insmod %s/%s %s" % (modules, f, " ".join(params[mod])))
        if r.returncode:
            return "insmod %s %s: %s" % (f, params[mod], r.stderr.strip())
    got = sh("cd /sys/module/kvm_amd/parameters && grep -H . npt vgif nrips vls avic; "
             "cat /sys/module/kvm/parameters/tdp_mmu").stdout.split()
    print("   kvm reloaded: %s" % " ".join(got), flush=True)
    return None


def trace(on):
    if not os.path.exists(TRACE + "/trace"):
        sh("mount -t tracefs nodev " + TRACE)
    try:
        open(TRACE + "/tracing_on", "w").write("0")
        if on:
            open(TRACE + "/buffer_size_kb", "w").write("4096")
            open(TRACE + "/trace", "w").close()
            open(TRACE + "/events/kvm/enable", "w").write("1")
            open(TRACE + "/tracing_on", "w").write("1")
        return True
    except OSError as e:
        print("   trace: not available (%s)" % e)
        return False


VMSTAT = ("pgmigrate_success", "compact_stall", "compact_daemon_wake", "thp_fault_alloc",
          "thp_collapse_alloc", "numa_pages_migrated")


def vmstat():
    """L1's page-migration counters (which loads move guest RAM under the L2 guest)."""
    d = dict(ln.split() for ln in open("/proc/vmstat"))
    return {k: int(d.get(k, 0)) for k in VMSTAT}


def boot(args, variant, kernel, initrd, out, tag):
    extra = [w[4:] for w in variant if w.startswith("vmm:")]
    cmd64 = base64.b64encode((STRESS % args.stress).encode()).decode()
    append = "console=ttyS0 quiet panic=-1 vdm.poweroff=1 vdm.cmd64=" + cmd64
    if "vmm=none" in variant:
        argv = ["sh", "-c", "sleep %d; echo HUNT: 1 passes" % (args.stress + 20)]
    elif "vmm=qemu" in variant:
        argv = ["qemu-system-x86_64", "-nodefaults", "-no-user-config", "-display", "none",
                "-accel", "kvm", "-M", "q35", "-cpu", "host", "-m", "512M", "-no-reboot",
                "-serial", "stdio", "-kernel", kernel, "-initrd", initrd, "-append", append]
    else:
        argv = [args.vmm, "--kernel", kernel, "--initrd", initrd, "--memory-backend", "anon",
                "--hotplug-ports", str(args.ports), "--timeout", str(args.stress + 240)] + extra + [
                "--append", append]
    con = os.path.join(out, tag + "-console.log")
    err = os.path.join(out, tag + "-stderr.log")
    saved = []
    for w in variant:
        if w.startswith(("sysfs:", "sysctl:")):
            kind, _, rest = w.partition(":")
            path, _, value = rest.partition("=")
            path = ("/sys/" if kind == "sysfs" else "/proc/sys/") + path
            old = open(path).read().strip()
            if "[" in old:  # a choice file: "always [madvise] never"
                old = old.split("[")[1].split("]")[0]
            open(path, "w").write(value)
            saved.append((path, old))
    vm0 = vmstat()
    load = None
    if "l1load:spawn" in variant:
        load = subprocess.Popen(["sh", "-c", "while :; do /bin/true; done"])
    elif "l1load:compact" in variant:  # L1 migrates movable pages (guest RAM too) again and again
        load = subprocess.Popen(["sh", "-c", "while :; do echo 1 >/proc/sys/vm/compact_memory; "
                                 "sleep 0.2; done"])
    elif "l1load:cpu" in variant:
        load = subprocess.Popen(["sh", "-c", "while :; do :; done"])
    t0 = time.monotonic()
    try:
        with open(con, "w") as c, open(err, "w") as e:
            rc = subprocess.call(argv, stdin=subprocess.DEVNULL, stdout=c, stderr=e,
                                 timeout=args.stress + 300)
    except subprocess.TimeoutExpired:
        rc = None
    took = time.monotonic() - t0
    if load:
        load.kill()
        load.wait()
    for path, old in saved:
        open(path, "w").write(old)
    vm1 = vmstat()
    moved = " ".join("%s=%d" % (k, vm1[k] - vm0[k]) for k in VMSTAT if vm1[k] != vm0[k])
    stderr = open(err, errors="replace").read()
    text = open(con, errors="replace").read() + "\n" + stderr
    ready = "VDM-GUEST-READY" in text
    hits = [ln.strip() for ln in text.splitlines() if FAULT_RX.search(ln)]
    passes = re.search(r"HUNT: (\d+) passes", text)
    if rc is None:
        kind = "stall"
    elif hits:
        kind = "fault"
    elif "vmm=qemu" in variant and "VDM-GUEST-POWEROFF" not in text:
        kind = "fault"  # QEMU resets a triple-faulting guest; -no-reboot turns that into an exit
        hits = ["QEMU: the guest ended without powering off (a reset: triple fault)"]
    elif rc != 0 or not passes:
        kind = "other (exit %s)" % rc
    else:
        kind = "ok"
    return {"kind": kind, "ready": ready, "took": took, "hits": hits[:6],
            "passes": int(passes.group(1)) if passes else 0, "vmstat": moved,
            "tail": stderr.splitlines()[-8:]}


def l1_main(args):
    variants = [v.split() if v.strip() != "default" else [] for v in args.variants.split(";")]
    stats = [{"boots": 0, "faults": 0, "stalls": 0, "other": 0, "secs": 0.0, "passes": 0}
             for _ in variants]
    kernels = {"vmlinux": args.vmlinux, "bzimage": args.bzimage}
    end = time.monotonic() + args.minutes * 60
    tracing = args.trace and trace(True)
    current = None
    i = 0
    while time.monotonic() < end:
        k = i % len(variants)
        v = variants[k]
        kvm_words = sorted(w for w in v if w.startswith(("kvm.", "kvm_amd.")))
        if kvm_words != current and (kvm_words or current):
            e = reload_kvm(kvm_words, args.modules)
            if e:
                print("FAIL: variant %s: %s" % (" ".join(v), e), flush=True)
                return 1
            current = kvm_words
        kern = "bzimage" if "kernel:bzimage" in v else "vmlinux"
        tag = "%s-boot%03d-v%d" % (args.tag, i, k)
        if tracing:
            open(TRACE + "/trace", "w").close()
        r = boot(args, v, kernels[kern], args.initrd, args.out, tag)
        s = stats[k]
        s["boots"] += 1
        s["secs"] += r["took"]
        s["passes"] += r["passes"]
        print("%s %-28s %-6s %5.1f s ready=%s passes=%d  L1 %s" %
              (tag, " ".join(v) or "default", r["kind"], r["took"], r["ready"], r["passes"],
               r["vmstat"] or "(no page moved)"), flush=True)
        if r["kind"] != "ok":
            s["faults" if r["kind"] == "fault" else "stalls" if r["kind"] == "stall" else "other"] += 1
            for h in r["hits"] or r["tail"]:
                print("     " + h, flush=True)
            if tracing:
                open(TRACE + "/tracing_on", "w").write("0")
                lines = [ln for ln in open(TRACE + "/trace", errors="replace")
                         if not ln.startswith("#")]
                open(os.path.join(args.out, tag + "-l1-trace.txt"), "w").writelines(lines)
                for ln in lines[-25:]:
                    print("     trace: " + ln.rstrip(), flush=True)
                open(TRACE + "/tracing_on", "w").write("1")
        i += 1
    print("\nRESULT | variant | boots | guest time | config passes | faults | stalls | other |")
    print("RESULT |---|---|---|---|---|---|---|")
    for v, s in zip(variants, stats):
        print("RESULT | %s | %d | %.0f s | %d | %d | %d | %d |" %
              (" ".join(v) or "default", s["boots"], s["secs"], s["passes"], s["faults"],
               s["stalls"], s["other"]), flush=True)
    return 1 if any(s["faults"] or s["stalls"] for s in stats) else 0


def host_main(args):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from soak_hotplug import host_inputs  # (the soak's: vmm-example, output folder, guest)
    vmm, out, env, guest = host_inputs(args, "vdm-hunt.")
    print("output in %s; variants: %s" % (out, args.variants), flush=True)
    # L1 itself may die under a variant's load (QEMU exits: nested-run.sh status 125): start
    # it again for the time left, and add up the per-variant tables of every L1.
    end = time.monotonic() + args.minutes * 60
    totals, order, deaths, session = {}, [], 0, 0
    while True:
        left = (end - time.monotonic()) / 60
        if left < 1:
            break
        cmd = [os.path.join(TOP, "scripts", "nested-run.sh"), "--share", out,
               "--no-fault-retry"] + (
            ["--verbose"] if args.verbose else []) + [
               "--log", os.path.join(out, "l1-console-%d.log" % session),
               "--timeout", str(int(left * 60 + 900)), "--",
               "python3", os.path.abspath(__file__), "--l1", vmm, env["VDM_VMLINUX"],
               env["VDM_KERNEL"], guest, env["VDM_MODULES"], "--out", out,
               "--minutes", "%.2f" % left, "--ports", str(args.ports),
               "--stress", str(args.stress), "--variants", args.variants,
               "--tag", "s%d" % session] + (["--trace"] if args.trace else [])
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        for line in p.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            f = [c.strip() for c in line.split("|")]
            if len(f) == 9 and f[0] == "RESULT" and f[2].isdigit():
                if f[1] not in totals:
                    totals[f[1]] = [0, 0.0, 0, 0, 0, 0]
                    order.append(f[1])
                t = totals[f[1]]
                for k, x in enumerate((f[2], f[3].split()[0], f[4], f[5], f[6], f[7])):
                    t[k] += float(x) if k == 1 else int(x)
        rc = p.wait()
        session += 1
        if rc != 125:
            break
        deaths += 1
        print("fault_hunt: L1 died (nested-run.sh exit 125); starting it again", flush=True)
    print("\nTOTAL | variant | boots | guest time | config passes | faults | stalls | other |")
    print("TOTAL |---|---|---|---|---|---|---|")
    for v in order:
        t = totals[v]
        print("TOTAL | %s | %d | %.0f s | %d | %d | %d | %d |" % (v, t[0], t[1], t[2], t[3], t[4],
                                                              t[5]))
    print("TOTAL | L1 deaths (QEMU exited under the load) | %d |" % deaths)
    return 1 if deaths or any(t[3] or t[4] for t in totals.values()) else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=20)
    ap.add_argument("--ports", type=int, default=128)
    ap.add_argument("--stress", type=int, default=60, help="seconds of config reads per boot")
    ap.add_argument("--variants", default="default")
    ap.add_argument("--build")
    ap.add_argument("--out")
    ap.add_argument("--trace", action="store_true")
    ap.add_argument("--verbose", action="store_true", help="L1's kernel messages too")
    ap.add_argument("--tag", default="s0", help=argparse.SUPPRESS)
    ap.add_argument("--l1", nargs=5, metavar=("VMM", "VMLINUX", "BZIMAGE", "INITRD", "MODULES"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.l1:
        args.vmm, args.vmlinux, args.bzimage, args.initrd, args.modules = args.l1
        return l1_main(args)
    return host_main(args)


if __name__ == "__main__":
    sys.exit(main())
