/* Shared checks for the PCI fuzz targets (fuzz_testdev, fuzz_root_port): the pci.h access
 * contract, read-only fields, BAR sizing and BAR programming through the VMM helpers. */
#include <errno.h>
#include <string.h>

#include <vdm/pci.h>

#include "fuzz_pci.h"

static uint32_t fzpci_rd(struct vdm_device *dev, uint32_t off, uint32_t size)
{
	uint32_t v = 0;
	int r = vdm_cfg_read(dev, off, size, &v);

	FUZZ_CHECK(r == 0, "valid config read off=%#x size=%u returned %d", off, size, r);
	return v;
}

static void fzpci_wr(struct vdm_device *dev, uint32_t off, uint32_t size, uint32_t v)
{
	int r = vdm_cfg_write(dev, off, size, v);

	FUZZ_CHECK(r == 0, "valid config write off=%#x size=%u returned %d", off, size, r);
}

void fzpci_add_ro(struct fzpci *p, uint32_t off, uint32_t size, const char *what)
{
	FUZZ_CHECK(p->nro < FZPCI_MAX_RO, "too many read-only fields (raise FZPCI_MAX_RO)");
	p->ro[p->nro].off = off;
	p->ro[p->nro].size = size;
	p->ro[p->nro].value = fzpci_rd(p->dev, off, size);
	p->ro[p->nro].what = what;
	p->nro++;
}

void fzpci_init(struct fzpci *p, struct vdm_device *dev, uint32_t cfg_size)
{
	uint8_t type;

	memset(p, 0, sizeof(*p));
	p->dev = dev;
	p->raw = vdm_pci_function_of(dev)->cfg.cfg;
	p->cfg_size = cfg_size;
	p->local_writes = true;
	memcpy(p->power_on, p->raw, sizeof(p->power_on));
	type = p->power_on[VDM_PCI_HEADER_TYPE] & 0x7f;
	fzpci_add_ro(p, VDM_PCI_VENDOR_ID, 2, "vendor id");
	fzpci_add_ro(p, VDM_PCI_DEVICE_ID, 2, "device id");
	fzpci_add_ro(p, VDM_PCI_REVISION_ID, 4, "revision and class code");
	fzpci_add_ro(p, VDM_PCI_HEADER_TYPE, 1, "header type");
	fzpci_add_ro(p, VDM_PCI_CAPABILITY_LIST, 1, "capability pointer");
	fzpci_add_ro(p, VDM_PCI_INTERRUPT_PIN, 1, "interrupt pin");
	if (type == VDM_PCI_HEADER_TYPE_NORMAL) {
		fzpci_add_ro(p, VDM_PCI_SUBSYSTEM_VENDOR_ID, 4, "subsystem ids");
		fzpci_add_ro(p, VDM_PCI_ROM_ADDRESS, 4, "expansion ROM (none)");
	} else {
		fzpci_add_ro(p, VDM_PCI_ROM_ADDRESS1, 4, "bridge expansion ROM (none)");
	}
}

uint32_t fzpci_raw(const struct fzpci *p, uint32_t off, uint32_t size)
{
	uint32_t v = 0, i;

	for (i = 0; i < size; i++)
		v |= (uint32_t)p->raw[off + i] << (8 * i);
	return v;
}

void fzpci_check_ro(const struct fzpci *p)
{
	unsigned i;

	for (i = 0; i < p->nro; i++) {
		uint32_t v = fzpci_raw(p, p->ro[i].off, p->ro[i].size);

		FUZZ_CHECK(v == p->ro[i].value, "read-only %s at %#x changed: %#x -> %#x",
			   p->ro[i].what, p->ro[i].off, p->ro[i].value, v);
	}
}

