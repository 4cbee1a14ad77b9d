/* Guest payload runtime: finding and validating the ACPI tables vmm-example built (RSDP
 * from RDI and by the legacy scan, XSDT, FADT, MADT, MCFG, DSDT/SSDTs). */
#ifndef PAYLOAD_ACPI_H
#define PAYLOAD_ACPI_H

#include <stdint.h>

#define ACPI_MAX_TABLES 32
#define ACPI_MAX_MCFG 8
#define ACPI_MAX_IOAPICS 4

/* Generic Address Structure, as found in the FADT. */
struct acpi_gas {
	uint8_t space; /* 0 SystemMemory, 1 SystemIO */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
};

struct acpi_mcfg_entry {
	uint64_t base; /* ECAM address of bus 0 of the segment */
	uint16_t segment;
	uint8_t bus_start;
	uint8_t bus_end;
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t address;
	uint32_t gsi_base;
};

struct acpi_info {
	uint64_t rsdp;      /* the one in RDI */
	uint64_t rsdp_scan; /* what the legacy scan found (0 = none) */
	uint8_t rsdp_rev;
	uint64_t xsdt, rsdt;
	uint64_t table[ACPI_MAX_TABLES]; /* XSDT entries, in order */
	unsigned num_tables;
	uint64_t fadt, madt, mcfg, dsdt;

	/* FADT */
	uint32_t fadt_flags;
	struct acpi_gas reset_reg, sleep_ctl, sleep_sts;
	uint8_t reset_value;

	/* MADT */
	uint64_t lapic_base;
	unsigned num_lapics; /* type 0 + type 9 entries */
	struct acpi_ioapic ioapic[ACPI_MAX_IOAPICS];
	unsigned num_ioapics;

	/* MCFG */
	struct acpi_mcfg_entry mcfg_entry[ACPI_MAX_MCFG];
	unsigned num_mcfg;
};

#define FADT_HW_REDUCED_ACPI (1u << 20)

/* Byte sum of [pa, pa + len) is 0. */
int acpi_checksum_ok(uint64_t pa, uint32_t len);
/* The RSDP found by the spec's legacy scan (EBDA first KiB, then 0xE0000..0xFFFFF), or 0. */
uint64_t acpi_scan_rsdp(void);
/* Validates the RSDP at `rsdp` and every table it leads to (XSDT, or the RSDT when there
 * is no XSDT), fills `a`.  With `verbose` it
 * prints one "PAYLOAD: rsdp|table|fadt|madt|mcfg ..." line per fact.  Every inconsistency
 * is a failed check (rt_check); returns 0 when the tables could be walked, -1 when not.
 * An MCFG is optional here (num_mcfg == 0 without one): payloads needing ECAM check it. */
int acpi_load(struct acpi_info *a, uint64_t rsdp, int verbose);
/* n-th (0-based) table with signature `sig` in the XSDT (DSDT via the FADT), or 0. */
uint64_t acpi_find(const struct acpi_info *a, const char *sig, unsigned n);
/* Length field of the table at `pa`. */
uint32_t acpi_table_len(uint64_t pa);
/* The ACPI PM timer's I/O port: the FADT's X_PM_TMR_BLK (if the FADT is long enough and
 * it is in I/O space), else PM_TMR_BLK, else vmm-example's power port + 8 (emulated there
 * without being listed yet); 0 when there is none. */
uint16_t acpi_pm_timer_port(const struct acpi_info *a);

#endif /* PAYLOAD_ACPI_H */
