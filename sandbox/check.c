/* Checks a host runs on what a plugin hands it: the plugin description, each device type,
 * a created device's head and ops, and declared resources.  Pure functions. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <vdm/pci.h>
#include <vdm/plugin.h>
#include <vdm/props.h>

#include "errf.h"

#define NAME_MAX_LEN 63
#define IO_MAX (64u * 1024u)
#define MEM32_MAX (2ull << 30)

/* The first version of each struct: a peer's struct_size must reach this far.  (The
 * device head and its resources grew in 1.2 and 1.3: their 1.0 sizes are device.h's.) */
#define PLUGIN_V1_SIZE (offsetof(struct vdm_plugin, num_types) + sizeof(uint32_t))
#define TYPE_V1_SIZE (offsetof(struct vdm_device_type, create) + sizeof(void *))

int vdm__errf(char *err, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int name_ok(const char *s)
{
	size_t i;

	if (!s || !s[0])
		return 0;
	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (i >= NAME_MAX_LEN)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

static int bus_ok(uint32_t bus)
{
	return bus == VDM_BUS_PCI_ENDPOINT || bus == VDM_BUS_PCI_BRIDGE || bus == VDM_BUS_PLATFORM;
}

static int schema_check(const struct vdm_device_type *t, const char *what, char *err, size_t len)
{
	uint32_t i;

	if (t->num_props > VDM_PROPS_MAX)
		return vdm__errf(err, len, -EINVAL, "%s: type %s: %u properties (at most %u)", what,
			    t->name, t->num_props, VDM_PROPS_MAX);
	if (t->num_props && !t->props_schema)
		return vdm__errf(err, len, -EINVAL, "%s: type %s: %u properties but no schema", what,
			    t->name, t->num_props);
	for (i = 0; i < t->num_props; i++) {
		const struct vdm_prop_desc *d = &t->props_schema[i];

		if (!name_ok(d->name))
			return vdm__errf(err, len, -EINVAL, "%s: type %s: property %u has no valid name",
				    what, t->name, i);
		if (d->type < VDM_PROP_SIZE || d->type > VDM_PROP_STRING)
			return vdm__errf(err, len, -EINVAL, "%s: type %s: property %s has unknown type %u",
				    what, t->name, d->name, d->type);
		if (d->max && d->min > d->max)
			return vdm__errf(err, len, -EINVAL, "%s: type %s: property %s has min > max", what,
				    t->name, d->name);
	}
	return 0;
}

int vdm_plugin_check(const struct vdm_plugin *p, const char *what, char *err, size_t len)
{
	uint32_t i, j;

	if (!what)
		what = "plugin";
	if (!p)
		return vdm__errf(err, len, -EPROTO, "%s: entry returned NULL: the plugin refused host ABI "
			    "%u.%u", what, VDM_ABI_MAJOR, VDM_ABI_MINOR);
	if (!vdm_abi_compatible(p->abi_version))
		return vdm__errf(err, len, -EPROTO, "%s: built for vdm ABI %u.%u, this host speaks %u.x: "
			    "rebuild it against vdm %u.x headers", what,
			    VDM_ABI_VERSION_MAJOR(p->abi_version),
			    VDM_ABI_VERSION_MINOR(p->abi_version), VDM_ABI_MAJOR, VDM_ABI_MAJOR);
	if (p->struct_size < PLUGIN_V1_SIZE)
		return vdm__errf(err, len, -EINVAL, "%s: struct vdm_plugin is %u bytes, at least %zu "
			    "expected", what, p->struct_size, PLUGIN_V1_SIZE);
	if (p->num_types == 0 || p->num_types > VDM_PLUGIN_MAX_TYPES || !p->types)
		return vdm__errf(err, len, -EINVAL, "%s: declares %u device types (1..%u expected)", what,
			    p->num_types, VDM_PLUGIN_MAX_TYPES);
	for (i = 0; i < p->num_types; i++) {
		const struct vdm_device_type *t = p->types[i];
		int rc;

		if (!t)
			return vdm__errf(err, len, -EINVAL, "%s: type %u is NULL", what, i);
		if (!vdm_abi_compatible(t->abi_version))
			return vdm__errf(err, len, -EPROTO, "%s: type %u built for vdm ABI %u.%u, this host "
				    "speaks %u.x", what, i, VDM_ABI_VERSION_MAJOR(t->abi_version),
				    VDM_ABI_VERSION_MINOR(t->abi_version), VDM_ABI_MAJOR);
		if (t->struct_size < TYPE_V1_SIZE)
			return vdm__errf(err, len, -EINVAL, "%s: type %u: struct vdm_device_type is %u bytes,"
				    " at least %zu expected", what, i, t->struct_size, TYPE_V1_SIZE);
		if (!name_ok(t->name))
			return vdm__errf(err, len, -EINVAL, "%s: type %u has no valid name ([A-Za-z0-9_.-], "
				    "1..%d bytes)", what, i, NAME_MAX_LEN);
		if (!t->create)
			return vdm__errf(err, len, -EINVAL, "%s: type %s has no create function", what,
				    t->name);
		if (!bus_ok(t->bus_kind))
			return vdm__errf(err, len, -EINVAL, "%s: type %s has unknown bus kind %u", what,
				    t->name, t->bus_kind);
		rc = schema_check(t, what, err, len);
		if (rc)
			return rc;
		for (j = 0; j < i; j++)
			if (strcmp(p->types[j]->name, t->name) == 0)
				return vdm__errf(err, len, -EINVAL, "%s: type %s declared twice", what,
					    t->name);
	}
	return 0;
}

static int pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

int vdm_resources_check(const struct vdm_resources *res, char *err, size_t len)
{
	uint32_t i, nregions;

	if (res->struct_size < VDM_RESOURCES_SIZE_1_0)
		return vdm__errf(err, len, -EINVAL, "resources: struct_size %u is below %zu, the "
			    "1.0 struct vdm_resources (vdm_device_init sets it)", res->struct_size,
			    VDM_RESOURCES_SIZE_1_0);
	if (!bus_ok(res->bus_kind))
		return vdm__errf(err, len, -EINVAL, "resources: unknown bus kind %u", res->bus_kind);
	nregions = res->bus_kind == VDM_BUS_PCI_BRIDGE ? 2 : VDM_MAX_REGIONS;
	if (res->num_irqs > (res->bus_kind == VDM_BUS_PLATFORM ? VDM_MAX_IRQS : 1u))
		return vdm__errf(err, len, -EINVAL, "resources: %u interrupt lines (at most %u)",
			    res->num_irqs, res->bus_kind == VDM_BUS_PLATFORM ? VDM_MAX_IRQS : 1u);
	for (i = 0; i < VDM_MAX_REGIONS; i++) {
		const struct vdm_region_decl *r = &res->regions[i];

		if (r->kind == VDM_REGION_NONE) {
			if (r->size || r->flags)
				return vdm__errf(err, len, -EINVAL, "region %u: unused but size %llu flags %u",
					    i, (unsigned long long)r->size, r->flags);
			continue;
		}
		if (i >= nregions)
			return vdm__errf(err, len, -EINVAL, "region %u: a bridge has regions 0..1 only", i);
		if (r->kind > VDM_REGION_MEM64)
			return vdm__errf(err, len, -EINVAL, "region %u: unknown kind %u", i, r->kind);
		if (r->flags & ~VDM_REGION_PREFETCHABLE)
			return vdm__errf(err, len, -EINVAL, "region %u: unknown flags %#x", i, r->flags);
		if (!pow2(r->size))
			return vdm__errf(err, len, -EINVAL, "region %u: size %llu is not a power of two", i,
				    (unsigned long long)r->size);
		if (r->kind == VDM_REGION_IO && r->size > IO_MAX)
			return vdm__errf(err, len, -EINVAL, "region %u: I/O size %llu above 64K", i,
				    (unsigned long long)r->size);
		if (r->kind == VDM_REGION_MEM32 && r->size > MEM32_MAX)
			return vdm__errf(err, len, -EINVAL, "region %u: 32-bit size %llu above 2G", i,
				    (unsigned long long)r->size);
		if (r->kind == VDM_REGION_MEM64 && res->bus_kind != VDM_BUS_PLATFORM &&
		    (i + 1 >= nregions || res->regions[i + 1].kind != VDM_REGION_NONE))
			return vdm__errf(err, len, -EINVAL, "region %u: a 64-bit BAR needs slot %u unused",
				    i, i + 1);
	}
	if (res->struct_size >= offsetof(struct vdm_resources, pure_reads) + sizeof(uint32_t)) {
		if (res->pure_reads & ~VDM_PURE_ALL)
			return vdm__errf(err, len, -EINVAL, "pure_reads %#x: unknown bits (known: %#x)",
				    res->pure_reads, VDM_PURE_ALL);
		if ((res->pure_reads & VDM_PURE_CFG) && res->bus_kind == VDM_BUS_PLATFORM)
			return vdm__errf(err, len, -EINVAL, "pure_reads: VDM_PURE_CFG on a platform "
				    "device, which has no config space");
		/* (Its masks are checked where they are used: a proxy's copy of the
		 * declaration has none, they travel in the ring's mapping.) */
		if ((res->pure_reads & VDM_PURE_CFG_WRITES) && !(res->pure_reads & VDM_PURE_CFG))
			return vdm__errf(err, len, -EINVAL, "pure_reads: VDM_PURE_CFG_WRITES needs "
				    "VDM_PURE_CFG (config reads without side effects)");
		for (i = 0; i < VDM_MAX_REGIONS; i++)
			if ((res->pure_reads & VDM_PURE_REGION(i)) &&
			    res->regions[i].kind == VDM_REGION_NONE)
				return vdm__errf(err, len, -EINVAL, "pure_reads: region %u is not "
					    "declared", i);
	}
	return 0;
}

int vdm_device_check(const struct vdm_device *dev, uint32_t bus_kind, char *err, size_t len)
{
	const struct vdm_device_ops *ops;

	if (!dev)
		return vdm__errf(err, len, -EINVAL, "create() returned no device");
	if (!vdm_abi_compatible(dev->abi_version) || dev->struct_size < VDM_DEVICE_SIZE_1_0)
		return vdm__errf(err, len, -EINVAL, "device head: ABI %#x size %u (vdm_device_init not "
			    "called?)", dev->abi_version, dev->struct_size);
	ops = dev->ops;
	if (!ops || !vdm_abi_compatible(ops->abi_version) ||
	    ops->struct_size < VDM_DEVICE_OPS_SIZE_1_0)
		return vdm__errf(err, len, -EINVAL, "device ops table missing or of another ABI");
	if (!ops->bar_read || !ops->bar_write || !ops->reset || !ops->destroy)
		return vdm__errf(err, len, -EINVAL, "device ops: bar_read, bar_write, reset and destroy "
			    "are required");
	if (bus_kind != VDM_BUS_PLATFORM && (!ops->cfg_read || !ops->cfg_write))
		return vdm__errf(err, len, -EINVAL, "device ops: a PCI device needs cfg_read and "
			    "cfg_write");
	if (dev->res.bus_kind != bus_kind)
		return vdm__errf(err, len, -EINVAL, "device declares bus kind %u, its type says %u",
			    dev->res.bus_kind, bus_kind);
	/* A struct vdm_pci_function served by the core's ops: its config space must be one
	 * (ABI 1.4: sized, initialised), where the ops will look for it. */
	if (ops->cfg_read == vdm_pci_function_cfg_read ||
	    ops->cfg_write == vdm_pci_function_cfg_write) {
		char why[200];

		if (!vdm_pci_function_config((struct vdm_device *)dev, why, sizeof(why)))
			return vdm__errf(err, len, -EINVAL, "device config space: %s", why);
	}
	return vdm_resources_check(&dev->res, err, len);
}
