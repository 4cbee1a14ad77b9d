/* libFuzzer target: pcie-root-port with random properties (reserves, slot, port, hotplug),
 * then config traffic, window/bus programming, presence changes and resets, all checked. */
#include <errno.h>
#include <string.h>

#include <vdm/devices.h>
#include <vdm/pci.h>
#include <vdm/props.h>

#include "fuzz_input.h"
#include <vdm/root_port.h>

/*
 * Input: a property mask and one value per chosen property (in range or just past it,
 * decimal, hex or with a K/M/G suffix; bit 15 of the mask: hand-built props that skip the
 * parser), then ops.  Invariants (abort on violation):
 *  - the parser accepts exactly the in-range values; create() then fails only for
 *    pref32-reserve together with pref64-reserve; with hand-built props create() itself
 *    refuses every value outside the schema;
 *  - the Red Hat reserve capability reads back every reserve as given (UINT64_MAX where
 *    absent) and is absent without reserves; PSN = slot, HPC/HPS = hotplug, LNKCAP port;
 *  - read-only fields (header ids, capability headers, DEVCAP/LNKCAP/SLTCAP/..., SSVID,
 *    MSI-X table/PBA locations, reserve capability, AER and ACS headers and capability
 *    registers, BAR0's type bits, BAR1) never change; with io-reserve=0 the I/O window and
 *    the command register's I/O enable stay off;
 *  - window registers keep their type nibbles (16-bit I/O, 64-bit prefetchable);
 *    vdm_pci_bridge_set_window/_set_buses succeed exactly for valid requests and read back;
 *  - Slot Status PDS and Link Status DLLLA follow the host's presence, whatever the guest
 *    writes; Slot Control never holds a bit outside QEMU's writable set (PCC only with
 *    PCP in Slot Capabilities);
 *  - reset restores the power-on config space except presence, which survives, and the
 *    slot power and power indicator, which follow it;
 *  - capability walks find the same offsets after any traffic; the pci.h access contract;
 *  - host control: SET_PRESENCE only with 0/1 arguments, PCIE_CAP = the capability offset,
 *    anything else -EOPNOTSUPP with result 0;
 *  - BAR0 (the MSI-X table) takes 1/2/4/8-byte accesses inside its 4 KiB; every other
 *    region access is -EINVAL (reads all-ones).
 */

#define RP_MAX_OPS 512
#define RP_MAX_4G 0xfff00000ull

enum rp_prop { RP_CHASSIS, RP_SLOT, RP_PORT, RP_HOTPLUG, RP_BUS, RP_IO, RP_MEM, RP_PREF32,
	       RP_PREF64, RP_NPROPS };

static const char *const rp_prop_names[RP_NPROPS] = {
	"chassis", "slot", "port", "hotplug", "bus-reserve", "io-reserve", "mem-reserve",
	"pref32-reserve", "pref64-reserve",
};

struct rp_state {
	struct vdm_device *dev;
	struct vdm_fuzz_pci pci;
	bool given[RP_NPROPS];
	uint64_t val[RP_NPROPS];
	bool present;
	uint32_t exp, msix, ssvid, vndr, aer, acs;
};

/* ---- properties -------------------------------------------------------------------------- */

static uint64_t rp_pick(struct vdm_fuzz_in *f, const uint64_t *interesting, unsigned n)
{
	uint8_t b = vdm_fuzz_u8(f);

	if (b < 0xc0)
		return interesting[b % n];
	if (b < 0xe0)
		return vdm_fuzz_u8(f);
	if (b < 0xf0)
		return (uint64_t)vdm_fuzz_u16(f) << 12;
	return vdm_fuzz_u64(f);
}

static uint64_t rp_pick_value(struct vdm_fuzz_in *f, enum rp_prop p)
{
	static const uint64_t u8s[] = { 0, 1, 254, 255, 256, 0xffffffffull, 0x100000000ull };
	static const uint64_t slots[] = { 0, 1, 8191, 8192, 0xffffffffull };
	static const uint64_t ios[] = { 0, 0x1000, 0x10000, 0x10001, 1, 0x800, 0x100000 };
	static const uint64_t mems[] = { 0, 0x100000, RP_MAX_4G, RP_MAX_4G + 1, 1ull << 32,
					 0x200000, 0xfff };
	static const uint64_t p64s[] = { 0, 0x100000, 1ull << 36, 1ull << 40, UINT64_MAX,
					 (1ull << 46) + 0x100000 };

	switch (p) {
	case RP_SLOT:
		return rp_pick(f, slots, sizeof(slots) / sizeof(slots[0]));
	case RP_IO:
		return rp_pick(f, ios, sizeof(ios) / sizeof(ios[0]));
	case RP_MEM:
	case RP_PREF32:
		return rp_pick(f, mems, sizeof(mems) / sizeof(mems[0]));
	case RP_PREF64:
		return rp_pick(f, p64s, sizeof(p64s) / sizeof(p64s[0]));
	case RP_HOTPLUG:
		return vdm_fuzz_u8(f) % 10;
	default:
		return rp_pick(f, u8s, sizeof(u8s) / sizeof(u8s[0]));
	}
}

