/* The ACPI Generic Event Device (GED) with QEMU's PCI hotplug register block: the guest-facing
 * register map and the host-side API a VMM uses to request hot-add, unplug and power-down. */
#ifndef VDM_GED_H
#define VDM_GED_H

/*
 * Device type "acpi-ged", alias "ged" (VDM_BUS_PLATFORM, one edge interrupt line, two MEM32
 * regions).
 *
 * Region 0: GED event selector, VDM_GED_SEL_SIZE bytes (AML: OperationRegion EREG, field ESEL).
 *   offset 0, 32-bit read: the accumulated event bits (VDM_GED_EVT_*), cleared by the read.
 *   Writes are ignored.  Every event the host raises ORs its bit in and pulses line 0
 *   (set_irq 1 then 0), so an event raised after the guest's read latches again and the
 *   guest's next _EVT sees it.
 *
 * Region 1: PCI hotplug registers in QEMU's acpi-pcihp layout (VDM_PCIHP_LEN = 0x18 bytes used;
 *   declared as VDM_PCIHP_REGION_SIZE = 0x20 because declared regions are powers of two).
 *   Registers act on the bus selected by BNUM:
 *   0x00 PCIU  R  slots with a pending insertion; the read clears them.
 *   0x04 PCID  R  slots with a pending removal request; reading does NOT clear them (an eject
 *                 of the slot or a reset does).
 *   0x08 B0EJ  W  eject: only the lowest set bit counts (slot = ctz(value)); if that slot
 *                 exists on the selected bus its up and down bits clear and the host's
 *                 eject(bsel, slot) callback runs; a value of 0 or a slot that does not exist
 *                 is ignored.  Reads return 0.
 *   0x0c HPEN  R  slots that take hotplug on the selected bus (the configured slot mask).
 *                 Writes ignored.
 *   0x10 BNUM  RW bus selector: reads back the last value written (all 32 bits).  While it is
 *                 >= the number of selectors, PCIU/PCID/B0EJ/HPEN read 0 and ignore writes.
 *   0x14 PIDX  RW acpi-index: not implemented; always reads 0 ("no index"), writes ignored.
 *                 (QEMU's AIDX/PDSM _DSM needs it; a DSDT for vdm omits the slot _DSM.)
 *   0x18, 0x1c    reserved inside the declared region: read 0, writes ignored.
 *
 * Accesses that are not 4 bytes wide at a 4-byte-aligned offset inside a region (QEMU's
 * valid.min = valid.max = 4: such an access never reaches the registers), or that name a
 * region other than 0 and 1, have no effect, read all-ones, and return -EINVAL.
 *
 * State per bus selector: `slots` (configured, kept across reset), `up` and `down` bitmaps.
 * Invariant: up and down only ever hold bits that are in `slots`.  Reset clears events, up,
 * down, BNUM and PIDX and keeps the number of selectors and every slot mask.
 *
 * Properties:
 *   selectors=N   number of bus selectors (BSEL values 0..N-1), 1..256, default 1
 *   slot-mask=M   slots that exist on every selector at creation (bit n = slot n),
 *                 default 0x1: a PCIe root port's secondary bus has only device 0.
 *                 vdm_ged_set_slots() changes it per selector.
 *
 * host->eject(bsel, slot) runs inside the guest's B0EJ write, after the slot's bits are
 * cleared; like every callback it must not call back into this device (queue the removal).
 *
 * The host-side functions below are called by the VMM (never by the guest), serialised with
 * the guest-facing handlers like every other call into the device.  They return 0 or a
 * negative errno: -EINVAL for a device that is not a GED, a selector >= the number of
 * selectors, a slot >= 32 or a slot that does not exist on that selector.
 *
 * They are built on the device's host-control op (device.h, ABI 1.1; op codes below), so they
 * work the same on a GED in the VMM's process and on one in a device host (a proxy, see
 * proxy.h).  On a proxied GED they may also return -EIO: the device host failed (died, hung,
 * broke the ring) or answered with a result out of range (up/down bits outside the slot
 * mask, a selector count outside 1..256, event bits this header does not define); such a
 * result is never passed on.  The eject callback of a proxied GED reaches the VMM through
 * vdm_proxy_poll() (the ring's log area), not inside the guest's B0EJ write.
 */

#include <stdint.h>

#include <vdm/device.h>

