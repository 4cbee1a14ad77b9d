#!/usr/bin/env bash
# Tool check of the generated ACPI tables (ctest label "tool"): iasl must disassemble and
# recompile every table to the same bytes, and acpiexec must run the DSDT's methods with the
# answers the machine description asks for.  With VMM, the same checks run on what
# `vmm-example --dump-acpi` writes, and its `--dump-dtb` blob goes through dtc.
# With --arch arm64: the arm64 machines' tables (GTDT and SPCR too), their _CCA, translated
# I/O window, _PRT and UART through acpiexec, and both of their device trees through dtc.
# Usage: acpi_check.sh [--arch arm64] ACPI_DUMP_BINARY WORKDIR [VMM_EXAMPLE_BINARY]
set -uo pipefail

arch=x86_64
if [ "${1:-}" = --arch ]; then
	arch=${2:?usage: acpi_check.sh [--arch arm64] ACPI_DUMP_BINARY WORKDIR}
	shift 2
fi
dump=${1:?usage: acpi_check.sh [--arch arm64] ACPI_DUMP_BINARY WORKDIR}
work=${2:?usage: acpi_check.sh [--arch arm64] ACPI_DUMP_BINARY WORKDIR}
case $arch in
x86_64)
	tables="facp apic mcfg" # besides the XSDT and the DSDT
	dump_args=()
	;;
arm64)
	tables="facp apic gtdt mcfg spcr"
	dump_args=(--arch arm64)
	;;
*)
	echo "acpi_check.sh: --arch $arch: give x86_64 or arm64"
	exit 2
	;;
esac
for tool in iasl acpiexec; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool not found (apt-get install acpica-tools)"
		exit 77
	fi
done

fails=0
checks=0
# Failures are also logged to a file: a check inside $(...) (exec_ok's own) runs in a subshell
# whose counter is lost, and its message lands in the caller's variable.
fail() { echo "FAIL [$machine]: $*" | tee -a "$work/failures.log"; fails=$((fails + 1)); }
pass() { checks=$((checks + 1)); }

if [ "$arch" = arm64 ] && ! command -v dtc >/dev/null; then
	echo "SKIP: dtc not found (apt-get install device-tree-compiler)"
	exit 77
fi
rm -rf "$work" && mkdir -p "$work" && : >"$work/failures.log" || exit 1
"$dump" "${dump_args[@]}" "$work" || { echo "FAIL: $dump ${dump_args[*]} $work"; exit 1; }

# UUIDs as acpiexec buffer arguments (ToUUID byte order).
PCI_FW_UUID="(d0 37 c9 e5 53 35 7a 4d 91 17 ea 4d 19 c3 43 4d)"
OSC_UUID="(5b 4d db 33 f7 1f 1c 40 96 57 74 41 c0 3d d7 66)"
OTHER_UUID="(00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff)"

# ---- 1. iasl: disassemble, recompile, compare ----------------------------------------------

# cmp_masked A B: equal except header checksum (byte 9) and compiler ID/revision (28..35),
# which iasl rewrites with its own.
cmp_masked() {
	cmp -s <(head -c 9 "$1") <(head -c 9 "$2") &&
		cmp -s <(head -c 28 "$1" | tail -c +11) <(head -c 28 "$2" | tail -c +11) &&
		cmp -s <(tail -c +37 "$1") <(tail -c +37 "$2")
}

check_iasl() {
	local t out
	for t in xsdt $tables; do
		if ! out=$(iasl -d "$t.dat" 2>&1) || [ ! -s "$t.dsl" ]; then
			fail "iasl -d $t.dat: $out"
			continue
		fi
		if grep -qiE "incorrect|invalid|error|warning" "$t.dsl"; then
			fail "iasl -d $t.dat complains: $(grep -iE 'incorrect|invalid|error|warning' "$t.dsl")"
		fi
		mkdir -p re
		if ! out=$(iasl -p "re/$t" "$t.dsl" 2>&1) || ! grep -q "0 Errors, 0 Warnings" <<<"$out"; then
			fail "recompiling $t.dsl: $out"
			continue
		fi
		cmp_masked "$t.dat" "re/$t.aml" || fail "$t: recompiled table differs from ours"
		pass
	done

	if ! out=$(iasl -d dsdt.aml 2>&1) || [ ! -s dsdt.dsl ]; then
		fail "iasl -d dsdt.aml: $out"
		return
	fi
	grep -qi "incorrect checksum" dsdt.dsl && fail "DSDT checksum: $(grep -i checksum dsdt.dsl)"
	# -on: keep name paths as written, so the AML can be compared byte for byte.
	if ! out=$(iasl -on -p re/dsdt dsdt.dsl 2>&1) || ! grep -q "0 Errors, 0 Warnings" <<<"$out"; then
		fail "recompiling dsdt.dsl must give 0 errors and 0 warnings: $out"
		return
	fi
	cmp_masked dsdt.aml re/dsdt.aml || fail "DSDT: iasl's recompiled AML differs from ours"
	pass
}

