/* struct vdm_machine: creation, cold-plug declarations, realize, destruction and the queries
 * a VMM makes (devices, tables); entries and device creation shared by the other files. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vdm/builtin.h>
#include <vdm/devices.h>
#include <vdm/layout.h>
#include <vdm/place.h>

#include "arch.h"
#include "machine_int.h"

const struct vdm_prop_desc vdm_machine_props[] = {
	{ .name = "id", .type = VDM_PROP_STRING, .help = "name other options refer to (bus=)" },
	{ .name = "bus", .type = VDM_PROP_STRING,
	  .help = "id of the pcie-root-port to sit behind (default: a new one of its own)" },
	{ .name = "addr", .type = VDM_PROP_U32, .max = 31,
	  .help = "device (slot) number on its bus, 0..31" },
};
const size_t vdm_machine_num_props = sizeof(vdm_machine_props) / sizeof(vdm_machine_props[0]);

int vdm__mfail(char *err, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;

	if (!len)
		return rc;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return rc;
}

int vdm_machine_parse_spec(const char *spec, const struct vdm_device_type **type,
			   struct vdm_prop_values *values, char *err, size_t err_len)
{
	size_t ntypes;
	const struct vdm_device_type *const *types = vdm_builtin_types(&ntypes);

	return vdm_props_parse(spec, types, ntypes, vdm_machine_props, vdm_machine_num_props, type,
			       values, err, err_len);
}

int vdm_machine_type_spec(const struct vdm_device_type *t, const struct vdm_prop_values *pv,
			  char *spec, size_t len)
{
	size_t n = (size_t)snprintf(spec, len, "%s", t->name);
	uint32_t i;

	for (i = 0; pv && i < pv->count && i < VDM_PROPS_MAX; i++) {
		const struct vdm_prop_desc *d = pv->v[i].desc;

		if (!d || d < t->props_schema || d >= t->props_schema + t->num_props)
			continue; /* id=, bus=, addr=: the machine's */
		n += (size_t)snprintf(spec + (n < len ? n : len), n < len ? len - n : 0, ",%s=%s",
				      d->name, pv->v[i].str);
	}
	return n < len ? 0 : -E2BIG;
}

/* --- callbacks the devices get ------------------------------------------------------ */

static void pci_irq(void *opaque, uint32_t gsi, uint32_t level)
{
	struct vdm_machine *m = opaque;

	if (m->cfg.set_irq)
		m->cfg.set_irq(m->cfg.opaque, gsi, level);
}

static void pci_log(void *opaque, const char *who, uint32_t level, const char *msg)
{
	struct vdm_machine *m = opaque;

	if (m->cfg.log)
		m->cfg.log(m->cfg.opaque, who, level, msg);
}

static void platform_irq(void *opaque, uint32_t line, uint32_t level)
{
	struct machine_dev *d = opaque;
	struct vdm_machine *m = d->m;

	/* The one platform device is the GED: its line 0 is desc.ged_gsi. */
	if (line == 0 && m->cfg.set_irq)
		m->cfg.set_irq(m->cfg.opaque, m->desc.ged_gsi, level);
}

static void platform_log(void *opaque, uint32_t level, const char *msg)
{
	struct machine_dev *d = opaque;

	if (d->m->cfg.log)
		d->m->cfg.log(d->m->cfg.opaque, d->id, level, msg);
}

static void platform_eject(void *opaque, uint32_t bsel, uint32_t slot)
{
	struct machine_dev *d = opaque;

	vdm__machine_note_eject(d->m, bsel, slot);
}

static void uart_irq(void *opaque, uint32_t level)
{
	struct vdm_machine *m = opaque;

	if (m->cfg.set_irq)
		m->cfg.set_irq(m->cfg.opaque, m->desc.serial_gsi, level);
}

static void uart_tx(void *opaque, const uint8_t *buf, size_t len)
{
	struct vdm_machine *m = opaque;

	if (m->cfg.console_out)
		m->cfg.console_out(m->cfg.opaque, buf, len);
}

static void power_event(void *opaque, enum power_event ev)
{
	struct vdm_machine *m = opaque;

	if (m->cfg.power)
		m->cfg.power(m->cfg.opaque, ev == POWER_OFF ? VDM_MACHINE_POWER_OFF
							    : VDM_MACHINE_RESET);
}

/* --- entries ------------------------------------------------------------------------ */

static void init_entry(struct vdm_machine *m, struct machine_dev *d,
		       const struct vdm_device_type *t, const char *spec)
{
	unsigned r;

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
}

