/* Config-space decoders and programming helpers for the VMM acting as firmware: BAR
 * addresses, capability walks, bridge bus numbers and windows, the Red Hat reserve cap. */
#include <errno.h>
#include <string.h>

#include <vdm/pci.h>

#define MAX_STD_CAPS 48  /* (256 - 0x40) / 4 */
#define MAX_EXT_CAPS 960 /* (4096 - 0x100) / 4 */

static int rd(struct vdm_device *dev, uint32_t off, uint32_t size, uint32_t *v)
{
	int r = vdm_cfg_read(dev, off, size, v);

	if (r)
		*v = 0xffffffffu;
	return r;
}

static int rd64(struct vdm_device *dev, uint32_t off, uint64_t *v)
{
	uint32_t lo, hi;
	int r = rd(dev, off, 4, &lo);

	if (!r)
		r = rd(dev, off + 4, 4, &hi);
	*v = r ? UINT64_MAX : (uint64_t)hi << 32 | lo;
	return r;
}

/* ---- BARs ------------------------------------------------------------------------------ */

static const struct vdm_region_decl *bar_decl(struct vdm_device *dev, unsigned bar)
{
	if (bar >= VDM_PCI_NUM_BARS || bar >= VDM_MAX_REGIONS)
		return NULL;
	if (dev->res.regions[bar].kind == VDM_REGION_NONE || !dev->res.regions[bar].size)
		return NULL;
	return &dev->res.regions[bar];
}

int vdm_pci_bar_address(struct vdm_device *dev, unsigned bar, uint64_t *addr)
{
	const struct vdm_region_decl *d = bar_decl(dev, bar);
	uint32_t off = VDM_PCI_BAR0 + 4 * bar;
	uint32_t lo;
	uint64_t v;
	int r;

	*addr = 0;
	if (!d)
		return -EINVAL;
	switch (d->kind) {
	case VDM_REGION_IO:
		r = rd(dev, off, 4, &lo);
		*addr = lo & VDM_PCI_BAR_IO_MASK;
		return r;
	case VDM_REGION_MEM32:
		r = rd(dev, off, 4, &lo);
		*addr = lo & VDM_PCI_BAR_MEM_MASK;
		return r;
	case VDM_REGION_MEM64:
		if (bar + 1 >= VDM_PCI_NUM_BARS)
			return -EINVAL;
		r = rd64(dev, off, &v);
		*addr = v & ~(uint64_t)0xf;
		return r;
	default:
		return -EINVAL;
	}
}

int vdm_pci_set_bar_address(struct vdm_device *dev, unsigned bar, uint64_t addr)
{
	const struct vdm_region_decl *d = bar_decl(dev, bar);
	uint32_t off = VDM_PCI_BAR0 + 4 * bar;
	uint64_t back;
	int r;

	if (!d || (addr & (d->size - 1)))
		return -EINVAL;
	if (d->kind == VDM_REGION_MEM64) {
		if (bar + 1 >= VDM_PCI_NUM_BARS || addr > UINT64_MAX - (d->size - 1))
			return -EINVAL;
		r = vdm_cfg_write(dev, off, 4, (uint32_t)addr);
		if (!r)
			r = vdm_cfg_write(dev, off + 4, 4, (uint32_t)(addr >> 32));
	} else {
		if (addr + d->size - 1 > 0xffffffffu)
			return -EINVAL;
		r = vdm_cfg_write(dev, off, 4, (uint32_t)addr);
	}
	if (r)
		return r;
	r = vdm_pci_bar_address(dev, bar, &back);
	if (r)
		return r;
	return back == addr ? 0 : -EIO;
}

/* ---- capability walks ------------------------------------------------------------------ */

