/* Unit tests for the arm64 device tree (machine/fdt_arm64.c) and the ACPI boot's /chosen tree
 * (vdm_efi_fdt): read back with libfdt, decompiled by dtc without warnings. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libfdt.h>

#include <vdm/efi.h>
#include <vdm/fdt.h>
#include <vdm/layout.h>
#include <vdm/pci_host.h>
#include <vdm/place.h>

#define GIB (UINT64_C(1) << 30)

static char blob[65536];

/* A 2 GiB, 17-CPU arm64 machine with two hotplug root ports, placed for real. */
static void placed_machine(struct vdm_mach_desc *m)
{
	const struct vdm_place_reserve unset = VDM_PLACE_RESERVE_UNSET;
	struct vdm_place_port p[2];
	struct vdm_place_topo t = { .ports = p, .num_ports = 2 };

	memset(m, 0, sizeof(*m));
	assert_int_equal(vdm_arm64_layout(m, 2 * GIB, 40, NULL, 0), 0);
	m->num_cpus = 17;
	memset(p, 0, sizeof(p));
	for (int i = 0; i < 2; i++) {
		p[i].self.id = i ? "rp1" : "rp0";
		p[i].self.devfn = (uint8_t)((i + 1) << 3);
		p[i].hotplug = true;
		p[i].reserve = unset;
	}
	assert_int_equal(vdm_place_machine(m, &t, NULL, NULL), 0);
}

static uint64_t cells64(const fdt32_t *c)
{
	return (uint64_t)fdt32_to_cpu(c[0]) << 32 | fdt32_to_cpu(c[1]);
}

static const void *prop(const char *path, const char *name, int *len)
{
	int node = fdt_path_offset(blob, path);
	const void *v;

	if (node < 0)
		fail_msg("no node %s", path);
	v = fdt_getprop(blob, node, name, len);
	if (!v)
		fail_msg("no %s in %s", name, path);
	return v;
}

static uint32_t cell(const fdt32_t *c, int i)
{
	return fdt32_to_cpu(c[i]);
}