static bool rp_in_range(enum rp_prop p, uint64_t v)
{
	switch (p) {
	case RP_SLOT:
		return v <= 8191;
	case RP_IO:
		return v <= 0x10000;
	case RP_MEM:
	case RP_PREF32:
		return v <= RP_MAX_4G;
	case RP_PREF64:
		return true;
	case RP_HOTPLUG:
		return v < 8; /* 8, 9: not booleans */
	default:
		return v <= 255;
	}
}

/* Append "name=value" with the value written in one of the ways a user may write it. */
static void rp_append(char *buf, size_t len, enum rp_prop p, uint64_t v, uint8_t style)
{
	static const char *const bools[10] = { "off", "on", "no", "yes", "false", "true",
					       "0", "1", "maybe", "" };
	static const char *const sfx = "KMGT";
	size_t pos = strlen(buf);
	char num[40];
	int s;

	if (p == RP_HOTPLUG) {
		snprintf(num, sizeof(num), "%s", bools[v]);
	} else if ((style & 1) && p >= RP_IO) {
		/* Largest exact K/M/G/T suffix, if any. */
		for (s = 3; s >= 0; s--)
			if (v && !(v & ((1ull << (10 * (s + 1))) - 1)))
				break;
		if (s >= 0)
			snprintf(num, sizeof(num), "%llu%c", (unsigned long long)(v >> (10 * (s + 1))),
				 (style & 2) ? sfx[s] : sfx[s] + 32);
		else
			snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	} else if (style & 2) {
		snprintf(num, sizeof(num), "0x%llx", (unsigned long long)v);
	} else {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	}
	snprintf(buf + pos, len - pos, "%s%s=%s", pos ? "," : "", rp_prop_names[p], num);
}

static bool rp_bool_value(uint64_t v)
{
	return v & 1; /* bools[] alternates off/on */
}

/* What root_port.c's create() must accept from hand-built props (no parser in between):
 * the schema's bounds on the full 64-bit values, and not both prefetchable reserves. */
static bool rp_hand_built_ok(const struct rp_state *s)
{
	static const uint64_t max[RP_NPROPS] = { 255, 8191, 255, UINT64_MAX, 255, 0x10000,
						 RP_MAX_4G, RP_MAX_4G, UINT64_MAX };
	int p;

	for (p = 0; p < RP_NPROPS; p++)
		if (s->given[p] && s->val[p] > max[p] && !(p == RP_IO && s->val[p] == UINT64_MAX))
			return false;
	return !(s->given[RP_PREF32] && s->given[RP_PREF64]);
}

static struct vdm_device *rp_create(struct rp_state *s, struct vdm_fuzz_in *f)
{
	struct vdm_prop_values pv;
	struct vdm_device *dev = NULL;
	uint16_t mask = vdm_fuzz_u16(f);
	bool hand_built = mask & 0x8000; /* a host building props itself: no parser */
	char text[512] = "", err[200] = "";
	bool valid = true, want;
	int p, r;

