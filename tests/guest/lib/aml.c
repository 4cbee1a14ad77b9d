/* Guest payload runtime: AML namespace walker (ACPI 6.5 ch. 20 encodings: PkgLength,
 * NameString, data objects, Scope/Device/Name/OperationRegion/Field, resource templates). */
#include "aml.h"

#include "rt.h"

#define MAX_DEPTH 16

struct aml aml_from_table(uint64_t table_pa)
{
	const uint8_t *p = (const uint8_t *)(uintptr_t)table_pa;
	struct aml a = { p, 0 };

	if (p)
		a.len = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
			(uint32_t)p[7] << 24;
	return a;
}

/* PkgLength at `pos` (< end): value (which counts its own bytes) and its size in bytes. */
static int pkg_length(const struct aml *a, uint32_t pos, uint32_t end, uint32_t *value,
		      uint32_t *nbytes)
{
	uint32_t n, v;

	if (pos >= end)
		return 0;
	n = a->p[pos] >> 6;
	if (pos + n >= end)
		return 0;
	if (n == 0) {
		v = a->p[pos] & 0x3f;
	} else {
		if (a->p[pos] & 0x30) /* bits 5:4 are reserved in the multi-byte form */
			return 0;
		v = a->p[pos] & 0x0f;
		for (uint32_t i = 1; i <= n; i++)
			v |= (uint32_t)a->p[pos + i] << (4 + 8 * (i - 1));
	}
	*value = v;
	*nbytes = n + 1;
	return 1;
}

/* A package [pos, pos + PkgLength) that must fit in `end`: its end offset, 0 if bad. */
static uint32_t pkg_end(const struct aml *a, uint32_t pos, uint32_t end, uint32_t *nbytes)
{
	uint32_t v;

	if (!pkg_length(a, pos, end, &v, nbytes) || v < *nbytes || v > end - pos)
		return 0;
	return pos + v;
}

static int lead_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || c == '_';
}

static int name_char(uint8_t c)
{
	return lead_char(c) || (c >= '0' && c <= '9');
}

static int name_seg_at(const struct aml *a, uint32_t pos, uint32_t end)
{
	if (pos + 4 > end || !lead_char(a->p[pos]))
		return 0;
	for (int i = 1; i < 4; i++)
		if (!name_char(a->p[pos + i]))
			return 0;
	return 1;
}

/* NameString at `pos`: its length and last NameSeg ("" for NullName). */
static int name_string(const struct aml *a, uint32_t pos, uint32_t end, uint32_t *len,
		       char last[5])
{
	uint32_t q = pos, segs;

	while (q < end && (a->p[q] == '\\' || a->p[q] == '^'))
		q++;
	if (q >= end)
		return 0;
	last[0] = 0;
	if (a->p[q] == 0x00) {
		*len = q + 1 - pos;
		return 1;
	}
	if (a->p[q] == 0x2e) { /* DualNamePrefix */
		segs = 2;
		q++;
	} else if (a->p[q] == 0x2f) { /* MultiNamePrefix */
		if (q + 1 >= end)
			return 0;
		segs = a->p[q + 1];
		q += 2;
	} else {
		segs = 1;
	}
	if (!segs)
		return 0;
	for (uint32_t i = 0; i < segs; i++, q += 4)
		if (!name_seg_at(a, q, end))
			return 0;
	memcpy(last, a->p + q - 4, 4);
	last[4] = 0;
	*len = q - pos;
	return 1;
}

/* Integer constant (Zero, One, Ones, Byte/Word/DWord/QWord prefix) at `pos`. */
static int integer_at(const struct aml *a, uint32_t pos, uint32_t end, uint64_t *v,
		      uint32_t *len)
{
	static const uint8_t widths[0x0f] = { [0x0a] = 1, [0x0b] = 2, [0x0c] = 4, [0x0e] = 8 };
	uint8_t op;
	uint32_t w;

	if (pos >= end)
		return 0;
	op = a->p[pos];
	if (op == 0x00 || op == 0x01 || op == 0xff) {
		*v = op == 0xff ? ~0ull : op;
		*len = 1;
		return 1;
	}
	if (op >= sizeof(widths) || !widths[op])
		return 0;
	w = widths[op];
	if (pos + 1 + w > end)
		return 0;
	*v = 0;
	for (uint32_t i = 0; i < w; i++)
		*v |= (uint64_t)a->p[pos + 1 + i] << (8 * i);
	*len = 1 + w;
	return 1;
}

