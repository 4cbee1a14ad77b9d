#!/bin/sh
# Fuzz plugins with an installed vdm, as a plugin author would (README "Fuzzing a device"):
# the example plugin runs clean for a short while in-process and sandboxed; the broken test
# plugin's two bugs (plugins/fuzz_broken.c) are each caught within the time bound with their
# invariant named, in-process and sandboxed, and the saved input replays to the same finding.
# Without the libFuzzer driver (vdm built without clang) the replay driver does the same
# with seeded random inputs.
# Usage: test_fuzz_install.sh BUILD_DIR SOURCE_DIR [EXTRA_CFLAGS]  (EXTRA_CFLAGS: sanitizers)
set -eu
build=$1 src=$2 extra=${3:-}
secs=${VDM_FUZZ_TEST_SECONDS:-8} # the example plugin's clean run, per mode
bound=60                         # a broken plugin must be caught within this (seconds)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
pc=$(find "$tmp/prefix" -name vdm-fuzz.pc)
[ -n "$pc" ] || fail "no vdm-fuzz.pc installed"
export PKG_CONFIG_PATH=$(dirname "$pc")
unset VDM_DEVHOST # the drivers must find the installed one beside themselves
[ -f "$tmp/prefix/include/vdm/fuzz.h" ] || fail "include/vdm/fuzz.h not installed"
libdir=$(pkg-config --variable=libdir vdm-fuzz)
[ -f "$libdir/libvdm-fuzz.a" ] && [ -f "$libdir/libvdm-fuzz.so.0" ] || fail "libvdm-fuzz not installed"
replay=$(pkg-config --variable=replay vdm-fuzz)
driver=$(pkg-config --variable=driver vdm-fuzz)
[ -x "$replay" ] || fail "vdm-fuzz-replay ($replay) not installed"

# The plugins, out of tree with pkg-config only.
cp -r "$src/examples/plugin" "$tmp/example"
rm -rf "$tmp/example/corpus"
make -s -C "$tmp/example" example_plugin.so CFLAGS="-O1 -g -Wall -Wextra -Werror $extra"
cc -std=gnu11 -O1 -g -Wall -Wextra -Werror $extra -fPIC -shared $(pkg-config --cflags vdm) \
	"$src/tests/integration/plugins/fuzz_broken.c" -o "$tmp/broken.so"

# A run that must end with a finding: `expect_finding NAME INVARIANT PATTERN CMD...` runs CMD
# (bounded), wants a non-zero exit within $bound seconds, "invariant broken [INVARIANT]" and
# PATTERN in its output; prints the time it took.
expect_finding() {
	name=$1 inv=$2 pat=$3
	shift 3
	t0=$(date +%s)
	rc=0
	"$@" > "$tmp/$name.log" 2>&1 || rc=$?
	took=$(( $(date +%s) - t0 ))
	if [ $rc -eq 0 ] || ! grep -aqF "invariant broken [$inv]" "$tmp/$name.log" ||
	   ! grep -aqE "$pat" "$tmp/$name.log"; then
		tail -20 "$tmp/$name.log"
		fail "$name: exit $rc after ${took}s, expected a finding [$inv] matching '$pat'"
	fi
	[ $took -le $bound ] || fail "$name: caught after ${took}s, over the ${bound}s bound"
	echo "ok: $name caught in ${took}s: $(grep -a -m1 -F "invariant broken [$inv]" "$tmp/$name.log" | cut -c1-180)"
}

# A run that must stay clean: `expect_clean NAME CMD...`.
expect_clean() {
	name=$1
	shift
	rc=0
	"$@" > "$tmp/$name.log" 2>&1 || rc=$?
	if [ $rc -ne 0 ] || grep -aq "invariant broken" "$tmp/$name.log"; then
		tail -20 "$tmp/$name.log"
		fail "$name: exit $rc, expected a clean run"
	fi
	echo "ok: $name clean: $(grep -a -E '^#[0-9]+.*DONE|no finding' "$tmp/$name.log" | tail -1)"
}

# The crash file a libFuzzer run saved (artifact prefix DIR/).
crash_in() {
	f=$(find "$1" -name 'crash-*' | head -1)
	[ -n "$f" ] || fail "no crash file in $1"
	echo "$f"
}

