#!/usr/bin/env python3
# The seed scenario on arm64, run where arm64 KVM boots Linux (the arm64 L1 of nested-run.sh):
# vmm-example boots Debian's arm64 kernel with ACPI, once per _DSM 5 policy, and hot-plugs big BARs.
"""usage: arm64_seed_l1.py VMM KERNEL INITRD OUTDIR [POLICY...]

For each policy (default: off auto dt), one vmm-example boot with --preserve-config POLICY, two
empty hotplug root ports (rp1, rp2; 64 GiB prefetchable windows programmed by the VMM), every
device sandboxed, driven through the human monitor:
  the guest's own view of both windows after boot (its init prints them; sysfs)
  device_add testdev membar=4M on rp1 and membar=1G on rp2:
    off  - the guest shrank the windows at boot, so the VMM's fit check refuses the device,
           and with x-fit-check=off the guest adds it but says `can't assign; no space`
    auto - the windows stayed; the guest assigns BAR 2 inside each (sysfs resource)
  device_del, then the same device_add again (unplug and re-plug), seen by the guest
  dt   - a device-tree boot with auto: /chosen says linux,pci-probe-only, so the guest keeps
         the 64 GiB windows too (no hotplug: Linux's GED driver is ACPI's)
Prints "ok: ..." / "FAIL: ..." per check; exit 0 when every check passed."""
import os
import re
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hotplug_l1 import Console, Hmp, check, failures, passes, parse_info_pci  # noqa: E402

APPEND = os.environ.get("VDM_SEED_APPEND", "console=ttyAMA0 quiet panic=-1")
BAR2_FAIL = r"BAR 2.*(no space|failed to assign|can't assign)"
SIZES = {"rp1": ("t4m", "4M", 4 << 20), "rp2": ("t1g", "1G", 1 << 30)}


def guest_windows(con, end):
    """{'0000:00:01.0': (start, end)} of the prefetchable windows the guest's init printed."""
    wins = {}
    with con.cv:
        lines = [ln for _, ln in con.lines[:end]]
    for ln in lines:
        m = re.search(r"VDM-PCI-WINDOW (\S+) pref start=0x([0-9a-f]+) end=0x([0-9a-f]+)", ln)
        if m:
            wins[m.group(1)] = (int(m.group(2), 16), int(m.group(3), 16))
    return wins


def sysfs_bar2(con, loc):
    """BAR 2 of 0000:loc as the guest's sysfs has it: (start, end), or None when unassigned."""
    out = con.shell("sed -n 3p /sys/bus/pci/devices/0000:%s/resource" % loc) or []
    m = out and re.match(r"0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+)", out[-1])
    if not m or int(m.group(3), 16) == 0 or int(m.group(2), 16) == 0:
        return None
    return int(m.group(1), 16), int(m.group(2), 16)


def hot_add(con, hmp, policy, rp, dev, txt, loc, fit_check_off):
    spec = "testdev,id=%s,bus=%s,membar=%s%s" % (dev, rp, txt,
                                                ",x-fit-check=off" if fit_check_off else "")
    start = con.mark()
    r = hmp.cmd("device_add " + spec)
    if not check("%s: device_add %s accepted" % (policy, spec), "added behind " + rp in r, r):
        return None
    w = con.wait(r"VDM-HP add 0000:%s" % re.escape(loc), start)
    check("%s: the guest added %s (%s) behind %s" % (policy, dev, txt, rp), w)
    if w:
        print("   guest: " + w[2][w[2].index("VDM-HP"):])
    else:  # what the guest saw: the GED's interrupt count and its last kernel lines
        for ln in con.shell("grep -iE 'ged|GICv3' /proc/interrupts; dmesg | tail -n 8") or []:
            print("   guest: " + ln)
    return w


def finish(con, hmp, policy):
    """The guest still answers; the monitor's quit ends vmm-example with status 0."""
    alive = con.shell("echo VDM-ALIVE") or []
    check("%s: the guest still runs" % policy, "VDM-ALIVE" in alive, str(alive))
    hmp.cmd("quit")
    try:
        rc = con.p.wait(30)
    except Exception:  # noqa: BLE001 - any failure to stop is reported the same way
        con.p.kill()
        rc = None
    check("%s: quit ends vmm-example with status 0" % policy, rc == 0, "rc=%s" % rc)


