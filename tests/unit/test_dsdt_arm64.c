/* Unit tests for the arm64 DSDT (machine/dsdt_arm64.c): its own parts against what iasl compiles
 * from hand-written ASL, the INTx _PRT, the hotplug AML and _DSM 5 policy shared with x86. */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vdm/dsdt.h>
#include <vdm/layout.h>
#include <vdm/machine_desc.h>
#include <vdm/pci_host.h>

/* The root ports of test_dsdt.c's machines: S10 (slot 1, BSEL 1) and S18 (slot 2, BSEL 2)
 * take hotplug, S21 (slot 3) does not. */
static void add_ports(struct vdm_mach_desc *m)
{
	static const struct {
		uint8_t devfn;
		uint16_t slot;
		uint32_t bsel;
		bool hotplug;
	} ports[] = { { 0x10, 1, 1, true }, { 0x18, 2, 2, true }, { 0x21, 3, 0, false } };

	for (size_t i = 0; i < 3; i++) {
		struct vdm_mach_root_port *rp = &m->root_ports[m->num_root_ports++];

		snprintf(rp->id, sizeof(rp->id), "rp%zu", i + 1);
		rp->devfn = ports[i].devfn;
		rp->secondary_bus = rp->subordinate_bus = (uint8_t)(i + 1);
		rp->slot = ports[i].slot;
		rp->bsel = ports[i].bsel;
		rp->hotplug = ports[i].hotplug;
	}
}

/* One machine of either architecture (2 GiB, 40 address bits, 17 CPUs), ACPI hotplug on. */
static void machine(struct vdm_mach_desc *m, uint32_t arch)
{
	memset(m, 0, sizeof(*m));
	if (arch == VDM_ARCH_ARM64)
		assert_int_equal(vdm_arm64_layout(m, UINT64_C(2) << 30, 40, NULL, 0), 0);
	else
		assert_int_equal(vdm_x86_layout(m, UINT64_C(2) << 30, 40, NULL, 0), 0);
	m->num_cpus = 17;
	m->acpi_pci_hotplug = true;
	add_ports(m);
}

static uint8_t *build(const struct vdm_mach_desc *m, size_t *len)
{
	uint8_t *aml;
	char err[256] = "";
	int rc = vdm_dsdt_build(m, &aml, len, err, sizeof(err));

	if (rc)
		fail_msg("vdm_dsdt_build: %d %s", rc, err);
	return aml;
}

static bool contains(const uint8_t *hay, size_t len, const void *needle, size_t nlen)
{
	return memmem(hay, len, needle, nlen) != NULL;
}

/* PkgLength at p (ACPI 6.5 §20.2.4): its value (which counts its own bytes). */
static size_t pkglen(const uint8_t *p)
{
	unsigned follow = p[0] >> 6;
	size_t v = follow ? p[0] & 0x0f : p[0] & 0x3f;

	for (unsigned i = 0; i < follow; i++)
		v |= (size_t)p[1 + i] << (4 + 8 * i);
	return v;
}

/* The whole encoding of the (only) object `op` (1 or 2 bytes) named `name` (4 chars). */
static const uint8_t *object(const uint8_t *aml, size_t len, const uint8_t *op, size_t oplen,
			     const char *name, size_t *olen)
{
	for (const uint8_t *p = aml; p + oplen + 6 <= aml + len; p++) {
		size_t pl;
		unsigned nlen;

		if (memcmp(p, op, oplen))
			continue;
		pl = pkglen(p + oplen);
		nlen = (p[oplen] >> 6) + 1;
		if (memcmp(p + oplen + nlen, name, 4))
			continue;
		*olen = oplen + pl;
		return p;
	}
	fail_msg("no %s in the DSDT", name);
	return NULL;
}

static const uint8_t *method(const uint8_t *aml, size_t len, const char *name, size_t *olen)
{
	static const uint8_t op = 0x14;

	return object(aml, len, &op, 1, name, olen);
}

static const uint8_t *device(const uint8_t *aml, size_t len, const char *name, size_t *olen)
{
	static const uint8_t op[2] = { 0x5b, 0x82 };

	return object(aml, len, op, 2, name, olen);
}

