/* Unit tests for the ACPI static tables (vmm-example/firmware/acpi_tables.c): every table's
 * signature, length, checksum, pointers and field bytes, the layout, errors and the dump. */
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

#include <vdm/acpi_tables.h>
#include <vdm/dsdt.h>
#include <vdm/machine_desc.h>

#define BASE 0xa0000ull
static const uint8_t aml[] = { 0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x03, 0x01, 0x0a, 0x05 };

static void sample(struct vdm_mach_desc *m)
{
	memset(m, 0, sizeof(*m));
	m->num_cpus = 3;
	m->lapic_base = 0xfee00000;
	m->ioapic_base = 0xfec00000;
	m->ioapic_pins = 24;
	m->bus_start = 0;
	m->bus_end = 255;
	m->ecam = (struct vdm_range){ 0xe8000000, 0x10000000 };
	m->pci_io = (struct vdm_range){ 0x1000, 0xf000 };
	m->pci_mem32 = (struct vdm_range){ 0xc0000000, 0x28000000 };
	m->pci_mem64 = (struct vdm_range){ 0x100000000ull, 0xfc00000000ull };
	m->ged_base = 0xfe000000;
	m->ged_gsi = 5;
	m->pcihp_base = 0xfe001000;
	m->pcihp_size = 0x18;
	m->serial_port = 0x3f8;
	m->serial_gsi = 4;
	m->power_port = 0x600;
	m->reset_value = 1;
	m->s5_slp_typ = 5;
}

static uint64_t rd(const uint8_t *p, size_t off, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)p[off + i] << (8 * i);
	return v;
}

static unsigned sum(const uint8_t *p, size_t len)
{
	unsigned s = 0;

	for (size_t i = 0; i < len; i++)
		s += p[i];
	return s & 0xff;
}

struct built {
	struct vdm_acpi_layout l;
	uint8_t buf[8192];
};

static void build(const struct vdm_mach_desc *m, struct built *b)
{
	char err[256] = "";
	int rc = vdm_acpi_layout(m, aml, sizeof(aml), BASE, b->buf, sizeof(b->buf), &b->l, err,
				 sizeof(err));

	if (rc)
		fail_msg("vdm_acpi_layout: %d %s", rc, err);
}

static const struct vdm_acpi_table_ref *ref(const struct built *b, const char *sig)
{
	for (unsigned i = 0; i < b->l.num_tables; i++)
		if (!strcmp(b->l.tables[i].sig, sig))
			return &b->l.tables[i];
	fail_msg("no %s table", sig);
	return NULL;
}

/* The table a guest finds at `gpa`, as a pointer into the blob. */
static const uint8_t *at(const struct built *b, uint64_t gpa)
{
	assert_true(gpa >= b->l.base_gpa && gpa < b->l.base_gpa + b->l.size);
	return b->buf + (gpa - b->l.base_gpa);
}

/* Standard header: signature, length, revision, checksum, and vdm's OEM/creator fields. */
static void check_header(const uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	char table_id[9];

	assert_memory_equal(t, sig, 4);
	assert_int_equal(rd(t, 4, 4), len);
	assert_int_equal(t[8], rev);
	assert_int_equal(sum(t, len), 0);
	assert_memory_equal(t + 10, "VDM   ", 6);
	snprintf(table_id, sizeof(table_id), "VDM%-5s", sig);
	assert_memory_equal(t + 16, table_id, 8);
	assert_int_equal(rd(t, 24, 4), 1);
	assert_memory_equal(t + 28, "VDM ", 4);
	assert_int_equal(rd(t, 32, 4), 1);
}

static void assert_zero(const uint8_t *p, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (p[i])
			fail_msg("byte %zu is 0x%02x, want 0", i, p[i]);
}

