/* Unit tests for the arm64 ACPI tables (machine/acpi_arm64.c): layout and XSDT, the FADT's boot
 * flags, a GICC per CPU with KVM's MPIDRs, GICD/GICR, GTDT, SPCR, MCFG, checksums, errors, dump. */
#define _GNU_SOURCE /* memmem */
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
#include <vdm/layout.h>
#include <vdm/machine_desc.h>

static const uint8_t aml[] = { 0x08, 0x5f, 0x58, 0x59, 0x5a, 0x0a, 0x05 }; /* Name (_XYZ, 5) */

/* The arm64 map for 2 GiB and 40 IPA bits, 17 CPUs (two MPIDR clusters). */
static void sample(struct vdm_mach_desc *m)
{
	memset(m, 0, sizeof(*m));
	assert_int_equal(vdm_arm64_layout(m, UINT64_C(2) << 30, 40, NULL, 0), 0);
	m->num_cpus = 17;
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
	uint8_t buf[16384];
};

static void build(const struct vdm_mach_desc *m, struct built *b)
{
	char err[256] = "";
	int rc = vdm_acpi_layout(m, aml, sizeof(aml), m->acpi.base, b->buf, sizeof(b->buf), &b->l,
				 err, sizeof(err));

	if (rc)
		fail_msg("vdm_acpi_layout: %d %s", rc, err);
}

static const uint8_t *table(const struct built *b, const char *sig, uint32_t *len)
{
	for (unsigned i = 0; i < b->l.num_tables; i++)
		if (!strcmp(b->l.tables[i].sig, sig)) {
			if (len)
				*len = b->l.tables[i].len;
			return b->buf + b->l.tables[i].offset;
		}
	fail_msg("no %s table", sig);
	return NULL;
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
	assert_memory_equal(t + 28, "VDM ", 4);
}

static void assert_zero(const uint8_t *p, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (p[i])
			fail_msg("byte %zu is 0x%02x, want 0", i, p[i]);
}

static void tables_sit_at_the_firmware_area_in_xsdt_order(void **state)
{
	static const char *order[] = { "RSDP", "XSDT", "FACP", "APIC", "GTDT", "MCFG", "SPCR",
				       "DSDT" };
	const uint32_t madt = 44 + 17 * 80 + 24 + 16;
	const uint32_t lens[] = { 36, 36 + 5 * 8, 276, madt, 96, 60, 80, 36 + sizeof(aml) };
	struct vdm_mach_desc m;
	struct built b;
	const uint8_t *x, *r;
	uint32_t next = 0;

	(void)state;
	sample(&m);
	/* the firmware area is the top 2 MiB of RAM, reserved; the tables take its first half */
	assert_true(m.acpi.base >= m.ram[0].base &&
		    vdm_range_end(m.acpi) <= vdm_range_end(m.ram[0]));
	assert_true(m.acpi.base >= m.reserved[0].base &&
		    vdm_range_end(m.acpi) <= vdm_range_end(m.reserved[0]));
	build(&m, &b);
	assert_int_equal(b.l.num_tables, 8);
	assert_true(b.l.rsdp_gpa == m.acpi.base);
	for (unsigned i = 0; i < 8; i++) {
		assert_string_equal(b.l.tables[i].sig, order[i]);
		assert_int_equal(b.l.tables[i].len, lens[i]);
		assert_int_equal(b.l.tables[i].offset, next);
		assert_true(b.l.tables[i].gpa == m.acpi.base + next);
		next = (b.l.tables[i].offset + lens[i] + 15) & ~15u;
	}
	r = b.buf;
	assert_memory_equal(r, "RSD PTR ", 8);
	assert_int_equal(sum(r, 20), 0);
	assert_int_equal(sum(r, 36), 0);
	assert_int_equal(r[15], 2);
	assert_true(rd(r, 24, 8) == b.l.tables[1].gpa);
	x = b.buf + b.l.tables[1].offset;
	check_header(x, "XSDT", lens[1], 1);
	for (unsigned i = 0; i < 5; i++) /* FACP, APIC, GTDT, MCFG, SPCR */
		assert_true(rd(x, 36 + 8 * i, 8) == b.l.tables[2 + i].gpa);
}

