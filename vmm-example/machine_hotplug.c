/* Machine assembly, part 4: ACPI PCI hot-add while the guest runs (attach behind a root
 * port, mark the slot present, raise the GED event), used by --payload-test-ged and by a
 * monitor's device_add. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <vdm/ged.h>

#include "firmware/vdm_place.h"
#include "machine.h"
#include "machine_int.h"
#include "pci/root_port.h"
#include "pci_host.h"

static bool has_child(const struct machine *m, int port)
{
	unsigned i;

	for (i = 0; i < m->ndevs; i++)
		if (m->devs[i].parent == port && m->devs[i].dev)
			return true;
	return false;
}

static int find_port(struct machine *m, const char *bus, const char *spec, char *err, size_t len)
{
	unsigned i;

	for (i = 0; i < m->ndevs; i++) {
		struct machine_dev *d = &m->devs[i];

		if (!d->dev || d->root_port < 0)
			continue;
		if (bus && strcmp(d->id, bus))
			continue;
		if (!m->desc.root_ports[d->root_port].hotplug) {
			if (bus)
				return mfail(err, len, -EINVAL, "%s: root port %s is not hotplug-capable",
					     spec, bus);
			continue;
		}
		if (has_child(m, (int)i)) {
			if (bus)
				return mfail(err, len, -EBUSY, "%s: root port %s is occupied", spec, bus);
			continue;
		}
		return (int)i;
	}
	if (bus)
		return mfail(err, len, -ENOENT, "%s: bus=%s: no pcie-root-port with that id", spec, bus);
	return mfail(err, len, -ENOSPC, "%s: no empty hotplug-capable root port (add some with "
		     "--hotplug-ports)", spec);
}

int machine_hot_add(struct machine *m, const struct vdm_device_type *t,
		    const struct vdm_prop_values *props, const char *spec, char *warn,
		    size_t warn_len, char *err, size_t err_len)
{
	const char *bus = vdm_props_str(props, "bus", NULL);
	const char *id = vdm_props_str(props, "id", NULL);
	struct machine_dev *d, *rp, *ged;
	char why[256];
	int port, rc;
	uint32_t bsel;

	if (warn_len)
		warn[0] = 0;
	if (t->bus_kind != VDM_BUS_PCI_ENDPOINT)
		return mfail(err, err_len, -EINVAL, "%s: only PCI endpoints can be hot-added", spec);
	if (!m->desc.acpi_pci_hotplug || m->ged < 0)
		return mfail(err, err_len, -EINVAL, "%s: ACPI PCI hotplug is off", spec);
	port = find_port(m, bus, spec, err, err_len);
	if (port < 0)
		return port;
	rp = &m->devs[port];
	d = machine_new_dev(m, t, spec);
	if (!d)
		return mfail(err, err_len, -ENOSPC, "%s: too many devices", spec);
	d->props = *props;
	d->parent = port;
	d->devfn = 0;
	if (id)
		snprintf(d->id, sizeof(d->id), "%s", id);
	else
		snprintf(d->id, sizeof(d->id), "hot%u", m->ndevs - 1);
	rc = machine_create_dev(m, d, err, err_len);
	if (rc) {
		m->ndevs--;
		return rc;
	}
	if (m->place && vdm_place_fits(m->place, (uint32_t)rp->root_port, d->dev->res.regions, why,
				       sizeof(why)) == -ENOSPC && warn_len)
		snprintf(warn, warn_len, "%s: does not fit the windows firmware gave %s (%s); the "
			 "guest can only open windows that are closed", spec, rp->id, why);
	rc = pci_host_attach(m->pci, d->fn, d->dev, rp->fn, 0);
	if (rc) {
		pci_host_unreserve(m->pci, d->fn);
		vdm_device_destroy(d->dev);
		d->dev = NULL;
		m->ndevs--;
		return mfail(err, err_len, rc, "%s: cannot attach behind %s: %s", spec, rp->id,
			     strerror(-rc));
	}
	pci_host_fn_lock(m->pci, rp->fn);
	vdm_root_port_set_presence(rp->dev, true, false);
	pci_host_fn_unlock(m->pci, rp->fn);
	ged = &m->devs[m->ged];
	bsel = m->desc.root_ports[rp->root_port].bsel;
	pthread_mutex_lock(&ged->lock);
	rc = vdm_ged_hot_add(ged->dev, bsel, 0);
	pthread_mutex_unlock(&ged->lock);
	if (rc)
		return mfail(err, err_len, rc, "%s: GED refused hot-add on selector %u", spec, bsel);
	return (int)(d - m->devs);
}
