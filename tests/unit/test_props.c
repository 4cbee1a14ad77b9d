/* Unit tests for the property-string parser (abi/props.c): sizes, numbers, booleans, strings,
 * bounds, and every error message, checked word for word. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <vdm/device.h>
#include <vdm/props.h>

static const struct vdm_prop_desc testdev_props[] = {
	{ .name = "membar", .type = VDM_PROP_SIZE, .flags = VDM_PROP_POW2, .min = 4096,
	  .help = "memory BAR size" },
};

static const struct vdm_prop_desc rp_props[] = {
	{ .name = "chassis", .type = VDM_PROP_U32, .max = 255 },
	{ .name = "addr", .type = VDM_PROP_U32 },
	{ .name = "hotplug", .type = VDM_PROP_BOOL },
	{ .name = "mem-reserve", .type = VDM_PROP_SIZE, .flags = VDM_PROP_POW2, .max = 64ull << 30 },
};

static const struct vdm_prop_desc req_props[] = {
	{ .name = "membar", .type = VDM_PROP_SIZE, .flags = VDM_PROP_REQUIRED },
};

static const struct vdm_prop_desc common_props[] = {
	{ .name = "id", .type = VDM_PROP_STRING },
	{ .name = "bus", .type = VDM_PROP_STRING },
};

static const struct vdm_device_type testdev = {
	VDM_STRUCT_HEAD(struct vdm_device_type), .name = "testdev", .props_schema = testdev_props,
	.num_props = 1, .bus_kind = VDM_BUS_PCI_ENDPOINT,
};

static const struct vdm_device_type rootport = {
	VDM_STRUCT_HEAD(struct vdm_device_type), .name = "pcie-root-port",
	.props_schema = rp_props, .num_props = 4, .bus_kind = VDM_BUS_PCI_BRIDGE,
};

static const struct vdm_device_type reqdev = {
	VDM_STRUCT_HEAD(struct vdm_device_type), .name = "reqdev", .props_schema = req_props,
	.num_props = 1, .bus_kind = VDM_BUS_PLATFORM,
};

static const struct vdm_device_type bare = {
	VDM_STRUCT_HEAD(struct vdm_device_type), .name = "bare", .bus_kind = VDM_BUS_PLATFORM,
};

static const struct vdm_device_type *const types[] = { &testdev, &rootport };

/* Parse `spec` against testdev and pcie-root-port (+ id, bus); returns rc, fills err/out. */
static int parse(const char *spec, struct vdm_prop_values *out, char *err, size_t err_len,
		 const struct vdm_device_type **t)
{
	return vdm_props_parse(spec, types, 2, common_props, 2, t, out, err, err_len);
}

/* Assert that `spec` fails with errno `rc` and exactly the message `msg`, leaving no values. */
static void expect_error(const char *spec, int rc, const char *msg)
{
	struct vdm_prop_values pv;
	const struct vdm_device_type *t = (const void *)&pv; /* sentinel: must stay untouched */
	char err[256];

	memset(err, 'X', sizeof(err));
	assert_int_equal(parse(spec, &pv, err, sizeof(err), &t), rc);
	assert_string_equal(err, msg);
	assert_int_equal(pv.count, 0);
	assert_ptr_equal(t, (const void *)&pv);
}

