/* The arm64 machine's own ACPI tables: a hardware-reduced FADT with the PSCI boot flags, a MADT of
 * GICv3 CPU interfaces, distributor and redistributor range, the GTDT and the SPCR (ACPI 6.3). */
#include <stdint.h>
#include <string.h>

#include "acpi_int.h"

#define MADT_FIXED (ACPI_HDR_LEN + 8)
#define MADT_GICC_LEN 80 /* ACPI 6.0-6.4; Linux 6.1 takes 76 or more */
#define MADT_GICD_LEN 24
#define MADT_GICR_LEN 16
#define GTDT_LEN 96      /* revision 2: no platform timers, no virtual EL2 timer */
#define SPCR_LEN 80      /* revision 2 */

/* FADT IAPC_BOOT_ARCH (§5.2.9.3): the one flag Linux reads on every architecture */
#define BOOT_MSI_NOT_SUPPORTED (1u << 3)
/* FADT ARM_BOOT_ARCH (§5.2.9.4) */
#define ARM_PSCI_COMPLIANT (1u << 0)
#define ARM_PSCI_USE_HVC (1u << 1)
/* GTDT timer flags (§5.2.24, table 5-125) */
#define GTDT_EDGE (1u << 0)
#define GTDT_ACTIVE_LOW (1u << 1)
#define GTDT_ALWAYS_ON (1u << 2)
/* SPCR (Microsoft's "Serial Port Console Redirection Table", revision 2) */
#define SPCR_ARM_SBSA_GENERIC 0x0e
#define SPCR_IRQ_GIC (1u << 3)
#define SPCR_BAUD_115200 7

#define GICR_FRAME_SIZE UINT64_C(0x20000) /* RD_base + SGI_base frames of one CPU */
#define GIC_SPI_FIRST 32u
#define GIC_SPI_END 1020u

static uint32_t fadt_len(const struct vdm_mach_desc *m)
{
	(void)m;
	return ACPI_FADT_LEN;
}

/*
 * FADT (§5.2.9), revision 6.3, hardware-reduced: no PM blocks, no SCI, no FACS, no reset or
 * sleep registers and no \_S5 (Linux/arm64 powers off and resets through PSCI).
 * ARM_BOOT_ARCH says PSCI (0.2 or later) brings the CPUs up, through HVC: the VMM's KVM
 * handles PSCI calls itself.  Linux/arm64 refuses ACPI unless the FADT is 5.1 or later and
 * hardware-reduced (arch/arm64/kernel/acpi.c), and takes its CPU boot method from these flags.
 * MSI not supported: the machine has no GIC ITS (nothing the MADT or an IORT could name), so
 * no MSI domain; Linux's ACPI host bridge would still try MSI for every PCIe port (they
 * offer MSI) and WARN in pci_msi_setup_msi_irqs.  Linux honours this flag on any
 * architecture (drivers/pci/pci-acpi.c, acpi_pci_init: pci_no_msi()), as arm64 firmware
 * without an ITS does; it then asks _OSC for no control, which leaves hotplug to acpiphp.
 * A machine that gains an ITS drops the flag and adds the MADT ITS entry and an IORT.
 */
static void build_fadt(uint8_t *t, uint32_t len, const struct vdm_mach_desc *m, uint64_t dsdt_gpa)
{
	(void)m;
	vdm__acpi_header(t, "FACP", len, 6);
	vdm__acpi_wle(t, 109, BOOT_MSI_NOT_SUPPORTED, 2); /* IAPC_BOOT_ARCH */
	vdm__acpi_wle(t, 112, FADT_HW_REDUCED_ACPI | FADT_PWR_BUTTON | FADT_SLP_BUTTON, 4);
	vdm__acpi_wle(t, 129, ARM_PSCI_COMPLIANT | ARM_PSCI_USE_HVC, 2); /* ARM_BOOT_ARCH */
	vdm__acpi_w8(t, 131, 3);            /* FADT minor version: ACPI 6.3 */
	vdm__acpi_wle(t, 140, dsdt_gpa, 8); /* X_DSDT */
	memcpy(t + 268, VDM_ACPI_HYPERVISOR_ID, 8);
	vdm__acpi_finish(t, len);
}

static uint32_t madt_len(const struct vdm_mach_desc *m)
{
	return MADT_FIXED + m->num_cpus * MADT_GICC_LEN + MADT_GICD_LEN + MADT_GICR_LEN;
}

