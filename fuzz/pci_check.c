/* PCI checks of libvdm-fuzz: the pci.h config-access contract, read-only identity fields,
 * config-space images (reset), and the VDM_PURE_CFG_WRITES masks, on any device's config ops. */
#include <errno.h>
#include <string.h>

#include <vdm/fuzz.h>
#include <vdm/pci.h>
#include <vdm/proxy.h>

#include "fuzz_int.h"

uint32_t vdm__fuzz_pci_rd(const struct vdm_fuzz_pci *p, uint32_t off, uint32_t size)
{
	uint32_t v = 0;
	int r = vdm_cfg_read(p->dev, off, size, &v);

	VDM_FUZZ_CHECK(&p->sink, VDM_FUZZ_INV_ACCESS, r == 0,
		       "config read off=%#x size=%u returned %d: pci.h says it is handled (0)", off,
		       size, r);
	return v;
}

void vdm__fuzz_pci_wr(const struct vdm_fuzz_pci *p, uint32_t off, uint32_t size, uint32_t v)
{
	int r = vdm_cfg_write(p->dev, off, size, v);

	VDM_FUZZ_CHECK(&p->sink, VDM_FUZZ_INV_ACCESS, r == 0,
		       "config write off=%#x size=%u value=%#x returned %d: pci.h says it is "
		       "handled (0)", off, size, v, r);
}

void vdm_fuzz_pci_add_ro(struct vdm_fuzz_pci *p, uint32_t off, uint32_t size, const char *what)
{
	if (p->nro >= VDM_FUZZ_PCI_MAX_RO)
		return; /* a caller's list too long: the first VDM_FUZZ_PCI_MAX_RO are checked */
	p->ro[p->nro].off = off;
	p->ro[p->nro].size = size;
	p->ro[p->nro].value = vdm__fuzz_pci_rd(p, off, size);
	p->ro[p->nro].what = what;
	p->nro++;
}

/* 4096 with a PCI Express capability (as Linux decides it), else 256. */
static uint32_t find_cfg_size(struct vdm_device *dev)
{
	uint32_t off = 0;

	return vdm_pci_find_cap(dev, VDM_PCI_CAP_ID_EXP, &off) == 0 ? VDM_PCI_CFG_EXP_SIZE
								    : VDM_PCI_CFG_SIZE;
}

/* `len` bytes of config space from 0 into `out`, through the guest view (dword reads). */
static void read_space(const struct vdm_fuzz_pci *p, uint8_t *out, uint32_t len)
{
	uint32_t off, v;

	for (off = 0; off < len; off += 4) {
		v = vdm__fuzz_pci_rd(p, off, 4);
		memcpy(out + off, &v, 4); /* little-endian host, like PCI */
	}
}

