/* Regression tests for what the fuzz targets (tests/fuzz) found: each finding's triggering
 * input replayed through its target, the behaviour it broke checked directly, and the seeds. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vdm/props.h>
#include <vdm/ring.h>

#include <vdm/aml.h>
#include "qmp.h"      /* vmm-example: QMP sessions */
#include "qmp_json.h" /* vmm-example: the strict JSON parser */

/*
 * The targets are compiled into this program: a broken invariant calls FUZZ_FAIL(), which
 * here fails the running test (instead of abort()), and each target's entry point gets its
 * own name.  Known findings are checked strictly here (VDM_FUZZ_ALLOW_KNOWN is ignored).
 *
 * Findings (tests/fuzz/README.md has the full list):
 *   F1 abi/props.c        vdm_parse_size: digits that overflowed before a non-digit gave
 *                         -ERANGE ("does not fit in 64 bits"), not -EINVAL ("not a size");
 *                         fixed in c8027fe.
 *   F2 firmware/aml*.c    vdm_aml_append(x, x): heap-use-after-free (emit() copied from the buffer
 *                         put() reallocates); fixed in c8027fe (refused as an error).
 *   F3 tests/guest/lib    AML walker read one byte past a table ending in a bare Name; fixed
 *                         in b6b3eea; its input is tests/fuzz/corpus/fuzz_aml/regress-F3-*,
 *                         replayed by scripts/fuzz-ci.sh under ASan (the walker is not linked
 *                         here: its `struct vdm_aml` clashes with the encoder's).
 *   F4 abi/ring.c         vdm_ring_check_response accepted a read whose value is wider than the
 *                         access (1-byte config read returning 0x236), so the proxy handed the
 *                         VMM bits a device.h value never has; fixed in cfcb1aa.
 *   F5 vmm-example/qmp_json.c  json_parse accepted a 0x01 byte as a value (null): parse_value's
 *                         fallback parse_literal(ps, "\x01", ...) matched it; fixed in 7627e63.
 *   F6 vmm-example/qmp.c  QMP error replies quoted request names with "%.64s", which could cut
 *                         a UTF-8 character: the reply was not valid UTF-8; fixed in 7627e63.
 *   F7 devices/root_port.c  get_reserves() checked bus-reserve after cutting it to 32 bits: a
 *                         hand-built (not parsed) 0x100000005 was accepted as 5; fixed in
 *                         d81ded7.
 *   F8 firmware/aml.c     field widths of 63, 4094-4095 and 1048573-1048575 bits use one byte
 *                         fewer than iasl (iasl sizes them like a PkgLength that counts its own
 *                         bytes); found by tests/fuzz/aml-iasl-check.sh; fixed (byte counts
 *                         now chosen as iasl chooses them).
 * A test for a finding not fixed yet is named known_bug_F* and fails until it is fixed.
 */
#define FUZZ_FAIL() fail_msg("fuzz invariant broken (the line above says which)")

int fuzz_testdev_one(const uint8_t *data, size_t size);
int fuzz_root_port_one(const uint8_t *data, size_t size);
int fuzz_ged_one(const uint8_t *data, size_t size);
int fuzz_props_one(const uint8_t *data, size_t size);
int fuzz_pci_decode_one(const uint8_t *data, size_t size);
int fuzz_ring_response_one(const uint8_t *data, size_t size);
int fuzz_qmp_json_one(const uint8_t *data, size_t size);

#define LLVMFuzzerTestOneInput fuzz_testdev_one
#include "../fuzz/fuzz_testdev.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_root_port_one
#include "../fuzz/fuzz_root_port.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_ged_one
#include "../fuzz/fuzz_ged.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_props_one
#include "../fuzz/fuzz_props.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_pci_decode_one
#include "../fuzz/fuzz_pci_decode.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_ring_response_one
#include "../fuzz/fuzz_ring_response.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_qmp_json_one
#include "../fuzz/fuzz_qmp_json.c"
#undef LLVMFuzzerTestOneInput

typedef int (*one_fn)(const uint8_t *data, size_t size);

