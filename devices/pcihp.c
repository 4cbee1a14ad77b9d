/* QEMU-layout ACPI PCI hotplug register block: per-bus-selector up/down bitmaps, the eject
 * register and the bus selector, as the AML's PCNT/DVNT/PCEJ methods drive them. */
#include <errno.h>
#include <string.h>

#include "pcihp.h"

void vdm__pcihp_init(struct vdm_pcihp *hp, uint32_t nsel, uint32_t slot_mask)
{
	uint32_t i;

	memset(hp, 0, sizeof(*hp));
	if (nsel < 1)
		nsel = 1;
	if (nsel > VDM_GED_MAX_SELECTORS)
		nsel = VDM_GED_MAX_SELECTORS;
	hp->nsel = nsel;
	for (i = 0; i < nsel; i++)
		hp->bus[i].slots = slot_mask;
}

void vdm__pcihp_reset(struct vdm_pcihp *hp)
{
	uint32_t i;

	hp->bnum = 0;
	for (i = 0; i < VDM_GED_MAX_SELECTORS; i++) {
		hp->bus[i].up = 0;
		hp->bus[i].down = 0;
	}
}

/* The bus BNUM selects, or NULL when BNUM names no selector. */
static struct vdm_pcihp_bus *selected(struct vdm_pcihp *hp)
{
	return hp->bnum < hp->nsel ? &hp->bus[hp->bnum] : NULL;
}

uint32_t vdm__pcihp_read(struct vdm_pcihp *hp, uint32_t offset)
{
	struct vdm_pcihp_bus *b = selected(hp);
	uint32_t v;

	switch (offset) {
	case VDM_PCIHP_PCIU:
		if (!b)
			return 0;
		/* Read-to-clear: PCNT reads it once per scan; a later hot-add sets it again. */
		v = b->up;
		b->up = 0;
		return v;
	case VDM_PCIHP_PCID:
		/* Not cleared by reading: the request stays until the guest ejects the slot. */
		return b ? b->down : 0;
	case VDM_PCIHP_HPEN:
		return b ? b->slots : 0;
	case VDM_PCIHP_BNUM:
		return hp->bnum;
	case VDM_PCIHP_B0EJ: /* QEMU: "features", 0 */
	case VDM_PCIHP_PIDX: /* acpi-index not implemented: 0 = no index */
	default:             /* reserved */
		return 0;
	}
}

void vdm__pcihp_write(struct vdm_pcihp *hp, uint32_t offset, uint32_t value,
		      vdm_pcihp_eject_fn eject, void *opaque)
{
	struct vdm_pcihp_bus *b;
	uint32_t slot;

	switch (offset) {
	case VDM_PCIHP_BNUM:
		hp->bnum = value;
		return;
	case VDM_PCIHP_B0EJ:
		b = selected(hp);
		if (!b || value == 0)
			return;
		/* Like QEMU, one slot per write: the lowest set bit. */
		slot = (uint32_t)__builtin_ctz(value);
		if (!(b->slots & (1u << slot)))
			return;
		b->up &= ~(1u << slot);
		b->down &= ~(1u << slot);
		if (eject)
			eject(opaque, hp->bnum, slot);
		return;
	default: /* PCIU, PCID, HPEN are read-only; PIDX and reserved words ignore writes */
		return;
	}
}

static struct vdm_pcihp_bus *host_bus(struct vdm_pcihp *hp, uint32_t bsel, uint32_t slot)
{
	if (bsel >= hp->nsel || slot >= VDM_GED_MAX_SLOTS)
		return NULL;
	if (!(hp->bus[bsel].slots & (1u << slot)))
		return NULL;
	return &hp->bus[bsel];
}

int vdm__pcihp_set_slots(struct vdm_pcihp *hp, uint32_t bsel, uint32_t slot_mask)
{
	struct vdm_pcihp_bus *b;

	if (bsel >= hp->nsel)
		return -EINVAL;
	b = &hp->bus[bsel];
	b->slots = slot_mask;
	b->up &= slot_mask;
	b->down &= slot_mask;
	return 0;
}

int vdm__pcihp_mark_up(struct vdm_pcihp *hp, uint32_t bsel, uint32_t slot)
{
	struct vdm_pcihp_bus *b = host_bus(hp, bsel, slot);

	if (!b)
		return -EINVAL;
	b->up |= 1u << slot;
	return 0;
}

int vdm__pcihp_mark_down(struct vdm_pcihp *hp, uint32_t bsel, uint32_t slot)
{
	struct vdm_pcihp_bus *b = host_bus(hp, bsel, slot);

	if (!b)
		return -EINVAL;
	b->down |= 1u << slot;
	return 0;
}