void fzpci_check_space(const struct fzpci *p, const uint8_t expect[VDM_PCI_CFG_EXP_SIZE],
		       const char *when)
{
	uint32_t i;

	fzpci_cfg_read(p, VDM_PCI_VENDOR_ID, 4);
	fzpci_cfg_read(p, VDM_PCI_COMMAND, 4);
	if (memcmp(p->raw, expect, p->cfg_size) == 0)
		return;
	for (i = 0; i < p->cfg_size; i++)
		FUZZ_CHECK(p->raw[i] == expect[i], "%s: config byte %#x is %#x, expected %#x", when,
			   i, p->raw[i], expect[i]);
}

/* ---- the access contract --------------------------------------------------------------- */

/* The errno pci.h promises for an access; *either: -ERANGE and -EINVAL both fit. */
static int fzpci_expect_rc(uint32_t off, uint32_t size, bool *either)
{
	bool range_bad, cross;

	*either = false;
	if (size != 1 && size != 2 && size != 4)
		return -EINVAL;
	range_bad = off >= VDM_PCI_CFG_EXP_SIZE || size > VDM_PCI_CFG_EXP_SIZE - off;
	cross = (off & 3) + size > 4;
	if (range_bad && cross)
		*either = true;
	if (range_bad)
		return -ERANGE;
	return cross ? -EINVAL : 0;
}

static void fzpci_check_rc(int r, int want, bool either, const char *what, uint32_t off,
			   uint32_t size)
{
	FUZZ_CHECK(r == want || (either && (r == -EINVAL || r == -ERANGE)),
		   "config %s off=%#x size=%u returned %d, pci.h says %d", what, off, size, r,
		   want);
}

void fzpci_cfg_read(const struct fzpci *p, uint32_t off, uint32_t size)
{
	bool either;
	int want = fzpci_expect_rc(off, size, &either);
	uint32_t v = 0x5a5a5a5a, v2 = 0, dw, i;
	int r = vdm_cfg_read(p->dev, off, size, &v);

	fzpci_check_rc(r, want, either, "read", off, size);
	if (want) {
		FUZZ_CHECK(v == 0xffffffffu, "invalid read off=%#x size=%u gave %#x, not all-ones",
			   off, size, v);
		return;
	}
	FUZZ_CHECK(size == 4 || (v >> (8 * size)) == 0,
		   "read off=%#x size=%u gave %#x: more bits than the access has", off, size, v);
	if (off >= p->cfg_size) {
		FUZZ_CHECK(v == (uint32_t)fz_ones(size),
			   "conventional function read at %#x (past its 256 bytes) gave %#x", off, v);
		return;
	}
	/* No config read of these devices has a side effect: a second read and the
	 * containing dword agree with the first. */
	r = vdm_cfg_read(p->dev, off, size, &v2);
	FUZZ_CHECK(r == 0 && v2 == v, "read off=%#x size=%u not repeatable: %#x then %#x", off,
		   size, v, v2);
	dw = fzpci_rd(p->dev, off & ~3u, 4);
	FUZZ_CHECK(((dw >> (8 * (off & 3))) & (uint32_t)fz_ones(size)) == v,
		   "read off=%#x size=%u gave %#x but its dword reads %#x", off, size, v, dw);
	for (i = 0; i < size; i++)
		FUZZ_CHECK(p->raw[off + i] == (uint8_t)(v >> (8 * i)),
			   "read off=%#x size=%u gave %#x, config bytes differ", off, size, v);
}

