/* Unit tests for vmm-example's address bus (vmm-example/bus.c): ranges are found by
 * bisection, overlaps are refused, and misses read all-ones. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "bus.h"

struct rec {
	uint64_t last_off, last_val;
	uint32_t last_size, reads, writes;
	uint64_t answer;
};

static void rd(void *opaque, uint64_t off, uint32_t size, uint64_t *v)
{
	struct rec *r = opaque;

	r->last_off = off;
	r->last_size = size;
	r->reads++;
	*v = r->answer;
}

static void wr(void *opaque, uint64_t off, uint32_t size, uint64_t v)
{
	struct rec *r = opaque;

	r->last_off = off;
	r->last_size = size;
	r->last_val = v;
	r->writes++;
}

static void lookup_finds_each_range_and_passes_the_offset(void **state)
{
	struct rec recs[40] = { { 0 } };
	struct bus b;
	uint64_t v;
	int i;

	(void)state;
	vdm__bus_init(&b);
	/* insert out of order: 0x1000 * i for i descending, each 0x100 long */
	for (i = 39; i >= 0; i--) {
		struct bus_handler h = { "r", rd, wr, &recs[i] };

		recs[i].answer = 0xa000 + (uint64_t)i;
		assert_int_equal(vdm__bus_add(&b, 0x1000 * (uint64_t)i + 0x10, 0x100, &h), 0);
	}
	for (i = 0; i < 40; i++) {
		assert_int_equal(vdm__bus_read(&b, 0x1000 * (uint64_t)i + 0x10 + 0x44, 4, &v), 1);
		assert_int_equal(v, 0xa000 + (uint64_t)i);
		assert_int_equal(recs[i].last_off, 0x44);
		assert_int_equal(recs[i].last_size, 4);
		assert_int_equal(vdm__bus_write(&b, 0x1000 * (uint64_t)i + 0x10 + 0xff, 1, 0x5a),
				 1);
		assert_int_equal(recs[i].last_off, 0xff);
		assert_int_equal(recs[i].last_val, 0x5a);
	}
	vdm__bus_destroy(&b);
}

static void miss_reads_all_ones_of_the_access_size(void **state)
{
	struct rec r = { .answer = 7 };
	struct bus_handler h = { "r", rd, wr, &r };
	struct bus b;
	uint64_t v;

	(void)state;
	vdm__bus_init(&b);
	assert_int_equal(vdm__bus_add(&b, 0x3f8, 8, &h), 0);
	assert_int_equal(vdm__bus_read(&b, 0x3f7, 1, &v), 0);
	assert_int_equal(v, 0xff);
	assert_int_equal(vdm__bus_read(&b, 0x400, 2, &v), 0);
	assert_int_equal(v, 0xffff);
	assert_int_equal(vdm__bus_read(&b, 0x0, 4, &v), 0);
	assert_int_equal(v, 0xffffffffu);
	assert_int_equal(vdm__bus_read(&b, 0x0, 8, &v), 0);
	assert_true(v == UINT64_MAX);
	/* an access that runs past the end of a range is not that range's */
	assert_int_equal(vdm__bus_read(&b, 0x3fe, 4, &v), 0);
	assert_int_equal(vdm__bus_write(&b, 0x3ff, 2, 1), 0);
	assert_int_equal(r.reads + r.writes, 0);
	assert_int_equal(vdm__bus_read(&b, 0x3ff, 1, &v), 1);
	assert_int_equal(v, 7);
	vdm__bus_destroy(&b);
}

static void overlapping_and_empty_ranges_are_refused(void **state)
{
	struct rec r = { 0 };
	struct bus_handler h = { "r", rd, wr, &r };
	struct bus b;

	(void)state;
	vdm__bus_init(&b);
	assert_int_equal(vdm__bus_add(&b, 0x1000, 0x1000, &h), 0);
	assert_int_equal(vdm__bus_add(&b, 0xfff, 2, &h), -EEXIST);
	assert_int_equal(vdm__bus_add(&b, 0x1fff, 1, &h), -EEXIST);
	assert_int_equal(vdm__bus_add(&b, 0x1800, 1, &h), -EEXIST);
	assert_int_equal(vdm__bus_add(&b, 0x0, 0x2000, &h), -EEXIST);
	assert_int_equal(vdm__bus_add(&b, 0x2000, 0, &h), -EINVAL);
	assert_int_equal(vdm__bus_add(&b, UINT64_MAX, 2, &h), -EINVAL);
	assert_int_equal(vdm__bus_add(&b, 0x2000, 1, &h), 0);
	assert_int_equal(vdm__bus_add(&b, 0xfff, 1, &h), 0);
	assert_int_equal(b.n, 3);
	assert_true(vdm__bus_find(&b, UINT64_MAX, 1) == NULL);
	assert_int_equal(vdm__bus_add(&b, UINT64_MAX, 1, &h), 0);
	assert_true(vdm__bus_find(&b, UINT64_MAX, 1) != NULL);
	vdm__bus_destroy(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lookup_finds_each_range_and_passes_the_offset),
		cmocka_unit_test(miss_reads_all_ones_of_the_access_size),
		cmocka_unit_test(overlapping_and_empty_ranges_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
