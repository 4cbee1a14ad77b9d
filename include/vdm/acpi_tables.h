/* ACPI static tables of the x86_64 and the arm64 machine (RSDP, XSDT, FADT, MADT, MCFG, DSDT; arm64
 * also GTDT and SPCR), laid out for one guest-physical address with pointers and checksums set. */
#ifndef VDM_ACPI_TABLES_H
#define VDM_ACPI_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include <vdm/machine_desc.h>

/*
 * What is built (ACPI 6.3 numbering), by mach->arch:
 *
 * x86_64 (VDM_ARCH_X86_64):
 *   RSDP  revision 2 (ACPI 2.0+ form, 36 bytes, both checksums), no RSDT
 *   XSDT  revision 1: FACP, APIC, MCFG
 *   FACP  revision 6, minor 3 (276 bytes): HW_REDUCED_ACPI, RESET_REG_SUP, PWR_BUTTON and
 *         SLP_BUTTON (buttons are control-method devices); reset register and sleep
 *         control/status registers are 8-bit SystemIO at mach->power_port; X_DSDT; no FACS;
 *         with mach->pm_timer_port: X_PM_TMR_BLK (32-bit SystemIO) and TMR_VAL_EXT
 *   APIC  revision 5: local APIC at mach->lapic_base, one Local APIC (or, for APIC IDs
 *         >= 255, Local x2APIC) entry per CPU (APIC ID = UID = index), one I/O APIC
 *   MCFG  revision 1: one allocation for segment mach->segment, buses bus_start..bus_end
 *   DSDT  revision 2 (64-bit integers) around the AML the caller passes
 *
 * arm64 (VDM_ARCH_ARM64):
 *   RSDP, MCFG, DSDT as above; XSDT: FACP, APIC, GTDT, MCFG, SPCR
 *   FACP  revision 6, minor 3: HW_REDUCED_ACPI, PWR_BUTTON, SLP_BUTTON, ARM_BOOT_ARCH =
 *         PSCI_COMPLIANT | PSCI_USE_HVC, IAPC_BOOT_ARCH = MSI not supported (no GIC ITS);
 *         no reset, sleep or PM timer registers; X_DSDT
 *   APIC  revision 5: one GICC (80 bytes) per CPU (UID = index, MPIDR = vdm_arm64_mpidr(index),
 *         enabled, GICv3: physical base, GICR base and CPU interface number 0), one GICD at
 *         mach->gicd (version 3), one GICR discovery range over mach->gicr
 *   GTDT  revision 2: mach->timer_ppi[0..3] (secure EL1, non-secure EL1, virtual, EL2),
 *         level-triggered, active high, always-on except the secure timer; no
 *         memory-mapped counter, no platform timers
 *   SPCR  revision 2: ARM SBSA generic UART (0x0E) at mach->uart_mmio, 32-bit accesses,
 *         GIC interrupt mach->serial_gsi, 115200 baud
 *
 * OEM ID "VDM   ", OEM table ID "VDM" + signature, creator "VDM " revision 1.
 */

#define VDM_ACPI_OEM_ID "VDM   "
#define VDM_ACPI_HYPERVISOR_ID "VDM     "
#define VDM_ACPI_MAX_TABLES 8
#define VDM_ACPI_MAX_CPUS 1024      /* x86_64 */
#define VDM_ACPI_ARM64_MAX_CPUS 512 /* arm64: KVM's limit (KVM_MAX_VCPUS) */
#define VDM_ACPI_ALIGN 16 /* every table starts 16-byte aligned (the RSDP must) */

/* One table in the laid-out blob. */
struct vdm_acpi_table_ref {
	char sig[5];     /* "RSDP" (the RSDP has no header signature of 4), "XSDT", ... */
	uint32_t offset; /* from the start of the blob */
	uint32_t len;
	uint64_t gpa;    /* base_gpa + offset */
};