#ifdef __cplusplus
extern "C" {
#endif

/* GED event bits (QEMU numbering, ACPI_GED_*_EVT). */
#define VDM_GED_EVT_PWR_DOWN 0x02u    /* _EVT: Notify (\_SB.PWRB, 0x80) */
#define VDM_GED_EVT_PCI_HOTPLUG 0x10u /* _EVT: Acquire BLCK; \_SB.PCI0.PCNT (); Release BLCK */

/* Region indices and sizes. */
#define VDM_GED_REGION_SEL 0
#define VDM_GED_REGION_PCIHP 1
#define VDM_GED_SEL_SIZE 4u
#define VDM_PCIHP_LEN 0x18u         /* bytes with registers (the AML's region length) */
#define VDM_PCIHP_REGION_SIZE 0x20u /* declared region size */

/* PCI hotplug register offsets inside region 1. */
#define VDM_PCIHP_PCIU 0x00u
#define VDM_PCIHP_PCID 0x04u
#define VDM_PCIHP_B0EJ 0x08u
#define VDM_PCIHP_HPEN 0x0cu
#define VDM_PCIHP_BNUM 0x10u
#define VDM_PCIHP_PIDX 0x14u

#define VDM_GED_MAX_SELECTORS 256u
#define VDM_GED_MAX_SLOTS 32u

/* Host-control op codes of the GED (family "GE"); arguments and result per op. */
#define VDM_GED_CTL_FAMILY 0x4745u
#define VDM_GED_CTL_NUM_SELECTORS VDM_CONTROL_OP(VDM_GED_CTL_FAMILY, 1) /* -> nsel */
#define VDM_GED_CTL_SET_SLOTS VDM_CONTROL_OP(VDM_GED_CTL_FAMILY, 2)     /* bsel, mask */
#define VDM_GED_CTL_HOT_ADD VDM_CONTROL_OP(VDM_GED_CTL_FAMILY, 3)       /* bsel, slot */
#define VDM_GED_CTL_UNPLUG_REQUEST VDM_CONTROL_OP(VDM_GED_CTL_FAMILY, 4) /* bsel, slot */
#define VDM_GED_CTL_POWER_BUTTON VDM_CONTROL_OP(VDM_GED_CTL_FAMILY, 5)
#define VDM_GED_CTL_QUERY_SLOTS VDM_CONTROL_OP(VDM_GED_CTL_FAMILY, 6)   /* bsel -> slots */
#define VDM_GED_CTL_QUERY_PENDING VDM_CONTROL_OP(VDM_GED_CTL_FAMILY, 7) /* bsel -> up|down<<32 */
#define VDM_GED_CTL_PENDING_EVENTS VDM_CONTROL_OP(VDM_GED_CTL_FAMILY, 8) /* -> event bits */

/* The device type, for vdm_builtin_types() and for hosts that create it directly. */
extern const struct vdm_device_type vdm_ged_type;

/* Pending state of one bus selector, as vdm_ged_query() reports it. */
struct vdm_ged_bus_state {
	uint32_t slots; /* slots that exist (take hotplug) */
	uint32_t up;    /* insertions the guest has not read yet */
	uint32_t down;  /* removal requests the guest has not ejected yet */
};

/* Number of bus selectors of `dev`, or 0 when `dev` is not a GED. */
uint32_t vdm_ged_num_selectors(const struct vdm_device *dev);

/*
 * Set which slots exist on selector `bsel` (bit n = slot n).  Pending up/down bits of slots
 * that no longer exist are dropped.  Returns 0 or -EINVAL (not a GED, bsel out of range).
 */
int vdm_ged_set_slots(struct vdm_device *dev, uint32_t bsel, uint32_t slot_mask);

/*
 * Request hot-add: set the slot's up bit, latch VDM_GED_EVT_PCI_HOTPLUG and pulse the
 * interrupt.  Returns 0 or -EINVAL (nothing changes, no interrupt).
 */
int vdm_ged_hot_add(struct vdm_device *dev, uint32_t bsel, uint32_t slot);

/*
 * Request unplug: set the slot's down bit, latch VDM_GED_EVT_PCI_HOTPLUG and pulse the
 * interrupt.  The guest answers with a B0EJ write, which reaches host->eject(bsel, slot).
 * Returns 0 or -EINVAL (nothing changes, no interrupt).
 */
int vdm_ged_unplug_request(struct vdm_device *dev, uint32_t bsel, uint32_t slot);

/* Power button: latch VDM_GED_EVT_PWR_DOWN and pulse the interrupt.  0 or -EINVAL. */
int vdm_ged_power_button(struct vdm_device *dev);

/* Copy selector `bsel`'s state to *out.  0 or -EINVAL (or -EIO, see above).  Reads clear
 * nothing.  (Two control calls on a proxied GED: hold the lock that serialises the guest's
 * accesses, as for every host call, and the two halves agree.) */
int vdm_ged_query(const struct vdm_device *dev, uint32_t bsel, struct vdm_ged_bus_state *out);

/* Event bits latched and not yet read by the guest (0 when `dev` is not a GED). */
uint32_t vdm_ged_pending_events(const struct vdm_device *dev);

#ifdef __cplusplus
}
#endif

#endif /* VDM_GED_H */
