/* ACPI PCI hotplug while the guest runs: hot-add (fit check, placement record, attach behind a
 * root port, presence, GED event), unplug request, and the eject that removes a device. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <vdm/ged.h>
#include <vdm/place.h>
#include <vdm/root_port.h>

#include "machine_int.h"

/* Locking: only the event-loop thread (or main before the vCPUs run) changes devs[] and
 * the PCI topology.  vCPU threads reach devices through pci_host's routing (its rwlock:
 * attach/detach take it for writing, so no access is inside a device being detached) and
 * the GED through its entry's lock; they never read devs[] otherwise. */

static int child_of(const struct vdm_machine *m, int port)
{
	unsigned i;

	for (i = 0; i < m->ndevs; i++)
		if (m->devs[i].parent == port && machine_dev_live(&m->devs[i]))
			return (int)i;
	return -1;
}

static int find_port(struct vdm_machine *m, const char *bus, const char *spec, char *err,
		     size_t len)
{
	unsigned i;
	int c;

	for (i = 0; i < m->ndevs; i++) {
		struct machine_dev *d = &m->devs[i];

		if (!machine_dev_live(d) || d->root_port < 0)
			continue;
		if (bus && strcmp(d->id, bus))
			continue;
		if (!m->desc.root_ports[d->root_port].hotplug) {
			if (bus)
				return vdm__mfail(err, len, -EINVAL,
						  "%s: root port %s is not hotplug-capable "
						  "(it was made with hotplug=off)",
						  spec, bus);
			continue;
		}
		c = child_of(m, (int)i);
		if (c >= 0) {
			if (bus)
				return vdm__mfail(
					err, len, -EBUSY, "%s: root port %s is occupied%s%s%s",
					spec, bus,
					m->devs[c].state == MACHINE_DEV_EJECTING ? " (by " : "",
					m->devs[c].state == MACHINE_DEV_EJECTING ? m->devs[c].id
										 : "",
					m->devs[c].state == MACHINE_DEV_EJECTING
						? ", being ejected; wait for DEVICE_DELETED)"
						: "");
			continue;
		}
		return (int)i;
	}
	if (bus)
		return vdm__mfail(err, len, -ENOENT,
				  "%s: bus=%s: no pcie-root-port with that id (see "
				  "info pci)",
				  spec, bus);
	return vdm__mfail(err, len, -ENOSPC, "%s: no empty hotplug-capable root port (the machine "
			  "needs more hotplug ports)", spec);
}

