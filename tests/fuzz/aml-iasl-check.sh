#!/usr/bin/env bash
# Feeds random valid DSDTs from fuzz_aml's generator to iasl: each must disassemble, recompile,
# and come back as the same AML byte for byte (the encoder writes what iasl would).
set -euo pipefail

usage() {
	cat <<'EOF'
usage: tests/fuzz/aml-iasl-check.sh [N] [SEED]

Makes N (default 200) random generator inputs from SEED (default 1), plus the fuzz_aml
seeds, runs them through fuzz_aml (build-fuzz) or replay_aml (build-fuzz-cov; built if
neither exists) with VDM_FUZZ_AML_DUMP set, so every input that builds a valid tree leaves
its DSDT; then for each table: iasl -d, iasl -of -on (recompile without constant folding
and name-path shortening), compare the AML after the header.  AML_IASL_KEEP=1 keeps the work directory.
Exit 0 when every table round-trips; the first differences are printed otherwise.
EOF
}
case "${1:-}" in -h|--help) usage; exit 0 ;; esac
n=${1:-200}
seed=${2:-1}

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
command -v iasl >/dev/null || { echo "aml-iasl-check: iasl is needed (acpica-tools)" >&2; exit 2; }

runner=()
if [ -x build-fuzz/tests/fuzz/fuzz_aml ]; then
	runner=(build-fuzz/tests/fuzz/fuzz_aml -runs=1)
else
	if [ ! -x build-fuzz-cov/tests/fuzz/replay_aml ]; then
		cmake -S . -B build-fuzz-cov -DVDM_COVERAGE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
		cmake --build build-fuzz-cov -j2 --target replay_aml >/dev/null
	fi
	runner=(build-fuzz-cov/tests/fuzz/replay_aml)
fi

work=$(mktemp -d /tmp/amliasl-XXXXXX) # no dot: iasl -p cuts a prefix at its last dot
# AML_IASL_KEEP=1 keeps the tables, disassemblies and logs for a look.
[ "${AML_IASL_KEEP:-0}" = 1 ] && echo "aml-iasl-check: keeping $work" || trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in" "$work/tables"
python3 - "$work/in" "$n" "$seed" <<'EOF'
import os, random, sys
out, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
for i in range(n):
    data = bytes([rng.randrange(0x80)]) + bytes(rng.randrange(256) for _ in range(rng.randrange(16, 600)))
    open(os.path.join(out, "in-%05d" % i), "wb").write(data)
EOF
cp tests/fuzz/corpus/fuzz_aml/* "$work/in/" 2>/dev/null || true

export VDM_FUZZ_AML_DUMP="$work/tables" VDM_FUZZ_ALLOW_KNOWN=1
export ASAN_OPTIONS=quarantine_size_mb=4
for f in "$work"/in/*; do
	if ! "${runner[@]}" "$f" >"$work/target.log" 2>&1; then
		echo "aml-iasl-check: $f fails the target itself:" >&2
		grep -a -m3 -e 'invariant' -e 'ERROR' "$work/target.log" >&2 || tail -3 "$work/target.log" >&2
		exit 1
	fi
done

tables=("$work"/tables/*.aml)
[ -e "${tables[0]}" ] || { echo "aml-iasl-check: no valid trees generated" >&2; exit 1; }
bad=0
empty=0
for t in "${tables[@]}"; do
	b=${t%.aml}
	# A table with nothing after its header: iasl 20200925 disassembles it to a block with no
	# closing brace, which it then cannot compile: nothing of ours to compare.
	if [ "$(stat -c %s "$t")" -le 36 ]; then empty=$((empty + 1)); continue; fi
	if ! iasl -d "$t" >"$b.dis.log" 2>&1; then
		echo "== $(basename "$t"): iasl -d failed"; tail -5 "$b.dis.log" || true; bad=$((bad + 1)); continue
	fi
	# -of: no constant folding (iasl would turn "Zero - 5" into one constant), -on: no
	# name-path shortening (iasl drops the "\" of \_SB at the root): we keep what the tree
	# says, as the encoder does.
	if ! iasl -of -on -p "${b}_re" "$b.dsl" >"$b.asl.log" 2>&1; then
		echo "== $(basename "$t"): the disassembly does not compile"
		grep -E "Error|error" "$b.asl.log" | head -5 || true; bad=$((bad + 1)); continue
	fi
	if ! cmp -s <(tail -c +37 "$t") <(tail -c +37 "${b}_re.aml"); then
		echo "== $(basename "$t"): recompiled AML differs"
		cmp <(tail -c +37 "$t") <(tail -c +37 "${b}_re.aml") | head -2 || true
		bad=$((bad + 1))
		[ "$bad" -ge 5 ] && break
	fi
done
echo "aml-iasl-check: ${#tables[@]} tables ($empty empty, skipped), $bad not round-tripping"
[ "$bad" = 0 ]
