/* Payload pci_walk: validates the ACPI tables, enumerates every bus of the MCFG range through
 * ECAM (cross-checked with CF8/CFC), sizes every BAR, decodes bridge windows, checks placement. */
#include "lib/acpi.h"
#include "lib/io.h"
#include "lib/pci.h"
#include "lib/rt.h"

#define MAX_FUNCS 256

struct func {
	uint16_t bdf;
	uint16_t vendor, device;
	uint32_t class_code; /* base << 16 | sub << 8 | prog-if */
	uint8_t hdr;         /* header type without the multi-function bit */
	uint16_t cmd;
	unsigned nbars;
	struct pci_bar bars[6];
	struct pci_bridge br; /* hdr == 1 only */
	int parent;           /* index of the bridge whose secondary bus we sit on; -1 = root */
};

static struct acpi_info acpi;
static struct func funcs[MAX_FUNCS];
static uint16_t bdfs[MAX_FUNCS];
static unsigned nfuncs;
static uint8_t root_bus;

static void print_window(const char *name, const struct pci_window *w)
{
	if (w->open)
		rt_printf(" %s=0x%lx-0x%lx", name, w->base, w->limit);
	else
		rt_printf(" %s=closed", name);
}

static void cross_check_cf8(void)
{
	static const uint8_t offs[] = { 0x00, 0x08, 0x0c, 0x2c };
	unsigned bad = 0, compared = 0;
	uint16_t absent = 0xffff;

	for (unsigned i = 0; i < nfuncs; i++) {
		for (unsigned k = 0; k < ARRAY_SIZE(offs); k++) {
			uint32_t e = pci_cfg_read32(funcs[i].bdf, offs[k]);
			uint32_t c = pci_cf8_read32(funcs[i].bdf, offs[k]);

			compared++;
			if (e != c) {
				bad++;
				rt_printf("PAYLOAD: cf8-mismatch " PCI_BDF_FMT
					  " off=0x%x ecam=0x%x cf8=0x%x\n",
					  PCI_BDF_ARGS(funcs[i].bdf), offs[k], e, c);
			}
		}
	}
	/* An empty slot must read all-ones both ways. */
	for (int dev = 31; dev >= 0 && absent == 0xffff; dev--)
		if (pci_cfg_read16(PCI_BDF(root_bus, dev, 0), PCI_VENDOR_ID) == 0xffff)
			absent = PCI_BDF(root_bus, dev, 0);
	if (absent != 0xffff) {
		uint32_t c = pci_cf8_read32(absent, 0);

		compared++;
		if (c != 0xffffffff) {
			bad++;
			rt_printf("PAYLOAD: cf8-mismatch " PCI_BDF_FMT " absent cf8=0x%x\n",
				  PCI_BDF_ARGS(absent), c);
		}
	}
	rt_check(bad == 0, "cf8-matches-ecam", "reads=%u mismatches=%u", compared, bad);
}

static void read_function(struct func *f)
{
	uint32_t id = pci_cfg_read32(f->bdf, PCI_VENDOR_ID);

	f->vendor = (uint16_t)id;
	f->device = (uint16_t)(id >> 16);
	f->class_code = pci_cfg_read32(f->bdf, PCI_CLASS_REV) >> 8;
	f->hdr = pci_cfg_read8(f->bdf, PCI_HEADER_TYPE) & 0x7f;
	f->cmd = pci_cfg_read16(f->bdf, PCI_COMMAND);
	f->parent = -1;
	rt_printf("PAYLOAD: dev " PCI_BDF_FMT " vendor=0x%04x device=0x%04x class=0x%06x "
		  "hdr=0x%02x cmd=0x%04x\n",
		  PCI_BDF_ARGS(f->bdf), f->vendor, f->device, f->class_code, f->hdr, f->cmd);
	if (f->hdr > 1) {
		rt_check(0, "header-type", PCI_BDF_FMT " hdr=0x%x not handled",
			 PCI_BDF_ARGS(f->bdf), f->hdr);
		return;
	}
	f->nbars = f->hdr == 0 ? 6 : 2;
	pci_size_bars(f->bdf, f->nbars, f->bars);
	for (unsigned i = 0; i < f->nbars; i++) {
		const struct pci_bar *b = &f->bars[i];

		if (b->kind == BAR_NONE)
			continue;
		rt_printf("PAYLOAD: bar " PCI_BDF_FMT " idx=%u kind=%s addr=0x%lx size=0x%lx\n",
			  PCI_BDF_ARGS(f->bdf), i, pci_bar_kind_name(b), b->addr, b->size);
		rt_expect(b->addr != 0 && !(b->addr & (b->size - 1)), "bar-assigned-aligned",
			  PCI_BDF_FMT " idx=%u addr=0x%lx size=0x%lx", PCI_BDF_ARGS(f->bdf), i,
			  b->addr, b->size);
	}
	if (f->hdr == 1) {
		struct pci_bridge *br = &f->br;

		pci_read_bridge(f->bdf, br);
		rt_printf("PAYLOAD: bridge " PCI_BDF_FMT " pri=0x%02x sec=0x%02x sub=0x%02x",
			  PCI_BDF_ARGS(f->bdf), br->primary, br->secondary, br->subordinate);
		print_window("io", &br->io);
		print_window("mem", &br->mem);
		print_window("pref", &br->pref);
		rt_printf(" pref64=%d io32=%d\n", br->pref64, br->io32);
	}
}

