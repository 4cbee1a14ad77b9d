/* The "ged" device: ACPI Generic Event Device event selector (region 0) in front of the PCI
 * hotplug register block (region 1), its edge interrupt, and the host-side hotplug API. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <vdm/ged.h>
#include <vdm/props.h>

#include "pcihp.h"

struct ged {
	struct vdm_device dev; /* must be first */
	uint32_t events;       /* latched VDM_GED_EVT_* bits, cleared by the guest's read */
	struct vdm_pcihp hp;
};

static const struct vdm_prop_desc ged_props[] = {
	{ .name = "selectors", .type = VDM_PROP_U32, .min = 1, .max = VDM_GED_MAX_SELECTORS,
	  .help = "number of PCI hotplug bus selectors (BSEL 0..N-1), default 1" },
	{ .name = "slot-mask", .type = VDM_PROP_U32,
	  .help = "slots that exist on each selector (bit n = slot n), default 0x1" },
};

static struct ged *to_ged(struct vdm_device *dev)
{
	return (dev && dev->type == &vdm_ged_type) ? (struct ged *)dev : NULL;
}

static const struct ged *to_ged_c(const struct vdm_device *dev)
{
	return (dev && dev->type == &vdm_ged_type) ? (const struct ged *)dev : NULL;
}

/* A valid access is one 32-bit word at an aligned offset inside region 0 or 1. */
static int access_ok(uint32_t region, uint64_t offset, uint32_t size)
{
	uint64_t len;

	if (region == VDM_GED_REGION_SEL)
		len = VDM_GED_SEL_SIZE;
	else if (region == VDM_GED_REGION_PCIHP)
		len = VDM_PCIHP_REGION_SIZE;
	else
		return 0;
	return size == 4 && (offset & 3) == 0 && offset < len;
}

static uint64_t all_ones(uint32_t size)
{
	if (size >= 8)
		return UINT64_MAX;
	return size ? (1ull << (size * 8)) - 1 : 0;
}

static void eject_cb(void *opaque, uint32_t bsel, uint32_t slot)
{
	struct ged *g = opaque;

	if (g->dev.host.eject)
		g->dev.host.eject(g->dev.host.opaque, bsel, slot);
}

static int ged_read(struct vdm_device *dev, uint32_t region, uint64_t offset, uint32_t size,
		    uint64_t *value)
{
	struct ged *g = (struct ged *)dev;

	if (!value)
		return -EINVAL;
	if (!access_ok(region, offset, size)) {
		*value = all_ones(size);
		return -EINVAL;
	}
	if (region == VDM_GED_REGION_SEL) {
		/* Read-to-clear: _EVT reads ESEL once and handles every bit it got. */
		*value = g->events;
		g->events = 0;
		return 0;
	}
	*value = vdm_pcihp_read(&g->hp, (uint32_t)offset);
	return 0;
}

static int ged_write(struct vdm_device *dev, uint32_t region, uint64_t offset, uint32_t size,
		     uint64_t value)
{
	struct ged *g = (struct ged *)dev;

	if (!access_ok(region, offset, size))
		return -EINVAL;
	if (region == VDM_GED_REGION_SEL)
		return 0; /* the event selector ignores writes */
	vdm_pcihp_write(&g->hp, (uint32_t)offset, (uint32_t)value, eject_cb, g);
	return 0;
}

static void ged_reset(struct vdm_device *dev)
{
	struct ged *g = (struct ged *)dev;

	g->events = 0;
	vdm_pcihp_reset(&g->hp);
}

static void ged_destroy(struct vdm_device *dev)
{
	free(dev);
}

static const struct vdm_device_ops ged_ops = {
	VDM_STRUCT_HEAD(struct vdm_device_ops),
	.bar_read = ged_read,
	.bar_write = ged_write,
	.reset = ged_reset,
	.destroy = ged_destroy,
};

static int ged_create(const struct vdm_prop_values *props, const struct vdm_host *host,
		      struct vdm_device **out, char *err, size_t err_len)
{
	uint64_t nsel = vdm_props_num(props, "selectors", 1);
	uint32_t mask = (uint32_t)vdm_props_num(props, "slot-mask", 0x1);
	struct ged *g;