# The RSDP (iasl cannot disassemble it): signature, revision 2, length 36, both checksums.
check_rsdp() {
	local -a b
	local sum20=0 sum36=0 i
	mapfile -t b < <(od -An -v -tu1 -w1 rsdp.dat)
	[ "${#b[@]}" -eq 36 ] || { fail "rsdp.dat: ${#b[@]} bytes, want 36"; return; }
	[ "$(head -c 8 rsdp.dat)" = "RSD PTR " ] || fail "rsdp.dat: bad signature"
	[ "${b[15]}" -eq 2 ] || fail "RSDP revision ${b[15]}, want 2"
	[ "${b[20]}" -eq 36 ] || fail "RSDP length ${b[20]}, want 36"
	for ((i = 0; i < 36; i++)); do
		((i < 20)) && sum20=$(((sum20 + b[i]) % 256))
		sum36=$(((sum36 + b[i]) % 256))
	done
	[ "$sum20" -eq 0 ] || fail "RSDP checksum (first 20 bytes) sums to $sum20"
	[ "$sum36" -eq 0 ] || fail "RSDP extended checksum sums to $sum36"
	pass
}

# ---- 2. acpiexec: run methods ----------------------------------------------------------------

# exec_ok CMD [EXTRA.aml]: run one acpiexec command with our FADT (so ACPICA runs
# hardware-reduced and validates it), MADT, MCFG (arm64: GTDT, SPCR) and DSDT loaded; print
# its output.  Any ACPICA error, exception or warning fails the check.
exec_ok() {
	local out t
	local -a files=()
	for t in $tables; do files+=("$t.dat"); done
	out=$(acpiexec -b "$1" "${files[@]}" dsdt.aml ${2:+"$2"} 2>&1)
	if grep -qE "ACPI (Error|Exception|Warning)|AE_[A-Z_]+" <<<"$out"; then
		fail "acpiexec '$1': $(grep -E 'ACPI (Error|Exception|Warning)|AE_[A-Z_]+' <<<"$out" | head -3)"
	fi
	if ! grep -q "^Evaluat" <<<"$out"; then
		fail "acpiexec '$1' did not evaluate: $(tail -3 <<<"$out")"
	fi
	printf '%s\n' "$out"
}

# result OUTPUT: the returned object line, e.g. "[Integer] = 0000000000000001".
result() { grep -m1 -oE '\[(Integer|Buffer)\].*' <<<"$1" | sed -E 's/ +\/\/.*//; s/ +/ /g'; }

expect_result() { # DESCRIPTION ACPIEXEC-CMD WANT [EXTRA.aml]
	local out got
	out=$(exec_ok "$2" "${4:-}")
	got=$(result "$out")
	if [ "$got" != "$3" ]; then
		fail "$1: got '$got', want '$3'"
	else
		pass
	fi
}

