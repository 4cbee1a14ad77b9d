/* An out-of-tree vdm device plugin: "example-counter", a PCI device with one 4 KiB MMIO BAR
 * holding a scratch register, a counter and a doorbell that raises its interrupt. */
/*
 * Build (only the headers are needed; the vdm_* helpers come from the device host):
 *   cc -shared -fPIC $(pkg-config --cflags vdm) example_plugin.c -o example_plugin.so
 * Check:  $(pkg-config --variable=devhost vdm) --check ./example_plugin.so
 *
 * BAR 0 (4 KiB, 32-bit MMIO), 32-bit registers:
 *   0x00 SCRATCH   RW  any value
 *   0x04 COUNTER   R   starts at the "start" property, +1 per DOORBELL write
 *   0x08 DOORBELL  W   increments COUNTER and pulses the INTx line
 *   0x0c MAGIC     R   0x21444d56 ("VMD!")
 * Config space: a minimal type-0 header (ids, command, BAR 0 sizing, interrupt pin/line).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vdm/abi.h>
#include <vdm/device.h>
#include <vdm/props.h>

#define EX_VENDOR 0x1b36
#define EX_DEVICE 0x00ee
#define EX_BAR0_SIZE 4096u
#define EX_MAGIC 0x21444d56u

struct example {
	struct vdm_device dev; /* must be first */
	uint8_t cfg[256];
	uint32_t scratch, counter, start;
};

static const struct vdm_prop_desc example_props[] = {
	{ .name = "start", .type = VDM_PROP_U32, .help = "first COUNTER value (default 0)" },
};

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4); /* x86_64: little-endian like PCI */
}

static void power_on(struct example *e)
{
	memset(e->cfg, 0, sizeof(e->cfg));
	put32(e->cfg + 0x00, EX_DEVICE << 16 | EX_VENDOR);
	put32(e->cfg + 0x08, 0xff000000u); /* class ff: unassigned, revision 0 */
	e->cfg[0x3d] = 1;                  /* interrupt pin INTA */
	e->scratch = 0;
	e->counter = e->start;
}

/*
 * Which config accesses a device handles is the same for every device (include/vdm/pci.h):
 * sizes 1, 2 and 4 whose bytes stay inside one dword, anywhere in the 4 KiB space; anything
 * else is refused (-EINVAL, or -ERANGE past 4 KiB) and reads all-ones.  A conventional
 * function like this one has 256 bytes: the rest reads all-ones and ignores writes.
 * (vdm-fuzz checks exactly this: fuzz/README.md.)
 */
static int cfg_access_check(uint32_t off, uint32_t size)
{
	if (size != 1 && size != 2 && size != 4)
		return -EINVAL;
	if (off >= 4096 || size > 4096 - off)
		return -ERANGE;
	return (off & 3) + size > 4 ? -EINVAL : 0;
}

static int cfg_read(struct vdm_device *dev, uint32_t off, uint32_t size, uint32_t *value)
{
	struct example *e = (struct example *)dev;
	int r = cfg_access_check(off, size);
	uint32_t v = 0;

	if (r || off >= sizeof(e->cfg)) { /* refused, or past the 256 bytes: all-ones */
		*value = size == 4 || r ? 0xffffffffu : (1u << (size * 8)) - 1;
		return r;
	}
	memcpy(&v, e->cfg + off, size);
	*value = v;
	return 0;
}

static int cfg_write(struct vdm_device *dev, uint32_t off, uint32_t size, uint32_t value)
{
	struct example *e = (struct example *)dev;
	int r = cfg_access_check(off, size);
	uint32_t dw, shift, mask, old;

	if (r || off >= sizeof(e->cfg))
		return r;
	/* Merge into the dword, then keep only the writable bits of that dword. */
	dw = off & ~3u;
	shift = (off & 3) * 8;
	mask = size == 4 ? 0xffffffffu : ((1u << (size * 8)) - 1) << shift;
	memcpy(&old, e->cfg + dw, 4);
	value = (old & ~mask) | ((value << shift) & mask);
	switch (dw) {
	case 0x04: /* command: I/O, memory, bus master, INTx disable */
		put32(e->cfg + dw, (old & 0xffff0000u) | (value & 0x0407u));
		break;
	case 0x10: /* BAR 0: size-aligned address bits only (sizing reads back the mask) */
		put32(e->cfg + dw, value & ~(EX_BAR0_SIZE - 1));
		break;
	case 0x3c: /* interrupt line */
		e->cfg[0x3c] = (uint8_t)value;
		break;
	}
	return 0;
}

