#!/usr/bin/env python3
# The many-ports e2e, run where /dev/kvm boots Linux (inside L1 under nested-run.sh, or
# directly): vmm-example with 128 hotplug root ports (16 multifunction slots) boots the default
# guest, and a device is hot-plugged into the last port through the monitor and unplugged.
"""usage: many_ports_l1.py VMM KERNEL INITRD OUTDIR

Prints "ok: ..." / "FAIL: ..." per check and the guest lines that matter; exit 0 when every
check passed, 1 otherwise."""
import base64
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

PORTS = 128
GUEST = r"""
d=/sys/bus/pci/devices/0000:80:00.0
i=0; while [ ! -e $d/resource ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done
[ -e $d/resource ] || { echo "MANY: nothing appeared behind the last port"; exit 1; }
echo "MANY: added $(cat $d/vendor):$(cat $d/device) bar2=$(sed -n 3p $d/resource)"
echo "MANY: window $(sed -n 16p /sys/bus/pci/devices/0000:00:10.7/resource)"
echo "MANY: ports $(ls -d /sys/bus/pci/devices/0000:00:* | wc -l)"
i=0; while [ -e $d ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done
[ -e $d ] && { echo "MANY: still there"; exit 1; }
echo "MANY: removed"
"""
failures = []


def check(name, cond, detail=""):
    print(("ok: " if cond else "FAIL: ") + name + ("" if cond or not detail else ": " + detail),
          flush=True)
    if not cond:
        failures.append(name)
    return cond


def main():
    vmm, kernel, initrd, out = sys.argv[1:5]
    mon = os.path.join(tempfile.mkdtemp(), "monitor.sock")  # (a 9p share holds no sockets)
    cmd64 = base64.b64encode(GUEST.encode()).decode()
    argv = [vmm, "--kernel", kernel, "--initrd", initrd, "--hotplug-ports", str(PORTS),
            "--monitor", "unix:" + mon, "--timeout", "400",
            "--append", "console=ttyS0 quiet panic=-1 vdm.poweroff=1 vdm.cmd64=" + cmd64]
    t0 = time.monotonic()
    log = open(os.path.join(out, "many-ports-console.log"), "w")
    err = open(os.path.join(out, "many-ports-vmm-stderr.log"), "w")
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                         text=True, errors="replace")
    lines = []
    for line in p.stdout:
        line = line.rstrip("\r\n")
        log.write(line + "\n")
        log.flush()
        lines.append(line)
        if line.startswith("MANY:") or line.startswith("VDM-PCI-END"):
            print("   guest: " + line, flush=True)
        if line.startswith("VDM-GUEST-READY"):
            print("ok: the guest is up with %d ports after %.1f s" % (PORTS, time.monotonic() - t0),
                  flush=True)
            s = socket.socket(socket.AF_UNIX)
            s.connect(mon)
            s.sendall(b"device_add testdev,id=last,bus=rp127,membar=4M\n")
            s.settimeout(30)
            reply = b""
            while b"added behind" not in reply and b"error" not in reply:
                chunk = s.recv(4096)
                if not chunk:
                    break
                reply += chunk
            check("device_add into rp127 accepted", b"last (pci-testdev) added behind rp127" in reply
                  or b"last (testdev) added behind rp127" in reply, reply.decode(errors="replace"))
            hold = s
        if line.startswith("MANY: added"):
            hold.sendall(b"device_del last\n")
    rc = p.wait()
    text = "\n".join(lines)
    check("the guest saw all %d root ports and the host bridge" % PORTS,
          re.search(r"VDM-PCI-END count=%d\b" % (PORTS + 1), text) is not None)
    m = re.search(r"MANY: added 0x1b36:0x0005 bar2=(0x[0-9a-f]+) (0x[0-9a-f]+)", text)
    w = re.search(r"MANY: window (0x[0-9a-f]+) (0x[0-9a-f]+)", text)
    if check("the guest assigned the testdev behind the last port (bus 0x80)", m and w):
        b0, b1, w0, w1 = (int(x, 16) for x in (m.group(1), m.group(2), w.group(1), w.group(2)))
        check("its 4M BAR2 sits inside rp127's prefetchable window",
              b1 - b0 + 1 == 4 << 20 and w0 <= b0 and b1 <= w1,
              "bar %#x-%#x window %#x-%#x" % (b0, b1, w0, w1))
    check("the guest ejected it", "MANY: removed" in text)
    check("vmm-example powered off (exit 0)", rc == 0, "exit status %d" % rc)
    return 1 if failures else 0


sys.exit(main())
