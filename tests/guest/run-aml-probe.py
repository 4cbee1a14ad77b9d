#!/usr/bin/env python3
# Host-side test of the ged payload's DSDT scanner: aml_probe on vmm-example's own DSDT must
# find the GED selector, GSI, pcihp block and one BSEL per hotplug root port as printed.
"""usage: run-aml-probe.py AML_PROBE VMM_EXAMPLE

Part 1: host/ged-sample.asl compiled by iasl (GED + pcihp shaped like QEMU's AML, with a
Buffer whose bytes look like a Name(BSEL) declaration) must give exactly its known facts.
Part 2: vmm-example's own DSDT (--dump-acpi) must give what --print-topology states.
Exit 0 = pass, 1 = mismatch, 77 = both parts skipped (no iasl; no vmm-example DSDT yet).
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guestcheck  # noqa: E402

CONFIGS = [
    ["--device", "pcie-root-port,id=rp1,chassis=1,slot=1",
     "--device", "testdev,bus=rp1,membar=4M"],
    ["--device", "pcie-root-port,id=rp1,chassis=1,slot=1",
     "--device", "pcie-root-port,id=rp2,chassis=2,slot=2", "--hotplug-ports", "3"],
]


SAMPLE_EXPECT = [
    "ged gsi=23 edge=1 low=0 selector=mem:0xfe000000 region=EREG field=ESEL bits=32 access=3 "
    "bit_offset=0 esel=mem:0xfe000000",
    "pcihp base=mem:0xfe001000 bnum=mem:0xfe001010",
    "bsel value=0 adr=0x10000",
    "bsel value=1 adr=0x20000",
]


def sample(probe):
    """Part 1; returns 0 pass, 1 fail, 77 skipped."""
    iasl = shutil.which("iasl")
    if not iasl:
        print("SKIPPED (iasl sample): iasl not installed")
        return 77
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "host", "ged-sample.asl")
    with tempfile.TemporaryDirectory(prefix="vdm-aml-") as tmp:
        r = subprocess.run([iasl, "-p", os.path.join(tmp, "sample"), src],
                           capture_output=True, text=True)
        aml = os.path.join(tmp, "sample.aml")
        if r.returncode != 0 or not os.path.exists(aml):
            print("FAIL: iasl could not compile %s:\n%s" % (src, r.stdout + r.stderr))
            return 1
        p = subprocess.run([probe, "--robust", aml], capture_output=True, text=True,
                           timeout=120)
    got = [ln for ln in p.stdout.splitlines() if not ln.startswith("robust ")]
    # The objects=/skipped= counts depend on the walk, not on the facts: compare the rest.
    got = [" ".join(w for w in ln.split() if not w.startswith(("objects=", "skipped=")))
           for ln in got]
    robust = [ln for ln in p.stdout.splitlines() if ln.startswith("robust ")]
    if p.returncode != 0 or got != SAMPLE_EXPECT or not robust:
        print("FAIL: iasl sample: aml_probe exit %d\n  got:  %s\n  want: %s\n%s" %
              (p.returncode, got, SAMPLE_EXPECT, p.stderr[-2000:]))
        return 1
    print("PASS: iasl sample: GED, pcihp and BSELs found, decoy Buffer ignored; %s" % robust[0])
    return 0


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    probe, vmm = sys.argv[1:]
    first = sample(probe)
    if first == 1:
        return 1
    if not os.access(vmm, os.X_OK):
        print("SKIPPED: vmm-example not built (%s)" % vmm)
        return first
    failed = 0
    for n, args in enumerate(CONFIGS):
        with tempfile.TemporaryDirectory(prefix="vdm-aml-") as tmp:
            r = subprocess.run([vmm] + args + ["--dump-acpi", tmp, "--print-topology"],
                               capture_output=True, text=True, timeout=60)
            dsdt = guestcheck.dumped_table(tmp, "DSDT")
            if r.returncode != 0 or not dsdt:
                print("SKIPPED (vmm-example part): vmm-example --dump-acpi wrote no DSDT (%s)" %
                      (r.stderr.strip().splitlines() or ["exit %d" % r.returncode])[-1])
                return first
            want, mach = guestcheck.parse_topology(r.stdout)
            flags = ["--robust"] if n == 0 else []
            p = subprocess.run([probe] + flags + [dsdt], capture_output=True, text=True,
                               timeout=240)
        out = p.stdout.splitlines()
        errs = []
        if p.returncode != 0:
            errs.append("aml_probe exit %d: %s" % (p.returncode, p.stderr.strip()[-500:]))
        ged = [guestcheck.kv(ln) for ln in out if ln.startswith("ged ")]
        hp = [guestcheck.kv(ln) for ln in out if ln.startswith("pcihp ")]
        bsel = [guestcheck.kv(ln) for ln in out if ln.startswith("bsel ")]
        r0, r1 = mach.ged.get("region0"), mach.ged.get("region1")
        if not ged or "gsi" not in ged[0]:
            errs.append("GED not found: %s" % (ged[0] if ged else out))
        else:
            g = ged[0]
            if int(g["gsi"]) != mach.ged.get("gsi"):
                errs.append("gsi %s, topology %s" % (g["gsi"], mach.ged.get("gsi")))
            if g["edge"] != "1" or g["low"] != "0":
                errs.append("GED interrupt edge=%s low=%s, want edge, active high" %
                            (g["edge"], g["low"]))
            if not r0 or g["selector"] != "mem:0x%x" % r0[0] or g["esel"] != g["selector"]:
                errs.append("selector %s (ESEL %s), topology region0 %s" %
                            (g["selector"], g["esel"], r0))
            if (g["bits"], g["access"], g["bit_offset"]) != ("32", "3", "0"):
                errs.append("selector field bits=%s access=%s offset=%s, want a DWordAcc "
                            "32-bit field at 0" % (g["bits"], g["access"], g["bit_offset"]))
        if not hp or not r1 or hp[0]["base"] != "mem:0x%x" % r1[0] or \
                hp[0]["bnum"] != "mem:0x%x" % (r1[0] + 0x10):
            errs.append("pcihp %s, topology region1 %s" % (hp, r1))
        ports = sorted(int(b[3:5], 16) << 3 | int(b[6]) for b in want.bridges)
        adrs = sorted((int(b["adr"], 0) >> 16) << 3 | (int(b["adr"], 0) & 7) for b in bsel)
        if ports != adrs:
            errs.append("BSEL Devices' _ADR name devfns %s, topology root ports at %s" %
                        (adrs, ports))
        if len({b["value"] for b in bsel}) != len(bsel):
            errs.append("duplicate BSEL values %s" % [b["value"] for b in bsel])
        robust = [ln for ln in out if ln.startswith("robust ")]
        if flags and not robust:
            errs.append("robustness pass did not complete")
        title = " ".join(a for a in args if not a.startswith("--"))
        if errs:
            failed += 1
            print("FAIL: %s" % title)
            for e in errs:
                print("    - " + e)
        else:
            print("PASS: %s: %s%s" % (title, "; ".join(out[:2]),
                                      ("; " + robust[0]) if robust else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
