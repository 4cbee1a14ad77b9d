/* Guest payload runtime: PCI config space through ECAM and CF8/CFC, the bus scan, BAR
 * sizing (as Linux's __pci_read_base) and type-1 window decoding (PCI-to-PCI bridge spec). */
#include "pci.h"

#include "io.h"
#include "rt.h"

static uint64_t ecam_base;
static uint8_t ecam_bus_start, ecam_bus_end;

void pci_ecam_init(uint64_t base, uint8_t bus_start, uint8_t bus_end)
{
	ecam_base = base;
	ecam_bus_start = bus_start;
	ecam_bus_end = bus_end;
}

/* The MCFG base address is that of bus 0 even when bus_start > 0 (PCI Firmware 3.x 4.1.2). */
static uint64_t ecam_addr(uint16_t bdf, uint16_t off)
{
	return ecam_base + ((uint64_t)bdf << 12) + (off & 0xfff);
}

static int ecam_ok(uint16_t bdf)
{
	return ecam_base && PCI_BUS(bdf) >= ecam_bus_start && PCI_BUS(bdf) <= ecam_bus_end;
}

uint8_t pci_cfg_read8(uint16_t bdf, uint16_t off)
{
	return ecam_ok(bdf) ? mmio_read8(ecam_addr(bdf, off)) : 0xff;
}

uint16_t pci_cfg_read16(uint16_t bdf, uint16_t off)
{
	return ecam_ok(bdf) ? mmio_read16(ecam_addr(bdf, off & ~1u)) : 0xffff;
}

uint32_t pci_cfg_read32(uint16_t bdf, uint16_t off)
{
	return ecam_ok(bdf) ? mmio_read32(ecam_addr(bdf, off & ~3u)) : 0xffffffff;
}

void pci_cfg_write8(uint16_t bdf, uint16_t off, uint8_t v)
{
	if (ecam_ok(bdf))
		mmio_write8(ecam_addr(bdf, off), v);
}

void pci_cfg_write16(uint16_t bdf, uint16_t off, uint16_t v)
{
	if (ecam_ok(bdf))
		mmio_write16(ecam_addr(bdf, off & ~1u), v);
}

void pci_cfg_write32(uint16_t bdf, uint16_t off, uint32_t v)
{
	if (ecam_ok(bdf))
		mmio_write32(ecam_addr(bdf, off & ~3u), v);
}

uint32_t pci_cf8_read32(uint16_t bdf, uint8_t off)
{
	outl(0xcf8, 0x80000000u | (uint32_t)bdf << 8 | (off & 0xfc));
	return inl(0xcfc);
}

/* Appends the functions of one bus; with `follow`, then the buses behind its bridges. */
static void scan_bus(unsigned bus, uint16_t *out, unsigned max, unsigned *n, int follow,
		     uint8_t *seen, unsigned depth)
{
	seen[bus / 8] |= (uint8_t)(1u << (bus % 8));
	for (unsigned dev = 0; dev < 32; dev++) {
		uint16_t bdf0 = PCI_BDF(bus, dev, 0);
		unsigned nfn;

		if (pci_cfg_read16(bdf0, PCI_VENDOR_ID) == 0xffff)
			continue;
		nfn = (pci_cfg_read8(bdf0, PCI_HEADER_TYPE) & 0x80) ? 8 : 1;
		for (unsigned fn = 0; fn < nfn; fn++) {
			uint16_t bdf = PCI_BDF(bus, dev, fn);
			unsigned sec;

			if (fn && pci_cfg_read16(bdf, PCI_VENDOR_ID) == 0xffff)
				continue;
			if (*n < max)
				out[(*n)++] = bdf;
			if (!follow || (pci_cfg_read8(bdf, PCI_HEADER_TYPE) & 0x7f) != 1)
				continue;
			sec = pci_cfg_read8(bdf, PCI_PRIMARY_BUS + 1);
			if (sec > bus && sec <= ecam_bus_end && !(seen[sec / 8] & (1u << (sec % 8))) &&
			    depth < 16)
				scan_bus(sec, out, max, n, follow, seen, depth + 1);
		}
	}
}

unsigned pci_scan(uint16_t *out, unsigned max)
{
	uint8_t seen[32] = { 0 };
	unsigned n = 0;

	for (unsigned bus = ecam_bus_start; bus <= ecam_bus_end; bus++)
		scan_bus(bus, out, max, &n, 0, seen, 0);
	return n;
}

unsigned pci_scan_tree(uint16_t *out, unsigned max)
{
	uint8_t seen[32] = { 0 };
	unsigned n = 0;

	if (ecam_base)
		scan_bus(ecam_bus_start, out, max, &n, 1, seen, 0);
	return n;
}

const char *pci_bar_kind_name(const struct pci_bar *b)
{
	switch (b->kind) {
	case BAR_IO:
		return "io";
	case BAR_MEM32:
		return b->pref ? "mem32pref" : "mem32";
	case BAR_MEM64:
		return b->pref ? "mem64pref" : "mem64";
	default:
		return "none";
	}
}

/* Write all-ones to one BAR dword, return what sticks, put the original back. */
static uint32_t probe_dword(uint16_t bdf, uint16_t off, uint32_t orig)
{
	uint32_t mask;

	pci_cfg_write32(bdf, off, 0xffffffff);
	mask = pci_cfg_read32(bdf, off);
	pci_cfg_write32(bdf, off, orig);
	rt_expect(pci_cfg_read32(bdf, off) == orig, "bar-restored",
		  "bdf=" PCI_BDF_FMT " off=0x%x want=0x%x", PCI_BDF_ARGS(bdf), off, orig);
	return mask;
}