/*
 * Inside Device (PCI0), after _UID:
 *     Name (_CCA, One)
 *     Name (_CRS, ResourceTemplate ()
 *     {
 *         WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, 0, 0, 0xFF, 0, 0x100)
 *         DWordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0, 0,
 *             0xFFFF, 0x3EFF0000, 0x10000, , , , TypeTranslation, DenseTranslation)
 *         DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable,
 *             ReadWrite, 0, 0x10000000, 0x3EFEFFFF, 0, 0x2EFF0000)
 *         QWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Prefetchable,
 *             ReadWrite, 0, 0x8000000000, 0xFFFFFFFFFF, 0, 0x8000000000)
 *     })
 * (iasl -on; the layout.h map for 2 GiB and 40 bits.)
 */
static const uint8_t golden_cca_crs[] = {
	0x08, 0x5f, 0x43, 0x43, 0x41, 0x01, 0x08, 0x5f, 0x43, 0x52, 0x53, 0x11,
	0x48, 0x07, 0x0a, 0x74, 0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x01, 0x87, 0x17, 0x00, 0x01,
	0x0c, 0x13, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
	0x00, 0x00, 0x00, 0x00, 0xff, 0x3e, 0x00, 0x00, 0x01, 0x00, 0x87, 0x17,
	0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
	0xff, 0xff, 0xfe, 0x3e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x2e,
	0x8a, 0x2b, 0x00, 0x00, 0x0c, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0xff, 0xff,
	0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x79, 0x00,
};

/*
 * Device (COM0)
 * {
 *     Name (_HID, "ARMH0011")
 *     Name (_UID, Zero)
 *     Name (_CRS, ResourceTemplate ()
 *     {
 *         Memory32Fixed (ReadWrite, 0x09000000, 0x1000)
 *         Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 33 }
 *     })
 * }
 */
static const uint8_t golden_com0[] = {
	0x5b, 0x82, 0x3a, 0x43, 0x4f, 0x4d, 0x30, 0x08, 0x5f, 0x48, 0x49, 0x44,
	0x0d, 0x41, 0x52, 0x4d, 0x48, 0x30, 0x30, 0x31, 0x31, 0x00, 0x08, 0x5f,
	0x55, 0x49, 0x44, 0x00, 0x08, 0x5f, 0x43, 0x52, 0x53, 0x11, 0x1a, 0x0a,
	0x17, 0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0x09, 0x00, 0x10, 0x00,
	0x00, 0x89, 0x06, 0x00, 0x01, 0x01, 0x21, 0x00, 0x00, 0x00, 0x79, 0x00,
};

/* Device (C010) { Name (_HID, "ACPI0007")  Name (_UID, 16) } */
static const uint8_t golden_c010[] = {
	0x5b, 0x82, 0x1b, 0x43, 0x30, 0x31, 0x30, 0x08, 0x5f, 0x48, 0x49, 0x44,
	0x0d, 0x41, 0x43, 0x50, 0x49, 0x30, 0x30, 0x30, 0x37, 0x00, 0x08, 0x5f,
	0x55, 0x49, 0x44, 0x0a, 0x10,
};

static void arm64_parts_match_iasl_byte_for_byte(void **state)
{
	/* Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) { 40 }: the GED's SPI 8 */
	static const uint8_t ged_irq[] = { 0x89, 0x06, 0x00, 0x03, 0x01, 0x28, 0x00, 0x00, 0x00 };
	/* Name (_UID, Zero) right before them: _CCA follows the host bridge's _UID */
	static const uint8_t uid0[] = { 0x08, 0x5f, 0x55, 0x49, 0x44, 0x00 };
	struct vdm_mach_desc m;
	size_t len, dlen;
	uint8_t *aml;
	const uint8_t *p;

	(void)state;
	machine(&m, VDM_ARCH_ARM64);
	aml = build(&m, &len);
	p = memmem(aml, len, golden_cca_crs, sizeof(golden_cca_crs));
	if (!p)
		fail_msg("the host bridge's _CCA and _CRS are not what iasl makes");
	assert_memory_equal(p - sizeof(uid0), uid0, sizeof(uid0));
	p = device(aml, len, "COM0", &dlen);
	assert_int_equal(dlen, sizeof(golden_com0));
	assert_memory_equal(p, golden_com0, dlen);
	p = device(aml, len, "C010", &dlen);
	assert_int_equal(dlen, sizeof(golden_c010));
	assert_memory_equal(p, golden_c010, dlen);
	assert_true(contains(aml, len, ged_irq, sizeof(ged_irq)));
	free(aml);
}