static void layout_is_rsdp_then_aligned_tables_in_one_blob(void **state)
{
	static const char *order[] = { "RSDP", "XSDT", "FACP", "APIC", "MCFG", "DSDT" };
	static const uint32_t lens[] = { 36, 60, 276, 44 + 3 * 8 + 12, 60, 36 + sizeof(aml) };
	struct vdm_mach_desc m;
	struct built b;
	uint32_t next = 0;

	sample(&m);
	build(&m, &b);
	assert_int_equal(b.l.base_gpa, BASE);
	assert_int_equal(b.l.rsdp_gpa, BASE);
	assert_int_equal(b.l.num_tables, 6);
	for (unsigned i = 0; i < 6; i++) {
		assert_string_equal(b.l.tables[i].sig, order[i]);
		assert_int_equal(b.l.tables[i].len, lens[i]);
		assert_int_equal(b.l.tables[i].offset, next);
		assert_int_equal(b.l.tables[i].gpa, BASE + next);
		assert_zero(b.buf, next > 0 ? b.l.tables[i - 1].offset + lens[i - 1] : 0, next);
		next = (b.l.tables[i].offset + lens[i] + 15) & ~15u;
	}
	assert_int_equal(b.l.size, b.l.tables[5].offset + lens[5]);
}

static void rsdp_is_revision_2_with_both_checksums_and_the_xsdt(void **state)
{
	struct vdm_mach_desc m;
	struct built b;
	const uint8_t *r;

	sample(&m);
	build(&m, &b);
	r = at(&b, b.l.rsdp_gpa);
	assert_memory_equal(r, "RSD PTR ", 8);
	assert_int_equal(sum(r, 20), 0);
	assert_memory_equal(r + 9, "VDM   ", 6);
	assert_int_equal(r[15], 2);
	assert_int_equal(rd(r, 16, 4), 0); /* no RSDT */
	assert_int_equal(rd(r, 20, 4), 36);
	assert_int_equal(rd(r, 24, 8), ref(&b, "XSDT")->gpa);
	assert_int_equal(sum(r, 36), 0);
	assert_zero(r, 33, 36);
}

static void xsdt_points_at_facp_apic_mcfg(void **state)
{
	struct vdm_mach_desc m;
	struct built b;
	const uint8_t *x;
	static const char *sigs[] = { "FACP", "APIC", "MCFG" };

	sample(&m);
	build(&m, &b);
	x = at(&b, ref(&b, "XSDT")->gpa);
	check_header(x, "XSDT", 60, 1);
	for (int i = 0; i < 3; i++) {
		uint64_t gpa = rd(x, 36 + 8 * i, 8);

		assert_int_equal(gpa, ref(&b, sigs[i])->gpa);
		assert_memory_equal(at(&b, gpa), sigs[i], 4);
	}
}

static void fadt_is_hardware_reduced_with_reset_and_sleep_at_the_power_port(void **state)
{
	static const uint8_t gas_io8_600[12] = { 1, 8, 0, 1, 0x00, 0x06 };
	struct vdm_mach_desc m;
	struct built b;
	const uint8_t *f;

	sample(&m);
	build(&m, &b);
	f = at(&b, ref(&b, "FACP")->gpa);
	check_header(f, "FACP", 276, 6);
	assert_zero(f, 36, 109); /* no FACS, no 32-bit DSDT, no SCI/SMI/PM1/GPE blocks */
	/* IAPC_BOOT_ARCH: VGA not present (bit 2), CMOS RTC not present (bit 5), 8042 absent */
	assert_int_equal(rd(f, 109, 2), 0x0024);
	assert_int_equal(f[111], 0);
	/* HW_REDUCED_ACPI | RESET_REG_SUP | SLP_BUTTON | PWR_BUTTON; no PM timer: no TMR_VAL_EXT */
	assert_int_equal(rd(f, 112, 4), (1u << 20) | (1u << 10) | (1u << 5) | (1u << 4));
	assert_memory_equal(f + 116, gas_io8_600, 12); /* RESET_REG */
	assert_int_equal(f[128], 1);                   /* RESET_VALUE */
	assert_int_equal(rd(f, 129, 2), 0);            /* ARM_BOOT_ARCH */
	assert_int_equal(f[131], 3);                   /* minor version: 6.3 */
	assert_int_equal(rd(f, 132, 8), 0);            /* X_FIRMWARE_CTRL */
	assert_int_equal(rd(f, 140, 8), ref(&b, "DSDT")->gpa);
	assert_memory_equal(at(&b, rd(f, 140, 8)), "DSDT", 4);
	assert_zero(f, 148, 244); /* X_PM1a..X_GPE1 blocks */
	assert_memory_equal(f + 244, gas_io8_600, 12); /* SLEEP_CONTROL_REG */
	assert_memory_equal(f + 256, gas_io8_600, 12); /* SLEEP_STATUS_REG */
	assert_memory_equal(f + 268, "VDM     ", 8);
}

