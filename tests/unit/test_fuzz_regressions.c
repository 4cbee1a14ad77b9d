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

#include "aml.h" /* vmm-example/firmware: the AML encoder */

/*
 * The targets are compiled into this program: a broken invariant calls FUZZ_FAIL(), which
 * here fails the running test (instead of abort()), and each target's entry point gets its
 * own name.  Known findings are checked strictly here (VDM_FUZZ_ALLOW_KNOWN is ignored).
 *
 * Findings (tests/fuzz/README.md has the full list):
 *   F1 abi/props.c        vdm_parse_size: digits that overflowed before a non-digit gave
 *                         -ERANGE ("does not fit in 64 bits"), not -EINVAL ("not a size");
 *                         fixed in c8027fe.
 *   F2 firmware/aml*.c    aml_append(x, x): heap-use-after-free (emit() copied from the buffer
 *                         put() reallocates); fixed in c8027fe (refused as an error).
 *   F3 tests/guest/lib    AML walker read one byte past a table ending in a bare Name; fixed
 *                         in b6b3eea; its input is tests/fuzz/corpus/fuzz_aml/regress-F3-*,
 *                         replayed by scripts/fuzz-ci.sh under ASan (the walker is not linked
 *                         here: its `struct aml` clashes with the encoder's).
 *   F4 abi/ring.c         vdm_ring_check_response accepted a read whose value is wider than the
 *                         access (1-byte config read returning 0x236), so the proxy handed the
 *                         VMM bits a device.h value never has; fixed in cfcb1aa.
 * A test for a finding not fixed yet is named known_bug_F* and fails until it is fixed.
 */
#define FUZZ_FAIL() fail_msg("fuzz invariant broken (the line above says which)")

int fuzz_testdev_one(const uint8_t *data, size_t size);
int fuzz_root_port_one(const uint8_t *data, size_t size);
int fuzz_ged_one(const uint8_t *data, size_t size);
int fuzz_props_one(const uint8_t *data, size_t size);
int fuzz_pci_decode_one(const uint8_t *data, size_t size);
int fuzz_ring_response_one(const uint8_t *data, size_t size);

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
#include "../fuzz/fuzz_pci.c"

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

/* ---- F2: aml_append of a block to itself (fixed in c8027fe; was a use-after-free) ------- */

static void fuzz_F2_appending_a_block_to_itself_is_refused(void **state)
{
	/* fuzz_aml input that found it (tree mode, misuse case 18): 66 d9 8b 03 9a 26 8b */
	struct aml_ctx *c = aml_ctx_new();
	struct aml *m;
	const char *msg = NULL;
	unsigned i;

	(void)state;
	assert_non_null(c);
	m = aml_method(c, "SELF", 0, AML_NOT_SERIALIZED);
	/* Enough body that copying it into itself must grow (and move) the buffer. */
	for (i = 0; i < 40; i++)
		aml_append(m, aml_return(c, aml_int(c, i)));
	assert_int_equal(aml_ctx_error(c, NULL), 0);
	aml_append(m, m);
	assert_int_equal(aml_ctx_error(c, &msg), -EINVAL);
	assert_true(msg && msg[0]);
	aml_ctx_free(c);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(testdev_seeds_keep_protocol_bar_sizes_and_read_only_ids),
		cmocka_unit_test(root_port_seeds_keep_reserves_windows_presence_and_read_only_caps),
		cmocka_unit_test(ged_seeds_match_the_register_model_and_keep_bitmaps_within_slots),
		cmocka_unit_test(props_seeds_parse_within_schema_and_round_trip),
		cmocka_unit_test(pci_decoder_seeds_stay_bounded_on_hostile_config_space),
		cmocka_unit_test(ring_seeds_never_let_a_hostile_device_through),
		cmocka_unit_test(fuzz_F1_overflowing_digits_then_garbage_is_not_a_size),
		cmocka_unit_test(fuzz_F2_appending_a_block_to_itself_is_refused),
		cmocka_unit_test(fuzz_F4_ring_refuses_read_data_wider_than_the_access),
	};

	unsetenv("VDM_FUZZ_ALLOW_KNOWN");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
