/* Unit tests for the AML encoder (vmm-example/firmware/aml.c): every construct's bytes equal
 * what iasl compiles from the ASL quoted above it, and bad input is reported, not crashed on. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vdm/aml.h>

/*
 * The golden bytes below came from iasl 20200925 (Debian acpica-tools), run by hand as
 *     iasl -on x.asl     (-on: keep name paths as written, no NamePath shortening)
 * on   DefinitionBlock ("", "DSDT", 2, "VDM", "TEST", 1) { <the ASL in the comment> }
 * taking the AML after the 36-byte table header.
 */

static void expect_bytes(struct vdm_aml_ctx *c, struct vdm_aml *node, const uint8_t *want,
			 size_t want_len)
{
	uint8_t *got;
	size_t len;
	const char *msg;
	int rc = vdm_aml_serialize(node, &got, &len);

	if (rc) {
		vdm_aml_ctx_error(c, &msg);
		fail_msg("vdm_aml_serialize: %d (%s)", rc, msg);
	}
	for (size_t i = 0; i < len && i < want_len; i++)
		if (got[i] != want[i])
			fail_msg("byte %zu: got 0x%02x, iasl has 0x%02x", i, got[i], want[i]);
	if (len != want_len)
		fail_msg("length %zu, iasl has %zu", len, want_len);
	free(got);
}

#define EXPECT_BYTES(node, ...)                                                              \
	expect_bytes(c, node, (const uint8_t[]){ __VA_ARGS__ },                                   \
		     sizeof((const uint8_t[]){ __VA_ARGS__ }))

static int setup(void **state)
{
	*state = vdm_aml_ctx_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	vdm_aml_ctx_free(*state);
	return 0;
}

static void assert_no_error(struct vdm_aml_ctx *c)
{
	const char *msg;
	int rc = vdm_aml_ctx_error(c, &msg);

	if (rc)
		fail_msg("unexpected AML error %d: %s", rc, msg);
}

/*
 * Name (I0, 0)  Name (I1, 1)  Name (IB, 0xFF)  Name (IW, 0x100)  Name (IX, 0xFFFF)
 * Name (ID, 0x10000)  Name (IY, 0xFFFFFFFF)  Name (IQ, 0x100000000)  Name (IO, Ones)
 */
static void integers_use_the_smallest_encoding(void **state)
{
	struct vdm_aml_ctx *c = *state;
	struct vdm_aml *l = vdm_aml_list(c);

	vdm_aml_append(l, vdm_aml_name_decl(c, "I0", vdm_aml_int(c, 0)));
	vdm_aml_append(l, vdm_aml_name_decl(c, "I1", vdm_aml_int(c, 1)));
	vdm_aml_append(l, vdm_aml_name_decl(c, "IB", vdm_aml_int(c, 0xff)));
	vdm_aml_append(l, vdm_aml_name_decl(c, "IW", vdm_aml_int(c, 0x100)));
	vdm_aml_append(l, vdm_aml_name_decl(c, "IX", vdm_aml_int(c, 0xffff)));
	vdm_aml_append(l, vdm_aml_name_decl(c, "ID", vdm_aml_int(c, 0x10000)));
	vdm_aml_append(l, vdm_aml_name_decl(c, "IY", vdm_aml_int(c, 0xffffffff)));
	vdm_aml_append(l, vdm_aml_name_decl(c, "IQ", vdm_aml_int(c, 0x100000000)));
	vdm_aml_append(l, vdm_aml_name_decl(c, "IO", vdm_aml_ones(c)));
	EXPECT_BYTES(l, 0x08, 0x49, 0x30, 0x5f, 0x5f, 0x00, 0x08, 0x49, 0x31, 0x5f, 0x5f, 0x01,
		     0x08, 0x49, 0x42, 0x5f, 0x5f, 0x0a, 0xff, 0x08, 0x49, 0x57, 0x5f, 0x5f, 0x0b,
		     0x00, 0x01, 0x08, 0x49, 0x58, 0x5f, 0x5f, 0x0b, 0xff, 0xff, 0x08, 0x49, 0x44,
		     0x5f, 0x5f, 0x0c, 0x00, 0x00, 0x01, 0x00, 0x08, 0x49, 0x59, 0x5f, 0x5f, 0x0c,
		     0xff, 0xff, 0xff, 0xff, 0x08, 0x49, 0x51, 0x5f, 0x5f, 0x0e, 0x00, 0x00, 0x00,
		     0x00, 0x01, 0x00, 0x00, 0x00, 0x08, 0x49, 0x4f, 0x5f, 0x5f, 0xff);
}

/*
 * Scope (\_SB) { Device (PCI0) { Device (S10) { } } }
 * Name (\_SB.PCI0.S10.BSEL, 5)
 * Name (\_SB.PCI0.ABC, 1)
 * Name (\_SB.GED, 2)
 * Method (\_SB.PCI0.PCNT, 0) { }
 * Scope (\_SB.PCI0.S10) { Method (M, 0) { ^^PCNT () } }
 */