	memset(&pv, 0, sizeof(pv));
	for (p = 0; p < RP_NPROPS; p++) {
		if (!(mask & (1u << p)))
			continue;
		s->given[p] = true;
		s->val[p] = rp_pick_value(f, (enum rp_prop)p);
		valid &= rp_in_range((enum rp_prop)p, s->val[p]);
		rp_append(text, sizeof(text), (enum rp_prop)p, s->val[p], vdm_fuzz_u8(f));
		if (hand_built) {
			pv.v[pv.count].desc = &vdm_root_port_type.props_schema[p];
			pv.v[pv.count].num = s->val[p];
			snprintf(pv.v[pv.count].str, sizeof(pv.v[0].str), "%llu",
				 (unsigned long long)s->val[p]);
			pv.count++;
		}
	}
	if (hand_built) {
		want = rp_hand_built_ok(s);
		if (s->given[RP_HOTPLUG])
			s->val[RP_HOTPLUG] = s->val[RP_HOTPLUG] != 0;
	} else {
		r = vdm_props_parse_args(text, &vdm_root_port_type, NULL, 0, &pv, err, sizeof(err));
		FUZZ_CHECK((r == 0) == valid, "parser returned %d (%s) for \"%s\"", r, err, text);
		if (r) {
			FUZZ_CHECK(err[0] != '\0', "parser refused \"%s\" without a message", text);
			return NULL;
		}
		if (s->given[RP_HOTPLUG])
			s->val[RP_HOTPLUG] = rp_bool_value(s->val[RP_HOTPLUG]);
		want = !(s->given[RP_PREF32] && s->given[RP_PREF64]);
	}
	r = vdm_root_port_type.create(&pv, NULL, &dev, err, sizeof(err));
	/* (F7, fixed in d81ded7: a hand-built bus-reserve was cut to 32 bits before its check,
	 * so 0x100000005 passed as 5.) */
	FUZZ_CHECK((r == 0) == want, "create (%s props) returned %d (%s) for \"%s\"",
		   hand_built ? "hand-built" : "parsed", r, err, text);
	if (r) {
		FUZZ_CHECK(dev == NULL && err[0], "failed create left a device or no message");
		return NULL;
	}
	return dev;
}

/* ---- checks ------------------------------------------------------------------------------ */

static uint32_t rp_rd(struct rp_state *s, uint32_t off, uint32_t size)
{
	uint32_t v = 0;
	int r = vdm_cfg_read(s->dev, off, size, &v);

	FUZZ_CHECK(r == 0, "config read %#x/%u returned %d", off, size, r);
	return v;
}

static uint64_t rp_given_or_unset(const struct rp_state *s, enum rp_prop p)
{
	return s->given[p] ? s->val[p] : UINT64_MAX;
}

static void rp_check_identity(struct rp_state *s)
{
	struct vdm_pci_res_reserve rr;
	bool any = false, hotplug = !s->given[RP_HOTPLUG] || s->val[RP_HOTPLUG];
	uint32_t sltcap, lnkcap, off = 0;
	int p, r;

	/* no INTx and one BAR: the 4 KiB MSI-X table */
	FUZZ_CHECK(s->dev->res.bus_kind == VDM_BUS_PCI_BRIDGE && s->dev->res.num_irqs == 0 &&
			   s->dev->res.regions[0].kind == VDM_REGION_MEM32 &&
			   s->dev->res.regions[0].size == 4096 &&
			   s->dev->res.regions[1].kind == VDM_REGION_NONE,
		   "root port declares bus %u, %u irqs, BAR0 kind %u size %llu",
		   s->dev->res.bus_kind, s->dev->res.num_irqs, s->dev->res.regions[0].kind,
		   (unsigned long long)s->dev->res.regions[0].size);
	/* pref64-reserve=18446744073709551615 is accepted but is the capability's "not set"
	 * pattern (QEMU's default too), so it does not count as a reserve; the same for a
	 * hand-built io-reserve of all-ones. */
	for (p = RP_BUS; p < RP_NPROPS; p++)
		any |= s->given[p] && !((p == RP_PREF64 || p == RP_IO) && s->val[p] == UINT64_MAX);
	r = vdm_pci_res_reserve_read(s->dev, &rr);
	FUZZ_CHECK(r == (any ? 0 : -ENOENT), "reserve capability read %d, reserves given: %d", r,
		   any);
	FUZZ_CHECK(rr.bus == rp_given_or_unset(s, RP_BUS) && rr.io == rp_given_or_unset(s, RP_IO) &&
			   rr.mem == rp_given_or_unset(s, RP_MEM) &&
			   rr.pref32 == rp_given_or_unset(s, RP_PREF32) &&
			   rr.pref64 == rp_given_or_unset(s, RP_PREF64),
		   "reserve capability %#llx %#llx %#llx %#llx %#llx differs from the properties",
		   (unsigned long long)rr.bus, (unsigned long long)rr.io,
		   (unsigned long long)rr.mem, (unsigned long long)rr.pref32,
		   (unsigned long long)rr.pref64);

	r = vdm_pci_find_cap(s->dev, VDM_PCI_CAP_ID_EXP, &off);
	FUZZ_CHECK(r == 0 && off == s->exp && off == vdm_root_port_pcie_cap(s->dev),
		   "PCIe capability at %#x (%d), expected %#x", off, r, s->exp);
	sltcap = rp_rd(s, s->exp + VDM_PCI_EXP_SLTCAP, 4);
	lnkcap = rp_rd(s, s->exp + VDM_PCI_EXP_LNKCAP, 4);
	FUZZ_CHECK(sltcap >> VDM_PCI_EXP_SLTCAP_PSN_SHIFT == (s->given[RP_SLOT] ? s->val[RP_SLOT] : 0),
		   "SLTCAP %#x: wrong physical slot number", sltcap);
	FUZZ_CHECK(!!(sltcap & VDM_PCI_EXP_SLTCAP_HPC) == hotplug &&
			   !!(sltcap & VDM_PCI_EXP_SLTCAP_HPS) == hotplug,
		   "SLTCAP %#x: hotplug bits do not follow hotplug=%d", sltcap, hotplug);
	FUZZ_CHECK(lnkcap >> VDM_PCI_EXP_LNKCAP_PN_SHIFT == (s->given[RP_PORT] ? s->val[RP_PORT] : 0),
		   "LNKCAP %#x: wrong port number", lnkcap);
}