void vdm_fuzz_pci_init(struct vdm_fuzz_pci *p, struct vdm_device *dev, uint32_t cfg_size,
		       const uint8_t *raw, const struct vdm_fuzz_sink *sink)
{
	uint32_t pure = vdm_device_pure_reads(dev);
	bool proxy = vdm_device_is_proxy(dev);
	uint8_t type;

	memset(p, 0, sizeof(*p));
	p->dev = dev;
	if (sink)
		p->sink = *sink;
	p->raw = raw;
	p->cfg_size = cfg_size ? cfg_size : find_cfg_size(dev);
	p->posted_writes = proxy;
	p->pure_reads = pure & VDM_PURE_CFG;
	/* A proxy's config copy applies the masks itself: checking it against them is moot. */
	if ((pure & VDM_PURE_CFG_WRITES) && !proxy) {
		p->wmask = dev->res.cfg_wmask;
		p->w1cmask = dev->res.cfg_w1cmask;
	}
	p->local_writes = pure & VDM_PURE_CFG_WRITES;
	if (raw)
		memcpy(p->power_on, raw, p->cfg_size);
	else
		read_space(p, p->power_on, p->cfg_size);
	type = p->power_on[VDM_PCI_HEADER_TYPE] & 0x7f;
	vdm_fuzz_pci_add_ro(p, VDM_PCI_VENDOR_ID, 2, "vendor id");
	vdm_fuzz_pci_add_ro(p, VDM_PCI_DEVICE_ID, 2, "device id");
	vdm_fuzz_pci_add_ro(p, VDM_PCI_REVISION_ID, 4, "revision and class code");
	vdm_fuzz_pci_add_ro(p, VDM_PCI_HEADER_TYPE, 1, "header type");
	vdm_fuzz_pci_add_ro(p, VDM_PCI_CAPABILITY_LIST, 1, "capability pointer");
	vdm_fuzz_pci_add_ro(p, VDM_PCI_INTERRUPT_PIN, 1, "interrupt pin");
	if (type == VDM_PCI_HEADER_TYPE_NORMAL) {
		vdm_fuzz_pci_add_ro(p, VDM_PCI_SUBSYSTEM_VENDOR_ID, 4, "subsystem ids");
		vdm_fuzz_pci_add_ro(p, VDM_PCI_ROM_ADDRESS, 4, "expansion ROM (none)");
	} else {
		vdm_fuzz_pci_add_ro(p, VDM_PCI_ROM_ADDRESS1, 4, "bridge expansion ROM (none)");
	}
}

uint32_t vdm_fuzz_pci_peek(const struct vdm_fuzz_pci *p, uint32_t off, uint32_t size)
{
	uint32_t v = 0, i;

	if (!p->raw)
		return vdm__fuzz_pci_rd(p, off, size);
	for (i = 0; i < size && off + i < VDM_PCI_CFG_EXP_SIZE; i++)
		v |= (uint32_t)p->raw[off + i] << (8 * i);
	return v;
}

void vdm_fuzz_pci_check_ro(const struct vdm_fuzz_pci *p)
{
	unsigned i;

	for (i = 0; i < p->nro; i++) {
		uint32_t v = vdm_fuzz_pci_peek(p, p->ro[i].off, p->ro[i].size);

		VDM_FUZZ_CHECK(&p->sink, VDM_FUZZ_INV_READ_ONLY, v == p->ro[i].value,
			       "read-only %s at %#x changed: %#x -> %#x", p->ro[i].what,
			       p->ro[i].off, p->ro[i].value, v);
	}
}

void vdm_fuzz_pci_check_space(const struct vdm_fuzz_pci *p,
			      const uint8_t expect[VDM_PCI_CFG_EXP_SIZE], const char *invariant,
			      const char *when)
{
	uint8_t now[VDM_PCI_CFG_EXP_SIZE];
	const uint8_t *cur = p->raw;
	uint32_t i;

	vdm_fuzz_pci_cfg_read(p, VDM_PCI_VENDOR_ID, 4);
	vdm_fuzz_pci_cfg_read(p, VDM_PCI_COMMAND, 4);
	if (!cur) {
		read_space(p, now, p->cfg_size);
		cur = now;
	}
	if (memcmp(cur, expect, p->cfg_size) == 0)
		return;
	for (i = 0; i < p->cfg_size; i++)
		if (cur[i] != expect[i]) {
			vdm_fuzz_fail(&p->sink, invariant, "%s: config byte %#x is %#x, expected %#x",
				      when, i, cur[i], expect[i]);
			return;
		}
}

/* ---- the access contract ------------------------------------------------------------ */

/* The errno pci.h promises for an access; *either: -ERANGE and -EINVAL both fit. */
static int expect_rc(uint32_t off, uint32_t size, bool *either)
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

static void check_rc(const struct vdm_fuzz_pci *p, int r, int want, bool either,
		     const char *what, uint32_t off, uint32_t size)
{
	VDM_FUZZ_CHECK(&p->sink, VDM_FUZZ_INV_ACCESS,
		       r == want || (either && (r == -EINVAL || r == -ERANGE)),
		       "config %s off=%#x size=%u returned %d, pci.h says %d", what, off, size, r,
		       want);
}