# Batched form, one acpiexec run for many evaluations: queue "DESCRIPTION|CMD|WANT" lines
# in the array `queue`, then run_queue checks each evaluation's returned object in order.
run_queue() {
	local cmds="" line out i=-1
	local -a got=()
	for line in "${queue[@]}"; do
		IFS='|' read -r _ cmd _ <<<"$line"
		cmds+="${cmds:+; }$cmd"
	done
	out=$(exec_ok "$cmds")
	while IFS= read -r line; do
		case $line in
		Evaluating\ *) i=$((i + 1)) ;;
		*\[Integer\]* | *\[Buffer\]*) [ -z "${got[i]:-}" ] && got[i]=$(result "$line") ;;
		esac
	done <<<"$out"
	for ((i = 0; i < ${#queue[@]}; i++)); do
		IFS='|' read -r desc cmd want <<<"${queue[i]}"
		if [ "${got[i]:-}" != "$want" ]; then
			fail "$desc: got '${got[i]:-}', want '$want'"
		else
			pass
		fi
	done
	queue=()
}

count() { grep -c -- "$1" <<<"$2"; }

check_dsm_osc() { # DSM5 HOTPLUG
	local rev want
	queue=()
	for rev in 1 2; do
		queue+=("_DSM rev $rev func 0|execute \\_SB.PCI0._DSM $PCI_FW_UUID $rev 0 [0]|[Buffer] Length 01 = 0000: 21")
		queue+=("_DSM rev $rev func 5|execute \\_SB.PCI0._DSM $PCI_FW_UUID $rev 5 [0]|[Integer] = 000000000000000$1")
	done
	queue+=("_DSM with another UUID|execute \\_SB.PCI0._DSM $OTHER_UUID 1 0 [0]|[Buffer] Length 01 = 0000: 00")
	# _OSC query: support 0x1F, control 0x1F.  With ACPI hotplug the OS must not get native
	# PCIe hotplug (bit 0), and CDW1 says "capabilities masked" (0x10).
	want="00 00 00 00 1F 00 00 00 1F 00 00 00"
	[ "$2" = 1 ] && want="10 00 00 00 1F 00 00 00 1E 00 00 00"
	queue+=("_OSC|execute \\_SB.PCI0._OSC $OSC_UUID 1 3 (00 00 00 00 1f 00 00 00 1f 00 00 00)|[Buffer] Length 0C = 0000: $want")
	run_queue
}

# Helper SSDTs.  acpiexec backs SystemMemory operation regions with zero-filled memory, so
# ESEL/PCIU/PCID read 0 unless something writes them: these methods store what a hot-add
# plus an unplug request would show, run the GED's _EVT, and report what the AML wrote.
cat >"$work/hp.asl" <<'EOF'
DefinitionBlock ("", "SSDT", 2, "VDM", "CHECKHP", 1)
{
    External (\_SB.GED.ESEL, FieldUnitObj)
    External (\_SB.GED._EVT, MethodObj)
    External (\_SB.PCI0.PCIU, FieldUnitObj)
    External (\_SB.PCI0.PCID, FieldUnitObj)
    External (\_SB.PCI0.BNUM, FieldUnitObj)
    External (\_SB.PCI0.B0EJ, FieldUnitObj)
    External (\_SB.PCI0.S18.S00._EJ0, MethodObj)
    Method (\TEVT, 1)   // events Arg0 with slot 0 up and down on every bus: returns last BNUM
    {
        \_SB.PCI0.PCIU = One
        \_SB.PCI0.PCID = One
        \_SB.GED.ESEL = Arg0
        \_SB.GED._EVT (0x05)
        Return (\_SB.PCI0.BNUM)
    }
    Method (\TEJ, 0)    // eject the slot below S18: returns BNUM << 32 | B0EJ
    {
        \_SB.PCI0.S18.S00._EJ0 (One)
        Return ((\_SB.PCI0.BNUM << 0x20) | \_SB.PCI0.B0EJ)
    }
}
EOF
cat >"$work/nohp.asl" <<'EOF'
DefinitionBlock ("", "SSDT", 2, "VDM", "CHECKNO", 1)
{
    External (\_SB.GED.ESEL, FieldUnitObj)
    External (\_SB.GED._EVT, MethodObj)
    Method (\TEVT, 1)
    {
        \_SB.GED.ESEL = Arg0
        \_SB.GED._EVT (0x05)
        Return (0x2A)
    }
}
EOF
for s in hp nohp; do
	out=$(cd "$work" && iasl "$s.asl" 2>&1) || { echo "FAIL: helper $s.asl: $out"; exit 1; }
done

check_ged() { # HOTPLUG
	local out ssdt
	# _EVT as acpiexec finds it: ESEL reads 0 from the zero-filled simulated region, so it
	# must complete, return nothing and notify nobody.
	out=$(exec_ok 'execute \_SB.GED._EVT 5')
	grep -q 'No object was returned from evaluation of \\_SB.GED._EVT' <<<"$out" &&
		[ "$(count 'Notify' "$out")" = 0 ] || fail "_EVT with ESEL=0: $out"
	pass
	if [ "$1" = 1 ]; then
		ssdt=$work/hp.aml
		# 0x12 = power button + PCI hotplug: S10 and S18 (BSEL 1, 2) get Device Check and
		# Eject Request on their slot S00, S21 (no hotplug) nothing; PCNT leaves BNUM = 2.
		out=$(exec_ok 'execute \TEVT 0x12' "$ssdt")
		[ "$(count 'Notify on \[PWRB\].*Value 0x80' "$out")" = 1 ] || fail "_EVT 0x12: no PWRB 0x80"
		[ "$(count 'Notify on \[S00_\].*Value 0x01' "$out")" = 2 ] ||
			fail "_EVT 0x12: want 2 Device Checks: $out"
		[ "$(count 'Notify on \[S00_\].*Value 0x03' "$out")" = 2 ] ||
			fail "_EVT 0x12: want 2 Eject Requests: $out"
		[ "$(result "$out")" = "[Integer] = 0000000000000002" ] ||
			fail "_EVT 0x12: BNUM after PCNT is $(result "$out"), want 2"
		pass
		out=$(exec_ok 'execute \TEVT 0x02' "$ssdt")
		[ "$(count 'Notify on \[PWRB\].*Value 0x80' "$out")" = 1 ] &&
			[ "$(count 'Notify on \[S00_\]' "$out")" = 0 ] ||
			fail "_EVT 0x02 must notify PWRB only: $out"
		pass
		expect_result "_EJ0 of S18's slot writes BNUM=2, B0EJ=1<<0" 'execute \TEJ' \
			"[Integer] = 0000000200000001" "$ssdt"
	else
		ssdt=$work/nohp.aml
		out=$(exec_ok 'execute \TEVT 0x12' "$ssdt")
		[ "$(count 'Notify on \[PWRB\].*Value 0x80' "$out")" = 1 ] &&
			[ "$(count 'Notify on \[S00_\]' "$out")" = 0 ] ||
			fail "_EVT 0x12 without ACPI hotplug must notify PWRB only: $out"
		[ "$(result "$out")" = "[Integer] = 000000000000002A" ] ||
			fail "_EVT 0x12 did not complete: $(result "$out")"
		pass
	fi
}

# ---- 3. arm64: what only the arm64 machine has ----------------------------------------------

# The static tables as iasl reads them: PSCI through HVC, no MSI (no ITS), one GICC per CPU (4),
# GICv3, the timer PPIs, the SBSA UART.
check_arm64_tables() {
	local f
	for f in "PSCI Compliant : 1" "Must use HVC for PSCI : 1" "Hardware Reduced (V5) : 1" \
		"MSI Not Supported (V4) : 1"; do
		grep -qF "$f" facp.dsl || fail "FADT: no '$f'"
	done
	[ "$(grep -c 'Subtable Type : 0B \[Generic Interrupt Controller\]' apic.dsl)" = 4 ] ||
		fail "MADT: want 4 GICC entries, got $(grep -c 'Subtable Type : 0B' apic.dsl)"
	grep -q 'Version : 03' apic.dsl || fail "MADT: GICD is not version 3"
	grep -q 'Subtable Type : 0E \[Generic Interrupt Redistributor\]' apic.dsl ||
		fail "MADT: no GICR structure"
	grep -q 'Virtual Timer Interrupt : 0000001B' gtdt.dsl || fail "GTDT: virtual timer not PPI 27"
	grep -q 'Interface Type : 0E' spcr.dsl || fail "SPCR: not an SBSA generic UART"
	grep -q 'Address : 0000000009000000' spcr.dsl || fail "SPCR: not the PL011 at 0x9000000"
	pass
}

# The DSDT's arm64 objects through acpiexec: _CCA, the UART, the _CRS as ACPICA decodes it
# (the I/O window with its translation, no configuration ports) and the _PRT, every entry
# recomputed here: slot S, pin P -> SPI INTID 35 + (S + P) % 4.
check_arm64_dsdt() {
	local out line i=-1 want s p
	local -a got=()
	queue=("_CCA|evaluate \\_SB.PCI0._CCA|[Integer] = 0000000000000001")
	queue+=("C003 _UID|evaluate \\_SB.C003._UID|[Integer] = 0000000000000003")
	run_queue
	out=$(exec_ok 'evaluate \_SB.COM0._HID')
	grep -q '\[String\] Length 08 = "ARMH0011"' <<<"$out" || fail "COM0 is not ARMH0011: $out"
	# acpiexec's resources command decodes _PRT and _CRS, then tries _SRS, which the host
	# bridge does not have: that one AE_NOT_FOUND is expected, nothing else may complain.
	out=$(acpiexec -b 'resources \_SB.PCI0' facp.dat apic.dat gtdt.dat mcfg.dat spcr.dat \
		dsdt.aml 2>&1 | grep -v '^AcpiSetCurrentResources failed: AE_NOT_FOUND$')
	grep -qE "ACPI (Error|Exception|Warning)|AE_[A-Z_]+" <<<"$out" &&
		fail "acpiexec 'resources \\_SB.PCI0': $(grep -E 'ACPI (Error|Exception|Warning)|AE_' <<<"$out" | head -3)"
	grep -q '^Evaluating _CRS' <<<"$out" || fail "acpiexec did not decode PCI0's _CRS"
	grep -q 'Translation : TypeTranslation' <<<"$out" &&
		grep -q 'Translation Offset : 3EFF0000' <<<"$out" &&
		grep -q 'Address Length : 00010000' <<<"$out" ||
		fail "_CRS: no I/O window of ports 0..0xFFFF translated by 0x3EFF0000: $out"
	grep -qE 'Address Minimum : 0CF8|Resource Type : Fixed I/O|Resource Type : I/O$' <<<"$out" &&
		fail "_CRS holds x86 configuration ports"
	pass
	out=$(exec_ok 'evaluate \_SB.PCI0._PRT')
	grep -q '\[Package\] Contains 128 Elements:' <<<"$out" || fail "_PRT: not 128 entries"
	while IFS= read -r line; do
		case $line in
		*'[Package] Contains 4 Elements:'*) i=$((i + 1)) ;;
		*'[Integer] = '*) ((i >= 0)) && got[i]+="${line##* = } " ;;
		esac
	done <<<"$out"
	for ((s = 0; s < 32; s++)); do
		for ((p = 0; p < 4; p++)); do
			want=$(printf '%016X %016X %016X %016X ' $(((s << 16) | 0xffff)) $p 0 \
				$((35 + (s + p) % 4)))
			[ "${got[s * 4 + p]:-}" = "$want" ] ||
				fail "_PRT slot $s pin $p: got '${got[s * 4 + p]:-}', want '$want'"
		done
	done
	pass
	for line in COM1 _S5_ MBRD; do
		grep -q "$line" dsdt.dsl && fail "arm64 DSDT has $line"
	done
	pass
}

