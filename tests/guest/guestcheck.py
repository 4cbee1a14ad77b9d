# Parsing and comparison for the guest-payload tests: a payload's "PAYLOAD:" report against
# the machine's own description (vmm-example --print-topology, or QEMU's query-pci).
"""Shared by run-vmm.py and run-qemu.py.

Both sides are reduced to one model, Topo: functions (ids), BARs (kind, address, size) and
bridges (bus numbers, windows).  compare() lists every difference in words a reader can act
on; an empty list means the payload saw exactly what the VMM says it built.
"""
import os
import re

HEX = r"0x[0-9a-fA-F]+"


def _int(s):
    return int(s, 0)


def _window(text):
    """'0x1000-0x1fff' or '[0x1000-0x1fff]' -> (base, limit); 'closed' -> None."""
    if text in ("closed", "none"):
        return None
    m = re.fullmatch(r"\[?(0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\]?", text)
    if not m:
        raise ValueError("bad window %r" % text)
    return (_int(m.group(1)), _int(m.group(2)))


def _norm_kind(kind):
    return kind.replace("-", "")  # mem64-pref -> mem64pref


class Topo:
    """What one side says about the PCI hierarchy."""

    def __init__(self):
        self.devs = {}     # "bb:dd.f" -> (vendor, device, class)
        self.bars = {}     # ("bb:dd.f", idx) -> (kind, addr, size); addr None = unassigned
        self.bridges = {}  # "bb:dd.f" -> {"pri","sec","sub","io","mem","pref"}

    def bridge(self, bdf):
        return self.bridges.setdefault(bdf, {})


def payload_lines(text):
    """The 'PAYLOAD: ...' lines of a console log, prefix removed."""
    out = []
    for line in text.splitlines():
        i = line.find("PAYLOAD: ")
        if i >= 0:
            out.append(line[i + len("PAYLOAD: "):].strip())
    return out


def kv(line):
    """key=value words of a report line."""
    return dict(w.split("=", 1) for w in line.split() if "=" in w)


def parse_report(lines):
    """Topo from a payload's report (pci_walk's dev/bar/bridge lines)."""
    t = Topo()
    for line in lines:
        words = line.split()
        if len(words) < 2:
            continue
        what, bdf, f = words[0], words[1], kv(line)
        if what == "dev":
            t.devs[bdf] = (_int(f["vendor"]), _int(f["device"]), _int(f["class"]))
        elif what == "bar":
            t.bars[(bdf, int(f["idx"]))] = (f["kind"], _int(f["addr"]), _int(f["size"]))
        elif what == "bridge":
            b = t.bridge(bdf)
            b.update(pri=_int(f["pri"]), sec=_int(f["sec"]), sub=_int(f["sub"]))
            for w in ("io", "mem", "pref"):
                b[w] = _window(f[w])
    return t


class Machine:
    """The 'machine ...' and 'platform ...' facts of vmm-example --print-topology."""

    def __init__(self):
        self.ram = []
        self.ecam = None
        self.apertures = {}  # "pci-io" / "pci-mem32" / "pci-mem64" -> (base, last) or None
        self.buses = None
        self.ged = {}        # "region0", "region1" -> (base, last); "gsi" -> n


def parse_topology(text):
    """(Topo, Machine) from vmm-example --print-topology output (other lines ignored)."""
    t, m = Topo(), Machine()
    rng = r"\[(0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\]"
    for line in text.splitlines():
        line = line.strip()
        g = re.match(r"pci ([0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) ([0-9a-f]{4}):([0-9a-f]{4}) class "
                     r"([0-9a-f]{6})\b", line)
        if g:
            t.devs[g.group(1)] = (int(g.group(2), 16), int(g.group(3), 16), int(g.group(4), 16))
            continue
        g = re.match(r"pci (\S+) BAR(\d) (\S+)\s+(?:" + rng + r"|unassigned) size (" + HEX + ")",
                     line)
        if g:
            addr = _int(g.group(4)) if g.group(4) else None
            t.bars[(g.group(1), int(g.group(2)))] = (_norm_kind(g.group(3)), addr,
                                                     _int(g.group(6)))
            continue
        g = re.match(r"pci (\S+) buses primary=([0-9a-f]+) secondary=([0-9a-f]+) "
                     r"subordinate=([0-9a-f]+)", line)
        if g:
            t.bridge(g.group(1)).update(pri=int(g.group(2), 16), sec=int(g.group(3), 16),
                                        sub=int(g.group(4), 16))
            continue
        g = re.match(r"pci (\S+) window (io|mem|pref)\s+(closed|" + rng + ")", line)
        if g:
            t.bridge(g.group(1))[g.group(2)] = _window(g.group(3))
            continue
        g = re.match(r"machine (\S+)\s+(none|" + rng + ")", line)
        if g:
            r = None if g.group(2) == "none" else (_int(g.group(3)), _int(g.group(4)))
            if g.group(1) == "ram":
                m.ram.append(r)
            elif g.group(1) == "ecam":
                m.ecam = r
            elif g.group(1).startswith("pci-"):
                m.apertures[g.group(1)] = r
            continue
        g = re.match(r"machine buses\s+([0-9a-f]+)-([0-9a-f]+)", line)
        if g:
            m.buses = (int(g.group(1), 16), int(g.group(2), 16))
            continue
        g = re.match(r"platform acpi-ged \S+ (region\d) \S+ " + rng, line)
        if g:
            m.ged[g.group(1)] = (_int(g.group(2)), _int(g.group(3)))
            continue
        g = re.match(r"platform acpi-ged \S+ gsi (\d+)", line)
        if g:
            m.ged["gsi"] = int(g.group(1))
    return t, m


