/* Payload ged: finds the GED (ACPI0013) event selector, its GSI and the PCI hotplug register
 * block in the DSDT, takes the GED interrupt through the IOAPIC and checks the registers. */
#include "lib/acpi.h"
#include "lib/ged_find.h"
#include "lib/apic.h"
#include "lib/idt.h"
#include "lib/io.h"
#include "lib/pci.h"
#include "lib/rt.h"

#ifndef PAYLOAD_NAME
#define PAYLOAD_NAME "ged"
#endif

#define GED_VEC 0x40
#define TIMER_VEC 0x41
#define SPURIOUS_VEC 0xff
#define TICK_COUNT 62500000u /* 1 s with the 1 GHz APIC bus of KVM and QEMU, divide 16 */
#define TIMEOUT_TICKS 30

#define GED_EVT_PCI_HOTPLUG 0x10
#define MAX_BSEL 32

/* Offsets in the QEMU acpi-pcihp block (facts 2.2). */
#define PCIHP_PCIU 0x00
#define PCIHP_PCID 0x04
#define PCIHP_BNUM 0x10

struct reg {
	uint8_t space; /* 0 memory, 1 I/O */
	uint64_t addr;
};

struct bsel {
	uint32_t value;
	uint64_t adr;   /* _ADR of the Device holding Name(BSEL): the bridge */
	uint16_t bdf;   /* that bridge on the root bus, 0xffff = not found */
	uint8_t secondary;
};

static struct acpi_info acpi;
static volatile unsigned ged_irqs, ticks;
static struct bsel bsels[MAX_BSEL];
static unsigned nbsel;

static uint32_t reg_read(struct reg r, uint32_t off)
{
	return r.space ? inl((uint16_t)(r.addr + off)) : mmio_read32(r.addr + off);
}

static void reg_write(struct reg r, uint32_t off, uint32_t v)
{
	if (r.space)
		outl((uint16_t)(r.addr + off), v);
	else
		mmio_write32(r.addr + off, v);
}

static void on_ged(struct trap_frame *f)
{
	ged_irqs++;
	lapic_eoi();
}

static void on_timer(struct trap_frame *f)
{
	ticks++;
	lapic_eoi();
}

static void on_spurious(struct trap_frame *f)
{
	/* No EOI for the spurious vector (SDM 11.9). */
}

static const char *space_name(uint8_t s)
{
	return s == 0 ? "mem" : s == 1 ? "io" : "other";
}

/* Prints what the DSDT says and checks its shape; fills `sel`. */
static void report_ged(const struct ged_find *g, struct reg *sel)
{
	const struct aml_obj *f = g->sel_field;

	rt_printf("PAYLOAD: ged device aml=0x%x objects=%u skipped=%u\n", g->ix.obj[g->dev].pos,
		  g->ix.n, g->ix.skipped);
	rt_printf("PAYLOAD: ged gsi=%u trigger=%s polarity=%s\n", g->gsi,
		  g->edge ? "edge" : "level", g->active_low ? "low" : "high");
	sel->space = g->sel_region->space;
	sel->addr = g->sel_addr;
	rt_printf("PAYLOAD: ged selector=%s:0x%lx region=%s field=%s bits=%u access=%u\n",
		  space_name(sel->space), sel->addr, g->sel_region->name, f->name, f->bit_width,
		  f->access);
	rt_check(f->bit_width == 32 && f->access == 3 && f->bit_offset == 0, "ged-selector-dword",
		 "bits=%u access=%u bit_offset=%u", f->bit_width, f->access, f->bit_offset);
	/* Cross-check with the name QEMU's AML uses, when present. */
	if (g->esel_named)
		rt_check(g->esel_addr == sel->addr && g->esel_space == sel->space,
			 "ged-esel-name-agrees", "esel=0x%lx selector=0x%lx", g->esel_addr,
			 sel->addr);
}

/* Every BSEL with the bridge its Device's _ADR names on the root bus. */
static void map_bsels(const struct ged_find *g)
{
	uint8_t root = acpi.mcfg_entry[0].bus_start;

	for (unsigned i = 0; i < g->nbsel && nbsel < MAX_BSEL; i++) {
		struct bsel *b = &bsels[nbsel++];
		uint64_t adr = g->bsel[i].adr;

		b->value = g->bsel[i].value;
		b->adr = adr;
		b->bdf = 0xffff;
		if (adr <= 0x1f0007) {
			b->bdf = PCI_BDF(root, (adr >> 16) & 0x1f, adr & 7);
			b->secondary = pci_cfg_read8(b->bdf, PCI_PRIMARY_BUS + 1);
		}
		rt_printf("PAYLOAD: pcihp bsel=%u adr=0x%lx bridge=" PCI_BDF_FMT " sec=0x%02x\n",
			  b->value, b->adr, PCI_BDF_ARGS(b->bdf == 0xffff ? 0 : b->bdf),
			  b->secondary);
	}
}

static void setup_interrupts(uint32_t gsi, int edge, int low)
{
	const struct acpi_ioapic *io = NULL;

	for (unsigned i = 0; i < acpi.num_ioapics; i++)
		if (gsi >= acpi.ioapic[i].gsi_base &&
		    gsi < acpi.ioapic[i].gsi_base + ioapic_pins(acpi.ioapic[i].address))
			io = &acpi.ioapic[i];
	if (!io)
		rt_fatal("no IOAPIC in the MADT serves gsi=%u", gsi);
	pic_mask_all();
	idt_set_handler(GED_VEC, on_ged);
	idt_set_handler(TIMER_VEC, on_timer);
	idt_set_handler(SPURIOUS_VEC, on_spurious);
	lapic_init(acpi.lapic_base, SPURIOUS_VEC);
	ioapic_route(io->address, gsi - io->gsi_base, GED_VEC, !edge, low, lapic_id());
	rt_printf("PAYLOAD: ged routed gsi=%u ioapic=0x%x pin=%u entry=0x%lx lapic_id=%u\n", gsi,
		  io->address, gsi - io->gsi_base, ioapic_read_entry(io->address, gsi - io->gsi_base),
		  lapic_id());
}