if [ -n "$driver" ] && [ -x "$driver" ] && command -v clang >/dev/null; then
	flags="-seed=1 -max_total_time=$secs"
	# 1. The example plugin, clean: in-process (instrumented build) and sandboxed (plain).
	make -s -C "$tmp/example" example_plugin-fuzz.so
	expect_clean example-in-process make -s -C "$tmp/example" fuzz FUZZ_FLAGS="$flags"
	expect_clean example-sandboxed make -s -C "$tmp/example" fuzz-sandbox FUZZ_FLAGS="$flags"
	# ... and its corpus replays clean without libFuzzer.
	expect_clean example-corpus-replay make -s -C "$tmp/example" fuzz-replay
	# 2. The broken plugin: each bug, each mode, within the bound; the saved input replays.
	clang -std=gnu11 $(pkg-config --variable=plugin_cflags vdm-fuzz) -fPIC -shared \
		$(pkg-config --cflags vdm) "$src/tests/integration/plugins/fuzz_broken.c" \
		-o "$tmp/broken-fuzz.so"
	bugflags="-seed=1 -max_total_time=$bound"
	for mode in in-process sandboxed; do
		if [ $mode = in-process ]; then
			so=$tmp/broken-fuzz.so opt=
			oob="heap-buffer-overflow.*in bar_read|in bar_read.*heap-buffer-overflow"
			oob_inv=memory-safety
		else
			so=$tmp/broken.so opt=--sandbox
			oob="killed by signal 11"
			oob_inv=device-host
		fi
		mkdir -p "$tmp/art-oob-$mode" "$tmp/art-bar-$mode"
		expect_finding "broken-oob-$mode" $oob_inv "$oob" \
			"$driver" $opt "$so" broken-oob $bugflags -artifact_prefix="$tmp/art-oob-$mode/"
		expect_finding "broken-oob-$mode-reproduced" $oob_inv "$oob" \
			"$driver" $opt "$so" broken-oob "$(crash_in "$tmp/art-oob-$mode")"
		expect_finding "broken-bar-$mode" bar-sizing "BAR0 .*sizes as" \
			"$driver" $opt "$so" broken-bar $bugflags -artifact_prefix="$tmp/art-bar-$mode/"
		# The reproducer without libFuzzer (the plain plugin: vdm-fuzz-replay has its
		# own sanitizer runtime, not clang's).
		expect_finding "broken-bar-$mode-replayed" bar-sizing "the input: .*crash-" \
			"$replay" $opt "$tmp/broken.so" broken-bar "$(crash_in "$tmp/art-bar-$mode")"
	done
else
	echo "SKIPPED: libFuzzer runs (vdm-fuzz not installed: vdm was built without clang" \
	     "and libFuzzer); the replay driver's runs below still check both modes"
fi

# 3. The replay driver alone (what a gcc-only install has): seeded random inputs through
# the same checks, both modes; the broken plugin's finding is saved as a reproducer.
mkdir -p "$tmp/rnd-bar" "$tmp/rnd-oob"
expect_clean example-random-in-process "$replay" "$tmp/example/example_plugin.so" \
	example-counter,start=5 --random=300
expect_clean example-random-sandboxed "$replay" --sandbox "$tmp/example/example_plugin.so" \
	example-counter,start=5 --random=100
expect_finding broken-bar-random-sandboxed bar-sizing "the input: $tmp/rnd-bar/crash-random-" \
	"$replay" --sandbox "$tmp/broken.so" broken-bar --random=5000 --artifact-dir="$tmp/rnd-bar"
# (A sanitizer build's device host catches the SIGSEGV itself and its report dies by seccomp.)
expect_finding broken-oob-random-sandboxed device-host "killed by signal (11|31)" \
	"$replay" --sandbox "$tmp/broken.so" broken-oob --random=5000 --artifact-dir="$tmp/rnd-oob"
case "$extra" in
*address*) # the plugin has ASan too (sanitizer builds): the in-process read is seen
	expect_finding broken-oob-random-in-process memory-safety \
		"AddressSanitizer: (heap-buffer-overflow|SEGV) .*in bar_read" \
		"$replay" "$tmp/broken.so" broken-oob --random=2000 --artifact-dir="$tmp/rnd-oob" ;;
esac
expect_finding broken-bar-random-replayed bar-sizing "the input: $tmp/rnd-bar/crash-random-" \
	"$replay" "$tmp/broken.so" broken-bar "$(find "$tmp/rnd-bar" -name 'crash-random-*' | head -1)"
echo "PASS: an installed vdm fuzzes plugins: the example clean, both bugs of the broken plugin caught in both modes"