static int bar_read(struct vdm_device *dev, uint32_t bar, uint64_t off, uint32_t size,
		    uint64_t *value)
{
	struct example *e = (struct example *)dev;

	if (bar != 0 || size != 4 || (off & 3) || off >= EX_BAR0_SIZE) {
		*value = size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
		return -EINVAL;
	}
	switch (off) {
	case 0x00: *value = e->scratch; break;
	case 0x04: *value = e->counter; break;
	case 0x0c: *value = EX_MAGIC; break;
	default: *value = 0; break;
	}
	return 0;
}

static int bar_write(struct vdm_device *dev, uint32_t bar, uint64_t off, uint32_t size,
		     uint64_t value)
{
	struct example *e = (struct example *)dev;

	if (bar != 0 || size != 4 || (off & 3) || off >= EX_BAR0_SIZE)
		return -EINVAL;
	if (off == 0x00) {
		e->scratch = (uint32_t)value;
	} else if (off == 0x08) {
		e->counter++;
		if (!(e->cfg[0x05] & 0x04)) { /* INTx not disabled: one edge */
			vdm_device_set_irq(dev, 0, 1);
			vdm_device_set_irq(dev, 0, 0);
		}
	}
	return 0;
}

static void reset(struct vdm_device *dev)
{
	power_on((struct example *)dev);
}

static void destroy(struct vdm_device *dev)
{
	free(dev);
}

static const struct vdm_device_ops example_ops = {
	VDM_STRUCT_HEAD(struct vdm_device_ops),
	.cfg_read = cfg_read,
	.cfg_write = cfg_write,
	.bar_read = bar_read,
	.bar_write = bar_write,
	.reset = reset,
	.destroy = destroy,
};

static int create(const struct vdm_prop_values *props, const struct vdm_host *host,
		  struct vdm_device **out, char *err, size_t err_len);

static const struct vdm_device_type example_type = {
	VDM_STRUCT_HEAD(struct vdm_device_type),
	.name = "example-counter",
	.summary = "example plugin: scratch, counter and doorbell registers in BAR 0",
	.props_schema = example_props,
	.num_props = sizeof(example_props) / sizeof(example_props[0]),
	.bus_kind = VDM_BUS_PCI_ENDPOINT,
	.create = create,
};

static int create(const struct vdm_prop_values *props, const struct vdm_host *host,
		  struct vdm_device **out, char *err, size_t err_len)
{
	struct example *e = calloc(1, sizeof(*e));

	(void)err;
	(void)err_len;
	if (!e)
		return -ENOMEM;
	vdm_device_init(&e->dev, &example_ops, &example_type, host);
	e->dev.res.bus_kind = VDM_BUS_PCI_ENDPOINT;
	e->dev.res.num_irqs = 1;
	e->dev.res.regions[0] = (struct vdm_region_decl){ .size = EX_BAR0_SIZE,
							  .kind = VDM_REGION_MEM32 };
	e->start = (uint32_t)vdm_props_num(props, "start", 0);
	power_on(e);
	put32(e->cfg + 0x10, 0); /* BAR 0: memory, 32-bit, not prefetchable */
	vdm_device_log(&e->dev, VDM_LOG_INFO, "example-counter: counter starts at %u", e->start);
	*out = &e->dev;
	return 0;
}

static const struct vdm_device_type *const types[] = { &example_type };

static const struct vdm_plugin plugin = {
	VDM_STRUCT_HEAD(struct vdm_plugin),
	.name = "example",
	.types = types,
	.num_types = 1,
};

VDM_PLUGIN_ENTRY(host_abi_version)
{
	/* Any 1.x host runs it: it uses nothing newer than ABI 1.0, and a host sizes the device
	 * head by the ABI minor of example_ops (vdm_device_init, abi.h).  Built against 1.0 or
	 * 1.1 headers it needs a host of 1.4 or later, or of 1.0/1.1: hosts 1.2 and 1.3 wrote
	 * their own, bigger head into it. */
	return vdm_abi_compatible(host_abi_version) ? &plugin : NULL;
}
