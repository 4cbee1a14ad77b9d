/* Test plugin "itest-dev": a small honest PCI device (scratch config space and BARs, magic
 * registers that raise an irq, log, eject or hang) for driving the proxy and the devhost. */
#include <errno.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vdm/device.h>
#include <vdm/props.h>

#include "itest_dev.h"

static const struct vdm_prop_desc itest_props[] = {
	{ .name = "bar2", .type = VDM_PROP_SIZE, .flags = VDM_PROP_POW2, .min = 4096,
	  .help = "size of the 64-bit prefetchable BAR 2 (default 1M)" },
	{ .name = "tag", .type = VDM_PROP_U32, .help = "value read at BAR 0 offset 0xff8" },
};

static uint64_t ones(uint32_t size)
{
	return size >= 8 ? UINT64_MAX : (1ull << (8 * size)) - 1;
}

static int width_ok(uint32_t size, uint32_t max)
{
	return (size == 1 || size == 2 || size == 4 || size == 8) && size <= max;
}

static int it_cfg_read(struct vdm_device *dev, uint32_t off, uint32_t size, uint32_t *value)
{
	struct itest_dev *d = (struct itest_dev *)dev;
	uint32_t v = 0;

	if (!width_ok(size, 4) || off + size > ITEST_CFG_SIZE) {
		*value = UINT32_MAX;
		return width_ok(size, 4) ? -ERANGE : -EINVAL;
	}
	memcpy(&v, d->cfg + off, size);
	*value = v;
	return 0;
}

static int it_cfg_write(struct vdm_device *dev, uint32_t off, uint32_t size, uint32_t value)
{
	struct itest_dev *d = (struct itest_dev *)dev;
	uint32_t i;

	if (!width_ok(size, 4) || off + size > ITEST_CFG_SIZE)
		return width_ok(size, 4) ? -ERANGE : -EINVAL;
	for (i = 0; i < size; i++)
		if (off + i >= ITEST_CFG_RO) /* vendor, device, class: read-only */
			d->cfg[off + i] = (uint8_t)(value >> (8 * i));
	return 0;
}

/* Hang the way a deadlocked device would: asleep, burning nothing, forever. */
static void hang_forever(void)
{
	uint32_t word = 0;

	for (;;)
		syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
}

static int it_bar_read(struct vdm_device *dev, uint32_t bar, uint64_t off, uint32_t size,
		       uint64_t *value)
{
	struct itest_dev *d = (struct itest_dev *)dev;
	uint64_t v = 0;

	if (!width_ok(size, 8) || (bar != 0 && bar != 2)) {
		*value = ones(size);
		return -EINVAL;
	}
	if (bar == 2) {
		/* sparse: reads return a pattern of the offset, writes land in a small window */
		if (off + size > d->bar2_size) {
			*value = ones(size);
			return -ERANGE;
		}
		if (off < sizeof(d->bar2_window) && off + size <= sizeof(d->bar2_window))
			memcpy(&v, d->bar2_window + off, size);
		else
			v = (off * 0x9e3779b97f4a7c15ull) & ones(size);
		*value = v;
		return 0;
	}
	if (off + size > ITEST_BAR0_SIZE) {
		*value = ones(size);
		return -ERANGE;
	}
	if (off == ITEST_REG_HANG)
		hang_forever();
	if (off == ITEST_REG_TAG) {
		*value = d->tag;
		return 0;
	}
	if (off == ITEST_REG_HOOK && d->hook) {
		*value = d->hook(d);
		return 0;
	}
	memcpy(&v, d->bar0 + off, size);
	*value = v;
	return 0;
}

