/* The x86_64 machine's own ACPI tables: a hardware-reduced FADT with the power port and PM timer,
 * and a MADT of local APICs (x2APIC from ID 255) and one I/O APIC.  ACPI 6.3 §5.2.9, §5.2.12. */
#include <stdint.h>
#include <string.h>

#include "acpi_int.h"

#define MADT_FIXED (ACPI_HDR_LEN + 8)
#define MADT_LAPIC_LEN 8
#define MADT_X2APIC_LEN 16
#define MADT_IOAPIC_LEN 12

/* IA-PC boot architecture flags (§5.2.9.3) */
#define IAPC_VGA_NOT_PRESENT (1u << 2)
#define IAPC_CMOS_RTC_NOT_PRESENT (1u << 5)

/* Generic Address Structure (§5.2.3.2) of a SystemIO register, 8 or 32 bits wide. */
static void gas_io(uint8_t *p, size_t off, uint16_t port, unsigned bits)
{
	vdm__acpi_w8(p, off + 0, 1);                  /* address space: SystemIO */
	vdm__acpi_w8(p, off + 1, (uint8_t)bits);      /* register bit width */
	vdm__acpi_w8(p, off + 2, 0);                  /* bit offset */
	vdm__acpi_w8(p, off + 3, bits == 32 ? 3 : 1); /* access size: dword / byte */
	vdm__acpi_wle(p, off + 4, port, 8);
}

static uint32_t fadt_len(const struct vdm_mach_desc *m)
{
	(void)m;
	return ACPI_FADT_LEN;
}

/*
 * Hardware-reduced FADT (§5.2.9, §4.1): no PM1/GPE blocks, no SCI, no FACS.  Linux then
 * skips the 8259/PIT set-up, powers off through SLEEP_CONTROL_REG with \_S5's SLP_TYP and
 * reboots through RESET_REG.  Both buttons are control-method devices (the DSDT's PWRB).
 * IAPC_BOOT_ARCH: 8042 bit clear -> Linux does not probe for a PS/2 controller; VGA not
 * present -> no VGA console probing; CMOS RTC not present unless the VMM emulates one at
 * 0x70 (Linux then registers no rtc_cmos device; wall time comes from kvmclock); MSI is
 * supported and ASPM left to the OS (bits 3 and 4 clear).
 * A PM timer, when the VMM has one, goes in X_PM_TMR_BLK only (32-bit, TMR_VAL_EXT, length
 * 4 so ACPICA sees no 32/64X length mismatch); Linux/x86 reads that field even on a
 * hardware-reduced machine and gets the acpi_pm clocksource and a TSC calibration source.
 * Linux writes WAK_STS (0x80) to SLEEP_STATUS_REG before SLP_TYP|SLP_EN to
 * SLEEP_CONTROL_REG; both are the power port, so the port must ignore 0x80.
 */
static void build_fadt(uint8_t *t, uint32_t len, const struct vdm_mach_desc *m, uint64_t dsdt_gpa)
{
	uint16_t boot_arch = IAPC_VGA_NOT_PRESENT;
	uint32_t flags = FADT_HW_REDUCED_ACPI | FADT_RESET_REG_SUP | FADT_PWR_BUTTON |
			 FADT_SLP_BUTTON;

	if (!m->cmos_rtc)
		boot_arch |= IAPC_CMOS_RTC_NOT_PRESENT;
	vdm__acpi_header(t, "FACP", len, 6);
	if (m->pm_timer_port) {
		flags |= FADT_TMR_VAL_EXT;
		vdm__acpi_w8(t, 91, 4);               /* PM_TMR_LEN */
		gas_io(t, 208, m->pm_timer_port, 32); /* X_PM_TMR_BLK */
	}
	vdm__acpi_wle(t, 109, boot_arch, 2);
	vdm__acpi_wle(t, 112, flags, 4);
	gas_io(t, 116, m->power_port, 8);     /* RESET_REG */
	vdm__acpi_w8(t, 128, m->reset_value); /* RESET_VALUE */
	vdm__acpi_w8(t, 131, 3);              /* FADT minor version: ACPI 6.3 */
	vdm__acpi_wle(t, 140, dsdt_gpa, 8);   /* X_DSDT (the 32-bit DSDT field stays 0) */
	gas_io(t, 244, m->power_port, 8);     /* SLEEP_CONTROL_REG */
	gas_io(t, 256, m->power_port, 8);     /* SLEEP_STATUS_REG */
	memcpy(t + 268, VDM_ACPI_HYPERVISOR_ID, 8);
	vdm__acpi_finish(t, len);
}