void fzpci_cfg_write(struct fzpci *p, uint32_t off, uint32_t size, uint32_t value)
{
	bool either, in = off < VDM_PCI_CFG_EXP_SIZE;
	int want = fzpci_expect_rc(off, size, &either);
	uint32_t base = off & ~3u, before[2] = { 0, 0 }, after[2] = { 0, 0 }, keep[2], i;
	int r;

	/* The dword(s) the address touches, to see what the write changed. */
	for (i = 0; i < 2; i++)
		if (in && base + 4 * i < VDM_PCI_CFG_EXP_SIZE)
			before[i] = fzpci_rd(p->dev, base + 4 * i, 4);
	r = vdm_cfg_write(p->dev, off, size, value);
	fzpci_check_rc(r, want, either, "write", off, size);
	for (i = 0; i < 2; i++)
		if (in && base + 4 * i < VDM_PCI_CFG_EXP_SIZE)
			after[i] = fzpci_rd(p->dev, base + 4 * i, 4);
	if (want) {
		FUZZ_CHECK(before[0] == after[0] && before[1] == after[1],
			   "invalid write off=%#x size=%u changed config: %#x %#x -> %#x %#x", off,
			   size, before[0], before[1], after[0], after[1]);
		return;
	}
	if (!p->local_writes)
		return;
	/* keep: bits outside the written bytes. */
	keep[0] = ~((uint32_t)fz_ones(size) << (8 * (off & 3)));
	keep[1] = 0xffffffffu;
	FUZZ_CHECK((before[0] & keep[0]) == (after[0] & keep[0]) && before[1] == after[1],
		   "write off=%#x size=%u value=%#x changed bytes it does not address: "
		   "%#x %#x -> %#x %#x",
		   off, size, value, before[0], before[1], after[0], after[1]);
}

/* ---- BARs ------------------------------------------------------------------------------- */

static unsigned fzpci_num_bar_slots(const struct fzpci *p)
{
	uint8_t type = p->power_on[VDM_PCI_HEADER_TYPE] & 0x7f;

	return type == VDM_PCI_HEADER_TYPE_BRIDGE ? 2 : VDM_PCI_NUM_BARS;
}

/* What reading a BAR after writing all-ones must give: low dword (and high for MEM64). */
static void fzpci_sizing_value(const struct vdm_region_decl *d, uint32_t *lo, uint32_t *hi)
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

void fzpci_check_bars(struct fzpci *p)
{
	unsigned nslots = fzpci_num_bar_slots(p), i;
	bool upper = false;

	for (i = 0; i < nslots; i++) {
		const struct vdm_region_decl *d = &p->dev->res.regions[i];
		uint32_t off = VDM_PCI_BAR0 + 4 * i, lo, hi = 0, want_lo, want_hi, back;
		uint64_t addr;
		int r;

		if (upper) { /* the upper half of the 64-bit BAR before: done with it */
			upper = false;
			continue;
		}
		if (d->kind == VDM_REGION_NONE) {
			/* An unused slot is hardwired to 0. */
			lo = fzpci_rd(p->dev, off, 4);
			fzpci_wr(p->dev, off, 4, 0xffffffffu);
			back = fzpci_rd(p->dev, off, 4);
			FUZZ_CHECK(lo == 0 && back == 0, "unused BAR%u reads %#x, %#x after all-ones",
				   i, lo, back);
			continue;
		}
		FUZZ_CHECK(d->size && !(d->size & (d->size - 1)),
			   "BAR%u declared size %#llx is not a power of two", i,
			   (unsigned long long)d->size);
		/* Save, size, restore (firmware's and Linux's __pci_read_base sequence). */
		lo = fzpci_rd(p->dev, off, 4);
		if (d->kind == VDM_REGION_MEM64) {
			FUZZ_CHECK(i + 1 < nslots, "64-bit BAR%u has no upper slot", i);
			hi = fzpci_rd(p->dev, off + 4, 4);
			upper = true;
		}
		fzpci_wr(p->dev, off, 4, 0xffffffffu);
		if (upper)
			fzpci_wr(p->dev, off + 4, 4, 0xffffffffu);
		fzpci_sizing_value(d, &want_lo, &want_hi);
		back = fzpci_rd(p->dev, off, 4);
		FUZZ_CHECK(back == want_lo, "BAR%u (size %#llx) sizes as %#x, expected %#x", i,
			   (unsigned long long)d->size, back, want_lo);
		if (upper) {
			back = fzpci_rd(p->dev, off + 4, 4);
			FUZZ_CHECK(back == want_hi,
				   "BAR%u upper dword (size %#llx) sizes as %#x, expected %#x", i,
				   (unsigned long long)d->size, back, want_hi);
		}
		fzpci_wr(p->dev, off, 4, lo);
		if (upper)
			fzpci_wr(p->dev, off + 4, 4, hi);
		back = fzpci_rd(p->dev, off, 4);
		FUZZ_CHECK(back == lo, "BAR%u did not take its old value back: %#x -> %#x", i, lo,
			   back);
		if (upper) {
			back = fzpci_rd(p->dev, off + 4, 4);
			FUZZ_CHECK(back == hi, "BAR%u upper did not take its old value back", i);
		}
		/* What the BAR decodes is aligned to its size and fits its kind. */
		r = vdm_pci_bar_address(p->dev, i, &addr);
		FUZZ_CHECK(r == 0, "vdm_pci_bar_address(BAR%u) returned %d", i, r);
		FUZZ_CHECK(!(addr & (d->size - 1)), "BAR%u decodes %#llx, not aligned to %#llx", i,
			   (unsigned long long)addr, (unsigned long long)d->size);
		FUZZ_CHECK(d->kind == VDM_REGION_MEM64 || addr <= 0xffffffffu,
			   "32-bit BAR%u decodes %#llx", i, (unsigned long long)addr);
	}
}

