/* The x86_64 machine's part of the DSDT: the host bridge's _CRS around the CF8/CFC ports, the
 * motherboard resources Linux/x86 wants over the ECAM, COM1 and \_S5.  ASL above each function. */
#include <stdio.h>

#include <vdm/ged.h>

#include "dsdt_int.h"

#define CFG_PORTS_START 0x0cf8u /* type-1 configuration mechanism */
#define CFG_PORTS_LEN 8u

/*
 * Name (_CRS, ResourceTemplate () {
 *   WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, 0, bus_start, bus_end, ...)
 *   IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
 *   WordIO (...pci_io below 0xCF8...)  WordIO (...pci_io above 0xCFF...)
 *   DWordMemory (ResourceProducer, ..., NonCacheable, ReadWrite, ..., pci_mem32)
 *   QWordMemory (ResourceProducer, ..., Prefetchable, ReadWrite, ..., pci_mem64)
 * })
 */
static struct vdm_aml *host_bridge_crs(struct vdm_aml_ctx *c, const struct vdm_mach_desc *m)
{
	struct vdm_aml *rt = vdm_aml_resource_template(c);
	uint64_t io_lo = m->pci_io.base, io_hi = vdm_range_end(m->pci_io);

	vdm_aml_append(rt, vdm_aml_word_bus_number(c, m->bus_start, m->bus_end));
	vdm_aml_append(rt, vdm_aml_io(c, CFG_PORTS_START, CFG_PORTS_START, 1, CFG_PORTS_LEN));
	if (m->pci_io.size) {
		/* The config ports belong to the host bridge itself, not to its children. */
		if (io_lo < CFG_PORTS_START)
			vdm_aml_append(rt, vdm_aml_word_io(c, (uint16_t)io_lo,
						   (uint16_t)((io_hi < CFG_PORTS_START ?
							       io_hi : CFG_PORTS_START) - 1)));
		if (io_hi > CFG_PORTS_START + CFG_PORTS_LEN) {
			uint64_t lo = io_lo > CFG_PORTS_START + CFG_PORTS_LEN ?
					      io_lo : CFG_PORTS_START + CFG_PORTS_LEN;

			vdm_aml_append(rt, vdm_aml_word_io(c, (uint16_t)lo, (uint16_t)(io_hi - 1)));
		}
	}
	if (m->pci_mem32.size)
		vdm_aml_append(
			rt, vdm_aml_dword_memory(c, VDM_AML_RESOURCE_PRODUCER,
						 VDM_AML_NON_CACHEABLE, (uint32_t)m->pci_mem32.base,
						 (uint32_t)(vdm_range_end(m->pci_mem32) - 1)));
	if (m->pci_mem64.size)
		vdm_aml_append(rt, vdm_aml_qword_memory(c, VDM_AML_RESOURCE_PRODUCER,
							VDM_AML_PREFETCHABLE, m->pci_mem64.base,
							vdm_range_end(m->pci_mem64) - 1));
	return vdm_aml_name_decl(c, "_CRS", rt);
}

/*
 * Device (MBRD) {   // motherboard resources: Linux/x86 accepts the MCFG's ECAM only when a
 *                   // PNP0C01/PNP0C02 device's _CRS covers it
 *   Name (_HID, EisaId ("PNP0C02"))  Name (_UID, Zero)
 *   Name (_CRS, ResourceTemplate () { Memory32Fixed (ReadWrite, ecam.base, ecam.size)
 *                                     Memory32Fixed (ReadWrite, ged_base, 4) })
 * }
 * Ranges above 4 GiB use QWordMemory.  Then PHPR (dsdt.c).
 */
static void motherboard_resources(struct vdm_aml_ctx *c, struct vdm_aml *sb,
				  const struct vdm_mach_desc *m)
{
	struct vdm_aml *mbrd = vdm_aml_device(c, "MBRD"), *rt = vdm_aml_resource_template(c);

	vdm_aml_append(mbrd, vdm_aml_name_decl(c, "_HID", vdm_aml_eisaid(c, "PNP0C02")));
	vdm__dsdt_name_int(c, mbrd, "_UID", 0);
	vdm_aml_append(rt, vdm__dsdt_mem_consumer(c, m->ecam.base, m->ecam.size));
	vdm_aml_append(rt, vdm__dsdt_mem_consumer(c, m->ged_base, VDM_GED_SEL_SIZE));
	vdm_aml_append(mbrd, vdm_aml_name_decl(c, "_CRS", rt));
	vdm_aml_append(sb, mbrd);

	vdm__dsdt_hotplug_resources(c, sb, m);
}

/*
 * Device (PWRB) (dsdt.c)
 * Device (COM1) {
 *   Name (_HID, EisaId ("PNP0501"))  Name (_UID, One)
 *   Name (_CRS, ResourceTemplate () { IO (Decode16, port, port, 0x00, 0x08)
 *                                     IRQNoFlags () { gsi } })    // Interrupt () if > 15
 * }
 */
static void platform_devices(struct vdm_aml_ctx *c, struct vdm_aml *sb,
			     const struct vdm_mach_desc *m)
{
	vdm_aml_append(sb, vdm__dsdt_power_button(c));

	if (m->serial_port) {
		struct vdm_aml *com = vdm_aml_device(c, "COM1"), *rt = vdm_aml_resource_template(c);

		vdm_aml_append(com, vdm_aml_name_decl(c, "_HID", vdm_aml_eisaid(c, "PNP0501")));
		vdm__dsdt_name_int(c, com, "_UID", 1);
		vdm_aml_append(rt, vdm_aml_io(c, m->serial_port, m->serial_port, 0, 8));
		if (m->serial_gsi <= 15)
			vdm_aml_append(rt, vdm_aml_irq_noflags(c, m->serial_gsi));
		else
			vdm_aml_append(rt,
				       vdm_aml_interrupt(c, VDM_AML_IRQ_CONSUMER | VDM_AML_IRQ_EDGE,
							 m->serial_gsi));
		vdm_aml_append(com, vdm_aml_name_decl(c, "_CRS", rt));
		vdm_aml_append(sb, com);
	}
}

int vdm__dsdt_x86(struct vdm_aml_ctx *c, struct vdm_aml *top, const struct vdm_mach_desc *m,
		  char *err, size_t err_len)
{
	struct vdm_aml *sb = vdm_aml_scope(c, "\\_SB"), *pci0, *s5;

	(void)err;
	(void)err_len;
	pci0 = vdm__dsdt_host_bridge_begin(c, m);
	vdm_aml_append(pci0, host_bridge_crs(c, m));
	vdm__dsdt_host_bridge_end(c, pci0, m);
	vdm_aml_append(sb, pci0);
	motherboard_resources(c, sb, m);
	vdm_aml_append(sb, vdm__dsdt_ged(c, m));
	platform_devices(c, sb, m);
	vdm_aml_append(top, sb);

	/* Name (\_S5, Package () { typ, typ, Zero, Zero }): SLP_TYPa, SLP_TYPb, reserved. */
	s5 = vdm_aml_package(c);
	vdm_aml_append(s5, vdm_aml_int(c, m->s5_slp_typ));
	vdm_aml_append(s5, vdm_aml_int(c, m->s5_slp_typ));
	vdm_aml_append(s5, vdm_aml_int(c, 0));
	vdm_aml_append(s5, vdm_aml_int(c, 0));
	vdm_aml_append(top, vdm_aml_name_decl(c, "\\_S5", s5));
	return 0;
}