int vdm_pci_find_cap(struct vdm_device *dev, uint8_t id, uint32_t *off)
{
	uint32_t v, ptr;
	int i;

	if (rd(dev, VDM_PCI_STATUS, 2, &v) || !(v & VDM_PCI_STATUS_CAP_LIST))
		return -ENOENT;
	if (*off == 0) {
		if (rd(dev, VDM_PCI_CAPABILITY_LIST, 1, &ptr))
			return -ENOENT;
	} else if (*off < VDM_PCI_STD_HEADER_SIZE || *off > 0xfc ||
		   rd(dev, *off + 1, 1, &ptr)) {
		return -ENOENT;
	}
	for (i = 0; i < MAX_STD_CAPS; i++) {
		ptr &= 0xfc; /* the low two bits are reserved */
		if (ptr < VDM_PCI_STD_HEADER_SIZE)
			return -ENOENT;
		if (rd(dev, ptr, 1, &v))
			return -ENOENT;
		if (v == id) {
			*off = ptr;
			return 0;
		}
		if (rd(dev, ptr + 1, 1, &ptr))
			return -ENOENT;
	}
	return -ENOENT;
}

int vdm_pci_find_ext_cap(struct vdm_device *dev, uint16_t id, uint32_t *off)
{
	uint32_t hdr, ptr;
	int i;

	if (*off == 0) {
		ptr = VDM_PCI_EXT_CAP_START;
	} else {
		if (*off < VDM_PCI_EXT_CAP_START || *off > 0xffc || rd(dev, *off & ~3u, 4, &hdr))
			return -ENOENT;
		ptr = (hdr >> 20) & 0xffc;
	}
	for (i = 0; i < MAX_EXT_CAPS; i++) {
		if (ptr < VDM_PCI_EXT_CAP_START)
			return -ENOENT;
		if (rd(dev, ptr, 4, &hdr) || hdr == 0 || hdr == 0xffffffffu)
			return -ENOENT;
		if ((hdr & 0xffff) == id) {
			*off = ptr;
			return 0;
		}
		ptr = (hdr >> 20) & 0xffc;
	}
	return -ENOENT;
}

/* ---- bridges ----------------------------------------------------------------------------- */

static uint32_t le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | le16(p + 2) << 16;
}

static void set_window(struct vdm_pci_window *w, uint64_t base, uint64_t limit)
{
	w->base = base;
	w->limit = limit;
	w->open = base <= limit;
}

void vdm_pci_bridge_decode(const uint8_t hdr[VDM_PCI_STD_HEADER_SIZE], struct vdm_pci_bridge *out)
{
	uint64_t base, limit;

	memset(out, 0, sizeof(*out));
	out->command = (uint16_t)le16(hdr + VDM_PCI_COMMAND);
	out->primary = hdr[VDM_PCI_PRIMARY_BUS];
	out->secondary = hdr[VDM_PCI_SECONDARY_BUS];
	out->subordinate = hdr[VDM_PCI_SUBORDINATE_BUS];
	out->bridge_control = (uint16_t)le16(hdr + VDM_PCI_BRIDGE_CONTROL);

	/* I/O: 4 KiB granularity; bits 15:12 in the high nibble, 31:16 if 32-bit. */
	out->io32 = (hdr[VDM_PCI_IO_BASE] & 0x0f) == VDM_PCI_IO_RANGE_TYPE_32;
	base = (uint64_t)(hdr[VDM_PCI_IO_BASE] & 0xf0) << 8;
	limit = (uint64_t)(hdr[VDM_PCI_IO_LIMIT] & 0xf0) << 8 | 0xfff;
	if (out->io32) {
		base |= (uint64_t)le16(hdr + VDM_PCI_IO_BASE_UPPER16) << 16;
		limit |= (uint64_t)le16(hdr + VDM_PCI_IO_LIMIT_UPPER16) << 16;
	}
	set_window(&out->io, base, limit);

	/* Memory: 1 MiB granularity; bits 31:20 in bits 15:4. */
	base = (uint64_t)(le16(hdr + VDM_PCI_MEMORY_BASE) & 0xfff0) << 16;
	limit = (uint64_t)(le16(hdr + VDM_PCI_MEMORY_LIMIT) & 0xfff0) << 16 | 0xfffff;
	set_window(&out->mem, base, limit);

	out->pref64 = (le16(hdr + VDM_PCI_PREF_MEMORY_BASE) & 0xf) == VDM_PCI_PREF_RANGE_TYPE_64;
	base = (uint64_t)(le16(hdr + VDM_PCI_PREF_MEMORY_BASE) & 0xfff0) << 16;
	limit = (uint64_t)(le16(hdr + VDM_PCI_PREF_MEMORY_LIMIT) & 0xfff0) << 16 | 0xfffff;
	if (out->pref64) {
		base |= (uint64_t)le32(hdr + VDM_PCI_PREF_BASE_UPPER32) << 32;
		limit |= (uint64_t)le32(hdr + VDM_PCI_PREF_LIMIT_UPPER32) << 32;
	}
	set_window(&out->pref, base, limit);
}

