/* DSDT generator, the parts both machines share: host bridge _OSC/_DSM, root ports and their ACPI
 * hotplug slots, the hotplug registers, GED, power button.  ASL quoted above each function. */
#include <vdm/dsdt.h>

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <vdm/aml.h>
#include <vdm/ged.h>

#include "dsdt_int.h"

#define PCI_FW_UUID "e5c937d0-3553-4d7a-9117-ea4d19c3434d" /* PCI Firmware spec _DSM */
#define PCI_OSC_UUID "33db4d5b-1ff7-401c-9657-7441c03dd766" /* PCI host bridge _OSC */

/* _OSC control bits (PCI Firmware spec 3.3 §4.5.1): 0 PCIe native hotplug, 1 SHPC native
 * hotplug, 2 PME, 3 AER, 4 PCIe capability structure. */
#define OSC_CTRL_ALL 0x1fu
#define OSC_CTRL_NATIVE_PCIE_HOTPLUG 0x01u

int vdm__dsdt_say(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

void vdm__dsdt_name_int(struct vdm_aml_ctx *c, struct vdm_aml *parent, const char *name,
			uint64_t v)
{
	vdm_aml_append(parent, vdm_aml_name_decl(c, name, vdm_aml_int(c, v)));
}

static bool hotplug_port(const struct vdm_mach_desc *m, const struct vdm_mach_root_port *rp)
{
	return m->acpi_pci_hotplug && rp->hotplug;
}

static void port_name(char out[5], const struct vdm_mach_root_port *rp)
{
	snprintf(out, 5, "S%02X", rp->devfn);
}

/* A consumer memory range: Memory32Fixed below 4 GiB, QWordMemory above. */
struct vdm_aml *vdm__dsdt_mem_consumer(struct vdm_aml_ctx *c, uint64_t base, uint64_t size)
{
	if (base + size <= (1ull << 32))
		return vdm_aml_memory32_fixed(c, (uint32_t)base, (uint32_t)size);
	return vdm_aml_qword_memory(c, VDM_AML_RESOURCE_CONSUMER, VDM_AML_NON_CACHEABLE, base,
				base + size - 1);
}

/*
 * Method (_OSC, 4, NotSerialized) {
 *   CreateDWordField (Arg3, Zero, CDW1)
 *   If (LEqual (Arg0, ToUUID ("33db4d5b-1ff7-401c-9657-7441c03dd766"))) {
 *     CreateDWordField (Arg3, 0x08, CDW3)
 *     And (CDW3, <0x1E with ACPI hotplug, else 0x1F>, Local0)
 *     If (LNot (LEqual (Arg1, One))) { Or (CDW1, 0x08, CDW1) }     // unknown revision
 *     If (LNot (LEqual (CDW3, Local0))) { Or (CDW1, 0x10, CDW1) }  // capabilities masked
 *     Store (Local0, CDW3)
 *   } Else { Or (CDW1, 0x04, CDW1) }                                // unknown UUID
 *   Return (Arg3)
 * }
 * Withholding bit 0 keeps Linux's pciehp off the root ports so acpiphp drives the slots.
 * (QEMU stores CDW3 before comparing, so it never reports the mask; we compare first.)
 */
static struct vdm_aml *host_bridge_osc(struct vdm_aml_ctx *c, const struct vdm_mach_desc *m)
{
	unsigned mask = OSC_CTRL_ALL & ~(m->acpi_pci_hotplug ? OSC_CTRL_NATIVE_PCIE_HOTPLUG : 0);
	struct vdm_aml *meth = vdm_aml_method(c, "_OSC", 4, VDM_AML_NOT_SERIALIZED);
	struct vdm_aml *cdw1 = vdm_aml_name(c, "CDW1"), *cdw3 = vdm_aml_name(c, "CDW3");
	struct vdm_aml *l0 = vdm_aml_local(c, 0), *ok, *bad_rev, *masked, *other;

	vdm_aml_append(meth,
		       vdm_aml_create_dword_field(c, vdm_aml_arg(c, 3), vdm_aml_int(c, 0), "CDW1"));
	ok = vdm_aml_if(c, vdm_aml_lequal(c, vdm_aml_arg(c, 0), vdm_aml_touuid(c, PCI_OSC_UUID)));
	vdm_aml_append(ok,
		       vdm_aml_create_dword_field(c, vdm_aml_arg(c, 3), vdm_aml_int(c, 8), "CDW3"));
	vdm_aml_append(ok, vdm_aml_and(c, cdw3, vdm_aml_int(c, mask), l0));
	bad_rev = vdm_aml_if(
		c, vdm_aml_lnot(c, vdm_aml_lequal(c, vdm_aml_arg(c, 1), vdm_aml_int(c, 1))));
	vdm_aml_append(bad_rev, vdm_aml_or(c, cdw1, vdm_aml_int(c, 0x08), cdw1));
	vdm_aml_append(ok, bad_rev);
	masked = vdm_aml_if(c, vdm_aml_lnot(c, vdm_aml_lequal(c, cdw3, l0)));
	vdm_aml_append(masked, vdm_aml_or(c, cdw1, vdm_aml_int(c, 0x10), cdw1));
	vdm_aml_append(ok, masked);
	vdm_aml_append(ok, vdm_aml_store(c, l0, cdw3));
	vdm_aml_append(meth, ok);
	other = vdm_aml_else(c);
	vdm_aml_append(other, vdm_aml_or(c, cdw1, vdm_aml_int(c, 0x04), cdw1));
	vdm_aml_append(meth, other);
	vdm_aml_append(meth, vdm_aml_return(c, vdm_aml_arg(c, 3)));
	return meth;
}

/*
 * Method (_DSM, 4, NotSerialized) {
 *   If (LEqual (Arg0, ToUUID ("e5c937d0-3553-4d7a-9117-ea4d19c3434d"))) {
 *     If (LEqual (Arg2, Zero)) { Return (Buffer (One) { 0x21 }) }  // funcs 0 and 5
 *     If (LEqual (Arg2, 0x05)) { Return (<vdm_mach_dsm5_value>) }  // 0 = preserve config
 *   }
 *   Return (Buffer (One) { 0x00 })
 * }
 * The revision (Arg1) is not checked: Linux 6.1 asks with revision 1, the PCI Firmware spec
 * gives function 5 revision 2, and a later Linux tries both.
 */
static struct vdm_aml *host_bridge_dsm(struct vdm_aml_ctx *c, const struct vdm_mach_desc *m)
{
	static const uint8_t funcs = 0x21, none = 0x00;
	struct vdm_aml *meth = vdm_aml_method(c, "_DSM", 4, VDM_AML_NOT_SERIALIZED);
	struct vdm_aml *uuid =
		vdm_aml_if(c, vdm_aml_lequal(c, vdm_aml_arg(c, 0), vdm_aml_touuid(c, PCI_FW_UUID)));
	struct vdm_aml *f0 = vdm_aml_if(c, vdm_aml_lequal(c, vdm_aml_arg(c, 2), vdm_aml_int(c, 0)));
	struct vdm_aml *f5 = vdm_aml_if(c, vdm_aml_lequal(c, vdm_aml_arg(c, 2), vdm_aml_int(c, 5)));

	vdm_aml_append(f0, vdm_aml_return(c, vdm_aml_buffer(c, &funcs, 1)));
	vdm_aml_append(f5, vdm_aml_return(c, vdm_aml_int(c, vdm_mach_dsm5_value(m))));
	vdm_aml_append(uuid, f0);
	vdm_aml_append(uuid, f5);
	vdm_aml_append(meth, uuid);
	vdm_aml_append(meth, vdm_aml_return(c, vdm_aml_buffer(c, &none, 1)));
	return meth;
}

/*
 * OperationRegion (PCST, SystemMemory, pcihp_base + 0x00, 0x08)
 * Field (PCST, DWordAcc, NoLock, WriteAsZeros) { PCIU, 32, PCID, 32 }
 * OperationRegion (SEJ_, SystemMemory, pcihp_base + 0x08, 0x04)
 * Field (SEJ_, DWordAcc, NoLock, WriteAsZeros) { B0EJ, 32 }
 * OperationRegion (BNMR, SystemMemory, pcihp_base + 0x10, 0x08)
 * Field (BNMR, DWordAcc, NoLock, WriteAsZeros) { BNUM, 32, PIDX, 32 }
 * Mutex (BLCK, 0x00)
 * Method (PCEJ, 2, NotSerialized) {
 *   Acquire (BLCK, 0xFFFF)  Store (Arg0, BNUM)  ShiftLeft (One, Arg1, B0EJ)  Release (BLCK)
 *   Return (Zero)
 * }
 */
static void pcihp_registers(struct vdm_aml_ctx *c, struct vdm_aml *pci0,
			    const struct vdm_mach_desc *m)
{
	static const struct {
		const char *region;
		uint32_t off, len;
		const char *f1, *f2;
	} regs[] = {
		{ "PCST", VDM_PCIHP_PCIU, 8, "PCIU", "PCID" },
		{ "SEJ", VDM_PCIHP_B0EJ, 4, "B0EJ", NULL },
		{ "BNMR", VDM_PCIHP_BNUM, 8, "BNUM", "PIDX" },
	};
	struct vdm_aml *pcej = vdm_aml_method(c, "PCEJ", 2, VDM_AML_NOT_SERIALIZED);

	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		struct vdm_aml *f;

		vdm_aml_append(pci0, vdm_aml_opregion(c, regs[i].region, VDM_AML_SYSTEM_MEMORY,
					      vdm_aml_int(c, m->pcihp_base + regs[i].off),
					      vdm_aml_int(c, regs[i].len)));
		f = vdm_aml_field(c, regs[i].region, VDM_AML_DWORD_ACC, VDM_AML_NO_LOCK,
				  VDM_AML_WRITE_AS_ZEROS);
		vdm_aml_field_named(f, regs[i].f1, 32);
		if (regs[i].f2)
			vdm_aml_field_named(f, regs[i].f2, 32);
		vdm_aml_append(pci0, f);
	}
	vdm_aml_append(pci0, vdm_aml_mutex(c, "BLCK", 0));
	vdm_aml_append(pcej, vdm_aml_acquire(c, vdm_aml_name(c, "BLCK"), 0xffff));
	vdm_aml_append(pcej, vdm_aml_store(c, vdm_aml_arg(c, 0), vdm_aml_name(c, "BNUM")));
	vdm_aml_append(pcej, vdm_aml_shiftleft(c, vdm_aml_int(c, 1), vdm_aml_arg(c, 1),
					       vdm_aml_name(c, "B0EJ")));
	vdm_aml_append(pcej, vdm_aml_release(c, vdm_aml_name(c, "BLCK")));
	vdm_aml_append(pcej, vdm_aml_return(c, vdm_aml_int(c, 0)));
	vdm_aml_append(pci0, pcej);
}

