/* Machine assembly, part 1: turn --device options into a device set (user devices, one
 * root port per endpoint without bus=, free hotplug ports, the GED), create the devices
 * and attach them to the PCI host.  Placement and programming are in machine_fw.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vdm/builtin.h>
#include <vdm/devices.h>
#include <vdm/ged.h>
#include <vdm/proxy.h>

#include <vdm/layout.h>
#include "machine.h"
#include "machine_int.h"
#include "machine_sandbox.h"
#include <vdm/pci_host.h>

#define ROOT_BUS_ID "pcie.0"

int mfail(char *err, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return rc;
}

static void log_line(const char *who, uint32_t level, const char *msg)
{
	static const char *const lv[] = { "error", "warning", "info", "debug" };

	if (level > VDM_LOG_INFO)
		return;
	fprintf(stderr, "vmm-example: [%s] %s: %s\n", who, lv[level & 3], msg);
}

static void pci_log(void *opaque, const char *who, uint32_t level, const char *msg)
{
	(void)opaque;
	log_line(who, level, msg);
}

static void pci_irq(void *opaque, uint32_t gsi, uint32_t level)
{
	struct machine *m = opaque;

	if (m->irq)
		m->irq(m->irq_opaque, gsi, level);
}

static void platform_irq(void *opaque, uint32_t line, uint32_t level)
{
	struct machine_dev *d = opaque;
	struct machine *m = d->m;

	/* The only platform device is the GED: its line 0 is desc.ged_gsi. */
	if (line == 0 && m->irq)
		m->irq(m->irq_opaque, m->desc.ged_gsi, level);
}

static void platform_log(void *opaque, uint32_t level, const char *msg)
{
	struct machine_dev *d = opaque;

	log_line(d->id, level, msg);
}

static void platform_eject(void *opaque, uint32_t bsel, uint32_t slot)
{
	struct machine_dev *d = opaque;
	struct machine *m = d->m;

	if (m->eject)
		m->eject(m->eject_opaque, bsel, slot);
	else
		fprintf(stderr, "vmm-example: guest ejected slot %u of bus selector %u\n", slot, bsel);
}

void machine_platform_read(void *opaque, uint64_t offset, uint32_t size, uint64_t *value)
{
	struct machine_region *r = opaque;
	struct machine_dev *d = r->d;

	atomic_fetch_add(&d->reads[r->region], 1);
	pthread_mutex_lock(&d->lock);
	if (vdm_bar_read(d->dev, r->region, offset, size, value) < 0)
		d->m->bad_accesses++;
	pthread_mutex_unlock(&d->lock);
}

void machine_platform_write(void *opaque, uint64_t offset, uint32_t size, uint64_t value)
{
	struct machine_region *r = opaque;
	struct machine_dev *d = r->d;

	pthread_mutex_lock(&d->lock);
	if (vdm_bar_write(d->dev, r->region, offset, size, value) < 0)
		d->m->bad_accesses++;
	/* A sandboxed GED's eject travels back through the ring's log area: wait for the
	 * posted write to be served and deliver it here, inside the guest's B0EJ write, as
	 * an in-process GED does.  (The event loop also polls, under the same lock.) */
	if (r->region == VDM_GED_REGION_PCIHP && offset == VDM_PCIHP_B0EJ &&
	    d->type == &vdm_ged_type && vdm_device_is_proxy(d->dev) &&
	    vdm_proxy_ping(d->dev) == 0)
		vdm_proxy_poll(d->dev);
	pthread_mutex_unlock(&d->lock);
}

/* --- planning --------------------------------------------------------------------- */

struct machine_dev *machine_new_dev(struct machine *m, const struct vdm_device_type *t,
				   const char *spec)
{
	struct machine_dev *d;
	unsigned r;

	if (m->ndevs >= MACHINE_MAX_DEVS)
		return NULL;
	d = &m->devs[m->ndevs++];
	memset(d, 0, sizeof(*d));
	d->m = m;
	d->type = t;
	d->spec = spec;
	d->implicit = spec == NULL;
	d->fn = -1;
	d->parent = -1;
	d->root_port = -1;
	pthread_mutex_init(&d->lock, NULL);
	for (r = 0; r < VDM_MAX_REGIONS; r++) {
		d->rctx[r].d = d;
		d->rctx[r].region = r;
	}
	return d;
}

static int find_id(const struct machine *m, const char *id)
{
	unsigned i;

	for (i = 0; i < m->ndevs; i++)
		if (!strcmp(m->devs[i].id, id))
			return (int)i;
	return -1;
}

static bool id_taken(const struct machine *m, const struct machine_dev *self, const char *id)
{
	unsigned i;

	if (!strcmp(id, ROOT_BUS_ID))
		return true;
	for (i = 0; i < m->ndevs; i++)
		if (&m->devs[i] != self && !strcmp(m->devs[i].id, id))
			return true;
	return false;
}