int vdm_machine_hot_add(struct vdm_machine *m, const struct vdm_device_type *t,
			const struct vdm_prop_values *props, const char *spec, unsigned flags,
			char *warn, size_t warn_len, char *err, size_t err_len)
{
	const char *bus = vdm_props_str(props, "bus", NULL);
	const char *id = vdm_props_str(props, "id", NULL);
	struct machine_dev *d, *rp, *ged;
	char why[320];
	int port, rc, fits = -ENOSPC, other = 0;
	uint32_t bsel;

	if (warn && warn_len)
		warn[0] = 0;
	else
		warn_len = 0;
	if (!spec)
		spec = t->name;
	if (!m->realized)
		return vdm__mfail(err, err_len, -EINVAL,
				  "%s: realize the machine first (or add it cold "
				  "with vdm_machine_add)",
				  spec);
	if (t->bus_kind != VDM_BUS_PCI_ENDPOINT)
		return vdm__mfail(err, err_len, -EINVAL,
				  "%s: only PCI endpoints can be hot-added (%s is "
				  "not one)",
				  spec, t->name);
	if (!m->desc.acpi_pci_hotplug || m->ged < 0)
		return vdm__mfail(err, err_len, -EINVAL,
				  "%s: ACPI PCI hotplug is off in this machine", spec);
	if (id && strlen(id) >= VDM_MACH_ID_MAX)
		return vdm__mfail(err, err_len, -EINVAL,
				  "%s: id=%s is too long (at most %d characters)", spec, id,
				  VDM_MACH_ID_MAX - 1);
	if (id &&
	    (!strcmp(id, VDM_MACHINE_ROOT_BUS) || (other = vdm__machine_find_dev(m, id)) >= 0))
		return vdm__mfail(
			err, err_len, -EEXIST,
			"%s: id=%s is already in use%s%s; pick another "
			"id",
			spec, id, strcmp(id, VDM_MACHINE_ROOT_BUS) ? " by a " : " by the root bus",
			strcmp(id, VDM_MACHINE_ROOT_BUS) ? m->devs[other].type->name : "");
	port = find_port(m, bus, spec, err, err_len);
	if (port < 0)
		return port;
	rp = &m->devs[port];
	d = vdm__machine_new_dev(m, t, NULL);
	if (!d)
		return vdm__mfail(err, err_len, -ENOSPC, "%s: too many devices", spec);
	if (vdm__machine_own_spec(d, spec)) {
		vdm__machine_free_dev(m, d);
		return vdm__mfail(err, err_len, -ENOMEM, "%s: out of memory", spec);
	}
	d->implicit = false;
	d->hot_added = true;
	rc = vdm__machine_copy_props(d, props, spec, err, err_len);
	if (rc) {
		vdm__machine_free_dev(m, d);
		return rc;
	}
	d->parent = port;
	d->devfn = 0;
	if (id)
		snprintf(d->id, sizeof(d->id), "%s", id);
	else
		for (unsigned n = 0;; n++) {
			snprintf(d->id, sizeof(d->id), "hot%u", n);
			if (vdm__machine_find_dev(m, d->id) < 0)
				break;
		}
	rc = vdm__machine_create_dev(m, d, err, err_len);
	if (rc) {
		vdm__machine_free_dev(m, d);
		return rc;
	}
	if (m->place) {
		/* The whole BAR set first; failing that, the memory BARs alone: an I/O BAR the
		 * port has no I/O window for is not worth refusing (Linux opens closed I/O windows
		 * of hotplug ports at boot, else leaves the BAR unassigned and the device works
		 * without it); a memory BAR that does not fit is a failed hot-add. */
		struct vdm_region_decl mem_only[VDM_MAX_REGIONS];
		char why_io[320] = "";

		memcpy(mem_only, d->dev->res.regions, sizeof(mem_only));
		fits = vdm_place_fits(m->place, (uint32_t)rp->root_port, mem_only, why_io,
				      sizeof(why_io));
		if (fits == -ENOSPC) {
			for (unsigned r = 0; r < VDM_MAX_REGIONS; r++)
				if (mem_only[r].kind == VDM_REGION_IO)
					mem_only[r] = (struct vdm_region_decl){ 0 };
			fits = vdm_place_fits(m->place, (uint32_t)rp->root_port, mem_only, why,
					      sizeof(why));
			if (!fits && warn_len)
				snprintf(warn, warn_len, "%s: does not fit the windows firmware gave %s "
					 "(%s); the guest opens that I/O window itself (Linux does at boot for "
					 "hotplug ports) or leaves the BAR unassigned", spec,
					 rp->id, why_io);
		}
		if (!fits) {
			char live[512];

			if (vdm__hotplug_live_fit(m->pci, rp->fn, rp->id, mem_only, live,
						  sizeof(live)) == -ENOSPC) {
				if (!(flags & VDM_HOT_ADD_NO_FIT_CHECK)) {
					rc = vdm__mfail(err, err_len, -ENOSPC,
							"%s: %s; nothing was added", spec, live);
					goto fail_created;
				}
				if (warn_len)
					snprintf(warn, warn_len, "%s: %s", spec, live);
			}
		}
		if (fits == -ENOSPC) {
			if (!(flags & VDM_HOT_ADD_NO_FIT_CHECK)) {
				rc = vdm__mfail(err, err_len, -ENOSPC, "%s: %s; nothing was added",
						spec, why);
				goto fail_created;
			}
			if (warn_len)
				snprintf(warn, warn_len, "%s: does not fit the windows firmware gave %s "
					 "(%s); the guest can only open windows that are closed", spec,
					 rp->id, why);
		} else if (fits) {
			rc = vdm__mfail(err, err_len, fits, "%s: %s", spec, why);
			goto fail_created;
		} else {
			rc = vdm_place_hot_add(m->place, (uint32_t)rp->root_port, mem_only, d->hp_addr,
					       why, sizeof(why));
			if (rc) {
				rc = vdm__mfail(err, err_len, rc, "%s: %s", spec, why);
				goto fail_created;
			}
			d->hp_recorded = true;
		}
	}
	rc = vdm_pci_host_attach(m->pci, d->fn, d->dev, rp->fn, 0);
	if (rc) {
		vdm__mfail(err, err_len, rc, "%s: cannot attach behind %s: %s", spec, rp->id,
			   strerror(-rc));
		goto fail_created;
	}
	vdm_pci_host_fn_lock(m->pci, rp->fn);
	vdm_root_port_set_presence(rp->dev, true, false);
	vdm_pci_host_fn_unlock(m->pci, rp->fn);
	ged = &m->devs[m->ged];
	bsel = m->desc.root_ports[rp->root_port].bsel;
	pthread_mutex_lock(&ged->lock);
	rc = vdm_ged_hot_add(ged->dev, bsel, 0);
	pthread_mutex_unlock(&ged->lock);
	if (rc)
		return vdm__mfail(err, err_len, rc, "%s: GED refused hot-add on selector %u", spec,
				  bsel);
	return (int)(d - m->devs);

fail_created:
	if (d->hp_recorded)
		vdm_place_hot_remove(m->place, (uint32_t)rp->root_port, d->dev->res.regions,
				     d->hp_addr);
	vdm_pci_host_unreserve(m->pci, d->fn);
	vdm__machine_destroy_dev(m, d->id, d->dev);
	vdm__machine_free_dev(m, d);
	return rc;
}

