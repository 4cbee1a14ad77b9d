#!/bin/sh
# Install vdm into a temporary prefix and use it as an outside user would, with pkg-config only:
# every library and pkg-config file is there, the example plugin builds with
# `pkg-config --cflags vdm`, the example host with `--libs vdm-sandbox`, and the plugin runs in
# the installed vdm-devhost (named, and found from the installed library) and in-process.
# Usage: test_install.sh BUILD_DIR SOURCE_DIR [EXTRA_CFLAGS]   (EXTRA_CFLAGS: sanitizer flags)
set -eu
build=$1 src=$2 extra=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
pc=$(find "$tmp/prefix" -name vdm.pc)
[ -n "$pc" ] || fail "no vdm.pc installed"
export PKG_CONFIG_PATH=$(dirname "$pc")
for p in vdm vdm-sandbox vdm-machine vdm-fuzz; do
	pkg-config --exists "$p" || fail "pkg-config $p: not installed"
	case "$(pkg-config --cflags "$p")" in
	*"$tmp/prefix"*) ;;
	*) fail "pkg-config --cflags $p does not point into the prefix" ;;
	esac
done
for h in abi.h device.h props.h ring.h proxy.h plugin.h pci.h ged.h root_port.h machine.h \
	hotplug.h machine_desc.h place.h alloc.h aml.h acpi_tables.h dsdt.h fdt.h layout.h \
	pci_host.h fuzz.h; do
	[ -f "$tmp/prefix/include/vdm/$h" ] || fail "include/vdm/$h not installed"
done
libdir=$(pkg-config --variable=libdir vdm)
for l in vdm vdm-sandbox vdm-machine vdm-fuzz; do
	[ -f "$libdir/lib$l.a" ] || fail "lib$l.a not installed"
	soname=$(objdump -p "$libdir/lib$l.so" | awk '/SONAME/ {print $2}')
	[ "$soname" = "lib$l.so.0" ] || fail "lib$l.so: soname '$soname', expected lib$l.so.0"
	[ -f "$libdir/$soname" ] || fail "$soname not installed"
done
devhost=$(pkg-config --variable=devhost vdm-sandbox)
[ -x "$devhost" ] || fail "devhost $devhost not installed"

# Out of tree: a copy of examples/plugin, nothing of the build tree on any path.
cp -r "$src/examples/plugin" "$tmp/example"
make -s -C "$tmp/example" example_plugin.so
make -s -C "$tmp/example" run-example CFLAGS="-O1 -g -Wall -Wextra -Werror $extra" \
	LDFLAGS="$extra"

# The mini VMM builds from the prefix too (tests/e2e/mini_vmm_test.sh boots Linux with it).
cp -r "$src/examples/mini-vmm" "$tmp/mini-vmm"
make -s -C "$tmp/mini-vmm" mini-vmm CFLAGS="-O1 -g -Wall -Wextra -Werror $extra" \
	LDFLAGS="$extra" || fail "examples/mini-vmm does not build against the prefix"
rc=0
"$tmp/mini-vmm/mini-vmm" >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "mini-vmm without --kernel: exit status $rc, expected 2 (usage)"

"$devhost" --check "$tmp/example/example_plugin.so" | tee "$tmp/check.txt"
grep -q "example-counter" "$tmp/check.txt" || fail "vdm-devhost --check does not list the type"

expect() {
	grep -qx "$1" "$tmp/out.txt" || fail "expected line: $1 (in: $(cat "$tmp/out.txt"))"
}
device_answers() {
	expect "bar0 sizing mask fffff000 (size 4096)"
	expect "magic 21444d56"
	expect "scratch cafe"
	expect "counter 7"
	expect "irq edges 2"
	expect "device log (2): example-counter: counter starts at 5"
}
# 1. the device host named explicitly
"$tmp/example/run-example" "$devhost" "$tmp/example/example_plugin.so" start=5 | tee "$tmp/out.txt"
expect "ids 1b36:00ee, pid [0-9]*"
device_answers
# 2. no device host named: the one beside the installed libvdm-sandbox, wherever the prefix is
env -u VDM_DEVHOST "$tmp/example/run-example" - "$tmp/example/example_plugin.so" start=5 |
	tee "$tmp/out.txt"
expect "devhost $libdir/.*vdm-devhost"
expect "ids 1b36:00ee, pid [0-9]*"
device_answers
# 3. in this process: the plugin's vdm_* calls resolve to the libvdm the host links
"$tmp/example/run-example" --in-process "$tmp/example/example_plugin.so" start=5 |
	tee "$tmp/out.txt"
expect "ids 1b36:00ee, in-process"
device_answers
echo "PASS: installed vdm builds examples/mini-vmm and runs an out-of-tree plugin, sandboxed and in-process"