static void name_paths_encode_root_dual_multi_and_parent_prefixes(void **state)
{
	struct vdm_aml_ctx *c = *state;
	struct vdm_aml *l = vdm_aml_list(c), *sb = vdm_aml_scope(c, "\\_SB"),
		       *pci0 = vdm_aml_device(c, "PCI0");
	struct vdm_aml *s10 = vdm_aml_scope(c, "\\_SB.PCI0.S10"), *m = vdm_aml_method(c, "M", 0, 0);

	vdm_aml_append(pci0, vdm_aml_device(c, "S10"));
	vdm_aml_append(sb, pci0);
	vdm_aml_append(l, sb);
	vdm_aml_append(l, vdm_aml_name_decl(c, "\\_SB.PCI0.S10.BSEL", vdm_aml_int(c, 5)));
	vdm_aml_append(l, vdm_aml_name_decl(c, "\\_SB.PCI0.ABC", vdm_aml_int(c, 1)));
	vdm_aml_append(l, vdm_aml_name_decl(c, "\\_SB.GED", vdm_aml_int(c, 2)));
	vdm_aml_append(l, vdm_aml_method(c, "\\_SB.PCI0.PCNT", 0, VDM_AML_NOT_SERIALIZED));
	vdm_aml_append(m, vdm_aml_call(c, "^^PCNT", 0));
	vdm_aml_append(s10, m);
	vdm_aml_append(l, s10);
	assert_no_error(c);
	EXPECT_BYTES(l, 0x10, 0x14, 0x5c, 0x5f, 0x53, 0x42, 0x5f, 0x5b, 0x82, 0x0c, 0x50, 0x43,
		     0x49, 0x30, 0x5b, 0x82, 0x05, 0x53, 0x31, 0x30, 0x5f, 0x08, 0x5c, 0x2f, 0x04,
		     0x5f, 0x53, 0x42, 0x5f, 0x50, 0x43, 0x49, 0x30, 0x53, 0x31, 0x30, 0x5f, 0x42,
		     0x53, 0x45, 0x4c, 0x0a, 0x05, 0x08, 0x5c, 0x2f, 0x03, 0x5f, 0x53, 0x42, 0x5f,
		     0x50, 0x43, 0x49, 0x30, 0x41, 0x42, 0x43, 0x5f, 0x01, 0x08, 0x5c, 0x2e, 0x5f,
		     0x53, 0x42, 0x5f, 0x47, 0x45, 0x44, 0x5f, 0x0a, 0x02, 0x14, 0x11, 0x5c, 0x2f,
		     0x03, 0x5f, 0x53, 0x42, 0x5f, 0x50, 0x43, 0x49, 0x30, 0x50, 0x43, 0x4e, 0x54,
		     0x00, 0x10, 0x1d, 0x5c, 0x2f, 0x03, 0x5f, 0x53, 0x42, 0x5f, 0x50, 0x43, 0x49,
		     0x30, 0x53, 0x31, 0x30, 0x5f, 0x14, 0x0c, 0x4d, 0x5f, 0x5f, 0x5f, 0x00, 0x5e,
		     0x5e, 0x50, 0x43, 0x4e, 0x54);
}

/*
 * Name (_UID, "PCI Hotplug resources")
 * Name (B1, Buffer (One) { 0x21 })
 * Name (B3, Buffer () { 1, 2, 3 })
 * Name (B0, Buffer () { })
 * Name (U, ToUUID ("e5c937d0-3553-4d7a-9117-ea4d19c3434d"))
 * Name (_HID, EisaId ("PNP0A08"))
 * Name (E0, EisaId ("PNP0000"))
 */
static void strings_buffers_uuids_and_eisaids(void **state)
{
	struct vdm_aml_ctx *c = *state;
	struct vdm_aml *l = vdm_aml_list(c);
	static const uint8_t b1[] = { 0x21 }, b3[] = { 1, 2, 3 };

	vdm_aml_append(l, vdm_aml_name_decl(c, "_UID", vdm_aml_string(c, "PCI Hotplug resources")));
	vdm_aml_append(l, vdm_aml_name_decl(c, "B1", vdm_aml_buffer(c, b1, sizeof(b1))));
	vdm_aml_append(l, vdm_aml_name_decl(c, "B3", vdm_aml_buffer(c, b3, sizeof(b3))));
	vdm_aml_append(l, vdm_aml_name_decl(c, "B0", vdm_aml_buffer(c, NULL, 0)));
	vdm_aml_append(
		l, vdm_aml_name_decl(c, "U",
				     vdm_aml_touuid(c, "e5c937d0-3553-4d7a-9117-ea4d19c3434d")));
	vdm_aml_append(l, vdm_aml_name_decl(c, "_HID", vdm_aml_eisaid(c, "PNP0A08")));
	vdm_aml_append(l, vdm_aml_name_decl(c, "E0", vdm_aml_eisaid(c, "PNP0000")));
	EXPECT_BYTES(l, 0x08, 0x5f, 0x55, 0x49, 0x44, 0x0d, 0x50, 0x43, 0x49, 0x20, 0x48, 0x6f,
		     0x74, 0x70, 0x6c, 0x75, 0x67, 0x20, 0x72, 0x65, 0x73, 0x6f, 0x75, 0x72, 0x63,
		     0x65, 0x73, 0x00, 0x08, 0x42, 0x31, 0x5f, 0x5f, 0x11, 0x03, 0x01, 0x21, 0x08,
		     0x42, 0x33, 0x5f, 0x5f, 0x11, 0x06, 0x0a, 0x03, 0x01, 0x02, 0x03, 0x08, 0x42,
		     0x30, 0x5f, 0x5f, 0x11, 0x02, 0x00, 0x08, 0x55, 0x5f, 0x5f, 0x5f, 0x11, 0x13,
		     0x0a, 0x10, 0xd0, 0x37, 0xc9, 0xe5, 0x53, 0x35, 0x7a, 0x4d, 0x91, 0x17, 0xea,
		     0x4d, 0x19, 0xc3, 0x43, 0x4d, 0x08, 0x5f, 0x48, 0x49, 0x44, 0x0c, 0x41, 0xd0,
		     0x0a, 0x08, 0x08, 0x45, 0x30, 0x5f, 0x5f, 0x0b, 0x41, 0xd0);
}

/*
 * Name (_S5, Package () { 5, 5, Zero, Zero })
 * Name (PP, Package () { Package () { 0x1FFFF, 0, 0, 16 }, "x" })
 * Name (PE, Package () { })
 */