struct machine_dev *vdm__machine_new_dev(struct vdm_machine *m, const struct vdm_device_type *t,
				   const char *spec)
{
	unsigned i;

	/* A removed entry first, so add/remove cycles do not use devs[] up. */
	for (i = 0; i < m->ndevs; i++) {
		struct machine_dev *d = &m->devs[i];

		if (d->state != MACHINE_DEV_REMOVED)
			continue;
		pthread_mutex_destroy(&d->lock);
		init_entry(m, d, t, spec);
		return d;
	}
	if (m->ndevs >= VDM_MACHINE_MAX_DEVICES)
		return NULL;
	init_entry(m, &m->devs[m->ndevs], t, spec);
	return &m->devs[m->ndevs++];
}

void vdm__machine_free_dev(struct vdm_machine *m, struct machine_dev *d)
{
	(void)m;
	free(d->spec_copy);
	d->spec_copy = NULL;
	d->spec = NULL;
	d->dev = NULL;
	d->fn = -1;
	d->parent = -1;
	d->id[0] = 0;
	d->hp_recorded = false;
	d->state = MACHINE_DEV_REMOVED;
}

int vdm__machine_copy_props(struct machine_dev *d, const struct vdm_prop_values *props,
			    const char *what, char *err, size_t len)
{
	size_t n = sizeof(*props);
	char why[256];

	memset(&d->props, 0, sizeof(d->props));
	if (!props)
		return 0;
	if (vdm_props_check(props, why, sizeof(why)))
		return vdm__mfail(err, len, -EINVAL, "%s: %s", what, why);
	if (props->struct_size && props->struct_size < n)
		n = props->struct_size;
	memcpy(&d->props, props, n);
	d->props.struct_size = sizeof(d->props);
	return 0;
}

int vdm__machine_own_spec(struct machine_dev *d, const char *spec)
{
	char *copy = strdup(spec);

	if (!copy)
		return -ENOMEM;
	free(d->spec_copy);
	d->spec_copy = copy;
	d->spec = copy;
	return 0;
}

static bool id_taken(struct vdm_machine *m, const struct machine_dev *self, const char *id)
{
	unsigned i;

	if (!strcmp(id, VDM_MACHINE_ROOT_BUS))
		return true;
	m->id_compares += m->ndevs;
	for (i = 0; i < m->ndevs; i++)
		if (&m->devs[i] != self && m->devs[i].state != MACHINE_DEV_REMOVED &&
		    !strcmp(m->devs[i].id, id))
			return true;
	return false;
}

/* The lowest n for which "<prefix><n>" is free.  One pass marks the numbers in use (the
 * lowest free one is at most ndevs), then one check confirms it: a search per candidate
 * number cost a pass each, i.e. cubic time for a machine naming hundreds of root ports
 * (5.1 million id comparisons for 248; test_machine counts them). */
void vdm__machine_gen_id(struct vdm_machine *m, struct machine_dev *d, const char *prefix)
{
	size_t plen = strlen(prefix), cap = (size_t)m->ndevs + 1;
	bool *used = calloc(cap, sizeof(*used));
	unsigned i, n;

	m->id_compares += used ? m->ndevs : 0;
	for (i = 0; used && i < m->ndevs; i++) {
		const struct machine_dev *o = &m->devs[i];
		const char *num = o->id + plen;
		unsigned long v;
		char *end;

		if (o == d || o->state == MACHINE_DEV_REMOVED || strncmp(o->id, prefix, plen) ||
		    *num < '0' || *num > '9' || (num[0] == '0' && num[1]))
			continue;
		v = strtoul(num, &end, 10);
		if (!*end && v < cap)
			used[v] = true;
	}
	for (n = 0;; n++) {
		if (used && n < cap && used[n])
			continue;
		snprintf(d->id, sizeof(d->id), "%s%u", prefix, n);
		if (!id_taken(m, d, d->id))
			break;
	}
	free(used);
}

int vdm__machine_find_dev(const struct vdm_machine *m, const char *id)
{
	unsigned i;

	for (i = 0; i < m->ndevs; i++)
		if (machine_dev_live(&m->devs[i]) && !strcmp(m->devs[i].id, id))
			return (int)i;
	return -1;
}

/* Root ports get a unique physical slot number (_SUN) and chassis unless given: their
 * device number on the root bus. */