static void fadt_follows_the_machine_rtc_pm_timer_port_and_reset_value(void **state)
{
	static const uint8_t gas_io32_b00c[12] = { 1, 32, 0, 3, 0x0c, 0xb0 };
	struct vdm_mach_desc m;
	struct built b;
	const uint8_t *f;

	sample(&m);
	m.cmos_rtc = true;
	m.power_port = 0xb004;
	m.reset_value = 0x42;
	m.pm_timer_port = 0xb00c;
	build(&m, &b);
	f = at(&b, ref(&b, "FACP")->gpa);
	assert_int_equal(rd(f, 76, 4), 0);               /* 32-bit PM_TMR_BLK unused */
	assert_int_equal(f[91], 4);                      /* PM_TMR_LEN */
	assert_memory_equal(f + 208, gas_io32_b00c, 12); /* X_PM_TMR_BLK */
	assert_int_equal(rd(f, 112, 4), (1u << 20) | (1u << 10) | (1u << 8) | (1u << 5) | (1u << 4));
	assert_int_equal(rd(f, 109, 2), 0x0004); /* RTC present: bit 5 clear */
	assert_int_equal(rd(f, 116 + 4, 8), 0xb004);
	assert_int_equal(f[128], 0x42);
	assert_int_equal(rd(f, 244 + 4, 8), 0xb004);
	assert_int_equal(rd(f, 256 + 4, 8), 0xb004);
	assert_int_equal(sum(f, 276), 0);
}

static void madt_has_a_local_apic_per_cpu_and_one_ioapic(void **state)
{
	static const uint8_t want[] = {
		0x00, 0x00, 0xe0, 0xfe, 0, 0, 0, 0, /* LAPIC address, flags: no PCAT_COMPAT */
		0, 8, 0, 0, 1, 0, 0, 0,             /* CPU 0: UID 0, APIC ID 0, enabled */
		0, 8, 1, 1, 1, 0, 0, 0,             /* CPU 1 */
		0, 8, 2, 2, 1, 0, 0, 0,             /* CPU 2 */
		1, 12, 0, 0, 0x00, 0x00, 0xc0, 0xfe, 0, 0, 0, 0, /* IOAPIC 0 at 0xfec00000, GSI 0 */
	};
	struct vdm_mach_desc m;
	struct built b;
	const uint8_t *t;

	sample(&m);
	build(&m, &b);
	t = at(&b, ref(&b, "APIC")->gpa);
	check_header(t, "APIC", 36 + sizeof(want), 5);
	assert_memory_equal(t + 36, want, sizeof(want));
}

static void madt_uses_x2apic_entries_from_apic_id_255(void **state)
{
	struct vdm_mach_desc m;
	struct built b;
	const uint8_t *t;
	size_t off;

	sample(&m);
	m.num_cpus = 257;
	build(&m, &b);
	t = at(&b, ref(&b, "APIC")->gpa);
	check_header(t, "APIC", 44 + 255 * 8 + 2 * 16 + 12, 5);
	off = 44 + 254 * 8;
	assert_int_equal(t[off], 0);
	assert_int_equal(t[off + 3], 254); /* last xAPIC ID */
	for (uint32_t id = 255; id <= 256; id++) {
		off = 44 + 255 * 8 + (id - 255) * 16;
		assert_int_equal(t[off], 9);
		assert_int_equal(t[off + 1], 16);
		assert_int_equal(rd(t, off + 2, 2), 0);
		assert_int_equal(rd(t, off + 4, 4), id);  /* x2APIC ID */
		assert_int_equal(rd(t, off + 8, 4), 1);   /* enabled */
		assert_int_equal(rd(t, off + 12, 4), id); /* UID */
	}
	assert_int_equal(t[44 + 255 * 8 + 32], 1); /* the IOAPIC comes last */
}

