/* DSDT generator: turns the placed machine (machine.h) into AML with the encoder (aml.h).
 * The ASL each function emits is quoted above it; QEMU's acpi-pcihp and GED AML are the model. */
#include "dsdt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <vdm/ged.h>

#include "aml.h"

#define PCI_FW_UUID "e5c937d0-3553-4d7a-9117-ea4d19c3434d" /* PCI Firmware spec _DSM */
#define PCI_OSC_UUID "33db4d5b-1ff7-401c-9657-7441c03dd766" /* PCI host bridge _OSC */

/* _OSC control bits (PCI Firmware spec 3.3 §4.5.1): 0 PCIe native hotplug, 1 SHPC native
 * hotplug, 2 PME, 3 AER, 4 PCIe capability structure. */
#define OSC_CTRL_ALL 0x1fu
#define OSC_CTRL_NATIVE_PCIE_HOTPLUG 0x01u

#define CFG_PORTS_START 0x0cf8u /* type-1 configuration mechanism */
#define CFG_PORTS_LEN 8u

__attribute__((format(printf, 3, 4))) static int say(char *err, size_t len, const char *fmt,
						      ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static void name_int(struct aml_ctx *c, struct aml *parent, const char *name, uint64_t v)
{
	aml_append(parent, aml_name_decl(c, name, aml_int(c, v)));
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
static struct aml *mem_consumer(struct aml_ctx *c, uint64_t base, uint64_t size)
{
	if (base + size <= (1ull << 32))
		return aml_memory32_fixed(c, (uint32_t)base, (uint32_t)size);
	return aml_qword_memory(c, AML_RESOURCE_CONSUMER, AML_NON_CACHEABLE, base,
				base + size - 1);
}

/*
 * Name (_CRS, ResourceTemplate () {
 *   WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, 0, bus_start, bus_end, ...)
 *   IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
 *   WordIO (...pci_io below 0xCF8...)  WordIO (...pci_io above 0xCFF...)
 *   DWordMemory (ResourceProducer, ..., NonCacheable, ReadWrite, ..., pci_mem32)
 *   QWordMemory (ResourceProducer, ..., Prefetchable, ReadWrite, ..., pci_mem64)
 * })
 */
static struct aml *host_bridge_crs(struct aml_ctx *c, const struct vdm_mach_desc *m)
{
	struct aml *rt = aml_resource_template(c);
	uint64_t io_lo = m->pci_io.base, io_hi = vdm_range_end(m->pci_io);

	aml_append(rt, aml_word_bus_number(c, m->bus_start, m->bus_end));
	aml_append(rt, aml_io(c, CFG_PORTS_START, CFG_PORTS_START, 1, CFG_PORTS_LEN));
	if (m->pci_io.size) {
		/* The config ports belong to the host bridge itself, not to its children. */
		if (io_lo < CFG_PORTS_START)
			aml_append(rt, aml_word_io(c, (uint16_t)io_lo,
						   (uint16_t)((io_hi < CFG_PORTS_START ?
							       io_hi : CFG_PORTS_START) - 1)));
		if (io_hi > CFG_PORTS_START + CFG_PORTS_LEN) {
			uint64_t lo = io_lo > CFG_PORTS_START + CFG_PORTS_LEN ?
					      io_lo : CFG_PORTS_START + CFG_PORTS_LEN;

			aml_append(rt, aml_word_io(c, (uint16_t)lo, (uint16_t)(io_hi - 1)));
		}
	}
	if (m->pci_mem32.size)
		aml_append(rt, aml_dword_memory(c, AML_RESOURCE_PRODUCER, AML_NON_CACHEABLE,
						(uint32_t)m->pci_mem32.base,
						(uint32_t)(vdm_range_end(m->pci_mem32) - 1)));
	if (m->pci_mem64.size)
		aml_append(rt, aml_qword_memory(c, AML_RESOURCE_PRODUCER, AML_PREFETCHABLE,
						m->pci_mem64.base,
						vdm_range_end(m->pci_mem64) - 1));
	return aml_name_decl(c, "_CRS", rt);
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
static struct aml *host_bridge_osc(struct aml_ctx *c, const struct vdm_mach_desc *m)
{
	unsigned mask = OSC_CTRL_ALL & ~(m->acpi_pci_hotplug ? OSC_CTRL_NATIVE_PCIE_HOTPLUG : 0);
	struct aml *meth = aml_method(c, "_OSC", 4, AML_NOT_SERIALIZED);
	struct aml *cdw1 = aml_name(c, "CDW1"), *cdw3 = aml_name(c, "CDW3");
	struct aml *l0 = aml_local(c, 0), *ok, *bad_rev, *masked, *other;

	aml_append(meth, aml_create_dword_field(c, aml_arg(c, 3), aml_int(c, 0), "CDW1"));
	ok = aml_if(c, aml_lequal(c, aml_arg(c, 0), aml_touuid(c, PCI_OSC_UUID)));
	aml_append(ok, aml_create_dword_field(c, aml_arg(c, 3), aml_int(c, 8), "CDW3"));
	aml_append(ok, aml_and(c, cdw3, aml_int(c, mask), l0));
	bad_rev = aml_if(c, aml_lnot(c, aml_lequal(c, aml_arg(c, 1), aml_int(c, 1))));
	aml_append(bad_rev, aml_or(c, cdw1, aml_int(c, 0x08), cdw1));
	aml_append(ok, bad_rev);
	masked = aml_if(c, aml_lnot(c, aml_lequal(c, cdw3, l0)));
	aml_append(masked, aml_or(c, cdw1, aml_int(c, 0x10), cdw1));
	aml_append(ok, masked);
	aml_append(ok, aml_store(c, l0, cdw3));
	aml_append(meth, ok);
	other = aml_else(c);
	aml_append(other, aml_or(c, cdw1, aml_int(c, 0x04), cdw1));
	aml_append(meth, other);
	aml_append(meth, aml_return(c, aml_arg(c, 3)));
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
static struct aml *host_bridge_dsm(struct aml_ctx *c, const struct vdm_mach_desc *m)
{
	static const uint8_t funcs = 0x21, none = 0x00;
	struct aml *meth = aml_method(c, "_DSM", 4, AML_NOT_SERIALIZED);
	struct aml *uuid = aml_if(c, aml_lequal(c, aml_arg(c, 0), aml_touuid(c, PCI_FW_UUID)));
	struct aml *f0 = aml_if(c, aml_lequal(c, aml_arg(c, 2), aml_int(c, 0)));
	struct aml *f5 = aml_if(c, aml_lequal(c, aml_arg(c, 2), aml_int(c, 5)));

	aml_append(f0, aml_return(c, aml_buffer(c, &funcs, 1)));
	aml_append(f5, aml_return(c, aml_int(c, vdm_mach_dsm5_value(m))));
	aml_append(uuid, f0);
	aml_append(uuid, f5);
	aml_append(meth, uuid);
	aml_append(meth, aml_return(c, aml_buffer(c, &none, 1)));
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
static void pcihp_registers(struct aml_ctx *c, struct aml *pci0, const struct vdm_mach_desc *m)
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
	struct aml *pcej = aml_method(c, "PCEJ", 2, AML_NOT_SERIALIZED);

	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		struct aml *f;

		aml_append(pci0, aml_opregion(c, regs[i].region, AML_SYSTEM_MEMORY,
					      aml_int(c, m->pcihp_base + regs[i].off),
					      aml_int(c, regs[i].len)));
		f = aml_field(c, regs[i].region, AML_DWORD_ACC, AML_NO_LOCK, AML_WRITE_AS_ZEROS);
		aml_field_named(f, regs[i].f1, 32);
		if (regs[i].f2)
			aml_field_named(f, regs[i].f2, 32);
		aml_append(pci0, f);
	}
	aml_append(pci0, aml_mutex(c, "BLCK", 0));
	aml_append(pcej, aml_acquire(c, aml_name(c, "BLCK"), 0xffff));
	aml_append(pcej, aml_store(c, aml_arg(c, 0), aml_name(c, "BNUM")));
	aml_append(pcej, aml_shiftleft(c, aml_int(c, 1), aml_arg(c, 1), aml_name(c, "B0EJ")));
	aml_append(pcej, aml_release(c, aml_name(c, "BLCK")));
	aml_append(pcej, aml_return(c, aml_int(c, 0)));
	aml_append(pci0, pcej);
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
static struct aml *root_port_device(struct aml_ctx *c, const struct vdm_mach_desc *m,
				    const struct vdm_mach_root_port *rp)
{
	char name[5];
	struct aml *dev, *slot, *ej0, *dvnt, *hit, *pcnt;

	port_name(name, rp);
	dev = aml_device(c, name);
	name_int(c, dev, "_ADR", (uint64_t)(rp->devfn >> 3) << 16 | (rp->devfn & 7));
	if (!hotplug_port(m, rp))
		return dev;
	name_int(c, dev, "BSEL", rp->bsel);

	slot = aml_device(c, "S00");
	name_int(c, slot, "_ADR", 0);
	name_int(c, slot, "_SUN", rp->slot);
	ej0 = aml_method(c, "_EJ0", 1, AML_NOT_SERIALIZED);
	aml_append(ej0, aml_call(c, "PCEJ", 2, aml_name(c, "BSEL"), aml_int(c, 0)));
	aml_append(slot, ej0);
	aml_append(dev, slot);

	dvnt = aml_method(c, "DVNT", 2, AML_NOT_SERIALIZED);
	hit = aml_if(c, aml_and(c, aml_arg(c, 0), aml_int(c, 1), NULL));
	aml_append(hit, aml_notify(c, aml_name(c, "S00"), aml_arg(c, 1)));
	aml_append(dvnt, hit);
	aml_append(dev, dvnt);

	pcnt = aml_method(c, "PCNT", 0, AML_NOT_SERIALIZED);
	aml_append(pcnt, aml_store(c, aml_name(c, "BSEL"), aml_name(c, "BNUM")));
	aml_append(pcnt, aml_call(c, "DVNT", 2, aml_name(c, "PCIU"), aml_int(c, 1)));
	aml_append(pcnt, aml_call(c, "DVNT", 2, aml_name(c, "PCID"), aml_int(c, 3)));
	aml_append(dev, pcnt);
	return dev;
}

/* Method (PCNT, 0, NotSerialized) { \_SB.PCI0.Sxx.PCNT () ... }  (every hotplug port) */
static struct aml *root_pcnt(struct aml_ctx *c, const struct vdm_mach_desc *m)
{
	struct aml *pcnt = aml_method(c, "PCNT", 0, AML_NOT_SERIALIZED);

	for (uint32_t i = 0; i < m->num_root_ports; i++) {
		char path[32], name[5];

		if (!hotplug_port(m, &m->root_ports[i]))
			continue;
		port_name(name, &m->root_ports[i]);
		snprintf(path, sizeof(path), "\\_SB.PCI0.%s.PCNT", name);
		aml_append(pcnt, aml_call(c, path, 0));
	}
	return pcnt;
}

/*
 * Device (PCI0) {
 *   Name (_HID, EisaId ("PNP0A08"))  Name (_CID, EisaId ("PNP0A03"))  (no _ADR: with a _HID
 *   iasl warns "requires either a _HID or _ADR, but not both")
 *   Name (_SEG, segment)  Name (_BBN, bus_start)  Name (_UID, segment)
 *   Name (_CRS, ...)  Method (_OSC, ...)  Method (_DSM, ...)
 *   [hotplug register block, PCEJ]  Device (Sxx) {...}...  [Method (PCNT, ...)]
 * }
 */
static struct aml *host_bridge(struct aml_ctx *c, const struct vdm_mach_desc *m)
{
	struct aml *pci0 = aml_device(c, "PCI0");

	aml_append(pci0, aml_name_decl(c, "_HID", aml_eisaid(c, "PNP0A08")));
	aml_append(pci0, aml_name_decl(c, "_CID", aml_eisaid(c, "PNP0A03")));
	name_int(c, pci0, "_SEG", m->segment);
	name_int(c, pci0, "_BBN", m->bus_start);
	name_int(c, pci0, "_UID", m->segment);
	aml_append(pci0, host_bridge_crs(c, m));
	aml_append(pci0, host_bridge_osc(c, m));
	aml_append(pci0, host_bridge_dsm(c, m));
	if (m->acpi_pci_hotplug)
		pcihp_registers(c, pci0, m);
	for (uint32_t i = 0; i < m->num_root_ports; i++)
		aml_append(pci0, root_port_device(c, m, &m->root_ports[i]));
	if (m->acpi_pci_hotplug)
		aml_append(pci0, root_pcnt(c, m));
	return pci0;
}

/*
 * Device (MBRD) {   // motherboard resources: Linux/x86 accepts the MCFG's ECAM only when a
 *                   // PNP0C01/PNP0C02 device's _CRS covers it
 *   Name (_HID, EisaId ("PNP0C02"))  Name (_UID, Zero)
 *   Name (_CRS, ResourceTemplate () { Memory32Fixed (ReadWrite, ecam.base, ecam.size)
 *                                     Memory32Fixed (ReadWrite, ged_base, 4) })
 * }
 * Device (PHPR) {   // the hotplug register block, so nothing else is placed over it
 *   Name (_HID, EisaId ("PNP0C02"))  Name (_UID, "PCI Hotplug resources")
 *   Name (_CRS, ResourceTemplate () { Memory32Fixed (ReadWrite, pcihp_base, pcihp_size) })
 * }
 * (QEMU's PHPR is a PNP0A06 container with an I/O range; Linux reserves the ranges of
 * PNP0C02 devices only, and our block is MMIO.)  Ranges above 4 GiB use QWordMemory.
 */
static void motherboard_resources(struct aml_ctx *c, struct aml *sb,
				  const struct vdm_mach_desc *m)
{
	struct aml *mbrd = aml_device(c, "MBRD"), *rt = aml_resource_template(c);

	aml_append(mbrd, aml_name_decl(c, "_HID", aml_eisaid(c, "PNP0C02")));
	name_int(c, mbrd, "_UID", 0);
	aml_append(rt, mem_consumer(c, m->ecam.base, m->ecam.size));
	aml_append(rt, mem_consumer(c, m->ged_base, VDM_GED_SEL_SIZE));
	aml_append(mbrd, aml_name_decl(c, "_CRS", rt));
	aml_append(sb, mbrd);

	if (m->acpi_pci_hotplug) {
		struct aml *phpr = aml_device(c, "PHPR"), *rt2 = aml_resource_template(c);

		aml_append(phpr, aml_name_decl(c, "_HID", aml_eisaid(c, "PNP0C02")));
		aml_append(phpr, aml_name_decl(c, "_UID", aml_string(c, "PCI Hotplug resources")));
		aml_append(rt2, mem_consumer(c, m->pcihp_base, m->pcihp_size));
		aml_append(phpr, aml_name_decl(c, "_CRS", rt2));
		aml_append(sb, phpr);
	}
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
static struct aml *ged(struct aml_ctx *c, const struct vdm_mach_desc *m)
{
	struct aml *dev = aml_device(c, "GED"), *rt = aml_resource_template(c);
	struct aml *evt = aml_method(c, "_EVT", 1, AML_SERIALIZED), *l0 = aml_local(c, 0);
	struct aml *f, *pwr, *hp;

	aml_append(dev, aml_name_decl(c, "_HID", aml_string(c, "ACPI0013")));
	name_int(c, dev, "_UID", 0);
	aml_append(rt, aml_interrupt(c, AML_IRQ_CONSUMER | AML_IRQ_EDGE, m->ged_gsi));
	aml_append(dev, aml_name_decl(c, "_CRS", rt));
	aml_append(dev, aml_opregion(c, "EREG", AML_SYSTEM_MEMORY, aml_int(c, m->ged_base),
				     aml_int(c, VDM_GED_SEL_SIZE)));
	f = aml_field(c, "EREG", AML_DWORD_ACC, AML_NO_LOCK, AML_WRITE_AS_ZEROS);
	aml_field_named(f, "ESEL", 32);
	aml_append(dev, f);

	aml_append(evt, aml_store(c, aml_name(c, "ESEL"), l0));
	pwr = aml_if(c, aml_lequal(c, aml_and(c, l0, aml_int(c, VDM_GED_EVT_PWR_DOWN), NULL),
				  aml_int(c, VDM_GED_EVT_PWR_DOWN)));
	aml_append(pwr, aml_notify(c, aml_name(c, "\\_SB.PWRB"), aml_int(c, 0x80)));
	aml_append(evt, pwr);
	if (m->acpi_pci_hotplug) {
		hp = aml_if(c, aml_lequal(c, aml_and(c, l0, aml_int(c, VDM_GED_EVT_PCI_HOTPLUG),
						     NULL),
					  aml_int(c, VDM_GED_EVT_PCI_HOTPLUG)));
		aml_append(hp, aml_acquire(c, aml_name(c, "\\_SB.PCI0.BLCK"), 0xffff));
		aml_append(hp, aml_call(c, "\\_SB.PCI0.PCNT", 0));
		aml_append(hp, aml_release(c, aml_name(c, "\\_SB.PCI0.BLCK")));
		aml_append(evt, hp);
	}
	aml_append(dev, evt);
	return dev;
}

/*
 * Device (PWRB) { Name (_HID, EisaId ("PNP0C0C"))  Name (_UID, Zero) }
 * Device (COM1) {
 *   Name (_HID, EisaId ("PNP0501"))  Name (_UID, One)
 *   Name (_CRS, ResourceTemplate () { IO (Decode16, port, port, 0x00, 0x08)
 *                                     IRQNoFlags () { gsi } })    // Interrupt () if > 15
 * }
 */
static void platform_devices(struct aml_ctx *c, struct aml *sb, const struct vdm_mach_desc *m)
{
	struct aml *pwrb = aml_device(c, "PWRB");

	aml_append(pwrb, aml_name_decl(c, "_HID", aml_eisaid(c, "PNP0C0C")));
	name_int(c, pwrb, "_UID", 0);
	aml_append(sb, pwrb);

	if (m->serial_port) {
		struct aml *com = aml_device(c, "COM1"), *rt = aml_resource_template(c);

		aml_append(com, aml_name_decl(c, "_HID", aml_eisaid(c, "PNP0501")));
		name_int(c, com, "_UID", 1);
		aml_append(rt, aml_io(c, m->serial_port, m->serial_port, 0, 8));
		if (m->serial_gsi <= 15)
			aml_append(rt, aml_irq_noflags(c, m->serial_gsi));
		else
			aml_append(rt, aml_interrupt(c, AML_IRQ_CONSUMER | AML_IRQ_EDGE,
						     m->serial_gsi));
		aml_append(com, aml_name_decl(c, "_CRS", rt));
		aml_append(sb, com);
	}
}

static int check_machine(const struct vdm_mach_desc *m, char *err, size_t err_len)
{
	if (m->num_root_ports > VDM_MACH_MAX_ROOT_PORTS)
		return say(err, err_len, "num_root_ports=%u: at most %u", m->num_root_ports,
			   VDM_MACH_MAX_ROOT_PORTS);
	if (m->bus_end < m->bus_start)
		return say(err, err_len, "PCI buses %u..%u: end below start", m->bus_start,
			   m->bus_end);
	if (m->pci_io.size && vdm_range_end(m->pci_io) > 0x10000)
		return say(err, err_len,
			   "PCI I/O aperture 0x%llx+0x%llx: must end at or below 0x10000",
			   (unsigned long long)m->pci_io.base,
			   (unsigned long long)m->pci_io.size);
	if (m->pci_mem32.size && vdm_range_end(m->pci_mem32) > (1ull << 32))
		return say(err, err_len,
			   "PCI 32-bit aperture 0x%llx+0x%llx: must end at or below 4 GiB",
			   (unsigned long long)m->pci_mem32.base,
			   (unsigned long long)m->pci_mem32.size);
	if (m->pci_mem64.size && vdm_range_end(m->pci_mem64) - 1 < m->pci_mem64.base)
		return say(err, err_len, "PCI 64-bit aperture 0x%llx+0x%llx: wraps around",
			   (unsigned long long)m->pci_mem64.base,
			   (unsigned long long)m->pci_mem64.size);
	if (!m->ecam.size)
		return say(err, err_len, "ECAM size 0: the host bridge needs its ECAM");
	if (m->acpi_pci_hotplug && m->pcihp_size < VDM_PCIHP_LEN)
		return say(err, err_len,
			   "pcihp_size=0x%x: the PCI hotplug block needs 0x%x bytes",
			   m->pcihp_size, VDM_PCIHP_LEN);
	for (uint32_t i = 0; i < m->num_root_ports; i++) {
		const struct vdm_mach_root_port *rp = &m->root_ports[i];

		if (hotplug_port(m, rp) && rp->bsel >= VDM_GED_MAX_SELECTORS)
			return say(err, err_len, "root port %s: BSEL %u, the GED has %u selectors",
				   rp->id, rp->bsel, VDM_GED_MAX_SELECTORS);
		for (uint32_t j = 0; j < i; j++)
			if (m->root_ports[j].devfn == rp->devfn)
				return say(err, err_len,
					   "root ports %s and %s: both at devfn 0x%02x",
					   m->root_ports[j].id, rp->id, rp->devfn);
	}
	return 0;
}

int vdm_dsdt_build(const struct vdm_mach_desc *m, uint8_t **aml, size_t *len, char *err,
		   size_t err_len)
{
	struct aml_ctx *c;
	struct aml *top, *sb, *s5;
	const char *msg;
	int rc;

	*aml = NULL;
	*len = 0;
	rc = check_machine(m, err, err_len);
	if (rc)
		return rc;
	c = aml_ctx_new();
	if (!c)
		return -ENOMEM;
	top = aml_list(c);
	sb = aml_scope(c, "\\_SB");
	aml_append(sb, host_bridge(c, m));
	motherboard_resources(c, sb, m);
	aml_append(sb, ged(c, m));
	platform_devices(c, sb, m);
	aml_append(top, sb);

	/* Name (\_S5, Package () { typ, typ, Zero, Zero }): SLP_TYPa, SLP_TYPb, reserved. */
	s5 = aml_package(c);
	aml_append(s5, aml_int(c, m->s5_slp_typ));
	aml_append(s5, aml_int(c, m->s5_slp_typ));
	aml_append(s5, aml_int(c, 0));
	aml_append(s5, aml_int(c, 0));
	aml_append(top, aml_name_decl(c, "\\_S5", s5));

	rc = aml_serialize(top, aml, len);
	if (rc && rc != -ENOMEM && err && err_len) {
		aml_ctx_error(c, &msg);
		snprintf(err, err_len, "DSDT: %s", msg);
	}
	aml_ctx_free(c);
	return rc;
}
