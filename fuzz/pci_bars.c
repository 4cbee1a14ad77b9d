/* BAR checks of libvdm-fuzz: sizing as firmware does it must give the declared size and type
 * after any traffic, and BAR programming through the VMM helpers must read back. */
#include <errno.h>

#include <vdm/fuzz.h>
#include <vdm/pci.h>

#include "fuzz_int.h"

static unsigned num_bar_slots(const struct vdm_fuzz_pci *p)
{
	uint8_t type = p->power_on[VDM_PCI_HEADER_TYPE] & 0x7f;

	return type == VDM_PCI_HEADER_TYPE_BRIDGE ? 2 : VDM_PCI_NUM_BARS;
}

/* What reading a BAR after writing all-ones must give: low dword (and high for MEM64). */
static void sizing_value(const struct vdm_region_decl *d, uint32_t *lo, uint32_t *hi)
{
	uint64_t mask = ~(d->size - 1);
	uint32_t pref = (d->flags & VDM_REGION_PREFETCHABLE) ? VDM_PCI_BAR_MEM_PREFETCH : 0;

	*hi = 0;
	switch (d->kind) {
	case VDM_REGION_IO:
		*lo = ((uint32_t)mask & VDM_PCI_BAR_IO_MASK) | VDM_PCI_BAR_SPACE_IO;
		break;
	case VDM_REGION_MEM32:
		*lo = ((uint32_t)mask & VDM_PCI_BAR_MEM_MASK) | pref;
		break;
	default: /* MEM64 */
		*lo = ((uint32_t)mask & VDM_PCI_BAR_MEM_MASK) | VDM_PCI_BAR_MEM_TYPE_64 | pref;
		*hi = (uint32_t)(mask >> 32);
		break;
	}
}

static const char *kind_name(uint32_t kind)
{
	return kind == VDM_REGION_IO ? "I/O" : kind == VDM_REGION_MEM32 ? "MEM32" : "MEM64";
}

/* Size one declared BAR (slot i, upper dword too for MEM64) and put its value back. */
static void size_bar(struct vdm_fuzz_pci *p, unsigned i, const struct vdm_region_decl *d,
		     bool upper)
{
	const struct vdm_fuzz_sink *s = &p->sink;
	uint32_t off = VDM_PCI_BAR0 + 4 * i, lo, hi = 0, want_lo, want_hi, back;
	uint64_t addr;
	int r;

	/* Save, size, restore (firmware's and Linux's __pci_read_base sequence). */
	lo = vdm__fuzz_pci_rd(p, off, 4);
	if (upper)
		hi = vdm__fuzz_pci_rd(p, off + 4, 4);
	vdm__fuzz_pci_wr(p, off, 4, 0xffffffffu);
	if (upper)
		vdm__fuzz_pci_wr(p, off + 4, 4, 0xffffffffu);
	sizing_value(d, &want_lo, &want_hi);
	back = vdm__fuzz_pci_rd(p, off, 4);
	VDM_FUZZ_CHECK(s, VDM_FUZZ_INV_BAR_SIZING, back == want_lo,
		       "BAR%u (declared %s, size %#llx) sizes as %#x, expected %#x", i,
		       kind_name(d->kind), (unsigned long long)d->size, back, want_lo);
	if (upper) {
		back = vdm__fuzz_pci_rd(p, off + 4, 4);
		VDM_FUZZ_CHECK(s, VDM_FUZZ_INV_BAR_SIZING, back == want_hi,
			       "BAR%u upper dword (declared size %#llx) sizes as %#x, expected %#x",
			       i, (unsigned long long)d->size, back, want_hi);
	}
	vdm__fuzz_pci_wr(p, off, 4, lo);
	if (upper)
		vdm__fuzz_pci_wr(p, off + 4, 4, hi);
	back = vdm__fuzz_pci_rd(p, off, 4);
	VDM_FUZZ_CHECK(s, VDM_FUZZ_INV_BAR_SIZING, back == lo,
		       "BAR%u did not take its old value back after sizing: %#x -> %#x", i, lo,
		       back);
	if (upper) {
		back = vdm__fuzz_pci_rd(p, off + 4, 4);
		VDM_FUZZ_CHECK(s, VDM_FUZZ_INV_BAR_SIZING, back == hi,
			       "BAR%u upper dword did not take its old value back: %#x -> %#x", i,
			       hi, back);
	}
	/* What the BAR decodes is aligned to its size and fits its kind. */
	r = vdm_pci_bar_address(p->dev, i, &addr);
	VDM_FUZZ_CHECK(s, VDM_FUZZ_INV_BAR_ADDRESS, r == 0,
		       "vdm_pci_bar_address(BAR%u) returned %d", i, r);
	VDM_FUZZ_CHECK(s, VDM_FUZZ_INV_BAR_ADDRESS, r || !(addr & (d->size - 1)),
		       "BAR%u decodes %#llx, not aligned to its size %#llx", i,
		       (unsigned long long)addr, (unsigned long long)d->size);
	VDM_FUZZ_CHECK(s, VDM_FUZZ_INV_BAR_ADDRESS,
		       r || d->kind == VDM_REGION_MEM64 || addr <= 0xffffffffu,
		       "32-bit BAR%u decodes %#llx", i, (unsigned long long)addr);
}