static uint32_t madt_len(const struct vdm_mach_desc *m)
{
	uint32_t len = MADT_FIXED + MADT_IOAPIC_LEN;

	for (uint32_t i = 0; i < m->num_cpus; i++)
		len += i < 255 ? MADT_LAPIC_LEN : MADT_X2APIC_LEN;
	return len;
}

/*
 * MADT (§5.2.12).  Flags 0: no PC-AT 8259 pair (the machine is hardware-reduced).
 * No Interrupt Source Overrides: an ISO only describes an ISA IRQ whose GSI or polarity
 * differs from identity/edge/active-high.  QEMU's IRQ0 -> GSI2 override describes its PIT
 * wiring, and Linux sets up no PIT on a hardware-reduced machine; COM1's IRQ 4 is GSI 4,
 * edge, active high; the GED's trigger and polarity come from its own _CRS.  (CH's single
 * ISO 4 -> 4 with default flags restates the identity.)
 */
static void build_madt(uint8_t *t, uint32_t len, const struct vdm_mach_desc *m, uint64_t dsdt_gpa)
{
	size_t off = MADT_FIXED;

	(void)dsdt_gpa;
	vdm__acpi_header(t, "APIC", len, 5);
	vdm__acpi_wle(t, 36, m->lapic_base, 4);
	vdm__acpi_wle(t, 40, 0, 4); /* flags: no PCAT_COMPAT */
	for (uint32_t i = 0; i < m->num_cpus; i++) {
		if (i < 255) { /* Processor Local APIC (type 0) */
			vdm__acpi_w8(t, off + 0, 0);
			vdm__acpi_w8(t, off + 1, MADT_LAPIC_LEN);
			vdm__acpi_w8(t, off + 2, (uint8_t)i); /* ACPI processor UID */
			vdm__acpi_w8(t, off + 3, (uint8_t)i); /* APIC ID */
			vdm__acpi_wle(t, off + 4, 1, 4);      /* enabled */
			off += MADT_LAPIC_LEN;
		} else { /* Processor Local x2APIC (type 9): IDs 255 and up */
			vdm__acpi_w8(t, off + 0, 9);
			vdm__acpi_w8(t, off + 1, MADT_X2APIC_LEN);
			vdm__acpi_wle(t, off + 4, i, 4);  /* x2APIC ID */
			vdm__acpi_wle(t, off + 8, 1, 4);  /* enabled */
			vdm__acpi_wle(t, off + 12, i, 4); /* ACPI processor UID */
			off += MADT_X2APIC_LEN;
		}
	}
	vdm__acpi_w8(t, off + 0, 1); /* I/O APIC (type 1) */
	vdm__acpi_w8(t, off + 1, MADT_IOAPIC_LEN);
	vdm__acpi_w8(t, off + 2, 0); /* I/O APIC ID: 0, what KVM's in-kernel IOAPIC resets to */
	vdm__acpi_wle(t, off + 4, m->ioapic_base, 4);
	vdm__acpi_wle(t, off + 8, 0, 4); /* global system interrupt base */
	vdm__acpi_finish(t, len);
}

static int check(const struct vdm_mach_desc *m, char *err, size_t err_len)
{
	if (m->lapic_base > UINT32_MAX || m->ioapic_base > UINT32_MAX)
		return vdm__acpi_say(err, err_len,
				     "LAPIC 0x%llx / IOAPIC 0x%llx: the MADT holds 32-bit addresses",
				     (unsigned long long)m->lapic_base,
				     (unsigned long long)m->ioapic_base);
	return 0;
}

static const struct vdm__acpi_table tables[] = {
	{ "FACP", fadt_len, build_fadt },
	{ "APIC", madt_len, build_madt },
	{ "MCFG", vdm__acpi_mcfg_len, vdm__acpi_mcfg },
};

const struct vdm__acpi_arch vdm__acpi_x86 = {
	.tables = tables,
	.num_tables = sizeof(tables) / sizeof(tables[0]),
	.max_cpus = VDM_ACPI_MAX_CPUS,
	.check = check,
};