static void packages_count_their_elements_and_nest(void **state)
{
	struct vdm_aml_ctx *c = *state;
	struct vdm_aml *l = vdm_aml_list(c), *s5 = vdm_aml_package(c), *pp = vdm_aml_package(c);
	struct vdm_aml *in = vdm_aml_package(c);

	vdm_aml_append(s5, vdm_aml_int(c, 5));
	vdm_aml_append(s5, vdm_aml_int(c, 5));
	vdm_aml_append(s5, vdm_aml_int(c, 0));
	vdm_aml_append(s5, vdm_aml_int(c, 0));
	vdm_aml_append(l, vdm_aml_name_decl(c, "_S5", s5));
	vdm_aml_append(in, vdm_aml_int(c, 0x1ffff));
	vdm_aml_append(in, vdm_aml_int(c, 0));
	vdm_aml_append(in, vdm_aml_int(c, 0));
	vdm_aml_append(in, vdm_aml_int(c, 16));
	vdm_aml_append(pp, in);
	vdm_aml_append(pp, vdm_aml_string(c, "x"));
	vdm_aml_append(l, vdm_aml_name_decl(c, "PP", pp));
	vdm_aml_append(l, vdm_aml_name_decl(c, "PE", vdm_aml_package(c)));
	EXPECT_BYTES(l, 0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05,
		     0x00, 0x00, 0x08, 0x50, 0x50, 0x5f, 0x5f, 0x12, 0x11, 0x02, 0x12, 0x0b, 0x04,
		     0x0c, 0xff, 0xff, 0x01, 0x00, 0x00, 0x00, 0x0a, 0x10, 0x0d, 0x78, 0x00, 0x08,
		     0x50, 0x45, 0x5f, 0x5f, 0x12, 0x02, 0x00);
}

/* Serialize Name (B, Buffer () { n zero bytes }) and check the head iasl produced. */
static void expect_buffer_head(struct vdm_aml_ctx *c, size_t n, const uint8_t *head, size_t hlen)
{
	uint8_t *zeros = calloc(1, n), *got;
	size_t len;

	assert_non_null(zeros);
	assert_int_equal(vdm_aml_serialize(vdm_aml_name_decl(c, "B", vdm_aml_buffer(c, zeros, n)),
					   &got, &len),
			 0);
	assert_int_equal(len, 5 + hlen + n);
	assert_memory_equal(got, "\x08" "B___", 5);
	assert_memory_equal(got + 5, head, hlen);
	for (size_t i = 5 + hlen; i < len; i++)
		assert_int_equal(got[i], 0);
	free(got);
	free(zeros);
}

/*
 * Name (B, Buffer () { 60 zeros })   -> 11 3f 0a 3c ...         (PkgLength 63: one byte)
 * Name (B, Buffer () { 61 zeros })   -> 11 41 04 0a 3d ...      (PkgLength 65: two bytes)
 * Name (B, Buffer () { 4100 bytes }) -> 11 8a 00 01 0b 04 10 ... (three bytes)
 */
static void pkglength_uses_one_to_three_bytes_as_needed(void **state)
{
	struct vdm_aml_ctx *c = *state;

	expect_buffer_head(c, 60, (const uint8_t[]){ 0x11, 0x3f, 0x0a, 0x3c }, 4);
	expect_buffer_head(c, 61, (const uint8_t[]){ 0x11, 0x41, 0x04, 0x0a, 0x3d }, 5);
	expect_buffer_head(c, 4100, (const uint8_t[]){ 0x11, 0x8a, 0x00, 0x01, 0x0b, 0x04, 0x10 },
			   7);
	assert_no_error(c);
}

/*
 * Scope (\_SB) { Name (A000, "<1000 x 'a'>") ... Name (A44B, "<1000 x 'a'>") }  (1100 names)
 * -> 10 cd 6f 0e 01 5c 5f 53 42 5f 08 41 30 30 30 0d 61 ..., 1107710 bytes: a body over 1 MiB
 * needs the four-byte PkgLength (0x10e6fd).
 */
static void pkglength_uses_four_bytes_above_one_mib(void **state)
{
	static const uint8_t head[] = { 0x10, 0xcd, 0x6f, 0x0e, 0x01, 0x5c, 0x5f, 0x53,
					0x42, 0x5f, 0x08, 0x41, 0x30, 0x30, 0x30, 0x0d };
	struct vdm_aml_ctx *c = *state;
	struct vdm_aml *sb = vdm_aml_scope(c, "\\_SB");
	char *str = malloc(1001), name[5];
	uint8_t *got;
	size_t len;

	assert_non_null(str);
	memset(str, 'a', 1000);
	str[1000] = 0;
	for (unsigned i = 0; i < 1100; i++) {
		snprintf(name, sizeof(name), "A%03X", i);
		vdm_aml_append(sb, vdm_aml_name_decl(c, name, vdm_aml_string(c, str)));
	}
	free(str);
	assert_int_equal(vdm_aml_serialize(sb, &got, &len), 0);
	assert_int_equal(len, 1107710);
	assert_memory_equal(got, head, sizeof(head));
	free(got);
}

static void methods_encode_argument_count_and_serialization(void **state)
{
	struct vdm_aml_ctx *c = *state;
	struct vdm_aml *l = vdm_aml_list(c), *m1 = vdm_aml_method(c, "M1", 2, VDM_AML_SERIALIZED);
	struct vdm_aml *m7 = vdm_aml_method(c, "M7", 7, VDM_AML_NOT_SERIALIZED);

	vdm_aml_append(l, vdm_aml_method(c, "M0", 0, VDM_AML_NOT_SERIALIZED));
	vdm_aml_append(m1, vdm_aml_return(c, vdm_aml_arg(c, 1)));
	vdm_aml_append(l, m1);
	vdm_aml_append(m7, vdm_aml_return(c, vdm_aml_arg(c, 6)));
	vdm_aml_append(l, m7);
	EXPECT_BYTES(l, 0x14, 0x06, 0x4d, 0x30, 0x5f, 0x5f, 0x00, 0x14, 0x08, 0x4d, 0x31, 0x5f,
		     0x5f, 0x0a, 0xa4, 0x69, 0x14, 0x08, 0x4d, 0x37, 0x5f, 0x5f, 0x07, 0xa4, 0x6e);
}