/* Run every file of tests/fuzz/corpus/<target> through `one`; returns how many. */
static unsigned replay_seeds(const char *target, one_fn one)
{
	const char *src = getenv("VDM_SOURCE_DIR");
	char dir[1024], path[1400];
	struct dirent *e;
	unsigned n = 0;
	DIR *d;

	if (!src)
		src = ".";
	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", src, target);
	d = opendir(dir);
	if (!d)
		fail_msg("no seed corpus at %s (VDM_SOURCE_DIR=%s)", dir, src);
	while ((e = readdir(d)) != NULL) {
		FILE *fp;
		uint8_t *buf;
		long len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fp = fopen(path, "rb");
		assert_non_null(fp);
		assert_int_equal(fseek(fp, 0, SEEK_END), 0);
		len = ftell(fp);
		assert_true(len >= 0);
		rewind(fp);
		buf = malloc(len ? (size_t)len : 1); /* exact size, for ASan */
		assert_non_null(buf);
		assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
		fclose(fp);
		one(buf, (size_t)len);
		free(buf);
		n++;
	}
	closedir(d);
	return n;
}

/* ---- the seed corpora hold every invariant (plain and sanitizer builds alike) ---------- */

static void testdev_seeds_keep_protocol_bar_sizes_and_read_only_ids(void **state)
{
	(void)state;
	assert_true(replay_seeds("fuzz_testdev", fuzz_testdev_one) >= 8);
}

static void root_port_seeds_keep_reserves_windows_presence_and_read_only_caps(void **state)
{
	(void)state;
	assert_true(replay_seeds("fuzz_root_port", fuzz_root_port_one) >= 8);
}

static void ged_seeds_match_the_register_model_and_keep_bitmaps_within_slots(void **state)
{
	(void)state;
	assert_true(replay_seeds("fuzz_ged", fuzz_ged_one) >= 8);
}

static void props_seeds_parse_within_schema_and_round_trip(void **state)
{
	(void)state;
	assert_true(replay_seeds("fuzz_props", fuzz_props_one) >= 8);
}

static void pci_decoder_seeds_stay_bounded_on_hostile_config_space(void **state)
{
	(void)state;
	assert_true(replay_seeds("fuzz_pci_decode", fuzz_pci_decode_one) >= 8);
}

static void ring_seeds_never_let_a_hostile_device_through(void **state)
{
	(void)state;
	assert_true(replay_seeds("fuzz_ring_response", fuzz_ring_response_one) >= 8);
}

static void qmp_seeds_parse_strictly_and_reply_in_valid_json(void **state)
{
	(void)state;
	assert_true(replay_seeds("fuzz_qmp_json", fuzz_qmp_json_one) >= 8);
}

/* ---- F1: vdm_parse_size, overflow before garbage (fixed in c8027fe) --------------------- */

static void fuzz_F1_overflowing_digits_then_garbage_is_not_a_size(void **state)
{
	/* fuzz_props input: mode 0 (vdm_parse_size), no error buffer, then the text. */
	static const uint8_t input[] = "\x00\x00\x00" "99999999999999999999x";
	struct vdm_prop_values pv;
	static const struct vdm_prop_desc size_prop[] = {
		{ .name = "membar", .type = VDM_PROP_SIZE },
	};
	static const struct vdm_device_type t = {
		VDM_STRUCT_HEAD(struct vdm_device_type), .name = "t", .props_schema = size_prop,
		.num_props = 1,
	};
	char err[160];
	uint64_t v = 0;

	(void)state;
	assert_int_equal(vdm_parse_size("99999999999999999999x", &v), -EINVAL);
	assert_int_equal(vdm_props_parse_args("membar=99999999999999999999x", &t, NULL, 0, &pv,
					      err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "membar=99999999999999999999x: not a size");
	fuzz_props_one(input, sizeof(input) - 1);
}

/* ---- F2: vdm_aml_append of a block to itself (fixed in c8027fe; was a use-after-free) ------- */

static void fuzz_F2_appending_a_block_to_itself_is_refused(void **state)
{
	/* fuzz_aml input that found it (tree mode, misuse case 18): 66 d9 8b 03 9a 26 8b */
	struct vdm_aml_ctx *c = vdm_aml_ctx_new();
	struct vdm_aml *m;
	const char *msg = NULL;
	unsigned i;

	(void)state;
	assert_non_null(c);
	m = vdm_aml_method(c, "SELF", 0, VDM_AML_NOT_SERIALIZED);
	/* Enough body that copying it into itself must grow (and move) the buffer. */
	for (i = 0; i < 40; i++)
		vdm_aml_append(m, vdm_aml_return(c, vdm_aml_int(c, i)));
	assert_int_equal(vdm_aml_ctx_error(c, NULL), 0);
	vdm_aml_append(m, m);
	assert_int_equal(vdm_aml_ctx_error(c, &msg), -EINVAL);
	assert_true(msg && msg[0]);
	vdm_aml_ctx_free(c);
}

/* ---- F4: ring read values wider than the access (fixed in cfcb1aa) ---------------------- */

static void fuzz_F4_ring_refuses_read_data_wider_than_the_access(void **state)
{
	/* fuzz_ring_response input: client mode; an honest 1-byte config read of the testdev
	 * (0x36), then the hostile device flips bit 1 of data byte 1: the client must refuse
	 * 0x236 (the fuzz target checks it) instead of handing it to the VMM. */
	static const uint8_t input[] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
					 0x00, 0x01, 0x00, 0x05, 0x11, 0x01 };
	struct vdm_ring_entry req = { .seq = 7, .kind = VDM_RING_CFG_READ, .size = 1 };
	struct vdm_ring_entry rsp = req;

	(void)state;
	rsp.kind |= VDM_RING_KIND_RESPONSE;
	rsp.data = 0x236;
	assert_int_equal(vdm_ring_check_response(&req, &rsp), VDM_RING_FAULT_DATA);
	req.kind = VDM_RING_BAR_READ;
	req.size = 2;
	rsp = req;
	rsp.kind |= VDM_RING_KIND_RESPONSE;
	rsp.data = 0x40ffff;
	assert_int_equal(vdm_ring_check_response(&req, &rsp), VDM_RING_FAULT_DATA);
	rsp.status = -EINVAL; /* a refused access reads all-ones of any width: still fine */
	rsp.data = UINT64_MAX;
	assert_int_equal(vdm_ring_check_response(&req, &rsp), VDM_RING_FAULT_NONE);
	fuzz_ring_response_one(input, sizeof(input));
}

