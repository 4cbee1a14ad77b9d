/* Unit tests for the firmware range allocator (vmm-example/firmware/vdm_alloc.c): the edge
 * cases vm-allocator shipped bugs in, plus a randomised comparison with a bitmap model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>

#include <cmocka.h>

#include <vdm/alloc.h>

static struct vdm_alloc *mk(uint64_t first, uint64_t last)
{
	struct vdm_alloc *a = NULL;

	assert_int_equal(vdm_alloc_create(first, last, &a), 0);
	return a;
}

static void check_free(const struct vdm_alloc *a, size_t i, uint64_t first, uint64_t last)
{
	uint64_t f, l;

	assert_int_equal(vdm_alloc_range(a, i, &f, &l), 0);
	assert_int_equal(f, first);
	assert_int_equal(l, last);
}

static void size_one_allocations_at_both_ends_of_the_pool(void **state)
{
	struct vdm_alloc *a = mk(0x1000, 0x1fff);
	uint64_t b;

	assert_int_equal(vdm_alloc_alloc(a, 1, 1, VDM_ALLOC_FIRST_FIT, 0, &b), 0);
	assert_int_equal(b, 0x1000);
	assert_int_equal(vdm_alloc_alloc(a, 1, 1, VDM_ALLOC_LAST_FIT, 0, &b), 0);
	assert_int_equal(b, 0x1fff);
	assert_int_equal(vdm_alloc_num_free(a), 1);
	check_free(a, 0, 0x1001, 0x1ffe);
	assert_int_equal(vdm_alloc_free_bytes(a), 0xffe);
	vdm_alloc_destroy(a);
}

static void a_one_unit_pool_holds_exactly_one_allocation(void **state)
{
	struct vdm_alloc *a = mk(7, 7);
	uint64_t b;

	assert_int_equal(vdm_alloc_alloc(a, 2, 1, VDM_ALLOC_FIRST_FIT, 0, &b), -ENOSPC);
	assert_int_equal(vdm_alloc_alloc(a, 1, 1, VDM_ALLOC_EXACT, 7, &b), 0);
	assert_int_equal(b, 7);
	assert_int_equal(vdm_alloc_num_free(a), 0);
	assert_int_equal(vdm_alloc_alloc(a, 1, 1, VDM_ALLOC_FIRST_FIT, 0, &b), -ENOSPC);
	assert_int_equal(vdm_alloc_free(a, 7, 1), 0);
	check_free(a, 0, 7, 7);
	vdm_alloc_destroy(a);
}

static void exact_allocation_ending_on_the_last_byte_succeeds_one_past_fails(void **state)
{
	struct vdm_alloc *a = mk(0, 0xffff);
	uint64_t b;

	assert_int_equal(vdm_alloc_alloc(a, 0x1000, 0x1000, VDM_ALLOC_EXACT, 0xf000, &b), 0);
	assert_int_equal(b, 0xf000);
	check_free(a, 0, 0, 0xefff);
	assert_int_equal(vdm_alloc_free(a, 0xf000, 0x1000), 0);
	/* one byte past the pool */
	assert_int_equal(vdm_alloc_alloc(a, 0x1001, 1, VDM_ALLOC_EXACT, 0xf000, &b), -ERANGE);
	assert_int_equal(vdm_alloc_alloc(a, 0x10, 1, VDM_ALLOC_EXACT, 0x10000, &b), -ERANGE);
	/* unaligned exact address */
	assert_int_equal(vdm_alloc_alloc(a, 0x1000, 0x1000, VDM_ALLOC_EXACT, 0xf800, &b), -EFAULT);
	assert_int_equal(vdm_alloc_num_free(a), 1);
	check_free(a, 0, 0, 0xffff);
	vdm_alloc_destroy(a);
}