/*
 * OperationRegion (PCST, SystemMemory, 0xFEB00000, 0x08)
 * Field (PCST, DWordAcc, NoLock, WriteAsZeros) { PCIU, 32, PCID, 32 }
 * OperationRegion (REG2, SystemIO, 0x0600, One)
 * Field (REG2, ByteAcc, Lock, Preserve) { A, 3, , 5, Offset (0x10), B, 64, C, 4096 }
 */
static void opregions_and_fields_with_gaps_and_wide_units(void **state)
{
	struct vdm_aml_ctx *c = *state;
	struct vdm_aml *l = vdm_aml_list(c), *f1, *f2;

	vdm_aml_append(l, vdm_aml_opregion(c, "PCST", VDM_AML_SYSTEM_MEMORY,
					   vdm_aml_int(c, 0xfeb00000), vdm_aml_int(c, 8)));
	f1 = vdm_aml_field(c, "PCST", VDM_AML_DWORD_ACC, VDM_AML_NO_LOCK, VDM_AML_WRITE_AS_ZEROS);
	vdm_aml_field_named(f1, "PCIU", 32);
	vdm_aml_field_named(f1, "PCID", 32);
	vdm_aml_append(l, f1);
	vdm_aml_append(l, vdm_aml_opregion(c, "REG2", VDM_AML_SYSTEM_IO, vdm_aml_int(c, 0x600),
					   vdm_aml_int(c, 1)));
	f2 = vdm_aml_field(c, "REG2", VDM_AML_BYTE_ACC, VDM_AML_LOCK, VDM_AML_PRESERVE);
	vdm_aml_field_named(f2, "A", 3);
	vdm_aml_field_reserved(f2, 5);
	vdm_aml_field_reserved(f2, 0x80 - 8); /* Offset (0x10) */
	vdm_aml_field_named(f2, "B", 64);
	vdm_aml_field_named(f2, "C", 4096);
	vdm_aml_append(l, f2);
	EXPECT_BYTES(l, 0x5b, 0x80, 0x50, 0x43, 0x53, 0x54, 0x00, 0x0c, 0x00, 0x00, 0xb0, 0xfe,
		     0x0a, 0x08, 0x5b, 0x81, 0x10, 0x50, 0x43, 0x53, 0x54, 0x43, 0x50, 0x43, 0x49,
		     0x55, 0x20, 0x50, 0x43, 0x49, 0x44, 0x20, 0x5b, 0x80, 0x52, 0x45, 0x47, 0x32,
		     0x01, 0x0b, 0x00, 0x06, 0x01, 0x5b, 0x81, 0x1d, 0x52, 0x45, 0x47, 0x32, 0x11,
		     0x41, 0x5f, 0x5f, 0x5f, 0x03, 0x00, 0x05, 0x00, 0x48, 0x07, 0x42, 0x5f, 0x5f,
		     0x5f, 0x40, 0x04, 0x43, 0x5f, 0x5f, 0x5f, 0x80, 0x00, 0x01);
}

/*
 * Mutex (BLCK, 0)
 * Mutex (BLK2, 15)
 * Method (M, 0) { Acquire (BLCK, 0xFFFF) Release (BLCK) Acquire (BLK2, 0x1234) }
 */
static void mutexes_acquire_and_release(void **state)
{
	struct vdm_aml_ctx *c = *state;
	struct vdm_aml *l = vdm_aml_list(c), *m = vdm_aml_method(c, "M", 0, VDM_AML_NOT_SERIALIZED);

	vdm_aml_append(l, vdm_aml_mutex(c, "BLCK", 0));
	vdm_aml_append(l, vdm_aml_mutex(c, "BLK2", 15));
	vdm_aml_append(m, vdm_aml_acquire(c, vdm_aml_name(c, "BLCK"), 0xffff));
	vdm_aml_append(m, vdm_aml_release(c, vdm_aml_name(c, "BLCK")));
	vdm_aml_append(m, vdm_aml_acquire(c, vdm_aml_name(c, "BLK2"), 0x1234));
	vdm_aml_append(l, m);
	EXPECT_BYTES(l, 0x5b, 0x01, 0x42, 0x4c, 0x43, 0x4b, 0x00, 0x5b, 0x01, 0x42, 0x4c, 0x4b,
		     0x32, 0x0f, 0x14, 0x1c, 0x4d, 0x5f, 0x5f, 0x5f, 0x00, 0x5b, 0x23, 0x42, 0x4c,
		     0x43, 0x4b, 0xff, 0xff, 0x5b, 0x27, 0x42, 0x4c, 0x43, 0x4b, 0x5b, 0x23, 0x42,
		     0x4c, 0x4b, 0x32, 0x34, 0x12);
}

/*
 * Device (S00) { }
 * Method (M, 2) { Notify (S00, Arg1) Notify (\S00, 0x80) }
 */
static void notify_takes_an_object_and_a_value(void **state)
{
	struct vdm_aml_ctx *c = *state;
	struct vdm_aml *l = vdm_aml_list(c), *m = vdm_aml_method(c, "M", 2, VDM_AML_NOT_SERIALIZED);

	vdm_aml_append(l, vdm_aml_device(c, "S00"));
	vdm_aml_append(m, vdm_aml_notify(c, vdm_aml_name(c, "S00"), vdm_aml_arg(c, 1)));
	vdm_aml_append(m, vdm_aml_notify(c, vdm_aml_name(c, "\\S00"), vdm_aml_int(c, 0x80)));
	vdm_aml_append(l, m);
	EXPECT_BYTES(l, 0x5b, 0x82, 0x05, 0x53, 0x30, 0x30, 0x5f, 0x14, 0x14, 0x4d, 0x5f, 0x5f,
		     0x5f, 0x02, 0x86, 0x53, 0x30, 0x30, 0x5f, 0x69, 0x86, 0x5c, 0x53, 0x30, 0x30,
		     0x5f, 0x0a, 0x80);
}

