/* libvdm-machine's hotplug controller: ACPI PCI hot-add and unplug of devices behind a
 * machine's root ports while the guest runs, through the GED and the guest's own _EJ0. */
#ifndef VDM_HOTPLUG_H
#define VDM_HOTPLUG_H

/*
 * How a hot-add goes (what Linux's acpiphp expects of firmware):
 *   vdm_machine_hot_add()   checks the device's BARs against the free space of the root
 *                           port's windows (the fit check: a BAR that does not fit is refused
 *                           before the guest sees anything, unless asked otherwise), records
 *                           them there, attaches the device behind the port with its BARs
 *                           unassigned, sets the port's slot presence and raises the GED's
 *                           PCI hotplug event (the guest's _EVT scans the slot and assigns
 *                           the BARs inside the window firmware gave the port).
 * And an unplug:
 *   vdm_machine_unplug_request()  sets the slot's eject request and raises the event; the
 *                           device keeps running until the guest lets go of it:
 *   the guest's _EJ0        writes the eject register; the machine calls
 *                           config.eject_pending(), and
 *   vdm_machine_process_eject()   (control thread) detaches the device, gives its BARs back
 *                           to the window, destroys it through the backend and clears the
 *                           slot.  The root port may take the next device at once.
 * None of it waits: the VMM's loop calls these when it has something to do.
 */

#include <stddef.h>
#include <stdint.h>

#include <vdm/machine.h>

#ifdef __cplusplus
extern "C" {
#endif

/* vdm_machine_hot_add flags */
#define VDM_HOT_ADD_NO_FIT_CHECK 1u /* add a device whose BARs do not fit (warning only): the
				     * guest then fails it (`can't assign; no space`) */

/*
 * Hot-add a PCI endpoint of type `t` with `props` behind the root port named by its bus=
 * property, or the first empty hotplug-capable one.  id= names it (default "hotN").  `spec`
 * names it in messages and is copied.  Control thread only, while the guest runs or before.
 * Returns the device's index (vdm_machine_device), or:
 *   -EINVAL  not a PCI endpoint, ACPI hotplug off, id too long, port not hotplug-capable
 *   -EEXIST  id in use            -ENOENT  no root port with that id
 *   -EBUSY   that port is occupied (or its device is still being ejected)
 *   -ENOSPC  no empty port; or a BAR does not fit the port's windows (err names the BAR, its
 *            size, the window and its largest free block, and the reserve to raise)
 *   the device's create() error
 * Nothing is added on failure.  `warn` (may be NULL) says what the guest will not be able to
 * place, e.g. an I/O BAR behind a port without an I/O window.
 */
int vdm_machine_hot_add(struct vdm_machine *m, const struct vdm_device_type *t,
			const struct vdm_prop_values *props, const char *spec, unsigned flags,
			char *warn, size_t warn_len, char *err, size_t err_len);

/* vdm_machine_parse_spec() + vdm_machine_hot_add(). */
int vdm_machine_hot_add_spec(struct vdm_machine *m, const char *spec, unsigned flags,
			     char *warn, size_t warn_len, char *err, size_t err_len);

/*
 * Ask the guest to give device `id` back (device_del): eject request + GED event.  It stays
 * until the guest ejects it (vdm_machine_process_eject).  Returns 0, -ENOENT (no such id),
 * -EINVAL (not behind a hotplug-capable root port, or ACPI hotplug off), -EBUSY (already
 * being ejected).
 */
int vdm_machine_unplug_request(struct vdm_machine *m, const char *id, char *err,
			       size_t err_len);

/* What vdm_machine_process_eject did. */
struct vdm_machine_eject {
	char id[32];       /* the removed device's id; "" when the slot held nothing */
	uint32_t bus_sel;  /* the guest's ACPI bus selector (BSEL) and slot */
	uint32_t slot;
	bool requested;    /* the device had been asked for (unplug request), not a surprise */
};

/*
 * Carry out one eject the guest made (its _EJ0): the device in that slot is detached, its
 * BARs are given back, it is destroyed through the backend and the slot is cleared.  Control
 * thread only; call until it returns 0 after config.eject_pending() fired (or regularly).
 * Returns 1 with *ev filled, 0 when no eject is pending.
 */
int vdm_machine_process_eject(struct vdm_machine *m, struct vdm_machine_eject *ev);

#ifdef __cplusplus
}
#endif

#endif /* VDM_HOTPLUG_H */