uint32_t vdm_fuzz_pci_cfg_read(const struct vdm_fuzz_pci *p, uint32_t off, uint32_t size)
{
	bool either;
	int want = expect_rc(off, size, &either);
	uint32_t v = 0x5a5a5a5a, v2 = 0, dw, i;
	int r = vdm_cfg_read(p->dev, off, size, &v);

	check_rc(p, r, want, either, "read", off, size);
	if (want) {
		VDM_FUZZ_CHECK(&p->sink, VDM_FUZZ_INV_ACCESS, v == 0xffffffffu,
			       "refused config read off=%#x size=%u gave %#x, not all-ones", off,
			       size, v);
		return v;
	}
	VDM_FUZZ_CHECK(&p->sink, VDM_FUZZ_INV_ACCESS, size == 4 || (v >> (8 * size)) == 0,
		       "config read off=%#x size=%u gave %#x: more bits than the access has", off,
		       size, v);
	if (off >= p->cfg_size) {
		VDM_FUZZ_CHECK(&p->sink, VDM_FUZZ_INV_ACCESS, v == (uint32_t)vdm_fuzz_ones(size),
			       "config read at %#x of a conventional function (256 bytes) gave %#x: "
			       "pci.h says all-ones", off, v);
		return v;
	}
	/* Config space is bytes: a second read and the containing dword agree with the first. */
	r = vdm_cfg_read(p->dev, off, size, &v2);
	VDM_FUZZ_CHECK(&p->sink, p->pure_reads ? VDM_FUZZ_INV_PURE : VDM_FUZZ_INV_ACCESS,
		       r == 0 && v2 == v, "config read off=%#x size=%u not repeatable: %#x then %#x",
		       off, size, v, v2);
	dw = vdm__fuzz_pci_rd(p, off & ~3u, 4);
	VDM_FUZZ_CHECK(&p->sink, VDM_FUZZ_INV_ACCESS,
		       ((dw >> (8 * (off & 3))) & (uint32_t)vdm_fuzz_ones(size)) == v,
		       "config read off=%#x size=%u gave %#x but its dword reads %#x", off, size, v,
		       dw);
	if (p->raw)
		for (i = 0; i < size; i++)
			VDM_FUZZ_CHECK(&p->sink, VDM_FUZZ_INV_ACCESS,
				       p->raw[off + i] == (uint8_t)(v >> (8 * i)),
				       "config read off=%#x size=%u gave %#x, config bytes differ",
				       off, size, v);
	return v;
}

/* With the VDM_PURE_CFG_WRITES masks: what the dword at `base` must hold after writing
 * `value` (size bytes at off) over `before`. */
static uint32_t masked_dword(const struct vdm_fuzz_pci *p, uint32_t base, uint32_t before,
			     uint32_t off, uint32_t size, uint32_t value)
{
	uint32_t out = before, i;

	for (i = 0; i < size; i++) {
		uint32_t o = off + i, sh = 8 * (o - base);
		uint8_t old = (uint8_t)(before >> sh), v = (uint8_t)(value >> (8 * i));
		uint8_t nb = (uint8_t)(((old & ~p->wmask[o]) | (v & p->wmask[o])) &
				       ~(v & p->w1cmask[o]));

		out = (out & ~(0xffu << sh)) | (uint32_t)nb << sh;
	}
	return out;
}

