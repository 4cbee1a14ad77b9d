/* What firmware does before the OS runs: hand the declared resources to the placement, program
 * bus numbers, windows, BARs and decode enables, set slot presence, set up the GED, build ACPI. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vdm/ged.h>
#include <vdm/pci.h>

#include <vdm/acpi_tables.h>
#include <vdm/place.h>
#include <vdm/root_port.h>

#include "machine_int.h"

static void fill_fn(struct vdm_place_fn *f, const struct machine_dev *d, unsigned nbars)
{
	unsigned r;

	memset(f, 0, sizeof(*f));
	f->id = d->id;
	f->devfn = d->devfn;
	for (r = 0; r < nbars && r < VDM_MAX_REGIONS; r++)
		f->bars[r] = d->dev->res.regions[r];
}

static uint64_t reserve(const struct machine_dev *d, const char *name)
{
	return vdm_props_has(&d->props, name) ? vdm_props_num(&d->props, name, 0) : VDM_PLACE_UNSET;
}

static int program_bars(struct machine_dev *d, const struct vdm_place_fn *f, unsigned nbars,
			uint16_t *cmd, char *err, size_t len)
{
	unsigned r;

	for (r = 0; r < nbars; r++) {
		const struct vdm_region_decl *b = &d->dev->res.regions[r];
		int rc;

		if (b->kind == VDM_REGION_NONE || !b->size || !f->addr[r])
			continue;
		rc = vdm_pci_set_bar_address(d->dev, r, f->addr[r]);
		if (rc)
			return vdm__mfail(err, len, rc, "firmware: %s BAR%u := 0x%" PRIx64 ": %s",
					  d->id, r, f->addr[r], strerror(-rc));
		*cmd |= b->kind == VDM_REGION_IO ? VDM_PCI_COMMAND_IO : VDM_PCI_COMMAND_MEMORY;
	}
	return 0;
}

static int set_window(struct machine_dev *d, enum vdm_pci_window_kind k, struct vdm_range r,
		      const char *what, char *err, size_t len)
{
	int rc = vdm_pci_bridge_set_window(d->dev, k, r.base, r.size);

	/* Closing a window the port hardwires (io-reserve=0 makes I/O read-only) is fine. */
	if (rc == -EIO && r.size == 0)
		return 0;
	if (rc)
		return vdm__mfail(err, len, rc,
				  "firmware: %s %s window [0x%" PRIx64 ", +0x%" PRIx64 "): %s",
				  d->id, what, r.base, r.size, strerror(-rc));
	return 0;
}

static int program_port(struct vdm_machine *m, struct machine_dev *d,
			const struct vdm_place_port *p, bool occupied, char *err, size_t len)
{
	const struct vdm_mach_root_port *rp = &m->desc.root_ports[d->root_port];
	uint16_t cmd = VDM_PCI_COMMAND_MASTER;
	int rc;

	rc = vdm_pci_bridge_set_buses(d->dev, m->desc.bus_start, rp->secondary_bus,
				      rp->subordinate_bus);
	if (rc)
		return vdm__mfail(err, len, rc, "firmware: %s bus numbers %u/%u/%u: %s", d->id,
				  m->desc.bus_start, rp->secondary_bus, rp->subordinate_bus, strerror(-rc));
	if ((rc = set_window(d, VDM_PCI_WINDOW_IO, rp->io, "I/O", err, len)) ||
	    (rc = set_window(d, VDM_PCI_WINDOW_MEM, rp->mem, "memory", err, len)) ||
	    (rc = set_window(d, VDM_PCI_WINDOW_PREF, rp->pref, "prefetchable", err, len)))
		return rc;
	rc = program_bars(d, &p->self, 2, &cmd, err, len);
	if (rc)
		return rc;
	/* A bridge forwards what its enables allow: memory always (both memory windows),
	 * I/O when it has an I/O window. */
	cmd |= VDM_PCI_COMMAND_MEMORY | (rp->io.size ? VDM_PCI_COMMAND_IO : 0);
	vdm_cfg_write(d->dev, VDM_PCI_COMMAND, 2, cmd);
	vdm_root_port_set_presence(d->dev, occupied, false);
	return 0;
}