static const struct pci_window *window_for(const struct pci_bridge *br, int kind, int pref)
{
	if (kind == BAR_IO)
		return &br->io;
	return pref ? &br->pref : &br->mem;
}

static int inside(const struct pci_window *w, uint64_t base, uint64_t last)
{
	return w->open && base >= w->base && last <= w->limit && base <= last;
}

/* A BAR (or a child window) must lie in the parent bridge's window of its kind; a
 * prefetchable range may also sit in the non-prefetchable window if below 4 GiB. */
static void check_inside(const struct func *f, const char *what, int kind, int pref,
			 uint64_t base, uint64_t last)
{
	const struct pci_bridge *br = &funcs[f->parent].br;
	const struct pci_window *w = window_for(br, kind, pref);
	const char *wname = kind == BAR_IO ? "io" : pref ? "pref" : "mem";
	int ok = inside(w, base, last);

	if (!ok && pref && last < (1ull << 32) && inside(&br->mem, base, last)) {
		w = &br->mem;
		wname = "mem";
		ok = 1;
	}
	rt_check(ok, "inside-window",
		 PCI_BDF_FMT " %s range=0x%lx-0x%lx parent=" PCI_BDF_FMT " window=%s:0x%lx-0x%lx%s",
		 PCI_BDF_ARGS(f->bdf), what, base, last, PCI_BDF_ARGS(funcs[f->parent].bdf), wname,
		 w->base, w->limit, w->open ? "" : "(closed)");
}

static void check_topology(void)
{
	for (unsigned i = 0; i < nfuncs; i++) {
		struct func *f = &funcs[i];
		uint8_t bus = PCI_BUS(f->bdf);

		if (bus == root_bus)
			continue;
		for (unsigned j = 0; j < nfuncs; j++)
			if (funcs[j].hdr == 1 && funcs[j].br.secondary == bus)
				f->parent = (int)j;
		rt_check(f->parent >= 0, "bus-reachable", PCI_BDF_FMT " bus=0x%02x",
			 PCI_BDF_ARGS(f->bdf), bus);
	}
	for (unsigned i = 0; i < nfuncs; i++) {
		const struct func *f = &funcs[i];
		const struct pci_bridge *br = &f->br;

		if (f->hdr != 1)
			continue;
		int ok = br->primary == PCI_BUS(f->bdf) && br->secondary > br->primary &&
			 br->secondary <= br->subordinate;
		if (f->parent >= 0) {
			const struct pci_bridge *pb = &funcs[f->parent].br;

			ok = ok && br->secondary > pb->secondary && br->subordinate <= pb->subordinate;
		}
		rt_check(ok, "bridge-buses", PCI_BDF_FMT " pri=0x%02x sec=0x%02x sub=0x%02x",
			 PCI_BDF_ARGS(f->bdf), br->primary, br->secondary, br->subordinate);
	}
	for (unsigned i = 0; i < nfuncs; i++) {
		const struct func *f = &funcs[i];

		if (f->parent < 0)
			continue;
		for (unsigned k = 0; k < f->nbars; k++) {
			const struct pci_bar *b = &f->bars[k];
			char what[8] = "bar";

			if (b->kind == BAR_NONE)
				continue;
			what[3] = (char)('0' + k);
			what[4] = 0;
			check_inside(f, what, b->kind, b->pref, b->addr, b->addr + b->size - 1);
		}
		if (f->hdr == 1) {
			if (f->br.io.open)
				check_inside(f, "io-window", BAR_IO, 0, f->br.io.base, f->br.io.limit);
			if (f->br.mem.open)
				check_inside(f, "mem-window", BAR_MEM32, 0, f->br.mem.base,
					     f->br.mem.limit);
			if (f->br.pref.open)
				check_inside(f, "pref-window", BAR_MEM64, 1, f->br.pref.base,
					     f->br.pref.limit);
		}
	}
}

/* Every decoded range on the machine, for the overlap checks. */
struct span {
	uint64_t base, last;
	uint16_t bdf;
	uint8_t io;
	uint8_t is_window; /* windows may (must) contain BARs; only siblings must not overlap */
	int parent;
};