static void former_vdm_names_select_the_type_with_qemus_name(void **state)
{
	static const struct vdm_device_type pci_testdev = {
		VDM_STRUCT_HEAD(struct vdm_device_type), .name = "pci-testdev",
		.props_schema = testdev_props, .num_props = 1, .bus_kind = VDM_BUS_PCI_ENDPOINT,
	};
	static const struct vdm_device_type acpi_ged = {
		VDM_STRUCT_HEAD(struct vdm_device_type), .name = "acpi-ged",
		.bus_kind = VDM_BUS_PLATFORM,
	};
	const struct vdm_device_type *const qtypes[] = { &pci_testdev, &acpi_ged };
	const struct vdm_device_type *t = NULL;
	struct vdm_prop_values pv;
	char err[256];

	(void)state;
	assert_string_equal(vdm_props_type_alias("testdev", 7), "pci-testdev");
	assert_string_equal(vdm_props_type_alias("ged", 3), "acpi-ged");
	assert_null(vdm_props_type_alias("testdevx", 8));
	assert_null(vdm_props_type_alias("pci-testdev", 11)); /* a canonical name is no alias */
	assert_string_equal(vdm_props_type_old_name("pci-testdev"), "testdev");
	assert_null(vdm_props_type_old_name("pcie-root-port"));
	assert_int_equal(vdm_props_parse("testdev,membar=4M", qtypes, 2, NULL, 0, &t, &pv, err,
					 sizeof(err)), 0);
	assert_ptr_equal(t, &pci_testdev);
	assert_true(vdm_props_num(&pv, "membar", 0) == 4u << 20);
	assert_int_equal(vdm_props_parse("ged", qtypes, 2, NULL, 0, &t, &pv, err, sizeof(err)), 0);
	assert_ptr_equal(t, &acpi_ged);
	/* a type really called "testdev" is chosen before the alias */
	assert_int_equal(parse("testdev", &pv, err, sizeof(err), &t), 0);
	assert_ptr_equal(t, &testdev);
	/* an alias whose type is not in the list is unknown */
	assert_int_equal(parse("ged", &pv, err, sizeof(err), &t), -ENOENT);
	assert_string_equal(err, "ged: unknown device type (known: testdev, pcie-root-port)");
}

static void expect_size(const char *text, uint64_t want)
{
	uint64_t v = 0xdeadbeef;

	assert_int_equal(vdm_parse_size(text, &v), 0);
	assert_int_equal(v, want);
}

static void expect_size_err(const char *text, int rc)
{
	uint64_t v = 0x1234;

	assert_int_equal(vdm_parse_size(text, &v), rc);
	assert_int_equal(v, 0x1234); /* untouched on error */
}

static void sizes_accept_decimal_hex_and_binary_suffixes(void **state)
{
	expect_size("0", 0);
	expect_size("4096", 4096);
	expect_size("0x1000", 0x1000);
	expect_size("0X1000", 0x1000);
	expect_size("0xfFfF", 0xffff);
	expect_size("4K", 4096);
	expect_size("4k", 4096);
	expect_size("4M", 4ull << 20);
	expect_size("4m", 4ull << 20);
	expect_size("1G", 1ull << 30);
	expect_size("64G", 64ull << 30);
	expect_size("64g", 64ull << 30);
	expect_size("2T", 2ull << 40);
	expect_size("2t", 2ull << 40);
	expect_size("0x10K", 16ull << 10);
	expect_size("007", 7);
	expect_size("18446744073709551615", UINT64_MAX);
	expect_size("0xffffffffffffffff", UINT64_MAX);
	expect_size("16777215T", 16777215ull << 40);
	/* A hex digit at the end is a digit, not a suffix. */
	expect_size("0x1b", 0x1b);
}