static struct aml_obj *add(struct aml_index *ix, int kind, const char *name, int parent,
			   uint32_t pos)
{
	struct aml_obj *o;

	if (ix->n >= ix->max) {
		ix->full = 1;
		return NULL;
	}
	o = &ix->obj[ix->n++];
	memset(o, 0, sizeof(*o));
	o->kind = (uint8_t)kind;
	memcpy(o->name, name, 5);
	o->parent = parent;
	o->pos = pos;
	return o;
}

/* Name's DataRefObject at `q`: records it in `o` (may be NULL), returns its length or 0. */
static uint32_t data_object(const struct aml *a, uint32_t q, uint32_t end, struct aml_obj *o)
{
	uint64_t v;
	uint32_t len, nb, e;

	if (q >= end)
		return 0;
	if (integer_at(a, q, end, &v, &len)) {
		if (o) {
			o->vkind = AML_VAL_INT;
			o->ival = v;
		}
		return len;
	}
	switch (a->p[q]) {
	case 0x0d: /* String: ASCII up to NUL */
		for (e = q + 1; e < end && a->p[e]; e++)
			;
		if (e >= end)
			return 0;
		if (o) {
			o->vkind = AML_VAL_STRING;
			o->data = q + 1;
			o->data_len = e - q - 1;
		}
		return e + 1 - q;
	case 0x11: { /* Buffer: PkgLength BufferSize(integer) bytes */
		uint32_t slen;

		e = pkg_end(a, q + 1, end, &nb);
		if (!e || !integer_at(a, q + 1 + nb, e, &v, &slen))
			return 0;
		if (o) {
			o->vkind = AML_VAL_BUFFER;
			o->data = q + 1 + nb + slen;
			o->data_len = e - o->data;
		}
		return e - q;
	}
	case 0x12: /* Package */
	case 0x13: /* VarPackage */
		e = pkg_end(a, q + 1, end, &nb);
		return e ? e - q : 0;
	case 0x5b: /* RevisionOp */
		return q + 1 < end && a->p[q + 1] == 0x30 ? 2 : 0;
	default:
		return 0;
	}
}

/* Field's FieldList in [q, end): one AML_OBJ_FIELD per named field. */
static void field_list(const struct aml *a, struct aml_index *ix, uint32_t q, uint32_t end,
		       const char *region, uint8_t access, int parent)
{
	uint32_t bit = 0, bits, nb;

	while (q < end) {
		uint8_t c = a->p[q];

		if (c == 0x00) { /* ReservedField: 00 PkgLength(bits) */
			if (!pkg_length(a, q + 1, end, &bits, &nb))
				return;
			bit += bits;
			q += 1 + nb;
		} else if (c == 0x01) { /* AccessField: 01 type attrib */
			q += 3;
		} else if (c == 0x03) { /* ExtendedAccessField: 03 type attrib length */
			q += 4;
		} else if (name_seg_at(a, q, end)) { /* NamedField: NameSeg PkgLength(bits) */
			char seg[5];
			struct aml_obj *o;

			if (!pkg_length(a, q + 4, end, &bits, &nb))
				return;
			memcpy(seg, a->p + q, 4);
			seg[4] = 0;
			o = add(ix, AML_OBJ_FIELD, seg, parent, q);
			if (o) {
				memcpy(o->region, region, 5);
				o->access = access;
				o->bit_offset = bit;
				o->bit_width = bits;
			}
			bit += bits;
			q += 4 + nb;
		} else { /* ConnectField or something unknown */
			ix->skipped++;
			return;
		}
	}
}

static void term_list(const struct aml *a, struct aml_index *ix, uint32_t q, uint32_t end,
		      int parent, unsigned depth);