/* ---- F5: a 0x01 byte parsed as JSON null (fixed in 7627e63) ----------------------------- */

static void fuzz_F5_json_parser_refuses_a_0x01_byte(void **state)
{
	static const uint8_t input[] = { 0xf9, 0x01 }; /* fuzz_qmp_json: JSON mode, "\x01" */
	struct json_value *v;
	char err[256];

	(void)state;
	v = json_parse("\x01", 1, err, sizeof(err));
	json_free(v);
	assert_null(v);
	assert_string_equal(err, "JSON parse error at byte 0: invalid literal (expected a value: "
				 "object, array, string, number, true, false or null)");
	v = json_parse("{\"execute\": \x01}", 15, err, sizeof(err));
	json_free(v);
	assert_null(v);
	fuzz_qmp_json_one(input, sizeof(input));
}

/* ---- F6: QMP error replies cut a UTF-8 character (fixed in 7627e63) --------------------- */

static void fuzz_F6_qmp_error_reply_with_a_long_utf8_name_is_valid_json(void **state)
{
	/* A member name of 63 'a' and an e-acute: "Parameter '%.64s'" keeps its first byte. */
	static const char msg[] = "{\"execute\":\"qmp_capabilities\",\"arguments\":{\""
				  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				  "\xc3\xa9\":1}}";
	uint8_t input[sizeof(msg) + 2];
	struct fq_vmm m = { 0 };
	struct mon_ops ops;
	struct mon_buf out = { 0 };
	struct qmp_session *s = calloc(1, sizeof(*s));
	struct json_value *reply;
	char err[256];

	(void)state;
	assert_non_null(s);
	fq_ops_init(&ops, &m);
	qmp_session_init(s, &ops, &out);
	qmp_handle_message(s, msg, sizeof(msg) - 1);
	assert_non_null(out.s);
	assert_true(out.len > 2 && out.s[out.len - 1] == '\n');
	reply = json_parse(out.s, out.len - 2, err, sizeof(err));
	if (!reply)
		fail_msg("reply is not valid JSON (%s): %s", err, out.s);
	assert_non_null(json_get(reply, "error"));
	json_free(reply);
	mon_buf_free(&out);
	free(s);
	/* The fuzz input that found it: session mode, the same message. */
	input[0] = 0x00;
	input[1] = 0x01;
	memcpy(input + 2, msg, sizeof(msg) - 1);
	input[sizeof(msg) + 1] = '\n';
	fuzz_qmp_json_one(input, sizeof(input));
}

/* ---- F7: hand-built bus-reserve cut to 32 bits before its check (fixed in d81ded7) ----- */