	if (!out)
		return -EINVAL;
	*out = NULL;
	/* The parser enforced this for parsed specs; a host may also build props by hand. */
	if (nsel < 1 || nsel > VDM_GED_MAX_SELECTORS) {
		if (err && err_len)
			snprintf(err, err_len, "selectors=%llu: must be 1..%u",
				 (unsigned long long)nsel, VDM_GED_MAX_SELECTORS);
		return -EINVAL;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	vdm_device_init(&g->dev, &ged_ops, &vdm_ged_type, host);
	g->dev.res.bus_kind = VDM_BUS_PLATFORM;
	g->dev.res.num_irqs = 1;
	g->dev.res.regions[VDM_GED_REGION_SEL] =
		(struct vdm_region_decl){ .size = VDM_GED_SEL_SIZE, .kind = VDM_REGION_MEM32 };
	g->dev.res.regions[VDM_GED_REGION_PCIHP] =
		(struct vdm_region_decl){ .size = VDM_PCIHP_REGION_SIZE, .kind = VDM_REGION_MEM32 };
	vdm_pcihp_init(&g->hp, (uint32_t)nsel, mask);
	*out = &g->dev;
	return 0;
}

const struct vdm_device_type vdm_ged_type = {
	VDM_STRUCT_HEAD(struct vdm_device_type),
	.name = "ged",
	.summary = "ACPI GED (event selector, edge irq) + QEMU-layout PCI hotplug registers",
	.props_schema = ged_props,
	.num_props = sizeof(ged_props) / sizeof(ged_props[0]),
	.bus_kind = VDM_BUS_PLATFORM,
	.create = ged_create,
};

/* Latch `bits` and pulse the line: one 1->0 edge per event, even if the bit was latched. */
static void raise_event(struct ged *g, uint32_t bits)
{
	g->events |= bits;
	vdm_device_set_irq(&g->dev, 0, 1);
	vdm_device_set_irq(&g->dev, 0, 0);
}

uint32_t vdm_ged_num_selectors(const struct vdm_device *dev)
{
	const struct ged *g = to_ged_c(dev);

	return g ? g->hp.nsel : 0;
}

int vdm_ged_set_slots(struct vdm_device *dev, uint32_t bsel, uint32_t slot_mask)
{
	struct ged *g = to_ged(dev);

	return g ? vdm_pcihp_set_slots(&g->hp, bsel, slot_mask) : -EINVAL;
}

int vdm_ged_hot_add(struct vdm_device *dev, uint32_t bsel, uint32_t slot)
{
	struct ged *g = to_ged(dev);
	int rc;

	if (!g)
		return -EINVAL;
	rc = vdm_pcihp_mark_up(&g->hp, bsel, slot);
	if (rc)
		return rc;
	raise_event(g, VDM_GED_EVT_PCI_HOTPLUG);
	return 0;
}

int vdm_ged_unplug_request(struct vdm_device *dev, uint32_t bsel, uint32_t slot)
{
	struct ged *g = to_ged(dev);
	int rc;

	if (!g)
		return -EINVAL;
	rc = vdm_pcihp_mark_down(&g->hp, bsel, slot);
	if (rc)
		return rc;
	raise_event(g, VDM_GED_EVT_PCI_HOTPLUG);
	return 0;
}

int vdm_ged_power_button(struct vdm_device *dev)
{
	struct ged *g = to_ged(dev);

	if (!g)
		return -EINVAL;
	raise_event(g, VDM_GED_EVT_PWR_DOWN);
	return 0;
}

int vdm_ged_query(const struct vdm_device *dev, uint32_t bsel, struct vdm_ged_bus_state *out)
{
	const struct ged *g = to_ged_c(dev);

	if (!g || !out || bsel >= g->hp.nsel)
		return -EINVAL;
	out->slots = g->hp.bus[bsel].slots;
	out->up = g->hp.bus[bsel].up;
	out->down = g->hp.bus[bsel].down;
	return 0;
}

uint32_t vdm_ged_pending_events(const struct vdm_device *dev)
{
	const struct ged *g = to_ged_c(dev);

	return g ? g->events : 0;
}