static void one_processor_device_per_cpu_and_nothing_of_the_pc(void **state)
{
	/* IO (Decode16, 0x0CF8, 0x0CF8, 1, 8), the x86 config ports */
	static const uint8_t cf8[] = { 0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08 };
	static const char *absent[] = { "COM1", "_S5_", "MBRD" };
	struct vdm_mach_desc m;
	size_t len, dlen;
	uint8_t *aml;
	char name[5];

	(void)state;
	machine(&m, VDM_ARCH_ARM64);
	aml = build(&m, &len);
	for (uint32_t i = 0; i < m.num_cpus; i++) {
		snprintf(name, sizeof(name), "C%03X", i & 0xfff);
		device(aml, len, name, &dlen);
	}
	assert_false(contains(aml, len, "C011", 4));
	assert_false(contains(aml, len, cf8, sizeof(cf8)));
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		if (contains(aml, len, absent[i], 4))
			fail_msg("%s in the arm64 DSDT", absent[i]);
	free(aml);
}

static void the_ecam_is_reserved_by_a_motherboard_device(void **state)
{
	/* Name (_HID, EisaId ("PNP0C02")) */
	static const uint8_t pnp0c02[] = { 0x08, 0x5f, 0x48, 0x49, 0x44, 0x0c, 0x41, 0xd0, 0x0c, 0x02 };
	struct vdm_mach_desc m;
	size_t len, dlen;
	uint8_t *aml, ecam[16];
	const uint8_t *p;

	(void)state;
	machine(&m, VDM_ARCH_ARM64);
	aml = build(&m, &len);
	p = device(aml, len, "RES0", &dlen);
	assert_true(contains(p, dlen, pnp0c02, sizeof(pnp0c02)));
	/* QWordMemory's minimum and maximum: the ECAM's first and last byte */
	for (int i = 0; i < 8; i++) {
		ecam[i] = (uint8_t)(m.ecam.base >> (8 * i));
		ecam[8 + i] = (uint8_t)((m.ecam.base + m.ecam.size - 1) >> (8 * i));
	}
	assert_true(contains(p, dlen, ecam, sizeof(ecam)));
	free(aml);
}

/* One AML integer at *p (ZeroOp, OneOp, Byte/Word/DWord/QWordPrefix); advances *p. */
static uint64_t aml_int(const uint8_t **p)
{
	static const unsigned sizes[] = { [0x0a] = 1, [0x0b] = 2, [0x0c] = 4, [0x0d] = 0,
					  [0x0e] = 8 };
	uint8_t op = *(*p)++;
	uint64_t v = 0;

	if (op == 0x00 || op == 0x01)
		return op;
	assert_true(op >= 0x0a && op <= 0x0e && op != 0x0d);
	for (unsigned i = 0; i < sizes[op]; i++)
		v |= (uint64_t)*(*p)++ << (8 * i);
	return v;
}

