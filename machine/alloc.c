/* Range allocator: a sorted array of free, non-adjacent inclusive ranges over one pool.
 * Inclusive ends keep 2^64-1 expressible; every end computation is overflow-checked. */
#include <vdm/alloc.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct vdm_free_range {
	uint64_t first, last; /* inclusive */
};

struct vdm_alloc {
	uint64_t first, last; /* the pool, inclusive */
	struct vdm_free_range *r;
	size_t n, cap;
};

int vdm_alloc_create(uint64_t first, uint64_t last, struct vdm_alloc **out)
{
	struct vdm_alloc *a;

	if (first > last)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->cap = 8;
	a->r = calloc(a->cap, sizeof(*a->r));
	if (!a->r) {
		free(a);
		return -ENOMEM;
	}
	a->first = first;
	a->last = last;
	a->r[0].first = first;
	a->r[0].last = last;
	a->n = 1;
	*out = a;
	return 0;
}

int vdm_alloc_clone(const struct vdm_alloc *a, struct vdm_alloc **out)
{
	struct vdm_alloc *c = malloc(sizeof(*c));

	if (!c)
		return -ENOMEM;
	*c = *a;
	c->r = malloc(a->cap * sizeof(*a->r));
	if (!c->r) {
		free(c);
		return -ENOMEM;
	}
	memcpy(c->r, a->r, a->n * sizeof(*a->r));
	*out = c;
	return 0;
}

void vdm_alloc_destroy(struct vdm_alloc *a)
{
	if (!a)
		return;
	free(a->r);
	free(a);
}

/* [base, base + size) as inclusive [*first, *last]; false if size is 0 or it wraps. */
static bool to_inclusive(uint64_t base, uint64_t size, uint64_t *first, uint64_t *last)
{
	if (!size || base > UINT64_MAX - (size - 1))
		return false;
	*first = base;
	*last = base + (size - 1);
	return true;
}

static int grow(struct vdm_alloc *a)
{
	struct vdm_free_range *r;
	size_t cap;

	if (a->n < a->cap)
		return 0;
	cap = a->cap * 2;
	r = realloc(a->r, cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	a->r = r;
	a->cap = cap;
	return 0;
}

/* Remove inclusive [first, last], which lies wholly inside free range i. */
static int carve(struct vdm_alloc *a, size_t i, uint64_t first, uint64_t last)
{
	struct vdm_free_range *f = &a->r[i];
	bool keep_lo = first > f->first, keep_hi = last < f->last;
	int ret;

	if (keep_lo && keep_hi) {
		ret = grow(a);
		if (ret)
			return ret;
		f = &a->r[i];
		memmove(&a->r[i + 2], &a->r[i + 1], (a->n - i - 1) * sizeof(*f));
		a->r[i + 1].first = last + 1;
		a->r[i + 1].last = f->last;
		f->last = first - 1;
		a->n++;
	} else if (keep_lo) {
		f->last = first - 1;
	} else if (keep_hi) {
		f->first = last + 1;
	} else {
		memmove(&a->r[i], &a->r[i + 1], (a->n - i - 1) * sizeof(*f));
		a->n--;
	}
	return 0;
}

/* Index of the free range containing all of [first, last], or a->n if none. */
static size_t find_containing(const struct vdm_alloc *a, uint64_t first, uint64_t last)
{
	for (size_t i = 0; i < a->n; i++) {
		if (a->r[i].first > first)
			break;
		if (a->r[i].last >= last)
			return i;
	}
	return a->n;
}

static bool overlaps_free(const struct vdm_alloc *a, uint64_t first, uint64_t last)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->r[i].first <= last && first <= a->r[i].last)
			return true;
	return false;
}

/* Lowest base >= f->first aligned to align with base + size - 1 <= f->last. */
static bool fit_low(const struct vdm_free_range *f, uint64_t size, uint64_t align,
		    uint64_t *base)
{
	uint64_t b;

	if (!vdm_align_up(f->first, align, &b) || b > f->last)
		return false;
	if (f->last - b < size - 1)
		return false;
	*base = b;
	return true;
}

/* Highest aligned base with base >= f->first and base + size - 1 <= f->last. */
static bool fit_high(const struct vdm_free_range *f, uint64_t size, uint64_t align,
		     uint64_t *base)
{
	uint64_t b;

	if (f->last - f->first < size - 1)
		return false;
	b = (f->last - (size - 1)) & ~(align - 1);
	if (b < f->first)
		return false;
	*base = b;
	return true;
}