int vdm_pci_bridge_read(struct vdm_device *dev, struct vdm_pci_bridge *out)
{
	uint8_t hdr[VDM_PCI_STD_HEADER_SIZE];
	uint32_t off, v;
	int r;

	for (off = 0; off < sizeof(hdr); off += 4) {
		r = rd(dev, off, 4, &v);
		if (r) {
			memset(out, 0, sizeof(*out));
			return r;
		}
		hdr[off] = (uint8_t)v;
		hdr[off + 1] = (uint8_t)(v >> 8);
		hdr[off + 2] = (uint8_t)(v >> 16);
		hdr[off + 3] = (uint8_t)(v >> 24);
	}
	vdm_pci_bridge_decode(hdr, out);
	return 0;
}

int vdm_pci_bridge_set_buses(struct vdm_device *dev, uint8_t primary, uint8_t secondary,
			     uint8_t subordinate)
{
	struct vdm_pci_bridge b;
	int r = vdm_cfg_write(dev, VDM_PCI_PRIMARY_BUS, 1, primary);

	if (!r)
		r = vdm_cfg_write(dev, VDM_PCI_SECONDARY_BUS, 1, secondary);
	if (!r)
		r = vdm_cfg_write(dev, VDM_PCI_SUBORDINATE_BUS, 1, subordinate);
	if (!r)
		r = vdm_pci_bridge_read(dev, &b);
	if (r)
		return r;
	if (b.primary != primary || b.secondary != secondary || b.subordinate != subordinate)
		return -EIO;
	return 0;
}

/* Write the base/limit registers of one window (and its upper halves when `wide`). */
static int write_window(struct vdm_device *dev, enum vdm_pci_window_kind kind, bool wide,
			uint64_t base, uint64_t last)
{
	int r;

	switch (kind) {
	case VDM_PCI_WINDOW_IO:
		r = vdm_cfg_write(dev, VDM_PCI_IO_BASE, 1, (uint32_t)(base >> 8) & 0xf0);
		if (!r)
			r = vdm_cfg_write(dev, VDM_PCI_IO_LIMIT, 1, (uint32_t)(last >> 8) & 0xf0);
		if (!r && wide)
			r = vdm_cfg_write(dev, VDM_PCI_IO_BASE_UPPER16, 4,
					  (uint32_t)(base >> 16 & 0xffff) |
						  (uint32_t)(last >> 16 & 0xffff) << 16);
		return r;
	case VDM_PCI_WINDOW_MEM:
		return vdm_cfg_write(dev, VDM_PCI_MEMORY_BASE, 4,
				     ((uint32_t)(base >> 16) & 0xfff0) |
					     ((uint32_t)(last >> 16) & 0xfff0) << 16);
	case VDM_PCI_WINDOW_PREF:
		/* Upper halves first, so the window never spans a bogus range in between. */
		r = 0;
		if (wide) {
			r = vdm_cfg_write(dev, VDM_PCI_PREF_BASE_UPPER32, 4, (uint32_t)(base >> 32));
			if (!r)
				r = vdm_cfg_write(dev, VDM_PCI_PREF_LIMIT_UPPER32, 4,
						  (uint32_t)(last >> 32));
		}
		if (!r)
			r = vdm_cfg_write(dev, VDM_PCI_PREF_MEMORY_BASE, 4,
					  ((uint32_t)(base >> 16) & 0xfff0) |
						  ((uint32_t)(last >> 16) & 0xfff0) << 16);
		return r;
	}
	return -EINVAL;
}