static int fill_root_port_props(struct machine_dev *d, char *err, size_t len)
{
	char args[1024], why[256];
	size_t n;
	int rc;

	if (d->implicit)
		memset(&d->props, 0, sizeof(d->props));
	if (vdm_props_has(&d->props, "slot") && vdm_props_has(&d->props, "chassis"))
		return 0;
	n = vdm_props_format(&d->props, args, sizeof(args));
	if (n >= sizeof(args) - 40)
		return vdm__mfail(err, len, -E2BIG, "--device %s: too many properties", d->spec);
	if (!vdm_props_has(&d->props, "slot"))
		n += (size_t)snprintf(args + n, sizeof(args) - n, "%sslot=%u", n ? "," : "",
				      d->devfn >> 3);
	if (!vdm_props_has(&d->props, "chassis"))
		snprintf(args + n, sizeof(args) - n, "%schassis=%u", n ? "," : "", d->devfn >> 3);
	rc = vdm_props_parse_args(args, d->type, vdm_machine_props, vdm_machine_num_props,
				  &d->props, why, sizeof(why));
	if (rc < 0)
		return vdm__mfail(err, len, rc, "%s %s: %s", d->spec ? "--device" : "root port",
				  d->spec ? d->spec : d->id, why);
	return 0;
}

int vdm__machine_create_dev(struct vdm_machine *m, struct machine_dev *d, char *err, size_t len)
{
	const struct vdm_machine_backend *b = &m->cfg.backend;
	struct vdm_host host;
	char why[256] = "";
	int rc;

	if (d->type->bus_kind == VDM_BUS_PCI_BRIDGE) {
		rc = fill_root_port_props(d, err, len);
		if (rc)
			return rc;
	}
	if (machine_type_is_pci(d->type)) {
		d->fn = vdm_pci_host_reserve(m->pci, &host);
		if (d->fn < 0)
			return vdm__mfail(err, len, -ENOSPC,
					  "%s: too many PCI functions (at most %d)", d->id,
					  VDM_PCI_HOST_MAX_FNS);
	} else {
		memset(&host, 0, sizeof(host));
		host.struct_size = sizeof(host);
		host.abi_version = VDM_ABI_VERSION;
		host.opaque = d;
		host.set_irq = platform_irq;
		host.log = platform_log;
		host.eject = platform_eject;
	}
	/* The host bridge function is the machine's own: never sandboxed. */
	if (b->create_device && d->type != &vdm_host_bridge_type)
		rc = b->create_device(b->opaque, d->type, &d->props, &host, &d->dev, why,
				      sizeof(why));
	else
		rc = d->type->create(&d->props, &host, &d->dev, why, sizeof(why));
	if (rc < 0 || !d->dev) {
		if (d->fn >= 0)
			vdm_pci_host_unreserve(m->pci, d->fn);
		d->fn = -1;
		d->dev = NULL;
		return vdm__mfail(err, len, rc < 0 ? rc : -EIO, "%s %s: %s",
				  d->spec ? "--device" : "device", d->spec ? d->spec : d->id,
				  why[0] ? why : "create failed");
	}
	return 0;
}

void vdm__machine_destroy_dev(struct vdm_machine *m, const char *id, struct vdm_device *dev)
{
	if (!dev)
		return;
	if (m->cfg.backend.destroy_device && dev->type != &vdm_host_bridge_type)
		m->cfg.backend.destroy_device(m->cfg.backend.opaque, id, dev);
	else
		vdm_device_destroy(dev);
}

/* --- life --------------------------------------------------------------------------- */