static int it_bar_write(struct vdm_device *dev, uint32_t bar, uint64_t off, uint32_t size,
			uint64_t value)
{
	struct itest_dev *d = (struct itest_dev *)dev;

	if (!width_ok(size, 8) || (bar != 0 && bar != 2))
		return -EINVAL;
	if (bar == 2) {
		if (off + size > d->bar2_size)
			return -ERANGE;
		if (off + size <= sizeof(d->bar2_window))
			memcpy(d->bar2_window + off, &value, size);
		return 0;
	}
	if (off + size > ITEST_BAR0_SIZE)
		return -ERANGE;
	switch (off) {
	case ITEST_REG_IRQ:
		vdm_device_set_irq(dev, 0, 1);
		vdm_device_set_irq(dev, 0, 0);
		return 0;
	case ITEST_REG_LOG:
		vdm_device_log(dev, VDM_LOG_INFO, "itest log %#llx", (unsigned long long)value);
		return 0;
	case ITEST_REG_EJECT:
		if (dev->host.eject)
			dev->host.eject(dev->host.opaque, (uint32_t)(value >> 8),
					(uint32_t)(value & 0xff));
		return 0;
	case ITEST_REG_HOOK_SEL:
		d->hook_arg = value;
		return 0;
	}
	memcpy(d->bar0 + off, &value, size);
	return 0;
}

static void it_power_on(struct itest_dev *d)
{
	memset(d->cfg, 0, sizeof(d->cfg));
	memset(d->bar0, 0, sizeof(d->bar0));
	memset(d->bar2_window, 0, sizeof(d->bar2_window));
	d->cfg[0] = ITEST_VENDOR & 0xff;
	d->cfg[1] = ITEST_VENDOR >> 8;
	d->cfg[2] = ITEST_DEVICE & 0xff;
	d->cfg[3] = ITEST_DEVICE >> 8;
	d->cfg[0x0b] = 0xff; /* class: "unassigned" */
}

static void it_reset(struct vdm_device *dev)
{
	it_power_on((struct itest_dev *)dev);
}

static void it_destroy(struct vdm_device *dev)
{
	vdm_device_log(dev, VDM_LOG_DEBUG, "%s destroyed", dev->type->name);
	free(dev);
}

static const struct vdm_device_ops it_ops = {
	VDM_STRUCT_HEAD(struct vdm_device_ops),
	.cfg_read = it_cfg_read,
	.cfg_write = it_cfg_write,
	.bar_read = it_bar_read,
	.bar_write = it_bar_write,
	.reset = it_reset,
	.destroy = it_destroy,
};

int itest_dev_create(const struct vdm_device_type *type, const struct vdm_prop_values *props,
		     const struct vdm_host *host, struct vdm_device **out)
{
	struct itest_dev *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	vdm_device_init(&d->dev, &it_ops, type, host);
	d->bar2_size = vdm_props_num(props, "bar2", 1u << 20);
	d->tag = (uint32_t)vdm_props_num(props, "tag", 0x7a6);
	d->dev.res.bus_kind = VDM_BUS_PCI_ENDPOINT;
	d->dev.res.num_irqs = 1;
	d->dev.res.regions[0] = (struct vdm_region_decl){ .size = ITEST_BAR0_SIZE,
							  .kind = VDM_REGION_MEM32 };
	d->dev.res.regions[2] = (struct vdm_region_decl){ .size = d->bar2_size,
							  .kind = VDM_REGION_MEM64,
							  .flags = VDM_REGION_PREFETCHABLE };
	it_power_on(d);
	vdm_device_log(&d->dev, VDM_LOG_DEBUG, "%s created", type->name);
	*out = &d->dev;
	return 0;
}

static int it_create(const struct vdm_prop_values *props, const struct vdm_host *host,
		     struct vdm_device **out, char *err, size_t err_len);

const struct vdm_device_type itest_dev_type = {
	VDM_STRUCT_HEAD(struct vdm_device_type),
	.name = "itest-dev",
	.summary = "integration-test PCI device (scratch config/BARs, magic registers)",
	.props_schema = itest_props,
	.num_props = sizeof(itest_props) / sizeof(itest_props[0]),
	.bus_kind = VDM_BUS_PCI_ENDPOINT,
	.create = it_create,
};

static int it_create(const struct vdm_prop_values *props, const struct vdm_host *host,
		     struct vdm_device **out, char *err, size_t err_len)
{
	(void)err;
	(void)err_len;
	return itest_dev_create(&itest_dev_type, props, host, out);
}
