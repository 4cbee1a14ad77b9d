/* The "ged" device: ACPI Generic Event Device event selector (region 0) in front of the PCI
 * hotplug register block (region 1), its edge interrupt, and the host-side hotplug API. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vdm/builtin.h>
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
	*value = vdm__pcihp_read(&g->hp, (uint32_t)offset);
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
	vdm__pcihp_write(&g->hp, (uint32_t)offset, (uint32_t)value, eject_cb, g);
	return 0;
}

static void ged_reset(struct vdm_device *dev)
{
	struct ged *g = (struct ged *)dev;

	g->events = 0;
	vdm__pcihp_reset(&g->hp);
}

static void ged_destroy(struct vdm_device *dev)
{
	free(dev);
}

static int ged_control(struct vdm_device *dev, uint32_t op, uint32_t arg0, uint32_t arg1,
		       uint64_t *result);

static const struct vdm_device_ops ged_ops = {
	VDM_STRUCT_HEAD(struct vdm_device_ops),
	.bar_read = ged_read,
	.bar_write = ged_write,
	.reset = ged_reset,
	.destroy = ged_destroy,
	.control = ged_control,
};

static int ged_create(const struct vdm_prop_values *props, const struct vdm_host *host,
		      struct vdm_device **out, char *err, size_t err_len)
{
	uint64_t nsel = vdm_props_num(props, "selectors", 1);
	uint32_t mask = (uint32_t)vdm_props_num(props, "slot-mask", 0x1);
	struct ged *g;
	int r;

	if (!out)
		return -EINVAL;
	*out = NULL;
	r = vdm_props_check(props, err, err_len);
	if (r)
		return r;
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
	vdm__pcihp_init(&g->hp, (uint32_t)nsel, mask);
	*out = &g->dev;
	return 0;
}

const struct vdm_device_type vdm_ged_type = {
	VDM_STRUCT_HEAD(struct vdm_device_type),
	.name = "acpi-ged", /* QEMU's name; "ged", vdm's former one, is an alias */
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

/* --- host control: runs where the device runs (the VMM, or its device host) ----------- */