static void build(const struct vdm_mach_desc *m, const struct vdm_fdt_boot *boot)
{
	char err[256] = "x";

	assert_int_equal(vdm_fdt_build(m, boot, blob, sizeof(blob), err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(fdt_check_header(blob), 0);
}

static void cpus_are_psci_with_kvms_mpidrs_and_chosen_names_the_pl011(void **state)
{
	struct vdm_mach_desc m;
	const struct vdm_fdt_boot boot = { "console=ttyAMA0", 0x48000000, 0x48100000 };
	const fdt32_t *c;
	char path[64];
	int len, node, n = 0;

	(void)state;
	placed_machine(&m);
	build(&m, &boot);
	assert_string_equal(prop("/", "compatible", &len), "vdm,arm64-virt");
	assert_int_equal(cell(prop("/", "interrupt-parent", &len), 0), VDM_FDT_GIC_PHANDLE);
	assert_string_equal(prop("/chosen", "stdout-path", &len), "/serial@9000000");
	assert_string_equal(prop("/chosen", "bootargs", &len), "console=ttyAMA0");
	c = prop("/chosen", "linux,initrd-start", &len);
	assert_int_equal(len, 8);
	assert_true(cells64(c) == 0x48000000);
	c = prop("/memory@40000000", "reg", &len);
	assert_int_equal(len, 16);
	assert_true(cells64(c) == m.ram[0].base && cells64(c + 2) == 2 * GIB);

	/* vCPU n has MPIDR Aff0 = n % 16, Aff1 = n / 16 (KVM's reset value without bit 31) */
	fdt_for_each_subnode(node, blob, fdt_path_offset(blob, "/cpus")) {
		uint32_t want = (uint32_t)((n & 15) | (n >> 4) << 8);

		snprintf(path, sizeof(path), "cpu@%x", want);
		assert_string_equal(fdt_get_name(blob, node, NULL), path);
		c = fdt_getprop(blob, node, "reg", &len);
		assert_int_equal(len, 4);
		assert_int_equal(cell(c, 0), want);
		assert_string_equal(fdt_getprop(blob, node, "enable-method", NULL), "psci");
		assert_string_equal(fdt_getprop(blob, node, "compatible", NULL), "arm,arm-v8");
		n++;
	}
	assert_int_equal(n, 17);
	assert_true(fdt_path_offset(blob, "/cpus/cpu@100") >= 0); /* vCPU 16 */

	c = prop("/psci", "compatible", &len);
	assert_int_equal(len, (int)sizeof("arm,psci-1.0\0arm,psci-0.2"));
	assert_memory_equal(c, "arm,psci-1.0\0arm,psci-0.2", (size_t)len);
	assert_string_equal(prop("/psci", "method", &len), "hvc");
	assert_int_equal(fdt_num_mem_rsv(blob), 1); /* the firmware area at the top of RAM */
	{
		uint64_t a, s;

		assert_int_equal(fdt_get_mem_rsv(blob, 0, &a, &s), 0);
		assert_true(a == m.reserved[0].base && s == m.reserved[0].size);
	}
}

static void chosen_says_probe_only_when_dsm5_preserves(void **state)
{
	static const uint32_t policies[] = { VDM_PRESERVE_AUTO, VDM_PRESERVE_ON, VDM_PRESERVE_OFF };
	struct vdm_mach_desc m;
	int len;

	(void)state;
	for (int hp = 0; hp < 2; hp++)
		for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
			const fdt32_t *c;
			int node;

			placed_machine(&m);
			m.acpi_pci_hotplug = hp;
			m.preserve_policy = policies[i];
			build(&m, NULL);
			node = fdt_path_offset(blob, "/chosen");
			assert_true(node >= 0);
			c = fdt_getprop(blob, node, "linux,pci-probe-only", &len);
			if (vdm_mach_dsm5_value(&m) == 0) {
				assert_non_null(c);
				assert_int_equal(len, 4);
				assert_int_equal(cell(c, 0), 1);
			} else {
				assert_null(c);
			}
		}
	/* auto with ACPI hotplug on is the case that matters: it preserves */
	placed_machine(&m);
	m.acpi_pci_hotplug = true;
	m.preserve_policy = VDM_PRESERVE_AUTO;
	assert_int_equal(vdm_mach_dsm5_value(&m), 0);
}

static void timer_gic_and_pl011_use_the_machines_interrupts(void **state)
{
	struct vdm_mach_desc m;
	const fdt32_t *c;
	int len;

	(void)state;
	placed_machine(&m);
	build(&m, NULL);
	/* <1 13 4> <1 14 4> <1 11 4> <1 10 4>: PPIs 29, 30, 27, 26 level high */
	c = prop("/timer", "interrupts", &len);
	assert_int_equal(len, 4 * 12);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(cell(c, 3 * i), 1);
		assert_int_equal(cell(c, 3 * i + 1), m.timer_ppi[i] - 16);
		assert_int_equal(cell(c, 3 * i + 2), 4);
	}
	assert_int_equal(cell(c, 7), 11); /* the virtual timer */
	assert_string_equal(prop("/timer", "compatible", &len), "arm,armv8-timer");
	prop("/timer", "always-on", &len);

	assert_string_equal(prop("/intc@8000000", "compatible", &len), "arm,gic-v3");
	prop("/intc@8000000", "interrupt-controller", &len);
	assert_int_equal(cell(prop("/intc@8000000", "#interrupt-cells", &len), 0), 3);
	c = prop("/intc@8000000", "reg", &len);
	assert_int_equal(len, 32);
	assert_true(cells64(c) == m.gicd.base && cells64(c + 2) == m.gicd.size);
	assert_true(cells64(c + 4) == m.gicr.base && cells64(c + 6) == m.gicr.size);
	assert_int_equal(cell(prop("/intc@8000000", "phandle", &len), 0), VDM_FDT_GIC_PHANDLE);

	c = prop("/serial@9000000", "compatible", &len);
	assert_memory_equal(c, "arm,pl011\0arm,primecell", (size_t)len);
	c = prop("/serial@9000000", "reg", &len);
	assert_true(cells64(c) == m.uart_mmio.base && cells64(c + 2) == 0x1000);
	c = prop("/serial@9000000", "interrupts", &len);
	assert_int_equal(len, 12);
	assert_int_equal(cell(c, 0), 0);                  /* SPI */
	assert_int_equal(cell(c, 1), m.serial_gsi - 32); /* 1 */
	assert_int_equal(cell(c, 2), 4);                  /* level high */
	c = prop("/serial@9000000", "clocks", &len);
	assert_int_equal(len, 8);
	assert_int_equal(cell(c, 0), VDM_FDT_APB_PCLK_PHANDLE);
	assert_int_equal(cell(c, 1), VDM_FDT_APB_PCLK_PHANDLE);
	c = prop("/serial@9000000", "clock-names", &len);
	assert_memory_equal(c, "uartclk\0apb_pclk", (size_t)len);
	assert_string_equal(prop("/apb-pclk", "compatible", &len), "fixed-clock");
	assert_int_equal(cell(prop("/apb-pclk", "#clock-cells", &len), 0), 0);
	assert_int_equal(cell(prop("/apb-pclk", "phandle", &len), 0), VDM_FDT_APB_PCLK_PHANDLE);

	c = prop("/ged@9100000", "interrupts", &len);
	assert_int_equal(len, 12);
	assert_int_equal(cell(c, 0), 0);
	assert_int_equal(cell(c, 1), m.ged_gsi - 32); /* SPI 8 */
	assert_int_equal(cell(c, 2), 1);              /* edge rising: the GED pulses */
}

