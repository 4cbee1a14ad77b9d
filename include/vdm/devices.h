/* The device types libvdm builds in, as symbols, for hosts that link them directly (the
 * registry in builtin.h finds the same types by name). */
#ifndef VDM_DEVICES_H
#define VDM_DEVICES_H

#include <vdm/device.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "pci-testdev" (alias "testdev"): QEMU's pci-testdev (1b36:0005).  Property: membar=SIZE. */
extern const struct vdm_device_type vdm_testdev_type;

/* "pcie-root-port": QEMU's pcie-root-port (1b36:000c).  Properties: chassis, slot, port,
 * hotplug, bus-reserve, io-reserve, mem-reserve, pref32-reserve, pref64-reserve. */
extern const struct vdm_device_type vdm_root_port_type;

/* "pcie-host-bridge": the host bridge function at 00:00.0 (1b36:0008, class 0600).  No
 * properties; the VMM creates it itself so guests find a host bridge on bus 0. */
extern const struct vdm_device_type vdm_host_bridge_type;

#ifdef __cplusplus
}
#endif

#endif /* VDM_DEVICES_H */