/*
 * Method (M, 1) {
 *   Store (Zero, Local0)
 *   Store (Zero, Local1)
 *   If (LEqual (Arg0, One)) { Return (One) } Else { Return (Zero) }
 *   While (LLess (Local0, 4)) { Increment (Local0) Decrement (Local1) }
 * }
 */
static void if_else_and_while_blocks(void **state)
{
	struct vdm_aml_ctx *c = *state;
	struct vdm_aml *m = vdm_aml_method(c, "M", 1, VDM_AML_NOT_SERIALIZED), *i, *e, *w;

	vdm_aml_append(m, vdm_aml_store(c, vdm_aml_int(c, 0), vdm_aml_local(c, 0)));
	vdm_aml_append(m, vdm_aml_store(c, vdm_aml_int(c, 0), vdm_aml_local(c, 1)));
	i = vdm_aml_if(c, vdm_aml_lequal(c, vdm_aml_arg(c, 0), vdm_aml_int(c, 1)));
	vdm_aml_append(i, vdm_aml_return(c, vdm_aml_int(c, 1)));
	vdm_aml_append(m, i);
	e = vdm_aml_else(c);
	vdm_aml_append(e, vdm_aml_return(c, vdm_aml_int(c, 0)));
	vdm_aml_append(m, e);
	w = vdm_aml_while(c, vdm_aml_lless(c, vdm_aml_local(c, 0), vdm_aml_int(c, 4)));
	vdm_aml_append(w, vdm_aml_increment(c, vdm_aml_local(c, 0)));
	vdm_aml_append(w, vdm_aml_decrement(c, vdm_aml_local(c, 1)));
	vdm_aml_append(m, w);
	EXPECT_BYTES(m, 0x14, 0x21, 0x4d, 0x5f, 0x5f, 0x5f, 0x01, 0x70, 0x00, 0x60, 0x70, 0x00,
		     0x61, 0xa0, 0x06, 0x93, 0x68, 0x01, 0xa4, 0x01, 0xa1, 0x03, 0xa4, 0x00, 0xa2,
		     0x09, 0x95, 0x60, 0x0a, 0x04, 0x75, 0x60, 0x76, 0x61);
}

/*
 * Name (BNUM, 0)
 * Method (M, 4) {
 *   Store (Zero, Local0)
 *   Store (Arg0, BNUM)
 *   Store (And (Local0, 0x02), Local1)
 *   And (Local0, 0x1E, Local0)
 *   Or (Local0, 0x08, Local2)
 *   ShiftLeft (One, Arg1, Local3)
 *   Store (ShiftRight (Arg1, 4), Local0)
 *   Add (Local0, 1, Local0)
 *   Subtract (Local0, 0x300, Local1)
 *   Store (LNot (LEqual (Arg1, One)), Local4)
 *   Store (LGreater (Arg1, 2), Local4)
 *   Store (LAnd (Arg1, Arg2), Local4)
 *   Store (LOr (Arg1, Arg2), Local4)
 *   Store (DerefOf (Index (Arg3, 1)), Local5)
 *   Index (Arg3, Zero, Local6)
 *   Store (SizeOf (Arg3), Local7)
 *   CreateDWordField (Arg3, Zero, CDW1)
 *   CreateDWordField (Arg3, 0x08, CDW3)
 * }
 */
static void arithmetic_logic_index_and_buffer_fields(void **state)
{
	struct vdm_aml_ctx *c = *state;
	struct vdm_aml *l = vdm_aml_list(c), *m = vdm_aml_method(c, "M", 4, VDM_AML_NOT_SERIALIZED);
	struct vdm_aml *L0 = vdm_aml_local(c, 0), *A1 = vdm_aml_arg(c, 1), *A2 = vdm_aml_arg(c, 2);
	struct vdm_aml *A3 = vdm_aml_arg(c, 3), *L4 = vdm_aml_local(c, 4);

	vdm_aml_append(l, vdm_aml_name_decl(c, "BNUM", vdm_aml_int(c, 0)));
	vdm_aml_append(m, vdm_aml_store(c, vdm_aml_int(c, 0), L0));
	vdm_aml_append(m, vdm_aml_store(c, vdm_aml_arg(c, 0), vdm_aml_name(c, "BNUM")));
	vdm_aml_append(m, vdm_aml_store(c, vdm_aml_and(c, L0, vdm_aml_int(c, 2), NULL),
					vdm_aml_local(c, 1)));
	vdm_aml_append(m, vdm_aml_and(c, L0, vdm_aml_int(c, 0x1e), L0));
	vdm_aml_append(m, vdm_aml_or(c, L0, vdm_aml_int(c, 8), vdm_aml_local(c, 2)));
	vdm_aml_append(m, vdm_aml_shiftleft(c, vdm_aml_int(c, 1), A1, vdm_aml_local(c, 3)));
	vdm_aml_append(m, vdm_aml_store(c, vdm_aml_shiftright(c, A1, vdm_aml_int(c, 4), NULL), L0));
	vdm_aml_append(m, vdm_aml_add(c, L0, vdm_aml_int(c, 1), L0));
	vdm_aml_append(m, vdm_aml_subtract(c, L0, vdm_aml_int(c, 0x300), vdm_aml_local(c, 1)));
	vdm_aml_append(
		m, vdm_aml_store(c, vdm_aml_lnot(c, vdm_aml_lequal(c, A1, vdm_aml_int(c, 1))), L4));
	vdm_aml_append(m, vdm_aml_store(c, vdm_aml_lgreater(c, A1, vdm_aml_int(c, 2)), L4));
	vdm_aml_append(m, vdm_aml_store(c, vdm_aml_land(c, A1, A2), L4));
	vdm_aml_append(m, vdm_aml_store(c, vdm_aml_lor(c, A1, A2), L4));
	vdm_aml_append(
		m,
		vdm_aml_store(c, vdm_aml_derefof(c, vdm_aml_index(c, A3, vdm_aml_int(c, 1), NULL)),
			      vdm_aml_local(c, 5)));
	vdm_aml_append(m, vdm_aml_index(c, A3, vdm_aml_int(c, 0), vdm_aml_local(c, 6)));
	vdm_aml_append(m, vdm_aml_store(c, vdm_aml_sizeof(c, A3), vdm_aml_local(c, 7)));
	vdm_aml_append(m, vdm_aml_create_dword_field(c, A3, vdm_aml_int(c, 0), "CDW1"));
	vdm_aml_append(m, vdm_aml_create_dword_field(c, A3, vdm_aml_int(c, 8), "CDW3"));
	vdm_aml_append(l, m);
	EXPECT_BYTES(l, 0x08, 0x42, 0x4e, 0x55, 0x4d, 0x00, 0x14, 0x4a, 0x06, 0x4d, 0x5f, 0x5f,
		     0x5f, 0x04, 0x70, 0x00, 0x60, 0x70, 0x68, 0x42, 0x4e, 0x55, 0x4d, 0x70, 0x7b,
		     0x60, 0x0a, 0x02, 0x00, 0x61, 0x7b, 0x60, 0x0a, 0x1e, 0x60, 0x7d, 0x60, 0x0a,
		     0x08, 0x62, 0x79, 0x01, 0x69, 0x63, 0x70, 0x7a, 0x69, 0x0a, 0x04, 0x00, 0x60,
		     0x72, 0x60, 0x01, 0x60, 0x74, 0x60, 0x0b, 0x00, 0x03, 0x61, 0x70, 0x92, 0x93,
		     0x69, 0x01, 0x64, 0x70, 0x94, 0x69, 0x0a, 0x02, 0x64, 0x70, 0x90, 0x69, 0x6a,
		     0x64, 0x70, 0x91, 0x69, 0x6a, 0x64, 0x70, 0x83, 0x88, 0x6b, 0x01, 0x00, 0x65,
		     0x88, 0x6b, 0x00, 0x66, 0x70, 0x87, 0x6b, 0x67, 0x8a, 0x6b, 0x00, 0x43, 0x44,
		     0x57, 0x31, 0x8a, 0x6b, 0x0a, 0x08, 0x43, 0x44, 0x57, 0x33);
}