static void prt_routes_every_root_slot_and_pin_as_the_host_bridge_does(void **state)
{
	static const uint8_t name_prt[] = { 0x08, '_', 'P', 'R', 'T', 0x12 };
	struct vdm_mach_desc m;
	size_t len;
	uint8_t *aml;
	const uint8_t *p;

	(void)state;
	machine(&m, VDM_ARCH_ARM64);
	assert_int_equal(m.intx_gsi_base, 35);
	assert_int_equal(m.intx_gsis, 4);
	aml = build(&m, &len);
	p = memmem(aml, len, name_prt, sizeof(name_prt));
	assert_non_null(p);
	p += sizeof(name_prt);
	p += (p[0] >> 6) + 1; /* PkgLength */
	assert_int_equal(*p++, 128); /* NumElements: 32 slots x 4 pins */
	for (uint32_t slot = 0; slot < 32; slot++)
		for (uint32_t pin = 0; pin < 4; pin++) {
			uint32_t want = vdm_pci_intx_route(m.intx_gsi_base, m.intx_gsis,
							   (uint8_t)slot, (uint8_t)(pin + 1));

			assert_int_equal(*p++, 0x12); /* Package */
			p += (p[0] >> 6) + 1;
			assert_int_equal(*p++, 4);
			assert_true(aml_int(&p) == ((uint64_t)slot << 16 | 0xffff));
			assert_true(aml_int(&p) == pin);
			assert_true(aml_int(&p) == 0); /* no link device: the GSI form */
			assert_true(aml_int(&p) == want);
			assert_true(want >= 35 && want <= 38); /* SPIs 3..6 */
		}
	free(aml);

	m.intx_gsis = 0; /* no INTx routes: no _PRT */
	aml = build(&m, &len);
	assert_false(contains(aml, len, "_PRT", 4));
	free(aml);
}

/* The AML both machines share is the same bytes: _OSC, _DSM, the hotplug registers and PCEJ,
 * every root port with its slot, the root PCNT, the GED's _EVT, PHPR and PWRB. */
static void hotplug_and_host_bridge_methods_are_the_x86_bytes(void **state)
{
	static const struct {
		const char *name;
		bool is_device;
	} shared[] = { { "_OSC", false }, { "_DSM", false }, { "PCEJ", false }, { "PCNT", false },
		       { "_EVT", false },  { "S10_", true },  { "S18_", true },  { "S21_", true },
		       { "PHPR", true },   { "PWRB", true } };
	struct vdm_mach_desc a, x;
	size_t alen, xlen;
	uint8_t *aa, *xa;

	(void)state;
	machine(&a, VDM_ARCH_ARM64);
	machine(&x, VDM_ARCH_X86_64);
	x.pcihp_base = a.pcihp_base; /* the register block's address is in the AML */
	for (int policy = VDM_PRESERVE_AUTO; policy <= VDM_PRESERVE_OFF; policy++) {
		a.preserve_policy = x.preserve_policy = (uint32_t)policy;
		aa = build(&a, &alen);
		xa = build(&x, &xlen);
		for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
			size_t al, xl;
			const uint8_t *ap = shared[i].is_device ? device(aa, alen, shared[i].name, &al)
								: method(aa, alen, shared[i].name, &al);
			const uint8_t *xp = shared[i].is_device ? device(xa, xlen, shared[i].name, &xl)
								: method(xa, xlen, shared[i].name, &xl);

			if (al != xl || memcmp(ap, xp, al))
				fail_msg("%s differs from x86's (policy %d)", shared[i].name, policy);
		}
		free(aa);
		free(xa);
	}
}

/* The value _DSM returns for function 5: after "If (LEqual (Arg2, 0x05)) { Return (" */
static int dsm5(const struct vdm_mach_desc *m)
{
	static const uint8_t pat[] = { 0x93, 0x6a, 0x0a, 0x05, 0xa4 };
	size_t len;
	uint8_t *aml = build(m, &len);
	const uint8_t *p = memmem(aml, len, pat, sizeof(pat));
	int v;

	assert_non_null(p);
	assert_null(memmem(p + 1, len - (size_t)(p + 1 - aml), pat, sizeof(pat))); /* just one */
	v = p[sizeof(pat)];
	free(aml);
	return v;
}

static void dsm_function_5_follows_the_preserve_policy_as_on_x86(void **state)
{
	static const struct {
		bool hotplug;
		enum vdm_preserve_policy policy;
		int want; /* ZeroOp (preserve) / OneOp */
	} cases[] = {
		{ true, VDM_PRESERVE_AUTO, 0x00 }, { false, VDM_PRESERVE_AUTO, 0x01 },
		{ true, VDM_PRESERVE_ON, 0x00 },   { false, VDM_PRESERVE_ON, 0x00 },
		{ true, VDM_PRESERVE_OFF, 0x01 },  { false, VDM_PRESERVE_OFF, 0x01 },
	};
	struct vdm_mach_desc a, x;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		machine(&a, VDM_ARCH_ARM64);
		machine(&x, VDM_ARCH_X86_64);
		a.acpi_pci_hotplug = x.acpi_pci_hotplug = cases[i].hotplug;
		a.preserve_policy = x.preserve_policy = cases[i].policy;
		assert_int_equal(dsm5(&a), cases[i].want);
		assert_int_equal(dsm5(&a), vdm_mach_dsm5_value(&a));
		assert_int_equal(dsm5(&a), dsm5(&x));
	}
}

