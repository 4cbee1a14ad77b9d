/* The PCI host bridge of the VMM: routes config accesses (CF8/CFC and ECAM) by bus/dev/fn
 * to vdm devices, and MMIO/PIO to their BARs through a routing cache rebuilt on config writes. */
#ifndef VDM_PCI_HOST_H
#define VDM_PCI_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include <vdm/device.h>

#define VDM_PCI_HOST_MAX_FNS 512
#define VDM_PCI_HOST_MAX_ROUTES (VDM_PCI_HOST_MAX_FNS * VDM_MAX_REGIONS)

/*
 * INTx routing rule (must match the DSDT's _PRT and the FDT's interrupt-map): a device's pin
 * is swizzled up to the root bus ((pin - 1 + dev) % 4 per bridge crossed); root-bus slot S,
 * pin P (1 = INTA) then drives interrupt base + (S + P - 1) % count, level-triggered.  The
 * default (x86: IOAPIC pins 16..23) is VDM_PCI_HOST_INTX_BASE / _COUNT.
 */
#define VDM_PCI_HOST_INTX_BASE 16u
#define VDM_PCI_HOST_INTX_COUNT 8u
#define VDM_PCI_HOST_MAX_INTX 8u
static inline uint32_t vdm_pci_intx_route(uint32_t base, uint32_t count, uint8_t root_slot,
					  uint8_t root_pin)
{
	return base + ((uint32_t)root_slot + root_pin - 1u) % count;
}

/* The default rule: IOAPIC GSI 16 + (S + P - 1) % 8. */
static inline uint32_t vdm_pci_intx_gsi(uint8_t root_slot, uint8_t root_pin)
{
	return vdm_pci_intx_route(VDM_PCI_HOST_INTX_BASE, VDM_PCI_HOST_INTX_COUNT, root_slot,
				  root_pin);
}

/* Interrupt sink: drive `gsi` to `level`. */
typedef void (*vdm_pci_host_irq_fn)(void *opaque, uint32_t gsi, uint32_t level);
/* Device log sink. */
typedef void (*vdm_pci_host_log_fn)(void *opaque, const char *who, uint32_t level, const char *msg);

struct vdm_pci_host; /* opaque */

/* Allocate a host for buses root_bus..bus_end.  irq/log may be NULL.  NULL on ENOMEM. */
struct vdm_pci_host *vdm_pci_host_create(uint8_t root_bus, uint8_t bus_end, vdm_pci_host_irq_fn irq,
				 vdm_pci_host_log_fn log, void *opaque);
/* Route INTx to interrupts base .. base + count - 1 (count 1..VDM_PCI_HOST_MAX_INTX; see
 * the rule above) for functions attached from now on.  0 or -EINVAL. */
int vdm_pci_host_set_intx(struct vdm_pci_host *h, uint32_t base, uint32_t count);
/* Free the host (not the devices). */
void vdm_pci_host_destroy(struct vdm_pci_host *h);

/*
 * Reserve a function slot and fill `out` with the vdm_host callbacks a device created for
 * that slot must be given (its set_irq and log go through the host).  Returns the slot
 * index, or -ENOSPC.
 */
int vdm_pci_host_reserve(struct vdm_pci_host *h, struct vdm_host *out);
/* Give back a reserved slot that was never attached. */
void vdm_pci_host_unreserve(struct vdm_pci_host *h, int fn);

/*
 * Attach `dev` in reserved slot `fn` at `devfn` on the root bus (parent -1) or on the
 * secondary bus of bridge slot `parent`.  Returns 0, -EINVAL (bad slot/parent, parent not
 * a bridge, dev not a PCI device), -EBUSY (devfn taken).
 */
int vdm_pci_host_attach(struct vdm_pci_host *h, int fn, struct vdm_device *dev, int parent,
		    uint8_t devfn);
/* Detach slot `fn` (its INTx is dropped).  Returns the device, which the caller frees. */
struct vdm_device *vdm_pci_host_detach(struct vdm_pci_host *h, int fn);

/* Config space access as the guest does it; absent functions read all-ones. */
void vdm_pci_host_cfg_read(struct vdm_pci_host *h, uint8_t bus, uint8_t devfn, uint32_t reg,
		       uint32_t size, uint32_t *value);
void vdm_pci_host_cfg_write(struct vdm_pci_host *h, uint8_t bus, uint8_t devfn, uint32_t reg,
			uint32_t size, uint32_t value);

/* BAR accesses.  Return true when a decoded BAR took the access (else *value = ones). */
bool vdm_pci_host_mmio_read(struct vdm_pci_host *h, uint64_t addr, uint32_t size, uint64_t *value);
bool vdm_pci_host_mmio_write(struct vdm_pci_host *h, uint64_t addr, uint32_t size, uint64_t value);
bool vdm_pci_host_pio_read(struct vdm_pci_host *h, uint64_t port, uint32_t size, uint64_t *value);
bool vdm_pci_host_pio_write(struct vdm_pci_host *h, uint64_t port, uint32_t size, uint64_t value);

/* Recompute the routing cache from config space (after firmware programmed devices
 * directly).  Takes the write lock. */
void vdm_pci_host_refresh(struct vdm_pci_host *h);

/* Bus-handler glue: ECAM window (offset = bus-relative ECAM offset) and CF8/CFC ports. */
void vdm_pci_host_ecam_read(void *opaque, uint64_t offset, uint32_t size, uint64_t *value);
void vdm_pci_host_ecam_write(void *opaque, uint64_t offset, uint32_t size, uint64_t value);
void vdm_pci_host_cf8_read(void *opaque, uint64_t offset, uint32_t size, uint64_t *value);
void vdm_pci_host_cf8_write(void *opaque, uint64_t offset, uint32_t size, uint64_t value);
void vdm_pci_host_cfc_read(void *opaque, uint64_t offset, uint32_t size, uint64_t *value);
void vdm_pci_host_cfc_write(void *opaque, uint64_t offset, uint32_t size, uint64_t value);

/*
 * Decoded address of BAR `region` of slot `fn` as the device's config space now says
 * (ignoring decode enables); 0 when unassigned.  For --print-topology and tests.
 */
uint64_t vdm_pci_host_bar_addr(struct vdm_pci_host *h, int fn, uint32_t region);

/* Config read of slot `fn` whatever its bus (all-ones if empty); its current bus number
 * (-1 = not reachable by config cycles now). */
uint32_t vdm_pci_host_fn_read(struct vdm_pci_host *h, int fn, uint32_t off, uint32_t size);
int vdm_pci_host_fn_bus(struct vdm_pci_host *h, int fn);

/* Serialise host-side calls into slot `fn`'s device with the guest's accesses. */
void vdm_pci_host_fn_lock(struct vdm_pci_host *h, int fn);
void vdm_pci_host_fn_unlock(struct vdm_pci_host *h, int fn);

/* Bridge windows as programmed now ([base, last]; base > last = closed). */
struct vdm_pci_bridge_windows {
	uint64_t io_base, io_last;
	uint64_t mem_base, mem_last;
	uint64_t pref_base, pref_last;
	bool pref64;
	uint16_t command;
	uint8_t primary, secondary, subordinate;
};
void vdm_pci_host_bridge_windows(struct vdm_pci_host *h, int fn, struct vdm_pci_bridge_windows *w);

#endif /* VDM_PCI_HOST_H */