def qemu_query_pci_to_topology(result):
    """QEMU QMP query-pci 'return' value -> text in vmm-example's --print-topology format,
    so one parser and one comparison serve both machines."""
    out = []

    def win(loc, name, r):
        if not r or r["base"] > r["limit"]:
            out.append("pci %s window %s closed" % (loc, name))
        else:
            out.append("pci %s window %s [0x%x-0x%x] size 0x%x" %
                       (loc, name, r["base"], r["limit"], r["limit"] - r["base"] + 1))

    def dev(d):
        loc = "%02x:%02x.%x" % (d["bus"], d["slot"], d["function"])
        cls = d["class_info"]["class"] << 8 | d.get("prog_if", 0)
        out.append("pci %s %04x:%04x class %06x" % (loc, d["id"]["vendor"], d["id"]["device"],
                                                    cls))
        for r in d.get("regions", []):
            if r["bar"] > 5:
                continue  # expansion ROM
            if r["type"] == "io":
                kind = "io"
            else:
                kind = ("mem64" if r.get("mem_type_64") else "mem32") + \
                       ("-pref" if r.get("prefetch") else "")
            addr = r["address"]
            if addr in (0, 0xffffffffffffffff):
                out.append("pci %s BAR%d %s unassigned size 0x%x" % (loc, r["bar"], kind,
                                                                       r["size"]))
            else:
                out.append("pci %s BAR%d %s [0x%x-0x%x] size 0x%x" %
                           (loc, r["bar"], kind, addr, addr + r["size"] - 1, r["size"]))
        br = d.get("pci_bridge")
        if br:
            b = br["bus"]
            out.append("pci %s buses primary=%02x secondary=%02x subordinate=%02x" %
                       (loc, b["number"], b["secondary"], b["subordinate"]))
            win(loc, "io", b.get("io_range"))
            win(loc, "mem", b.get("memory_range"))
            win(loc, "pref", b.get("prefetchable_range"))
            for child in br.get("devices", []):
                dev(child)

    for bus in result:
        for d in bus["devices"]:
            dev(d)
    return "\n".join(out) + "\n"


def _fmt_win(w):
    return "closed" if w is None else "0x%x-0x%x" % w


def compare(want, got, class_mask=0xffffff):
    """Differences between the machine's description `want` and the payload's report `got`.
    class_mask: which bits of the 24-bit class code the description knows."""
    errs = []
    for bdf in sorted(set(want.devs) | set(got.devs)):
        if bdf not in got.devs:
            errs.append("%s: in the topology, not found by the payload" % bdf)
        elif bdf not in want.devs:
            errs.append("%s: found by the payload, not in the topology" % bdf)
        elif (want.devs[bdf][:2] != got.devs[bdf][:2] or
              (want.devs[bdf][2] ^ got.devs[bdf][2]) & class_mask):
            errs.append("%s: ids/class topology %04x:%04x %06x, payload %04x:%04x %06x" %
                        ((bdf,) + want.devs[bdf] + got.devs[bdf]))
    for key in sorted(set(want.bars) | set(got.bars)):
        bdf, idx = key
        if bdf not in want.devs or bdf not in got.devs:
            continue  # already reported
        w, g = want.bars.get(key), got.bars.get(key)
        if w is None:
            errs.append("%s BAR%d: payload sized %s size 0x%x at 0x%x, topology has no such BAR"
                        % (bdf, idx, g[0], g[2], g[1]))
        elif g is None:
            errs.append("%s BAR%d: topology %s size 0x%x, payload found no BAR" %
                        (bdf, idx, w[0], w[2]))
        elif w != g:
            errs.append("%s BAR%d: topology %s addr=%s size=0x%x, payload %s addr=0x%x size=0x%x"
                        % (bdf, idx, w[0], "unassigned" if w[1] is None else "0x%x" % w[1],
                           w[2], g[0], g[1], g[2]))
    for bdf in sorted(set(want.bridges) | set(got.bridges)):
        if bdf not in want.devs or bdf not in got.devs:
            continue
        w, g = want.bridges.get(bdf, {}), got.bridges.get(bdf, {})
        for k in ("pri", "sec", "sub"):
            if w.get(k) != g.get(k):
                errs.append("%s bridge %s: topology %s, payload %s" % (bdf, k, w.get(k),
                                                                       g.get(k)))
        for k in ("io", "mem", "pref"):
            if k in w and k in g and w[k] != g[k]:
                errs.append("%s window %s: topology %s, payload %s" %
                            (bdf, k, _fmt_win(w[k]), _fmt_win(g[k])))
            elif (k in w) != (k in g):
                errs.append("%s window %s: reported on one side only" % (bdf, k))
    return errs


def dumped_table(folder, sig):
    """The file vmm-example --dump-acpi wrote for table `sig` (DSDT.dat, dsdt.aml, ...)."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return None
    for n in names:
        if n.split(".")[0].upper() == sig.upper():
            return os.path.join(folder, n)
    return None
