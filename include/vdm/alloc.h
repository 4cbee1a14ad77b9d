/* Range allocator: a set of free ranges over one pool [first, last], with aligned
 * first-fit / last-fit / exact allocation, reserve, free-with-merge and queries. */
#ifndef VDM_ALLOC_H
#define VDM_ALLOC_H

/*
 * Contract
 * --------
 * One allocator manages one address space (bus numbers, I/O ports, MMIO32, MMIO64, ...).
 * It keeps only the FREE ranges, sorted and never adjacent (freeing merges neighbours), so
 * memory use is proportional to fragmentation, not to the number of allocations.
 *
 * The pool is given INCLUSIVE ([first, last]) so the whole 64-bit space, including the
 * byte at 2^64-1, is expressible.  Every allocation is given as (base, size) with
 * size >= 1; size 2^64 (the whole space) cannot be asked for in one piece.  All arithmetic
 * is overflow-checked: an alignment or end computation that would pass 2^64 is treated as
 * "does not fit here", never wrapped.
 *
 * `free` accepts any range that lies inside the pool and does not overlap free space (so a
 * double free, or freeing what was never allocated, is refused with -ENOENT).  It cannot
 * tell two neighbouring allocations from one: callers free what they allocated.
 *
 * Errors (negative errno):
 *   -EINVAL   size 0, alignment 0 or not a power of two, bad policy, first > last
 *   -ERANGE   the requested range (exact/reserve/free) is not inside the pool, or wraps 2^64
 *   -EFAULT   exact/reserve address not a multiple of `align`
 *   -EBUSY    exact/reserve range overlaps something already allocated
 *   -ENOSPC   no free range can hold size bytes at that alignment
 *   -ENOENT   free of a range that is (partly) free already
 *   -ENOMEM   out of host memory
 * No global state; an allocator is used by one thread at a time.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vdm_alloc;

enum vdm_alloc_policy {
	VDM_ALLOC_FIRST_FIT = 0, /* lowest aligned base that fits */
	VDM_ALLOC_LAST_FIT = 1,  /* highest aligned base that fits */
	VDM_ALLOC_EXACT = 2,     /* exactly at the given address (must be aligned) */
};

/* Create an allocator whose pool [first, last] (inclusive) is entirely free.
 * Returns 0 and *out, -EINVAL if first > last, -ENOMEM. */
int vdm_alloc_create(uint64_t first, uint64_t last, struct vdm_alloc **out);

/* Deep copy (for trial placements that may be thrown away).  Returns 0, -ENOMEM. */
int vdm_alloc_clone(const struct vdm_alloc *a, struct vdm_alloc **out);

/* Free the allocator.  NULL is fine. */
void vdm_alloc_destroy(struct vdm_alloc *a);

/*
 * Allocate `size` bytes aligned to `align` (a power of two, 1 = any).  For
 * VDM_ALLOC_EXACT, `addr` is the wanted base; it is ignored otherwise.  On success stores
 * the base in *base and returns 0; errors as listed above.
 */
int vdm_alloc_alloc(struct vdm_alloc *a, uint64_t size, uint64_t align,
		    enum vdm_alloc_policy policy, uint64_t addr, uint64_t *base);

/* Take [base, base + size) out of the free space, whatever its alignment.
 * Returns 0, -EINVAL (size 0), -ERANGE, -EBUSY, -ENOMEM. */
int vdm_alloc_reserve(struct vdm_alloc *a, uint64_t base, uint64_t size);

/* Give [base, base + size) back, merging with free neighbours.
 * Returns 0, -EINVAL (size 0), -ERANGE, -ENOENT, -ENOMEM. */
int vdm_alloc_free(struct vdm_alloc *a, uint64_t base, uint64_t size);

/* True if all of [base, base + size) is inside the pool and free (size 0: false). */
bool vdm_alloc_is_free(const struct vdm_alloc *a, uint64_t base, uint64_t size);

/* Pool bounds, inclusive. */
uint64_t vdm_alloc_first(const struct vdm_alloc *a);
uint64_t vdm_alloc_last(const struct vdm_alloc *a);

/* Number of free ranges, and the i-th one (ascending) as inclusive [*first, *last].
 * vdm_alloc_range returns -ENOENT when i is out of bounds. */
size_t vdm_alloc_num_free(const struct vdm_alloc *a);
int vdm_alloc_range(const struct vdm_alloc *a, size_t i, uint64_t *first, uint64_t *last);

/* Free bytes in total, saturated at UINT64_MAX (the whole 64-bit pool free). */
uint64_t vdm_alloc_free_bytes(const struct vdm_alloc *a);

/* Largest power-of-two size s (<= max_size, which must be a power of two) for which an
 * allocation of s bytes aligned to s would succeed now; 0 if none. */
uint64_t vdm_alloc_largest_pow2(const struct vdm_alloc *a, uint64_t max_size);

/* Helpers shared by the placement code. */
static inline bool vdm_is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

/* Smallest power of two >= x, or 0 if that is 2^64 (x > 2^63) or x == 0. */
static inline uint64_t vdm_pow2_ceil(uint64_t x)
{
	if (x <= 1)
		return x;
	if (x > (UINT64_C(1) << 63))
		return 0;
	return UINT64_C(1) << (64 - __builtin_clzll(x - 1));
}

/* Largest power of two <= x (x > 0). */
static inline uint64_t vdm_pow2_floor(uint64_t x)
{
	return x ? UINT64_C(1) << (63 - __builtin_clzll(x)) : 0;
}

/* Round x up to a multiple of the power of two `align`; false if that passes 2^64. */
static inline bool vdm_align_up(uint64_t x, uint64_t align, uint64_t *out)
{
	uint64_t pad = (0 - x) & (align - 1);

	if (x > UINT64_MAX - pad)
		return false;
	*out = x + pad;
	return true;
}

#endif /* VDM_ALLOC_H */