/*
 * MADT (§5.2.12), revision 5: one GICC per CPU, then the GICD and one GICR range.
 * GICv3: the CPU interface is reached through system registers, so the GICC's physical
 * base (and GICV/GICH) is 0, as is its CPU interface number (no GICv2 compatibility); its
 * GICR base is 0 because the GICR structure describes all redistributors, which Linux walks
 * until the frame whose GICR_TYPER says Last.  No performance (PMU) or VGIC maintenance
 * interrupt: the machine has neither.  MPIDR is what KVM gives vCPU n (vdm_arm64_mpidr), and
 * ACPI processor UID n matches the DSDT's processor device Cnnn.
 */
static void build_madt(uint8_t *t, uint32_t len, const struct vdm_mach_desc *m, uint64_t dsdt_gpa)
{
	size_t off = MADT_FIXED;

	(void)dsdt_gpa;
	vdm__acpi_header(t, "APIC", len, 5);
	/* local interrupt controller address and flags: 0 (no 8259s) */
	for (uint32_t i = 0; i < m->num_cpus; i++) {
		vdm__acpi_w8(t, off + 0, 0x0b); /* GIC CPU Interface (GICC) */
		vdm__acpi_w8(t, off + 1, MADT_GICC_LEN);
		vdm__acpi_wle(t, off + 8, i, 4);  /* ACPI processor UID */
		vdm__acpi_wle(t, off + 12, 1, 4); /* flags: enabled */
		vdm__acpi_wle(t, off + 68, vdm_arm64_mpidr(i), 8);
		off += MADT_GICC_LEN;
	}
	vdm__acpi_w8(t, off + 0, 0x0c); /* GIC Distributor (GICD) */
	vdm__acpi_w8(t, off + 1, MADT_GICD_LEN);
	vdm__acpi_wle(t, off + 8, m->gicd.base, 8);
	vdm__acpi_w8(t, off + 20, 3); /* GIC version 3 */
	off += MADT_GICD_LEN;
	vdm__acpi_w8(t, off + 0, 0x0e); /* GIC Redistributor (GICR) discovery range */
	vdm__acpi_w8(t, off + 1, MADT_GICR_LEN);
	vdm__acpi_wle(t, off + 4, m->gicr.base, 8);
	vdm__acpi_wle(t, off + 12, m->gicr.size, 4);
	vdm__acpi_finish(t, len);
}

static uint32_t gtdt_len(const struct vdm_mach_desc *m)
{
	(void)m;
	return GTDT_LEN;
}

/*
 * GTDT (§5.2.24), revision 2 (what Linux 6.1 parses): the four PPIs of desc.timer_ppi,
 * level-triggered and active high as the GIC sees them (KVM raises a timer's PPI as a level;
 * QEMU's virt describes the same), no memory-mapped CNTControlBase/CNTReadBase
 * (0xFFFFFFFFFFFFFFFF = not provided), no platform timers.  The non-secure, virtual and EL2
 * timers are always on: KVM keeps them running while a vCPU idles, so Linux needs no
 * broadcast timer (drivers/acpi/arm64/gtdt.c: acpi_gtdt_c3stop).  The secure timer's flags
 * have no always-on bit.
 */
static void build_gtdt(uint8_t *t, uint32_t len, const struct vdm_mach_desc *m, uint64_t dsdt_gpa)
{
	const uint32_t level_high = 0; /* neither GTDT_EDGE nor GTDT_ACTIVE_LOW */

	(void)dsdt_gpa;
	vdm__acpi_header(t, "GTDT", len, 2);
	vdm__acpi_wle(t, 36, UINT64_MAX, 8); /* CntControlBase: not provided */
	vdm__acpi_wle(t, 48, m->timer_ppi[0], 4); /* secure EL1 */
	vdm__acpi_wle(t, 52, level_high, 4);
	vdm__acpi_wle(t, 56, m->timer_ppi[1], 4); /* non-secure EL1 */
	vdm__acpi_wle(t, 60, level_high | GTDT_ALWAYS_ON, 4);
	vdm__acpi_wle(t, 64, m->timer_ppi[2], 4); /* virtual */
	vdm__acpi_wle(t, 68, level_high | GTDT_ALWAYS_ON, 4);
	vdm__acpi_wle(t, 72, m->timer_ppi[3], 4); /* non-secure EL2 */
	vdm__acpi_wle(t, 76, level_high | GTDT_ALWAYS_ON, 4);
	vdm__acpi_wle(t, 80, UINT64_MAX, 8); /* CntReadBase: not provided */
	/* platform timer count and offset: 0 */
	vdm__acpi_finish(t, len);
}

static uint32_t spcr_len(const struct vdm_mach_desc *m)
{
	(void)m;
	return SPCR_LEN;
}