int vdm_pci_bridge_set_window(struct vdm_device *dev, enum vdm_pci_window_kind kind,
			      uint64_t base, uint64_t size)
{
	struct vdm_pci_bridge b;
	const struct vdm_pci_window *w;
	uint64_t gran, max, last;
	bool wide;
	int r = vdm_pci_bridge_read(dev, &b);

	if (r)
		return r;
	switch (kind) {
	case VDM_PCI_WINDOW_IO:
		gran = 0x1000;
		wide = b.io32;
		max = wide ? 0xffffffffu : 0xffff;
		w = &b.io;
		break;
	case VDM_PCI_WINDOW_MEM:
		gran = 0x100000;
		wide = false;
		max = 0xffffffffu;
		w = &b.mem;
		break;
	case VDM_PCI_WINDOW_PREF:
		gran = 0x100000;
		wide = b.pref64;
		max = wide ? UINT64_MAX : 0xffffffffu;
		w = &b.pref;
		break;
	default:
		return -EINVAL;
	}
	if (size == 0) {
		/* Closed: base at the top of the decoder, limit at its bottom. */
		base = max & ~(gran - 1);
		last = gran - 1;
	} else {
		if ((base | size) & (gran - 1) || base > max || size - 1 > max - base)
			return -EINVAL;
		last = base + size - 1;
	}
	r = write_window(dev, kind, wide, base, last);
	if (!r)
		r = vdm_pci_bridge_read(dev, &b);
	if (r)
		return r;
	if (size == 0)
		return w->open ? -EIO : 0;
	return (w->open && w->base == base && w->limit == last) ? 0 : -EIO;
}

/* ---- Red Hat resource-reserve capability ------------------------------------------------- */

static uint64_t unset32(uint32_t v)
{
	return v == 0xffffffffu ? UINT64_MAX : v;
}

int vdm_pci_res_reserve_read(struct vdm_device *dev, struct vdm_pci_res_reserve *out)
{
	uint32_t off = 0, v, len, type, bus, mem, pref32;
	uint64_t io, pref64;
	int i;

	out->bus = out->io = out->mem = out->pref32 = out->pref64 = UINT64_MAX;
	if (rd(dev, VDM_PCI_VENDOR_ID, 2, &v) || v != VDM_PCI_VENDOR_REDHAT)
		return -ENOENT;
	/* Bounded: a hostile list may cycle through the same vendor capability. */
	for (i = 0; i < MAX_STD_CAPS && vdm_pci_find_cap(dev, VDM_PCI_CAP_ID_VNDR, &off) == 0;
	     i++) {
		if (rd(dev, off + 2, 1, &len) || rd(dev, off + VDM_PCI_RH_CAP_TYPE, 1, &type))
			return -ENOENT;
		if (len < VDM_PCI_RH_CAP_SIZEOF || type != VDM_PCI_RH_CAP_TYPE_RES_RESERVE ||
		    off + VDM_PCI_RH_CAP_SIZEOF > VDM_PCI_CFG_SIZE)
			continue;
		if (rd(dev, off + VDM_PCI_RH_CAP_BUS_RES, 4, &bus) ||
		    rd64(dev, off + VDM_PCI_RH_CAP_IO, &io) ||
		    rd(dev, off + VDM_PCI_RH_CAP_MEM, 4, &mem) ||
		    rd(dev, off + VDM_PCI_RH_CAP_MEM_PREF32, 4, &pref32) ||
		    rd64(dev, off + VDM_PCI_RH_CAP_MEM_PREF64, &pref64))
			return -ENOENT;
		out->bus = unset32(bus);
		out->io = io;
		out->mem = unset32(mem);
		out->pref32 = unset32(pref32);
		out->pref64 = pref64;
		return 0;
	}
	return -ENOENT;
}