int vdm_alloc_alloc(struct vdm_alloc *a, uint64_t size, uint64_t align,
		    enum vdm_alloc_policy policy, uint64_t addr, uint64_t *base)
{
	uint64_t b = 0, first, last;
	size_t i;
	int ret;

	if (!size || !vdm_is_pow2(align))
		return -EINVAL;
	switch (policy) {
	case VDM_ALLOC_FIRST_FIT:
		for (i = 0; i < a->n; i++)
			if (fit_low(&a->r[i], size, align, &b))
				break;
		break;
	case VDM_ALLOC_LAST_FIT:
		for (i = a->n; i-- > 0;)
			if (fit_high(&a->r[i], size, align, &b))
				break;
		if (i == SIZE_MAX)
			i = a->n;
		break;
	case VDM_ALLOC_EXACT:
		if (addr & (align - 1))
			return -EFAULT;
		if (!to_inclusive(addr, size, &first, &last) || first < a->first ||
		    last > a->last)
			return -ERANGE;
		i = find_containing(a, first, last);
		if (i == a->n)
			return -EBUSY;
		b = addr;
		break;
	default:
		return -EINVAL;
	}
	if (i == a->n)
		return -ENOSPC;
	ret = carve(a, i, b, b + (size - 1));
	if (ret)
		return ret;
	*base = b;
	return 0;
}

int vdm_alloc_reserve(struct vdm_alloc *a, uint64_t base, uint64_t size)
{
	uint64_t b;

	if (!size)
		return -EINVAL;
	return vdm_alloc_alloc(a, size, 1, VDM_ALLOC_EXACT, base, &b);
}

int vdm_alloc_free(struct vdm_alloc *a, uint64_t base, uint64_t size)
{
	uint64_t first, last;
	size_t i;
	bool merge_lo, merge_hi;
	int ret;

	if (!size)
		return -EINVAL;
	if (!to_inclusive(base, size, &first, &last) || first < a->first || last > a->last)
		return -ERANGE;
	if (overlaps_free(a, first, last))
		return -ENOENT;
	/* i = first free range above the freed one */
	for (i = 0; i < a->n && a->r[i].first < first; i++)
		;
	merge_lo = i > 0 && a->r[i - 1].last + 1 == first;
	merge_hi = i < a->n && last + 1 == a->r[i].first;
	if (merge_lo && merge_hi) {
		a->r[i - 1].last = a->r[i].last;
		memmove(&a->r[i], &a->r[i + 1], (a->n - i - 1) * sizeof(*a->r));
		a->n--;
	} else if (merge_lo) {
		a->r[i - 1].last = last;
	} else if (merge_hi) {
		a->r[i].first = first;
	} else {
		ret = grow(a);
		if (ret)
			return ret;
		memmove(&a->r[i + 1], &a->r[i], (a->n - i) * sizeof(*a->r));
		a->r[i].first = first;
		a->r[i].last = last;
		a->n++;
	}
	return 0;
}

bool vdm_alloc_is_free(const struct vdm_alloc *a, uint64_t base, uint64_t size)
{
	uint64_t first, last;

	if (!to_inclusive(base, size, &first, &last))
		return false;
	return find_containing(a, first, last) != a->n;
}

uint64_t vdm_alloc_first(const struct vdm_alloc *a)
{
	return a->first;
}

uint64_t vdm_alloc_last(const struct vdm_alloc *a)
{
	return a->last;
}

size_t vdm_alloc_num_free(const struct vdm_alloc *a)
{
	return a->n;
}

int vdm_alloc_range(const struct vdm_alloc *a, size_t i, uint64_t *first, uint64_t *last)
{
	if (i >= a->n)
		return -ENOENT;
	*first = a->r[i].first;
	*last = a->r[i].last;
	return 0;
}

uint64_t vdm_alloc_free_bytes(const struct vdm_alloc *a)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < a->n; i++) {
		uint64_t len_m1 = a->r[i].last - a->r[i].first; /* length - 1 */

		if (len_m1 == UINT64_MAX || sum > UINT64_MAX - len_m1 - 1)
			return UINT64_MAX;
		sum += len_m1 + 1;
	}
	return sum;
}

uint64_t vdm_alloc_largest_pow2(const struct vdm_alloc *a, uint64_t max_size)
{
	uint64_t best = 0, b;

	if (!vdm_is_pow2(max_size))
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		for (uint64_t s = max_size; s > best; s >>= 1) {
			if (fit_low(&a->r[i], s, s, &b)) {
				best = s;
				break;
			}
		}
	}
	return best;
}