/*
 * Device (Sxx) {                                  // root port at devfn 0xxx
 *   Name (_ADR, slot << 16 | function)
 *   // only for a hotplug port (and acpi_pci_hotplug):
 *   Name (BSEL, bsel)
 *   Device (S00) {
 *     Name (_ADR, Zero)
 *     Name (_SUN, root_port.slot)
 *     Method (_EJ0, 1, NotSerialized) { PCEJ (BSEL, Zero) }
 *   }
 *   Method (DVNT, 2, NotSerialized) { If (And (Arg0, One)) { Notify (S00, Arg1) } }
 *   Method (PCNT, 0, NotSerialized) { Store (BSEL, BNUM)  DVNT (PCIU, One)  DVNT (PCID, 3) }
 * }
 * Notify 1 = Device Check (insertion), 3 = Eject Request (removal).  PCNT runs with BLCK held
 * (the GED's _EVT takes it): BNUM selects this port's bus for the PCIU/PCID reads.
 */
static struct vdm_aml *root_port_device(struct vdm_aml_ctx *c, const struct vdm_mach_desc *m,
				    const struct vdm_mach_root_port *rp)
{
	char name[5];
	struct vdm_aml *dev, *slot, *ej0, *dvnt, *hit, *pcnt;

	port_name(name, rp);
	dev = vdm_aml_device(c, name);
	vdm__dsdt_name_int(c, dev, "_ADR", (uint64_t)(rp->devfn >> 3) << 16 | (rp->devfn & 7));
	if (!hotplug_port(m, rp))
		return dev;
	vdm__dsdt_name_int(c, dev, "BSEL", rp->bsel);

	slot = vdm_aml_device(c, "S00");
	vdm__dsdt_name_int(c, slot, "_ADR", 0);
	vdm__dsdt_name_int(c, slot, "_SUN", rp->slot);
	ej0 = vdm_aml_method(c, "_EJ0", 1, VDM_AML_NOT_SERIALIZED);
	vdm_aml_append(ej0, vdm_aml_call(c, "PCEJ", 2, vdm_aml_name(c, "BSEL"), vdm_aml_int(c, 0)));
	vdm_aml_append(slot, ej0);
	vdm_aml_append(dev, slot);

	dvnt = vdm_aml_method(c, "DVNT", 2, VDM_AML_NOT_SERIALIZED);
	hit = vdm_aml_if(c, vdm_aml_and(c, vdm_aml_arg(c, 0), vdm_aml_int(c, 1), NULL));
	vdm_aml_append(hit, vdm_aml_notify(c, vdm_aml_name(c, "S00"), vdm_aml_arg(c, 1)));
	vdm_aml_append(dvnt, hit);
	vdm_aml_append(dev, dvnt);

	pcnt = vdm_aml_method(c, "PCNT", 0, VDM_AML_NOT_SERIALIZED);
	vdm_aml_append(pcnt, vdm_aml_store(c, vdm_aml_name(c, "BSEL"), vdm_aml_name(c, "BNUM")));
	vdm_aml_append(pcnt,
		       vdm_aml_call(c, "DVNT", 2, vdm_aml_name(c, "PCIU"), vdm_aml_int(c, 1)));
	vdm_aml_append(pcnt,
		       vdm_aml_call(c, "DVNT", 2, vdm_aml_name(c, "PCID"), vdm_aml_int(c, 3)));
	vdm_aml_append(dev, pcnt);
	return dev;
}