/* Slot Control bits a guest may set (QEMU's pcie_cap_slot_init: the indicator controls and
 * interrupt enables always, the power controller only when Slot Capabilities has one). */
static uint32_t rp_sltctl_allowed(uint32_t sltcap)
{
	uint32_t allowed = VDM_PCI_EXP_SLTCTL_HPIE | VDM_PCI_EXP_SLTCTL_CCIE |
			   VDM_PCI_EXP_SLTCTL_PDCE | VDM_PCI_EXP_SLTCTL_ABPE |
			   VDM_PCI_EXP_SLTCTL_PIC | VDM_PCI_EXP_SLTCTL_AIC;

	return allowed | ((sltcap & VDM_PCI_EXP_SLTCAP_PCP) ? VDM_PCI_EXP_SLTCTL_PCC : 0);
}

static void rp_check_state(struct rp_state *s)
{
	const struct vdm_fuzz_pci *p = &s->pci;
	uint32_t sltsta = vdm_fuzz_pci_peek(p, s->exp + VDM_PCI_EXP_SLTSTA, 2);
	uint32_t lnksta = vdm_fuzz_pci_peek(p, s->exp + VDM_PCI_EXP_LNKSTA, 2);
	uint32_t sltctl = vdm_fuzz_pci_peek(p, s->exp + VDM_PCI_EXP_SLTCTL, 2);
	uint32_t sltcap = vdm_fuzz_pci_peek(p, s->exp + VDM_PCI_EXP_SLTCAP, 4);
	uint32_t cmd = vdm_fuzz_pci_peek(p, VDM_PCI_COMMAND, 2);
	uint32_t win = vdm_fuzz_pci_peek(p, VDM_PCI_IO_BASE, 2);
	uint32_t pref = vdm_fuzz_pci_peek(p, VDM_PCI_PREF_MEMORY_BASE, 4);
	uint32_t mem = vdm_fuzz_pci_peek(p, VDM_PCI_MEMORY_BASE, 4);

	vdm_fuzz_pci_check_ro(&s->pci);
	FUZZ_CHECK(!!(sltsta & VDM_PCI_EXP_SLTSTA_PDS) == s->present,
		   "SLTSTA %#x: presence detect is not the host's %d", sltsta, s->present);
	FUZZ_CHECK(!!(lnksta & VDM_PCI_EXP_LNKSTA_DLLLA) == s->present,
		   "LNKSTA %#x: link active is not the host's presence %d", lnksta, s->present);
	FUZZ_CHECK(!(sltctl & ~rp_sltctl_allowed(sltcap)),
		   "SLTCTL %#x holds a bit outside the writable set for SLTCAP %#x", sltctl, sltcap);
	FUZZ_CHECK((vdm_fuzz_pci_peek(p, VDM_PCI_BAR0, 4) & 0xfff) == 0,
		   "BAR0 %#x: a 4 KiB 32-bit memory BAR has only address bits above bit 11",
		   vdm_fuzz_pci_peek(p, VDM_PCI_BAR0, 4));
	FUZZ_CHECK((win & 0x0f0f) == 0, "I/O base/limit %#x lost the 16-bit type", win);
	FUZZ_CHECK((mem & 0x000f000f) == 0, "memory base/limit %#x has low bits", mem);
	FUZZ_CHECK((pref & 0x000f000f) == 0x00010001, "pref base/limit %#x lost the 64-bit type",
		   pref);
	FUZZ_CHECK(vdm_fuzz_pci_peek(p, VDM_PCI_SEC_LATENCY_TIMER, 1) == 0,
		   "secondary latency timer set");
	if (s->given[RP_IO] && s->val[RP_IO] == 0)
		FUZZ_CHECK(!(cmd & VDM_PCI_COMMAND_IO) && win == 0x00f0,
			   "io-reserve=0 but command %#x, I/O base/limit %#x", cmd, win);
}

