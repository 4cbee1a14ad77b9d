/* Guest payload runtime: AML byte-stream scanner (ACPI 6.5 ch. 20 encodings: PkgLength,
 * NameString, integer constants, DeviceOp, NameOp, OpRegionOp, FieldOp, resource templates). */
#include "aml.h"

#include "rt.h"

#define EXT_OP 0x5b
#define DEVICE_OP 0x82
#define OPREGION_OP 0x80
#define FIELD_OP 0x81
#define NAME_OP 0x08
#define BUFFER_OP 0x11

struct aml aml_from_table(uint64_t table_pa)
{
	const uint8_t *p = (const uint8_t *)(uintptr_t)table_pa;
	struct aml a = { p, 0 };

	if (p)
		a.len = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
			(uint32_t)p[7] << 24;
	return a;
}

struct aml_span aml_all(const struct aml *a)
{
	struct aml_span s = { 36, a->len };

	return s;
}

/* PkgLength at `pos`: value (which counts its own bytes) and how many bytes it took. */
static int pkg_length(const struct aml *a, uint32_t pos, uint32_t *value, uint32_t *nbytes)
{
	uint32_t n, v;

	if (pos >= a->len)
		return 0;
	n = a->p[pos] >> 6;
	if (pos + n >= a->len)
		return 0;
	if (n == 0) {
		v = a->p[pos] & 0x3f;
	} else {
		if (a->p[pos] & 0x30) /* bits 5:4 must be 0 in the multi-byte form */
			return 0;
		v = a->p[pos] & 0x0f;
		for (uint32_t i = 1; i <= n; i++)
			v |= (uint32_t)a->p[pos + i] << (4 + 8 * (i - 1));
	}
	*value = v;
	*nbytes = n + 1;
	return 1;
}

static int lead_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || c == '_';
}

static int name_char(uint8_t c)
{
	return lead_char(c) || (c >= '0' && c <= '9');
}

static int name_seg_at(const struct aml *a, uint32_t pos)
{
	if (pos + 4 > a->len || !lead_char(a->p[pos]))
		return 0;
	for (int i = 1; i < 4; i++)
		if (!name_char(a->p[pos + i]))
			return 0;
	return 1;
}

/* NameString at `pos`: its length and its last NameSeg (empty for NullName). */
static int name_string(const struct aml *a, uint32_t pos, uint32_t *len, char last[5])
{
	uint32_t q = pos, segs;

	while (q < a->len && (a->p[q] == '\\' || a->p[q] == '^'))
		q++;
	if (q >= a->len)
		return 0;
	last[0] = 0;
	if (a->p[q] == 0x00) {
		*len = q + 1 - pos;
		return 1;
	}
	if (a->p[q] == 0x2e) {
		segs = 2;
		q++;
	} else if (a->p[q] == 0x2f) {
		if (q + 1 >= a->len)
			return 0;
		segs = a->p[q + 1];
		q += 2;
	} else {
		segs = 1;
	}
	if (!segs)
		return 0;
	for (uint32_t i = 0; i < segs; i++, q += 4)
		if (!name_seg_at(a, q))
			return 0;
	memcpy(last, a->p + q - 4, 4);
	last[4] = 0;
	*len = q - pos;
	return 1;
}

/* Integer constant (ZeroOp, OneOp, OnesOp, Byte/Word/DWord/QWordPrefix) at `pos`. */
static int integer_at(const struct aml *a, uint32_t pos, uint64_t *v, uint32_t *len)
{
	static const uint8_t widths[] = { [0x0a] = 1, [0x0b] = 2, [0x0c] = 4, [0x0e] = 8 };
	uint8_t op;
	uint32_t w;

	if (pos >= a->len)
		return 0;
	op = a->p[pos];
	if (op == 0x00 || op == 0x01) {
		*v = op;
		*len = 1;
		return 1;
	}
	if (op == 0xff) {
		*v = ~0ull;
		*len = 1;
		return 1;
	}
	if (op >= sizeof(widths) || !widths[op])
		return 0;
	w = widths[op];
	if (pos + 1 + w > a->len)
		return 0;
	*v = 0;
	for (uint32_t i = 0; i < w; i++)
		*v |= (uint64_t)a->p[pos + 1 + i] << (8 * i);
	*len = 1 + w;
	return 1;
}