static void mcfg_covers_the_bus_range_from_a_bus0_base(void **state)
{
	struct vdm_mach_desc m;
	struct built b;
	const uint8_t *t;

	sample(&m);
	build(&m, &b);
	t = at(&b, ref(&b, "MCFG")->gpa);
	check_header(t, "MCFG", 60, 1);
	assert_zero(t, 36, 44);
	assert_int_equal(rd(t, 44, 8), 0xe8000000);
	assert_int_equal(rd(t, 52, 2), 0);
	assert_int_equal(t[54], 0);
	assert_int_equal(t[55], 255);
	assert_zero(t, 56, 60);

	/* ECAM for buses 0x10..0x1f of segment 1: the MCFG base is where bus 0 would be. */
	m.segment = 1;
	m.bus_start = 0x10;
	m.bus_end = 0x1f;
	m.ecam = (struct vdm_range){ 0xe8000000, 16 << 20 };
	build(&m, &b);
	t = at(&b, ref(&b, "MCFG")->gpa);
	assert_int_equal(rd(t, 44, 8), 0xe8000000 - (0x10 << 20));
	assert_int_equal(rd(t, 52, 2), 1);
	assert_int_equal(t[54], 0x10);
	assert_int_equal(t[55], 0x1f);
	assert_int_equal(sum(t, 60), 0);
}

static void dsdt_is_revision_2_around_the_given_aml(void **state)
{
	struct vdm_mach_desc m;
	struct built b;
	const uint8_t *t;

	sample(&m);
	build(&m, &b);
	t = at(&b, ref(&b, "DSDT")->gpa);
	check_header(t, "DSDT", 36 + sizeof(aml), 2);
	assert_memory_equal(t + 36, aml, sizeof(aml));
}

static void build_puts_the_generated_dsdt_in_the_blob(void **state)
{
	struct vdm_mach_desc m;
	struct built b;
	uint8_t *dsdt;
	size_t len;
	char err[256];

	sample(&m);
	m.acpi_pci_hotplug = true;
	assert_int_equal(vdm_dsdt_build(&m, &dsdt, &len, err, sizeof(err)), 0);
	assert_int_equal(vdm_acpi_build(&m, BASE, b.buf, sizeof(b.buf), &b.l, err, sizeof(err)), 0);
	assert_int_equal(ref(&b, "DSDT")->len, 36 + len);
	assert_memory_equal(at(&b, ref(&b, "DSDT")->gpa) + 36, dsdt, len);
	check_header(at(&b, ref(&b, "DSDT")->gpa), "DSDT", (uint32_t)(36 + len), 2);
	free(dsdt);
}

static void a_small_buffer_gets_enospc_and_the_size_needed(void **state)
{
	struct vdm_mach_desc m;
	struct vdm_acpi_layout l;
	uint8_t buf[64];
	char err[256];

	sample(&m);
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(vdm_acpi_layout(&m, aml, sizeof(aml), BASE, NULL, 0, &l, err,
					 sizeof(err)),
			 -ENOSPC);
	/* RSDP 36 -> 48, XSDT 60 -> 112, FACP 276 -> 400, APIC 80 -> 480, MCFG 60 -> 544,
	 * DSDT 36 + 10 -> 590 */
	assert_int_equal(l.size, 590);
	assert_int_equal(vdm_acpi_layout(&m, aml, sizeof(aml), BASE, buf, sizeof(buf), &l, err,
					 sizeof(err)),
			 -ENOSPC);
	assert_non_null(strstr(err, "need 590 bytes, the buffer has 64"));
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xaa); /* untouched */
}