static void rp_record_ro(struct rp_state *s)
{
	struct vdm_fuzz_pci *p = &s->pci;
	uint32_t off = 0, i;
	int r;

	s->exp = vdm_root_port_pcie_cap(s->dev);
	FUZZ_CHECK(s->exp >= 0x40 && s->exp < 0x100, "PCIe capability at %#x", s->exp);
	r = vdm_pci_find_cap(s->dev, VDM_PCI_CAP_ID_MSIX, &off);
	FUZZ_CHECK(r == 0, "no MSI-X capability");
	s->msix = off;
	off = 0;
	r = vdm_pci_find_cap(s->dev, VDM_PCI_CAP_ID_SSVID, &off);
	FUZZ_CHECK(r == 0, "no SSVID capability");
	s->ssvid = off;
	off = 0;
	s->vndr = vdm_pci_find_cap(s->dev, VDM_PCI_CAP_ID_VNDR, &off) == 0 ? off : 0;
	off = 0;
	FUZZ_CHECK(vdm_pci_find_ext_cap(s->dev, VDM_PCI_EXT_CAP_ID_ERR, &off) == 0, "no AER");
	s->aer = off;
	off = 0;
	FUZZ_CHECK(vdm_pci_find_ext_cap(s->dev, VDM_PCI_EXT_CAP_ID_ACS, &off) == 0, "no ACS");
	s->acs = off;

	vdm_fuzz_pci_add_ro(p, s->exp, 4, "PCIe capability header and flags");
	vdm_fuzz_pci_add_ro(p, s->exp + VDM_PCI_EXP_DEVCAP, 4, "DEVCAP");
	vdm_fuzz_pci_add_ro(p, s->exp + VDM_PCI_EXP_LNKCAP, 4, "LNKCAP");
	vdm_fuzz_pci_add_ro(p, s->exp + VDM_PCI_EXP_SLTCAP, 4, "SLTCAP");
	vdm_fuzz_pci_add_ro(p, s->exp + VDM_PCI_EXP_RTCAP, 2, "RTCAP");
	vdm_fuzz_pci_add_ro(p, s->exp + VDM_PCI_EXP_DEVCAP2, 4, "DEVCAP2");
	vdm_fuzz_pci_add_ro(p, s->exp + VDM_PCI_EXP_LNKCAP2, 4, "LNKCAP2");
	vdm_fuzz_pci_add_ro(p, s->exp + VDM_PCI_EXP_LNKCTL2, 2, "LNKCTL2");
	vdm_fuzz_pci_add_ro(p, s->exp + VDM_PCI_EXP_SLTCAP2, 4, "SLTCAP2");
	vdm_fuzz_pci_add_ro(p, s->msix, 2, "MSI-X capability header");
	vdm_fuzz_pci_add_ro(p, s->msix + VDM_PCI_MSIX_TABLE, 4, "MSI-X table location");
	vdm_fuzz_pci_add_ro(p, s->msix + VDM_PCI_MSIX_PBA, 4, "MSI-X pending-bit array location");
	vdm_fuzz_pci_add_ro(p, s->ssvid, 4, "SSVID capability header");
	vdm_fuzz_pci_add_ro(p, s->ssvid + 4, 4, "SSVID ids");
	for (i = 0; s->vndr && i < VDM_PCI_RH_CAP_SIZEOF; i += 4)
		vdm_fuzz_pci_add_ro(p, s->vndr + i, 4, "Red Hat reserve capability");
	vdm_fuzz_pci_add_ro(p, s->aer, 4, "AER extended capability header");
	vdm_fuzz_pci_add_ro(p, s->aer + VDM_PCI_ERR_UNCOR_MASK, 4,
			    "AER uncorrectable mask (RO in 7.2)");
	vdm_fuzz_pci_add_ro(p, s->aer + VDM_PCI_ERR_HEADER_LOG, 4, "AER header log");
	vdm_fuzz_pci_add_ro(p, s->acs, 4, "ACS extended capability header");
	vdm_fuzz_pci_add_ro(p, s->acs + VDM_PCI_ACS_CAP, 2, "ACS capability register");
	vdm_fuzz_pci_add_ro(p, VDM_PCI_BAR0 + 4, 4, "bridge BAR1 (none)");
	if (s->given[RP_IO] && s->val[RP_IO] == 0) {
		vdm_fuzz_pci_add_ro(p, VDM_PCI_IO_BASE, 2, "I/O window with io-reserve=0");
		vdm_fuzz_pci_add_ro(p, VDM_PCI_IO_BASE_UPPER16, 4, "I/O upper with io-reserve=0");
	}
}

