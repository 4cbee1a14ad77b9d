/* Internal to the PCI placement: aperture packing with shrinkable default windows, and the
 * placement state kept for hotplug.  Not for use outside vdm_place*.c and their tests. */
#ifndef VDM_MACHINE_PLACE_INT_H
#define VDM_MACHINE_PLACE_INT_H

#include <stdarg.h>

#include <vdm/alloc.h>
#include <vdm/place.h>

/* One thing to put in an aperture: a bridge window or a root-bus BAR. */
struct vdm_pack_item {
	uint64_t size;    /* current size; 0 = nothing to place */
	uint64_t floor;   /* smallest size it may shrink to (== size unless shrinkable) */
	uint64_t want;    /* size asked for, for the warning when shrunk */
	uint64_t gran;    /* 1 for BARs; window granularity */
	bool shrinkable;  /* a default, not a requirement */
	uint64_t base;    /* OUT */
	char label[128];  /* "rp3: 64-bit prefetchable window (default)" */
	/* back references for the caller */
	int port;         /* port index or -1 */
	int win;          /* enum vdm_place_win for windows, -1 for BARs */
	struct vdm_place_fn *fn;
	int bar;
};

/* Alignment the packer uses for an item: max(gran, largest power of two <= size). */
uint64_t vdm__pack_align(const struct vdm_pack_item *it);

/*
 * Place items[0..n) in aperture `ap` (named `ap_name` in messages), shrinking shrinkable
 * items from the highest index down when everything does not fit, then growing them back
 * as far as possible.  Fills base (and size) of each item.  Returns 0 (warnings appended to
 * msgs for shrunk items), -ENOSPC (msgs->err names the item that does not fit), -ENOMEM.
 */
int vdm__pack(struct vdm_range ap, const char *ap_name, struct vdm_pack_item *items, size_t n,
	      struct vdm_place_msgs *msgs);

/* Append a formatted line to msgs->err (overwrite) or msgs->warn (append, '\n' added). */
void vdm__place_err(struct vdm_place_msgs *msgs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void vdm__place_warn(struct vdm_place_msgs *msgs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Human text for a BAR kind: "64-bit prefetchable memory", "I/O", ... */
const char *vdm__place_bar_kind(const struct vdm_region_decl *bar);

/* Per root port: the three windows and an allocator over each (NULL when closed). */
struct vdm_place_port_state {
	char id[VDM_MACH_ID_MAX];
	struct vdm_range range[3]; /* indexed by enum vdm_place_win */
	struct vdm_alloc *win[3];
};

struct vdm_place {
	uint32_t num_ports;
	struct vdm_place_port_state port[VDM_MACH_MAX_ROOT_PORTS];
};

#endif /* VDM_MACHINE_PLACE_INT_H */