static void fadt_is_hardware_reduced_boots_cpus_through_psci_hvc_and_says_no_msi(void **state)
{
	struct vdm_mach_desc m;
	struct built b;
	const uint8_t *f;

	(void)state;
	sample(&m);
	build(&m, &b);
	f = table(&b, "FACP", NULL);
	check_header(f, "FACP", 276, 6);
	assert_int_equal(f[131], 3); /* 6.3: Linux/arm64 wants 5.1 or later */
	/* HW_REDUCED_ACPI, PWR_BUTTON, SLP_BUTTON; no RESET_REG_SUP, no TMR_VAL_EXT */
	assert_int_equal(rd(f, 112, 4), (1u << 20) | (1u << 4) | (1u << 5));
	assert_int_equal(rd(f, 129, 2), 3); /* ARM_BOOT_ARCH: PSCI_COMPLIANT | PSCI_USE_HVC */
	assert_int_equal(rd(f, 109, 2), 8); /* "MSI not supported": no ITS, no MSI domain */
	assert_true(rd(f, 140, 8) == b.l.tables[7].gpa); /* X_DSDT */
	assert_int_equal(rd(f, 40, 4), 0);                /* 32-bit DSDT field unused */
	/* no x86 power port: reset register, sleep registers, PM timer all absent */
	assert_zero(f, 116, 129);
	assert_zero(f, 208, 220);
	assert_zero(f, 244, 268);
	assert_zero(f, 36, 109);
	assert_memory_equal(f + 268, "VDM     ", 8);
}

/* MPIDR of vCPU n as KVM's reset_mpidr sets it: Aff0 = n & 15, Aff1 = (n >> 4) & 255,
 * Aff2 = (n >> 12) & 255 (written out here, not taken from the header). */
static uint64_t kvm_mpidr(uint32_t n)
{
	return (n & 0x0f) | ((uint64_t)((n >> 4) & 0xff) << 8) | ((uint64_t)((n >> 12) & 0xff) << 16);
}

static void madt_has_a_gicc_per_cpu_then_gicd_v3_and_the_gicr_range(void **state)
{
	struct vdm_mach_desc m;
	struct built b;
	const uint8_t *t, *e;
	uint32_t len = 0, n = 0;

	(void)state;
	sample(&m);
	build(&m, &b);
	t = table(&b, "APIC", &len);
	check_header(t, "APIC", len, 5);
	assert_int_equal(rd(t, 36, 4), 0); /* no local interrupt controller address */
	assert_int_equal(rd(t, 40, 4), 0); /* no PC-AT 8259s */
	for (e = t + 44; e < t + len && e[0] == 0x0b; e += e[1], n++) {
		assert_int_equal(e[1], 80);
		assert_int_equal(rd(e, 4, 4), 0);     /* CPU interface number: GICv3 */
		assert_int_equal(rd(e, 8, 4), n);     /* ACPI processor UID */
		assert_int_equal(rd(e, 12, 4), 1);    /* enabled */
		assert_true(rd(e, 32, 8) == 0);       /* CPU interface base: system registers */
		assert_true(rd(e, 60, 8) == 0);       /* GICR base: the GICR structure has it */
		assert_true(rd(e, 68, 8) == kvm_mpidr(n));
		assert_zero(e, 16, 32);
		assert_zero(e, 40, 60);
		assert_zero(e, 76, 80);
	}
	assert_int_equal(n, m.num_cpus); /* GICC count = CPUs */
	assert_true(kvm_mpidr(16) == 0x100 && rd(t + 44 + 16 * 80, 68, 8) == 0x100);
	assert_int_equal(e[0], 0x0c); /* GICD */
	assert_int_equal(e[1], 24);
	assert_true(rd(e, 8, 8) == m.gicd.base);
	assert_int_equal(e[20], 3);
	assert_int_equal(rd(e, 16, 4), 0); /* system vector base */
	e += 24;
	assert_int_equal(e[0], 0x0e); /* GICR discovery range */
	assert_int_equal(e[1], 16);
	assert_true(rd(e, 4, 8) == m.gicr.base);
	assert_true(rd(e, 12, 4) == m.gicr.size);
	assert_true(e + 16 == t + len);
}