static void whole_64bit_pool_serves_the_top_byte_and_never_wraps(void **state)
{
	struct vdm_alloc *a = mk(0, UINT64_MAX);
	uint64_t b;

	assert_int_equal(vdm_alloc_free_bytes(a), UINT64_MAX); /* saturated 2^64 */
	assert_int_equal(vdm_alloc_alloc(a, 1, 1, VDM_ALLOC_LAST_FIT, 0, &b), 0);
	assert_int_equal(b, UINT64_MAX);
	assert_int_equal(vdm_alloc_free_bytes(a), UINT64_MAX);
	assert_int_equal(vdm_alloc_alloc(a, UINT64_C(1) << 63, UINT64_C(1) << 63,
					 VDM_ALLOC_LAST_FIT, 0, &b), 0);
	assert_int_equal(b, 0); /* the upper half is no longer whole */
	/* exact range wrapping past 2^64 */
	assert_int_equal(vdm_alloc_alloc(a, 2, 1, VDM_ALLOC_EXACT, UINT64_MAX, &b), -ERANGE);
	assert_int_equal(vdm_alloc_free(a, UINT64_MAX, 2), -ERANGE);
	assert_int_equal(vdm_alloc_free(a, UINT64_MAX, 1), 0);
	assert_int_equal(vdm_alloc_free(a, 0, UINT64_C(1) << 63), 0);
	assert_int_equal(vdm_alloc_num_free(a), 1);
	check_free(a, 0, 0, UINT64_MAX);
	assert_true(vdm_alloc_is_free(a, UINT64_MAX, 1));
	assert_false(vdm_alloc_is_free(a, UINT64_MAX, 2));
	vdm_alloc_destroy(a);
}

static void alignment_that_would_overflow_is_no_space_not_address_zero(void **state)
{
	struct vdm_alloc *a = mk(UINT64_MAX - 0xfff, UINT64_MAX);
	uint64_t b = 0x1234;

	assert_int_equal(vdm_alloc_alloc(a, 1, UINT64_C(1) << 63, VDM_ALLOC_FIRST_FIT, 0, &b),
			 -ENOSPC);
	assert_int_equal(vdm_alloc_alloc(a, 1, UINT64_C(1) << 63, VDM_ALLOC_LAST_FIT, 0, &b),
			 -ENOSPC);
	assert_int_equal(b, 0x1234);
	assert_int_equal(vdm_alloc_alloc(a, 0x1000, 0x1000, VDM_ALLOC_FIRST_FIT, 0, &b), 0);
	assert_int_equal(b, UINT64_MAX - 0xfff);
	vdm_alloc_destroy(a);
}

static void bad_size_alignment_and_policy_are_invalid(void **state)
{
	struct vdm_alloc *a = mk(0, 0xffff), *none = NULL;
	uint64_t b;

	assert_int_equal(vdm_alloc_create(5, 4, &none), -EINVAL);
	assert_null(none);
	assert_int_equal(vdm_alloc_alloc(a, 0, 1, VDM_ALLOC_FIRST_FIT, 0, &b), -EINVAL);
	assert_int_equal(vdm_alloc_alloc(a, 1, 0, VDM_ALLOC_FIRST_FIT, 0, &b), -EINVAL);
	assert_int_equal(vdm_alloc_alloc(a, 1, 3, VDM_ALLOC_FIRST_FIT, 0, &b), -EINVAL);
	assert_int_equal(vdm_alloc_alloc(a, 1, 1, (enum vdm_alloc_policy)9, 0, &b), -EINVAL);
	assert_int_equal(vdm_alloc_reserve(a, 0, 0), -EINVAL);
	assert_int_equal(vdm_alloc_free(a, 0, 0), -EINVAL);
	assert_int_equal(vdm_alloc_num_free(a), 1);
	vdm_alloc_destroy(a);
}

