/* Payload testdev_dies: reads a testdev until it turns to all-ones (its device process is
 * killed from outside), checks the guest and the rest of the machine carry on, then ejects
 * the slot when the VMM requests its unplug (device_del of the dead device). */
#include "lib/ged_find.h"
#include "lib/io.h"
#include "lib/pci.h"
#include "lib/probe.h"
#include "lib/rt.h"

#define T_DATA 8
#define PM_HZ 3579545u
#define WAIT_S 120 /* for the kill, and again for the unplug request */
#define PCIHP_PCID 0x04
#define PCIHP_B0EJ 0x08
#define PCIHP_BNUM 0x10
#define PCI_CAP_PTR 0x34
#define PCI_CAP_ID_EXP 0x10
#define PCI_EXP_SLTSTA 0x1a
#define PCI_EXP_SLTSTA_PDS 0x40

static struct probe mach;

/* Seconds since `t0` by the PM timer (24-bit safe: called far more often than it wraps). */
static uint32_t pm_last, pm_secs, pm_frac;

static void pm_tick(void)
{
	uint32_t now = inl(mach.pm_port) & 0xffffffu;

	pm_frac += (now - pm_last) & 0xffffffu;
	pm_last = now;
	while (pm_frac >= PM_HZ) {
		pm_frac -= PM_HZ;
		pm_secs++;
	}
}

static void pm_restart(void)
{
	pm_last = inl(mach.pm_port) & 0xffffffu;
	pm_secs = pm_frac = 0;
}

static uint16_t parent_of(uint16_t bdf)
{
	for (unsigned i = 0; i < mach.nfuncs; i++)
		if ((pci_cfg_read8(mach.bdfs[i], PCI_HEADER_TYPE) & 0x7f) == 1 &&
		    pci_cfg_read8(mach.bdfs[i], PCI_PRIMARY_BUS + 1) == PCI_BUS(bdf))
			return mach.bdfs[i];
	return 0xffff;
}

/* Slot Status Presence Detect State of root port `rp` (PCI Express capability). */
static int slot_present(uint16_t rp)
{
	uint8_t at = pci_cfg_read8(rp, PCI_CAP_PTR);

	for (unsigned guard = 0; at >= 0x40 && guard < 48; guard++) {
		if (pci_cfg_read8(rp, at) == PCI_CAP_ID_EXP)
			return (pci_cfg_read16(rp, at + PCI_EXP_SLTSTA) & PCI_EXP_SLTSTA_PDS) != 0;
		at = pci_cfg_read8(rp, at + 1);
	}
	return -1;
}

static void pcihp_write(const struct ged_find *g, uint32_t off, uint32_t v)
{
	if (g->pcihp_space)
		outl((uint16_t)(g->pcihp_base + off), v);
	else
		mmio_write32(g->pcihp_base + off, v);
}

static uint32_t pcihp_read(const struct ged_find *g, uint32_t off)
{
	return g->pcihp_space ? inl((uint16_t)(g->pcihp_base + off))
			      : mmio_read32(g->pcihp_base + off);
}

/* Wait for a removal request (PCID bit) on any bus selector and eject that slot, as the
 * AML's PCEJ would.  Returns the selector, or -1 on timeout. */
static int eject_when_asked(const struct ged_find *g)
{
	pm_restart();
	while (pm_secs < WAIT_S) {
		for (unsigned i = 0; i < g->nbsel; i++) {
			uint32_t down;

			pcihp_write(g, PCIHP_BNUM, g->bsel[i].value);
			down = pcihp_read(g, PCIHP_PCID);
			if (!down)
				continue;
			pcihp_write(g, PCIHP_B0EJ, down & -down);
			rt_printf("PAYLOAD: dies ejected bsel=%u pcid=0x%x after_s=%u\n",
				  g->bsel[i].value, down, pm_secs);
			return (int)g->bsel[i].value;
		}
		for (unsigned k = 0; k < 2000; k++)
			cpu_relax();
		pm_tick();
	}
	return -1;
}