int vdm_machine_create(const struct vdm_machine_config *cfg, struct vdm_machine **out,
		       char *err, size_t err_len)
{
	struct vdm_machine *m;
	struct machine_dev *hb;
	int rc;

	*out = NULL;
	if (!cfg || cfg->struct_size < sizeof(*cfg))
		return vdm__mfail(err, err_len, -EINVAL,
				  "machine config: struct_size %u, expected %zu "
				  "(set it to sizeof(struct vdm_machine_config))",
				  cfg ? cfg->struct_size : 0, sizeof(*cfg));
	if (!vdm__machine_arch(cfg->arch))
		return vdm__mfail(err, err_len, -ENOTSUP, "machine config: arch %u is not built "
				  "into this libvdm-machine (x86_64 = %u, arm64 = %u)", cfg->arch,
				  VDM_ARCH_X86_64, VDM_ARCH_ARM64);
	if (cfg->num_cpus < 1 || cfg->num_cpus > vdm__machine_arch(cfg->arch)->max_cpus)
		return vdm__mfail(err, err_len, -EINVAL, "machine config: %u CPUs: give 1 to %u",
				  cfg->num_cpus, vdm__machine_arch(cfg->arch)->max_cpus);
	if (cfg->preserve_policy > VDM_PRESERVE_OFF)
		return vdm__mfail(err, err_len, -EINVAL, "machine config: preserve policy %u: use "
				  "VDM_PRESERVE_AUTO, _ON or _OFF", cfg->preserve_policy);
	m = calloc(1, sizeof(*m));
	if (!m)
		return vdm__mfail(err, err_len, -ENOMEM, "out of memory");
	m->cfg = *cfg;
	m->arch = vdm__machine_arch(cfg->arch);
	m->ged = -1;
	vdm__bus_init(&m->pio);
	vdm__bus_init(&m->mmio);
	rc = m->arch->layout(&m->desc, cfg->ram_size, cfg->phys_bits, err, err_len);
	if (rc) {
		free(m);
		return rc;
	}
	m->desc.num_cpus = cfg->num_cpus;
	m->desc.acpi_pci_hotplug = cfg->acpi_pci_hotplug;
	m->desc.preserve_policy = cfg->preserve_policy;
	vdm__uart_init(&m->uart, uart_tx, uart_irq, m);
	vdm__pl011_init(&m->pl011, uart_tx, uart_irq, m);
	vdm__pm_init(&m->pm, m->desc.reset_value, m->desc.s5_slp_typ, power_event, m);
	m->pci = vdm_pci_host_create(m->desc.bus_start, m->desc.bus_end, pci_irq, pci_log, m);
	if (m->pci && m->desc.intx_gsis)
		vdm_pci_host_set_intx(m->pci, m->desc.intx_gsi_base, m->desc.intx_gsis);
	hb = m->pci ? vdm__machine_new_dev(m, &vdm_host_bridge_type, NULL) : NULL;
	if (!hb) {
		vdm_machine_destroy(m);
		return vdm__mfail(err, err_len, -ENOMEM, "out of memory");
	}
	/* 00:00.0: the host bridge function (slot 0 is never handed out). */
	snprintf(hb->id, sizeof(hb->id), "host");
	hb->slot_given = true;
	hb->devfn = 0;
	*out = m;
	return 0;
}

void vdm_machine_destroy(struct vdm_machine *m)
{
	unsigned i;

	if (!m)
		return;
	for (i = 0; i < m->ndevs; i++)
		if (m->devs[i].fn >= 0 && m->devs[i].dev && m->pci)
			vdm_pci_host_detach(m->pci, m->devs[i].fn);
	for (i = m->ndevs; i-- > 0;) {
		vdm__machine_destroy_dev(m, m->devs[i].id, m->devs[i].dev);
		m->devs[i].dev = NULL;
		free(m->devs[i].spec_copy);
		pthread_mutex_destroy(&m->devs[i].lock);
	}
	vdm_pci_host_destroy(m->pci);
	vdm__machine_fw_free(m);
	vdm__bus_destroy(&m->pio);
	vdm__bus_destroy(&m->mmio);
	vdm__uart_destroy(&m->uart);
	vdm__pl011_destroy(&m->pl011);
	free(m);
}

int vdm_machine_add(struct vdm_machine *m, const struct vdm_device_type *t,
		    const struct vdm_prop_values *props, const char *spec, char *err,
		    size_t err_len)
{
	const char *id = vdm_props_str(props, "id", NULL);
	const char *what = spec ? spec : t->name;
	struct machine_dev *d;
	int rc;

	if (m->realized)
		return vdm__mfail(err, err_len, -EBUSY,
				  "--device %s: the machine is running; hot-add it "
				  "(vdm_machine_hot_add)",
				  what);
	if (id && strlen(id) >= VDM_MACH_ID_MAX)
		return vdm__mfail(err, err_len, -EINVAL,
				  "--device %s: id=%s is too long (at most %d "
				  "characters)",
				  what, id, VDM_MACH_ID_MAX - 1);
	if (id && id_taken(m, NULL, id))
		return vdm__mfail(err, err_len, -EINVAL, "--device %s: id=%s is already taken",
				  what, id);
	d = vdm__machine_new_dev(m, t, spec ? spec : t->name);
	if (!d)
		return vdm__mfail(err, err_len, -ENOSPC,
				  "--device %s: too many devices (at most %d)", what,
				  VDM_MACHINE_MAX_DEVICES);
	rc = vdm__machine_copy_props(d, props, what, err, err_len);
	if (rc) {
		vdm__machine_free_dev(m, d);
		return rc;
	}
	if (id)
		snprintf(d->id, sizeof(d->id), "%s", id);
	if (vdm_props_has(props, "addr")) {
		d->slot_given = true;
		d->devfn = (uint8_t)(vdm_props_num(props, "addr", 0) << 3);
	}
	return 0;
}

