/* QMP query-pci: the machine's PCI functions in QEMU's PciInfo shape (bus list, devices
 * with ids, class, BAR regions, bridges with ranges and the devices behind them). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <vdm/machine.h>
#include <vdm/pci.h>
#include <vdm/pci_host.h>

#include "monitor_int.h"

#define UNMAPPED UINT64_MAX /* QEMU's PCI_BAR_UNMAPPED */

static void range(struct mon_buf *o, const char *name, uint64_t base, uint64_t last)
{
	/* a closed window: QEMU reports base > limit as it is programmed; we say 0/0 too */
	if (base > last)
		base = last = 0;
	mon_buf_printf(o, "\"%s\": {\"base\": %" PRIu64 ", \"limit\": %" PRIu64 "}", name, base,
		       last);
}

static void device(struct vdm_machine *m, const struct vdm_machine_dev_info *d,
		   struct mon_buf *o);

static void regions(struct vdm_machine *m, const struct vdm_machine_dev_info *d,
		    struct mon_buf *o)
{
	unsigned r, nbars = d->dev->res.bus_kind == VDM_BUS_PCI_BRIDGE ? 2 : VDM_MAX_REGIONS;
	bool first = true;

	mon_buf_printf(o, "\"regions\": [");
	for (r = 0; r < nbars; r++) {
		const struct vdm_region_decl *b = &d->dev->res.regions[r];
		uint64_t a;

		if (b->kind == VDM_REGION_NONE || !b->size)
			continue;
		a = vdm_pci_host_bar_addr(vdm_machine_pci_host(m), d->pci_fn, r);
		mon_buf_printf(o, "%s{\"bar\": %u, \"type\": \"%s\", \"address\": %" PRIu64
			       ", \"size\": %" PRIu64, first ? "" : ", ", r,
			       b->kind == VDM_REGION_IO ? "io" : "memory", a ? a : UNMAPPED, b->size);
		if (b->kind != VDM_REGION_IO)
			mon_buf_printf(o, ", \"prefetch\": %s, \"mem_type_64\": %s",
				       b->flags & VDM_REGION_PREFETCHABLE ? "true" : "false",
				       b->kind == VDM_REGION_MEM64 ? "true" : "false");
		mon_buf_printf(o, "}");
		first = false;
	}
	mon_buf_printf(o, "]");
}

/* One function (and, for a root port, what sits behind it). */
static void device(struct vdm_machine *m, const struct vdm_machine_dev_info *d,
		   struct mon_buf *o)
{
	struct vdm_pci_host *h = vdm_machine_pci_host(m);
	uint32_t id = vdm_pci_host_fn_read(h, d->pci_fn, VDM_PCI_VENDOR_ID, 4);
	uint32_t cls = vdm_pci_host_fn_read(h, d->pci_fn, VDM_PCI_REVISION_ID, 4) >> 8;
	int bus = d->bus;
	struct vdm_machine_dev_info c;
	size_t j;

	mon_buf_printf(o, "{\"bus\": %d, \"slot\": %u, \"function\": %u, \"class_info\": "
		       "{\"class\": %u}, \"id\": {\"vendor\": %u, \"device\": %u}, \"qdev_id\": ",
		       bus < 0 ? 255 : bus, d->devfn >> 3, d->devfn & 7, cls >> 8, id & 0xffff,
		       id >> 16);
	mon_buf_json_str(o, d->id, strlen(d->id));
	mon_buf_printf(o, ", ");
	regions(m, d, o);
	if (d->dev->res.bus_kind == VDM_BUS_PCI_BRIDGE) {
		struct vdm_pci_bridge_windows w;
		bool first = true;

		vdm_pci_host_bridge_windows(h, d->pci_fn, &w);
		mon_buf_printf(o, ", \"pci_bridge\": {\"bus\": {\"number\": %u, \"secondary\": %u, "
			       "\"subordinate\": %u, ", w.primary, w.secondary, w.subordinate);
		range(o, "io_range", w.io_base, w.io_last);
		mon_buf_printf(o, ", ");
		range(o, "memory_range", w.mem_base, w.mem_last);
		mon_buf_printf(o, ", ");
		range(o, "prefetchable_range", w.pref_base, w.pref_last);
		mon_buf_printf(o, "}, \"devices\": [");
		for (j = 0; j < vdm_machine_num_devices(m); j++) {
			if (vdm_machine_device(m, j, &c) || c.pci_fn < 0 || !c.dev ||
			    !c.parent_id || strcmp(c.parent_id, d->id))
				continue;
			if (!first)
				mon_buf_printf(o, ", ");
			device(m, &c, o);
			first = false;
		}
		mon_buf_printf(o, "]}");
	}
	mon_buf_printf(o, "}");
}

void monitor_query_pci(struct vdm_machine *m, struct mon_buf *o)
{
	struct vdm_machine_dev_info d;
	unsigned devfn;
	bool first = true;
	size_t i;

	mon_buf_printf(o, "[{\"bus\": %u, \"devices\": [", vdm_machine_desc(m)->bus_start);
	for (devfn = 0; devfn < 256; devfn++)
		for (i = 0; i < vdm_machine_num_devices(m); i++) {
			if (vdm_machine_device(m, i, &d) || d.pci_fn < 0 || !d.dev ||
			    strcmp(d.parent_id, VDM_MACHINE_ROOT_BUS) || d.devfn != devfn)
				continue;
			if (!first)
				mon_buf_printf(o, ", ");
			device(m, &d, o);
			first = false;
		}
	mon_buf_printf(o, "]}]");
}