static void gtdt_gives_the_timer_ppis_level_high_always_on(void **state)
{
	struct vdm_mach_desc m;
	struct built b;
	const uint8_t *t;

	(void)state;
	sample(&m);
	build(&m, &b);
	t = table(&b, "GTDT", NULL);
	check_header(t, "GTDT", 96, 2);
	assert_true(rd(t, 36, 8) == UINT64_MAX); /* CntControlBase: not provided */
	assert_int_equal(rd(t, 44, 4), 0);
	assert_int_equal(rd(t, 48, 4), m.timer_ppi[0]); /* secure EL1: 29 */
	assert_int_equal(rd(t, 52, 4), 0);              /* level, active high */
	assert_int_equal(rd(t, 56, 4), m.timer_ppi[1]); /* non-secure EL1: 30 */
	assert_int_equal(rd(t, 60, 4), 4);              /* level, active high, always on */
	assert_int_equal(rd(t, 64, 4), m.timer_ppi[2]); /* virtual: 27, what a KVM guest uses */
	assert_int_equal(rd(t, 68, 4), 4);
	assert_int_equal(rd(t, 72, 4), m.timer_ppi[3]); /* EL2: 26 */
	assert_int_equal(rd(t, 76, 4), 4);
	assert_int_equal(m.timer_ppi[2], 27);
	assert_true(rd(t, 80, 8) == UINT64_MAX); /* CntReadBase: not provided */
	assert_int_equal(rd(t, 88, 4), 0);       /* no platform timers */
	assert_int_equal(rd(t, 92, 4), 0);
}

static void spcr_names_the_pl011_as_an_sbsa_uart_with_its_gic_interrupt(void **state)
{
	struct vdm_mach_desc m;
	struct built b;
	const uint8_t *t;

	(void)state;
	sample(&m);
	build(&m, &b);
	t = table(&b, "SPCR", NULL);
	check_header(t, "SPCR", 80, 2);
	assert_int_equal(t[36], 0x0e); /* ARM SBSA generic UART */
	assert_int_equal(t[40], 0);    /* SystemMemory */
	assert_int_equal(t[41], 32);   /* register width */
	assert_int_equal(t[42], 0);
	assert_int_equal(t[43], 3);    /* dword accesses: Linux's "mmio32" */
	assert_true(rd(t, 44, 8) == m.uart_mmio.base);
	assert_int_equal(t[52], 0x08); /* ARMH GIC interrupt */
	assert_int_equal(t[53], 0);
	assert_int_equal(rd(t, 54, 4), m.serial_gsi);
	assert_int_equal(m.serial_gsi, 33);
	assert_int_equal(t[58], 7); /* 115200 */
	assert_int_equal(t[59], 0); /* no parity */
	assert_int_equal(t[60], 1); /* 1 stop bit */
	assert_int_equal(t[61], 0); /* no flow control */
	assert_int_equal(rd(t, 64, 2), 0xffff); /* not a PCI device */
	assert_int_equal(rd(t, 66, 2), 0xffff);
	assert_zero(t, 68, 80);
}

static void mcfg_covers_the_high_ecam(void **state)
{
	struct vdm_mach_desc m;
	struct built b;
	const uint8_t *t;

	(void)state;
	sample(&m);
	build(&m, &b);
	t = table(&b, "MCFG", NULL);
	check_header(t, "MCFG", 60, 1);
	assert_true(rd(t, 44, 8) == UINT64_C(0x4010000000));
	assert_int_equal(rd(t, 52, 2), 0);
	assert_int_equal(t[54], 0);
	assert_int_equal(t[55], 255);
}