static void io_window_above_4g_uses_qwordio(void **state)
{
	/* QWordIO (..., EntireRange, 0, 0, 0xFFFF, 0x100000000, 0x10000, , , ,
	 * TypeTranslation, DenseTranslation): tag, length 43, I/O, producer fixed, flags 0x13 */
	static const uint8_t head[] = { 0x8a, 0x2b, 0x00, 0x01, 0x0c, 0x13 };
	struct vdm_mach_desc m;
	size_t len;
	uint8_t *aml;
	const uint8_t *p;

	(void)state;
	machine(&m, VDM_ARCH_ARM64);
	m.pci_io_cpu_base = UINT64_C(0x100000000);
	aml = build(&m, &len);
	p = memmem(aml, len, head, sizeof(head));
	assert_non_null(p);
	p += sizeof(head) + 8; /* granularity */
	assert_int_equal(p[0] | p[1] << 8, 0);                       /* minimum */
	assert_int_equal(p[8] | p[9] << 8, 0xffff);                  /* maximum */
	assert_int_equal(p[16] | p[17] << 8 | p[18] << 16 | p[19] << 24, 0); /* translation low */
	assert_int_equal(p[20], 1);                                   /* ... bit 32 */
	free(aml);
}

static void expect_einval(const struct vdm_mach_desc *m, const char *needle)
{
	uint8_t *aml = (uint8_t *)1;
	size_t len = 1;
	char err[256] = "";

	assert_int_equal(vdm_dsdt_build(m, &aml, &len, err, sizeof(err)), -EINVAL);
	assert_null(aml);
	assert_int_equal(len, 0);
	if (!strstr(err, needle))
		fail_msg("error \"%s\" does not say \"%s\"", err, needle);
}

static void machines_the_arm64_dsdt_cannot_describe_are_refused_with_a_reason(void **state)
{
	struct vdm_mach_desc m;

	(void)state;
	machine(&m, VDM_ARCH_ARM64);
	m.serial_gsi = 4;
	expect_einval(&m, "serial_gsi=4: the UART's interrupt is an SPI");
	machine(&m, VDM_ARCH_ARM64);
	m.ged_gsi = 1020;
	expect_einval(&m, "ged_gsi=1020: the GED's interrupt is an SPI");
	machine(&m, VDM_ARCH_ARM64);
	m.intx_gsi_base = 20;
	expect_einval(&m, "INTx interrupts 20..23: must be 1 to 32 SPIs");
	machine(&m, VDM_ARCH_ARM64);
	m.uart_mmio.size = 0;
	expect_einval(&m, "uart_mmio size 0");
	machine(&m, VDM_ARCH_ARM64);
	m.num_cpus = 4097;
	expect_einval(&m, "num_cpus=4097: the DSDT names at most 4096 CPUs");
	machine(&m, VDM_ARCH_ARM64);
	m.arch = 9;
	expect_einval(&m, "arch 9: no DSDT for it");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(arm64_parts_match_iasl_byte_for_byte),
		cmocka_unit_test(one_processor_device_per_cpu_and_nothing_of_the_pc),
		cmocka_unit_test(the_ecam_is_reserved_by_a_motherboard_device),
		cmocka_unit_test(prt_routes_every_root_slot_and_pin_as_the_host_bridge_does),
		cmocka_unit_test(hotplug_and_host_bridge_methods_are_the_x86_bytes),
		cmocka_unit_test(dsm_function_5_follows_the_preserve_policy_as_on_x86),
		cmocka_unit_test(io_window_above_4g_uses_qwordio),
		cmocka_unit_test(machines_the_arm64_dsdt_cannot_describe_are_refused_with_a_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
