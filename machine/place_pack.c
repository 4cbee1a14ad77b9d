/* Aperture packing for PCI placement: largest alignment first, first fit; default windows
 * shrink (largest first) until everything fits, then grow back as far as space allows. */
#include "place_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vdm/layout.h>

void vdm__place_err(struct vdm_place_msgs *msgs, const char *fmt, ...)
{
	va_list ap;

	if (!msgs)
		return;
	va_start(ap, fmt);
	vsnprintf(msgs->err, sizeof(msgs->err), fmt, ap);
	va_end(ap);
}

void vdm__place_warn(struct vdm_place_msgs *msgs, const char *fmt, ...)
{
	size_t used;
	va_list ap;

	if (!msgs)
		return;
	msgs->num_warn++;
	used = strnlen(msgs->warn, sizeof(msgs->warn));
	if (used + 2 >= sizeof(msgs->warn))
		return;
	va_start(ap, fmt);
	vsnprintf(msgs->warn + used, sizeof(msgs->warn) - used - 1, fmt, ap);
	va_end(ap);
	used = strnlen(msgs->warn, sizeof(msgs->warn) - 1);
	msgs->warn[used] = '\n';
	msgs->warn[used + 1] = '\0';
}

uint64_t vdm__pack_align(const struct vdm_pack_item *it)
{
	uint64_t a = vdm_pow2_floor(it->size);

	return a > it->gran ? a : it->gran;
}

struct pack_ctx {
	struct vdm_range ap;
	struct vdm_pack_item *items;
	size_t n;
	size_t *order;
	size_t failed;      /* item that did not fit in the last try */
	uint64_t free_best; /* largest free naturally aligned block when it failed */
};

/* Packing order: alignment descending, then size descending, then index. */
static bool goes_before(const struct vdm_pack_item *items, size_t x, size_t y)
{
	uint64_t ax = vdm__pack_align(&items[x]), ay = vdm__pack_align(&items[y]);

	if (ax != ay)
		return ax > ay;
	if (items[x].size != items[y].size)
		return items[x].size > items[y].size;
	return x < y;
}

/* Insertion sort of the non-empty items into c->order (n is small); returns how many. */
static size_t order_items(struct pack_ctx *c)
{
	size_t k = 0;

	for (size_t i = 0; i < c->n; i++) {
		size_t j;

		if (!c->items[i].size)
			continue;
		for (j = k++; j > 0 && goes_before(c->items, i, c->order[j - 1]); j--)
			c->order[j] = c->order[j - 1];
		c->order[j] = i;
	}
	return k;
}

/* One attempt with the current sizes.  0, -ENOSPC (c->failed set) or -ENOMEM. */
static int pack_try(struct pack_ctx *c)
{
	struct vdm_alloc *a = NULL;
	size_t k = order_items(c);
	int ret;

	if (!k)
		return 0;
	if (!c->ap.size) {
		c->failed = c->order[0];
		c->free_best = 0;
		return -ENOSPC;
	}
	ret = vdm_alloc_create(c->ap.base, c->ap.base + (c->ap.size - 1), &a);
	if (ret)
		return ret;
	for (size_t j = 0; j < k; j++) {
		struct vdm_pack_item *it = &c->items[c->order[j]];

		ret = vdm_alloc_alloc(a, it->size, vdm__pack_align(it), VDM_ALLOC_FIRST_FIT, 0,
				      &it->base);
		if (ret == -ENOSPC) {
			c->failed = c->order[j];
			c->free_best = vdm_alloc_largest_pow2(a, UINT64_C(1) << 63);
		}
		if (ret)
			break;
	}
	vdm_alloc_destroy(a);
	return ret;
}

/* Two items shrunk the same way: same kind of window (the label after the port's id), same
 * wish, same size. */
static bool shrunk_alike(const struct vdm_pack_item *a, const struct vdm_pack_item *b)
{
	const char *ka = strchr(a->label, ':'), *kb = strchr(b->label, ':');

	return a->shrinkable && b->shrinkable && a->want == b->want && a->size == b->size &&
	       ka && kb && !strcmp(ka, kb) && strchr(b->label, ':') != NULL;
}