static void pci_ranges_put_io_at_the_window_and_intx_follows_the_host_bridge(void **state)
{
	struct vdm_mach_desc m;
	const fdt32_t *c;
	int len;

	(void)state;
	placed_machine(&m);
	build(&m, NULL);
	c = prop("/pci@4010000000", "ranges", &len);
	assert_int_equal(len, 3 * 7 * 4);
	/* I/O: PCI ports 0..0xFFFF at CPU address pci_io_cpu_base (as QEMU's virt) */
	assert_int_equal(cell(c, 0), 0x01000000);
	assert_true(cells64(c + 1) == m.pci_io.base);
	assert_true(cells64(c + 3) == m.pci_io_cpu_base + m.pci_io.base);
	assert_true(m.pci_io.base == 0 && m.pci_io.size == 0x10000);
	assert_true(cells64(c + 3) == UINT64_C(0x3eff0000));
	assert_true(cells64(c + 5) == m.pci_io.size);
	assert_int_equal(cell(c, 7), 0x02000000);
	assert_true(cells64(c + 8) == m.pci_mem32.base && cells64(c + 10) == m.pci_mem32.base);
	assert_int_equal(cell(c, 14), 0x43000000);
	assert_true(cells64(c + 15) == m.pci_mem64.base && cells64(c + 19) == m.pci_mem64.size);
	prop("/pci@4010000000", "dma-coherent", &len);
	assert_int_equal(cell(prop("/pci@4010000000", "#interrupt-cells", &len), 0), 1);
	c = prop("/pci@4010000000", "interrupt-map-mask", &len);
	assert_int_equal(len, 16);
	assert_int_equal(cell(c, 0), 0xf800);
	assert_int_equal(cell(c, 3), 7);
	c = prop("/pci@4010000000", "interrupt-map", &len);
	assert_int_equal(len, 32 * 4 * 8 * 4);
	for (uint32_t slot = 0; slot < 32; slot++)
		for (uint32_t pin = 1; pin <= 4; pin++, c += 8) {
			uint32_t spi = vdm_pci_intx_route(m.intx_gsi_base, m.intx_gsis,
							  (uint8_t)slot, (uint8_t)pin);

			assert_int_equal(cell(c, 0), slot << 11);
			assert_int_equal(cell(c, 3), pin);
			assert_int_equal(cell(c, 4), VDM_FDT_GIC_PHANDLE);
			assert_int_equal(cell(c, 5), 0);
			assert_int_equal(cell(c, 6), spi - 32);
			assert_int_equal(cell(c, 7), 4);
		}
	m.intx_gsis = 0;
	build(&m, NULL);
	assert_null(fdt_getprop(blob, fdt_path_offset(blob, "/pci@4010000000"), "interrupt-map",
				NULL));
}