static void first_fit_takes_lowest_aligned_hole_last_fit_highest(void **state)
{
	struct vdm_alloc *a = mk(0x1000, 0xffff);
	uint64_t b;

	assert_int_equal(vdm_alloc_alloc(a, 0x100, 0x4000, VDM_ALLOC_FIRST_FIT, 0, &b), 0);
	assert_int_equal(b, 0x4000);
	assert_int_equal(vdm_alloc_alloc(a, 0x100, 0x4000, VDM_ALLOC_LAST_FIT, 0, &b), 0);
	assert_int_equal(b, 0xc000);
	assert_int_equal(vdm_alloc_alloc(a, 0x3000, 0x1000, VDM_ALLOC_FIRST_FIT, 0, &b), 0);
	assert_int_equal(b, 0x1000);
	assert_int_equal(vdm_alloc_num_free(a), 2);
	check_free(a, 0, 0x4100, 0xbfff);
	check_free(a, 1, 0xc100, 0xffff);
	{
		uint64_t f = 1, l = 1;

		assert_int_equal(vdm_alloc_range(a, 2, &f, &l), -ENOENT);
		assert_int_equal(f, 1);
	}
	vdm_alloc_destroy(a);
}

static void free_merges_with_both_neighbours_back_to_one_range(void **state)
{
	struct vdm_alloc *a = mk(0, 0x3fff);
	uint64_t b0, b1, b2, b3;

	assert_int_equal(vdm_alloc_alloc(a, 0x1000, 1, VDM_ALLOC_FIRST_FIT, 0, &b0), 0);
	assert_int_equal(vdm_alloc_alloc(a, 0x1000, 1, VDM_ALLOC_FIRST_FIT, 0, &b1), 0);
	assert_int_equal(vdm_alloc_alloc(a, 0x1000, 1, VDM_ALLOC_FIRST_FIT, 0, &b2), 0);
	assert_int_equal(vdm_alloc_alloc(a, 0x1000, 1, VDM_ALLOC_FIRST_FIT, 0, &b3), 0);
	assert_int_equal(vdm_alloc_num_free(a), 0);
	assert_int_equal(vdm_alloc_free(a, b1, 0x1000), 0);
	assert_int_equal(vdm_alloc_free(a, b3, 0x1000), 0);
	assert_int_equal(vdm_alloc_num_free(a), 2);
	assert_int_equal(vdm_alloc_free(a, b2, 0x1000), 0); /* merges both sides */
	assert_int_equal(vdm_alloc_num_free(a), 1);
	check_free(a, 0, 0x1000, 0x3fff);
	assert_int_equal(vdm_alloc_free(a, b0, 0x1000), 0);
	check_free(a, 0, 0, 0x3fff);
	assert_int_equal(vdm_alloc_free_bytes(a), 0x4000);
	vdm_alloc_destroy(a);
}

static void double_free_and_free_of_unallocated_space_are_refused(void **state)
{
	struct vdm_alloc *a = mk(0x100, 0x1ff);
	uint64_t b;

	assert_int_equal(vdm_alloc_alloc(a, 0x10, 0x10, VDM_ALLOC_FIRST_FIT, 0, &b), 0);
	assert_int_equal(vdm_alloc_free(a, b, 0x10), 0);
	assert_int_equal(vdm_alloc_free(a, b, 0x10), -ENOENT);
	assert_int_equal(vdm_alloc_alloc(a, 0x10, 0x10, VDM_ALLOC_FIRST_FIT, 0, &b), 0);
	/* half allocated, half free */
	assert_int_equal(vdm_alloc_free(a, b + 8, 0x10), -ENOENT);
	/* outside the pool */
	assert_int_equal(vdm_alloc_free(a, 0xf0, 0x10), -ERANGE);
	assert_int_equal(vdm_alloc_free(a, 0x1f8, 0x10), -ERANGE);
	assert_int_equal(vdm_alloc_num_free(a), 1);
	check_free(a, 0, 0x110, 0x1ff);
	vdm_alloc_destroy(a);
}