int vdm_machine_hot_add_spec(struct vdm_machine *m, const char *spec, unsigned flags,
			     char *warn, size_t warn_len, char *err, size_t err_len)
{
	const struct vdm_device_type *t;
	struct vdm_prop_values pv;
	char why[320];
	int rc;

	if (warn && warn_len)
		warn[0] = 0;
	rc = vdm_machine_parse_spec(spec, &t, &pv, why, sizeof(why));
	if (rc < 0)
		return vdm__mfail(err, err_len, rc, "%s: %s", spec, why);
	return vdm_machine_hot_add(m, t, &pv, spec, flags, warn, warn_len, err, err_len);
}

int vdm_machine_unplug_request(struct vdm_machine *m, const char *id, char *err,
			       size_t err_len)
{
	struct machine_dev *d, *rp, *ged;
	int i = vdm__machine_find_dev(m, id), rc;
	uint32_t bsel, r;

	if (i < 0)
		return vdm__mfail(err, err_len, -ENOENT,
				  "device_del %s: no device with that id (see info "
				  "devices)",
				  id);
	d = &m->devs[i];
	if (d->parent < 0 || m->devs[d->parent].root_port < 0 ||
	    !m->desc.root_ports[m->devs[d->parent].root_port].hotplug)
		return vdm__mfail(err, err_len, -EINVAL,
				  "device_del %s: a %s %s cannot be unplugged; only "
				  "devices behind a hotplug-capable root port can",
				  id, d->type->name,
				  d->parent < 0 ? "on the root bus" : "behind that port");
	if (!m->desc.acpi_pci_hotplug || m->ged < 0)
		return vdm__mfail(err, err_len, -EINVAL, "device_del %s: ACPI PCI hotplug is off",
				  id);
	if (d->state == MACHINE_DEV_EJECTING)
		return vdm__mfail(err, err_len, -EBUSY,
				  "device_del %s: already being unplugged; waiting "
				  "for the guest to eject it",
				  id);
	rp = &m->devs[d->parent];
	if (!d->hp_recorded && m->place) {
		/* Cold-plugged: what firmware placed is what the placement holds. */
		for (r = 0; r < VDM_MAX_REGIONS; r++)
			d->hp_addr[r] = d->dev->res.regions[r].kind == VDM_REGION_NONE
						? 0
						: vdm_pci_host_bar_addr(m->pci, d->fn, r);
		d->hp_recorded = true;
	}
	ged = &m->devs[m->ged];
	bsel = m->desc.root_ports[rp->root_port].bsel;
	pthread_mutex_lock(&ged->lock);
	rc = vdm_ged_unplug_request(ged->dev, bsel, d->devfn >> 3);
	pthread_mutex_unlock(&ged->lock);
	if (rc)
		return vdm__mfail(err, err_len, rc,
				  "device_del %s: GED refused the unplug request on "
				  "selector %u",
				  id, bsel);
	d->state = MACHINE_DEV_EJECTING;
	return 0;
}

