/* Host-side control of a pcie-root-port (devices/root_port.c): what the VMM does to the
 * slot that the guest cannot, i.e. mark it occupied or empty. */
#ifndef VDM_ROOT_PORT_H
#define VDM_ROOT_PORT_H

#include <stdbool.h>

#include <vdm/device.h>

/* Host-control op codes (device.h, family "RP").  The functions below use them, so they
 * work on a root port in the VMM's process and on one in a device host alike. */
#define VDM_ROOT_PORT_CTL_FAMILY 0x5250u
/* arg0 = present (0/1), arg1 = event (0/1) */
#define VDM_ROOT_PORT_CTL_SET_PRESENCE VDM_CONTROL_OP(VDM_ROOT_PORT_CTL_FAMILY, 1)
/* -> offset of the PCI Express capability */
#define VDM_ROOT_PORT_CTL_PCIE_CAP VDM_CONTROL_OP(VDM_ROOT_PORT_CTL_FAMILY, 2)

/*
 * Set the slot's presence.  present: Slot Status PDS and Link Status DLLLA set (a device
 * is in the slot and its link is up); !present: both clear.  With `event`, also latch the
 * W1C events Presence Detect Changed and Data Link Layer State Changed when the state
 * changes, as a surprise insertion/removal would (use false for cold-plugged devices
 * before the guest runs; ACPI hotplug does not need the events, a native pciehp would).
 * Presence survives a reset of the root port (it is physical state).
 * Returns 0, -EINVAL if `dev` is not a pcie-root-port (in-process or proxied), or -EIO when
 * a proxied one failed or answered nonsense.
 */
int vdm_root_port_set_presence(struct vdm_device *dev, bool present, bool event);

/* Offset of the root port's PCI Express capability (for tests and the VMM), or 0 if
 * `dev` is not a pcie-root-port (or a proxied one answered an offset outside 0x40..0xfc or
 * not dword-aligned). */
unsigned vdm_root_port_pcie_cap(struct vdm_device *dev);

#endif /* VDM_ROOT_PORT_H */
