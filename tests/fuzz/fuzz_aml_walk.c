/* Bridge to the guest payloads' AML walker (tests/guest/lib/aml.c, built hosted here): copies
 * its index into plain structs so fuzz_aml.c can compare it with what it encoded. */
#include <stdlib.h>
#include <string.h>

#include "../guest/lib/aml.h" /* the walker's own header, not the encoder's */
#include "fuzz_aml_walk.h"

_Static_assert((int)AML_OBJ_SCOPE == FZW_SCOPE && (int)AML_OBJ_DEVICE == FZW_DEVICE &&
		       (int)AML_OBJ_NAME == FZW_NAME && (int)AML_OBJ_REGION == FZW_REGION &&
		       (int)AML_OBJ_FIELD == FZW_FIELD,
	       "walker object kinds renumbered: update fuzz_aml_walk.h");
_Static_assert((int)AML_VAL_INT == FZW_VAL_INT && (int)AML_VAL_STRING == FZW_VAL_STRING &&
		       (int)AML_VAL_BUFFER == FZW_VAL_BUFFER,
	       "walker value kinds renumbered: update fuzz_aml_walk.h");

static void fzw_copy_out(const struct aml_obj *o, struct fzw_obj *w)
{
	w->kind = o->kind;
	memcpy(w->name, o->name, 5);
	w->parent = o->parent;
	w->pos = o->pos;
	w->vkind = o->vkind;
	w->ival = o->ival;
	w->data = o->data;
	w->data_len = o->data_len;
	w->space = o->space;
	w->offset = o->offset;
	w->length = o->length;
	memcpy(w->region, o->region, 5);
	w->access = o->access;
	w->bit_offset = o->bit_offset;
	w->bit_width = o->bit_width;
}

static void fzw_copy_in(const struct fzw_obj *w, struct aml_obj *o)
{
	memset(o, 0, sizeof(*o));
	o->kind = w->kind;
	memcpy(o->name, w->name, 5);
	o->parent = w->parent;
	o->pos = w->pos;
	o->vkind = w->vkind;
	o->ival = w->ival;
	o->data = w->data;
	o->data_len = w->data_len;
	o->space = w->space;
	o->offset = w->offset;
	o->length = w->length;
	memcpy(o->region, w->region, 5);
	o->access = w->access;
	o->bit_offset = w->bit_offset;
	o->bit_width = w->bit_width;
}

struct fzw_result fzw_walk(const uint8_t *table, uint32_t len, struct fzw_obj *out,
			   unsigned max)
{
	struct aml a = { table, len };
	struct aml_index ix = { .max = max };
	struct fzw_result r = { 0, 0, 0 };
	unsigned i;

	ix.obj = calloc(max ? max : 1, sizeof(*ix.obj)); /* exact size for ASan */
	if (!ix.obj)
		return r;
	aml_walk(&a, &ix);
	for (i = 0; i < ix.n && i < max; i++)
		fzw_copy_out(&ix.obj[i], &out[i]);
	r.n = ix.n;
	r.skipped = ix.skipped;
	r.full = ix.full;
	free(ix.obj);
	return r;
}

/* Rebuild the walker's index from our copy (the look-ups take an index). */
static struct aml_obj *fzw_index(const struct fzw_obj *objs, unsigned n)
{
	struct aml_obj *o = calloc(n ? n : 1, sizeof(*o));
	unsigned i;

	for (i = 0; o && i < n; i++)
		fzw_copy_in(&objs[i], &o[i]);
	return o;
}

int fzw_crs_interrupt(const uint8_t *table, uint32_t len, const struct fzw_obj *objs,
		      unsigned n, int dev, uint32_t *gsi, int *edge, int *active_low)
{
	struct aml a = { table, len };
	struct aml_index ix = { .obj = fzw_index(objs, n), .max = n, .n = n };
	int r;

	if (!ix.obj)
		return 0;
	r = aml_crs_interrupt(&a, &ix, dev, gsi, edge, active_low);
	free(ix.obj);
	return r;
}

int fzw_device_by_hid(const uint8_t *table, uint32_t len, const struct fzw_obj *objs,
		      unsigned n, const char *hid)
{
	struct aml a = { table, len };
	struct aml_index ix = { .obj = fzw_index(objs, n), .max = n, .n = n };
	int r;

	if (!ix.obj)
		return -1;
	r = aml_device_by_hid(&a, &ix, hid);
	free(ix.obj);
	return r;
}
