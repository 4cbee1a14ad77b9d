/* libFuzzer target: the VMM-side PCI decoders and programming helpers (pci.h) over a hostile
 * config space, as a sandboxed device's proxy could present: walks stay bounded and honest. */
#include <errno.h>
#include <string.h>

#include <vdm/pci.h>

#include "fuzz_input.h"

/*
 * Input: a 256-byte header image and write mask, selected extended-space dwords, declared
 * regions of any kind and size, a read number at which cfg_read starts failing, then ops
 * calling the decoders.  Invariants (abort on violation):
 *  - vdm_pci_find_cap / _find_ext_cap return only offsets inside their space, aligned,
 *    whose ID byte/word is the one asked for; a walk makes a bounded number of reads;
 *  - vdm_pci_res_reserve_read: success only for a Red Hat vendor capability of type 1
 *    and length >= 32 that fits; -ENOENT leaves every field "unset";
 *  - vdm_pci_bridge_decode: granularity (I/O 4K, memory 1M) and open == (base <= limit);
 *  - set_bar_address / set_buses / set_window return 0 only when the value reads back;
 *  - a failing cfg_read is reported (an error), never turned into a success.
 */

#define HD_MAX_OPS 256
#define HD_MAX_READS_PER_WALK 1100 /* 960 extended entries plus slack */

struct hd {
	struct vdm_device dev;
	uint8_t cfg[VDM_PCI_CFG_EXP_SIZE];
	uint8_t wmask[VDM_PCI_CFG_EXP_SIZE];
	uint32_t reads, fail_from; /* reads number fail_from and later fail (0 = never) */
	bool failed;               /* a read failed during the current call */
};

static int hd_cfg_read(struct vdm_device *dev, uint32_t off, uint32_t size, uint32_t *v)
{
	struct hd *h = (struct hd *)dev;
	uint32_t i;

	h->reads++;
	*v = 0xffffffffu;
	if (h->fail_from && h->reads >= h->fail_from) {
		h->failed = true;
		return -EIO;
	}
	if ((size != 1 && size != 2 && size != 4) || off >= VDM_PCI_CFG_EXP_SIZE ||
	    size > VDM_PCI_CFG_EXP_SIZE - off)
		return -EINVAL;
	*v = 0;
	for (i = 0; i < size; i++)
		*v |= (uint32_t)h->cfg[off + i] << (8 * i);
	return 0;
}

static int hd_cfg_write(struct vdm_device *dev, uint32_t off, uint32_t size, uint32_t v)
{
	struct hd *h = (struct hd *)dev;
	uint32_t i;

	if ((size != 1 && size != 2 && size != 4) || off >= VDM_PCI_CFG_EXP_SIZE ||
	    size > VDM_PCI_CFG_EXP_SIZE - off)
		return -EINVAL;
	for (i = 0; i < size; i++)
		h->cfg[off + i] = (uint8_t)((h->cfg[off + i] & ~h->wmask[off + i]) |
					    ((uint8_t)(v >> (8 * i)) & h->wmask[off + i]));
	return 0;
}

static int hd_bar(struct vdm_device *dev, uint32_t region, uint64_t off, uint32_t size,
		  uint64_t *value)
{
	*value = UINT64_MAX;
	return -EINVAL;
}

static int hd_bar_write(struct vdm_device *dev, uint32_t region, uint64_t off, uint32_t size,
			uint64_t value)
{
	return -EINVAL;
}

static void hd_nop(struct vdm_device *dev)
{
}

static const struct vdm_device_ops hd_ops = {
	VDM_STRUCT_HEAD(struct vdm_device_ops),
	.cfg_read = hd_cfg_read,
	.cfg_write = hd_cfg_write,
	.bar_read = hd_bar,
	.bar_write = hd_bar_write,
	.reset = hd_nop,
	.destroy = hd_nop,
};

/* Start counting one helper call. */
static void hd_begin(struct hd *h)
{
	h->reads = 0;
	h->failed = false;
}

static void hd_find_cap(struct hd *h, struct vdm_fuzz_in *f)
{
	uint8_t id = vdm_fuzz_u8(f);
	uint32_t off = (vdm_fuzz_u8(f) & 1) ? vdm_fuzz_u8(f) : 0, start = off;
	int r;

	hd_begin(h);
	r = vdm_pci_find_cap(&h->dev, id, &off);
	FUZZ_CHECK(h->reads <= HD_MAX_READS_PER_WALK, "find_cap made %u reads", h->reads);
	if (r) {
		FUZZ_CHECK(r == -ENOENT, "find_cap returned %d", r);
		return;
	}
	FUZZ_CHECK(!h->failed, "find_cap succeeded through a failed read");
	FUZZ_CHECK(off >= 0x40 && off <= 0xfc && !(off & 3) && h->cfg[off] == id,
		   "find_cap(%#x from %#x) returned offset %#x", id, start, off);
}

