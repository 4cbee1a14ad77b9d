/* Guest payload runtime: locating the GED (ACPI0013) and the QEMU-layout PCI hotplug block in
 * a DSDT with the AML walker; shared by the ged payload and the host-side aml_probe tool. */
#ifndef PAYLOAD_GED_FIND_H
#define PAYLOAD_GED_FIND_H

#include <stdint.h>

#include "aml.h"

#define GED_FIND_MAX_BSEL 32
#define GED_FIND_MAX_OBJS 2048

struct ged_find {
	struct aml_obj objs[GED_FIND_MAX_OBJS];
	struct aml_index ix;

	int dev; /* index of the ACPI0013 Device */
	uint32_t gsi;
	int edge, active_low;

	/* event selector: first field of the first OperationRegion inside the Device */
	const struct aml_obj *sel_region, *sel_field;
	uint64_t sel_addr;
	int esel_named;     /* a field called ESEL exists ... */
	uint64_t esel_addr; /* ... at this address */
	uint8_t esel_space;

	/* PCI hotplug block: region of the field PCIU; BNUM's address for the layout check */
	int have_pcihp;
	uint8_t pcihp_space;
	uint64_t pcihp_base; /* address of PCIU */
	int have_bnum;
	uint64_t bnum_addr;
	uint8_t bnum_space;

	/* Name(BSEL, n) and the _ADR of the Device it belongs to (~0 = none found) */
	unsigned nbsel;
	struct {
		uint32_t value;
		uint64_t adr;
	} bsel[GED_FIND_MAX_BSEL];
};

/* Walks `a` and fills `g` (large: keep it static).  Returns NULL when the GED, its interrupt
 * and its selector were found (the hotplug block is optional: have_pcihp), else what was
 * missing. */
const char *ged_find(const struct aml *a, struct ged_find *g);

#endif /* PAYLOAD_GED_FIND_H */
