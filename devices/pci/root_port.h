/* Host-side control of a pcie-root-port (devices/root_port.c): what the VMM does to the
 * slot that the guest cannot, i.e. mark it occupied or empty. */
#ifndef VDM_DEVICES_PCI_ROOT_PORT_H
#define VDM_DEVICES_PCI_ROOT_PORT_H

#include <stdbool.h>

#include <vdm/device.h>

/*
 * Set the slot's presence.  present: Slot Status PDS and Link Status DLLLA set (a device
 * is in the slot and its link is up); !present: both clear.  With `event`, also latch the
 * W1C events Presence Detect Changed and Data Link Layer State Changed when the state
 * changes, as a surprise insertion/removal would (use false for cold-plugged devices
 * before the guest runs; ACPI hotplug does not need the events, a native pciehp would).
 * Presence survives a reset of the root port (it is physical state).
 * Returns 0, or -EINVAL if `dev` is not a pcie-root-port created by this library (e.g. a
 * proxy for a sandboxed device): root ports run in the VMM's own process.
 */
int vdm_root_port_set_presence(struct vdm_device *dev, bool present, bool event);

/* Offset of the root port's PCI Express capability (for tests and the VMM), or 0 if
 * `dev` is not a pcie-root-port. */
unsigned vdm_root_port_pcie_cap(struct vdm_device *dev);

#endif /* VDM_DEVICES_PCI_ROOT_PORT_H */