int vdm_machine_add_spec(struct vdm_machine *m, const char *spec, char *err, size_t err_len)
{
	const struct vdm_device_type *t;
	struct vdm_prop_values pv;
	char why[320];
	int rc;

	rc = vdm_machine_parse_spec(spec, &t, &pv, why, sizeof(why));
	if (rc < 0)
		return vdm__mfail(err, err_len, rc, "--device %s: %s", spec, why);
	rc = vdm_machine_add(m, t, &pv, spec, err, err_len);
	if (rc)
		return rc;
	return vdm__machine_own_spec(&m->devs[m->ndevs - 1], spec)
		       ? vdm__mfail(err, err_len, -ENOMEM, "out of memory")
		       : 0;
}

int vdm_machine_realize(struct vdm_machine *m, char *err, size_t err_len)
{
	int rc;

	if (m->realized)
		return vdm__mfail(err, err_len, -EBUSY, "the machine is realized already");
	if ((rc = vdm__machine_plan(m, err, err_len)) ||
	    (rc = vdm__machine_place(m, err, err_len)) ||
	    (rc = vdm__machine_add_ged(m, err, err_len)) ||
	    (rc = vdm__machine_tables(m, err, err_len)) ||
	    (rc = vdm__machine_wire(m, err, err_len)))
		return rc;
	m->realized = true;
	return 0;
}

/* --- queries ------------------------------------------------------------------------ */

const char *vdm_machine_warnings(const struct vdm_machine *m)
{
	return m->warnings;
}

const struct vdm_mach_desc *vdm_machine_desc(const struct vdm_machine *m)
{
	return &m->desc;
}

int vdm_machine_acpi(const struct vdm_machine *m, const uint8_t **blob, size_t *len,
		     uint64_t *gpa, uint64_t *rsdp)
{
	if (!m->acpi || !m->acpi_layout)
		return -ENOENT;
	if (blob)
		*blob = m->acpi;
	if (len)
		*len = m->acpi_layout->size;
	if (gpa)
		*gpa = m->acpi_layout->base_gpa;
	if (rsdp)
		*rsdp = m->acpi_layout->rsdp_gpa;
	return 0;
}

size_t vdm_machine_num_devices(const struct vdm_machine *m)
{
	return m->ndevs;
}

int vdm_machine_device(const struct vdm_machine *m, size_t i, struct vdm_machine_dev_info *out)
{
	const struct machine_dev *d;

	if (i >= m->ndevs || m->devs[i].state == MACHINE_DEV_REMOVED)
		return -ENOENT;
	d = &m->devs[i];
	memset(out, 0, sizeof(*out));
	out->id = d->id;
	out->type = d->type;
	out->dev = d->dev;
	out->spec = d->implicit ? NULL : d->spec;
	out->state = (uint32_t)d->state;
	out->pci_fn = d->fn;
	out->devfn = d->devfn;
	out->implicit = d->implicit;
	out->hot_added = d->hot_added;
	for (unsigned r = 0; r < VDM_MAX_REGIONS; r++)
		out->guest_reads[r] = atomic_load(&d->reads[r]);
	memcpy(out->region_base, d->region_base, sizeof(out->region_base));
	if (machine_type_is_pci(d->type)) {
		out->parent_id = d->parent >= 0 ? m->devs[d->parent].id : VDM_MACHINE_ROOT_BUS;
		out->bus = d->fn >= 0 && d->dev ? vdm_pci_host_fn_bus(m->pci, d->fn) : -1;
	} else {
		out->bus = -1;
	}
	return 0;
}

int vdm_machine_find(const struct vdm_machine *m, const char *id)
{
	int i = vdm__machine_find_dev(m, id);

	return i < 0 ? -ENOENT : i;
}

int vdm_machine_ged(const struct vdm_machine *m)
{
	return m->ged >= 0 ? m->ged : -ENOENT;
}

void vdm_machine_device_lock(struct vdm_machine *m, size_t i)
{
	if (i >= m->ndevs)
		return;
	if (m->devs[i].fn >= 0)
		vdm_pci_host_fn_lock(m->pci, m->devs[i].fn);
	else
		pthread_mutex_lock(&m->devs[i].lock);
}

void vdm_machine_device_unlock(struct vdm_machine *m, size_t i)
{
	if (i >= m->ndevs)
		return;
	if (m->devs[i].fn >= 0)
		vdm_pci_host_fn_unlock(m->pci, m->devs[i].fn);
	else
		pthread_mutex_unlock(&m->devs[i].lock);
}

struct vdm_pci_host *vdm_machine_pci_host(struct vdm_machine *m)
{
	return m->pci;
}

uint64_t vdm_machine_bad_accesses(const struct vdm_machine *m)
{
	return atomic_load(&m->bad_accesses);
}