/* One container (Scope or Device) at `q` (after the opcode); returns its end, 0 if bad. */
static uint32_t container(const struct aml *a, struct aml_index *ix, uint32_t op_pos,
			  uint32_t q, uint32_t end, int kind, int parent, unsigned depth)
{
	uint32_t nb, nlen, e = pkg_end(a, q, end, &nb);
	char seg[5];
	struct aml_obj *o;

	if (!e || !name_string(a, q + nb, e, &nlen, seg))
		return 0;
	o = add(ix, kind, seg, parent, op_pos);
	if (o && depth < MAX_DEPTH)
		term_list(a, ix, q + nb + nlen, e, (int)(o - ix->obj), depth + 1);
	return e;
}

static void term_list(const struct aml *a, struct aml_index *ix, uint32_t q, uint32_t end,
		      int parent, unsigned depth)
{
	while (q < end && !ix->full) {
		uint8_t op = a->p[q];
		uint32_t nb, nlen, len, e;
		char seg[5];

		if (op == 0x10) { /* Scope */
			e = container(a, ix, q, q + 1, end, AML_OBJ_SCOPE, parent, depth);
		} else if (op == 0x08) { /* Name: NameString DataRefObject */
			struct aml_obj *o;

			e = 0;
			if (name_string(a, q + 1, end, &nlen, seg) && seg[0]) {
				o = add(ix, AML_OBJ_NAME, seg, parent, q);
				len = data_object(a, q + 1 + nlen, end, o);
				e = len ? q + 1 + nlen + len : 0;
			}
		} else if (op == 0x14 || op == 0xa0 || op == 0xa1) { /* Method, If, Else: skip */
			e = pkg_end(a, q + 1, end, &nb);
		} else if (op == 0x15) { /* External: NameString ObjectType ArgCount */
			e = name_string(a, q + 1, end, &nlen, seg) ? q + 1 + nlen + 2 : 0;
		} else if (op == 0x06) { /* Alias: NameString NameString */
			uint32_t n2;

			e = name_string(a, q + 1, end, &nlen, seg) &&
					    name_string(a, q + 1 + nlen, end, &n2, seg)
				    ? q + 1 + nlen + n2
				    : 0;
		} else if (op == 0xa3) { /* Noop */
			e = q + 1;
		} else if (op == 0x5b && q + 1 < end) {
			uint8_t ext = a->p[q + 1];

			if (ext == 0x82) { /* Device */
				e = container(a, ix, q, q + 2, end, AML_OBJ_DEVICE, parent, depth);
			} else if (ext == 0x80) { /* OperationRegion: Name Space Offset Length */
				uint64_t off, rlen;
				uint32_t l1, l2, s;
				struct aml_obj *o;

				e = 0;
				if (name_string(a, q + 2, end, &nlen, seg) && seg[0]) {
					s = q + 2 + nlen;
					if (s < end && integer_at(a, s + 1, end, &off, &l1) &&
					    integer_at(a, s + 1 + l1, end, &rlen, &l2)) {
						o = add(ix, AML_OBJ_REGION, seg, parent, q);
						if (o) {
							o->space = a->p[s];
							o->offset = off;
							o->length = rlen;
						}
						e = s + 1 + l1 + l2;
					}
				}
			} else if (ext == 0x81) { /* Field: PkgLength NameString Flags FieldList */
				e = pkg_end(a, q + 2, end, &nb);
				if (e && name_string(a, q + 2 + nb, e, &nlen, seg) && seg[0] &&
				    q + 2 + nb + nlen < e)
					field_list(a, ix, q + 2 + nb + nlen + 1, e, seg,
						   a->p[q + 2 + nb + nlen] & 0x0f, parent);
			} else if (ext == 0x01) { /* Mutex: NameString SyncFlags */
				e = name_string(a, q + 2, end, &nlen, seg) ? q + 2 + nlen + 1 : 0;
			} else if (ext == 0x02) { /* Event: NameString */
				e = name_string(a, q + 2, end, &nlen, seg) ? q + 2 + nlen : 0;
			} else if (ext >= 0x83 && ext <= 0x87) {
				/* Processor, PowerResource, ThermalZone, IndexField, BankField */
				e = pkg_end(a, q + 2, end, &nb);
			} else {
				e = 0;
			}
		} else {
			e = 0;
		}
		if (!e || e <= q || e > end) {
			ix->skipped++;
			return;
		}
		q = e;
	}
}