def one_policy(vmm, kernel, initrd, out, policy):
    sock = tempfile.mkdtemp(prefix="vdm-seed-")
    hmp_path = os.path.join(sock, "hmp.sock")
    dt = policy == "dt"
    argv = [vmm, "--kernel", kernel, "--initrd", initrd, "--append", APPEND,
            "--boot", "dt" if dt else "acpi", "--preserve-config", "auto" if dt else policy,
            "--memory-backend", "anon",
            "--hotplug-ports", "0", "--device", "pcie-root-port,id=rp1",
            "--device", "pcie-root-port,id=rp2", "--timeout", "900",
            "--monitor", "unix:" + hmp_path]
    argv += os.environ.get("VDM_SEED_EXTRA_ARGS", "").split()
    con = Console(argv, os.path.join(out, "vmm-%s-console.log" % policy),
                  os.path.join(out, "vmm-%s-stderr.log" % policy))
    t0 = time.monotonic()
    ready = con.wait("VDM-HP-READY", 0, 300)
    if not check("%s: arm64 Linux booted by %s and its PCI watcher runs" %
                 (policy, "device tree" if dt else "ACPI"), ready):
        con.p.kill()
        return
    print("   (%s: guest ready after %.1f s)" % (policy, ready[1] - t0))
    hmp = Hmp(hmp_path)
    ids, wins, _ = parse_info_pci(hmp.cmd("info pci"))
    gwins = guest_windows(con, ready[0])
    dsm = con.shell("dmesg | grep -iE 'acpiphp|PCI: (Ignoring|Preserv)|_DSM|probe.only' | head -5") or []
    for ln in dsm:
        print("   guest dmesg: " + ln)
    bugs = con.shell("dmesg | grep -E 'Firmware Bug|FW_BUG|ACPI (Error|Warning)'") or []
    check("%s: the guest's kernel found no firmware bug in vdm's tables" % policy, not bugs,
          "\n".join(bugs))
    expect = {}
    for rp in SIZES:
        loc = ids.get(rp)
        prog = wins.get(loc, {}).get("pref")
        gw = gwins.get("0000:" + loc) if loc else None
        print("   %s %s: programmed pref %s, guest's %s" %
              (policy, rp, prog and "[%#x-%#x]" % prog, gw and "[%#x-%#x]" % gw))
        if policy == "off":
            check("off: the guest re-sized %s's 64-bit window at boot (smaller than 4M)" % rp,
                  gw and gw[1] - gw[0] + 1 < (4 << 20), str(gw))
        else:
            check("%s: the guest kept %s's 64-bit window as programmed (64G)" % (policy, rp),
                  prog and gw == prog and prog[1] - prog[0] + 1 == 64 << 30,
                  "%s vs %s" % (gw, prog))
        expect[rp] = gw
    if dt:
        return finish(con, hmp, policy)
    # The endpoint's address behind each port: device 0 on the port's secondary bus.
    sec = {}
    for rp in SIZES:
        o = con.shell("cat /sys/bus/pci/devices/0000:%s/secondary_bus_number" % ids[rp]) or []
        sec[rp] = "%02x:00.0" % int(o[-1]) if o and o[-1].strip().isdigit() else "??:00.0"
    for rp, (dev, txt, size) in SIZES.items():
        loc = sec[rp]
        if policy == "off":
            r = hmp.cmd("device_add testdev,id=%s,bus=%s,membar=%s" % (dev, rp, txt))
            check("off: the VMM refuses %s (%s) for %s's window the guest shrank" %
                  (dev, txt, rp), r.startswith("error: ") and rp in r, r)
            print("   monitor: " + r.strip())
        for round_ in ("plug", "re-plug"):
            w = hot_add(con, hmp, policy, rp, dev, txt, loc, policy == "off")
            if not w:
                break
            bar = sysfs_bar2(con, loc)
            dm = con.shell("dmesg | grep '%s' | tail -6" % loc) or []
            if policy == "off":
                check("off (%s): the guest left %s's BAR 2 unassigned (sysfs)" % (round_, dev),
                      bar is None, str(bar))
                fails = [ln for ln in dm if re.search(BAR2_FAIL, ln)]
                check("off (%s): the guest's dmesg says BAR 2 has no space" % round_, fails,
                      "\n".join(dm))
                for ln in fails[:2]:
                    print("   guest dmesg: " + ln)
            else:
                gw = expect[rp]
                check("%s (%s): %s's BAR 2 is %s inside %s's window (sysfs %s)" %
                      (policy, round_, dev, txt, rp, bar and "[%#x-%#x]" % bar),
                      bar and gw and bar[1] - bar[0] + 1 == size and
                      gw[0] <= bar[0] and bar[1] <= gw[1], "%s in %s" % (bar, gw))
                check("%s (%s): no BAR 2 failure in the guest's dmesg" % (policy, round_),
                      not any(re.search(BAR2_FAIL, ln) for ln in dm), "\n".join(dm))
            start = con.mark()
            r = hmp.cmd("device_del " + dev)
            gone = con.wait(r"VDM-HP remove 0000:%s" % re.escape(loc), start)
            try:
                ev = "DEVICE_DELETED " + dev in hmp.read_until("DEVICE_DELETED " + dev)
            except (OSError, EOFError):
                ev = False
            check("%s (%s): device_del %s: the guest removed it, DEVICE_DELETED came" %
                  (policy, round_, dev), gone and ev, r)
            hmp.sync()
    finish(con, hmp, policy)


def main():
    if len(sys.argv) < 5:
        print(__doc__)
        return 2
    vmm, kernel, initrd, out = sys.argv[1:5]
    for policy in sys.argv[5:] or ["off", "auto", "dt"]:
        t = time.monotonic()
        one_policy(vmm, kernel, initrd, out, policy)
        print("   %s part: %.1f s" % (policy, time.monotonic() - t))
    print("arm64 seed checks: %d passed, %d failed" % (len(passes), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
