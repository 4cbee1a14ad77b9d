/* Test plugin "itest_liar": device types named "ged" and "pcie-root-port" whose host-control
 * op lies (results out of range), forges ring replies behind its devhost, or hangs. */
#include <errno.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vdm/abi.h>
#include <vdm/device.h>
#include <vdm/ged.h>
#include <vdm/props.h>
#include <vdm/ring.h>

#include "devhost.h" /* sandbox/devhost.h: a hostile plugin knows its host's layout */
#include "itest_liar.h"
#include <vdm/root_port.h> /* the root port's op codes */

struct liar {
	struct vdm_device dev; /* must be first */
	uint32_t mode;         /* enum itest_lie */
};

static void hang(void)
{
	uint32_t word = 0;

	for (;;)
		syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
}

/* Publish a reply to the CONTROL request being served, spoiled by `mode`, behind the
 * devhost's back; then hang so the devhost's own reply never comes. */
static void forge(struct liar *l)
{
	struct devhost *dh = l->dev.host.opaque;
	struct vdm_ring_header *h = dh->ring_mem;
	const struct vdm_ring_entry *req =
		(const struct vdm_ring_entry *)((char *)h + VDM_RING_REQ_OFFSET);
	struct vdm_ring_entry *rsp = (struct vdm_ring_entry *)((char *)h + VDM_RING_RSP_OFFSET);
	uint32_t cons = __atomic_load_n(&h->req_cons, __ATOMIC_ACQUIRE);
	uint32_t prod = __atomic_load_n(&h->rsp_prod, __ATOMIC_ACQUIRE);
	struct vdm_ring_entry e = req[(cons - 1) & (VDM_RING_REQ_ENTRIES - 1)];

	e.kind |= VDM_RING_KIND_RESPONSE;
	e.data = 0;
	e.status = 0;
	if (l->mode == LIE_RING_REFUSED_WITH_DATA) {
		e.status = -22;
		e.data = 0x1234;
	} else if (l->mode == LIE_RING_OTHER_OP) {
		e.offset += 1;
	} else { /* LIE_RING_POSITIVE_STATUS */
		e.status = 3;
	}
	memcpy(&rsp[prod & (VDM_RING_RSP_ENTRIES - 1)], &e, sizeof(e));
	__atomic_store_n(&h->rsp_prod, prod + 1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&h->rsp_bell, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &h->rsp_bell, FUTEX_WAKE, 1, NULL, NULL, 0);
	hang();
}

