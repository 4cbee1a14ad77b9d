/* ACPI static tables for the x86_64 machine (RSDP, XSDT, FADT, MADT, MCFG, DSDT), laid out
 * contiguously for one guest-physical address with every pointer and checksum fixed up. */
#ifndef VDM_ACPI_TABLES_H
#define VDM_ACPI_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include <vdm/machine_desc.h>

/*
 * What is built (ACPI 6.3 numbering):
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
 * OEM ID "VDM   ", OEM table ID "VDM" + signature, creator "VDM " revision 1.
 */

#define VDM_ACPI_OEM_ID "VDM   "
#define VDM_ACPI_HYPERVISOR_ID "VDM     "
#define VDM_ACPI_MAX_TABLES 6
#define VDM_ACPI_MAX_CPUS 1024
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
	uint64_t rsdp_gpa; /* = base_gpa: for boot_params.acpi_rsdp_addr (zero page 0x070) */
	size_t size;       /* bytes of the blob; on -ENOSPC, the size needed */
	unsigned num_tables;
	struct vdm_acpi_table_ref tables[VDM_ACPI_MAX_TABLES]; /* RSDP first, DSDT last */
};

/*
 * Lay out every table for machine `m` in `buf` (capacity `cap`), as they will sit at guest
 * address `base_gpa`: RSDP at offset 0, then XSDT, FACP, APIC, MCFG, DSDT, each 16-byte
 * aligned, padding zeroed.  `dsdt_aml`/`dsdt_len` is the DSDT body (the DefinitionBlock's
 * AML, e.g. from vdm_dsdt_build()).  `out` describes the result.
 *
 * Returns 0; -ENOSPC when cap is too small (out->size = bytes needed; buf may be NULL to
 * ask); -EINVAL when `m` cannot be described (no CPUs or more than VDM_ACPI_MAX_CPUS, base
 * not 16-byte aligned, bus range reversed, ECAM smaller than the bus range needs,
 * LAPIC/IOAPIC above 4 GiB, blob wrapping the address space) with a one-line reason in
 * `err` (if err_len) naming the value and the fix.
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
 * xsdt.dat, facp.dat, apic.dat, mcfg.dat and dsdt.aml, the formats `iasl -d` and
 * `acpiexec` read.  Returns 0 or -errno of the first failed open/write (`err` names the
 * file).
 */
int vdm_acpi_dump(const struct vdm_acpi_layout *l, const uint8_t *buf, const char *dir,
		  char *err, size_t err_len);

/* The byte that makes `len` bytes at `p` sum to zero when stored in the checksum field
 * (which must be zero when this is called). */
uint8_t vdm_acpi_checksum(const uint8_t *p, size_t len);

#endif /* VDM_ACPI_TABLES_H */
