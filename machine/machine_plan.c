/* Machine assembly at realize: the device set as declared (root ports first), a root port
 * for every endpoint without bus=, the free hotplug ports, ids, root-bus slots and the GED;
 * then every device is created and attached to the PCI host. */
#include <errno.h>
#include <string.h>

#include <vdm/builtin.h>
#include <vdm/devices.h>
#include <vdm/ged.h>

#include "machine_int.h"

static bool is_root_port(const struct machine_dev *d)
{
	return d->type->bus_kind == VDM_BUS_PCI_BRIDGE;
}

static int find_id(const struct vdm_machine *m, const char *id)
{
	unsigned i;

	for (i = 0; i < m->ndevs; i++)
		if (!strcmp(m->devs[i].id, id))
			return (int)i;
	return -1;
}

/*
 * Root ports before everything else (the host bridge stays first), each group in the order
 * declared: so bus= may name a port declared later, and root ports take the lowest root-bus
 * slots whatever the declaration order.
 */
static void root_ports_first(struct vdm_machine *m)
{
	struct machine_dev tmp;
	unsigned i, j;

	for (i = 1; i < m->ndevs; i++) {
		if (!is_root_port(&m->devs[i]))
			continue;
		for (j = i; j > 1 && !is_root_port(&m->devs[j - 1]); j--) {
			tmp = m->devs[j - 1];
			m->devs[j - 1] = m->devs[j];
			m->devs[j] = tmp;
		}
	}
	/* The entries moved: point their region contexts back at themselves. */
	for (i = 0; i < m->ndevs; i++)
		for (j = 0; j < VDM_MAX_REGIONS; j++)
			m->devs[i].rctx[j].d = &m->devs[i];
}

static struct machine_dev *new_root_port(struct vdm_machine *m)
{
	const struct vdm_device_type *rp_type = vdm_builtin_find("pcie-root-port");
	struct machine_dev *rp = rp_type ? vdm__machine_new_dev(m, rp_type, NULL) : NULL;

	if (rp)
		vdm__machine_gen_id(m, rp, "rp");
	return rp;
}

/* Give every endpoint its bus: bus=ID, bus=pcie.0, or a new root port of its own. */
static int resolve_buses(struct vdm_machine *m, char *err, size_t len)
{
	unsigned i, j, n = m->ndevs;

	for (i = 0; i < n; i++) {
		struct machine_dev *d = &m->devs[i], *rp;
		const char *bus = vdm_props_str(&d->props, "bus", NULL);
		int p;

		if (d->type == &vdm_host_bridge_type)
			continue; /* 00:00.0, always on the root bus */
		if (!machine_type_is_pci(d->type)) {
			if (bus)
				return vdm__mfail(err, len, -EINVAL,
						  "--device %s: a %s is not a PCI device "
						  "and takes no bus=",
						  d->spec, d->type->name);
			continue;
		}
		if (is_root_port(d)) {
			if (bus && strcmp(bus, VDM_MACHINE_ROOT_BUS))
				return vdm__mfail(err, len, -EINVAL,
						  "--device %s: root ports sit on the root "
						  "bus only (bus=" VDM_MACHINE_ROOT_BUS ")",
						  d->spec);
			continue;
		}
		if (bus && !strcmp(bus, VDM_MACHINE_ROOT_BUS))
			continue; /* endpoint on the root bus */
		if (bus) {
			p = find_id(m, bus);
			if (p < 0 || !is_root_port(&m->devs[p]))
				return vdm__mfail(err, len, -EINVAL,
						  "--device %s: bus=%s: no pcie-root-port "
						  "with id=%s (or use bus=" VDM_MACHINE_ROOT_BUS
						  ")",
						  d->spec, bus, bus);
			for (j = 0; j < m->ndevs; j++)
				if (m->devs[j].parent == p)
					return vdm__mfail(err, len, -EBUSY,
							  "--device %s: bus=%s already holds "
							  "%s (a root port's bus has one slot)",
							  d->spec, bus, m->devs[j].id);
			if (d->slot_given && d->devfn != 0)
				return vdm__mfail(err, len, -EINVAL,
						  "--device %s: addr= must be 0 behind a "
						  "root port (its bus has device 0 only)",
						  d->spec);
			d->parent = p;
			d->devfn = 0;
			continue;
		}
		if (d->slot_given)
			return vdm__mfail(err, len, -EINVAL,
					  "--device %s: addr= needs bus=ROOTPORT or "
					  "bus=" VDM_MACHINE_ROOT_BUS,
					  d->spec);
		rp = new_root_port(m);
		if (!rp)
			return vdm__mfail(err, len, -ENOSPC, "--device %s: too many devices",
					  d->spec);
		d->parent = (int)(rp - m->devs);
		d->devfn = 0;
	}
	return 0;
}

static int add_free_ports(struct vdm_machine *m, unsigned count, char *err, size_t len)
{
	unsigned i;

	for (i = 0; i < count; i++)
		if (!new_root_port(m))
			return vdm__mfail(err, len, -ENOSPC, "%u hotplug ports: too many devices",
					  count);
	return 0;
}

/*
 * Root-bus slots for everything on the root bus without addr=, from slot 1 up (slot 0 is the
 * host bridge's), one slot each.  When that does not fit (more than 31 devices: machines with
 * hundreds of hotplug ports), the root ports share slots as functions 0..7 of multifunction
 * slots, as on a q35 with many ports; endpoints keep a slot each.
 */