# Both device trees through dtc (no warnings), and what Linux looks for in them.
check_arm64_fdt() {
	local f
	if ! dtc -I dtb -O dts -o vm.dts vm.dtb 2>dtc.err || [ -s dtc.err ]; then
		fail "dtc -I dtb vm.dtb: $(cat dtc.err)"
		return
	fi
	for f in 'compatible = "arm,gic-v3";' 'compatible = "arm,armv8-timer";' \
		'enable-method = "psci";' 'method = "hvc";' 'compatible = "arm,pl011\0arm,primecell";' \
		'clock-names = "uartclk\0apb_pclk";' 'compatible = "pci-host-ecam-generic";' \
		'stdout-path = "/serial@9000000";' 'interrupt-map-mask = <0xf800 0x00 0x00 0x07>;' \
		'ranges = <0x1000000 0x00 0x00 0x00 0x3eff0000 0x00 0x10000 ' 'dma-coherent;' \
		'compatible = "vdm,ged-pcihp";'; do
		grep -qF "$f" vm.dts || fail "vm.dts lacks: $f"
	done
	[ "$(grep -c 'device_type = "cpu";' vm.dts)" = 4 ] || fail "vm.dts: want 4 cpus"
	if ! dtc -I dtb -O dts -o chosen.dts chosen.dtb 2>dtc.err || [ -s dtc.err ]; then
		fail "dtc -I dtb chosen.dtb: $(cat dtc.err)"
		return
	fi
	[ "$(grep -cE '^\s+[a-z0-9@,-]+ \{' chosen.dts)" = 1 ] && grep -q 'chosen {' chosen.dts ||
		fail "chosen.dtb holds more than /chosen: $(cat chosen.dts)"
	grep -q 'linux,uefi-system-table = <0x00 0x' chosen.dts &&
		grep -q 'linux,uefi-mmap-desc-ver = <0x01>;' chosen.dts ||
		fail "chosen.dtb lacks the EFI stub's properties: $(cat chosen.dts)"
	pass
}

