/* ACPI static tables: sizes first, then every table written in place in the caller's buffer
 * with its guest-physical pointers and checksums.  Field offsets cite ACPI 6.3 §5.2. */
#include <vdm/acpi_tables.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vdm/dsdt.h>

#define HDR_LEN 36
#define RSDP_LEN 36
#define FADT_LEN 276
#define MCFG_LEN (HDR_LEN + 8 + 16)
#define MADT_FIXED (HDR_LEN + 8)
#define MADT_LAPIC_LEN 8
#define MADT_X2APIC_LEN 16
#define MADT_IOAPIC_LEN 12

/* FADT fixed feature flags (§5.2.9, table 5-35) */
#define FADT_PWR_BUTTON (1u << 4)
#define FADT_SLP_BUTTON (1u << 5)
#define FADT_TMR_VAL_EXT (1u << 8)
#define FADT_RESET_REG_SUP (1u << 10)
#define FADT_HW_REDUCED_ACPI (1u << 20)
/* IA-PC boot architecture flags (§5.2.9.3) */
#define IAPC_VGA_NOT_PRESENT (1u << 2)
#define IAPC_CMOS_RTC_NOT_PRESENT (1u << 5)

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

static void w8(uint8_t *p, size_t off, uint8_t v)
{
	p[off] = v;
}

static void wle(uint8_t *p, size_t off, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

uint8_t vdm_acpi_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)(0x100 - sum);
}

/* Standard description header (§5.2.6); the checksum is filled by finish(). */
static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	char table_id[9];

	memcpy(t, sig, 4);
	wle(t, 4, len, 4);
	w8(t, 8, rev);
	memcpy(t + 10, VDM_ACPI_OEM_ID, 6);
	snprintf(table_id, sizeof(table_id), "VDM%-5s", sig); /* "VDMFACP " */
	memcpy(t + 16, table_id, 8);
	wle(t, 24, 1, 4); /* OEM revision */
	memcpy(t + 28, "VDM ", 4);
	wle(t, 32, 1, 4); /* creator revision */
}

static void finish(uint8_t *t, uint32_t len)
{
	t[9] = 0;
	t[9] = vdm_acpi_checksum(t, len);
}

/* Generic Address Structure (§5.2.3.2) of a SystemIO register, 8 or 32 bits wide. */
static void gas_io(uint8_t *p, size_t off, uint16_t port, unsigned bits)
{
	w8(p, off + 0, 1);                     /* address space: SystemIO */
	w8(p, off + 1, (uint8_t)bits);         /* register bit width */
	w8(p, off + 2, 0);                     /* bit offset */
	w8(p, off + 3, bits == 32 ? 3 : 1);    /* access size: dword / byte */
	wle(p, off + 4, port, 8);
}

static void build_rsdp(uint8_t *t, uint64_t xsdt_gpa)
{
	memcpy(t, "RSD PTR ", 8);
	memcpy(t + 9, VDM_ACPI_OEM_ID, 6);
	w8(t, 15, 2);            /* revision: ACPI 2.0+ */
	wle(t, 16, 0, 4);        /* RSDT address: none, XSDT only */
	wle(t, 20, RSDP_LEN, 4); /* length */
	wle(t, 24, xsdt_gpa, 8);
	t[8] = vdm_acpi_checksum(t, 20);        /* ACPI 1.0 part */
	t[32] = vdm_acpi_checksum(t, RSDP_LEN); /* whole structure */
}

