/* Sorted-array address bus: ranges are inserted in order at set-up time and found by
 * bisection on every exit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"

void vdm__bus_init(struct bus *b)
{
	memset(b, 0, sizeof(*b));
}

void vdm__bus_destroy(struct bus *b)
{
	free(b->r);
	memset(b, 0, sizeof(*b));
}

int vdm__bus_add(struct bus *b, uint64_t base, uint64_t size, const struct bus_handler *h)
{
	size_t i;

	if (size == 0 || base + size - 1 < base)
		return -EINVAL;
	/* Find the insertion point: the first range starting above base. */
	for (i = 0; i < b->n && b->r[i].base <= base; i++)
		;
	if (i > 0 && b->r[i - 1].base + b->r[i - 1].size - 1 >= base)
		return -EEXIST;
	if (i < b->n && base + size - 1 >= b->r[i].base)
		return -EEXIST;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		struct bus_range *r = realloc(b->r, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		b->r = r;
		b->cap = cap;
	}
	memmove(&b->r[i + 1], &b->r[i], (b->n - i) * sizeof(*b->r));
	b->r[i].base = base;
	b->r[i].size = size;
	b->r[i].h = *h;
	b->n++;
	return 0;
}

const struct bus_range *vdm__bus_find(const struct bus *b, uint64_t addr, uint32_t size)
{
	size_t lo = 0, hi = b->n;
	const struct bus_range *r;

	/* Last range with base <= addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->r[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	r = &b->r[lo - 1];
	if (addr - r->base >= r->size || size > r->size - (addr - r->base))
		return NULL;
	return r;
}

int vdm__bus_read(const struct bus *b, uint64_t addr, uint32_t size, uint64_t *value)
{
	const struct bus_range *r = vdm__bus_find(b, addr, size);

	*value = vdm__bus_ones(size);
	if (!r)
		return 0;
	if (r->h.read)
		r->h.read(r->h.opaque, addr - r->base, size, value);
	return 1;
}

int vdm__bus_write(const struct bus *b, uint64_t addr, uint32_t size, uint64_t value)
{
	const struct bus_range *r = vdm__bus_find(b, addr, size);

	if (!r)
		return 0;
	if (r->h.write)
		r->h.write(r->h.opaque, addr - r->base, size, value);
	return 1;
}
