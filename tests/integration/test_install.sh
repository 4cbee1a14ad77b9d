#!/bin/sh
# Install vdm into a temporary prefix, build the example plugin out of tree with only
# `pkg-config --cflags vdm` (and the example host with --libs), load it through the installed
# vdm-devhost, and check what the device answers.
# Usage: test_install.sh BUILD_DIR SOURCE_DIR [EXTRA_CFLAGS]   (EXTRA_CFLAGS: sanitizer flags)
set -eu
build=$1 src=$2 extra=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
pc=$(find "$tmp/prefix" -name vdm.pc)
[ -n "$pc" ] || { echo "FAIL: no vdm.pc installed"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc")
for h in abi.h device.h props.h ring.h proxy.h plugin.h; do
	[ -f "$tmp/prefix/include/vdm/$h" ] || { echo "FAIL: include/vdm/$h not installed"; exit 1; }
done
devhost=$(pkg-config --variable=devhost vdm)
[ -x "$devhost" ] || { echo "FAIL: devhost $devhost not installed"; exit 1; }
case "$(pkg-config --cflags vdm)" in
*"$tmp/prefix"*) ;;
*) echo "FAIL: pkg-config --cflags vdm does not point into the prefix"; exit 1 ;;
esac

# Out of tree: a copy of examples/plugin, nothing of the build tree on any path.
cp -r "$src/examples/plugin" "$tmp/example"
make -s -C "$tmp/example" example_plugin.so
make -s -C "$tmp/example" run-example CFLAGS="-O1 -g -Wall -Wextra -Werror $extra" \
	LDFLAGS="$extra"

"$devhost" --check "$tmp/example/example_plugin.so" | tee "$tmp/check.txt"
grep -q "example-counter" "$tmp/check.txt"

"$tmp/example/run-example" "$devhost" "$tmp/example/example_plugin.so" start=5 | tee "$tmp/out.txt"
expect() {
	grep -qx "$1" "$tmp/out.txt" || { echo "FAIL: expected line: $1"; exit 1; }
}
expect "ids 1b36:00ee, pid [0-9]*"
expect "bar0 sizing mask fffff000 (size 4096)"
expect "magic 21444d56"
expect "scratch cafe"
expect "counter 7"
expect "irq edges 2"
expect "device log (2): example-counter: counter starts at 5"
echo "PASS: installed vdm builds and runs an out-of-tree plugin"