static void reserve_takes_unaligned_ranges_and_refuses_overlap(void **state)
{
	struct vdm_alloc *a = mk(0, 0xfff);
	uint64_t b;

	assert_int_equal(vdm_alloc_reserve(a, 0x3f8, 8), 0);
	assert_int_equal(vdm_alloc_reserve(a, 0x3fc, 8), -EBUSY);
	assert_int_equal(vdm_alloc_reserve(a, 0xffc, 8), -ERANGE);
	assert_false(vdm_alloc_is_free(a, 0x3f0, 0x10));
	assert_true(vdm_alloc_is_free(a, 0x3f0, 8));
	assert_int_equal(vdm_alloc_alloc(a, 0x400, 0x400, VDM_ALLOC_EXACT, 0, &b), -EBUSY);
	assert_int_equal(vdm_alloc_num_free(a), 2);
	check_free(a, 0, 0, 0x3f7);
	check_free(a, 1, 0x400, 0xfff);
	vdm_alloc_destroy(a);
}

static void bus_number_pool_hands_out_every_bus_once(void **state)
{
	struct vdm_alloc *a = mk(0, 255);
	uint64_t b;

	for (unsigned i = 0; i < 256; i++) {
		assert_int_equal(vdm_alloc_alloc(a, 1, 1, VDM_ALLOC_FIRST_FIT, 0, &b), 0);
		assert_int_equal(b, i);
	}
	assert_int_equal(vdm_alloc_alloc(a, 1, 1, VDM_ALLOC_FIRST_FIT, 0, &b), -ENOSPC);
	vdm_alloc_destroy(a);
}

static void largest_pow2_reports_what_an_aligned_allocation_gets(void **state)
{
	struct vdm_alloc *a = mk(0x3000, 0x12fff);
	uint64_t b;

	/* [0x3000,0x13000): the largest naturally aligned block is [0x8000, 0x10000) */
	assert_int_equal(vdm_alloc_largest_pow2(a, 0x100000), 0x8000);
	assert_int_equal(vdm_alloc_largest_pow2(a, 0x4000), 0x4000);
	assert_int_equal(vdm_alloc_largest_pow2(a, 3), 0);
	assert_int_equal(vdm_alloc_alloc(a, 0x8000, 0x8000, VDM_ALLOC_FIRST_FIT, 0, &b), 0);
	assert_int_equal(b, 0x8000);
	assert_int_equal(vdm_alloc_largest_pow2(a, 0x100000), 0x4000);
	vdm_alloc_destroy(a);
}

static void clone_is_independent_of_the_original(void **state)
{
	struct vdm_alloc *a = mk(0, 0xff), *c = NULL;
	uint64_t b;

	assert_int_equal(vdm_alloc_reserve(a, 0x10, 0x10), 0);
	assert_int_equal(vdm_alloc_clone(a, &c), 0);
	assert_int_equal(vdm_alloc_reserve(c, 0x80, 0x80), 0);
	assert_true(vdm_alloc_is_free(a, 0x80, 0x80));
	assert_false(vdm_alloc_is_free(c, 0x80, 0x80));
	assert_int_equal(vdm_alloc_alloc(c, 0x10, 0x10, VDM_ALLOC_LAST_FIT, 0, &b), 0);
	assert_int_equal(b, 0x70);
	assert_int_equal(vdm_alloc_first(c), 0);
	assert_int_equal(vdm_alloc_last(c), 0xff);
	vdm_alloc_destroy(c);
	vdm_alloc_destroy(a);
}

/* ---- randomised comparison with a bitmap model ---- */

#define MODEL_UNITS 512

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* splitmix64: deterministic for a given seed */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Lowest/highest aligned fit in the model, or -1. */
static long model_fit(const unsigned char *used, uint64_t base0, uint64_t size, uint64_t align,
		      int last)
{
	long found = -1;

	for (uint64_t off = 0; off + size <= MODEL_UNITS; off++) {
		bool ok = ((base0 + off) & (align - 1)) == 0;

		for (uint64_t k = 0; ok && k < size; k++)
			ok = !used[off + k];
		if (ok) {
			found = (long)off;
			if (!last)
				break;
		}
	}
	return found;
}

