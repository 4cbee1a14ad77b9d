#!/usr/bin/env python3
# Picks a small seed corpus from a libFuzzer merge control file: greedy cover of the code
# (then the features) the big corpus reaches, at most N files of at most MAX bytes each.
"""usage: pick_seeds.py CONTROL_FILE OUT_DIR [N=32] [MAX=512]

Make the control file with
  <target> -merge=1 -merge_control_file=CONTROL_FILE EMPTY_DIR BIG_CORPUS...
then this copies the chosen inputs into OUT_DIR (named by their SHA-1, as libFuzzer does)
and prints how many of the corpus's features they keep."""
import hashlib
import os
import shutil
import sys


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    ctl, out = sys.argv[1], sys.argv[2]
    n_max = int(sys.argv[3]) if len(sys.argv) > 3 else 32
    size_max = int(sys.argv[4]) if len(sys.argv) > 4 else 512
    lines = open(ctl, encoding="latin-1").read().splitlines()
    nfiles = int(lines[0])
    files = lines[2:2 + nfiles]
    feats, cov = {}, {}
    for line in lines[2 + nfiles:]:
        parts = line.split()
        if len(parts) > 2 and parts[0] in ("FT", "COV"):
            idx = int(parts[1])
            if os.path.getsize(files[idx]) <= size_max:
                (feats if parts[0] == "FT" else cov).setdefault(idx, set()).update(parts[2:])
    every = set().union(*feats.values()) if feats else set()
    every_cov = set().union(*cov.values()) if cov else set()
    have, have_cov, chosen = set(), set(), []
    while len(chosen) < n_max and feats:
        best = max(feats, key=lambda i: (len(cov.get(i, set()) - have_cov),
                                         len(feats[i] - have), -os.path.getsize(files[i])))
        if not feats[best] - have:
            break
        chosen.append(best)
        have |= feats.pop(best)
        have_cov |= cov.get(best, set())
    os.makedirs(out, exist_ok=True)
    for i in chosen:
        data = open(files[i], "rb").read()
        shutil.copyfile(files[i], os.path.join(out, hashlib.sha1(data).hexdigest()))
    print(f"{len(chosen)} seeds keep {len(have_cov)} of {len(every_cov)} edges and "
          f"{len(have)} of {len(every)} features")
    return 0


if __name__ == "__main__":
    sys.exit(main())
