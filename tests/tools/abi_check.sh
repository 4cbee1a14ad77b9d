#!/usr/bin/env bash
# ABI check of a vdm shared library (ctest label "tool"): abidw describes what LIB exports
# (functions, variables and the public types they reach), abidiff compares it with the stored
# baseline; anything but added functions or variables fails, with abidiff's report.
#
# Usage: abi_check.sh LIB.so [BASELINE.abi]            compare (baseline: abi/<lib name>.abi)
#        abi_check.sh --update LIB.so [BASELINE.abi]   write the baseline from LIB (a deliberate
#                                                      ABI addition, see include/vdm/abi.h)
#        abi_check.sh --self-test WORKDIR              show, on small libraries built here with
#                                                      $CC, that a reordered, inserted or
#                                                      appended field, a removed function and a
#                                                      changed signature fail and an added
#                                                      function passes
# LIB must carry DWARF (-g: the RelWithDebInfo and Debug builds do).  Exit 0 pass, 1 fail,
# 77 skipped (no abigail-tools, or no debug information).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
headers=${VDM_ABI_HEADERS:-$here/../../include/vdm}
usage="usage: abi_check.sh [--update] LIB.so [BASELINE.abi] | --self-test WORKDIR"

# abidw, with what makes its output depend on the ABI only: no paths of this checkout, no
# architecture (x86_64 and aarch64 are both LP64), no DT_NEEDED (an ASan build needs more),
# type ids from a hash, public types only (those defined under include/vdm).
abi_dump() { # LIB OUT
	abidw --no-corpus-path --no-comp-dir-path --short-locs --no-architecture \
		--no-elf-needed --type-id-style hash --headers-dir "$headers" \
		--drop-private-types --out-file "$2" "$1"
}

now_ms() { date +%s%3N; }

need_tools() {
	local t
	for t in abidw abidiff; do
		if ! command -v "$t" >/dev/null; then
			echo "SKIPPED: $t not found (scripts/install-deps.sh installs abigail-tools)"
			exit 77
		fi
	done
}

has_debug_info() { # LIB
	LC_ALL=C readelf -S "$1" 2>/dev/null | grep -c '\.debug_info' >/dev/null
}

# abidiff with the baseline's suppressions (BASELINE minus .abi plus .suppr), when it has some:
# what compilers describe differently and the contract does not depend on, each with its reason.
adiff() { # BASELINE CURRENT [OPTION...]
	local base=$1 cur=$2 sup=${1%.abi}.suppr
	shift 2
	if [ -f "$sup" ]; then abidiff --suppressions "$sup" "$@" "$base" "$cur"
	else abidiff "$@" "$base" "$cur"; fi
}

# Compare LIB with BASELINE; print the report; return 0 (compatible) or 1.
compare() { # LIB BASELINE WORKFILE
	local lib=$1 base=$2 cur=$3 t0 t1 t2 rc
	t0=$(now_ms)
	abi_dump "$lib" "$cur" || { echo "FAIL: abidw failed on $lib"; return 1; }
	t1=$(now_ms)
	# Added functions and variables are compatible; --no-added-syms leaves them out of the
	# status, so any bit left is a change to what was there: removed, or changed in type.
	adiff "$base" "$cur" --no-added-syms >/dev/null 2>&1
	rc=$?
	t2=$(now_ms)
	echo "abidw $((t1 - t0)) ms, abidiff $((t2 - t1)) ms ($lib against ${base#"$here/"})"
	if [ $((rc & 3)) -ne 0 ]; then
		echo "FAIL: abidiff could not compare (status $rc):"
		adiff "$base" "$cur" --no-added-syms
		return 1
	fi
	if [ $((rc & 12)) -ne 0 ]; then
		echo "FAIL: the ABI of $lib changed against ${base#"$here/"}$([ $((rc & 8)) -ne 0 ] &&
			echo ' (abidiff calls it incompatible)'):"
		adiff "$base" "$cur"
		echo "A released struct or function may only grow as include/vdm/abi.h says.  If this"
		echo "change is a deliberate addition that keeps those rules, bump the ABI minor, pin"
		echo "it in tests/unit/test_abi_layout.c and refresh the baseline:"
		echo "    tests/tools/abi_check.sh --update $lib"
		return 1
	fi
	if ! adiff "$base" "$cur" >"$cur.report" 2>&1; then
		echo "note: additions since the baseline (compatible; refresh the baseline with"
		echo "--update when they are released):"
		grep -E '^\s*\[A\]' "$cur.report"
	fi
	echo "PASS: nothing in ${base#"$here/"} changed or went away"
	return 0
}

# ---- self-test: the check fails what it must ----------------------------------------------