static void rp_check_caps(struct rp_state *s)
{
	uint32_t off = 0;

	FUZZ_CHECK(vdm_pci_find_cap(s->dev, VDM_PCI_CAP_ID_MSIX, &off) == 0 && off == s->msix,
		   "MSI-X capability moved to %#x", off);
	off = 0;
	FUZZ_CHECK(vdm_pci_find_cap(s->dev, VDM_PCI_CAP_ID_SSVID, &off) == 0 && off == s->ssvid,
		   "SSVID capability moved to %#x", off);
	off = 0;
	FUZZ_CHECK(vdm_pci_find_ext_cap(s->dev, VDM_PCI_EXT_CAP_ID_ACS, &off) == 0 &&
			   off == s->acs,
		   "ACS capability moved to %#x", off);
	off = 0;
	FUZZ_CHECK(vdm_pci_find_ext_cap(s->dev, VDM_PCI_EXT_CAP_ID_ERR, &off) == 0 &&
			   off == VDM_PCI_EXT_CAP_START,
		   "AER capability moved to %#x", off);
}

/* ---- host-side ops ----------------------------------------------------------------------- */

static void rp_presence(struct rp_state *s, bool present, bool event)
{
	bool was = s->present;
	uint32_t before = rp_rd(s, s->exp + VDM_PCI_EXP_SLTSTA, 2), sta;
	int r = vdm_root_port_set_presence(s->dev, present, event);

	FUZZ_CHECK(r == 0, "set_presence returned %d", r);
	s->present = present;
	sta = rp_rd(s, s->exp + VDM_PCI_EXP_SLTSTA, 2);
	if (event && was != present)
		FUZZ_CHECK((sta & (VDM_PCI_EXP_SLTSTA_PDC | VDM_PCI_EXP_SLTSTA_DLLSC)) ==
				   (VDM_PCI_EXP_SLTSTA_PDC | VDM_PCI_EXP_SLTSTA_DLLSC),
			   "presence %d -> %d with event: SLTSTA %#x lacks PDC/DLLSC", was, present,
			   sta);
	else
		FUZZ_CHECK((sta & VDM_PCI_EXP_SLTSTA_EVENTS) == (before & VDM_PCI_EXP_SLTSTA_EVENTS),
			   "presence %d -> %d (event %d) changed SLTSTA events %#x -> %#x", was,
			   present, event, before, sta);
}

static uint64_t rp_pick_aligned(struct vdm_fuzz_in *f, uint64_t gran)
{
	uint8_t b = vdm_fuzz_u8(f);
	uint64_t v = vdm_fuzz_u64(f);

	switch (b & 3) {
	case 0:
		return v; /* anything */
	case 1:
		return v & ~(gran - 1);
	case 2:
		return (v & 0xffffffffu) & ~(gran - 1);
	default:
		return (v & 0xffff) & ~(gran - 1);
	}
}

static void rp_window(struct rp_state *s, struct vdm_fuzz_in *f)
{
	uint32_t kind = vdm_fuzz_u8(f) % 4;
	uint64_t gran = kind == VDM_PCI_WINDOW_IO ? 0x1000 : 0x100000;
	uint64_t max = kind == VDM_PCI_WINDOW_IO ? 0xffff
		       : kind == VDM_PCI_WINDOW_MEM ? 0xffffffffu : UINT64_MAX;
	uint64_t base = rp_pick_aligned(f, gran);
	uint64_t size = (vdm_fuzz_u8(f) & 1) ? 0 : rp_pick_aligned(f, gran);
	bool io_off = s->given[RP_IO] && s->val[RP_IO] == 0;
	struct vdm_pci_bridge b;
	const struct vdm_pci_window *w;
	int want, r;

	if (kind > VDM_PCI_WINDOW_PREF)
		want = -EINVAL;
	else if (size == 0)
		want = 0;
	else if ((base | size) & (gran - 1) || base > max || size - 1 > max - base)
		want = -EINVAL;
	else
		want = (kind == VDM_PCI_WINDOW_IO && io_off) ? -EIO : 0;
	r = vdm_pci_bridge_set_window(s->dev, (enum vdm_pci_window_kind)kind, base, size);
	FUZZ_CHECK(r == want, "set_window(kind %u, base %#llx, size %#llx) returned %d, want %d",
		   kind, (unsigned long long)base, (unsigned long long)size, r, want);
	if (r)
		return;
	r = vdm_pci_bridge_read(s->dev, &b);
	FUZZ_CHECK(r == 0 && !b.io32 && b.pref64, "bridge decode %d io32 %d pref64 %d", r, b.io32,
		   b.pref64);
	w = kind == VDM_PCI_WINDOW_IO ? &b.io : kind == VDM_PCI_WINDOW_MEM ? &b.mem : &b.pref;
	if (size == 0)
		FUZZ_CHECK(!w->open, "window %u still open after closing", kind);
	else
		FUZZ_CHECK(w->open && w->base == base && w->limit == base + size - 1,
			   "window %u reads [%#llx, %#llx], programmed [%#llx, +%#llx)", kind,
			   (unsigned long long)w->base, (unsigned long long)w->limit,
			   (unsigned long long)base, (unsigned long long)size);
}