void vdm_fuzz_pci_check_bars(struct vdm_fuzz_pci *p)
{
	unsigned nslots = num_bar_slots(p), i;
	bool upper = false;

	for (i = 0; i < nslots; i++) {
		const struct vdm_region_decl *d = &p->dev->res.regions[i];
		uint32_t off = VDM_PCI_BAR0 + 4 * i, lo, back;

		if (upper) { /* the upper half of the 64-bit BAR before: done with it */
			upper = false;
			continue;
		}
		if (d->kind == VDM_REGION_NONE) {
			/* An unused slot is hardwired to 0. */
			lo = vdm__fuzz_pci_rd(p, off, 4);
			vdm__fuzz_pci_wr(p, off, 4, 0xffffffffu);
			back = vdm__fuzz_pci_rd(p, off, 4);
			VDM_FUZZ_CHECK(&p->sink, VDM_FUZZ_INV_BAR_SIZING, lo == 0 && back == 0,
				       "unused BAR%u reads %#x, and %#x after all-ones (both must be "
				       "0)", i, lo, back);
			continue;
		}
		VDM_FUZZ_CHECK(&p->sink, VDM_FUZZ_INV_DECLARATION,
			       d->size && !(d->size & (d->size - 1)),
			       "BAR%u declared size %#llx is not a power of two", i,
			       (unsigned long long)d->size);
		if (d->kind == VDM_REGION_MEM64) {
			VDM_FUZZ_CHECK(&p->sink, VDM_FUZZ_INV_DECLARATION, i + 1 < nslots,
				       "64-bit BAR%u has no upper slot", i);
			upper = i + 1 < nslots;
		}
		if (d->size && !(d->size & (d->size - 1)))
			size_bar(p, i, d, upper);
	}
}

void vdm_fuzz_pci_program_bar(struct vdm_fuzz_pci *p, unsigned bar, uint64_t addr)
{
	const struct vdm_region_decl *d = bar < VDM_MAX_REGIONS ? &p->dev->res.regions[bar] : NULL;
	bool ok = d && d->kind != VDM_REGION_NONE && d->size && bar < num_bar_slots(p) &&
		  !(addr & (d->size - 1)) &&
		  (d->kind == VDM_REGION_MEM64 || addr + d->size - 1 <= 0xffffffffu);
	uint64_t back = 0;
	int r = vdm_pci_set_bar_address(p->dev, bar, addr);

	/* addr + size - 1 cannot wrap for an aligned addr, so `ok` is exact. */
	VDM_FUZZ_CHECK(&p->sink, VDM_FUZZ_INV_BAR_ADDRESS, r == (ok ? 0 : -EINVAL),
		       "vdm_pci_set_bar_address(BAR%u, %#llx) returned %d, expected %d (-5: the "
		       "BAR did not read the address back)", bar, (unsigned long long)addr, r,
		       ok ? 0 : -EINVAL);
	if (!ok || r)
		return;
	r = vdm_pci_bar_address(p->dev, bar, &back);
	VDM_FUZZ_CHECK(&p->sink, VDM_FUZZ_INV_BAR_ADDRESS, r == 0 && back == addr,
		       "BAR%u programmed to %#llx reads back %#llx (%d)", bar,
		       (unsigned long long)addr, (unsigned long long)back, r);
}