void vdm__machine_note_eject(struct vdm_machine *m, uint32_t bsel, uint32_t slot)
{
	if (bsel >= sizeof(m->eject_pending) / sizeof(m->eject_pending[0]) || slot >= 32) {
		if (m->cfg.log)
			m->cfg.log(m->cfg.opaque, "ged", VDM_LOG_WARN,
				   "eject of a slot no root port has (ignored)");
		return;
	}
	atomic_fetch_or(&m->eject_pending[bsel], 1u << slot);
	if (m->cfg.eject_pending)
		m->cfg.eject_pending(m->cfg.opaque);
}

/* Remove the device in (bsel, slot): detach, release, destroy, clear presence.  Fills
 * ev->id (empty when the slot held nothing). */
static void eject(struct vdm_machine *m, uint32_t bsel, uint32_t slot,
		  struct vdm_machine_eject *ev)
{
	struct machine_dev *rp = NULL, *d;
	struct vdm_device *dev;
	unsigned i;
	int c;

	for (i = 0; i < m->ndevs; i++)
		if (machine_dev_live(&m->devs[i]) && m->devs[i].root_port >= 0 &&
		    m->desc.root_ports[m->devs[i].root_port].bsel == bsel) {
			rp = &m->devs[i];
			break;
		}
	if (!rp || slot != 0 || (c = child_of(m, (int)(rp - m->devs))) < 0)
		return;
	d = &m->devs[c];
	snprintf(ev->id, sizeof(ev->id), "%s", d->id);
	ev->requested = d->state == MACHINE_DEV_EJECTING;
	/* Out of the routing first: the write lock waits for any access in flight. */
	dev = vdm_pci_host_detach(m->pci, d->fn);
	if (d->hp_recorded && m->place &&
	    vdm_place_hot_remove(m->place, (uint32_t)rp->root_port, dev->res.regions,
				 d->hp_addr) &&
	    m->cfg.log)
		m->cfg.log(m->cfg.opaque, d->id, VDM_LOG_WARN,
			   "its BARs were not held in its root port's windows");
	vdm__machine_destroy_dev(m, d->id, dev);
	vdm_pci_host_fn_lock(m->pci, rp->fn);
	vdm_root_port_set_presence(rp->dev, false, false);
	vdm_pci_host_fn_unlock(m->pci, rp->fn);
	vdm__machine_free_dev(m, d);
}

int vdm_machine_process_eject(struct vdm_machine *m, struct vdm_machine_eject *ev)
{
	uint32_t b;

	for (b = 0; b < sizeof(m->eject_pending) / sizeof(m->eject_pending[0]); b++) {
		uint32_t bits = atomic_load(&m->eject_pending[b]), slot;

		if (!bits)
			continue;
		slot = (uint32_t)__builtin_ctz(bits);
		atomic_fetch_and(&m->eject_pending[b], ~(1u << slot));
		memset(ev, 0, sizeof(*ev));
		ev->bus_sel = b;
		ev->slot = slot;
		eject(m, b, slot, ev);
		return 1;
	}
	return 0;
}