/*
 * Method (PCEJ, 2) { Return (Zero) }
 * Scope (\_SB) { Method (PCNT, 0) { } }
 * Method (M, 0) { PCEJ (BNUM, Zero) \_SB.PCNT () }
 * Name (BNUM, 0)
 */
static void method_invocation_passes_its_arguments(void **state)
{
	struct vdm_aml_ctx *c = *state;
	struct vdm_aml *l = vdm_aml_list(c),
		       *pcej = vdm_aml_method(c, "PCEJ", 2, VDM_AML_NOT_SERIALIZED);
	struct vdm_aml *sb = vdm_aml_scope(c, "\\_SB"),
		       *m = vdm_aml_method(c, "M", 0, VDM_AML_NOT_SERIALIZED);

	vdm_aml_append(pcej, vdm_aml_return(c, vdm_aml_int(c, 0)));
	vdm_aml_append(l, pcej);
	vdm_aml_append(sb, vdm_aml_method(c, "PCNT", 0, VDM_AML_NOT_SERIALIZED));
	vdm_aml_append(l, sb);
	vdm_aml_append(m, vdm_aml_call(c, "PCEJ", 2, vdm_aml_name(c, "BNUM"), vdm_aml_int(c, 0)));
	vdm_aml_append(m, vdm_aml_call(c, "\\_SB.PCNT", 0));
	vdm_aml_append(l, m);
	vdm_aml_append(l, vdm_aml_name_decl(c, "BNUM", vdm_aml_int(c, 0)));
	EXPECT_BYTES(l, 0x14, 0x08, 0x50, 0x43, 0x45, 0x4a, 0x02, 0xa4, 0x00, 0x10, 0x0d, 0x5c,
		     0x5f, 0x53, 0x42, 0x5f, 0x14, 0x06, 0x50, 0x43, 0x4e, 0x54, 0x00, 0x14, 0x19,
		     0x4d, 0x5f, 0x5f, 0x5f, 0x00, 0x50, 0x43, 0x45, 0x4a, 0x42, 0x4e, 0x55, 0x4d,
		     0x00, 0x5c, 0x2e, 0x5f, 0x53, 0x42, 0x5f, 0x50, 0x43, 0x4e, 0x54, 0x08, 0x42,
		     0x4e, 0x55, 0x4d, 0x00);
}

/*
 * Name (_CRS, ResourceTemplate () {
 *   WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, 0x0000, 0x0000, 0x00FF,
 *                  0x0000, 0x0100,,,)
 *   IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08,)
 *   WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0x0000, 0x1000,
 *           0xFFFF, 0x0000, 0xF000,,, , TypeStatic, DenseTranslation)
 *   DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite,
 *                0x00000000, 0xC0000000, 0xDFFFFFFF, 0x00000000, 0x20000000,,, ,
 *                AddressRangeMemory, TypeStatic)
 *   QWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Prefetchable, ReadWrite,
 *                0x0, 0x8000000000, 0xFFFFFFFFFF, 0x0, 0x8000000000,,, , AddressRangeMemory,
 *                TypeStatic)
 *   DWordMemory (ResourceConsumer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadWrite,
 *                0x00000000, 0xFEB00000, 0xFEB00017, 0x00000000, 0x00000018,,, ,
 *                AddressRangeMemory, TypeStatic)
 *   Memory32Fixed (ReadWrite, 0xE0000000, 0x10000000, )
 *   Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, ) { 9 }
 *   Interrupt (ResourceConsumer, Level, ActiveLow, Shared, ,, ) { 0x20 }
 *   IRQNoFlags () { 4 }
 * })
 * Name (EMPT, ResourceTemplate () { })
 */
