/* Internal: QEMU-layout ACPI PCI hotplug register block (PCIU/PCID/B0EJ/HPEN/BNUM/PIDX) as a
 * plain state machine; devices/ged.c exposes it as the GED's region 1. */
#ifndef VDM_DEVICES_PCIHP_H
#define VDM_DEVICES_PCIHP_H

#include <stdint.h>

#include <vdm/ged.h>

struct vdm_pcihp_bus {
	uint32_t slots; /* configured: slots that exist; survives reset */
	uint32_t up;    /* pending insertions (subset of slots) */
	uint32_t down;  /* pending removal requests (subset of slots) */
};

struct vdm_pcihp {
	uint32_t nsel; /* number of bus selectors, 1..VDM_GED_MAX_SELECTORS */
	uint32_t bnum; /* BNUM as last written */
	struct vdm_pcihp_bus bus[VDM_GED_MAX_SELECTORS];
};

/* Called for a B0EJ write that ejected `slot` of selector `bsel`. */
typedef void (*vdm_pcihp_eject_fn)(void *opaque, uint32_t bsel, uint32_t slot);

/* Set up `nsel` selectors (clamped to 1..VDM_GED_MAX_SELECTORS), each with `slot_mask`. */
void vdm__pcihp_init(struct vdm_pcihp *hp, uint32_t nsel, uint32_t slot_mask);

/* Clear pending bits and BNUM; keep nsel and slot masks. */
void vdm__pcihp_reset(struct vdm_pcihp *hp);

/* 32-bit register read/write at a 4-aligned offset < VDM_PCIHP_REGION_SIZE (caller checks). */
uint32_t vdm__pcihp_read(struct vdm_pcihp *hp, uint32_t offset);
void vdm__pcihp_write(struct vdm_pcihp *hp, uint32_t offset, uint32_t value,
		      vdm_pcihp_eject_fn eject, void *opaque);

/* Host side; 0 or -EINVAL for a bad selector/slot. */
int vdm__pcihp_set_slots(struct vdm_pcihp *hp, uint32_t bsel, uint32_t slot_mask);
int vdm__pcihp_mark_up(struct vdm_pcihp *hp, uint32_t bsel, uint32_t slot);
int vdm__pcihp_mark_down(struct vdm_pcihp *hp, uint32_t bsel, uint32_t slot);

#endif /* VDM_DEVICES_PCIHP_H */