static struct span spans[MAX_FUNCS * 6];

static void check_overlaps(void)
{
	const struct acpi_mcfg_entry *m = &acpi.mcfg_entry[0];
	unsigned n = 0, bad = 0;
	struct {
		const char *name;
		uint64_t base, last;
	} fixed[] = {
		{ "ram", 0, rt_boot_rsi - 1 },
		{ "ecam", m->base + ((uint64_t)m->bus_start << 20),
		  m->base + (((uint64_t)m->bus_end + 1) << 20) - 1 },
		{ "ioapic", 0xfec00000, 0xfec00fff },
		{ "lapic", acpi.lapic_base, acpi.lapic_base + 0xfff },
	};

	for (unsigned i = 0; i < nfuncs; i++) {
		const struct func *f = &funcs[i];

		for (unsigned k = 0; k < f->nbars; k++)
			if (f->bars[k].kind != BAR_NONE)
				spans[n++] = (struct span){ f->bars[k].addr,
							    f->bars[k].addr + f->bars[k].size - 1,
							    f->bdf, f->bars[k].kind == BAR_IO, 0,
							    f->parent };
		if (f->hdr == 1) {
			const struct pci_window *w[3] = { &f->br.io, &f->br.mem, &f->br.pref };

			for (unsigned k = 0; k < 3; k++)
				if (w[k]->open)
					spans[n++] = (struct span){ w[k]->base, w[k]->limit, f->bdf,
								    k == 0, 1, f->parent };
		}
	}
	/* Two ranges under the same parent never overlap (a window and the BARs behind it have
	 * different parents).  Bridges' windows on one bus are siblings too. */
	for (unsigned i = 0; i < n; i++) {
		for (unsigned j = i + 1; j < n; j++) {
			const struct span *a = &spans[i], *b = &spans[j];

			if (a->io != b->io || a->parent != b->parent)
				continue;
			if (a->bdf == b->bdf && a->is_window && b->is_window)
				continue; /* a bridge's pref and mem windows are separate spaces */
			if (a->base <= b->last && b->base <= a->last) {
				bad++;
				rt_printf("PAYLOAD: overlap " PCI_BDF_FMT " 0x%lx-0x%lx " PCI_BDF_FMT
					  " 0x%lx-0x%lx\n",
					  PCI_BDF_ARGS(a->bdf), a->base, a->last, PCI_BDF_ARGS(b->bdf),
					  b->base, b->last);
			}
		}
		if (spans[i].io)
			continue;
		for (unsigned k = 0; k < ARRAY_SIZE(fixed); k++) {
			if (spans[i].base <= fixed[k].last && fixed[k].base <= spans[i].last) {
				bad++;
				rt_printf("PAYLOAD: overlap " PCI_BDF_FMT " 0x%lx-0x%lx %s 0x%lx-0x%lx\n",
					  PCI_BDF_ARGS(spans[i].bdf), spans[i].base, spans[i].last,
					  fixed[k].name, fixed[k].base, fixed[k].last);
			}
		}
	}
	rt_check(bad == 0, "no-overlap", "ranges=%u overlaps=%u", n, bad);
}

void payload_main(void)
{
	unsigned bars = 0, bridges = 0;
	const struct acpi_mcfg_entry *m;

	rt_printf("PAYLOAD: start name=pci_walk rdi=0x%lx rsi=0x%lx\n", rt_boot_rdi, rt_boot_rsi);
	if (acpi_load(&acpi, rt_boot_rdi, 1) < 0)
		return;
	if (!rt_check(acpi.num_mcfg > 0, "mcfg-present", "mcfg=0x%lx", acpi.mcfg))
		return;
	m = &acpi.mcfg_entry[0];
	if (!rt_check(m->segment == 0, "mcfg-segment0", "segment=%u", m->segment))
		return;
	root_bus = m->bus_start;
	pci_ecam_init(m->base, m->bus_start, m->bus_end);

	nfuncs = pci_scan(bdfs, MAX_FUNCS);
	rt_check(nfuncs > 0 && nfuncs < MAX_FUNCS, "scan-found-functions", "count=%u", nfuncs);
	for (unsigned i = 0; i < nfuncs; i++) {
		funcs[i].bdf = bdfs[i];
		read_function(&funcs[i]);
		for (unsigned k = 0; k < funcs[i].nbars; k++)
			bars += funcs[i].bars[k].kind != BAR_NONE;
		bridges += funcs[i].hdr == 1;
	}
	cross_check_cf8();
	check_topology();
	check_overlaps();
	rt_printf("PAYLOAD: summary functions=%u bridges=%u bars=%u buses=%u-%u\n", nfuncs, bridges,
		  bars, m->bus_start, m->bus_end);
}