static void rp_buses(struct rp_state *s, struct vdm_fuzz_in *f)
{
	uint8_t p = vdm_fuzz_u8(f), sec = vdm_fuzz_u8(f), sub = vdm_fuzz_u8(f);
	struct vdm_pci_bridge b;
	int r = vdm_pci_bridge_set_buses(s->dev, p, sec, sub);

	FUZZ_CHECK(r == 0, "set_buses(%u, %u, %u) returned %d", p, sec, sub, r);
	r = vdm_pci_bridge_read(s->dev, &b);
	FUZZ_CHECK(r == 0 && b.primary == p && b.secondary == sec && b.subordinate == sub,
		   "bus numbers read back %u %u %u", b.primary, b.secondary, b.subordinate);
}

static void rp_reset(struct rp_state *s)
{
	uint8_t expect[VDM_PCI_CFG_EXP_SIZE];
	uint32_t lnk = s->exp + VDM_PCI_EXP_LNKSTA + 1, slt = s->exp + VDM_PCI_EXP_SLTSTA;
	uint16_t ctl;

	vdm_device_reset(s->dev);
	memcpy(expect, s->pci.power_on, sizeof(expect));
	/* Presence survives reset (physical state): DLLLA is LNKSTA bit 13, PDS SLTSTA bit 6. */
	expect[lnk] &= (uint8_t)~(VDM_PCI_EXP_LNKSTA_DLLLA >> 8);
	expect[slt] &= (uint8_t)~VDM_PCI_EXP_SLTSTA_PDS;
	if (s->present) {
		expect[lnk] |= (uint8_t)(VDM_PCI_EXP_LNKSTA_DLLLA >> 8);
		expect[slt] |= (uint8_t)VDM_PCI_EXP_SLTSTA_PDS;
	}
	/* ... and sets slot power and its indicator: on when occupied, off when empty. */
	ctl = (uint16_t)(expect[s->exp + VDM_PCI_EXP_SLTCTL] |
			 expect[s->exp + VDM_PCI_EXP_SLTCTL + 1] << 8);
	ctl &= (uint16_t)~(VDM_PCI_EXP_SLTCTL_PIC | VDM_PCI_EXP_SLTCTL_PCC);
	ctl |= s->present ? VDM_PCI_EXP_SLTCTL_PIC_ON
			  : VDM_PCI_EXP_SLTCTL_PIC_OFF | VDM_PCI_EXP_SLTCTL_PCC;
	expect[s->exp + VDM_PCI_EXP_SLTCTL] = (uint8_t)ctl;
	expect[s->exp + VDM_PCI_EXP_SLTCTL + 1] = (uint8_t)(ctl >> 8);
	vdm_fuzz_pci_check_space(&s->pci, expect, VDM_FUZZ_INV_RESET, "after reset");
}

/* A host-control call straight to the port: SET_PRESENCE with any small args, PCIE_CAP,
 * numbers 0 and 3 of the family (unknown), or any op. */