void fzpci_program_bar(struct fzpci *p, unsigned bar, uint64_t addr)
{
	const struct vdm_region_decl *d = bar < VDM_MAX_REGIONS ? &p->dev->res.regions[bar] : NULL;
	bool ok = d && d->kind != VDM_REGION_NONE && d->size && bar < fzpci_num_bar_slots(p) &&
		  !(addr & (d->size - 1)) &&
		  (d->kind == VDM_REGION_MEM64 || addr + d->size - 1 <= 0xffffffffu);
	uint64_t back = 0;
	int r = vdm_pci_set_bar_address(p->dev, bar, addr);

	/* addr + size - 1 cannot wrap for an aligned addr, so `ok` is exact. */
	FUZZ_CHECK(r == (ok ? 0 : -EINVAL), "vdm_pci_set_bar_address(BAR%u, %#llx) returned %d",
		   bar, (unsigned long long)addr, r);
	if (!ok)
		return;
	r = vdm_pci_bar_address(p->dev, bar, &back);
	FUZZ_CHECK(r == 0 && back == addr, "BAR%u programmed to %#llx reads back %#llx (%d)", bar,
		   (unsigned long long)addr, (unsigned long long)back, r);
}

bool fzpci_generic_op(struct fzpci *p, uint8_t op, struct fz *f)
{
	uint32_t off, size;
	unsigned bar;
	uint64_t addr;
	uint8_t mode;

	switch (op) {
	case FZPCI_OP_READ:
		off = (uint32_t)fz_offset(f, VDM_PCI_CFG_EXP_SIZE);
		size = fz_access_size(f);
		fzpci_cfg_read(p, off, size);
		return true;
	case FZPCI_OP_WRITE:
		off = (uint32_t)fz_offset(f, VDM_PCI_CFG_EXP_SIZE);
		size = fz_access_size(f);
		fzpci_cfg_write(p, off, size, fz_u32(f));
		return true;
	case FZPCI_OP_PROGRAM_BAR:
		bar = fz_u8(f) % 8;
		mode = fz_u8(f);
		addr = fz_u64(f);
		if (mode & 2)
			addr &= 0xffffffffu;
		if ((mode & 1) && bar < VDM_MAX_REGIONS && p->dev->res.regions[bar].size)
			addr &= ~(p->dev->res.regions[bar].size - 1);
		fzpci_program_bar(p, bar, addr);
		return true;
	case FZPCI_OP_SIZE_BARS:
		fzpci_check_bars(p);
		return true;
	case FZPCI_OP_WRITE_BAR_RAW:
		off = VDM_PCI_BAR0 + 4 * (fz_u8(f) % VDM_PCI_NUM_BARS);
		fzpci_cfg_write(p, off, 4, fz_u32(f));
		return true;
	default:
		return false;
	}
}
