/* Guest payload runtime: finds the GED's GSI and event selector and the PCI hotplug block's
 * registers and bus selectors in the DSDT's namespace (approach: tests/guest/README.md). */
#include "ged_find.h"

#include "rt.h"

/* Address of the named field `seg`: its region's constant offset + the field's byte. */
static int field_addr(const struct ged_find *g, const char *seg, uint64_t *addr, uint8_t *space)
{
	int f = aml_find(&g->ix, AML_OBJ_FIELD, seg, -2, 0), r;

	if (f < 0)
		return 0;
	r = aml_find(&g->ix, AML_OBJ_REGION, g->ix.obj[f].region, -2, 0);
	if (r < 0)
		return 0;
	*addr = g->ix.obj[r].offset + g->ix.obj[f].bit_offset / 8;
	*space = g->ix.obj[r].space;
	return 1;
}

static void find_bsels(struct ged_find *g)
{
	const struct aml_index *ix = &g->ix;

	for (int i = aml_find(ix, AML_OBJ_NAME, "BSEL", -2, 0);
	     i >= 0 && g->nbsel < GED_FIND_MAX_BSEL; i = aml_find(ix, AML_OBJ_NAME, "BSEL", -2, i + 1)) {
		int dev = aml_owner_device(ix, i);
		int adr = dev >= 0 ? aml_find(ix, AML_OBJ_NAME, "_ADR", dev, 0) : -1;

		if (ix->obj[i].vkind != AML_VAL_INT)
			continue;
		g->bsel[g->nbsel].value = (uint32_t)ix->obj[i].ival;
		g->bsel[g->nbsel].adr =
			adr >= 0 && ix->obj[adr].vkind == AML_VAL_INT ? ix->obj[adr].ival : ~0ull;
		g->nbsel++;
	}
}

const char *ged_find(const struct aml *a, struct ged_find *g)
{
	int r, f;

	memset(g, 0, sizeof(*g));
	g->ix.obj = g->objs;
	g->ix.max = GED_FIND_MAX_OBJS;
	aml_walk(a, &g->ix);
	g->dev = aml_device_by_hid(a, &g->ix, "ACPI0013");
	if (g->dev < 0)
		return "no Device with _HID \"ACPI0013\"";
	if (!aml_crs_interrupt(a, &g->ix, g->dev, &g->gsi, &g->edge, &g->active_low))
		return "no Name(_CRS, ResourceTemplate(){Interrupt(){gsi}}) in the GED";
	r = aml_find(&g->ix, AML_OBJ_REGION, NULL, g->dev, 0);
	if (r < 0)
		return "no OperationRegion with a constant offset in the GED";
	g->sel_region = &g->ix.obj[r];
	for (f = aml_find(&g->ix, AML_OBJ_FIELD, NULL, -2, 0); f >= 0;
	     f = aml_find(&g->ix, AML_OBJ_FIELD, NULL, -2, f + 1))
		if (!memcmp(g->ix.obj[f].region, g->sel_region->name, 4))
			break;
	if (f < 0)
		return "no Field over the GED's OperationRegion";
	g->sel_field = &g->ix.obj[f];
	g->sel_addr = g->sel_region->offset + g->sel_field->bit_offset / 8;
	g->esel_named = field_addr(g, "ESEL", &g->esel_addr, &g->esel_space);
	g->have_pcihp = field_addr(g, "PCIU", &g->pcihp_base, &g->pcihp_space);
	if (g->have_pcihp) {
		g->have_bnum = field_addr(g, "BNUM", &g->bnum_addr, &g->bnum_space);
		find_bsels(g);
	}
	return NULL;
}
