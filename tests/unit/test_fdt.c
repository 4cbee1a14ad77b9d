/* Unit tests for the device tree builder (vmm-example/firmware/vdm_fdt.c): properties read
 * back with libfdt, the blob decompiled by dtc without warnings, and the error reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include <cmocka.h>
#include <libfdt.h>

#include <vdm/fdt.h>
#include <vdm/layout.h>
#include <vdm/place.h>

#define GIB (UINT64_C(1) << 30)

static char blob[65536];

/* A 6 GiB, 2-CPU machine with two hotplug root ports, placed for real. */
static void placed_machine(struct vdm_mach_desc *m)
{
	const struct vdm_place_reserve unset = VDM_PLACE_RESERVE_UNSET;
	struct vdm_place_port p[2];
	struct vdm_place_topo t = { .ports = p, .num_ports = 2 };

	memset(m, 0, sizeof(*m));
	assert_int_equal(vdm_x86_layout(m, 6 * GIB, 40, NULL, 0), 0);
	m->num_cpus = 2;
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

	assert_true(node >= 0);
	v = fdt_getprop(blob, node, name, len);
	assert_non_null(v);
	return v;
}

static void properties_read_back_match_the_machine(void **state)
{
	struct vdm_mach_desc m;
	struct vdm_fdt_boot boot = { "console=ttyS0 root=/dev/ram0", 0x1000000, 0x1234000 };
	const fdt32_t *c;
	char err[256] = "x";
	char path[64];
	int len;

	placed_machine(&m);
	assert_int_equal(vdm_fdt_build(&m, &boot, blob, sizeof(blob), err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(fdt_check_header(blob), 0);
	assert_true(fdt_totalsize(blob) < 4096); /* compact */

	assert_string_equal(prop("/chosen", "bootargs", &len), "console=ttyS0 root=/dev/ram0");
	c = prop("/chosen", "linux,initrd-start", &len);
	assert_int_equal(len, 8);
	assert_int_equal(cells64(c), 0x1000000);
	c = prop("/chosen", "linux,initrd-end", &len);
	assert_int_equal(cells64(c), 0x1234000);

	c = prop("/memory@0", "reg", &len);
	assert_int_equal(len, (int)m.num_ram * 16);
	for (uint32_t i = 0; i < m.num_ram; i++) {
		assert_int_equal(cells64(&c[4 * i]), m.ram[i].base);
		assert_int_equal(cells64(&c[4 * i + 2]), m.ram[i].size);
	}
	assert_int_equal(fdt_path_offset(blob, "/cpus/cpu@1") >= 0, 1);
	assert_true(fdt_path_offset(blob, "/cpus/cpu@2") < 0);

	snprintf(path, sizeof(path), "/pci@%llx", (unsigned long long)m.ecam.base);
	assert_string_equal(prop(path, "compatible", &len), "pci-host-ecam-generic");
	c = prop(path, "bus-range", &len);
	assert_int_equal(fdt32_to_cpu(c[0]), 0);
	assert_int_equal(fdt32_to_cpu(c[1]), 255);
	c = prop(path, "reg", &len);
	assert_int_equal(cells64(c), m.ecam.base);
	assert_int_equal(cells64(c + 2), 256u << 20);
	c = prop(path, "ranges", &len);
	assert_int_equal(len, 3 * 7 * 4);
	{
		const uint32_t hi[3] = { 0x01000000, 0x02000000, 0x43000000 };
		const struct vdm_range ap[3] = { m.pci_io, m.pci_mem32, m.pci_mem64 };

		for (int i = 0; i < 3; i++) {
			assert_int_equal(fdt32_to_cpu(c[7 * i]), hi[i]);
			assert_int_equal(cells64(&c[7 * i + 1]), ap[i].base); /* PCI address */
			assert_int_equal(cells64(&c[7 * i + 3]), ap[i].base); /* CPU address */
			assert_int_equal(cells64(&c[7 * i + 5]), ap[i].size);
		}
	}

	snprintf(path, sizeof(path), "/ged@%llx", (unsigned long long)m.ged_base);
	c = prop(path, "reg", &len);
	assert_int_equal(len, 32);
	assert_int_equal(cells64(c), m.ged_base);
	assert_int_equal(cells64(c + 2), 4);
	assert_int_equal(cells64(c + 4), m.pcihp_base);
	assert_int_equal(cells64(c + 6), m.pcihp_size);
	c = prop(path, "interrupts", &len);
	assert_int_equal(fdt32_to_cpu(c[0]), m.ged_gsi);
	assert_int_equal(fdt32_to_cpu(c[1]), VDM_FDT_IRQ_EDGE_RISING);

	c = prop("/serial@3f8", "reg", &len);
	assert_int_equal(cells64(c), 0x3f8);
	assert_string_equal(prop("/serial@3f8", "compatible", &len), "ns16550a");
}

static void no_initrd_means_no_initrd_properties_and_reserved_ram_is_memreserved(void **state)
{
	struct vdm_mach_desc m;
	uint64_t addr, size;
	int node;

	placed_machine(&m);
	/* an ACPI-table area in RAM, as the ACPI builder may add */
	m.reserved[m.num_reserved].base = 0x7f000000;
	m.reserved[m.num_reserved++].size = 0x10000;
	assert_int_equal(vdm_fdt_build(&m, NULL, blob, sizeof(blob), NULL, 0), 0);
	node = fdt_path_offset(blob, "/chosen");
	assert_true(node >= 0);
	assert_null(fdt_getprop(blob, node, "linux,initrd-start", NULL));
	assert_null(fdt_getprop(blob, node, "bootargs", NULL));
	/* only the in-RAM range: the ECAM is not RAM */
	assert_int_equal(fdt_num_mem_rsv(blob), 1);
	assert_int_equal(fdt_get_mem_rsv(blob, 0, &addr, &size), 0);
	assert_int_equal(addr, 0x7f000000);
	assert_int_equal(size, 0x10000);
}

static void a_small_buffer_names_the_libfdt_call_that_ran_out(void **state)
{
	struct vdm_mach_desc m;
	char err[256] = "";
	int ok_size = 0;

	placed_machine(&m);
	assert_int_equal(vdm_fdt_build(&m, NULL, blob, 200, err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, ": FDT_ERR_NOSPACE"));
	assert_true(strncmp(err, "fdt_", 4) == 0);
	/* the first size that works is the blob's own size */
	for (int s = 256; s < 8192 && !ok_size; s++)
		if (!vdm_fdt_build(&m, NULL, blob, (size_t)s, NULL, 0))
			ok_size = s;
	assert_true(ok_size > 0);
	assert_int_equal(fdt_totalsize(blob), ok_size);
}

static void a_machine_without_cpus_or_ecam_is_refused(void **state)
{
	struct vdm_mach_desc m;
	char err[256] = "";

	placed_machine(&m);
	m.num_cpus = 0;
	assert_int_equal(vdm_fdt_build(&m, NULL, blob, sizeof(blob), err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "machine cannot be described: 3 RAM ranges, 1 reserved, 0 CPUs, "
				 "buses 0..255 with 256 MiB of ECAM");
	m.num_cpus = 1;
	m.ecam.size = 128u << 20;
	assert_int_equal(vdm_fdt_build(&m, NULL, blob, sizeof(blob), err, sizeof(err)), -EINVAL);
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

/* dtc prints a cell as 0x%02x. */
static void cell(char *buf, size_t len, uint32_t v)
{
	size_t used = strlen(buf);

	snprintf(buf + used, len - used, "%s0x%02x", used && buf[used - 1] != '<' ? " " : "", v);
}

static void dtc_decompiles_it_without_warnings_and_shows_the_placed_ranges(void **state)
{
	struct vdm_mach_desc m;
	const char *dtc = find_dtc();
	char dir[] = "/tmp/vdm-fdt-XXXXXX", dtb[64], dts[64], errf[64], cmd[1024];
	char want[512] = "ranges = <";
	static char text[65536];
	size_t n;
	FILE *f;

	if (!dtc) {
		print_message("SKIPPED: dtc not found\n");
		skip();
	}
	placed_machine(&m);
	assert_int_equal(vdm_fdt_build(&m, NULL, blob, sizeof(blob), NULL, 0), 0);
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

	{
		const uint32_t hi[3] = { 0x01000000, 0x02000000, 0x43000000 };
		const struct vdm_range ap[3] = { m.pci_io, m.pci_mem32, m.pci_mem64 };

		for (int i = 0; i < 3; i++) {
			cell(want, sizeof(want), hi[i]);
			for (int twice = 0; twice < 2; twice++) {
				cell(want, sizeof(want), (uint32_t)(ap[i].base >> 32));
				cell(want, sizeof(want), (uint32_t)ap[i].base);
			}
			cell(want, sizeof(want), (uint32_t)(ap[i].size >> 32));
			cell(want, sizeof(want), (uint32_t)ap[i].size);
		}
		strncat(want, ">;", sizeof(want) - strlen(want) - 1);
	}
	/* 6G RAM, 40 bits: the 64-bit aperture is [7G, 1012G) */
	assert_non_null(strstr(want, "0x43000000 0x01 0xc0000000 0x01 0xc0000000 0xfb 0x40000000>;"));
	if (!strstr(text, want))
		fail_msg("dts lacks\n%s\n---\n%s", want, text);
	assert_non_null(strstr(text, "compatible = \"pci-host-ecam-generic\";"));
	assert_non_null(strstr(text, "bus-range = <0x00 0xff>;"));
	assert_non_null(strstr(text, "reg = <0x00 0xe8000000 0x00 0x10000000>;"));
	assert_non_null(strstr(text, "compatible = \"vdm,ged-pcihp\";"));
	assert_non_null(strstr(text, "reg = <0x00 0xfe000000 0x00 0x04 0x00 0xfe001000 0x00 0x18>;"));

	unlink(dtb);
	unlink(dts);
	unlink(errf);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(properties_read_back_match_the_machine),
		cmocka_unit_test(no_initrd_means_no_initrd_properties_and_reserved_ram_is_memreserved),
		cmocka_unit_test(a_small_buffer_names_the_libfdt_call_that_ran_out),
		cmocka_unit_test(a_machine_without_cpus_or_ecam_is_refused),
		cmocka_unit_test(dtc_decompiles_it_without_warnings_and_shows_the_placed_ranges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