static void hd_find_ext_cap(struct hd *h, struct vdm_fuzz_in *f)
{
	uint16_t id = vdm_fuzz_u16(f);
	uint32_t off = (vdm_fuzz_u8(f) & 1) ? vdm_fuzz_u16(f) : 0, start = off;
	int r;

	hd_begin(h);
	r = vdm_pci_find_ext_cap(&h->dev, id, &off);
	FUZZ_CHECK(h->reads <= HD_MAX_READS_PER_WALK, "find_ext_cap made %u reads", h->reads);
	if (r) {
		FUZZ_CHECK(r == -ENOENT, "find_ext_cap returned %d", r);
		return;
	}
	FUZZ_CHECK(!h->failed, "find_ext_cap succeeded through a failed read");
	FUZZ_CHECK(off >= 0x100 && off <= 0xffc && !(off & 3) &&
			   (h->cfg[off] | h->cfg[off + 1] << 8) == id,
		   "find_ext_cap(%#x from %#x) returned offset %#x", id, start, off);
}

static void hd_reserve(struct hd *h)
{
	struct vdm_pci_res_reserve rr;
	int r;

	hd_begin(h);
	r = vdm_pci_res_reserve_read(&h->dev, &rr);
	/* At most 48 vendor capabilities, each found by a walk of at most 48 entries
	 * (two reads each) plus the reads of its fields. */
	FUZZ_CHECK(h->reads <= 48 * (4 + 2 * 48 + 4) + 8, "res_reserve_read made %u reads", h->reads);
	if (r) {
		FUZZ_CHECK(r == -ENOENT && rr.bus == UINT64_MAX && rr.io == UINT64_MAX &&
				   rr.mem == UINT64_MAX && rr.pref32 == UINT64_MAX &&
				   rr.pref64 == UINT64_MAX,
			   "res_reserve_read returned %d with fields set", r);
		return;
	}
	FUZZ_CHECK(!h->failed, "res_reserve_read succeeded through a failed read");
	FUZZ_CHECK((h->cfg[0] | h->cfg[1] << 8) == VDM_PCI_VENDOR_REDHAT,
		   "reserve capability accepted for vendor %#x", h->cfg[0] | h->cfg[1] << 8);
}

static void hd_check_window(const struct vdm_pci_window *w, uint64_t gran, const char *what)
{
	FUZZ_CHECK(!(w->base & (gran - 1)) && (w->limit & (gran - 1)) == gran - 1,
		   "%s window [%#llx, %#llx] breaks its granularity", what,
		   (unsigned long long)w->base, (unsigned long long)w->limit);
	FUZZ_CHECK(w->open == (w->base <= w->limit), "%s window open flag wrong", what);
}

static void hd_bridge(struct hd *h)
{
	struct vdm_pci_bridge b;

	vdm_pci_bridge_decode(h->cfg, &b);
	hd_check_window(&b.io, 0x1000, "I/O");
	hd_check_window(&b.mem, 0x100000, "memory");
	hd_check_window(&b.pref, 0x100000, "prefetchable");
	FUZZ_CHECK(b.io32 || b.io.limit <= 0xffff, "16-bit I/O window reaches %#llx",
		   (unsigned long long)b.io.limit);
	FUZZ_CHECK(b.pref64 || b.pref.limit <= 0xffffffffu, "32-bit pref window reaches %#llx",
		   (unsigned long long)b.pref.limit);
	FUZZ_CHECK(b.mem.limit <= 0xffffffffu, "memory window above 4G");
	FUZZ_CHECK(b.primary == h->cfg[VDM_PCI_PRIMARY_BUS] &&
			   b.secondary == h->cfg[VDM_PCI_SECONDARY_BUS] &&
			   b.subordinate == h->cfg[VDM_PCI_SUBORDINATE_BUS],
		   "bus numbers decoded wrong");
}