static void resource_templates_end_with_a_zero_checksum_end_tag(void **state)
{
	struct vdm_aml_ctx *c = *state;
	struct vdm_aml *l = vdm_aml_list(c), *rt = vdm_aml_resource_template(c);

	vdm_aml_append(rt, vdm_aml_word_bus_number(c, 0, 0xff));
	vdm_aml_append(rt, vdm_aml_io(c, 0xcf8, 0xcf8, 1, 8));
	vdm_aml_append(rt, vdm_aml_word_io(c, 0x1000, 0xffff));
	vdm_aml_append(rt, vdm_aml_dword_memory(c, VDM_AML_RESOURCE_PRODUCER, VDM_AML_NON_CACHEABLE,
						0xc0000000, 0xdfffffff));
	vdm_aml_append(rt, vdm_aml_qword_memory(c, VDM_AML_RESOURCE_PRODUCER, VDM_AML_PREFETCHABLE,
					0x8000000000, 0xffffffffff));
	vdm_aml_append(rt, vdm_aml_dword_memory(c, VDM_AML_RESOURCE_CONSUMER, VDM_AML_CACHEABLE,
						0xfeb00000, 0xfeb00017));
	vdm_aml_append(rt, vdm_aml_memory32_fixed(c, 0xe0000000, 0x10000000));
	vdm_aml_append(rt, vdm_aml_interrupt(c, VDM_AML_IRQ_CONSUMER | VDM_AML_IRQ_EDGE, 9));
	vdm_aml_append(rt, vdm_aml_interrupt(c,
					     VDM_AML_IRQ_CONSUMER | VDM_AML_IRQ_ACTIVE_LOW |
						     VDM_AML_IRQ_SHARED,
					     0x20));
	vdm_aml_append(rt, vdm_aml_irq_noflags(c, 4));
	vdm_aml_append(l, vdm_aml_name_decl(c, "_CRS", rt));
	vdm_aml_append(l, vdm_aml_name_decl(c, "EMPT", vdm_aml_resource_template(c)));
	EXPECT_BYTES(l, 0x08, 0x5f, 0x43, 0x52, 0x53, 0x11, 0x41, 0x0b, 0x0a, 0xad, 0x88, 0x0d,
		     0x00, 0x02, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00,
		     0x01, 0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08, 0x88, 0x0d, 0x00, 0x01,
		     0x0c, 0x03, 0x00, 0x00, 0x00, 0x10, 0xff, 0xff, 0x00, 0x00, 0x00, 0xf0, 0x87,
		     0x17, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0,
		     0xff, 0xff, 0xff, 0xdf, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x8a,
		     0x2b, 0x00, 0x00, 0x0c, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		     0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff,
		     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		     0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x87, 0x17, 0x00, 0x00, 0x0d, 0x03, 0x00,
		     0x00, 0x00, 0x00, 0x00, 0x00, 0xb0, 0xfe, 0x17, 0x00, 0xb0, 0xfe, 0x00, 0x00,
		     0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00,
		     0xe0, 0x00, 0x00, 0x00, 0x10, 0x89, 0x06, 0x00, 0x03, 0x01, 0x09, 0x00, 0x00,
		     0x00, 0x89, 0x06, 0x00, 0x0d, 0x01, 0x20, 0x00, 0x00, 0x00, 0x22, 0x10, 0x00,
		     0x79, 0x00, 0x08, 0x45, 0x4d, 0x50, 0x54, 0x11, 0x05, 0x0a, 0x02, 0x79, 0x00);
}

/* ---- errors ---------------------------------------------------------------------------- */

/* Run `build` in a fresh context; the first error must be `err` with `needle` in its text,
 * and serializing anything from that context must fail the same way, with no output. */
static void expect_error(void (*build)(struct vdm_aml_ctx *c, struct vdm_aml *l), int err,
			 const char *needle)
{
	struct vdm_aml_ctx *c = vdm_aml_ctx_new();
	struct vdm_aml *l;
	const char *msg;
	uint8_t *out = (uint8_t *)1;
	size_t len = 99;

	assert_non_null(c);
	l = vdm_aml_list(c);
	build(c, l);
	assert_int_equal(vdm_aml_ctx_error(c, &msg), err);
	if (!strstr(msg, needle))
		fail_msg("error text \"%s\" does not mention \"%s\"", msg, needle);
	assert_int_equal(vdm_aml_serialize(l, &out, &len), err);
	assert_null(out);
	assert_int_equal(len, 0);
	vdm_aml_ctx_free(c);
}