/* Method (PCNT, 0, NotSerialized) { \_SB.PCI0.Sxx.PCNT () ... }  (every hotplug port) */
static struct vdm_aml *root_pcnt(struct vdm_aml_ctx *c, const struct vdm_mach_desc *m)
{
	struct vdm_aml *pcnt = vdm_aml_method(c, "PCNT", 0, VDM_AML_NOT_SERIALIZED);

	for (uint32_t i = 0; i < m->num_root_ports; i++) {
		char path[32], name[5];

		if (!hotplug_port(m, &m->root_ports[i]))
			continue;
		port_name(name, &m->root_ports[i]);
		snprintf(path, sizeof(path), "\\_SB.PCI0.%s.PCNT", name);
		vdm_aml_append(pcnt, vdm_aml_call(c, path, 0));
	}
	return pcnt;
}

/*
 * Device (PCI0) {
 *   Name (_HID, EisaId ("PNP0A08"))  Name (_CID, EisaId ("PNP0A03"))  (no _ADR: with a _HID
 *   iasl warns "requires either a _HID or _ADR, but not both")
 *   Name (_SEG, segment)  Name (_BBN, bus_start)  Name (_UID, segment)
 *   [the architecture's: _CCA, _CRS, _PRT]
 *   Method (_OSC, ...)  Method (_DSM, ...)
 *   [hotplug register block, PCEJ]  Device (Sxx) {...}...  [Method (PCNT, ...)]
 * }
 */
