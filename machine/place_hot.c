/* Hot-add placement: does a new function's BAR set fit inside a root port's windows now,
 * and where do its BARs go (Linux's hot-add preference order), all or nothing. */
#include "place_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vdm/layout.h>

#define FOUR_G (UINT64_C(1) << 32)

static const char *const win_text[3] = { "I/O", "32-bit non-prefetchable", "prefetchable" };
static const char *const win_opt[3] = { "io-reserve", "mem-reserve", "pref64-reserve" };

/*
 * Windows to try for a BAR, in Linux's order (__pci_assign_resource): exact type first;
 * a 64-bit prefetchable BAR may fall back to the non-prefetchable window; a 32-bit
 * prefetchable BAR may use the prefetchable window only when that lies below 4G.
 */
static int candidates(const struct vdm_place_port_state *ps, const struct vdm_region_decl *b,
		      int out[2])
{
	bool pf = b->flags & VDM_REGION_PREFETCHABLE;
	int n = 0;

	switch (b->kind) {
	case VDM_REGION_IO:
		out[n++] = VDM_PLACE_WIN_IO;
		break;
	case VDM_REGION_MEM64:
		if (pf)
			out[n++] = VDM_PLACE_WIN_PREF;
		out[n++] = VDM_PLACE_WIN_MEM;
		break;
	case VDM_REGION_MEM32:
		out[n++] = VDM_PLACE_WIN_MEM;
		if (pf && ps->range[VDM_PLACE_WIN_PREF].size &&
		    vdm_range_end(ps->range[VDM_PLACE_WIN_PREF]) <= FOUR_G)
			out[n++] = VDM_PLACE_WIN_PREF;
		break;
	default:
		break;
	}
	return n;
}

static void explain(const struct vdm_place_port_state *ps, int bar,
		    const struct vdm_region_decl *b, char *err, size_t len)
{
	int w = vdm_place_bar_window(b);
	char s1[32], s2[32], s3[32];

	if (!err || !len)
		return;
	if (!ps->win[w]) {
		snprintf(err, len,
			 "BAR%d (%s, %s): root port %s has no %s window (set %s on it)", bar,
			 vdm__place_bar_kind(b), vdm_fmt_size(s1, sizeof(s1), b->size), ps->id,
			 win_text[w], win_opt[w]);
		return;
	}
	snprintf(err, len,
		 "BAR%d (%s, %s) does not fit behind root port %s: its %s window is %s and its "
		 "largest free aligned block is %s (raise %s)",
		 bar, vdm__place_bar_kind(b), vdm_fmt_size(s1, sizeof(s1), b->size), ps->id,
		 win_text[w], vdm_fmt_size(s2, sizeof(s2), ps->range[w].size),
		 vdm_fmt_size(s3, sizeof(s3),
			      vdm_alloc_largest_pow2(ps->win[w], UINT64_C(1) << 63)),
		 win_opt[w]);
}

static int window_of(const struct vdm_place_port_state *ps, uint64_t addr)
{
	for (int w = 0; w < 3; w++)
		if (ps->win[w] && addr >= ps->range[w].base && addr < vdm_range_end(ps->range[w]))
			return w;
	return -1;
}

/* Free what addr[] names; on a failure re-reserve what was freed.  0 or -ENOENT. */
static int release(struct vdm_place_port_state *ps, const struct vdm_region_decl *bars,
		   const uint64_t *addr)
{
	int i, w;

	for (i = 0; i < VDM_MAX_REGIONS; i++) {
		if (bars[i].kind == VDM_REGION_NONE || !addr[i])
			continue;
		w = window_of(ps, addr[i]);
		if (w < 0 || vdm_alloc_free(ps->win[w], addr[i], bars[i].size))
			goto undo;
	}
	return 0;
undo:
	while (i-- > 0) {
		if (bars[i].kind == VDM_REGION_NONE || !addr[i])
			continue;
		w = window_of(ps, addr[i]);
		vdm_alloc_reserve(ps->win[w], addr[i], bars[i].size);
	}
	return -ENOENT;
}

static int add(struct vdm_place_port_state *ps, const struct vdm_region_decl *bars,
	       uint64_t *addr, char *err, size_t len)
{
	uint64_t got[VDM_MAX_REGIONS] = { 0 };
	char why[160];
	int ret;

	if (vdm_place_check_bars(bars, VDM_MAX_REGIONS, why, sizeof(why))) {
		if (err && len)
			snprintf(err, len, "%s", why);
		return -EINVAL;
	}
	/* largest BAR first, as Linux assigns them */
	for (int shift = 63; shift >= 0; shift--) {
		for (int i = 0; i < VDM_MAX_REGIONS; i++) {
			const struct vdm_region_decl *b = &bars[i];
			int cand[2], n;

			if (b->kind == VDM_REGION_NONE || b->size != UINT64_C(1) << shift)
				continue;
			n = candidates(ps, b, cand);
			ret = -ENOSPC;
			for (int k = 0; k < n && ret; k++)
				if (ps->win[cand[k]])
					ret = vdm_alloc_alloc(ps->win[cand[k]], b->size, b->size,
							      VDM_ALLOC_FIRST_FIT, 0, &got[i]);
			if (ret) {
				release(ps, bars, got);
				if (ret == -ENOSPC)
					explain(ps, i, b, err, len);
				return ret;
			}
		}
	}
	if (addr)
		memcpy(addr, got, sizeof(got));
	return 0;
}

int vdm_place_hot_add(struct vdm_place *p, uint32_t port,
		      const struct vdm_region_decl bars[VDM_MAX_REGIONS],
		      uint64_t addr[VDM_MAX_REGIONS], char *err, size_t err_len)
{
	if (!p || port >= p->num_ports) {
		if (err && err_len)
			snprintf(err, err_len, "root port index %u does not exist", port);
		return -EINVAL;
	}
	return add(&p->port[port], bars, addr, err, err_len);
}

int vdm_place_fits(const struct vdm_place *p, uint32_t port,
		   const struct vdm_region_decl bars[VDM_MAX_REGIONS], char *err, size_t err_len)
{
	struct vdm_place_port_state tmp;
	int ret = 0;

	if (!p || port >= p->num_ports) {
		if (err && err_len)
			snprintf(err, err_len, "root port index %u does not exist", port);
		return -EINVAL;
	}
	tmp = p->port[port];
	for (int w = 0; w < 3; w++)
		tmp.win[w] = NULL;
	for (int w = 0; w < 3 && !ret; w++)
		if (p->port[port].win[w])
			ret = vdm_alloc_clone(p->port[port].win[w], &tmp.win[w]);
	if (!ret)
		ret = add(&tmp, bars, NULL, err, err_len);
	for (int w = 0; w < 3; w++)
		vdm_alloc_destroy(tmp.win[w]);
	return ret;
}

int vdm_place_hot_remove(struct vdm_place *p, uint32_t port,
			 const struct vdm_region_decl bars[VDM_MAX_REGIONS],
			 const uint64_t addr[VDM_MAX_REGIONS])
{
	if (!p || port >= p->num_ports)
		return -EINVAL;
	return release(&p->port[port], bars, addr);
}