self_test() { # WORKDIR
	local w=$1 cc=${CC:-cc} fails=0 out headers=$1/inc
	rm -rf "$w" && mkdir -p "$w/inc" || exit 1
	# lib VERSION: one public header and one source, built as libt.so into $w/VERSION/
	lib() { # NAME HEADER_BODY SOURCE_BODY
		mkdir -p "$w/$1"
		printf '#include <stdint.h>\n%s\n' "$2" >"$w/inc/t.h"
		printf '#include "t.h"\n%s\n' "$3" >"$w/$1/t.c"
		"$cc" -g -O0 -fPIC -shared -I"$w/inc" "$w/$1/t.c" -o "$w/$1/libt.so" ||
			{ echo "FAIL: $cc could not build the self-test library $1"; exit 1; }
		cp "$w/inc/t.h" "$w/$1/t.h"
	}
	expect() { # WANT_STATUS NAME WHAT
		out=$(compare "$w/$2/libt.so" "$w/base.abi" "$w/$2.abi")
		if [ $? -ne "$1" ]; then
			echo "FAIL: self-test '$3' gave the wrong verdict (want status $1):"
			echo "$out"
			fails=$((fails + 1))
		else
			echo "ok: $3 -> status $1"
		fi
	}
	lib base 'struct t { uint32_t a; uint64_t b; }; int t_get(const struct t *x);' \
		'int t_get(const struct t *x) { return (int)x->a; }'
	abi_dump "$w/base/libt.so" "$w/base.abi" || exit 1

	lib same 'struct t { uint32_t a; uint64_t b; }; int t_get(const struct t *x);' \
		'int t_get(const struct t *x) { return (int)x->a; }'
	expect 0 same "an identical library passes"
	lib added 'struct t { uint32_t a; uint64_t b; };
int t_get(const struct t *x); int t_new(void);' \
		'int t_get(const struct t *x) { return (int)x->a; }
int t_new(void) { return 1; }'
	expect 0 added "an added function passes"
	lib reordered 'struct t { uint64_t b; uint32_t a; }; int t_get(const struct t *x);' \
		'int t_get(const struct t *x) { return (int)x->a; }'
	expect 1 reordered "reordered fields fail"
	case $out in
	*"'uint32_t a'"*) ;;
	*) echo "FAIL: the report does not name the moved field a"; fails=$((fails + 1)) ;;
	esac
	lib inserted 'struct t { uint32_t a; uint32_t x; uint64_t b; }; int t_get(const struct t *x);' \
		'int t_get(const struct t *x) { return (int)x->a; }'
	expect 1 inserted "a field inserted into padding fails"
	lib appended 'struct t { uint32_t a; uint64_t b; uint32_t c; }; int t_get(const struct t *x);' \
		'int t_get(const struct t *x) { return (int)x->a; }'
	expect 1 appended "a field appended at the end fails until the baseline is refreshed"
	lib removed 'struct t { uint32_t a; uint64_t b; }; int t_other(void);' \
		'int t_other(void) { return 0; }'
	expect 1 removed "a removed function fails"
	lib changed 'struct t { uint32_t a; uint64_t b; }; long t_get(const struct t *x, int y);' \
		'long t_get(const struct t *x, int y) { return (long)x->a + y; }'
	expect 1 changed "a changed signature fails"
	[ "$fails" -eq 0 ] && echo "PASS: abi_check.sh self-test" && return 0
	return 1
}

# ---- main -----------------------------------------------------------------------------------

update=0
case ${1:-} in
--self-test)
	need_tools
	self_test "${2:?$usage}"
	exit $?
	;;
--update)
	update=1
	shift
	;;
esac
lib=${1:?$usage}
[ -f "$lib" ] || { echo "FAIL: $lib: no such file"; exit 1; }
name=$(basename "$lib")
base=${2:-$here/abi/${name%%.so*}.abi}
need_tools
if ! has_debug_info "$lib"; then
	echo "SKIPPED: $lib has no debug information (build with -g: RelWithDebInfo or Debug)"
	exit 77
fi
if [ "$update" -eq 1 ]; then
	t0=$(now_ms)
	mkdir -p "$(dirname "$base")" || exit 1
	abi_dump "$lib" "$base" || { echo "FAIL: abidw failed on $lib (writing $base)"; exit 1; }
	echo "wrote $base ($(grep -c '<function-decl' "$base") functions; abidw $(($(now_ms) - t0)) ms)"
	exit 0
fi
if [ ! -f "$base" ]; then
	echo "FAIL: no baseline $base: write it with abi_check.sh --update $lib"
	exit 1
fi
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
compare "$lib" "$base" "$work/current.abi"