struct vdm_aml *vdm__dsdt_host_bridge_begin(struct vdm_aml_ctx *c, const struct vdm_mach_desc *m)
{
	struct vdm_aml *pci0 = vdm_aml_device(c, "PCI0");

	vdm_aml_append(pci0, vdm_aml_name_decl(c, "_HID", vdm_aml_eisaid(c, "PNP0A08")));
	vdm_aml_append(pci0, vdm_aml_name_decl(c, "_CID", vdm_aml_eisaid(c, "PNP0A03")));
	vdm__dsdt_name_int(c, pci0, "_SEG", m->segment);
	vdm__dsdt_name_int(c, pci0, "_BBN", m->bus_start);
	vdm__dsdt_name_int(c, pci0, "_UID", m->segment);
	return pci0;
}

void vdm__dsdt_host_bridge_end(struct vdm_aml_ctx *c, struct vdm_aml *pci0,
			       const struct vdm_mach_desc *m)
{
	vdm_aml_append(pci0, host_bridge_osc(c, m));
	vdm_aml_append(pci0, host_bridge_dsm(c, m));
	if (m->acpi_pci_hotplug)
		pcihp_registers(c, pci0, m);
	for (uint32_t i = 0; i < m->num_root_ports; i++)
		vdm_aml_append(pci0, root_port_device(c, m, &m->root_ports[i]));
	if (m->acpi_pci_hotplug)
		vdm_aml_append(pci0, root_pcnt(c, m));
}

