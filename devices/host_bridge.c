/* PCIe host bridge function at 00:00.0 (QEMU's gpex-root, 1b36:0008, class 0600): no BARs,
 * no interrupts; it exists so guests find a host bridge on bus 0. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <vdm/devices.h>
#include <vdm/pci.h>

/*
 * Why a guest needs it: with no DMI tables (BIOS year unknown) Linux/x86 accepts config
 * mechanism #1 only after pci_sanity_check() finds, on bus 0, a function of class "host
 * bridge" (or VGA, or an Intel/Compaq vendor id).  Without one it prints "PCI: Fatal: No
 * config space access function found".  A conventional header is enough: Linux treats a
 * host bridge on the root bus as a plain function.
 */
#define VDM_PCI_DEVICE_REDHAT_PCIE_HOST 0x0008

static void host_bridge_reset(struct vdm_device *dev)
{
	vdm_pci_config_reset(&vdm_pci_function_of(dev)->cfg);
}

static int host_bridge_bar_read(struct vdm_device *dev, uint32_t region, uint64_t off,
				uint32_t size, uint64_t *value)
{
	*value = size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
	return -EINVAL; /* no BARs */
}

static int host_bridge_bar_write(struct vdm_device *dev, uint32_t region, uint64_t off,
				 uint32_t size, uint64_t value)
{
	return -EINVAL; /* no BARs */
}

static void host_bridge_destroy(struct vdm_device *dev)
{
	free(dev);
}

static const struct vdm_device_ops host_bridge_ops = {
	VDM_STRUCT_HEAD(struct vdm_device_ops),
	.cfg_read = vdm_pci_function_cfg_read,
	.cfg_write = vdm_pci_function_cfg_write,
	.bar_read = host_bridge_bar_read,
	.bar_write = host_bridge_bar_write,
	.reset = host_bridge_reset,
	.destroy = host_bridge_destroy,
};

static int host_bridge_create(const struct vdm_prop_values *props, const struct vdm_host *host,
			      struct vdm_device **out, char *err, size_t err_len)
{
	static const struct vdm_pci_ids ids = {
		.vendor = VDM_PCI_VENDOR_REDHAT,
		.device = VDM_PCI_DEVICE_REDHAT_PCIE_HOST,
		.class_code = 0x060000, /* bridge, host bridge */
		.header_type = VDM_PCI_HEADER_TYPE_NORMAL,
		.express = false,
		.subsys_vendor = VDM_PCI_SUBVENDOR_QUMRANET,
		.subsys_id = VDM_PCI_SUBDEVICE_QEMU,
	};
	struct vdm_pci_function *fn = calloc(1, sizeof(*fn));
	int r;

	*out = NULL;
	if (!fn) {
		snprintf(err, err_len, "pcie-host-bridge: out of memory");
		return -ENOMEM;
	}
	vdm_device_init(&fn->dev, &host_bridge_ops, &vdm_host_bridge_type, host);
	r = vdm_pci_config_init(&fn->cfg, &ids);
	if (r) {
		snprintf(err, err_len, "pcie-host-bridge: config space setup failed (%d)", r);
		free(fn);
		return r;
	}
	vdm_pci_config_seal(&fn->cfg);
	vdm_pci_config_fill_resources(&fn->cfg, &fn->dev.res);
	/* Config reads change nothing, and writes only apply the PCI core's masks. */
	fn->dev.res.pure_reads = VDM_PURE_CFG | VDM_PURE_CFG_WRITES;
	fn->dev.res.cfg_wmask = fn->cfg.wmask;
	fn->dev.res.cfg_w1cmask = fn->cfg.w1cmask;
	*out = &fn->dev;
	return 0;
}

const struct vdm_device_type vdm_host_bridge_type = {
	VDM_STRUCT_HEAD(struct vdm_device_type),
	.name = "pcie-host-bridge",
	.summary = "PCIe host bridge function 00:00.0 (1b36:0008); the VMM adds it by itself",
	.props_schema = NULL,
	.num_props = 0,
	.bus_kind = VDM_BUS_PCI_ENDPOINT,
	.create = host_bridge_create,
};