static int assign_slots(struct vdm_machine *m, char *err, size_t len)
{
	bool used[32] = { false };
	unsigned i, next = 1, ports = 0, want = 0, free_slots, fn = 0;
	bool pack;

	for (i = 0; i < m->ndevs; i++) {
		struct machine_dev *d = &m->devs[i];

		if (!machine_type_is_pci(d->type) || d->parent >= 0)
			continue;
		if (is_root_port(d) && ++ports > VDM_MACH_MAX_ROOT_PORTS)
			return vdm__mfail(err, len, -ENOSPC,
					  "too many pcie-root-ports (at most %d); "
					  "use fewer hotplug ports",
					  VDM_MACH_MAX_ROOT_PORTS);
		if (!d->slot_given)
			continue;
		if (used[d->devfn >> 3])
			return vdm__mfail(err, len, -EBUSY,
					  "--device %s: addr=%u is taken on the root bus", d->spec,
					  d->devfn >> 3);
		used[d->devfn >> 3] = true;
	}
	for (i = 0, free_slots = 0; i < 32; i++)
		free_slots += i > 0 && !used[i];
	for (i = 0; i < m->ndevs; i++)
		want += machine_type_is_pci(m->devs[i].type) && m->devs[i].parent < 0 &&
			!m->devs[i].slot_given;
	pack = want > free_slots;
	/* Endpoints first when packing, so the ports fill what remains 8 to a slot. */
	for (unsigned pass = 0; pass < 2; pass++) {
		for (i = 0; i < m->ndevs; i++) {
			struct machine_dev *d = &m->devs[i];

			if (!machine_type_is_pci(d->type) || d->parent >= 0 || d->slot_given ||
			    (pack && (pass == 0) == is_root_port(d)) || (!pack && pass == 1))
				continue;
			if (pack && is_root_port(d) && fn > 0 && fn < 8) {
				d->devfn = (uint8_t)((next << 3) | fn++);
				continue;
			}
			while (next < 32 && used[next])
				next++;
			if (next >= 32)
				return vdm__mfail(err, len, -ENOSPC,
						  "the root bus is full (31 slots%s): use fewer "
						  "devices or hotplug ports",
						  pack ? ", root ports 8 to a slot" : "");
			used[next] = true;
			d->devfn = (uint8_t)(next << 3);
			fn = pack && is_root_port(d) ? 1 : 0;
		}
	}
	return 0;
}

/* The one GED: the declared one, or a new one. */
static int find_ged(struct vdm_machine *m, char *err, size_t len)
{
	struct machine_dev *d;
	unsigned i;
	int g = -1;

	for (i = 0; i < m->ndevs; i++) {
		if (m->devs[i].type == &vdm_ged_type) {
			if (g >= 0)
				return vdm__mfail(err, len, -EINVAL, "--device %s: only one ged",
						  m->devs[i].spec);
			g = (int)i;
		} else if (!machine_type_is_pci(m->devs[i].type)) {
			return vdm__mfail(err, len, -EINVAL,
					  "--device %s: platform device type %s is "
					  "not supported by this machine",
					  m->devs[i].spec, m->devs[i].type->name);
		}
	}
	if (g < 0) {
		d = vdm__machine_new_dev(m, &vdm_ged_type, NULL);
		if (!d)
			return vdm__mfail(err, len, -ENOSPC, "too many devices");
		g = (int)(d - m->devs);
		vdm__machine_gen_id(m, d, "ged");
	}
	m->ged = g;
	return 0;
}

static int create_and_attach(struct vdm_machine *m, char *err, size_t len)
{
	unsigned i, pass;
	int rc;

	/* Root-bus functions first, so a child's parent is attached when the child is. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < m->ndevs; i++) {
			struct machine_dev *d = &m->devs[i];
			int parent_fn;

			if ((pass == 0) != (d->parent < 0) || d->type == &vdm_ged_type)
				continue;
			rc = vdm__machine_create_dev(m, d, err, len);
			if (rc)
				return rc;
			if (d->fn < 0)
				continue;
			parent_fn = d->parent >= 0 ? m->devs[d->parent].fn : -1;
			rc = vdm_pci_host_attach(m->pci, d->fn, d->dev, parent_fn, d->devfn);
			if (rc)
				return vdm__mfail(err, len, rc, "%s: cannot attach at %02x.%u: %s",
						  d->id, d->devfn >> 3, d->devfn & 7,
						  strerror(-rc));
		}
	}
	return 0;
}

int vdm__machine_plan(struct vdm_machine *m, char *err, size_t len)
{
	unsigned i;
	int rc;

	root_ports_first(m);
	for (i = 0; i < m->ndevs; i++)
		if (!m->devs[i].id[0])
			vdm__machine_gen_id(m, &m->devs[i],
					    is_root_port(&m->devs[i]) ? "rp"
					    : machine_type_is_pci(m->devs[i].type) ? "dev"
									      : m->devs[i].type->name);
	if ((rc = resolve_buses(m, err, len)) ||
	    (rc = add_free_ports(m, m->cfg.hotplug_ports, err, len)) ||
	    (rc = assign_slots(m, err, len)) || (rc = find_ged(m, err, len)))
		return rc;
	return create_and_attach(m, err, len);
}