static int program_fn(struct machine_dev *d, const struct vdm_place_fn *f, char *err, size_t len)
{
	uint16_t cmd = VDM_PCI_COMMAND_MASTER;
	int rc = program_bars(d, f, VDM_MAX_REGIONS, &cmd, err, len);

	if (rc)
		return rc;
	vdm_cfg_write(d->dev, VDM_PCI_COMMAND, 2, cmd);
	return 0;
}

int vdm__machine_place(struct vdm_machine *m, char *err, size_t len)
{
	struct vdm_place_port ports[VDM_MACH_MAX_ROOT_PORTS];
	struct vdm_place_fn children[VDM_MACH_MAX_ROOT_PORTS];
	struct vdm_place_fn endpoints[32];
	int port_dev[VDM_MACH_MAX_ROOT_PORTS], child_dev[VDM_MACH_MAX_ROOT_PORTS], ep_dev[32];
	struct vdm_place_topo topo;
	struct vdm_place_msgs *msgs;
	unsigned i, np = 0, ne = 0;
	int rc;

	memset(&topo, 0, sizeof(topo));
	/* Hotplug ports get a 4 KiB I/O window unless io-reserve says otherwise, as SeaBIOS
	 * gives them: acpiphp removes a hot-added device any of whose I/O BARs (testdev's BAR1)
	 * it cannot place, and it never opens a closed window.  Shrinks first when ports run
	 * out of the 60 KiB of I/O space. */
	topo.default_io = 0x1000;
	for (i = 0; i < m->ndevs; i++) {
		struct machine_dev *d = &m->devs[i];

		if (d->fn < 0 || d->parent >= 0)
			continue;
		if (d->dev->res.bus_kind == VDM_BUS_PCI_BRIDGE) {
			struct vdm_place_port *p = &ports[np];

			memset(p, 0, sizeof(*p));
			fill_fn(&p->self, d, 2);
			p->chassis = (uint16_t)vdm_props_num(&d->props, "chassis", 0);
			p->slot = (uint16_t)vdm_props_num(&d->props, "slot", 0);
			p->hotplug = vdm_props_num(&d->props, "hotplug", 1) != 0;
			p->reserve.bus = reserve(d, "bus-reserve");
			p->reserve.io = reserve(d, "io-reserve");
			p->reserve.mem = reserve(d, "mem-reserve");
			p->reserve.pref32 = reserve(d, "pref32-reserve");
			p->reserve.pref64 = reserve(d, "pref64-reserve");
			child_dev[np] = -1;
			port_dev[np] = (int)i;
			d->root_port = (int)np;
			np++;
		} else {
			fill_fn(&endpoints[ne], d, VDM_MAX_REGIONS);
			ep_dev[ne++] = (int)i;
		}
	}
	for (i = 0; i < m->ndevs; i++) {
		struct machine_dev *d = &m->devs[i];
		int k;

		if (d->fn < 0 || d->parent < 0)
			continue;
		k = m->devs[d->parent].root_port;
		fill_fn(&children[k], d, VDM_MAX_REGIONS);
		ports[k].children = &children[k];
		ports[k].num_children = 1;
		child_dev[k] = (int)i;
	}
	topo.ports = ports;
	topo.num_ports = np;
	topo.endpoints = endpoints;
	topo.num_endpoints = ne;
	msgs = calloc(1, sizeof(*msgs));
	if (!msgs)
		return vdm__mfail(err, len, -ENOMEM, "out of memory");
	rc = vdm_place_machine(&m->desc, &topo, &m->place, msgs);
	snprintf(m->warnings, sizeof(m->warnings), "%s", msgs->warn);
	if (rc) {
		vdm__mfail(err, len, rc, "placement: %s", msgs->err[0] ? msgs->err : strerror(-rc));
		free(msgs);
		return rc;
	}
	free(msgs);
	for (i = 0; i < np; i++) {
		rc = program_port(m, &m->devs[port_dev[i]], &ports[i], child_dev[i] >= 0, err, len);
		if (!rc && child_dev[i] >= 0)
			rc = program_fn(&m->devs[child_dev[i]], &children[i], err, len);
		if (rc)
			return rc;
	}
	for (i = 0; i < ne; i++) {
		rc = program_fn(&m->devs[ep_dev[i]], &endpoints[i], err, len);
		if (rc)
			return rc;
	}
	vdm_pci_host_refresh(m->pci);
	return 0;
}

