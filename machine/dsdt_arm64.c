/* The arm64 machine's part of the DSDT: processor devices, the host bridge's _CCA, its _CRS with
 * the memory-mapped I/O window, the INTx _PRT, and the PL011 as ARMH0011.  ASL above each. */
#include <stdio.h>

#include "dsdt_int.h"

#define GIC_SPI_FIRST 32u
#define GIC_SPI_END 1020u
#define PCI_IO_WINDOW 0x10000u /* the CPU window holds PCI ports 0..0xFFFF */
#define MAX_CPU_DEVICES 4096u  /* Device names C000..CFFF */

/*
 * Device (RES0) {   // the ECAM as a motherboard resource (arm64 Linux, pci_acpi_setup_ecam_mapping,
 *                   // says "[Firmware Bug]: ECAM area ... not reserved in ACPI namespace" without)
 *   Name (_HID, EisaId ("PNP0C02"))  Name (_UID, Zero)
 *   Name (_CRS, ResourceTemplate () { QWordMemory (..., ecam.base, ecam.size) })  // or 32-bit
 * }
 */
static struct vdm_aml *ecam_reservation(struct vdm_aml_ctx *c, const struct vdm_mach_desc *m)
{
	struct vdm_aml *res = vdm_aml_device(c, "RES0"), *rt = vdm_aml_resource_template(c);

	vdm_aml_append(res, vdm_aml_name_decl(c, "_HID", vdm_aml_eisaid(c, "PNP0C02")));
	vdm__dsdt_name_int(c, res, "_UID", 0);
	vdm_aml_append(rt, vdm__dsdt_mem_consumer(c, m->ecam.base, m->ecam.size));
	vdm_aml_append(res, vdm_aml_name_decl(c, "_CRS", rt));
	return res;
}

/*
 * Device (C000) { Name (_HID, "ACPI0007")  Name (_UID, Zero) }   ... one per CPU
 * The processor devices the MADT's GICC entries name by UID (Linux's ACPI processor driver
 * binds them; CPUs come up from the MADT and PSCI either way).
 */
static void processors(struct vdm_aml_ctx *c, struct vdm_aml *sb, const struct vdm_mach_desc *m)
{
	for (uint32_t i = 0; i < m->num_cpus; i++) {
		struct vdm_aml *cpu;
		char name[5];

		snprintf(name, sizeof(name), "C%03X", i & 0xfff); /* i < MAX_CPU_DEVICES */
		cpu = vdm_aml_device(c, name);
		vdm_aml_append(cpu, vdm_aml_name_decl(c, "_HID", vdm_aml_string(c, "ACPI0007")));
		vdm__dsdt_name_int(c, cpu, "_UID", i);
		vdm_aml_append(sb, cpu);
	}
}

/*
 * Name (_CRS, ResourceTemplate () {
 *   WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, 0, bus_start, bus_end, ...)
 *   DWordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0,
 *            pci_io.base, pci_io end - 1, pci_io_cpu_base, pci_io.size, , , , TypeTranslation,
 *            DenseTranslation)                          // QWordIO when above 4 GiB
 *   DWordMemory (ResourceProducer, ..., NonCacheable, ReadWrite, ..., pci_mem32)
 *   QWordMemory (ResourceProducer, ..., Prefetchable, ReadWrite, ..., pci_mem64)
 * })
 * No configuration ports: config space is the ECAM (MCFG) only.  The I/O window's minimum
 * and maximum are PCI port numbers; Linux adds the translation offset (_TRA) to get the CPU
 * address of the window (drivers/acpi/resource.c, acpi_decode_space: a producer's start =
 * minimum + translation), registers that range as PCI I/O space and maps it
 * (drivers/acpi/pci_root.c, acpi_pci_root_remap_iospace).  TypeTranslation (_TTP) says the
 * window is memory on the CPU side; Linux acts on sparse translation (_TRS) only, which
 * stays dense.
 */