/* Reads every bus selector's PCIU/PCID; `want_hits` buses must have had an up bit. */
static void check_pcihp(const struct ged_find *g, unsigned want_hits)
{
	struct reg pciu = { g->pcihp_space, g->pcihp_base }, pcid = pciu;
	unsigned hits = 0;

	if (!g->have_pcihp) {
		rt_puts("PAYLOAD: pcihp absent\n");
		return;
	}
	rt_check(g->have_bnum && g->bnum_addr == pciu.addr + PCIHP_BNUM &&
		 g->bnum_space == pciu.space,
		 "pcihp-layout", "pciu=0x%lx bnum=0x%lx", pciu.addr, g->bnum_addr);
	pcid.addr += PCIHP_PCID;
	rt_printf("PAYLOAD: pcihp base=%s:0x%lx\n", space_name(pciu.space), pciu.addr);
	map_bsels(g);
	rt_check(nbsel > 0, "pcihp-bsel-found", "count=%u", nbsel);
	for (unsigned i = 0; i < nbsel; i++) {
		const struct bsel *b = &bsels[i];
		uint32_t up1, up2, down, sel;

		reg_write(pciu, PCIHP_BNUM, b->value);
		sel = reg_read(pciu, PCIHP_BNUM);
		up1 = reg_read(pciu, PCIHP_PCIU);
		up2 = reg_read(pciu, PCIHP_PCIU);
		down = reg_read(pcid, 0);
		rt_printf("PAYLOAD: pcihp bsel=%u bnum_readback=%u pciu=0x%x pciu_reread=0x%x "
			  "pcid=0x%x\n",
			  b->value, sel, up1, up2, down);
		rt_expect(sel == b->value, "pcihp-bnum-readback", "bsel=%u read=%u", b->value, sel);
		rt_check(up2 == 0, "pcihp-pciu-read-clears", "bsel=%u first=0x%x second=0x%x",
			 b->value, up1, up2);
		if (!up1)
			continue;
		hits++;
		for (unsigned slot = 0; slot < 32; slot++) {
			if (!(up1 & (1u << slot)) || b->bdf == 0xffff)
				continue;
			uint32_t id = pci_cfg_read32(PCI_BDF(b->secondary, slot, 0), PCI_VENDOR_ID);

			rt_printf("PAYLOAD: ged hotplug slot bsel=%u slot=%u bus=0x%02x present=%u "
				  "vendor=0x%04x device=0x%04x\n",
				  b->value, slot, b->secondary, id != 0xffffffff, id & 0xffff,
				  id >> 16);
		}
	}
	rt_check(hits == want_hits, "pcihp-buses-signalled", "buses_with_up_bits=%u want=%u", hits,
		 want_hits);
}

void payload_main(void)
{
	static struct ged_find g;
	struct aml dsdt;
	struct reg sel;
	uint32_t v0, v1, v2;
	const char *missing;
	const struct acpi_mcfg_entry *m;

	rt_printf("PAYLOAD: start name=" PAYLOAD_NAME " rdi=0x%lx rsi=0x%lx\n", rt_boot_rdi,
		  rt_boot_rsi);
	if (acpi_load(&acpi, rt_boot_rdi, 0) < 0)
		return;
	m = &acpi.mcfg_entry[0];
	if (acpi.num_mcfg) /* only to look at a hot-added device; the GED needs no PCI */
		pci_ecam_init(m->base, m->bus_start, m->bus_end);
	dsdt = aml_from_table(acpi.dsdt);
	missing = ged_find(&dsdt, &g);
	if (!rt_check(!missing, "ged-found-in-dsdt", "%s", missing ? missing : "ACPI0013"))
		return;
	report_ged(&g, &sel);

	/* Everything is armed before the first selector read, with interrupts still off: an
	 * event the VMM raises from then on is latched in the LAPIC IRR and taken at sti. */
	setup_interrupts(g.gsi, g.edge, g.active_low);
	v0 = reg_read(sel, 0);
	rt_printf("PAYLOAD: ged armed selector_initial=0x%x\n", v0);
#ifdef GED_REGS_ONLY
	/* No event is coming: the registers must be idle and BNUM must hold what is written. */
	rt_puts("PAYLOAD: ged mode=regs-only\n");
	rt_check(v0 == 0, "ged-selector-idle", "initial=0x%x", v0);
	check_pcihp(&g, 0);
	return;
#endif
	lapic_timer_start(TIMER_VEC, TICK_COUNT);
	while (!ged_irqs && ticks < TIMEOUT_TICKS)
		irq_enable_and_halt();
	irq_disable();
	lapic_timer_stop();
	rt_printf("PAYLOAD: ged interrupt count=%u after_ticks=%u\n", ged_irqs, ticks);
	if (!rt_check(ged_irqs > 0, "ged-interrupt", "timeout=%us", TIMEOUT_TICKS))
		return;
	v1 = reg_read(sel, 0);
	v2 = reg_read(sel, 0);
	rt_printf("PAYLOAD: ged selector first=0x%x second=0x%x event=0x%x\n", v1, v2, v0 | v1);
	rt_check((v0 | v1) != 0, "ged-selector-event", "initial=0x%x first=0x%x", v0, v1);
	rt_check(v2 == 0, "ged-selector-read-clears", "second=0x%x", v2);
	if ((v0 | v1) & GED_EVT_PCI_HOTPLUG)
		check_pcihp(&g, 1);
}