static void b_long_seg(struct vdm_aml_ctx *c, struct vdm_aml *l)
{
	vdm_aml_append(l, vdm_aml_name_decl(c, "PCI01", vdm_aml_int(c, 1)));
}
static void b_digit_first(struct vdm_aml_ctx *c, struct vdm_aml *l)
{
	vdm_aml_append(l, vdm_aml_device(c, "\\_SB.0PCI"));
}
static void b_lower(struct vdm_aml_ctx *c, struct vdm_aml *l)
{
	vdm_aml_append(l, vdm_aml_method(c, "pcnt", 0, VDM_AML_NOT_SERIALIZED));
}
static void b_empty_seg(struct vdm_aml_ctx *c, struct vdm_aml *l)
{
	vdm_aml_append(l, vdm_aml_scope(c, "\\_SB..PCI0"));
}
static void b_empty(struct vdm_aml_ctx *c, struct vdm_aml *l)
{
	vdm_aml_append(l, vdm_aml_name(c, ""));
}
static void b_eisa(struct vdm_aml_ctx *c, struct vdm_aml *l)
{
	vdm_aml_append(l, vdm_aml_name_decl(c, "_HID", vdm_aml_eisaid(c, "PNP0A0G")));
}
static void b_uuid(struct vdm_aml_ctx *c, struct vdm_aml *l)
{
	vdm_aml_append(l, vdm_aml_touuid(c, "e5c937d0-3553-4d7a-9117ea4d19c3434d0"));
}
static void b_local8(struct vdm_aml_ctx *c, struct vdm_aml *l)
{
	vdm_aml_append(l, vdm_aml_store(c, vdm_aml_int(c, 1), vdm_aml_local(c, 8)));
}
static void b_args(struct vdm_aml_ctx *c, struct vdm_aml *l)
{
	vdm_aml_append(l, vdm_aml_method(c, "MANY", 8, VDM_AML_NOT_SERIALIZED));
}
static void b_sealed(struct vdm_aml_ctx *c, struct vdm_aml *l)
{
	struct vdm_aml *d = vdm_aml_device(c, "PCI0");

	vdm_aml_append(l, d);
	vdm_aml_append(d, vdm_aml_name_decl(c, "_UID", vdm_aml_int(c, 0))); /* too late: lost */
}
static void b_pkg256(struct vdm_aml_ctx *c, struct vdm_aml *l)
{
	struct vdm_aml *p = vdm_aml_package(c);

	for (int i = 0; i < 256; i++)
		vdm_aml_append(p, vdm_aml_int(c, (uint64_t)i));
	vdm_aml_append(l, p);
}
static void b_irq16(struct vdm_aml_ctx *c, struct vdm_aml *l)
{
	struct vdm_aml *rt = vdm_aml_resource_template(c);

	vdm_aml_append(rt, vdm_aml_irq_noflags(c, 16));
	vdm_aml_append(l, rt);
}
static void b_minmax(struct vdm_aml_ctx *c, struct vdm_aml *l)
{
	struct vdm_aml *rt = vdm_aml_resource_template(c);

	vdm_aml_append(rt, vdm_aml_qword_memory(c, VDM_AML_RESOURCE_PRODUCER, VDM_AML_PREFETCHABLE,
						0x2000, 0x1fff));
	vdm_aml_append(l, rt);
}
static void b_bus_too_long(struct vdm_aml_ctx *c, struct vdm_aml *l)
{
	struct vdm_aml *rt = vdm_aml_resource_template(c);

	vdm_aml_append(rt, vdm_aml_word_io(c, 0, 0xffff)); /* length 0x10000 does not fit a Word */
	vdm_aml_append(l, rt);
}
static void b_field_path(struct vdm_aml_ctx *c, struct vdm_aml *l)
{
	struct vdm_aml *f =
		vdm_aml_field(c, "PCST", VDM_AML_DWORD_ACC, VDM_AML_NO_LOCK, VDM_AML_PRESERVE);

	vdm_aml_field_named(f, "A.B", 32);
	vdm_aml_append(l, f);
}
static void b_first_error_wins(struct vdm_aml_ctx *c, struct vdm_aml *l)
{
	vdm_aml_append(l, vdm_aml_name_decl(c, "TOOLONG", vdm_aml_int(c, 1)));
	vdm_aml_append(l, vdm_aml_local(c, 9));
}

static void bad_input_is_reported_with_the_value_and_never_crashes(void **state)
{
	expect_error(b_long_seg, -EINVAL, "\"PCI01\"");
	expect_error(b_digit_first, -EINVAL, "'0'");
	expect_error(b_lower, -EINVAL, "'p'");
	expect_error(b_empty_seg, -EINVAL, "\\_SB..PCI0");
	expect_error(b_empty, -EINVAL, "empty AML name");
	expect_error(b_eisa, -EINVAL, "PNP0A0G");
	expect_error(b_uuid, -EINVAL, "e5c937d0");
	expect_error(b_local8, -EINVAL, "Local8");
	expect_error(b_args, -EINVAL, "8 arguments");
	expect_error(b_sealed, -EINVAL, "already appended");
	expect_error(b_pkg256, -ERANGE, "255");
	expect_error(b_irq16, -EINVAL, "{16}");
	expect_error(b_minmax, -EINVAL, "0x2000-0x1fff");
	expect_error(b_bus_too_long, -ERANGE, "0x0-0xffff");
	expect_error(b_field_path, -EINVAL, "A.B");
	expect_error(b_first_error_wins, -EINVAL, "TOOLONG");
}

/* A node appended twice is copied twice; the parent owns copies, not the node. */
static void a_node_can_be_appended_to_many_parents(void **state)
{
	struct vdm_aml_ctx *c = *state;
	struct vdm_aml *l = vdm_aml_list(c), *one = vdm_aml_int(c, 1);

	vdm_aml_append(l, vdm_aml_name_decl(c, "A", one));
	vdm_aml_append(l, vdm_aml_name_decl(c, "B", one));
	EXPECT_BYTES(l, 0x08, 0x41, 0x5f, 0x5f, 0x5f, 0x01, 0x08, 0x42, 0x5f, 0x5f, 0x5f, 0x01);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(integers_use_the_smallest_encoding, setup, teardown),
		cmocka_unit_test_setup_teardown(name_paths_encode_root_dual_multi_and_parent_prefixes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(strings_buffers_uuids_and_eisaids, setup, teardown),
		cmocka_unit_test_setup_teardown(packages_count_their_elements_and_nest, setup,
						teardown),
		cmocka_unit_test_setup_teardown(pkglength_uses_one_to_three_bytes_as_needed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(pkglength_uses_four_bytes_above_one_mib, setup,
						teardown),
		cmocka_unit_test_setup_teardown(methods_encode_argument_count_and_serialization,
						setup, teardown),
		cmocka_unit_test_setup_teardown(opregions_and_fields_with_gaps_and_wide_units, setup,
						teardown),
		cmocka_unit_test_setup_teardown(mutexes_acquire_and_release, setup, teardown),
		cmocka_unit_test_setup_teardown(notify_takes_an_object_and_a_value, setup, teardown),
		cmocka_unit_test_setup_teardown(if_else_and_while_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(arithmetic_logic_index_and_buffer_fields, setup,
						teardown),
		cmocka_unit_test_setup_teardown(method_invocation_passes_its_arguments, setup,
						teardown),
		cmocka_unit_test_setup_teardown(resource_templates_end_with_a_zero_checksum_end_tag,
						setup, teardown),
		cmocka_unit_test(bad_input_is_reported_with_the_value_and_never_crashes),
		cmocka_unit_test_setup_teardown(a_node_can_be_appended_to_many_parents, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