# machine  _DSM-5  ACPI-hotplug   (see acpi_dump.c)
while read -r machine dsm5 hotplug; do
	dir=$work/$machine
	[ -d "$dir" ] || { fail "no tables written"; continue; }
	pushd "$dir" >/dev/null || exit 1
	check_rsdp
	check_iasl
	check_dsm_osc "$dsm5" "$hotplug"
	check_ged "$hotplug"
	if [ "$arch" = arm64 ]; then
		check_arm64_tables
		# what these check does not depend on the hotplug policy: once is enough
		if [ "$machine" = hp-auto ]; then
			check_arm64_dsdt
			check_arm64_fdt
		fi
	fi
	popd >/dev/null || exit 1
done <<'EOF'
hp-auto   0 1
nohp-auto 1 0
nohp-on   0 0
hp-off    1 1
EOF

# vmm-example's own dumps: the tables of a real machine (a testdev behind a root port plus
# free hotplug ports) under each policy, and its FDT, whose PCI node must carry the same
# ECAM and 64-bit aperture as the machine's --print-topology.
vmm=${3:-}
if [ -n "$vmm" ]; then
	while read -r policy dsm5; do
		machine=vmm-$policy
		dir=$work/$machine
		mkdir -p "$dir"
		if ! "$vmm" --device testdev,membar=4M --preserve-config="$policy" \
			--dump-acpi "$dir" --dump-dtb "$dir/vm.dtb" --print-topology >"$dir/topology.txt" 2>&1; then
			fail "vmm-example --dump-acpi: $(cat "$dir/topology.txt")"
			continue
		fi
		pushd "$dir" >/dev/null || exit 1
		check_rsdp
		check_iasl
		check_dsm_osc "$dsm5" 1
		if ! command -v dtc >/dev/null; then
			fail "dtc not found (apt-get install device-tree-compiler)"
		elif ! dtc -I dtb -O dts -o vm.dts vm.dtb 2>dtc.err || [ -s dtc.err ]; then
			fail "dtc -I dtb vm.dtb: $(cat dtc.err)"
		else
			# "machine ecam [0xe8000000-0xf7ffffff] size 0x10000000" -> e8000000
			ecam=$(awk '$2 == "ecam" { print $3 }' topology.txt | sed -E 's/\[0x([0-9a-f]+)-.*/\1/')
			m64=$(awk '$2 == "pci-mem64" { print $3 }' topology.txt | sed -E 's/\[0x([0-9a-f]+)-.*/\1/')
			grep -q "pci@$ecam {" vm.dts || fail "FDT has no pci@$ecam node"
			grep -q 'compatible = "pci-host-ecam-generic"' vm.dts || fail "FDT PCI node not ecam-generic"
			grep -q 'bus-range = <0x00 0xff>' vm.dts || fail "FDT bus-range is not 00-ff"
			# the 64-bit prefetchable range: phys.hi 0x43000000, then the aperture base twice
			hi=$(printf '0x%02x' $((0x$m64 >> 32)))
			lo=$(printf '0x%02x' $((0x$m64 & 0xffffffff)))
			grep -qE "ranges = <.*0x43000000 $hi $lo $hi $lo " vm.dts ||
				fail "FDT ranges lack the 64-bit aperture 0x$m64: $(grep ranges vm.dts)"
			pass
		fi
		popd >/dev/null || exit 1
	done <<'EOF'
auto 0
on   0
off  1
EOF
fi

# The checks above must be able to fail: a table with a broken checksum must be caught.
machine=self-test
cp "$work/hp-auto/facp.dat" "$work/broken.dat"
printf '\x07' | dd of="$work/broken.dat" bs=1 seek=200 conv=notrunc 2>/dev/null
(cd "$work" && iasl -d broken.dat >/dev/null 2>&1)
grep -q "Incorrect checksum" "$work/broken.dsl" || fail "iasl did not notice a broken checksum"

fails=$(wc -l <"$work/failures.log")
echo "acpi_check: $checks checks passed, $fails failed"
[ "$fails" -eq 0 ]
