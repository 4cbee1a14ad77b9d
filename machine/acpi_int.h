/* Internal to the ACPI table builders (acpi_tables.c: the common tables and the layout; acpi_x86.c
 * and acpi_arm64.c: each architecture's own tables): byte writers, the header, the table lists. */
#ifndef VDM_MACHINE_ACPI_INT_H
#define VDM_MACHINE_ACPI_INT_H

#include <stddef.h>
#include <stdint.h>

#include <vdm/acpi_tables.h>
#include <vdm/machine_desc.h>

#define ACPI_HDR_LEN 36
#define ACPI_FADT_LEN 276 /* FADT revision 6 (ACPI 6.x) */

/* FADT fixed feature flags (ACPI 6.3 §5.2.9, table 5-35) */
#define FADT_PWR_BUTTON (1u << 4)
#define FADT_SLP_BUTTON (1u << 5)
#define FADT_TMR_VAL_EXT (1u << 8)
#define FADT_RESET_REG_SUP (1u << 10)
#define FADT_HW_REDUCED_ACPI (1u << 20)

static inline void vdm__acpi_w8(uint8_t *p, size_t off, uint8_t v)
{
	p[off] = v;
}

/* `bytes` little-endian bytes of v at p + off. */
static inline void vdm__acpi_wle(uint8_t *p, size_t off, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

/* Standard description header (§5.2.6) of a `len`-byte table; vdm__acpi_finish() sets its
 * checksum once the body is written. */
void vdm__acpi_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev);
void vdm__acpi_finish(uint8_t *t, uint32_t len);

/* Format err (if err_len) and return -EINVAL. */
int vdm__acpi_say(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One table an architecture adds between the XSDT and the DSDT (listed in the XSDT in this
 * order).  `len` gives its size for the machine; `build` writes all of it (header and
 * checksum included) into t[0..len), zeroed before; dsdt_gpa is where the DSDT went. */
struct vdm__acpi_table {
	const char *sig;
	uint32_t (*len)(const struct vdm_mach_desc *m);
	void (*build)(uint8_t *t, uint32_t len, const struct vdm_mach_desc *m, uint64_t dsdt_gpa);
};

/* An architecture's table set and what it checks of the machine beyond the common checks. */
struct vdm__acpi_arch {
	const struct vdm__acpi_table *tables;
	unsigned num_tables;
	uint32_t max_cpus; /* the MADT describes 1..max_cpus CPUs */
	/* 0, or -EINVAL with a reason naming the value and the fix. */
	int (*check)(const struct vdm_mach_desc *m, char *err, size_t err_len);
};

extern const struct vdm__acpi_arch vdm__acpi_x86; /* acpi_x86.c: FACP, APIC, MCFG */
extern const struct vdm__acpi_arch vdm__acpi_arm64; /* acpi_arm64.c: FACP, APIC, GTDT, MCFG, SPCR */

/* The MCFG (shared): one allocation for the machine's segment and bus range. */
uint32_t vdm__acpi_mcfg_len(const struct vdm_mach_desc *m);
void vdm__acpi_mcfg(uint8_t *t, uint32_t len, const struct vdm_mach_desc *m, uint64_t dsdt_gpa);

#endif /* VDM_MACHINE_ACPI_INT_H */