static struct vdm_aml *host_bridge_crs(struct vdm_aml_ctx *c, const struct vdm_mach_desc *m)
{
	struct vdm_aml *rt = vdm_aml_resource_template(c);

	vdm_aml_append(rt, vdm_aml_word_bus_number(c, m->bus_start, m->bus_end));
	if (m->pci_io.size) {
		uint64_t lo = m->pci_io.base, hi = vdm_range_end(m->pci_io) - 1;

		if (m->pci_io_cpu_base + PCI_IO_WINDOW <= (UINT64_C(1) << 32))
			vdm_aml_append(rt, vdm_aml_dword_io(c, VDM_AML_TYPE_TRANSLATION,
							    (uint32_t)lo, (uint32_t)hi,
							    (uint32_t)m->pci_io_cpu_base));
		else
			vdm_aml_append(rt, vdm_aml_qword_io(c, VDM_AML_TYPE_TRANSLATION, lo, hi,
							    m->pci_io_cpu_base));
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
 * Name (_PRT, Package () {
 *   Package () { 0x0000FFFF, Zero, Zero, intx_gsi_base + (0 + 0) % intx_gsis },   // 00:00 INTA
 *   Package () { 0x0000FFFF, One,  Zero, intx_gsi_base + (0 + 1) % intx_gsis },   //       INTB
 *   ... every slot 0..31 of the root bus, pins INTA..INTD
 * })
 * The link-free form (Source Zero, Source Index = the interrupt): Linux takes the GSI as
 * given, level-triggered, and on a GIC active high (drivers/acpi/pci_irq.c,
 * acpi_pci_irq_enable).  The route is vdm_pci_intx_route(), what the host bridge drives
 * (devices behind a root port are swizzled to its slot first, by the OS as by the host).
 */
static struct vdm_aml *host_bridge_prt(struct vdm_aml_ctx *c, const struct vdm_mach_desc *m)
{
	struct vdm_aml *prt = vdm_aml_package(c);

	for (uint32_t slot = 0; slot < 32; slot++)
		for (uint32_t pin = 0; pin < 4; pin++) {
			struct vdm_aml *e = vdm_aml_package(c);

			vdm_aml_append(e, vdm_aml_int(c, (uint64_t)slot << 16 | 0xffff));
			vdm_aml_append(e, vdm_aml_int(c, pin));
			vdm_aml_append(e, vdm_aml_int(c, 0));
			vdm_aml_append(e, vdm_aml_int(c, m->intx_gsi_base +
							    (slot + pin) % m->intx_gsis));
			vdm_aml_append(prt, e);
		}
	return vdm_aml_name_decl(c, "_PRT", prt);
}

/*
 * Device (COM0) {
 *   Name (_HID, "ARMH0011")  Name (_UID, Zero)
 *   Name (_CRS, ResourceTemplate () {
 *     Memory32Fixed (ReadWrite, uart_mmio.base, uart_mmio.size)     // QWordMemory above 4 GiB
 *     Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { serial_gsi } })
 * }
 * ARMH0011 is the Arm SBSA generic UART, which Linux binds to its sbsa-uart driver (the PL011
 * driven through the SBSA register subset); the SPCR names the same UART as the console.
 */
static struct vdm_aml *uart(struct vdm_aml_ctx *c, const struct vdm_mach_desc *m)
{
	struct vdm_aml *com = vdm_aml_device(c, "COM0"), *rt = vdm_aml_resource_template(c);

	vdm_aml_append(com, vdm_aml_name_decl(c, "_HID", vdm_aml_string(c, "ARMH0011")));
	vdm__dsdt_name_int(c, com, "_UID", 0);
	vdm_aml_append(rt, vdm__dsdt_mem_consumer(c, m->uart_mmio.base, m->uart_mmio.size));
	vdm_aml_append(rt, vdm_aml_interrupt(c, VDM_AML_IRQ_CONSUMER, m->serial_gsi));
	vdm_aml_append(com, vdm_aml_name_decl(c, "_CRS", rt));
	return com;
}

static int check(const struct vdm_mach_desc *m, char *err, size_t err_len)
{
	if (m->num_cpus > MAX_CPU_DEVICES)
		return vdm__dsdt_say(err, err_len, "num_cpus=%u: the DSDT names at most %u CPUs",
				     m->num_cpus, MAX_CPU_DEVICES);
	if (!m->uart_mmio.size)
		return vdm__dsdt_say(err, err_len, "uart_mmio size 0: the arm64 DSDT needs the PL011");
	if (m->serial_gsi < GIC_SPI_FIRST || m->serial_gsi >= GIC_SPI_END)
		return vdm__dsdt_say(err, err_len,
				     "serial_gsi=%u: the UART's interrupt is an SPI, INTID 32..1019",
				     m->serial_gsi);
	if (m->ged_gsi < GIC_SPI_FIRST || m->ged_gsi >= GIC_SPI_END)
		return vdm__dsdt_say(err, err_len,
				     "ged_gsi=%u: the GED's interrupt is an SPI, INTID 32..1019",
				     m->ged_gsi);
	if (m->intx_gsis && (m->intx_gsi_base < GIC_SPI_FIRST || m->intx_gsis > 32 ||
			     m->intx_gsi_base + m->intx_gsis > GIC_SPI_END))
		return vdm__dsdt_say(err, err_len,
				     "INTx interrupts %u..%u: must be 1 to 32 SPIs, INTID 32..1019",
				     m->intx_gsi_base, m->intx_gsi_base + m->intx_gsis - 1);
	if (m->pci_io.size && m->pci_io_cpu_base > UINT64_MAX - PCI_IO_WINDOW)
		return vdm__dsdt_say(err, err_len, "PCI I/O window at 0x%llx: wraps around",
				     (unsigned long long)m->pci_io_cpu_base);
	return 0;
}

/*
 * Scope (\_SB) {
 *   Device (C000) ...                     processors
 *   Device (PCI0) { ... Name (_CCA, One)  Name (_CRS, ...)  Name (_PRT, ...) ... }
 *   Device (PHPR) ...  Device (GED) ...  Device (PWRB) ...  Device (COM0) ...
 * }
 * _CCA One: DMA of devices below the host bridge is cache-coherent (Linux/arm64 requires the
 * object: without it, CONFIG_ACPI_CCA_REQUIRED, a device below gets no DMA at all).  No \_S5 and no COM1:
 * the guest powers off through PSCI, its console is the PL011.
 */
int vdm__dsdt_arm64(struct vdm_aml_ctx *c, struct vdm_aml *top, const struct vdm_mach_desc *m,
		    char *err, size_t err_len)
{
	struct vdm_aml *sb, *pci0;
	int rc = check(m, err, err_len);

	if (rc)
		return rc;
	sb = vdm_aml_scope(c, "\\_SB");
	processors(c, sb, m);
	pci0 = vdm__dsdt_host_bridge_begin(c, m);
	vdm__dsdt_name_int(c, pci0, "_CCA", 1);
	vdm_aml_append(pci0, host_bridge_crs(c, m));
	if (m->intx_gsis)
		vdm_aml_append(pci0, host_bridge_prt(c, m));
	vdm__dsdt_host_bridge_end(c, pci0, m);
	vdm_aml_append(sb, pci0);
	vdm_aml_append(sb, ecam_reservation(c, m));
	vdm__dsdt_hotplug_resources(c, sb, m);
	vdm_aml_append(sb, vdm__dsdt_ged(c, m));
	vdm_aml_append(sb, vdm__dsdt_power_button(c));
	vdm_aml_append(sb, uart(c, m));
	vdm_aml_append(top, sb);
	return 0;
}
