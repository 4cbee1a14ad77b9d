/* Guest payload runtime: finds the GED's GSI and event selector and the PCI hotplug block's
 * registers and bus selectors in the DSDT (approach: tests/guest/README.md). */
#include "ged_find.h"

#include "rt.h"

/* Address of the named 32-bit field `seg`: its region's constant offset + the field's byte. */
static int field_addr(const struct aml *a, const char *seg, uint64_t *addr, uint8_t *space)
{
	struct aml_field f;
	struct aml_region r;

	if (!aml_find_field(a, aml_all(a), seg, &f) ||
	    !aml_find_region(a, aml_all(a), f.region, &r))
		return 0;
	*addr = r.offset + f.bit_offset / 8;
	*space = r.space;
	return 1;
}

static void find_bsels(const struct aml *a, struct ged_find *g)
{
	uint32_t pos = 0;
	uint64_t v;

	while (g->nbsel < GED_FIND_MAX_BSEL &&
	       (pos = aml_find_name_int(a, aml_all(a), "BSEL", 0, pos + 1, &v)) != 0) {
		struct aml_span dev;
		uint64_t adr = ~0ull;

		if (!aml_enclosing_device(a, pos, &dev) ||
		    !aml_find_name_int(a, dev, "_ADR", 1, 0, &adr))
			adr = ~0ull;
		g->bsel[g->nbsel].value = (uint32_t)v;
		g->bsel[g->nbsel].adr = adr;
		g->nbsel++;
	}
}

const char *ged_find(const struct aml *a, struct ged_find *g)
{
	memset(g, 0, sizeof(*g));
	if (!aml_find_device_by_hid(a, "ACPI0013", &g->dev))
		return "no Device with _HID \"ACPI0013\"";
	if (!aml_crs_interrupt(a, g->dev, &g->gsi, &g->edge, &g->active_low))
		return "no Name(_CRS, ResourceTemplate(){Interrupt(){gsi}}) in the GED";
	if (!aml_find_region(a, g->dev, NULL, &g->sel_region))
		return "no OperationRegion with a constant offset in the GED";
	if (!aml_first_field_of(a, aml_all(a), g->sel_region.name, &g->sel_field, g->sel_name))
		return "no Field over the GED's OperationRegion";
	g->sel_addr = g->sel_region.offset + g->sel_field.bit_offset / 8;
	g->esel_named = field_addr(a, "ESEL", &g->esel_addr, &g->esel_space);
	g->have_pcihp = field_addr(a, "PCIU", &g->pcihp_base, &g->pcihp_space);
	if (g->have_pcihp) {
		g->have_bnum = field_addr(a, "BNUM", &g->bnum_addr, &g->bnum_space);
		find_bsels(a, g);
	}
	return NULL;
}