static void random_operations_match_a_bitmap_model(void **state)
{
	const uint64_t base0 = 0xfffffffffffffe00ull; /* pool ends at 2^64-1 */
	struct {
		uint64_t base, size;
	} live[MODEL_UNITS];
	unsigned char used[MODEL_UNITS] = { 0 };
	size_t nlive = 0;
	struct vdm_alloc *a = mk(base0, UINT64_MAX);

	rng_state = 42;
	for (int op = 0; op < 20000; op++) {
		unsigned kind = rnd() % 4;

		if (kind < 2 || nlive == 0) {
			uint64_t size = 1 + rnd() % 40, align = UINT64_C(1) << (rnd() % 7), b = 0;
			int last = (int)(rnd() % 2);
			long want = model_fit(used, base0, size, align, last);
			int ret = vdm_alloc_alloc(a, size, align,
						  last ? VDM_ALLOC_LAST_FIT : VDM_ALLOC_FIRST_FIT,
						  0, &b);

			if (want < 0) {
				assert_int_equal(ret, -ENOSPC);
				continue;
			}
			assert_int_equal(ret, 0);
			assert_int_equal(b, base0 + (uint64_t)want);
			memset(&used[want], 1, size);
			live[nlive].base = b;
			live[nlive++].size = size;
		} else if (kind == 2) {
			size_t i = rnd() % nlive;

			assert_int_equal(vdm_alloc_free(a, live[i].base, live[i].size), 0);
			memset(&used[live[i].base - base0], 0, live[i].size);
			live[i] = live[--nlive];
		} else {
			uint64_t off = rnd() % MODEL_UNITS, size = 1 + rnd() % 16, b = 0;
			bool fits = off + size <= MODEL_UNITS, isfree = fits;
			int ret = vdm_alloc_alloc(a, size, 1, VDM_ALLOC_EXACT, base0 + off, &b);

			for (uint64_t k = 0; fits && k < size; k++)
				isfree = isfree && !used[off + k];
			assert_int_equal(ret, !fits ? -ERANGE : isfree ? 0 : -EBUSY);
			if (ret == 0) {
				memset(&used[off], 1, size);
				live[nlive].base = b;
				live[nlive++].size = size;
			}
		}
		/* the free list is exactly the model's free runs, sorted, never adjacent */
		{
			size_t n = 0;
			uint64_t f, l, freebytes = 0;

			for (uint64_t u = 0; u < MODEL_UNITS;) {
				if (used[u]) {
					u++;
					continue;
				}
				uint64_t s = u;

				while (u < MODEL_UNITS && !used[u])
					u++;
				assert_int_equal(vdm_alloc_range(a, n, &f, &l), 0);
				assert_int_equal(f, base0 + s);
				assert_int_equal(l, base0 + u - 1);
				freebytes += u - s;
				n++;
			}
			assert_int_equal(vdm_alloc_num_free(a), n);
			assert_int_equal(vdm_alloc_free_bytes(a), freebytes);
		}
	}
	vdm_alloc_destroy(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(size_one_allocations_at_both_ends_of_the_pool),
		cmocka_unit_test(a_one_unit_pool_holds_exactly_one_allocation),
		cmocka_unit_test(exact_allocation_ending_on_the_last_byte_succeeds_one_past_fails),
		cmocka_unit_test(whole_64bit_pool_serves_the_top_byte_and_never_wraps),
		cmocka_unit_test(alignment_that_would_overflow_is_no_space_not_address_zero),
		cmocka_unit_test(bad_size_alignment_and_policy_are_invalid),
		cmocka_unit_test(first_fit_takes_lowest_aligned_hole_last_fit_highest),
		cmocka_unit_test(free_merges_with_both_neighbours_back_to_one_range),
		cmocka_unit_test(double_free_and_free_of_unallocated_space_are_refused),
		cmocka_unit_test(reserve_takes_unaligned_ranges_and_refuses_overlap),
		cmocka_unit_test(bus_number_pool_hands_out_every_bus_once),
		cmocka_unit_test(largest_pow2_reports_what_an_aligned_allocation_gets),
		cmocka_unit_test(clone_is_independent_of_the_original),
		cmocka_unit_test(random_operations_match_a_bitmap_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