static int ged_control(struct vdm_device *dev, uint32_t op, uint32_t arg0, uint32_t arg1,
		       uint64_t *result)
{
	struct ged *g = (struct ged *)dev;
	int rc;

	switch (op) {
	case VDM_GED_CTL_NUM_SELECTORS:
		*result = g->hp.nsel;
		return 0;
	case VDM_GED_CTL_SET_SLOTS:
		return vdm__pcihp_set_slots(&g->hp, arg0, arg1);
	case VDM_GED_CTL_HOT_ADD:
	case VDM_GED_CTL_UNPLUG_REQUEST:
		rc = op == VDM_GED_CTL_HOT_ADD ? vdm__pcihp_mark_up(&g->hp, arg0, arg1)
					       : vdm__pcihp_mark_down(&g->hp, arg0, arg1);
		if (rc)
			return rc;
		raise_event(g, VDM_GED_EVT_PCI_HOTPLUG);
		return 0;
	case VDM_GED_CTL_POWER_BUTTON:
		raise_event(g, VDM_GED_EVT_PWR_DOWN);
		return 0;
	case VDM_GED_CTL_QUERY_SLOTS:
	case VDM_GED_CTL_QUERY_PENDING:
		if (arg0 >= g->hp.nsel)
			return -EINVAL;
		*result = op == VDM_GED_CTL_QUERY_SLOTS
				  ? g->hp.bus[arg0].slots
				  : g->hp.bus[arg0].up | (uint64_t)g->hp.bus[arg0].down << 32;
		return 0;
	case VDM_GED_CTL_PENDING_EVENTS:
		*result = g->events;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/* --- host API: runs in the VMM, on the device or on its proxy -------------------------- */

#define EVT_KNOWN (VDM_GED_EVT_PWR_DOWN | VDM_GED_EVT_PCI_HOTPLUG)

/* This GED type, or a device of a type named "acpi-ged" or its alias "ged" (a proxy for one
 * in a device host: its type is the proxy's copy).  Anything else is refused before any
 * call into it. */
static bool is_ged(const struct vdm_device *dev)
{
	return dev && dev->ops && dev->type &&
	       (dev->type == &vdm_ged_type ||
		(dev->type->name && vdm_builtin_find(dev->type->name) == &vdm_ged_type));
}

/*
 * One control call.  A device without the op (not a GED) is -EINVAL, as the API always
 * said.  A result is only ever read after a 0 return; `want_value` ops may return one, the
 * others must return 0 (anything else is a device host talking nonsense: -EIO).  The
 * device's state is not changed by the const queries, so the cast below is honest; only a
 * proxy's transport state moves.
 */
static int ged_call(const struct vdm_device *dev, uint32_t op, uint32_t arg0, uint32_t arg1,
		    bool want_value, uint64_t *result)
{
	uint64_t r = 0;
	int rc;

	if (!is_ged(dev))
		return -EINVAL;
	rc = vdm_device_control((struct vdm_device *)dev, op, arg0, arg1, &r);
	if (rc == -EOPNOTSUPP)
		return -EINVAL;
	if (rc)
		return rc < -4095 || rc > 0 ? -EIO : rc;
	if (!want_value && r)
		return -EIO;
	if (result)
		*result = r;
	return 0;
}

uint32_t vdm_ged_num_selectors(const struct vdm_device *dev)
{
	uint64_t n;

	if (ged_call(dev, VDM_GED_CTL_NUM_SELECTORS, 0, 0, true, &n) || n < 1 ||
	    n > VDM_GED_MAX_SELECTORS)
		return 0;
	return (uint32_t)n;
}

int vdm_ged_set_slots(struct vdm_device *dev, uint32_t bsel, uint32_t slot_mask)
{
	return ged_call(dev, VDM_GED_CTL_SET_SLOTS, bsel, slot_mask, false, NULL);
}

int vdm_ged_hot_add(struct vdm_device *dev, uint32_t bsel, uint32_t slot)
{
	return ged_call(dev, VDM_GED_CTL_HOT_ADD, bsel, slot, false, NULL);
}

int vdm_ged_unplug_request(struct vdm_device *dev, uint32_t bsel, uint32_t slot)
{
	return ged_call(dev, VDM_GED_CTL_UNPLUG_REQUEST, bsel, slot, false, NULL);
}

int vdm_ged_power_button(struct vdm_device *dev)
{
	return ged_call(dev, VDM_GED_CTL_POWER_BUTTON, 0, 0, false, NULL);
}

int vdm_ged_query(const struct vdm_device *dev, uint32_t bsel, struct vdm_ged_bus_state *out)
{
	uint64_t slots, pend;
	uint32_t up, down;
	int rc;

	if (!out)
		return -EINVAL;
	rc = ged_call(dev, VDM_GED_CTL_QUERY_SLOTS, bsel, 0, true, &slots);
	if (!rc)
		rc = ged_call(dev, VDM_GED_CTL_QUERY_PENDING, bsel, 0, true, &pend);
	if (rc)
		return rc;
	up = (uint32_t)pend;
	down = (uint32_t)(pend >> 32);
	/* The device's invariant: pending bits only for slots that exist. */
	if (slots > UINT32_MAX || (up & ~slots) || (down & ~slots))
		return -EIO;
	out->slots = (uint32_t)slots;
	out->up = up;
	out->down = down;
	return 0;
}

uint32_t vdm_ged_pending_events(const struct vdm_device *dev)
{
	uint64_t ev;

	if (ged_call(dev, VDM_GED_CTL_PENDING_EVENTS, 0, 0, true, &ev) || (ev & ~(uint64_t)EVT_KNOWN))
		return 0;
	return (uint32_t)ev;
}