void aml_walk(const struct aml *a, struct aml_index *ix)
{
	ix->n = 0;
	ix->skipped = 0;
	ix->full = 0;
	if (a->p && a->len > 36)
		term_list(a, ix, 36, a->len, -1, 0);
}

int aml_find(const struct aml_index *ix, int kind, const char *name, int parent, int from)
{
	for (int i = from < 0 ? 0 : from; i < (int)ix->n; i++) {
		const struct aml_obj *o = &ix->obj[i];

		if (o->kind == kind && (!name || !memcmp(o->name, name, 4)) &&
		    (parent == -2 || o->parent == parent))
			return i;
	}
	return -1;
}

int aml_owner_device(const struct aml_index *ix, int obj)
{
	int p = obj >= 0 && obj < (int)ix->n ? ix->obj[obj].parent : -1;

	if (p < 0)
		return -1;
	if (ix->obj[p].kind == AML_OBJ_DEVICE)
		return p;
	return aml_find(ix, AML_OBJ_DEVICE, ix->obj[p].name, -2, 0);
}

int aml_device_by_hid(const struct aml *a, const struct aml_index *ix, const char *hid)
{
	uint32_t n = (uint32_t)strlen(hid);

	for (int i = aml_find(ix, AML_OBJ_NAME, "_HID", -2, 0); i >= 0;
	     i = aml_find(ix, AML_OBJ_NAME, "_HID", -2, i + 1)) {
		const struct aml_obj *o = &ix->obj[i];

		if (o->vkind == AML_VAL_STRING && o->data_len == n && !memcmp(a->p + o->data, hid, n) &&
		    o->parent >= 0 && ix->obj[o->parent].kind == AML_OBJ_DEVICE)
			return o->parent;
	}
	return -1;
}

int aml_crs_interrupt(const struct aml *a, const struct aml_index *ix, int dev, uint32_t *gsi,
		      int *edge, int *active_low)
{
	int i = aml_find(ix, AML_OBJ_NAME, "_CRS", dev, 0);
	uint32_t q, end;

	if (i < 0 || ix->obj[i].vkind != AML_VAL_BUFFER)
		return 0;
	q = ix->obj[i].data;
	end = q + ix->obj[i].data_len;
	while (q < end) {
		uint8_t tag = a->p[q];

		if (!(tag & 0x80)) { /* small item: type bits 6:3, length bits 2:0 */
			uint32_t n = tag & 7;

			if ((tag >> 3) == 0x4 && n >= 2 && q + 1 + n <= end) { /* IRQ */
				uint16_t mask = (uint16_t)(a->p[q + 1] | a->p[q + 2] << 8);
				uint8_t info = n >= 3 ? a->p[q + 3] : 0x01;

				if (!mask)
					return 0;
				*gsi = (uint32_t)__builtin_ctz(mask);
				*edge = info & 1;
				*active_low = (info >> 3) & 1;
				return 1;
			}
			if ((tag >> 3) == 0xf) /* End Tag */
				return 0;
			q += 1 + n;
		} else { /* large item: type bits 6:0, 16-bit length */
			uint32_t n;

			if (q + 3 > end)
				return 0;
			n = (uint32_t)a->p[q + 1] | (uint32_t)a->p[q + 2] << 8;
			if ((tag & 0x7f) == 0x09 && n >= 6 && q + 3 + n <= end &&
			    a->p[q + 4] >= 1) { /* Extended Interrupt */
				uint8_t flags = a->p[q + 3];

				*gsi = (uint32_t)a->p[q + 5] | (uint32_t)a->p[q + 6] << 8 |
				       (uint32_t)a->p[q + 7] << 16 | (uint32_t)a->p[q + 8] << 24;
				*edge = (flags >> 1) & 1;
				*active_low = (flags >> 2) & 1;
				return 1;
			}
			q += 3 + n;
		}
	}
	return 0;
}