static void the_machine_builder_puts_an_arm64_dsdt_in(void **state)
{
	static const uint8_t armh0011[] = "ARMH0011";
	struct vdm_mach_desc m;
	struct vdm_acpi_layout l;
	uint8_t *buf;
	char err[256];
	const uint8_t *d;

	(void)state;
	sample(&m);
	assert_int_equal(vdm_acpi_build(&m, m.acpi.base, NULL, 0, &l, err, sizeof(err)), -ENOSPC);
	buf = malloc(l.size);
	assert_non_null(buf);
	assert_int_equal(vdm_acpi_build(&m, m.acpi.base, buf, l.size, &l, err, sizeof(err)), 0);
	assert_true(l.size <= m.acpi.size);
	d = buf + l.tables[7].offset;
	check_header(d, "DSDT", l.tables[7].len, 2);
	assert_non_null(memmem(d, l.tables[7].len, armh0011, 8));
	assert_null(memmem(d, l.tables[7].len, "_S5_", 4));
	free(buf);
}

static void expect_einval(const struct vdm_mach_desc *m, const char *needle)
{
	struct vdm_acpi_layout l;
	static uint8_t buf[16384];
	char err[256] = "";

	assert_int_equal(vdm_acpi_layout(m, aml, sizeof(aml), m->acpi.base, buf, sizeof(buf), &l,
					 err, sizeof(err)),
			 -EINVAL);
	if (!strstr(err, needle))
		fail_msg("error \"%s\" does not say \"%s\"", err, needle);
}

static void machines_the_arm64_tables_cannot_describe_are_refused_with_a_reason(void **state)
{
	struct vdm_mach_desc m;

	(void)state;
	sample(&m);
	m.num_cpus = VDM_ACPI_ARM64_MAX_CPUS + 1;
	expect_einval(&m, "num_cpus=513: the MADT describes 1 to 512 CPUs");
	sample(&m);
	m.num_cpus = VDM_ARM64_MAX_CPUS + 1; /* the map's redistributors hold 123 */
	expect_einval(&m, "GICR range 0xf60000: 124 CPUs need 0xf80000");
	sample(&m);
	m.gicd.size = 0;
	expect_einval(&m, "the MADT needs both");
	sample(&m);
	m.timer_ppi[2] = 40;
	expect_einval(&m, "timer_ppi[2]=40: a timer interrupt is a PPI");
	sample(&m);
	m.serial_gsi = 4;
	expect_einval(&m, "serial_gsi=4: the UART's interrupt is an SPI");
	sample(&m);
	m.uart_mmio.size = 0;
	expect_einval(&m, "the SPCR needs the PL011");
	sample(&m);
	m.arch = 7;
	expect_einval(&m, "arch 7: no ACPI tables for it");
}

static void dump_writes_gtdt_and_spcr_too(void **state)
{
	static const char *files[] = { "rsdp.dat", "xsdt.dat", "facp.dat", "apic.dat",
				       "gtdt.dat", "mcfg.dat", "spcr.dat", "dsdt.aml" };
	char dir[] = "/tmp/vdm-acpi-arm64-XXXXXX", path[512], err[600];
	struct vdm_mach_desc m;
	static struct built b;

	(void)state;
	sample(&m);
	build(&m, &b);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(vdm_acpi_dump(&b.l, b.buf, dir, err, sizeof(err)), 0);
	for (unsigned i = 0; i < 8; i++) {
		uint8_t got[2048];
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
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tables_sit_at_the_firmware_area_in_xsdt_order),
		cmocka_unit_test(fadt_is_hardware_reduced_boots_cpus_through_psci_hvc_and_says_no_msi),
		cmocka_unit_test(madt_has_a_gicc_per_cpu_then_gicd_v3_and_the_gicr_range),
		cmocka_unit_test(gtdt_gives_the_timer_ppis_level_high_always_on),
		cmocka_unit_test(spcr_names_the_pl011_as_an_sbsa_uart_with_its_gic_interrupt),
		cmocka_unit_test(mcfg_covers_the_high_ecam),
		cmocka_unit_test(the_machine_builder_puts_an_arm64_dsdt_in),
		cmocka_unit_test(machines_the_arm64_tables_cannot_describe_are_refused_with_a_reason),
		cmocka_unit_test(dump_writes_gtdt_and_spcr_too),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