static void rp_control(struct rp_state *s, struct vdm_fuzz_in *f)
{
	uint8_t b = vdm_fuzz_u8(f);
	uint32_t op = b < 0xc0 ? VDM_CONTROL_OP(VDM_ROOT_PORT_CTL_FAMILY, b % 4) : vdm_fuzz_u32(f);
	uint32_t a0 = vdm_fuzz_u8(f) % 3, a1 = vdm_fuzz_u8(f) % 3;
	uint64_t res = 0;
	uint32_t before = vdm_fuzz_pci_peek(&s->pci, s->exp + VDM_PCI_EXP_SLTSTA, 2);
	int r = vdm_device_control(s->dev, op, a0, a1, &res);

	if (op == VDM_ROOT_PORT_CTL_SET_PRESENCE) {
		FUZZ_CHECK(r == (a0 > 1 || a1 > 1 ? -EINVAL : 0) && res == 0,
			   "SET_PRESENCE(%u, %u) returned %d", a0, a1, r);
		if (r)
			FUZZ_CHECK(vdm_fuzz_pci_peek(&s->pci, s->exp + VDM_PCI_EXP_SLTSTA, 2) ==
					   before,
				   "refused SET_PRESENCE changed SLTSTA");
		else
			s->present = a0;
	} else if (op == VDM_ROOT_PORT_CTL_PCIE_CAP) {
		FUZZ_CHECK(r == 0 && res == s->exp, "PCIE_CAP returned %d, %#llx", r,
			   (unsigned long long)res);
	} else {
		FUZZ_CHECK(r == -EOPNOTSUPP && res == 0, "unknown control %#x returned %d", op, r);
	}
}

static void rp_op(struct rp_state *s, struct vdm_fuzz_in *f)
{
	uint8_t raw = vdm_fuzz_u8(f), op = raw % 11, b;

	if (raw >= 0xf5) {
		rp_control(s, f);
		return;
	}
	if (raw >= 0xf0) { /* BAR0 is the MSI-X table; every other region access is refused */
		uint64_t v = 0x5a5a;
		uint64_t off = (vdm_fuzz_u8(f) & 1) ? vdm_fuzz_u64(f) : vdm_fuzz_u16(f) % 4200;
		uint32_t region = vdm_fuzz_u8(f) % 3, size = vdm_fuzz_access_size(f);
		int r = (raw & 1) ? vdm_bar_write(s->dev, region, off, size, vdm_fuzz_u64(f))
				  : vdm_bar_read(s->dev, region, off, size, &v);
		bool ok = region == 0 && off < 4096 && size <= 4096 - off &&
			  (size == 1 || size == 2 || size == 4 || size == 8);

		FUZZ_CHECK(ok ? r == 0 : (r == -EINVAL && ((raw & 1) || v == UINT64_MAX)),
			   "BAR%u access at %#llx size %u returned %d, %#llx", region,
			   (unsigned long long)off, size, r, (unsigned long long)v);
		FUZZ_CHECK(!ok || (raw & 1) || off < 16 || v == 0,
			   "BAR0 %#llx outside the table read %#llx", (unsigned long long)off,
			   (unsigned long long)v);
		return;
	}
	if (vdm_fuzz_pci_op(&s->pci, op, f))
		return;
	switch (op) {
	case 5:
		b = vdm_fuzz_u8(f);
		rp_presence(s, b & 1, b & 2);
		break;
	case 6:
		rp_window(s, f);
		break;
	case 7:
		rp_buses(s, f);
		break;
	case 8:
		rp_reset(s);
		break;
	case 9:
		rp_check_caps(s);
		break;
	default: /* 10: a write aimed at the PCIe capability's control/status registers */
		b = vdm_fuzz_u8(f);
		vdm_fuzz_pci_cfg_write(&s->pci, s->exp + (b & 0x3c) + (b & 0x40 ? 2 : 0),
				       (b & 0x80) ? 2 : 4, vdm_fuzz_u32(f));
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rp_state *s = calloc(1, sizeof(*s));
	struct vdm_fuzz_in f;
	int n;

	if (!s)
		return 0;
	vdm_fuzz_in_init(&f, data, size);
	s->dev = rp_create(s, &f);
	if (!s->dev) {
		free(s);
		return 0;
	}
	fuzz_pci_init(&s->pci, s->dev, VDM_PCI_CFG_EXP_SIZE);
	rp_record_ro(s);
	rp_check_identity(s);
	for (n = 0; n < RP_MAX_OPS && vdm_fuzz_more(&f); n++) {
		rp_op(s, &f);
		rp_check_state(s);
	}
	rp_check_caps(s);
	rp_check_identity(s);
	vdm_fuzz_pci_check_bars(&s->pci);
	{
		/* The host API refuses a device that is not a root port. */
		struct vdm_device other = *s->dev;

		other.type = NULL;
		FUZZ_CHECK(vdm_root_port_set_presence(&other, true, true) == -EINVAL &&
				   vdm_root_port_pcie_cap(&other) == 0 &&
				   vdm_root_port_set_presence(NULL, false, false) == -EINVAL,
			   "root-port API accepted a device that is not a root port");
	}
	vdm_device_destroy(s->dev);
	free(s);
	return 0;
}