static void build_xsdt(uint8_t *t, uint32_t len, const uint64_t *entries, unsigned n)
{
	header(t, "XSDT", len, 1);
	for (unsigned i = 0; i < n; i++)
		wle(t, HDR_LEN + 8 * i, entries[i], 8);
	finish(t, len);
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
static void build_fadt(uint8_t *t, const struct vdm_mach_desc *m, uint64_t dsdt_gpa)
{
	uint16_t boot_arch = IAPC_VGA_NOT_PRESENT;
	uint32_t flags = FADT_HW_REDUCED_ACPI | FADT_RESET_REG_SUP | FADT_PWR_BUTTON |
			 FADT_SLP_BUTTON;

	if (!m->cmos_rtc)
		boot_arch |= IAPC_CMOS_RTC_NOT_PRESENT;
	header(t, "FACP", FADT_LEN, 6);
	if (m->pm_timer_port) {
		flags |= FADT_TMR_VAL_EXT;
		w8(t, 91, 4);                           /* PM_TMR_LEN */
		gas_io(t, 208, m->pm_timer_port, 32);   /* X_PM_TMR_BLK */
	}
	wle(t, 109, boot_arch, 2);
	wle(t, 112, flags, 4);
	gas_io(t, 116, m->power_port, 8); /* RESET_REG */
	w8(t, 128, m->reset_value);       /* RESET_VALUE */
	w8(t, 131, 3);                    /* FADT minor version: ACPI 6.3 */
	wle(t, 140, dsdt_gpa, 8);         /* X_DSDT (the 32-bit DSDT field stays 0) */
	gas_io(t, 244, m->power_port, 8); /* SLEEP_CONTROL_REG */
	gas_io(t, 256, m->power_port, 8); /* SLEEP_STATUS_REG */
	memcpy(t + 268, VDM_ACPI_HYPERVISOR_ID, 8);
	finish(t, FADT_LEN);
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
static void build_madt(uint8_t *t, const struct vdm_mach_desc *m, uint32_t len)
{
	size_t off = MADT_FIXED;

	header(t, "APIC", len, 5);
	wle(t, 36, m->lapic_base, 4);
	wle(t, 40, 0, 4); /* flags: no PCAT_COMPAT */
	for (uint32_t i = 0; i < m->num_cpus; i++) {
		if (i < 255) { /* Processor Local APIC (type 0) */
			w8(t, off + 0, 0);
			w8(t, off + 1, MADT_LAPIC_LEN);
			w8(t, off + 2, (uint8_t)i); /* ACPI processor UID */
			w8(t, off + 3, (uint8_t)i); /* APIC ID */
			wle(t, off + 4, 1, 4);      /* enabled */
			off += MADT_LAPIC_LEN;
		} else { /* Processor Local x2APIC (type 9): IDs 255 and up */
			w8(t, off + 0, 9);
			w8(t, off + 1, MADT_X2APIC_LEN);
			wle(t, off + 4, i, 4);  /* x2APIC ID */
			wle(t, off + 8, 1, 4);  /* enabled */
			wle(t, off + 12, i, 4); /* ACPI processor UID */
			off += MADT_X2APIC_LEN;
		}
	}
	w8(t, off + 0, 1); /* I/O APIC (type 1) */
	w8(t, off + 1, MADT_IOAPIC_LEN);
	w8(t, off + 2, 0); /* I/O APIC ID: 0, what KVM's in-kernel IOAPIC resets to */
	wle(t, off + 4, m->ioapic_base, 4);
	wle(t, off + 8, 0, 4); /* global system interrupt base */
	finish(t, len);
}

/* MCFG (PCI Firmware spec 3.2 §4.1.2): the base address is that of bus 0 of the segment,
 * even when the range starts higher. */
static void build_mcfg(uint8_t *t, const struct vdm_mach_desc *m)
{
	header(t, "MCFG", MCFG_LEN, 1);
	wle(t, 44, m->ecam.base - ((uint64_t)m->bus_start << 20), 8);
	wle(t, 52, m->segment, 2);
	w8(t, 54, m->bus_start);
	w8(t, 55, m->bus_end);
	finish(t, MCFG_LEN);
}

static int check_machine(const struct vdm_mach_desc *m, uint64_t base_gpa, char *err,
			 size_t err_len)
{
	uint64_t buses;

	if (m->num_cpus == 0 || m->num_cpus > VDM_ACPI_MAX_CPUS)
		return say(err, err_len, "num_cpus=%u: the MADT describes 1 to %u CPUs",
			   m->num_cpus, VDM_ACPI_MAX_CPUS);
	if (base_gpa % VDM_ACPI_ALIGN)
		return say(err, err_len,
			   "ACPI base 0x%llx: must be %u-byte aligned (the RSDP is there)",
			   (unsigned long long)base_gpa, VDM_ACPI_ALIGN);
	if (m->bus_end < m->bus_start)
		return say(err, err_len, "PCI buses %u..%u: end below start", m->bus_start,
			   m->bus_end);
	buses = (uint64_t)m->bus_end - m->bus_start + 1;
	if (m->ecam.size < (buses << 20))
		return say(err, err_len,
			   "ECAM size 0x%llx: buses %u..%u need 0x%llx (1 MiB per bus)",
			   (unsigned long long)m->ecam.size, m->bus_start, m->bus_end,
			   (unsigned long long)(buses << 20));
	if (m->ecam.base < ((uint64_t)m->bus_start << 20))
		return say(err, err_len, "ECAM base 0x%llx: below bus %u's offset",
			   (unsigned long long)m->ecam.base, m->bus_start);
	if (m->lapic_base > UINT32_MAX || m->ioapic_base > UINT32_MAX)
		return say(err, err_len,
			   "LAPIC 0x%llx / IOAPIC 0x%llx: the MADT holds 32-bit addresses",
			   (unsigned long long)m->lapic_base,
			   (unsigned long long)m->ioapic_base);
	return 0;
}

static size_t align_up(size_t v)
{
	return (v + VDM_ACPI_ALIGN - 1) & ~(size_t)(VDM_ACPI_ALIGN - 1);
}

static void add_ref(struct vdm_acpi_layout *l, const char *sig, size_t *off, uint32_t len)
{
	struct vdm_acpi_table_ref *r = &l->tables[l->num_tables++];

	memcpy(r->sig, sig, 5);
	r->offset = (uint32_t)*off;
	r->len = len;
	r->gpa = l->base_gpa + *off;
	*off = align_up(*off + len);
}

int vdm_acpi_layout(const struct vdm_mach_desc *m, const uint8_t *dsdt_aml, size_t dsdt_len,
		    uint64_t base_gpa, uint8_t *buf, size_t cap, struct vdm_acpi_layout *out,
		    char *err, size_t err_len)
{
	enum { RSDP, XSDT, FACP, APIC, MCFG, DSDT };
	uint64_t xsdt_entries[3];
	size_t off = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = check_machine(m, base_gpa, err, err_len);
	if (rc)
		return rc;
	if (dsdt_len > UINT32_MAX - HDR_LEN - VDM_ACPI_ALIGN || (dsdt_len && !dsdt_aml))
		return say(err, err_len, "DSDT body of %zu bytes: missing or too large", dsdt_len);
	out->base_gpa = base_gpa;
	out->rsdp_gpa = base_gpa;
	add_ref(out, "RSDP", &off, RSDP_LEN);
	add_ref(out, "XSDT", &off, HDR_LEN + 8 * 3);
	add_ref(out, "FACP", &off, FADT_LEN);
	add_ref(out, "APIC", &off, madt_len(m));
	add_ref(out, "MCFG", &off, MCFG_LEN);
	add_ref(out, "DSDT", &off, (uint32_t)(HDR_LEN + dsdt_len));
	out->size = out->tables[DSDT].offset + out->tables[DSDT].len;
	if (base_gpa + out->size < base_gpa)
		return say(err, err_len, "ACPI base 0x%llx: %zu bytes of tables wrap around",
			   (unsigned long long)base_gpa, out->size);
	if (!buf || cap < out->size) {
		if (err && err_len)
			snprintf(err, err_len, "ACPI tables need %zu bytes, the buffer has %zu",
				 out->size, buf ? cap : 0);
		return -ENOSPC;
	}

	memset(buf, 0, out->size);
	for (unsigned i = FACP; i <= MCFG; i++)
		xsdt_entries[i - FACP] = out->tables[i].gpa;
	build_rsdp(buf + out->tables[RSDP].offset, out->tables[XSDT].gpa);
	build_xsdt(buf + out->tables[XSDT].offset, out->tables[XSDT].len, xsdt_entries, 3);
	build_fadt(buf + out->tables[FACP].offset, m, out->tables[DSDT].gpa);
	build_madt(buf + out->tables[APIC].offset, m, out->tables[APIC].len);
	build_mcfg(buf + out->tables[MCFG].offset, m);
	header(buf + out->tables[DSDT].offset, "DSDT", out->tables[DSDT].len, 2);
	if (dsdt_len)
		memcpy(buf + out->tables[DSDT].offset + HDR_LEN, dsdt_aml, dsdt_len);
	finish(buf + out->tables[DSDT].offset, out->tables[DSDT].len);
	return 0;
}

int vdm_acpi_build(const struct vdm_mach_desc *m, uint64_t base_gpa, uint8_t *buf, size_t cap,
		   struct vdm_acpi_layout *out, char *err, size_t err_len)
{
	uint8_t *aml;
	size_t len;
	int rc = vdm_dsdt_build(m, &aml, &len, err, err_len);

	if (rc) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	rc = vdm_acpi_layout(m, aml, len, base_gpa, buf, cap, out, err, err_len);
	free(aml);
	return rc;
}

static int write_file(const char *path, const uint8_t *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int rc = 0;

	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) && !rc)
		rc = -errno;
	return rc;
}

int vdm_acpi_dump(const struct vdm_acpi_layout *l, const uint8_t *buf, const char *dir,
		  char *err, size_t err_len)
{
	for (unsigned i = 0; i < l->num_tables; i++) {
		const struct vdm_acpi_table_ref *r = &l->tables[i];
		bool aml = !strcmp(r->sig, "DSDT");
		char path[4096], name[5];
		int rc;

		for (int k = 0; k < 4; k++)
			name[k] = (char)(r->sig[k] | 0x20); /* lower case */
		name[4] = 0;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s.%s", dir, name,
				     aml ? "aml" : "dat") >= sizeof(path)) {
			say(err, err_len, "--dump-acpi %s: path too long", dir);
			return -ENAMETOOLONG;
		}
		rc = write_file(path, buf + r->offset, r->len);
		if (rc) {
			if (err && err_len)
				snprintf(err, err_len, "%s: %s", path, strerror(-rc));
			return rc;
		}
	}
	return 0;
}