static void uefi_chosen_tree_holds_only_chosen_with_the_stubs_sizes(void **state)
{
	const struct vdm_fdt_boot boot = { "acpi=force", 0x48000000, 0x48100000 };
	const struct vdm_efi_layout uefi = { 0xbff00000, 0xbff01000, 5 * 48, 48, 1, 0 };
	static const struct {
		const char *name;
		int len;
		uint64_t v;
	} want[] = {
		{ "linux,uefi-system-table", 8, 0xbff00000 },  { "linux,uefi-mmap-start", 8, 0xbff01000 },
		{ "linux,uefi-mmap-size", 4, 240 },            { "linux,uefi-mmap-desc-size", 4, 48 },
		{ "linux,uefi-mmap-desc-ver", 4, 1 },          { "linux,uefi-secure-boot", 4, 2 },
	};
	char err[256] = "x";
	int node, n = 0, len;

	(void)state;
	assert_int_equal(vdm_efi_fdt(&uefi, &boot, blob, sizeof(blob), err,
						   sizeof(err)),
			 0);
	assert_string_equal(err, "");
	assert_int_equal(fdt_check_header(blob), 0);
	fdt_for_each_subnode(node, blob, 0) {
		assert_string_equal(fdt_get_name(blob, node, NULL), "chosen"); /* dt_is_stub */
		n++;
	}
	assert_int_equal(n, 1);
	assert_int_equal(fdt_num_mem_rsv(blob), 0);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const fdt32_t *c = prop("/chosen", want[i].name, &len);

		assert_int_equal(len, want[i].len);
		assert_true((len == 8 ? cells64(c) : cell(c, 0)) == want[i].v);
	}
	assert_string_equal(prop("/chosen", "bootargs", &len), "acpi=force");
	assert_true(cells64(prop("/chosen", "linux,initrd-end", &len)) == 0x48100000);
	assert_null(fdt_getprop(blob, fdt_path_offset(blob, "/chosen"), "stdout-path", NULL));
	assert_true(fdt_totalsize(blob) < 1024);
}