static void hd_program(struct hd *h, struct vdm_fuzz_in *f)
{
	uint8_t what = vdm_fuzz_u8(f) % 3;
	uint64_t addr, back, base, size;
	struct vdm_pci_bridge b;
	unsigned bar;
	int r, k;

	hd_begin(h);
	switch (what) {
	case 0:
		bar = vdm_fuzz_u8(f) % 8;
		addr = vdm_fuzz_u64(f);
		if (bar < VDM_MAX_REGIONS && h->dev.res.regions[bar].size && (vdm_fuzz_u8(f) & 1))
			addr &= ~(h->dev.res.regions[bar].size - 1);
		r = vdm_pci_set_bar_address(&h->dev, bar, addr);
		if (r == 0) {
			FUZZ_CHECK(!h->failed, "set_bar_address succeeded through a failed read");
			hd_begin(h);
			r = vdm_pci_bar_address(&h->dev, bar, &back);
			FUZZ_CHECK(h->failed || (r == 0 && back == addr),
				   "BAR%u set to %#llx reads %#llx", bar, (unsigned long long)addr,
				   (unsigned long long)back);
		}
		break;
	case 1: {
		uint8_t p = vdm_fuzz_u8(f), s = vdm_fuzz_u8(f), sub = vdm_fuzz_u8(f);

		r = vdm_pci_bridge_set_buses(&h->dev, p, s, sub);
		if (r == 0)
			FUZZ_CHECK(!h->failed && h->cfg[VDM_PCI_PRIMARY_BUS] == p &&
					   h->cfg[VDM_PCI_SECONDARY_BUS] == s &&
					   h->cfg[VDM_PCI_SUBORDINATE_BUS] == sub,
				   "set_buses succeeded but the bus numbers are not there");
		break;
	}
	default:
		k = vdm_fuzz_u8(f) % 3;
		base = vdm_fuzz_u64(f) & ~(uint64_t)0xfff;
		size = (vdm_fuzz_u8(f) & 1) ? 0 : vdm_fuzz_u64(f) & ~(uint64_t)0xfff;
		r = vdm_pci_bridge_set_window(&h->dev, (enum vdm_pci_window_kind)k, base, size);
		if (r == 0) {
			const struct vdm_pci_window *w;

			FUZZ_CHECK(!h->failed, "set_window succeeded through a failed read");
			vdm_pci_bridge_decode(h->cfg, &b);
			w = k == 0 ? &b.io : k == 1 ? &b.mem : &b.pref;
			if (size)
				FUZZ_CHECK(w->open && w->base == base && w->limit == base + size - 1,
					   "set_window(%d, %#llx, %#llx) succeeded but reads [%#llx, %#llx]",
					   k, (unsigned long long)base, (unsigned long long)size,
					   (unsigned long long)w->base, (unsigned long long)w->limit);
			else
				FUZZ_CHECK(!w->open, "closed window %d reads open", k);
		}
		break;
	}
}

static void hd_bar_addr(struct hd *h, struct vdm_fuzz_in *f)
{
	unsigned bar = vdm_fuzz_u8(f) % 8;
	const struct vdm_region_decl *d = bar < VDM_MAX_REGIONS ? &h->dev.res.regions[bar] : NULL;
	uint64_t addr = 1;
	int r;

	hd_begin(h);
	r = vdm_pci_bar_address(&h->dev, bar, &addr);
	if (r == 0) {
		FUZZ_CHECK(!h->failed && d && d->kind != VDM_REGION_NONE && d->size,
			   "bar_address(%u) succeeded for an undeclared BAR or a failed read", bar);
		FUZZ_CHECK(d->kind == VDM_REGION_MEM64 || addr <= 0xffffffffu,
			   "32-bit BAR%u decodes %#llx", bar, (unsigned long long)addr);
		FUZZ_CHECK(!(addr & 3), "BAR%u decodes %#llx with type bits", bar,
			   (unsigned long long)addr);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hd *h = calloc(1, sizeof(*h));
	struct vdm_fuzz_in f;
	uint32_t i, n;

	if (!h)
		return 0;
	vdm_fuzz_in_init(&f, data, size);
	vdm_device_init(&h->dev, &hd_ops, NULL, NULL);
	for (i = 0; i < VDM_PCI_CFG_SIZE; i++)
		h->cfg[i] = vdm_fuzz_u8(&f);
	for (i = 0; i < VDM_PCI_CFG_SIZE; i += 4)
		h->wmask[i] = h->wmask[i + 1] = h->wmask[i + 2] = h->wmask[i + 3] = vdm_fuzz_u8(&f);
	/* A few extended-space dwords where the input says (the rest stays zero). */
	n = vdm_fuzz_u8(&f) % 16;
	for (i = 0; i < n; i++) {
		uint32_t off =
			(0x100 + (uint32_t)vdm_fuzz_u16(&f) * 4) % VDM_PCI_CFG_EXP_SIZE & ~3u;
		uint32_t v = vdm_fuzz_u32(&f);

		memcpy(&h->cfg[off < 0x100 ? 0x100 : off], &v, 4);
	}
	for (i = 0; i < VDM_MAX_REGIONS; i++) {
		uint8_t b = vdm_fuzz_u8(&f);

		h->dev.res.regions[i].kind = b % 5;
		h->dev.res.regions[i].flags = (b >> 3) & 3;
		h->dev.res.regions[i].size =
			(b & 0x80) ? vdm_fuzz_u64(&f) : 1ull << (vdm_fuzz_u8(&f) % 64);
	}
	h->fail_from = vdm_fuzz_u8(&f) < 0xe0 ? 0 : vdm_fuzz_u16(&f);
	for (n = 0; n < HD_MAX_OPS && vdm_fuzz_more(&f); n++) {
		switch (vdm_fuzz_u8(&f) % 6) {
		case 0:
			hd_find_cap(h, &f);
			break;
		case 1:
			hd_find_ext_cap(h, &f);
			break;
		case 2:
			hd_reserve(h);
			break;
		case 3:
			hd_bridge(h);
			break;
		case 4:
			hd_program(h, &f);
			break;
		default:
			hd_bar_addr(h, &f);
			break;
		}
	}
	free(h);
	return 0;
}