/* A DeviceOp at `pos`: its body span (from after the opcode to the package end). */
static int device_at(const struct aml *a, uint32_t pos, struct aml_span *body)
{
	uint32_t plen, nb, nlen;
	char seg[5];

	if (pos + 2 >= a->len || a->p[pos] != EXT_OP || a->p[pos + 1] != DEVICE_OP)
		return 0;
	if (!pkg_length(a, pos + 2, &plen, &nb) || pos + 2 + plen > a->len || plen < nb + 4)
		return 0;
	if (!name_string(a, pos + 2 + nb, &nlen, seg) || !seg[0])
		return 0;
	body->start = pos;
	body->end = pos + 2 + plen;
	return 1;
}

int aml_enclosing_device(const struct aml *a, uint32_t pos, struct aml_span *dev)
{
	struct aml_span best = { 0, 0 }, s;

	for (uint32_t i = 36; i < pos && i + 1 < a->len; i++)
		if (device_at(a, i, &s) && pos < s.end && i > best.start)
			best = s;
	if (!best.end)
		return 0;
	*dev = best;
	return 1;
}

static int in_device(const struct aml *a, uint32_t pos, struct aml_span dev)
{
	struct aml_span s;

	return aml_enclosing_device(a, pos, &s) && s.start == dev.start;
}

int aml_find_device_by_hid(const struct aml *a, const char *hid, struct aml_span *dev)
{
	uint32_t n = (uint32_t)strlen(hid);

	/* Name (_HID, "<hid>"): 08 '_HID' 0D <chars> 00 */
	for (uint32_t i = 36; i + 6 + n + 1 <= a->len; i++) {
		if (a->p[i] != NAME_OP || memcmp(a->p + i + 1, "_HID", 4) || a->p[i + 5] != 0x0d)
			continue;
		if (memcmp(a->p + i + 6, hid, n) || a->p[i + 6 + n] != 0)
			continue;
		if (aml_enclosing_device(a, i, dev))
			return 1;
	}
	return 0;
}

uint32_t aml_find_name_int(const struct aml *a, struct aml_span in, const char *seg, int direct,
			   uint32_t from, uint64_t *value)
{
	uint32_t ilen;

	for (uint32_t i = from > in.start ? from : in.start; i + 6 <= in.end; i++) {
		if (a->p[i] != NAME_OP || memcmp(a->p + i + 1, seg, 4))
			continue;
		if (!integer_at(a, i + 5, value, &ilen) || i + 5 + ilen > in.end)
			continue;
		if (direct && !in_device(a, i, in))
			continue;
		return i;
	}
	return 0;
}

int aml_find_region(const struct aml *a, struct aml_span in, const char *name,
		    struct aml_region *r)
{
	for (uint32_t i = in.start; i + 2 < in.end; i++) {
		uint32_t nlen, olen, llen, q;

		if (a->p[i] != EXT_OP || a->p[i + 1] != OPREGION_OP)
			continue;
		if (!name_string(a, i + 2, &nlen, r->name) || !r->name[0])
			continue;
		if (name && memcmp(r->name, name, 4))
			continue;
		q = i + 2 + nlen;
		if (q >= in.end || a->p[q] > 0x0a) /* RegionSpace byte */
			continue;
		r->space = a->p[q];
		if (!integer_at(a, q + 1, &r->offset, &olen) ||
		    !integer_at(a, q + 1 + olen, &r->length, &llen) || q + 1 + olen + llen > in.end)
			continue;
		return 1;
	}
	return 0;
}

/* Walks one FieldOp at `i`; calls back per named field until `want` matches (or, with
 * `want` NULL, stops at the first named field). */
static int field_scan(const struct aml *a, uint32_t i, uint32_t limit, const char *want,
		      struct aml_field *f, char name[5])
{
	uint32_t plen, nb, nlen, q, end, bit = 0;

