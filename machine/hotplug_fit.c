/* The hot-add fit check against the windows a root port has now: a guest that re-sized the
 * firmware's windows at boot (_DSM 5 let it) can no longer take a BAR that firmware's fitted. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <vdm/layout.h>
#include <vdm/pci_host.h>
#include "machine_int.h"

struct live_window {
	const char *name;
	uint64_t base, last, cursor;
	bool open;
};

static void open_window(struct live_window *w, const char *name, uint64_t base, uint64_t last)
{
	w->name = name;
	w->base = base;
	w->last = last;
	w->cursor = base;
	w->open = base <= last;
}

/* Place `size` (a power of two) naturally aligned after w's cursor; false if it ends past it. */
static bool take(struct live_window *w, uint64_t size)
{
	uint64_t at;

	if (!w->open || size == 0 || size - 1 > w->last - w->base)
		return false;
	at = (w->cursor + size - 1) & ~(size - 1);
	if (at < w->cursor || at > w->last || size - 1 > w->last - at)
		return false;
	w->cursor = at + size;
	return true;
}

int vdm__hotplug_live_fit(struct vdm_pci_host *pci, int port_fn, const char *port_id,
			  const struct vdm_region_decl *regions, char *why, size_t why_len)
{
	struct vdm_pci_bridge_windows bw;
	struct live_window mem, pref;
	bool done[VDM_MAX_REGIONS] = { false };

	vdm_pci_host_bridge_windows(pci, port_fn, &bw);
	open_window(&mem, "memory", bw.mem_base, bw.mem_last);
	open_window(&pref, "prefetchable", bw.pref_base, bw.pref_last);
	/* Largest BAR first, as Linux sizes a bus: each into the window Linux would pick (a
	 * prefetchable BAR into the prefetchable window, a 32-bit one only if that window lies
	 * below 4 GiB, else into the memory window; the others into the memory window). */
	for (;;) {
		unsigned r, best = VDM_MAX_REGIONS;
		char a[32], b[32];

		for (r = 0; r < VDM_MAX_REGIONS; r++) {
			uint32_t k = regions[r].kind;

			if (done[r] || (k != VDM_REGION_MEM32 && k != VDM_REGION_MEM64))
				continue;
			if (best == VDM_MAX_REGIONS || regions[r].size > regions[best].size)
				best = r;
		}
		if (best == VDM_MAX_REGIONS)
			return 0;
		done[best] = true;
		if ((regions[best].flags & VDM_REGION_PREFETCHABLE) &&
		    (regions[best].kind == VDM_REGION_MEM64 || pref.last < (1ull << 32)) &&
		    take(&pref, regions[best].size))
			continue;
		if (take(&mem, regions[best].size))
			continue;
		{
			const struct live_window *w =
				(regions[best].flags & VDM_REGION_PREFETCHABLE) && pref.open ? &pref : &mem;

			if (w->open)
				snprintf(why, why_len,
					 "BAR %u (%s) does not fit %s's %s window as the guest has it now "
					 "(%s at %#" PRIx64 "): the guest re-sized the windows firmware gave "
					 "(the host bridge's _DSM function 5 let it; a preserve-config policy "
					 "of auto or on keeps them)",
					 best, vdm_fmt_size(a, sizeof(a), regions[best].size), port_id, w->name,
					 vdm_fmt_size(b, sizeof(b), w->last - w->base + 1), w->base);
			else
				snprintf(why, why_len,
					 "BAR %u (%s) has no window on %s: the guest closed its memory "
					 "windows (the host bridge's _DSM function 5 let it re-size them; "
					 "a preserve-config policy of auto or on keeps them)",
					 best, vdm_fmt_size(a, sizeof(a), regions[best].size), port_id);
		}
		return -ENOSPC;
	}
}