static int liar_control(struct vdm_device *dev, uint32_t op, uint32_t arg0, uint32_t arg1,
			uint64_t *result)
{
	struct liar *l = (struct liar *)dev;

	(void)arg0;
	(void)arg1;
	switch (l->mode) {
	case LIE_RANGE:
		switch (op) {
		case VDM_GED_CTL_NUM_SELECTORS:
			*result = 100000; /* more than the 256 a GED can have */
			return 0;
		case VDM_GED_CTL_QUERY_SLOTS:
			*result = 0x1;
			return 0;
		case VDM_GED_CTL_QUERY_PENDING:
			*result = 0xffull | 0xf0ull << 32; /* bits for slots that do not exist */
			return 0;
		case VDM_GED_CTL_PENDING_EVENTS:
			*result = 0xffff0000u; /* no such events */
			return 0;
		case VDM_ROOT_PORT_CTL_PCIE_CAP:
			*result = 0x41; /* not dword-aligned */
			return 0;
		default: /* an op that returns nothing, "returning" something */
			*result = 7;
			return 0;
		}
	case LIE_HANG:
		hang();
		return 0;
	case LIE_RING_REFUSED_WITH_DATA:
	case LIE_RING_OTHER_OP:
	case LIE_RING_POSITIVE_STATUS:
		forge(l);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static int liar_cfg_read(struct vdm_device *dev, uint32_t off, uint32_t size, uint32_t *value)
{
	(void)dev;
	(void)off;
	(void)size;
	*value = 0;
	return 0;
}

static int liar_cfg_write(struct vdm_device *dev, uint32_t off, uint32_t size, uint32_t value)
{
	(void)dev;
	(void)off;
	(void)size;
	(void)value;
	return 0;
}

static int liar_read(struct vdm_device *dev, uint32_t region, uint64_t off, uint32_t size,
		     uint64_t *value)
{
	(void)dev;
	(void)region;
	(void)off;
	(void)size;
	*value = 0;
	return 0;
}

static int liar_write(struct vdm_device *dev, uint32_t region, uint64_t off, uint32_t size,
		      uint64_t value)
{
	(void)dev;
	(void)region;
	(void)off;
	(void)size;
	(void)value;
	return 0;
}

static void liar_reset(struct vdm_device *dev)
{
	(void)dev;
}

static void liar_destroy(struct vdm_device *dev)
{
	(void)dev; /* static storage: one device per devhost */
}

static const struct vdm_device_ops liar_platform_ops = {
	VDM_STRUCT_HEAD(struct vdm_device_ops),
	.bar_read = liar_read,
	.bar_write = liar_write,
	.reset = liar_reset,
	.destroy = liar_destroy,
	.control = liar_control,
};

static const struct vdm_device_ops liar_pci_ops = {
	VDM_STRUCT_HEAD(struct vdm_device_ops),
	.cfg_read = liar_cfg_read,
	.cfg_write = liar_cfg_write,
	.bar_read = liar_read,
	.bar_write = liar_write,
	.reset = liar_reset,
	.destroy = liar_destroy,
	.control = liar_control,
};

static const struct vdm_prop_desc liar_props[] = {
	{ .name = "lie", .type = VDM_PROP_U32, .help = "enum itest_lie" },
};

static struct liar the_liar; /* a devhost serves one device */

static int liar_create(const struct vdm_device_type *t, const struct vdm_prop_values *props,
		       const struct vdm_host *host, struct vdm_device **out)
{
	struct liar *l = &the_liar;

	vdm_device_init(&l->dev, t->bus_kind == VDM_BUS_PLATFORM ? &liar_platform_ops
								 : &liar_pci_ops,
			t, host);
	l->mode = (uint32_t)vdm_props_num(props, "lie", 0);
	l->dev.res.bus_kind = t->bus_kind;
	if (t->bus_kind == VDM_BUS_PLATFORM) {
		l->dev.res.num_irqs = 1;
		l->dev.res.regions[0] = (struct vdm_region_decl){ .size = 4,
								  .kind = VDM_REGION_MEM32 };
		l->dev.res.regions[1] = (struct vdm_region_decl){ .size = 0x20,
								  .kind = VDM_REGION_MEM32 };
	}
	*out = &l->dev;
	return 0;
}

static const struct vdm_device_type liar_ged_type;
static const struct vdm_device_type liar_rp_type;

static int create_ged(const struct vdm_prop_values *props, const struct vdm_host *host,
		      struct vdm_device **out, char *err, size_t err_len)
{
	(void)err;
	(void)err_len;
	return liar_create(&liar_ged_type, props, host, out);
}

static int create_rp(const struct vdm_prop_values *props, const struct vdm_host *host,
		     struct vdm_device **out, char *err, size_t err_len)
{
	(void)err;
	(void)err_len;
	return liar_create(&liar_rp_type, props, host, out);
}

static const struct vdm_device_type liar_ged_type = {
	VDM_STRUCT_HEAD(struct vdm_device_type),
	.name = "ged",
	.summary = "a GED whose host control lies",
	.props_schema = liar_props,
	.num_props = 1,
	.bus_kind = VDM_BUS_PLATFORM,
	.create = create_ged,
};

static const struct vdm_device_type liar_rp_type = {
	VDM_STRUCT_HEAD(struct vdm_device_type),
	.name = "pcie-root-port",
	.summary = "a root port whose host control lies",
	.props_schema = liar_props,
	.num_props = 1,
	.bus_kind = VDM_BUS_PCI_BRIDGE,
	.create = create_rp,
};

static const struct vdm_device_type *const types[] = { &liar_ged_type, &liar_rp_type };

static const struct vdm_plugin plugin = {
	VDM_STRUCT_HEAD(struct vdm_plugin),
	.name = "itest_liar",
	.types = types,
	.num_types = 2,
};

VDM_PLUGIN_ENTRY(host_abi_version)
{
	(void)host_abi_version;
	return &plugin;
}