static void fuzz_F7_hand_built_bus_reserve_above_255_is_refused(void **state)
{
	/* fuzz_root_port input: mask 0xfe10 (bit 15: hand-built; bit 4: bus-reserve), value
	 * 0x100000000 from the interesting list. */
	static const uint8_t input[] = { 0x10, 0xfe, 0x61, 0x26, 0x61, 0x61,
					 0x0c, 0x61, 0x00, 0x61, 0x3d, 0x61 };
	struct vdm_prop_values pv;
	struct vdm_device *dev = NULL;
	char err[200] = "";
	int r;

	(void)state;
	memset(&pv, 0, sizeof(pv));
	pv.count = 1;
	pv.v[0].desc = &vdm_root_port_type.props_schema[4];
	assert_string_equal(pv.v[0].desc->name, "bus-reserve");
	pv.v[0].num = 0x100000005ull;
	snprintf(pv.v[0].str, sizeof(pv.v[0].str), "4294967301");
	r = vdm_root_port_type.create(&pv, NULL, &dev, err, sizeof(err));
	vdm_device_destroy(dev);
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(err, "bus-reserve"));
	fuzz_root_port_one(input, sizeof(input));
}

/* ---- F8: field widths at the PkgLength boundaries encode as iasl does ----------------- */

static void fuzz_F8_field_widths_encode_as_iasl_does(void **state)
{
	/* iasl -of -on of
	 *   Field (R000, AnyAcc, NoLock, Preserve) { A000, 62, B000, 63, C000, 4094,
	 *                                            D000, 4095, , 63, E000, 1 }
	 * gives these bytes (the Field op through its last unit). */
	static const uint8_t iasl[] = {
		0x5b, 0x81, 0x27, 'R', '0', '0', '0', 0x00, 'A', '0', '0', '0', 0x3e,
		'B', '0', '0', '0', 0x4f, 0x03, 'C', '0', '0', '0', 0x8e, 0xff, 0x00,
		'D', '0', '0', '0', 0x8f, 0xff, 0x00, 0x00, 0x4f, 0x03, 'E', '0', '0', '0', 0x01,
	};
	struct vdm_aml_ctx *c = vdm_aml_ctx_new();
	struct vdm_aml *root, *f;
	uint8_t *out = NULL;
	size_t len = 0;

	(void)state;
	assert_non_null(c);
	root = vdm_aml_list(c);
	f = vdm_aml_field(c, "R000", VDM_AML_ANY_ACC, VDM_AML_NO_LOCK, VDM_AML_PRESERVE);
	vdm_aml_field_named(f, "A000", 62);
	vdm_aml_field_named(f, "B000", 63);
	vdm_aml_field_named(f, "C000", 4094);
	vdm_aml_field_named(f, "D000", 4095);
	vdm_aml_field_reserved(f, 63);
	vdm_aml_field_named(f, "E000", 1);
	vdm_aml_append(root, f);
	assert_int_equal(vdm_aml_serialize(root, &out, &len), 0);
	assert_int_equal(len, sizeof(iasl));
	assert_memory_equal(out, iasl, sizeof(iasl));
	free(out);
	vdm_aml_ctx_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(testdev_seeds_keep_protocol_bar_sizes_and_read_only_ids),
		cmocka_unit_test(root_port_seeds_keep_reserves_windows_presence_and_read_only_caps),
		cmocka_unit_test(ged_seeds_match_the_register_model_and_keep_bitmaps_within_slots),
		cmocka_unit_test(props_seeds_parse_within_schema_and_round_trip),
		cmocka_unit_test(pci_decoder_seeds_stay_bounded_on_hostile_config_space),
		cmocka_unit_test(ring_seeds_never_let_a_hostile_device_through),
		cmocka_unit_test(qmp_seeds_parse_strictly_and_reply_in_valid_json),
		cmocka_unit_test(fuzz_F1_overflowing_digits_then_garbage_is_not_a_size),
		cmocka_unit_test(fuzz_F2_appending_a_block_to_itself_is_refused),
		cmocka_unit_test(fuzz_F4_ring_refuses_read_data_wider_than_the_access),
		cmocka_unit_test(fuzz_F5_json_parser_refuses_a_0x01_byte),
		cmocka_unit_test(fuzz_F6_qmp_error_reply_with_a_long_utf8_name_is_valid_json),
		cmocka_unit_test(fuzz_F7_hand_built_bus_reserve_above_255_is_refused),
		cmocka_unit_test(fuzz_F8_field_widths_encode_as_iasl_does),
	};

	unsetenv("VDM_FUZZ_ALLOW_KNOWN");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