static void sizes_reject_text_that_is_not_a_size(void **state)
{
	static const char *const bad[] = { "",     "abc", "4KB", "-1",  "+1",  " 4",  "4 ",
					   "0x",   "0xK", "K",   "1.5M", "4P", "0xg", "4 K",
					   "4KK",  "M4",  "1e3", "0b101" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_size_err(bad[i], -EINVAL);
	assert_int_equal(vdm_parse_size(NULL, &(uint64_t){ 0 }), -EINVAL);
}

static void sizes_over_64_bits_are_erange(void **state)
{
	expect_size_err("18446744073709551616", -ERANGE);
	expect_size_err("0x10000000000000000", -ERANGE);
	expect_size_err("16777216T", -ERANGE);
	expect_size_err("17179869184G", -ERANGE);
	expect_size_err("17592186044416M", -ERANGE);
	expect_size_err("18014398509481984K", -ERANGE);
	expect_size_err("99999999999999999999999999", -ERANGE);
}

static void spec_with_size_and_id_yields_type_and_values(void **state)
{
	struct vdm_prop_values pv;
	const struct vdm_device_type *t = NULL;
	char err[128] = "untouched";

	assert_int_equal(parse("testdev,membar=4M,id=dev0", &pv, err, sizeof(err), &t), 0);
	assert_ptr_equal(t, &testdev);
	assert_string_equal(err, "");
	assert_int_equal(pv.count, 2);
	assert_ptr_equal(pv.v[0].desc, &testdev_props[0]);
	assert_int_equal(pv.v[0].num, 4ull << 20);
	assert_string_equal(pv.v[0].str, "4M");
	assert_ptr_equal(pv.v[1].desc, &common_props[0]);
	assert_string_equal(pv.v[1].str, "dev0");

	assert_true(vdm_props_has(&pv, "membar"));
	assert_true(vdm_props_has(&pv, "id"));
	assert_false(vdm_props_has(&pv, "bus"));
	assert_int_equal(vdm_props_num(&pv, "membar", 1), 4ull << 20);
	assert_int_equal(vdm_props_num(&pv, "bus", 77), 77);
	assert_string_equal(vdm_props_str(&pv, "id", "x"), "dev0");
	assert_string_equal(vdm_props_str(&pv, "membar", "x"), "4M");
	assert_string_equal(vdm_props_str(&pv, "bus", "rp0"), "rp0");
	assert_null(vdm_props_str(&pv, "bus", NULL));
	assert_false(vdm_props_has(NULL, "membar"));
	assert_int_equal(vdm_props_num(NULL, "membar", 5), 5);
}

static void bare_type_name_gives_no_properties(void **state)
{
	struct vdm_prop_values pv;
	const struct vdm_device_type *t = NULL;
	char err[64];

	assert_int_equal(parse("pcie-root-port", &pv, err, sizeof(err), &t), 0);
	assert_ptr_equal(t, &rootport);
	assert_int_equal(pv.count, 0);
	assert_int_equal(vdm_props_num(&pv, "chassis", 3), 3);
}

static void numbers_booleans_and_pow2_sizes_parse(void **state)
{
	struct vdm_prop_values pv;
	char err[128];

	assert_int_equal(parse("pcie-root-port,chassis=0xff,addr=4294967295,hotplug=off,"
			       "mem-reserve=0",
			       &pv, err, sizeof(err), NULL),
			 0);
	assert_int_equal(vdm_props_num(&pv, "chassis", 0), 255);
	assert_int_equal(vdm_props_num(&pv, "addr", 0), UINT32_MAX);
	assert_int_equal(vdm_props_num(&pv, "hotplug", 1), 0);
	assert_int_equal(vdm_props_num(&pv, "mem-reserve", 1), 0); /* 0 passes POW2 */

	static const char *const yes[] = { "on", "true", "yes", "1", "ON", "True", "YES" };
	static const char *const no[] = { "off", "false", "no", "0", "OFF", "False", "No" };
	char spec[64];
	size_t i;

	for (i = 0; i < 7; i++) {
		snprintf(spec, sizeof(spec), "pcie-root-port,hotplug=%s", yes[i]);
		assert_int_equal(parse(spec, &pv, err, sizeof(err), NULL), 0);
		assert_int_equal(vdm_props_num(&pv, "hotplug", 7), 1);
		snprintf(spec, sizeof(spec), "pcie-root-port,hotplug=%s", no[i]);
		assert_int_equal(parse(spec, &pv, err, sizeof(err), NULL), 0);
		assert_int_equal(vdm_props_num(&pv, "hotplug", 7), 0);
	}
	assert_int_equal(parse("pcie-root-port,mem-reserve=64G", &pv, err, sizeof(err), NULL), 0);
	assert_int_equal(vdm_props_num(&pv, "mem-reserve", 0), 64ull << 30);
	assert_int_equal(parse("testdev,membar=4K", &pv, err, sizeof(err), NULL), 0);
	assert_int_equal(vdm_props_num(&pv, "membar", 0), 4096);
}

static void unknown_property_lists_device_then_common_names(void **state)
{
	expect_error("testdev,frob=1", -ENOENT,
		     "frob=1: unknown property of testdev (known: membar, id, bus)");
	expect_error("pcie-root-port,id=a,membar=4M", -ENOENT,
		     "membar=4M: unknown property of pcie-root-port "
		     "(known: chassis, addr, hotplug, mem-reserve, id, bus)");
	/* Names are case-sensitive. */
	expect_error("testdev,MEMBAR=4M", -ENOENT,
		     "MEMBAR=4M: unknown property of testdev (known: membar, id, bus)");
}

static void unknown_property_of_type_without_schema_says_none(void **state)
{
	struct vdm_prop_values pv;
	char err[128];

	assert_int_equal(vdm_props_parse_args("frob=1", &bare, NULL, 0, &pv, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "frob=1: unknown property of bare (known: none)");
	assert_int_equal(vdm_props_parse_args("frob=1", &reqdev, NULL, 0, &pv, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "frob=1: unknown property of reqdev (known: membar)");

	/* A type whose count claims entries its (missing) schema does not have. */
	struct vdm_device_type broken = bare;
	broken.num_props = 3;
	assert_int_equal(vdm_props_parse_args("id=x", &broken, common_props, 2, &pv, err,
					      sizeof(err)),
			 0);
	assert_int_equal(vdm_props_parse_args("frob=1", &broken, NULL, 5, &pv, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "frob=1: unknown property of bare (known: none)");
}

static void unknown_device_type_lists_known_types(void **state)
{
	struct vdm_prop_values pv;
	char err[128];

	expect_error("frobdev,membar=4M", -ENOENT,
		     "frobdev: unknown device type (known: testdev, pcie-root-port)");
	expect_error("frobdev", -ENOENT,
		     "frobdev: unknown device type (known: testdev, pcie-root-port)");
	expect_error("testdevx", -ENOENT,
		     "testdevx: unknown device type (known: testdev, pcie-root-port)");
	expect_error("", -ENOENT, "missing device type (known: testdev, pcie-root-port)");
	expect_error(",membar=4M", -ENOENT, "missing device type (known: testdev, pcie-root-port)");
	assert_int_equal(vdm_props_parse("testdev", NULL, 0, NULL, 0, NULL, &pv, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "testdev: unknown device type (known: none)");
}

static void size_errors_name_the_value(void **state)
{
	expect_error("testdev,membar=3M", -EINVAL, "membar=3M: size must be a power of two");
	expect_error("testdev,membar=abc", -EINVAL, "membar=abc: not a size");
	expect_error("testdev,membar=", -EINVAL, "membar=: not a size");
	expect_error("testdev,membar=4M=2", -EINVAL, "membar=4M=2: not a size");
	expect_error("testdev,membar=16777216T", -ERANGE,
		     "membar=16777216T: size does not fit in 64 bits (at most 16777215T)");
	expect_error("testdev,membar=1K", -ERANGE, "membar=1K: must be at least 4K");
	expect_error("testdev,membar=0", -ERANGE, "membar=0: must be at least 4K");
	expect_error("pcie-root-port,mem-reserve=128G", -ERANGE,
		     "mem-reserve=128G: must be at most 64G");
}

static void number_bool_and_string_errors_name_the_value(void **state)
{
	expect_error("pcie-root-port,chassis=abc", -EINVAL,
		     "chassis=abc: not a number (use decimal or 0x hex)");
	expect_error("pcie-root-port,chassis=4K", -EINVAL,
		     "chassis=4K: not a number (use decimal or 0x hex)");
	expect_error("pcie-root-port,chassis=256", -ERANGE, "chassis=256: must be at most 255");
	expect_error("pcie-root-port,addr=4294967296", -ERANGE,
		     "addr=4294967296: does not fit in 32 bits (at most 4294967295)");
	expect_error("pcie-root-port,addr=99999999999999999999999", -ERANGE,
		     "addr=99999999999999999999999: does not fit in 32 bits (at most 4294967295)");
	expect_error("pcie-root-port,hotplug=maybe", -EINVAL,
		     "hotplug=maybe: not a boolean (use on/off, true/false, yes/no, 1/0)");
	expect_error("pcie-root-port,hotplug=", -EINVAL,
		     "hotplug=: not a boolean (use on/off, true/false, yes/no, 1/0)");
	expect_error("testdev,id=a/b", -EINVAL,
		     "id=a/b: only letters, digits, '_', '.' and '-' are allowed");
	expect_error("testdev,id=a b", -EINVAL,
		     "id=a b: only letters, digits, '_', '.' and '-' are allowed");
	expect_error("testdev,id=", -EINVAL, "id=: empty value (give id=NAME)");
}

static void string_charset_and_length_limit(void **state)
{
	struct vdm_prop_values pv;
	char spec[160], want[160], err[256];

	assert_int_equal(parse("testdev,id=Az09_.-x,bus=rp0", &pv, err, sizeof(err), NULL), 0);
	assert_string_equal(vdm_props_str(&pv, "id", NULL), "Az09_.-x");
	assert_string_equal(vdm_props_str(&pv, "bus", NULL), "rp0");

	/* 63 characters fit, 64 do not. */
	snprintf(spec, sizeof(spec), "testdev,id=%.63s", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
							 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(parse(spec, &pv, err, sizeof(err), NULL), 0);
	assert_int_equal(strlen(vdm_props_str(&pv, "id", "")), 63);
	strcat(spec, "a");
	snprintf(want, sizeof(want), "id=%.37s...: value longer than 63 characters",
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	expect_error(spec, -E2BIG, want);
	/* Over-long values of numeric types are refused the same way. */
	expect_error("testdev,membar=0000000000000000000000000000000000000000000000000000000000004096",
		     -E2BIG, "membar=000000000000000000000000000000000...: value longer than 63 "
			     "characters");
}

static void syntax_errors_say_how_to_fix_them(void **state)
{
	expect_error("testdev,membar=4M,membar=8M", -EEXIST,
		     "membar=8M: membar given twice (give it once)");
	expect_error("testdev,id=a,bus=b,id=a", -EEXIST, "id=a: id given twice (give it once)");
	expect_error("testdev,membar", -EINVAL, "membar: missing '=' (write membar=VALUE)");
	expect_error("testdev,id=a,membar", -EINVAL, "membar: missing '=' (write membar=VALUE)");
	expect_error("testdev,=4M", -EINVAL, "=4M: empty property name (write NAME=VALUE)");
	expect_error("testdev,=", -EINVAL, "=: empty property name (write NAME=VALUE)");
	expect_error("testdev,membar=4M,", -EINVAL, "membar=4M,: trailing comma (remove it)");
	expect_error("testdev,", -EINVAL, "testdev,: trailing comma (remove it)");
	expect_error("testdev,membar=4M,,id=a", -EINVAL,
		     "membar=4M,,: empty property between commas (remove one comma)");
	expect_error("testdev,,id=a", -EINVAL, ",: empty property (remove the extra comma)");
	expect_error("testdev,,", -EINVAL, ",: empty property (remove the extra comma)");
}

static void long_offending_text_is_cut_in_messages(void **state)
{
	expect_error("testdev,abcdefghijabcdefghijabcdefghijabcdefghijXYZ=1", -ENOENT,
		     "abcdefghijabcdefghijabcdefghijabcdefghij...: unknown property of testdev "
		     "(known: membar, id, bus)");
	expect_error("abcdefghijabcdefghijabcdefghijabcdefghijXYZ,membar=4M", -ENOENT,
		     "abcdefghijabcdefghijabcdefghijabcdefghij...: unknown device type "
		     "(known: testdev, pcie-root-port)");
}

static void required_property_must_be_given(void **state)
{
	struct vdm_prop_values pv;
	char err[128];

	assert_int_equal(vdm_props_parse_args("", &reqdev, common_props, 2, &pv, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "reqdev: missing required property membar (give membar=VALUE)");
	assert_int_equal(pv.count, 0);
	assert_int_equal(vdm_props_parse_args("id=x", &reqdev, common_props, 2, &pv, err,
					      sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "reqdev: missing required property membar (give membar=VALUE)");
	assert_int_equal(vdm_props_parse_args("id=x,membar=5", &reqdev, common_props, 2, &pv, err,
					      sizeof(err)),
			 0);
	assert_int_equal(vdm_props_num(&pv, "membar", 0), 5); /* no POW2 flag: 5 is fine */
	assert_int_equal(vdm_props_parse_args(NULL, &reqdev, NULL, 0, &pv, err, sizeof(err)),
			 -EINVAL);
}

static void more_than_max_properties_is_refused(void **state)
{
	static struct vdm_prop_desc many[VDM_PROPS_MAX + 2];
	static char names[VDM_PROPS_MAX + 2][8];
	struct vdm_device_type big = { VDM_STRUCT_HEAD(struct vdm_device_type), .name = "big",
				       .props_schema = many, .num_props = VDM_PROPS_MAX + 2 };
	struct vdm_prop_values pv;
	char args[512] = "", err[128];
	size_t i, n;

	for (i = 0; i < VDM_PROPS_MAX + 2; i++) {
		snprintf(names[i], sizeof(names[i]), "p%zu", i);
		many[i] = (struct vdm_prop_desc){ .name = names[i], .type = VDM_PROP_U32 };
	}
	for (i = 0; i < VDM_PROPS_MAX; i++) {
		n = strlen(args);
		snprintf(args + n, sizeof(args) - n, "%sp%zu=%zu", i ? "," : "", i, i);
	}
	assert_int_equal(vdm_props_parse_args(args, &big, NULL, 0, &pv, err, sizeof(err)), 0);
	assert_int_equal(pv.count, VDM_PROPS_MAX);
	assert_int_equal(vdm_props_num(&pv, "p31", 0), 31);
	strcat(args, ",p32=32");
	assert_int_equal(vdm_props_parse_args(args, &big, NULL, 0, &pv, err, sizeof(err)), -E2BIG);
	assert_string_equal(err, "p32=32: too many properties (at most 32)");
	assert_int_equal(pv.count, 0);
}

static void format_writes_canonical_text_and_needed_length(void **state)
{
	struct vdm_prop_values pv;
	char buf[64], small[8], err[64];

	assert_int_equal(parse("testdev,membar=0x400000,id=dev0", &pv, err, sizeof(err), NULL), 0);
	assert_int_equal(vdm_props_format(&pv, buf, sizeof(buf)), strlen("membar=0x400000,id=dev0"));
	assert_string_equal(buf, "membar=0x400000,id=dev0");
	memset(small, 'X', sizeof(small));
	assert_int_equal(vdm_props_format(&pv, small, sizeof(small)), 23);
	assert_string_equal(small, "membar="); /* cut, still terminated */
	assert_int_equal(vdm_props_format(&pv, NULL, 0), 23);

	assert_int_equal(parse("testdev", &pv, err, sizeof(err), NULL), 0);
	strcpy(buf, "junk");
	assert_int_equal(vdm_props_format(&pv, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

static void tiny_or_missing_error_buffer_is_safe(void **state)
{
	struct vdm_prop_values pv;
	char err[8];

	assert_int_equal(parse("testdev,membar=3M", &pv, NULL, 0, NULL), -EINVAL);
	assert_int_equal(parse("testdev,membar=3M", &pv, err, sizeof(err), NULL), -EINVAL);
	assert_string_equal(err, "membar=");
	assert_int_equal(parse(NULL, &pv, err, sizeof(err), NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes_accept_decimal_hex_and_binary_suffixes),
		cmocka_unit_test(sizes_reject_text_that_is_not_a_size),
		cmocka_unit_test(sizes_over_64_bits_are_erange),
		cmocka_unit_test(spec_with_size_and_id_yields_type_and_values),
		cmocka_unit_test(bare_type_name_gives_no_properties),
		cmocka_unit_test(numbers_booleans_and_pow2_sizes_parse),
		cmocka_unit_test(unknown_property_lists_device_then_common_names),
		cmocka_unit_test(unknown_property_of_type_without_schema_says_none),
		cmocka_unit_test(unknown_device_type_lists_known_types),
		cmocka_unit_test(former_vdm_names_select_the_type_with_qemus_name),
		cmocka_unit_test(size_errors_name_the_value),
		cmocka_unit_test(number_bool_and_string_errors_name_the_value),
		cmocka_unit_test(string_charset_and_length_limit),
		cmocka_unit_test(syntax_errors_say_how_to_fix_them),
		cmocka_unit_test(long_offending_text_is_cut_in_messages),
		cmocka_unit_test(required_property_must_be_given),
		cmocka_unit_test(more_than_max_properties_is_refused),
		cmocka_unit_test(format_writes_canonical_text_and_needed_length),
		cmocka_unit_test(tiny_or_missing_error_buffer_is_safe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