/*
 * SPCR, revision 2: the PL011 at desc.uart_mmio as an "ARM SBSA Generic UART" (type 0x0E),
 * 32-bit MMIO accesses, GIC interrupt desc.serial_gsi, 115200 8N1, no flow control.
 * Why that type: Linux maps all three Arm UART types (PL011 0x03, SBSA 32-bit 0x0D, SBSA
 * generic 0x0E) to its "pl011" console (drivers/acpi/spcr.c) and makes it the preferred
 * console by itself on an ACPI boot, so any would give a console; the DSDT's UART is
 * ARMH0011, which Linux drives with its SBSA generic UART driver (sbsa-uart in
 * amba-pl011.c: 32-bit accesses, baud rate left as firmware set it), and 0x0E says exactly
 * that, so the console and the device the DSDT names agree on how the registers are used.
 * The GAS's 32-bit access size makes the console and earlycon "mmio32".
 */
static void build_spcr(uint8_t *t, uint32_t len, const struct vdm_mach_desc *m, uint64_t dsdt_gpa)
{
	(void)dsdt_gpa;
	vdm__acpi_header(t, "SPCR", len, 2);
	vdm__acpi_w8(t, 36, SPCR_ARM_SBSA_GENERIC); /* interface type */
	vdm__acpi_w8(t, 40, 0);                     /* base address: SystemMemory */
	vdm__acpi_w8(t, 41, 32);                    /* register bit width */
	vdm__acpi_w8(t, 42, 0);                     /* bit offset */
	vdm__acpi_w8(t, 43, 3);                     /* access size: dword */
	vdm__acpi_wle(t, 44, m->uart_mmio.base, 8);
	vdm__acpi_w8(t, 52, SPCR_IRQ_GIC);          /* interrupt type */
	vdm__acpi_wle(t, 54, m->serial_gsi, 4);     /* global system interrupt */
	vdm__acpi_w8(t, 58, SPCR_BAUD_115200);
	vdm__acpi_w8(t, 60, 1);                     /* stop bits: 1; parity, flow control: none */
	vdm__acpi_wle(t, 64, 0xffff, 2);            /* PCI device ID: not a PCI device */
	vdm__acpi_wle(t, 66, 0xffff, 2);            /* PCI vendor ID */
	vdm__acpi_finish(t, len);
}

static int check(const struct vdm_mach_desc *m, char *err, size_t err_len)
{
	if (!m->gicd.size || !m->gicr.size)
		return vdm__acpi_say(err, err_len,
				     "GICD 0x%llx+0x%llx / GICR 0x%llx+0x%llx: the MADT needs both",
				     (unsigned long long)m->gicd.base,
				     (unsigned long long)m->gicd.size,
				     (unsigned long long)m->gicr.base,
				     (unsigned long long)m->gicr.size);
	if (m->gicr.size < m->num_cpus * GICR_FRAME_SIZE || m->gicr.size > UINT32_MAX)
		return vdm__acpi_say(err, err_len,
				     "GICR range 0x%llx: %u CPUs need 0x%llx (128 KiB each), and the "
				     "MADT holds at most 4 GiB",
				     (unsigned long long)m->gicr.size, m->num_cpus,
				     (unsigned long long)(m->num_cpus * GICR_FRAME_SIZE));
	for (unsigned i = 0; i < 4; i++)
		if (m->timer_ppi[i] < 16 || m->timer_ppi[i] >= GIC_SPI_FIRST)
			return vdm__acpi_say(err, err_len,
					     "timer_ppi[%u]=%u: a timer interrupt is a PPI, INTID 16..31",
					     i, m->timer_ppi[i]);
	if (!m->uart_mmio.size)
		return vdm__acpi_say(err, err_len, "uart_mmio size 0: the SPCR needs the PL011");
	if (m->serial_gsi < GIC_SPI_FIRST || m->serial_gsi >= GIC_SPI_END)
		return vdm__acpi_say(err, err_len,
				     "serial_gsi=%u: the UART's interrupt is an SPI, INTID 32..1019",
				     m->serial_gsi);
	return 0;
}

static const struct vdm__acpi_table tables[] = {
	{ "FACP", fadt_len, build_fadt },
	{ "APIC", madt_len, build_madt },
	{ "GTDT", gtdt_len, build_gtdt },
	{ "MCFG", vdm__acpi_mcfg_len, vdm__acpi_mcfg },
	{ "SPCR", spcr_len, build_spcr },
};

const struct vdm__acpi_arch vdm__acpi_arm64 = {
	.tables = tables,
	.num_tables = sizeof(tables) / sizeof(tables[0]),
	.max_cpus = VDM_ACPI_ARM64_MAX_CPUS,
	.check = check,
};