static void bad_uefi_values_and_small_buffers_are_refused(void **state)
{
	struct vdm_efi_layout uefi = { 0xbff00000, 0xbff01000, 100, 48, 1, 0 };
	char err[256] = "";

	(void)state;
	assert_int_equal(vdm_efi_fdt(&uefi, NULL, blob, sizeof(blob), err,
						   sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "EFI system table 0xbff00000, memory map 0xbff01000 of 100 bytes "
				 "in 48-byte descriptors: give both addresses and a map of whole "
				 "descriptors");
	uefi.mmap_size = 96;
	uefi.systab_gpa = 0;
	assert_int_equal(vdm_efi_fdt(&uefi, NULL, blob, sizeof(blob), err,
						   sizeof(err)),
			 -EINVAL);
	assert_int_equal(vdm_efi_fdt(NULL, NULL, blob, sizeof(blob), err,
						   sizeof(err)),
			 -EINVAL);
	uefi.systab_gpa = 0xbff00000;
	assert_int_equal(vdm_efi_fdt(&uefi, NULL, blob, 64, err, sizeof(err)),
			 -ENOSPC);
	assert_non_null(strstr(err, ": FDT_ERR_NOSPACE"));
	assert_int_equal(vdm_efi_fdt(&uefi, NULL, blob, sizeof(blob), NULL, 0), 0);
}

static void machines_the_arm64_tree_cannot_describe_are_refused(void **state)
{
	struct vdm_mach_desc m;
	char err[256] = "";

	(void)state;
	placed_machine(&m);
	m.timer_ppi[1] = 33;
	assert_int_equal(vdm_fdt_build(&m, NULL, blob, sizeof(blob), err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "arm64 device tree: a timer interrupt must be a PPI, INTID "
				 "16..31 (value 33)");
	placed_machine(&m);
	m.ged_gsi = 5;
	assert_int_equal(vdm_fdt_build(&m, NULL, blob, sizeof(blob), err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "ged_gsi must be an SPI"));
	placed_machine(&m);
	m.num_cpus = VDM_ARM64_MAX_CPUS + 1; /* the map's GICR range holds 123 */
	assert_int_equal(vdm_fdt_build(&m, NULL, blob, sizeof(blob), err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "128 KiB per CPU (value 124)"));
	placed_machine(&m);
	m.arch = 5;
	assert_int_equal(vdm_fdt_build(&m, NULL, blob, sizeof(blob), err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "arch 5: no device tree for it"));
	placed_machine(&m);
	assert_int_equal(vdm_fdt_build(&m, NULL, blob, 512, err, sizeof(err)), -ENOSPC);
}

static const char *find_dtc(void)
{
	static char path[512];
	const char *env = getenv("PATH");
	char *dirs, *save = NULL;

	if (!env)
		return NULL;
	dirs = strdup(env);
	assert_non_null(dirs);
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/dtc", d);
		if (!access(path, X_OK)) {
			free(dirs);
			return path;
		}
	}
	free(dirs);
	return NULL;
}

/* dtc -I dtb -O dts of the blob: must print nothing on stderr; returns the dts text. */
static char *decompile(const char *dtc)
{
	char dir[] = "/tmp/vdm-fdt64-XXXXXX", dtb[64], dts[64], errf[64], cmd[1024];
	static char text[262144];
	size_t n;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(dtb, sizeof(dtb), "%s/m.dtb", dir);
	snprintf(dts, sizeof(dts), "%s/m.dts", dir);
	snprintf(errf, sizeof(errf), "%s/err", dir);
	f = fopen(dtb, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(blob, 1, fdt_totalsize(blob), f), fdt_totalsize(blob));
	fclose(f);
	snprintf(cmd, sizeof(cmd), "'%s' -I dtb -O dts -o '%s' '%s' 2>'%s'", dtc, dts, dtb, errf);
	assert_int_equal(system(cmd), 0);
	f = fopen(errf, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	if (n)
		fail_msg("dtc warned: %s", text);
	f = fopen(dts, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	unlink(dtb);
	unlink(dts);
	unlink(errf);
	rmdir(dir);
	return text;
}

static void dtc_decompiles_both_trees_without_warnings(void **state)
{
	const struct vdm_efi_layout uefi = { 0xbff00000, 0xbff01000, 5 * 48, 48, 1, 0 };
	const char *dtc = find_dtc();
	struct vdm_mach_desc m;
	const char *text;

	(void)state;
	if (!dtc) {
		print_message("SKIPPED: dtc not found (apt-get install device-tree-compiler)\n");
		skip();
	}
	placed_machine(&m);
	build(&m, NULL);
	text = decompile(dtc);
	assert_non_null(strstr(text, "compatible = \"arm,gic-v3\";"));
	assert_non_null(strstr(text, "reg = <0x00 0x8000000 0x00 0x10000 0x00 0x80a0000 0x00 "
				     "0xf60000>;"));
	assert_non_null(strstr(text, "ranges = <0x1000000 0x00 0x00 0x00 0x3eff0000 0x00 "
				     "0x10000 "));
	assert_non_null(strstr(text, "interrupt-map-mask = <0xf800 0x00 0x00 0x07>;"));
	assert_non_null(strstr(text, "/memreserve/\t0x00000000bfe00000 0x0000000000200000;"));
	assert_int_equal(vdm_efi_fdt(&uefi, NULL, blob, sizeof(blob), NULL, 0), 0);
	text = decompile(dtc);
	assert_non_null(strstr(text, "linux,uefi-mmap-desc-size = <0x30>;"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cpus_are_psci_with_kvms_mpidrs_and_chosen_names_the_pl011),
		cmocka_unit_test(chosen_says_probe_only_when_dsm5_preserves),
		cmocka_unit_test(timer_gic_and_pl011_use_the_machines_interrupts),
		cmocka_unit_test(pci_ranges_put_io_at_the_window_and_intx_follows_the_host_bridge),
		cmocka_unit_test(uefi_chosen_tree_holds_only_chosen_with_the_stubs_sizes),
		cmocka_unit_test(bad_uefi_values_and_small_buffers_are_refused),
		cmocka_unit_test(machines_the_arm64_tree_cannot_describe_are_refused),
		cmocka_unit_test(dtc_decompiles_both_trees_without_warnings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