struct vdm_acpi_layout {
	uint64_t base_gpa; /* where byte 0 of the blob goes in guest memory */
	uint64_t rsdp_gpa; /* = base_gpa: x86 boot_params.acpi_rsdp_addr; arm64: the EFI
			    * configuration table's ACPI 2.0 entry */
	size_t size;       /* bytes of the blob; on -ENOSPC, the size needed */
	unsigned num_tables;
	struct vdm_acpi_table_ref tables[VDM_ACPI_MAX_TABLES]; /* RSDP first, DSDT last */
};

/*
 * The MPIDR (affinity fields only, bit 31 clear) KVM gives arm64 vCPU `cpu` when the VMM
 * creates it with vcpu_id = cpu and sets no MPIDR itself: Aff0 = cpu % 16 (16 CPUs per
 * cluster, what a GICv3 SGI can target directly), Aff1 = cpu / 16 % 256, Aff2 = cpu / 4096.
 * The MADT's GICC and the device tree's cpu@ reg say this value.
 */
static inline uint64_t vdm_arm64_mpidr(uint32_t cpu)
{
	return (uint64_t)(cpu & 0x0f) | (uint64_t)((cpu >> 4) & 0xff) << 8 |
	       (uint64_t)((cpu >> 12) & 0xff) << 16;
}

/*
 * Lay out every table for machine `m` (tables by m->arch, see above) in `buf` (capacity
 * `cap`), as they will sit at guest address `base_gpa`: RSDP at offset 0, then XSDT, the
 * architecture's tables in XSDT order, DSDT, each 16-byte aligned, padding zeroed.  `dsdt_aml`/`dsdt_len` is the DSDT body (the DefinitionBlock's
 * AML, e.g. from vdm_dsdt_build()).  `out` describes the result.
 *
 * Returns 0; -ENOSPC when cap is too small (out->size = bytes needed; buf may be NULL to
 * ask); -EINVAL when `m` cannot be described (an unknown arch, no CPUs or more than
 * VDM_ACPI_MAX_CPUS / VDM_ACPI_ARM64_MAX_CPUS, base not 16-byte aligned, bus range
 * reversed, ECAM smaller than the bus range needs, blob wrapping the address space; x86:
 * LAPIC/IOAPIC above 4 GiB; arm64: no GICD or GICR, a GICR range smaller than 128 KiB per
 * CPU or above 4 GiB long, a timer interrupt that is not a PPI, no UART or a UART interrupt
 * that is not an SPI) with a one-line reason in `err` (if err_len) naming the value and the
 * fix.
 */
int vdm_acpi_layout(const struct vdm_mach_desc *m, const uint8_t *dsdt_aml, size_t dsdt_len,
		    uint64_t base_gpa, uint8_t *buf, size_t cap, struct vdm_acpi_layout *out,
		    char *err, size_t err_len);

/*
 * vdm_dsdt_build() + vdm_acpi_layout(): every table for `m`.  Same returns (and the DSDT
 * builder's -EINVAL/-ENOMEM with its reason).
 */
int vdm_acpi_build(const struct vdm_mach_desc *m, uint64_t base_gpa, uint8_t *buf, size_t cap,
		   struct vdm_acpi_layout *out, char *err, size_t err_len);

/*
 * Write each table of a laid-out blob to directory `dir` (which must exist): rsdp.dat,
 * xsdt.dat, facp.dat, apic.dat, mcfg.dat (arm64: also gtdt.dat, spcr.dat) and dsdt.aml, the
 * formats `iasl -d` and `acpiexec` read.  Returns 0 or -errno of the first failed open/write (`err` names the
 * file).
 */
int vdm_acpi_dump(const struct vdm_acpi_layout *l, const uint8_t *buf, const char *dir,
		  char *err, size_t err_len);

/* The byte that makes `len` bytes at `p` sum to zero when stored in the checksum field
 * (which must be zero when this is called). */
uint8_t vdm_acpi_checksum(const uint8_t *p, size_t len);

#endif /* VDM_ACPI_TABLES_H */