/*
 * Device (PHPR) {   // the hotplug register block, so nothing else is placed over it
 *   Name (_HID, EisaId ("PNP0C02"))  Name (_UID, "PCI Hotplug resources")
 *   Name (_CRS, ResourceTemplate () { Memory32Fixed (ReadWrite, pcihp_base, pcihp_size) })
 * }
 * (QEMU's PHPR is a PNP0A06 container with an I/O range; Linux reserves the ranges of
 * PNP0C02 devices only, and our block is MMIO.)  Above 4 GiB it uses QWordMemory.
 */
void vdm__dsdt_hotplug_resources(struct vdm_aml_ctx *c, struct vdm_aml *sb,
				 const struct vdm_mach_desc *m)
{
	struct vdm_aml *phpr, *rt;

	if (!m->acpi_pci_hotplug)
		return;
	phpr = vdm_aml_device(c, "PHPR");
	rt = vdm_aml_resource_template(c);
	vdm_aml_append(phpr, vdm_aml_name_decl(c, "_HID", vdm_aml_eisaid(c, "PNP0C02")));
	vdm_aml_append(phpr, vdm_aml_name_decl(c, "_UID", vdm_aml_string(c, "PCI Hotplug resources")));
	vdm_aml_append(rt, vdm__dsdt_mem_consumer(c, m->pcihp_base, m->pcihp_size));
	vdm_aml_append(phpr, vdm_aml_name_decl(c, "_CRS", rt));
	vdm_aml_append(sb, phpr);
}

/*
 * Device (GED) {
 *   Name (_HID, "ACPI0013")  Name (_UID, Zero)
 *   Name (_CRS, ResourceTemplate () {
 *     Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) { ged_gsi } })
 *   OperationRegion (EREG, SystemMemory, ged_base, 0x04)
 *   Field (EREG, DWordAcc, NoLock, WriteAsZeros) { ESEL, 32 }
 *   Method (_EVT, 1, Serialized) {
 *     Store (ESEL, Local0)                                    // read-to-clear
 *     If (LEqual (And (Local0, 0x02), 0x02)) { Notify (\_SB.PWRB, 0x80) }
 *     If (LEqual (And (Local0, 0x10), 0x10)) {                // with acpi_pci_hotplug
 *       Acquire (\_SB.PCI0.BLCK, 0xFFFF)  \_SB.PCI0.PCNT ()  Release (\_SB.PCI0.BLCK)
 *     }
 *   }
 * }
 */