static void expect_einval(const struct vdm_mach_desc *m, uint64_t base, const char *needle)
{
	struct vdm_acpi_layout l;
	uint8_t buf[4096];
	char err[256] = "";

	assert_int_equal(vdm_acpi_layout(m, aml, sizeof(aml), base, buf, sizeof(buf), &l, err,
					 sizeof(err)),
			 -EINVAL);
	if (!strstr(err, needle))
		fail_msg("error \"%s\" does not say \"%s\"", err, needle);
}

static void machines_the_tables_cannot_describe_are_refused_with_a_reason(void **state)
{
	struct vdm_mach_desc m;

	sample(&m);
	m.num_cpus = 0;
	expect_einval(&m, BASE, "num_cpus=0");
	m.num_cpus = VDM_ACPI_MAX_CPUS + 1;
	expect_einval(&m, BASE, "num_cpus=1025");
	sample(&m);
	expect_einval(&m, BASE + 8, "16-byte aligned");
	m.bus_start = 9;
	m.bus_end = 8;
	expect_einval(&m, BASE, "buses 9..8");
	sample(&m);
	m.ecam.size = 255ull << 20;
	expect_einval(&m, BASE, "need 0x10000000");
	sample(&m);
	m.lapic_base = 0x1fee00000ull;
	expect_einval(&m, BASE, "32-bit addresses");
	sample(&m);
	expect_einval(&m, UINT64_MAX - 15, "wrap");
}

static void dump_writes_one_file_per_table(void **state)
{
	static const char *files[] = { "rsdp.dat", "xsdt.dat", "facp.dat",
				       "apic.dat", "mcfg.dat", "dsdt.aml" };
	char dir[] = "/tmp/vdm-acpi-dump-XXXXXX", path[512], err[600];
	struct vdm_mach_desc m;
	struct built b;

	sample(&m);
	build(&m, &b);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(vdm_acpi_dump(&b.l, b.buf, dir, err, sizeof(err)), 0);
	for (unsigned i = 0; i < 6; i++) {
		uint8_t got[1024];
		FILE *f;
		size_t n;

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		f = fopen(path, "rb");
		assert_non_null(f);
		n = fread(got, 1, sizeof(got), f);
		fclose(f);
		assert_int_equal(n, b.l.tables[i].len);
		assert_memory_equal(got, b.buf + b.l.tables[i].offset, n);
		unlink(path);
	}
	rmdir(dir);

	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(vdm_acpi_dump(&b.l, b.buf, path, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/missing/rsdp.dat"));
}

static void checksum_helper_makes_bytes_sum_to_zero(void **state)
{
	uint8_t t[5] = { 1, 2, 3, 0, 250 };

	t[3] = vdm_acpi_checksum(t, sizeof(t));
	assert_int_equal(t[3], 0);
	t[3] = 0;
	t[0] = 0x10;
	t[3] = vdm_acpi_checksum(t, sizeof(t));
	assert_int_equal(t[3], 0xf1);
	assert_int_equal(sum(t, sizeof(t)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(layout_is_rsdp_then_aligned_tables_in_one_blob),
		cmocka_unit_test(rsdp_is_revision_2_with_both_checksums_and_the_xsdt),
		cmocka_unit_test(xsdt_points_at_facp_apic_mcfg),
		cmocka_unit_test(fadt_is_hardware_reduced_with_reset_and_sleep_at_the_power_port),
		cmocka_unit_test(fadt_follows_the_machine_rtc_pm_timer_port_and_reset_value),
		cmocka_unit_test(madt_has_a_local_apic_per_cpu_and_one_ioapic),
		cmocka_unit_test(madt_uses_x2apic_entries_from_apic_id_255),
		cmocka_unit_test(mcfg_covers_the_bus_range_from_a_bus0_base),
		cmocka_unit_test(dsdt_is_revision_2_around_the_given_aml),
		cmocka_unit_test(build_puts_the_generated_dsdt_in_the_blob),
		cmocka_unit_test(a_small_buffer_gets_enospc_and_the_size_needed),
		cmocka_unit_test(machines_the_tables_cannot_describe_are_refused_with_a_reason),
		cmocka_unit_test(dump_writes_one_file_per_table),
		cmocka_unit_test(checksum_helper_makes_bytes_sum_to_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