int vdm__machine_add_ged(struct vdm_machine *m, char *err, size_t len)
{
	struct machine_dev *d = &m->devs[m->ged];
	uint32_t nsel = m->desc.num_root_ports + 1, i;
	char args[64], why[256];
	int rc;

	if (!d->spec) {
		snprintf(args, sizeof(args), "selectors=%u,slot-mask=0x1", nsel);
		rc = vdm_props_parse_args(args, d->type, NULL, 0, &d->props, why, sizeof(why));
		if (rc)
			return vdm__mfail(err, len, rc, "ged: %s", why);
	}
	rc = vdm__machine_create_dev(m, d, err, len);
	if (rc)
		return rc;
	if (vdm_ged_num_selectors(d->dev) < nsel)
		return vdm__mfail(err, len, -EINVAL,
				  "--device %s: needs selectors=%u or more (one per "
				  "root port plus the root bus)",
				  d->spec ? d->spec : d->id, nsel);
	/* Selector 0 is the root bus: no hotplug slots there.  Selector i + 1 is root port i:
	 * slot 0 takes hotplug when the port does and ACPI hotplug is on. */
	vdm_ged_set_slots(d->dev, 0, 0);
	for (i = 0; i < m->desc.num_root_ports; i++)
		vdm_ged_set_slots(d->dev, m->desc.root_ports[i].bsel,
				  m->desc.acpi_pci_hotplug && m->desc.root_ports[i].hotplug ? 1 : 0);
	if (d->dev->res.regions[VDM_GED_REGION_SEL].size > 0x1000 ||
	    d->dev->res.regions[VDM_GED_REGION_PCIHP].size > 0x1000)
		return vdm__mfail(err, len, -EINVAL,
				  "ged: regions larger than the layout's 4K slots");
	d->region_base[VDM_GED_REGION_SEL] = m->desc.ged_base;
	d->region_base[VDM_GED_REGION_PCIHP] = m->desc.pcihp_base;
	return 0;
}

int vdm__machine_tables(struct vdm_machine *m, char *err, size_t len)
{
	uint64_t base = m->desc.acpi.base, size = m->desc.acpi.size;
	char why[512];
	int rc;

	m->acpi_layout = calloc(1, sizeof(*m->acpi_layout));
	m->acpi = calloc(1, size);
	if (!m->acpi || !m->acpi_layout)
		return vdm__mfail(err, len, -ENOMEM, "out of memory");
	rc = vdm_acpi_build(&m->desc, base, m->acpi, size, m->acpi_layout, why, sizeof(why));
	if (rc == -ENOSPC)
		return vdm__mfail(err, len, rc,
				  "ACPI tables need %zu bytes; the firmware area at 0x%llx "
				  "holds %llu: use fewer root ports or CPUs",
				  m->acpi_layout->size, (unsigned long long)base,
				  (unsigned long long)size);
	if (rc)
		return vdm__mfail(err, len, rc, "ACPI tables: %s", why);
	return 0;
}

void vdm__machine_fw_free(struct vdm_machine *m)
{
	vdm_place_destroy(m->place);
	m->place = NULL;
	free(m->acpi);
	m->acpi = NULL;
	free(m->acpi_layout);
	m->acpi_layout = NULL;
}
