/* Host bridge function 00:00.0: a read-only type 0 header with the host-bridge class.
 * Linux probes CF8/CFC with pci_sanity_check(), which wants a host bridge on bus 0. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <vdm/pci.h>
#include <vdm/props.h>

#include "host_bridge.h"

static int hb_bar_read(struct vdm_device *dev, uint32_t region, uint64_t off, uint32_t size,
		       uint64_t *value)
{
	*value = UINT64_MAX; /* it has no BARs */
	return -EINVAL;
}

static int hb_bar_write(struct vdm_device *dev, uint32_t region, uint64_t off, uint32_t size,
			uint64_t value)
{
	return -EINVAL;
}

static void hb_reset(struct vdm_device *dev)
{
	vdm_pci_config_reset(&vdm_pci_function_of(dev)->cfg);
}

static void hb_destroy(struct vdm_device *dev)
{
	free(dev);
}

static const struct vdm_device_ops hb_ops = {
	VDM_STRUCT_HEAD(struct vdm_device_ops),
	.cfg_read = vdm_pci_function_cfg_read,
	.cfg_write = vdm_pci_function_cfg_write,
	.bar_read = hb_bar_read,
	.bar_write = hb_bar_write,
	.reset = hb_reset,
	.destroy = hb_destroy,
};

static int hb_create(const struct vdm_prop_values *props, const struct vdm_host *host,
		     struct vdm_device **out, char *err, size_t err_len)
{
	static const struct vdm_pci_ids ids = {
		.vendor = HOST_BRIDGE_VENDOR,
		.device = HOST_BRIDGE_DEVICE,
		.class_code = 0x060000, /* bridge, host */
		.header_type = VDM_PCI_HEADER_TYPE_NORMAL,
	};
	struct vdm_pci_function *f = calloc(1, sizeof(*f));
	int rc;

	(void)props;
	*out = NULL;
	if (!f) {
		snprintf(err, err_len, "host-bridge: out of memory");
		return -ENOMEM;
	}
	vdm_device_init(&f->dev, &hb_ops, &vmm_host_bridge_type, host);
	rc = vdm_pci_config_init(&f->cfg, &ids);
	if (rc) {
		snprintf(err, err_len, "host-bridge: config space set-up failed (%d)", rc);
		free(f);
		return rc;
	}
	vdm_pci_config_seal(&f->cfg);
	vdm_pci_config_fill_resources(&f->cfg, &f->dev.res);
	*out = &f->dev;
	return 0;
}

const struct vdm_device_type vmm_host_bridge_type = {
	VDM_STRUCT_HEAD(struct vdm_device_type),
	.name = "host-bridge",
	.summary = "host bridge function 00:00.0 (added by the machine)",
	.bus_kind = VDM_BUS_PCI_ENDPOINT,
	.create = hb_create,
};
