#!/usr/bin/env python3
# Diagnostic (not a ctest): where a VMM's memory outside guest RAM goes, process by process
# and mapping by mapping (proportional set size from /proc/PID/smaps), device hosts included.
"""usage: tests/bench/pss_by_mapping.py [--ram MiB] [--top N] PID

PID is the VMM; its whole process tree is read (every vdm-devhost, the spare ones too).
For each process: its PSS outside the guest-RAM mapping (the mapping exactly --ram MiB
large, default 512) and its N largest mappings (default 10), grouped by name (anonymous
ones as [anon]); then the tree's total, the figure bench_boot.py reports as "memory outside
guest RAM".  Run it while the guest is up, e.g. at its ready line (see BENCHMARKS.md).
"""
import collections
import os
import sys


def children(pid):
    out = []
    try:
        for t in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, t)) as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out


def tree(pid):
    pids = [pid]
    for c in children(pid):
        pids += tree(c)
    return pids


def pss_by_name(pid, ram_kb):
    """{mapping name: PSS KiB}; the guest-RAM mapping is named GUEST-RAM."""
    d = collections.Counter()
    name, size = None, 0
    with open("/proc/%d/smaps" % pid) as f:
        for ln in f:
            w = ln.split()
            if not w[0].endswith(":"):  # a mapping's header line: range perms off dev inode [name]
                name = " ".join(w[5:]) if len(w) > 5 else "[anon]"
            elif w[0] == "Size:":
                size = int(w[1])
            elif w[0] == "Pss:":
                d["GUEST-RAM" if size == ram_kb else name] += int(w[1])
    return d


def main():
    args, ram, top = sys.argv[1:], 512, 10
    while args and args[0].startswith("--"):
        if args[0] == "--ram" and len(args) > 1:
            ram, args = int(args[1]), args[2:]
        elif args[0] == "--top" and len(args) > 1:
            top, args = int(args[1]), args[2:]
        else:
            print(__doc__)
            return 2
    if len(args) != 1 or not args[0].isdigit():
        print(__doc__)
        return 2
    total = 0
    for p in tree(int(args[0])):
        try:
            with open("/proc/%d/comm" % p) as f:
                comm = f.read().strip()
            d = pss_by_name(p, ram * 1024)
        except OSError as e:
            print("%d: %s" % (p, e))
            continue
        own = sum(v for k, v in d.items() if k != "GUEST-RAM")
        total += own
        print("%7d %-14s %6d KiB outside guest RAM" % (p, comm, own))
        shown = [(k, v) for k, v in d.most_common() if k != "GUEST-RAM" and v][:top]
        for k, v in shown:
            print("        %6d %s" % (v, k))
    print("total outside guest RAM: %d KiB = %.2f MiB" % (total, total / 1024))
    return 0


if __name__ == "__main__":
    sys.exit(main())