struct vdm_aml *vdm__dsdt_ged(struct vdm_aml_ctx *c, const struct vdm_mach_desc *m)
{
	struct vdm_aml *dev = vdm_aml_device(c, "GED"), *rt = vdm_aml_resource_template(c);
	struct vdm_aml *evt = vdm_aml_method(c, "_EVT", 1, VDM_AML_SERIALIZED),
		       *l0 = vdm_aml_local(c, 0);
	struct vdm_aml *f, *pwr, *hp;

	vdm_aml_append(dev, vdm_aml_name_decl(c, "_HID", vdm_aml_string(c, "ACPI0013")));
	vdm__dsdt_name_int(c, dev, "_UID", 0);
	vdm_aml_append(rt,
		       vdm_aml_interrupt(c, VDM_AML_IRQ_CONSUMER | VDM_AML_IRQ_EDGE, m->ged_gsi));
	vdm_aml_append(dev, vdm_aml_name_decl(c, "_CRS", rt));
	vdm_aml_append(dev, vdm_aml_opregion(c, "EREG", VDM_AML_SYSTEM_MEMORY,
					     vdm_aml_int(c, m->ged_base),
					     vdm_aml_int(c, VDM_GED_SEL_SIZE)));
	f = vdm_aml_field(c, "EREG", VDM_AML_DWORD_ACC, VDM_AML_NO_LOCK, VDM_AML_WRITE_AS_ZEROS);
	vdm_aml_field_named(f, "ESEL", 32);
	vdm_aml_append(dev, f);

	vdm_aml_append(evt, vdm_aml_store(c, vdm_aml_name(c, "ESEL"), l0));
	pwr = vdm_aml_if(
		c, vdm_aml_lequal(c, vdm_aml_and(c, l0, vdm_aml_int(c, VDM_GED_EVT_PWR_DOWN), NULL),
				  vdm_aml_int(c, VDM_GED_EVT_PWR_DOWN)));
	vdm_aml_append(pwr, vdm_aml_notify(c, vdm_aml_name(c, "\\_SB.PWRB"), vdm_aml_int(c, 0x80)));
	vdm_aml_append(evt, pwr);
	if (m->acpi_pci_hotplug) {
		hp = vdm_aml_if(
			c,
			vdm_aml_lequal(
				c,
				vdm_aml_and(c, l0, vdm_aml_int(c, VDM_GED_EVT_PCI_HOTPLUG), NULL),
				vdm_aml_int(c, VDM_GED_EVT_PCI_HOTPLUG)));
		vdm_aml_append(hp, vdm_aml_acquire(c, vdm_aml_name(c, "\\_SB.PCI0.BLCK"), 0xffff));
		vdm_aml_append(hp, vdm_aml_call(c, "\\_SB.PCI0.PCNT", 0));
		vdm_aml_append(hp, vdm_aml_release(c, vdm_aml_name(c, "\\_SB.PCI0.BLCK")));
		vdm_aml_append(evt, hp);
	}
	vdm_aml_append(dev, evt);
	return dev;
}

/* Device (PWRB) { Name (_HID, EisaId ("PNP0C0C"))  Name (_UID, Zero) } */
struct vdm_aml *vdm__dsdt_power_button(struct vdm_aml_ctx *c)
{
	struct vdm_aml *pwrb = vdm_aml_device(c, "PWRB");

	vdm_aml_append(pwrb, vdm_aml_name_decl(c, "_HID", vdm_aml_eisaid(c, "PNP0C0C")));
	vdm__dsdt_name_int(c, pwrb, "_UID", 0);
	return pwrb;
}