/* The first free "<prefix><n>". */
static void gen_id(struct machine *m, struct machine_dev *d, const char *prefix)
{
	unsigned n;

	for (n = 0;; n++) {
		snprintf(d->id, sizeof(d->id), "%s%u", prefix, n);
		if (!id_taken(m, d, d->id))
			return;
	}
}

static bool is_pci(const struct vdm_device_type *t)
{
	return t->bus_kind == VDM_BUS_PCI_ENDPOINT || t->bus_kind == VDM_BUS_PCI_BRIDGE;
}

static bool is_root_port(const struct machine_dev *d)
{
	return d->type->bus_kind == VDM_BUS_PCI_BRIDGE;
}

static int add_user_devices(struct machine *m, const struct vmm_options *o, char *err,
			    size_t len)
{
	unsigned i, pass;

	/* Root ports first so endpoints can name them in bus=, whatever the order given. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < o->num_devices; i++) {
			const struct vmm_device_opt *opt = &o->devices[i];
			bool bridge = opt->type->bus_kind == VDM_BUS_PCI_BRIDGE;
			struct machine_dev *d;
			const char *id;

			if ((pass == 0) != bridge)
				continue;
			d = machine_new_dev(m, opt->type, opt->spec);
			if (!d)
				return mfail(err, len, -ENOSPC, "--device %s: too many devices", opt->spec);
			d->props = opt->props;
			id = vdm_props_str(&opt->props, "id", NULL);
			if (id) {
				if (id_taken(m, d, id))
					return mfail(err, len, -EINVAL,
						     "--device %s: id=%s is already taken", opt->spec, id);
				snprintf(d->id, sizeof(d->id), "%s", id);
			}
			if (vdm_props_has(&opt->props, "addr")) {
				d->slot_given = true;
				d->devfn = (uint8_t)(vdm_props_num(&opt->props, "addr", 0) << 3);
			}
		}
	}
	for (i = 0; i < m->ndevs; i++)
		if (!m->devs[i].id[0])
			gen_id(m, &m->devs[i], is_root_port(&m->devs[i]) ? "rp" :
					       is_pci(m->devs[i].type) ? "dev" : m->devs[i].type->name);
	return 0;
}

/* Give every endpoint its bus: bus=ID, bus=pcie.0, or a new root port of its own. */
static int resolve_buses(struct machine *m, char *err, size_t len)
{
	const struct vdm_device_type *rp_type = vdm_builtin_find("pcie-root-port");
	unsigned i, n = m->ndevs;

	for (i = 0; i < n; i++) {
		struct machine_dev *d = &m->devs[i];
		const char *bus = vdm_props_str(&d->props, "bus", NULL);
		struct machine_dev *rp;
		int p;
		unsigned j;

		if (d->type == &vdm_host_bridge_type)
			continue; /* 00:00.0, always on the root bus */
		if (!is_pci(d->type)) {
			if (bus)
				return mfail(err, len, -EINVAL, "--device %s: a %s is not a PCI device "
					     "and takes no bus=", d->spec, d->type->name);
			continue;
		}
		if (is_root_port(d)) {
			if (bus && strcmp(bus, ROOT_BUS_ID))
				return mfail(err, len, -EINVAL, "--device %s: root ports sit on the root "
					     "bus only (bus=" ROOT_BUS_ID ")", d->spec);
			continue;
		}
		if (bus && !strcmp(bus, ROOT_BUS_ID))
			continue; /* endpoint on the root bus */
		if (bus) {
			p = find_id(m, bus);
			if (p < 0 || !is_root_port(&m->devs[p]))
				return mfail(err, len, -EINVAL, "--device %s: bus=%s: no pcie-root-port "
					     "with id=%s (or use bus=" ROOT_BUS_ID ")", d->spec, bus, bus);
			for (j = 0; j < m->ndevs; j++)
				if (m->devs[j].parent == p)
					return mfail(err, len, -EBUSY, "--device %s: bus=%s already holds "
						     "%s (a root port's bus has one slot)", d->spec,
						     bus, m->devs[j].id);
			if (d->slot_given && d->devfn != 0)
				return mfail(err, len, -EINVAL, "--device %s: addr= must be 0 behind a "
					     "root port (its bus has device 0 only)", d->spec);
			d->parent = p;
			d->devfn = 0;
			continue;
		}
		if (!rp_type)
			return mfail(err, len, -ENOENT, "--device %s: no pcie-root-port type built in",
				     d->spec);
		rp = machine_new_dev(m, rp_type, NULL);
		if (!rp)
			return mfail(err, len, -ENOSPC, "--device %s: too many devices", d->spec);
		gen_id(m, rp, "rp");
		d = &m->devs[i]; /* (devs[] does not move; keep the pointer honest anyway) */
		d->parent = (int)(rp - m->devs);
		if (d->slot_given)
			return mfail(err, len, -EINVAL, "--device %s: addr= needs bus=ROOTPORT or "
				     "bus=" ROOT_BUS_ID, d->spec);
		d->devfn = 0;
	}
	return 0;
}

static int add_free_ports(struct machine *m, unsigned count, char *err, size_t len)
{
	const struct vdm_device_type *rp_type = vdm_builtin_find("pcie-root-port");
	unsigned i;

	for (i = 0; i < count; i++) {
		struct machine_dev *rp;

		if (!rp_type)
			return mfail(err, len, -ENOENT, "--hotplug-ports: no pcie-root-port type");
		rp = machine_new_dev(m, rp_type, NULL);
		if (!rp)
			return mfail(err, len, -ENOSPC, "--hotplug-ports %u: too many devices", count);
		gen_id(m, rp, "rp");
	}
	return 0;
}

/* Root-bus slots for everything on the root bus without addr=, from slot 1 up (slot 0 is
 * left for a host bridge function). */
static int assign_slots(struct machine *m, char *err, size_t len)
{
	bool used[32] = { false };
	unsigned i, next = 1, ports = 0;

	for (i = 0; i < m->ndevs; i++) {
		struct machine_dev *d = &m->devs[i];

		if (!is_pci(d->type) || d->parent >= 0)
			continue;
		if (is_root_port(d) && ++ports > VDM_MACH_MAX_ROOT_PORTS)
			return mfail(err, len, -ENOSPC, "too many pcie-root-ports (at most %d); "
				     "lower --hotplug-ports", VDM_MACH_MAX_ROOT_PORTS);
		if (!d->slot_given)
			continue;
		if (used[d->devfn >> 3])
			return mfail(err, len, -EBUSY, "--device %s: addr=%u is taken on the root bus",
				     d->spec, d->devfn >> 3);
		used[d->devfn >> 3] = true;
	}
	for (i = 0; i < m->ndevs; i++) {
		struct machine_dev *d = &m->devs[i];

		if (!is_pci(d->type) || d->parent >= 0 || d->slot_given)
			continue;
		while (next < 32 && used[next])
			next++;
		if (next >= 32)
			return mfail(err, len, -ENOSPC, "the root bus is full (31 slots): use fewer "
				     "devices or --hotplug-ports");
		used[next] = true;
		d->devfn = (uint8_t)(next << 3);
	}
	return 0;
}

/* Root ports get a unique physical slot number (_SUN) unless slot= was given: their
 * device number on the root bus. */
static int fill_root_port_props(struct machine *m, struct machine_dev *d, char *err, size_t len)
{
	char args[1024];
	size_t n;
	char why[256];
	int rc;

	if (d->implicit)
		memset(&d->props, 0, sizeof(d->props));
	if (vdm_props_has(&d->props, "slot") && vdm_props_has(&d->props, "chassis"))
		return 0;
	n = vdm_props_format(&d->props, args, sizeof(args));
	if (n >= sizeof(args) - 40)
		return mfail(err, len, -E2BIG, "--device %s: too many properties", d->spec);
	if (!vdm_props_has(&d->props, "slot"))
		n += (size_t)snprintf(args + n, sizeof(args) - n, "%sslot=%u", n ? "," : "",
				      d->devfn >> 3);
	if (!vdm_props_has(&d->props, "chassis"))
		snprintf(args + n, sizeof(args) - n, "%schassis=%u", n ? "," : "", d->devfn >> 3);
	rc = vdm_props_parse_args(args, d->type, vmm_common_props, vmm_num_common_props, &d->props,
				  why, sizeof(why));
	if (rc < 0)
		return mfail(err, len, rc, "%s %s: %s", d->spec ? "--device" : "root port",
			     d->spec ? d->spec : d->id, why);
	return 0;
}

int machine_create_dev(struct machine *m, struct machine_dev *d, char *err, size_t len)
{
	struct vdm_host host;
	char why[256] = "";
	int rc;

	if (is_root_port(d)) {
		rc = fill_root_port_props(m, d, err, len);
		if (rc)
			return rc;
	}
	if (is_pci(d->type)) {
		d->fn = vdm_pci_host_reserve(m->pci, &host);
		if (d->fn < 0)
			return mfail(err, len, -ENOSPC, "%s: too many PCI functions", d->id);
	} else {
		memset(&host, 0, sizeof(host));
		host.struct_size = sizeof(host);
		host.abi_version = VDM_ABI_VERSION;
		host.opaque = d;
		host.set_irq = platform_irq;
		host.log = platform_log;
		host.eject = platform_eject;
	}
	rc = machine_spawn_device(d->type, &d->props, &host, &d->dev, why, sizeof(why));
	if (rc < 0 || !d->dev) {
		if (d->fn >= 0)
			vdm_pci_host_unreserve(m->pci, d->fn);
		d->fn = -1;
		d->dev = NULL;
		return mfail(err, len, rc < 0 ? rc : -EIO, "%s %s: %s", d->spec ? "--device" : "device",
			     d->spec ? d->spec : d->id, why[0] ? why : "create failed");
	}
	return 0;
}

int machine_create_platform(struct machine *m, struct machine_dev *d, char *err, size_t len)
{
	return machine_create_dev(m, d, err, len);
}

static int create_and_attach(struct machine *m, char *err, size_t len)
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
			rc = machine_create_dev(m, d, err, len);
			if (rc)
				return rc;
			if (d->fn < 0)
				continue;
			parent_fn = d->parent >= 0 ? m->devs[d->parent].fn : -1;
			rc = vdm_pci_host_attach(m->pci, d->fn, d->dev, parent_fn, d->devfn);
			if (rc)
				return mfail(err, len, rc, "%s: cannot attach at %02x.%u: %s", d->id,
					     d->devfn >> 3, d->devfn & 7, strerror(-rc));
		}
	}
	return 0;
}