	if (a->p[i] != EXT_OP || a->p[i + 1] != FIELD_OP)
		return 0;
	if (!pkg_length(a, i + 2, &plen, &nb) || i + 2 + plen > limit)
		return 0;
	end = i + 2 + plen;
	if (!name_string(a, i + 2 + nb, &nlen, f->region) || !f->region[0])
		return 0;
	q = i + 2 + nb + nlen;
	if (q >= end)
		return 0;
	f->access = a->p[q] & 0x0f;
	q++;
	while (q < end) {
		uint8_t c = a->p[q];
		uint32_t bits, bn;

		if (c == 0x00) { /* ReservedField: 00 PkgLength */
			if (!pkg_length(a, q + 1, &bits, &bn))
				return 0;
			bit += bits;
			q += 1 + bn;
		} else if (c == 0x01) { /* AccessField: 01 type attrib */
			q += 3;
		} else if (c == 0x03) { /* ExtendedAccessField: 03 type attrib length */
			q += 4;
		} else if (name_seg_at(a, q)) { /* NamedField: NameSeg PkgLength */
			if (!pkg_length(a, q + 4, &bits, &bn))
				return 0;
			if (!want || !memcmp(a->p + q, want, 4)) {
				f->bit_offset = bit;
				f->bit_width = bits;
				if (name) {
					memcpy(name, a->p + q, 4);
					name[4] = 0;
				}
				return 1;
			}
			bit += bits;
			q += 4 + bn;
		} else { /* ConnectField or garbage: give up on this Field */
			return 0;
		}
	}
	return 0;
}

int aml_find_field(const struct aml *a, struct aml_span in, const char *seg, struct aml_field *f)
{
	for (uint32_t i = in.start; i + 2 < in.end; i++)
		if (field_scan(a, i, in.end, seg, f, NULL))
			return 1;
	return 0;
}

int aml_first_field_of(const struct aml *a, struct aml_span in, const char *region,
		       struct aml_field *f, char name[5])
{
	for (uint32_t i = in.start; i + 2 < in.end; i++)
		if (field_scan(a, i, in.end, NULL, f, name) && !memcmp(f->region, region, 4))
			return 1;
	return 0;
}

int aml_crs_interrupt(const struct aml *a, struct aml_span dev, uint32_t *gsi, int *edge,
		      int *active_low)
{
	for (uint32_t i = dev.start; i + 7 < dev.end; i++) {
		uint32_t plen, nb, blen_len, q, end;
		uint64_t blen;

		/* Name (_CRS, Buffer (len) { descriptors }) directly in this Device */
		if (a->p[i] != NAME_OP || memcmp(a->p + i + 1, "_CRS", 4) ||
		    a->p[i + 5] != BUFFER_OP || !in_device(a, i, dev))
			continue;
		if (!pkg_length(a, i + 6, &plen, &nb) || i + 6 + plen > dev.end)
			return 0;
		if (!integer_at(a, i + 6 + nb, &blen, &blen_len))
			return 0;
		q = i + 6 + nb + blen_len;
		end = i + 6 + plen;
		while (q < end) {
			uint8_t tag = a->p[q];

			if (!(tag & 0x80)) { /* small item: tag bits 6:3, length bits 2:0 */
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
			} else { /* large item: type in bits 6:0, 16-bit length */
				uint32_t n;

				if (q + 3 > end)
					return 0;
				n = (uint32_t)a->p[q + 1] | (uint32_t)a->p[q + 2] << 8;
				if ((tag & 0x7f) == 0x09 && n >= 6 && q + 3 + n <= end &&
				    a->p[q + 4] >= 1) { /* Extended Interrupt */
					uint8_t flags = a->p[q + 3];

					*gsi = (uint32_t)a->p[q + 5] | (uint32_t)a->p[q + 6] << 8 |
					       (uint32_t)a->p[q + 7] << 16 |
					       (uint32_t)a->p[q + 8] << 24;
					*edge = (flags >> 1) & 1;
					*active_low = (flags >> 2) & 1;
					return 1;
				}
				q += 3 + n;
			}
		}
		return 0;
	}
	return 0;
}