void pci_size_bars(uint16_t bdf, unsigned n, struct pci_bar *bars)
{
	uint16_t cmd = pci_cfg_read16(bdf, PCI_COMMAND);

	memset(bars, 0, n * sizeof(*bars));
	/* Linux turns decoding off while a BAR holds all-ones so the probe value can never
	 * claim someone else's addresses (drivers/pci/probe.c __pci_read_base). */
	if (cmd & (PCI_CMD_IO | PCI_CMD_MEM))
		pci_cfg_write16(bdf, PCI_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM));

	for (unsigned i = 0; i < n; i++) {
		uint16_t off = (uint16_t)(PCI_BAR0 + 4 * i);
		uint32_t lo = pci_cfg_read32(bdf, off);
		uint32_t mlo = probe_dword(bdf, off, lo);
		struct pci_bar *b = &bars[i];

		if (lo & 1) { /* I/O: bits 31:2 address (16-bit decoders read 0 above bit 15) */
			uint32_t mask = mlo & ~3u;

			if (!mask)
				continue;
			b->kind = BAR_IO;
			b->addr = lo & ~3u;
			b->size = mask & -mask;
			continue;
		}
		uint64_t mask = mlo & ~0xfu;
		unsigned type = (lo >> 1) & 3;

		b->pref = (lo >> 3) & 1;
		if (type == 2) { /* 64-bit: the next BAR is the upper dword */
			if (!rt_expect(i + 1 < n, "bar64-not-last", "bdf=" PCI_BDF_FMT " idx=%u",
				       PCI_BDF_ARGS(bdf), i))
				break;
			uint16_t offh = (uint16_t)(off + 4);
			uint32_t hi = pci_cfg_read32(bdf, offh);

			mask |= (uint64_t)probe_dword(bdf, offh, hi) << 32;
			b->addr = (uint64_t)hi << 32 | (lo & ~0xfu);
			if (mask) {
				b->kind = BAR_MEM64;
				b->size = mask & -mask;
			}
			i++; /* bars[i] stays BAR_NONE: the upper half */
			continue;
		}
		rt_expect(type != 3, "bar-type", "bdf=" PCI_BDF_FMT " idx=%u type=%u reserved",
			  PCI_BDF_ARGS(bdf), i, type);
		if (!mask)
			continue;
		b->kind = BAR_MEM32;
		b->addr = lo & ~0xfu;
		b->size = mask & -mask;
	}

	if (cmd & (PCI_CMD_IO | PCI_CMD_MEM))
		pci_cfg_write16(bdf, PCI_COMMAND, cmd);
}

void pci_read_bridge(uint16_t bdf, struct pci_bridge *br)
{
	uint32_t buses = pci_cfg_read32(bdf, PCI_PRIMARY_BUS);
	uint8_t iob = pci_cfg_read8(bdf, PCI_IO_BASE), iol = pci_cfg_read8(bdf, PCI_IO_BASE + 1);
	uint16_t memb = pci_cfg_read16(bdf, PCI_MEM_BASE);
	uint16_t meml = pci_cfg_read16(bdf, PCI_MEM_BASE + 2);
	uint16_t pfb = pci_cfg_read16(bdf, PCI_PREF_BASE);
	uint16_t pfl = pci_cfg_read16(bdf, PCI_PREF_BASE + 2);

	memset(br, 0, sizeof(*br));
	br->primary = (uint8_t)buses;
	br->secondary = (uint8_t)(buses >> 8);
	br->subordinate = (uint8_t)(buses >> 16);

	/* I/O: 4 KiB granules, bits 15:12 in the high nibble; type 1 = 32-bit (upper 16 bits
	 * in 0x30/0x32). */
	br->io.base = (uint64_t)(iob & 0xf0) << 8;
	br->io.limit = (uint64_t)(iol & 0xf0) << 8 | 0xfff;
	if ((iob & 0xf) == 1) {
		br->io32 = 1;
		br->io.base |= (uint64_t)pci_cfg_read16(bdf, PCI_IO_BASE_UPPER) << 16;
		br->io.limit |= (uint64_t)pci_cfg_read16(bdf, PCI_IO_BASE_UPPER + 2) << 16;
	}
	br->io.open = br->io.base <= br->io.limit;

	/* Memory: 1 MiB granules, bits 31:20 in bits 15:4. */
	br->mem.base = (uint64_t)(memb & 0xfff0) << 16;
	br->mem.limit = (uint64_t)(meml & 0xfff0) << 16 | 0xfffff;
	br->mem.open = br->mem.base <= br->mem.limit;

	/* Prefetchable: same, plus upper 32 bits when the type nibble says 64-bit. */
	br->pref.base = (uint64_t)(pfb & 0xfff0) << 16;
	br->pref.limit = (uint64_t)(pfl & 0xfff0) << 16 | 0xfffff;
	if ((pfb & 0xf) == 1) {
		br->pref64 = 1;
		br->pref.base |= (uint64_t)pci_cfg_read32(bdf, PCI_PREF_BASE_UPPER) << 32;
		br->pref.limit |= (uint64_t)pci_cfg_read32(bdf, PCI_PREF_LIMIT_UPPER) << 32;
	}
	br->pref.open = br->pref.base <= br->pref.limit;
}