void payload_main(void)
{
	static struct ged_find g;
	struct pci_bar bars[6];
	struct aml dsdt;
	uint16_t td, rp;
	uint32_t v = 0, v0;
	uint64_t reads = 0;

	if (probe_machine(&mach, "testdev_dies"))
		return;
	td = probe_find(&mach, 0x00051b36);
	if (!rt_check(td != 0xffff, "testdev-found", "functions=%u", mach.nfuncs))
		return;
	rp = parent_of(td);
	if (!rt_check(rp != 0xffff, "testdev-behind-a-bridge", "bdf=" PCI_BDF_FMT,
		      PCI_BDF_ARGS(td)))
		return;
	pci_size_bars(td, 6, bars);
	v0 = mmio_read32(bars[0].addr + T_DATA);
	if (!rt_check(bars[0].kind == BAR_MEM32 && v0 != 0xffffffffu, "testdev-answers",
		      "bar0=0x%lx value=0x%x", bars[0].addr, v0))
		return;
	dsdt = aml_from_table(mach.acpi.dsdt);
	if (!rt_check(!ged_find(&dsdt, &g) && g.have_pcihp, "pcihp-found", "nbsel=%u", g.nbsel))
		return;
	rt_printf("PAYLOAD: dies armed bdf=" PCI_BDF_FMT " bar0=0x%lx value=0x%x\n",
		  PCI_BDF_ARGS(td), bars[0].addr, v0);

	/* Kept reading while the device process is killed: the guest must never notice more
	 * than all-ones. */
	pm_restart();
	while (pm_secs < WAIT_S) {
		v = mmio_read32(bars[0].addr + T_DATA);
		reads++;
		if (v == 0xffffffffu)
			break;
		if (v != v0) {
			rt_check(0, "testdev-value-stable", "read %lu: 0x%x, was 0x%x", reads, v, v0);
			return;
		}
		if ((reads & 63) == 0)
			pm_tick();
	}
	rt_printf("PAYLOAD: dies all-ones after_reads=%lu after_s=%u\n", reads, pm_secs);
	if (!rt_check(v == 0xffffffffu, "testdev-died", "still 0x%x after %us", v, WAIT_S))
		return;
	/* dead for good: config, BAR, writes dropped */
	rt_check(pci_cfg_read32(td, PCI_VENDOR_ID) == 0xffffffffu, "dead-config-all-ones",
		 "vendor=0x%x", pci_cfg_read32(td, PCI_VENDOR_ID));
	mmio_write32(bars[0].addr + T_DATA, 0x1234);
	pci_cfg_write16(td, PCI_COMMAND, 0);
	rt_check(mmio_read32(bars[0].addr + T_DATA) == 0xffffffffu && mmio_read8(bars[0].addr) ==
		 0xff, "dead-bar-all-ones", "after writes");
	rt_check(pci_cf8_read32(td, 0) == 0xffffffffu, "dead-cf8-all-ones", "bdf=" PCI_BDF_FMT,
		 PCI_BDF_ARGS(td));
	/* the rest of the machine answers */
	rt_check(pci_cfg_read32(rp, PCI_VENDOR_ID) == 0x000c1b36u, "root-port-answers",
		 "bdf=" PCI_BDF_FMT, PCI_BDF_ARGS(rp));
	rt_check(pci_cfg_read32(0, PCI_VENDOR_ID) == 0x00081b36u, "host-bridge-answers",
		 "vendor=0x%x", pci_cfg_read32(0, PCI_VENDOR_ID));
	rt_puts("PAYLOAD: dies waiting-unplug\n");
	if (!rt_check(eject_when_asked(&g) >= 0, "unplug-requested", "within %us", WAIT_S))
		return;
	/* The VMM removed the dead device when the slot's presence goes (machine_eject). */
	pm_restart();
	while (pm_secs < WAIT_S && slot_present(rp))
		pm_tick();
	rt_check(!slot_present(rp), "slot-emptied-by-vmm", "after_s=%u", pm_secs);
	rt_check(pci_cfg_read32(td, PCI_VENDOR_ID) == 0xffffffffu, "slot-empty-after-eject",
		 "bdf=" PCI_BDF_FMT, PCI_BDF_ARGS(td));
}