int vdm_fuzz_pci_cfg_write(struct vdm_fuzz_pci *p, uint32_t off, uint32_t size, uint32_t value)
{
	bool either, in = off < VDM_PCI_CFG_EXP_SIZE;
	int want = expect_rc(off, size, &either);
	uint32_t base = off & ~3u, before[2] = { 0, 0 }, after[2] = { 0, 0 }, keep[2], i;
	int r;

	/* The dword(s) the address touches, to see what the write changed. */
	for (i = 0; i < 2; i++)
		if (in && base + 4 * i < VDM_PCI_CFG_EXP_SIZE)
			before[i] = vdm__fuzz_pci_rd(p, base + 4 * i, 4);
	r = vdm_cfg_write(p->dev, off, size, value);
	if (!(p->posted_writes && r == 0)) /* a proxy queues what it cannot judge */
		check_rc(p, r, want, either, "write", off, size);
	for (i = 0; i < 2; i++)
		if (in && base + 4 * i < VDM_PCI_CFG_EXP_SIZE)
			after[i] = vdm__fuzz_pci_rd(p, base + 4 * i, 4);
	if (want) {
		VDM_FUZZ_CHECK(&p->sink, VDM_FUZZ_INV_ACCESS,
			       before[0] == after[0] && before[1] == after[1],
			       "refused config write off=%#x size=%u changed config: %#x %#x -> "
			       "%#x %#x", off, size, before[0], before[1], after[0], after[1]);
		return r;
	}
	if (p->wmask && off < p->cfg_size) {
		uint32_t expect = masked_dword(p, base, before[0], off, size, value);

		VDM_FUZZ_CHECK(&p->sink, VDM_FUZZ_INV_PURE,
			       after[0] == expect && before[1] == after[1],
			       "config write off=%#x size=%u value=%#x: dword %#x -> %#x, its "
			       "masks (VDM_PURE_CFG_WRITES) say %#x", off, size, value, before[0],
			       after[0], expect);
		return r;
	}
	if (!p->local_writes)
		return r;
	/* keep: bits outside the written bytes. */
	keep[0] = ~((uint32_t)vdm_fuzz_ones(size) << (8 * (off & 3)));
	keep[1] = 0xffffffffu;
	VDM_FUZZ_CHECK(&p->sink, VDM_FUZZ_INV_ACCESS,
		       (before[0] & keep[0]) == (after[0] & keep[0]) && before[1] == after[1],
		       "config write off=%#x size=%u value=%#x changed bytes it does not address: "
		       "%#x %#x -> %#x %#x",
		       off, size, value, before[0], before[1], after[0], after[1]);
	return r;
}

bool vdm_fuzz_pci_op(struct vdm_fuzz_pci *p, uint8_t op, struct vdm_fuzz_in *f)
{
	uint32_t off, size, v;
	unsigned bar;
	uint64_t addr;
	uint8_t mode;

	switch (op) {
	case VDM_FUZZ_PCI_OP_READ:
		off = (uint32_t)vdm_fuzz_offset(f, VDM_PCI_CFG_EXP_SIZE);
		size = vdm_fuzz_access_size(f);
		vdm_fuzz_pci_cfg_read(p, off, size);
		return true;
	case VDM_FUZZ_PCI_OP_WRITE:
		off = (uint32_t)vdm_fuzz_offset(f, VDM_PCI_CFG_EXP_SIZE);
		size = vdm_fuzz_access_size(f);
		v = vdm_fuzz_u32(f);
		vdm_fuzz_pci_cfg_write(p, off, size, v);
		return true;
	case VDM_FUZZ_PCI_OP_PROGRAM_BAR:
		bar = vdm_fuzz_u8(f) % 8;
		mode = vdm_fuzz_u8(f);
		addr = vdm_fuzz_u64(f);
		if (mode & 2)
			addr &= 0xffffffffu;
		if ((mode & 1) && bar < VDM_MAX_REGIONS && p->dev->res.regions[bar].size)
			addr &= ~(p->dev->res.regions[bar].size - 1);
		vdm_fuzz_pci_program_bar(p, bar, addr);
		return true;
	case VDM_FUZZ_PCI_OP_SIZE_BARS:
		vdm_fuzz_pci_check_bars(p);
		return true;
	case VDM_FUZZ_PCI_OP_WRITE_BAR_RAW:
		off = VDM_PCI_BAR0 + 4 * (vdm_fuzz_u8(f) % VDM_PCI_NUM_BARS);
		v = vdm_fuzz_u32(f);
		vdm_fuzz_pci_cfg_write(p, off, 4, v);
		return true;
	default:
		return false;
	}
}
