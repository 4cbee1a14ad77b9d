#!/usr/bin/env python3
"""The libraries expose exactly the public API.  Every dynamic symbol of libvdm.so,
libvdm-sandbox.so and libvdm-machine.so is declared in an installed header (include/vdm/); every
function or object those headers declare (not static inline) is exported by one of them; and
every global symbol of the static archives is public or named vdm__* (so a program that links
them statically meets no bus_add or mfail of ours).
Usage: symbols_check.py INCLUDE_DIR LIB.so|LIB.a... ; exits 1 naming each symbol that breaks a
rule."""
import re
import subprocess
import sys


def declared(include_dir):
    """Names of the functions and objects the public headers declare (not static inline)."""
    import glob
    names = {}
    for path in sorted(glob.glob(include_dir + "/vdm/*.h")):
        text = open(path).read()
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)  # comments
        text = re.sub(r'#ifdef __cplusplus\s*(extern "C" \{|\})\s*#endif', "", text)
        text = re.sub(r"^\s*#.*$", "", text, flags=re.M)   # preprocessor lines
        # drop the bodies of functions and of struct/enum/union definitions, innermost first
        while re.search(r"\{[^{}]*\}", text):
            text = re.sub(r"\{[^{}]*\}", ";", text)
        for stmt in text.split(";"):
            stmt = " ".join(stmt.split())
            if not stmt or "static inline" in stmt or stmt.startswith("typedef"):
                continue
            m = re.search(r"\b(vdm_[a-z0-9_]+)\s*\(", stmt)          # a function
            if not m:
                m = re.match(r"extern .*\b(vdm_[a-z0-9_]+)\s*(\[\s*\])?$", stmt)  # an object
            if m:
                names[m.group(1)] = path.split("/")[-1]
    return names


# Declared for plugins to define, not by a library.
PLUGIN_DEFINES = {"vdm_plugin_entry_v1"}


def exported(lib):
    dyn = [] if lib.endswith(".a") else ["-D"]
    out = subprocess.run(["nm"] + dyn + ["--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    return {line.split()[2].split("@")[0] for line in out.splitlines()
            if len(line.split()) == 3 and line.split()[1] in "TDRBVW"}


def main():
    include_dir, libs = sys.argv[1], sys.argv[2:]
    decl = declared(include_dir)
    bad = 0
    every = set()
    for lib in [a for a in libs if a.endswith(".a")]:
        for s in sorted(x for x in exported(lib) - set(decl) if not x.startswith("vdm__")):
            print(f"FAIL: {lib} defines {s}, neither public nor named vdm__* "
                  f"(a static link could clash with a program's own {s})")
            bad += 1
    libs = [a for a in libs if not a.endswith(".a")]
    for lib in libs:
        syms = exported(lib)
        every |= syms
        for s in sorted(syms - set(decl)):
            print(f"FAIL: {lib} exports {s}, which no installed header declares "
                  f"(make it static, or name it vdm__* so the version script hides it)")
            bad += 1
        print(f"{lib}: {len(syms)} symbols, all declared in include/vdm" if not (syms - set(decl))
              else f"{lib}: {len(syms)} symbols")
    for s in sorted(set(decl) - every - PLUGIN_DEFINES):
        print(f"FAIL: {decl[s]} declares {s}, which no library exports")
        bad += 1
    if bad:
        sys.exit(1)
    print(f"PASS: {len(every)} exported symbols: what the headers declare (and the plugin "
          f"entry point plugins define)")


main()