static int check_machine(const struct vdm_mach_desc *m, char *err, size_t err_len)
{
	if (m->num_root_ports > VDM_MACH_MAX_ROOT_PORTS)
		return vdm__dsdt_say(err, err_len, "num_root_ports=%u: at most %u",
				     m->num_root_ports, VDM_MACH_MAX_ROOT_PORTS);
	if (m->bus_end < m->bus_start)
		return vdm__dsdt_say(err, err_len, "PCI buses %u..%u: end below start",
				     m->bus_start, m->bus_end);
	if (m->pci_io.size && vdm_range_end(m->pci_io) > 0x10000)
		return vdm__dsdt_say(err, err_len,
				     "PCI I/O aperture 0x%llx+0x%llx: must end at or below 0x10000",
				     (unsigned long long)m->pci_io.base,
				     (unsigned long long)m->pci_io.size);
	if (m->pci_mem32.size && vdm_range_end(m->pci_mem32) > (1ull << 32))
		return vdm__dsdt_say(
			err, err_len,
			"PCI 32-bit aperture 0x%llx+0x%llx: must end at or below 4 GiB",
			(unsigned long long)m->pci_mem32.base,
			(unsigned long long)m->pci_mem32.size);
	if (m->pci_mem64.size && vdm_range_end(m->pci_mem64) - 1 < m->pci_mem64.base)
		return vdm__dsdt_say(err, err_len,
				     "PCI 64-bit aperture 0x%llx+0x%llx: wraps around",
				     (unsigned long long)m->pci_mem64.base,
				     (unsigned long long)m->pci_mem64.size);
	if (!m->ecam.size)
		return vdm__dsdt_say(err, err_len, "ECAM size 0: the host bridge needs its ECAM");
	if (m->acpi_pci_hotplug && m->pcihp_size < VDM_PCIHP_LEN)
		return vdm__dsdt_say(err, err_len,
				     "pcihp_size=0x%x: the PCI hotplug block needs 0x%x bytes",
				     m->pcihp_size, VDM_PCIHP_LEN);
	for (uint32_t i = 0; i < m->num_root_ports; i++) {
		const struct vdm_mach_root_port *rp = &m->root_ports[i];

		if (hotplug_port(m, rp) && rp->bsel >= VDM_GED_MAX_SELECTORS)
			return vdm__dsdt_say(err, err_len,
					     "root port %s: BSEL %u, the GED has %u selectors",
					     rp->id, rp->bsel, VDM_GED_MAX_SELECTORS);
		for (uint32_t j = 0; j < i; j++)
			if (m->root_ports[j].devfn == rp->devfn)
				return vdm__dsdt_say(err, err_len,
						     "root ports %s and %s: both at devfn 0x%02x",
						     m->root_ports[j].id, rp->id, rp->devfn);
	}
	return 0;
}

int vdm_dsdt_build(const struct vdm_mach_desc *m, uint8_t **aml, size_t *len, char *err,
		   size_t err_len)
{
	struct vdm_aml_ctx *c;
	struct vdm_aml *top;
	const char *msg;
	int rc;

	*aml = NULL;
	*len = 0;
	if (m->arch != VDM_ARCH_X86_64 && m->arch != VDM_ARCH_ARM64)
		return vdm__dsdt_say(err, err_len,
				     "arch %u: no DSDT for it (x86_64 = %u, arm64 = %u)", m->arch,
				     VDM_ARCH_X86_64, VDM_ARCH_ARM64);
	rc = check_machine(m, err, err_len);
	if (rc)
		return rc;
	c = vdm_aml_ctx_new();
	if (!c)
		return -ENOMEM;
	top = vdm_aml_list(c);
	rc = m->arch == VDM_ARCH_ARM64 ? vdm__dsdt_arm64(c, top, m, err, err_len)
				       : vdm__dsdt_x86(c, top, m, err, err_len);
	if (!rc)
		rc = vdm_aml_serialize(top, aml, len);
	if (rc && rc != -ENOMEM && vdm_aml_ctx_error(c, &msg) && err && err_len)
		snprintf(err, err_len, "DSDT: %s", msg);
	vdm_aml_ctx_free(c);
	return rc;
}
