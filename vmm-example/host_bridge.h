/* The host bridge function at 00:00.0 (1b36:0008, class 0x060000, no BARs): what a PC's
 * root complex shows, and what Linux's type-1 config sanity check looks for. */
#ifndef VMM_HOST_BRIDGE_H
#define VMM_HOST_BRIDGE_H

#include <stddef.h>

#include <vdm/device.h>

#define HOST_BRIDGE_VENDOR 0x1b36 /* Red Hat, as QEMU's generic PCIe host bridge */
#define HOST_BRIDGE_DEVICE 0x0008

/* The device type (not in the built-in registry: the machine adds it itself). */
extern const struct vdm_device_type vmm_host_bridge_type;

#endif /* VMM_HOST_BRIDGE_H */