/* Next smaller size for a shrinkable item: halve to a power of two, then its floor. */
static uint64_t smaller(const struct vdm_pack_item *it, uint64_t size)
{
	uint64_t s = vdm_pow2_floor(size - 1);

	if (size <= it->floor)
		return size;
	if (s < it->floor || s < it->gran)
		s = it->floor;
	return s;
}

int vdm__pack(struct vdm_range ap, const char *ap_name, struct vdm_pack_item *items, size_t n,
	      struct vdm_place_msgs *msgs)
{
	struct pack_ctx c = { .ap = ap, .items = items, .n = n };
	char s1[32], s2[32], s3[32];
	int ret;

	c.order = calloc(n ? n : 1, sizeof(*c.order));
	if (!c.order)
		return -ENOMEM;
	for (;;) {
		size_t victim = SIZE_MAX;

		ret = pack_try(&c);
		if (ret != -ENOSPC)
			break;
		/* The largest shrinkable window gives first (the last port among equals): the
		 * default windows come down together, so with hundreds of hotplug ports every
		 * port keeps a window of a fair size rather than the last ones none. */
		for (size_t i = n; i-- > 0;)
			if (items[i].shrinkable && items[i].size > items[i].floor &&
			    (victim == SIZE_MAX || items[i].size > items[victim].size))
				victim = i;
		if (victim == SIZE_MAX) {
			const struct vdm_pack_item *it = &items[c.failed];

			vdm__place_err(msgs,
				       "%s%s: %s (aligned to %s) does not fit in the %s [0x%" PRIx64
				       ", 0x%" PRIx64 "): the largest free aligned block left is %s",
				      it->label,
				      it->shrinkable ? " shrunk to what its devices need" : "",
				      vdm_fmt_size(s1, sizeof(s1), it->size),
				      vdm_fmt_size(s2, sizeof(s2), vdm__pack_align(it)), ap_name,
				      ap.base, ap.base + ap.size,
				      vdm_fmt_size(s3, sizeof(s3), c.free_best));
			goto out;
		}
		items[victim].size = smaller(&items[victim], items[victim].size);
	}
	if (ret)
		goto out;

	/* Grow shrunk items back, first port first, each as far as the rest allows. */
	for (size_t i = 0; i < n; i++) {
		uint64_t have = items[i].size;

		if (!items[i].shrinkable || have >= items[i].want)
			continue;
		for (uint64_t s = items[i].want; s > have; s = smaller(&items[i], s)) {
			items[i].size = s;
			ret = pack_try(&c);
			if (!ret)
				break;
			if (ret != -ENOSPC)
				goto out;
			items[i].size = have;
		}
	}
	ret = pack_try(&c); /* bases for the final sizes */
	if (ret)
		goto out;
	/* One line per run of ports shrunk alike ("rp3..rp127 (125 ports): ..."). */
	for (size_t i = 0, j; i < n; i = j) {
		const char *what = strchr(items[i].label, ':');
		char who[320];

		for (j = i + 1; j < n && shrunk_alike(&items[i], &items[j]); j++)
			;
		if (!items[i].shrinkable || items[i].size >= items[i].want)
			continue;
		if (j - i == 1 || !what)
			snprintf(who, sizeof(who), "%s", items[i].label);
		else
			snprintf(who, sizeof(who), "%.*s..%.*s (%zu ports)%s",
				 (int)(what - items[i].label), items[i].label,
				 (int)(strchr(items[j - 1].label, ':') - items[j - 1].label),
				 items[j - 1].label, j - i, what);
		vdm__place_warn(msgs,
				"%s: shrunk from %s to %s: the %s [0x%" PRIx64 ", 0x%" PRIx64
				") cannot hold every port's default window; set the reserve "
				"explicitly on fewer ports or give the guest more phys-bits",
				who, vdm_fmt_size(s1, sizeof(s1), items[i].want),
				vdm_fmt_size(s2, sizeof(s2), items[i].size), ap_name, ap.base,
				ap.base + ap.size);
	}
out:
	free(c.order);
	return ret;
}