int machine_build(struct machine *m, const struct vmm_options *o, unsigned phys_bits,
		  char *err, size_t err_len)
{
	int rc, g = -1;
	unsigned i;

	memset(m, 0, sizeof(*m));
	machine_sandbox_set_in_process(o->in_process); /* before any device exists */
	machine_sandbox_set_spares(o->spare_devhosts, true);
	m->ged = -1;
	m->phys_bits = phys_bits;
	rc = vdm_x86_layout(&m->desc, o->mem, phys_bits, err, err_len);
	if (rc)
		return rc;
	m->desc.num_cpus = o->smp;
	m->desc.acpi_pci_hotplug = o->acpi_hotplug;
	m->desc.preserve_policy = o->preserve;
	m->pci = vdm_pci_host_create(m->desc.bus_start, m->desc.bus_end, pci_irq, pci_log, m);
	if (!m->pci)
		return mfail(err, err_len, -ENOMEM, "out of memory");
	/* 00:00.0: the host bridge function (slot 0 is never handed out below). */
	{
		struct machine_dev *hb = machine_new_dev(m, &vdm_host_bridge_type, NULL);

		if (!hb) /* (the first entry: cannot happen, but -O3 cannot know) */
			return mfail(err, err_len, -ENOSPC, "no room for the host bridge");
		snprintf(hb->id, sizeof(hb->id), "host");
		hb->slot_given = true;
		hb->devfn = 0;
	}
	if ((rc = add_user_devices(m, o, err, err_len)) || (rc = resolve_buses(m, err, err_len)) ||
	    (rc = add_free_ports(m, o->hotplug_ports, err, err_len)) ||
	    (rc = assign_slots(m, err, err_len)))
		return rc;
	for (i = 0; i < m->ndevs; i++) {
		if (m->devs[i].type == &vdm_ged_type) {
			if (g >= 0)
				return mfail(err, err_len, -EINVAL, "--device %s: only one ged",
					     m->devs[i].spec);
			g = (int)i;
		} else if (!is_pci(m->devs[i].type)) {
			return mfail(err, err_len, -EINVAL, "--device %s: platform device type %s is "
				     "not supported by this machine", m->devs[i].spec,
				     m->devs[i].type->name);
		}
	}
	if (g < 0) {
		struct machine_dev *d = machine_new_dev(m, &vdm_ged_type, NULL);

		if (!d)
			return mfail(err, err_len, -ENOSPC, "too many devices");
		g = (int)(d - m->devs);
		gen_id(m, d, "ged");
	}
	m->ged = g;
	rc = create_and_attach(m, err, err_len);
	if (rc)
		return rc;
	rc = machine_place(m, err, err_len);
	if (rc)
		return rc;
	rc = machine_add_ged(m, err, err_len);
	if (rc)
		return rc;
	return machine_tables(m, o->kernel ? (o->append ? o->append : VMM_DEFAULT_CMDLINE) : NULL,
			      err, err_len);
}

void machine_destroy(struct machine *m)
{
	unsigned i;

	machine_sandbox_drop_spare();
	for (i = 0; i < m->ndevs; i++) {
		struct machine_dev *d = &m->devs[i];

		if (d->fn >= 0 && m->pci)
			vdm_pci_host_detach(m->pci, d->fn);
	}
	for (i = m->ndevs; i-- > 0;) {
		vdm_device_destroy(m->devs[i].dev);
		m->devs[i].dev = NULL;
		pthread_mutex_destroy(&m->devs[i].lock);
	}
	m->ndevs = 0;
	vdm_pci_host_destroy(m->pci);
	m->pci = NULL;
	machine_fw_free(m);
}
