/* AML encoder core: context, errors, byte-level encodings (PkgLength, integers, names),
 * blocks, data objects, named objects and serialization.  ACPI 6.5 §20.2 (AML grammar). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aml_int.h"

/* ---- context and errors ---------------------------------------------------------------- */

struct vdm_aml_ctx *vdm_aml_ctx_new(void)
{
	struct vdm_aml_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->poison.ctx = c;
	c->poison.kind = K_POISON;
	c->poison.sealed = true;
	return c;
}

void vdm_aml_ctx_free(struct vdm_aml_ctx *c)
{
	struct vdm_aml *n, *next;

	if (!c)
		return;
	for (n = c->nodes; n; n = next) {
		next = n->next;
		free(n->buf);
		free(n);
	}
	free(c);
}

int vdm_aml_ctx_error(const struct vdm_aml_ctx *c, const char **msg)
{
	if (msg)
		*msg = c->err ? c->msg : "";
	return c->err;
}

/* Record the first error; later ones are consequences and would only confuse. */
void vdm__aml_fail(struct vdm_aml_ctx *c, int err, const char *fmt, ...)
{
	va_list ap;

	if (c->err)
		return;
	c->err = err;
	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
}

struct vdm_aml *vdm__aml_node_new(struct vdm_aml_ctx *c, enum vdm_aml_kind kind)
{
	struct vdm_aml *n = calloc(1, sizeof(*n));

	if (!n) {
		vdm__aml_fail(c, -ENOMEM, "out of memory building AML");
		return &c->poison;
	}
	n->ctx = c;
	n->kind = kind;
	n->next = c->nodes;
	c->nodes = n;
	return n;
}

bool vdm__aml_bad(const struct vdm_aml *n)
{
	return !n || n->kind == K_POISON;
}

void vdm__aml_put(struct vdm_aml *n, const void *p, size_t len)
{
	if (vdm__aml_bad(n) || len == 0)
		return;
	if (n->len + len > n->cap) {
		size_t cap = n->cap ? n->cap : 32;
		uint8_t *nb;

		while (cap < n->len + len)
			cap *= 2;
		nb = realloc(n->buf, cap);
		if (!nb) {
			vdm__aml_fail(n->ctx, -ENOMEM, "out of memory building AML");
			return;
		}
		n->buf = nb;
		n->cap = cap;
	}
	memcpy(n->buf + n->len, p, len);
	n->len += len;
}

void vdm__aml_put8(struct vdm_aml *n, uint8_t v)
{
	vdm__aml_put(n, &v, 1);
}

void vdm__aml_put_le(struct vdm_aml *n, uint64_t v, unsigned bytes)
{
	uint8_t b[8];

	for (unsigned i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	vdm__aml_put(n, b, bytes);
}

/* ---- encodings ----------------------------------------------------------------------- */

/* PkgLength (§20.2.4) for `body` bytes that follow it; the encoded value counts its own
 * bytes.  Uses the fewest bytes, as iasl does. */
static void put_pkglen(struct vdm_aml *n, size_t body)
{
	unsigned k;
	size_t v;

	if (body <= 0x3f - 1)
		k = 1;
	else if (body <= 0xfff - 2)
		k = 2;
	else if (body <= 0xfffff - 3)
		k = 3;
	else if (body <= PKGLEN_MAX - 4)
		k = 4;
	else {
		vdm__aml_fail(n->ctx, -ERANGE,
			      "AML package of %zu bytes exceeds the PkgLength limit (%u)", body,
			      PKGLEN_MAX - 4);
		return;
	}
	v = body + k;
	if (k == 1) {
		vdm__aml_put8(n, (uint8_t)v);
		return;
	}
	vdm__aml_put8(n, (uint8_t)(((k - 1) << 6) | (v & 0x0f)));
	for (unsigned i = 1; i < k; i++)
		vdm__aml_put8(n, (uint8_t)(v >> (4 + 8 * (i - 1))));
}

void vdm__aml_put_int(struct vdm_aml *n, uint64_t v)
{
	if (v == 0)
		vdm__aml_put8(n, ZERO_OP);
	else if (v == 1)
		vdm__aml_put8(n, ONE_OP);
	else if (v <= 0xff) {
		vdm__aml_put8(n, BYTE_PREFIX);
		vdm__aml_put_le(n, v, 1);
	} else if (v <= 0xffff) {
		vdm__aml_put8(n, WORD_PREFIX);
		vdm__aml_put_le(n, v, 2);
	} else if (v <= 0xffffffff) {
		vdm__aml_put8(n, DWORD_PREFIX);
		vdm__aml_put_le(n, v, 4);
	} else {
		vdm__aml_put8(n, QWORD_PREFIX);
		vdm__aml_put_le(n, v, 8);
	}
}

static bool seg_char_ok(char ch, bool first)
{
	if ((ch >= 'A' && ch <= 'Z') || ch == '_')
		return true;
	return !first && ch >= '0' && ch <= '9';
}

/* NameString (§20.2.2): [\ or ^...] then NameSeg / DualNamePath / MultiNamePath.  "\" alone
 * is the root (RootChar NullName). */
void vdm__aml_put_namestring(struct vdm_aml *n, const char *path)
{
	struct vdm_aml_ctx *c = n->ctx;
	const char *p = path, *seg;
	uint8_t segs[255][4];
	unsigned nsegs = 0;

	if (!path || !*path) {
		vdm__aml_fail(c, -EINVAL, "empty AML name: give a NameSeg such as \"PCI0\"");
		return;
	}
	if (*p == '\\') {
		vdm__aml_put8(n, ROOT_CHAR);
		p++;
		if (!*p) {
			vdm__aml_put8(n, ZERO_OP); /* NullName */
			return;
		}
	} else {
		while (*p == '^') {
			vdm__aml_put8(n, PARENT_PREFIX);
			p++;
		}
	}
	for (seg = p;; seg = p + 1) {
		size_t len;

		p = seg;
		while (*p && *p != '.')
			p++;
		len = (size_t)(p - seg);
		if (len < 1 || len > 4 || nsegs == 255) {
			vdm__aml_fail(c, -EINVAL,
			     "AML name \"%s\": each segment must be 1-4 characters (at most 255 "
			     "segments)", path);
			return;
		}
		for (size_t i = 0; i < 4; i++) {
			char ch = i < len ? seg[i] : '_';

			if (!seg_char_ok(ch, i == 0)) {
				vdm__aml_fail(c, -EINVAL,
				     "AML name \"%s\": '%c' not allowed; use A-Z, 0-9 and _ "
				     "(no leading digit)", path, ch);
				return;
			}
			segs[nsegs][i] = (uint8_t)ch;
		}
		nsegs++;
		if (!*p)
			break;
	}
	if (nsegs == 2)
		vdm__aml_put8(n, DUAL_NAME_PREFIX);
	else if (nsegs > 2) {
		vdm__aml_put8(n, MULTI_NAME_PREFIX);
		vdm__aml_put8(n, (uint8_t)nsegs);
	}
	vdm__aml_put(n, segs, 4 * nsegs);
}

/* Append the encoding of `child` to `dst`. */
void vdm__aml_emit(struct vdm_aml *dst, const struct vdm_aml *child)
{
	switch (child->kind) {
	case K_POISON:
		return;
	case K_TERM:
	case K_LIST:
		vdm__aml_put(dst, child->buf, child->len);
		return;
	case K_BLOCK:
		vdm__aml_put(dst, child->op, child->oplen);
		put_pkglen(dst, child->len);
		vdm__aml_put(dst, child->buf, child->len);
		return;
	case K_PACKAGE:
		vdm__aml_put8(dst, PACKAGE_OP);
		put_pkglen(dst, 1 + child->len);
		vdm__aml_put8(dst, (uint8_t)child->count);
		vdm__aml_put(dst, child->buf, child->len);
		return;
	case K_RESTEMPLATE: {
		/* Buffer (size) { descriptors, EndTag }: build the body to learn its length. */
		struct vdm_aml body = { .ctx = dst->ctx, .kind = K_TERM };
		static const uint8_t end_tag[2] = { 0x79, 0x00 }; /* checksum 0: "valid" */

		vdm__aml_put_int(&body, child->len + sizeof(end_tag));
		vdm__aml_put(&body, child->buf, child->len);
		vdm__aml_put(&body, end_tag, sizeof(end_tag));
		vdm__aml_put8(dst, BUFFER_OP);
		put_pkglen(dst, body.len);
		vdm__aml_put(dst, body.buf, body.len);
		free(body.buf);
		return;
	}
	}
}

/* ---- structure ----------------------------------------------------------------------- */

static struct vdm_aml *block(struct vdm_aml_ctx *c, enum vdm_aml_kind kind, uint8_t op0, int op1)
{
	struct vdm_aml *n = vdm__aml_node_new(c, kind);

	if (vdm__aml_bad(n))
		return n;
	n->op[0] = op0;
	n->oplen = 1;
	if (op1 >= 0) {
		n->op[1] = (uint8_t)op1;
		n->oplen = 2;
	}
	return n;
}

/* The node is poisoned when its header could not be encoded (the error is recorded). */
struct vdm_aml *vdm__aml_checked(struct vdm_aml *n, int err_before)
{
	if (!vdm__aml_bad(n) && n->ctx->err && !err_before)
		return &n->ctx->poison;
	return n;
}

struct vdm_aml *vdm_aml_list(struct vdm_aml_ctx *c)
{
	return vdm__aml_node_new(c, K_LIST);
}

static struct vdm_aml *named_block(struct vdm_aml_ctx *c, uint8_t op0, int op1, const char *path)
{
	int err = c->err;
	struct vdm_aml *n = block(c, K_BLOCK, op0, op1);

	vdm__aml_put_namestring(n, path);
	return vdm__aml_checked(n, err);
}

struct vdm_aml *vdm_aml_scope(struct vdm_aml_ctx *c, const char *path)
{
	return named_block(c, SCOPE_OP, -1, path);
}

struct vdm_aml *vdm_aml_device(struct vdm_aml_ctx *c, const char *path)
{
	return named_block(c, EXT_OP_PREFIX, DEVICE_OP, path);
}

struct vdm_aml *vdm_aml_method(struct vdm_aml_ctx *c, const char *path, unsigned nargs,
		       enum vdm_aml_method_flags flags)
{
	struct vdm_aml *n;

	if (nargs > 7) {
		vdm__aml_fail(c, -EINVAL, "Method %s: %u arguments; AML allows 0-7",
			      path ? path : "?", nargs);
		return &c->poison;
	}
	n = named_block(c, METHOD_OP, -1, path);
	vdm__aml_put8(n, (uint8_t)(nargs | (flags == VDM_AML_SERIALIZED ? 0x08 : 0)));
	return n;
}

static struct vdm_aml *predicate_block(struct vdm_aml_ctx *c, uint8_t op, struct vdm_aml *pred)
{
	struct vdm_aml *n;

	if (vdm__aml_bad(pred))
		return &c->poison;
	n = block(c, K_BLOCK, op, -1);
	if (!vdm__aml_bad(n))
		vdm__aml_emit(n, pred);
	return n;
}

struct vdm_aml *vdm_aml_if(struct vdm_aml_ctx *c, struct vdm_aml *predicate)
{
	return predicate_block(c, IF_OP, predicate);
}

struct vdm_aml *vdm_aml_else(struct vdm_aml_ctx *c)
{
	return block(c, K_BLOCK, ELSE_OP, -1);
}

struct vdm_aml *vdm_aml_while(struct vdm_aml_ctx *c, struct vdm_aml *predicate)
{
	return predicate_block(c, WHILE_OP, predicate);
}

struct vdm_aml *vdm_aml_package(struct vdm_aml_ctx *c)
{
	return vdm__aml_node_new(c, K_PACKAGE);
}

void vdm_aml_append(struct vdm_aml *parent, struct vdm_aml *child)
{
	if (vdm__aml_bad(parent) || vdm__aml_bad(child))
		return; /* the error is already recorded */
	if (parent->kind == K_TERM) {
		vdm__aml_fail(parent->ctx, -EINVAL,
			      "vdm_aml_append: the parent is a term, not a block");
		return;
	}
	if (parent->sealed) {
		vdm__aml_fail(parent->ctx, -EINVAL,
		     "vdm_aml_append: block already appended to its parent; fill it first");
		return;
	}
	if (child->ctx != parent->ctx) {
		vdm__aml_fail(parent->ctx, -EINVAL,
			      "vdm_aml_append: child belongs to another context");
		return;
	}
	if (child == parent) { /* found by fuzz_aml (regression test F2) */
		vdm__aml_fail(parent->ctx, -EINVAL,
			      "vdm_aml_append: a block cannot contain itself");
		return;
	}
	if (parent->kind == K_PACKAGE) {
		if (parent->count == 255) {
			vdm__aml_fail(parent->ctx, -ERANGE, "Package: more than 255 elements");
			return;
		}
		parent->count++;
	}
	if (child->kind != K_TERM)
		child->sealed = true;
	vdm__aml_emit(parent, child);
}

/* ---- data ---------------------------------------------------------------------------- */

struct vdm_aml *vdm__aml_term(struct vdm_aml_ctx *c)
{
	return vdm__aml_node_new(c, K_TERM);
}

struct vdm_aml *vdm_aml_int(struct vdm_aml_ctx *c, uint64_t v)
{
	struct vdm_aml *n = vdm__aml_term(c);

	vdm__aml_put_int(n, v);
	return n;
}

struct vdm_aml *vdm_aml_ones(struct vdm_aml_ctx *c)
{
	struct vdm_aml *n = vdm__aml_term(c);

	vdm__aml_put8(n, ONES_OP);
	return n;
}

struct vdm_aml *vdm_aml_string(struct vdm_aml_ctx *c, const char *s)
{
	struct vdm_aml *n;

	if (!s) {
		vdm__aml_fail(c, -EINVAL, "vdm_aml_string: NULL string");
		return &c->poison;
	}
	for (const char *p = s; *p; p++) {
		if ((unsigned char)*p > 0x7f) {
			vdm__aml_fail(c, -EINVAL,
				      "AML string \"%s\": only ASCII 0x01-0x7f is allowed", s);
			return &c->poison;
		}
	}
	n = vdm__aml_term(c);
	vdm__aml_put8(n, STRING_PREFIX);
	vdm__aml_put(n, s, strlen(s) + 1);
	return n;
}

struct vdm_aml *vdm_aml_buffer(struct vdm_aml_ctx *c, const uint8_t *bytes, size_t n)
{
	struct vdm_aml *b = vdm__aml_term(c);
	struct vdm_aml body = { .ctx = c, .kind = K_TERM };

	if (vdm__aml_bad(b))
		return b;
	vdm__aml_put_int(&body, n);
	vdm__aml_put(&body, bytes, n);
	vdm__aml_put8(b, BUFFER_OP);
	put_pkglen(b, body.len);
	vdm__aml_put(b, body.buf, body.len);
	free(body.buf);
	return b;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

struct vdm_aml *vdm_aml_eisaid(struct vdm_aml_ctx *c, const char *id)
{
	uint32_t v = 0;
	uint8_t b[4];

	if (!id || strlen(id) != 7) {
		vdm__aml_fail(c, -EINVAL,
			      "EisaId \"%s\": want 3 letters and 4 hex digits, e.g. PNP0A08",
			      id ? id : "(null)");
		return &c->poison;
	}
	for (int i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z') {
			vdm__aml_fail(c, -EINVAL, "EisaId \"%s\": '%c' is not a capital letter", id,
				      id[i]);
			return &c->poison;
		}
		v = (v << 5) | (uint32_t)(id[i] - '@');
	}
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
	for (int i = 0; i < 2; i++) {
		int hi = hexval(id[3 + 2 * i]), lo = hexval(id[4 + 2 * i]);

		if (hi < 0 || lo < 0) {
			vdm__aml_fail(c, -EINVAL, "EisaId \"%s\": last four characters must be hex",
				      id);
			return &c->poison;
		}
		b[2 + i] = (uint8_t)(hi << 4 | lo);
	}
	/* The four bytes read as a little-endian integer, shortened like any other integer
	 * (iasl 20200925 emits EisaId ("PNP0000") as a WordConst). */
	return vdm_aml_int(c, (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
			      (uint32_t)b[3] << 24);
}

struct vdm_aml *vdm_aml_touuid(struct vdm_aml_ctx *c, const char *uuid)
{
	/* Byte order of ToUUID (ACPI 6.5 §19.6.142): byte i of the buffer comes from the hex
	 * pair starting at character pos[i] of "aabbccdd-eeff-gghh-iijj-kkllmmnnoopp". */
	static const uint8_t pos[16] = { 6, 4, 2, 0, 11, 9, 16, 14,
					 19, 21, 24, 26, 28, 30, 32, 34 };
	uint8_t b[16];

	if (!uuid || strlen(uuid) != 36 || uuid[8] != '-' || uuid[13] != '-' ||
	    uuid[18] != '-' || uuid[23] != '-')
		goto bad_uuid;
	for (int i = 0; i < 16; i++) {
		int hi = hexval(uuid[pos[i]]), lo = hexval(uuid[pos[i] + 1]);

		if (hi < 0 || lo < 0)
			goto bad_uuid;
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	return vdm_aml_buffer(c, b, sizeof(b));
bad_uuid:
	vdm__aml_fail(c, -EINVAL, "ToUUID \"%s\": want xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hex)",
	     uuid ? uuid : "(null)");
	return &c->poison;
}

struct vdm_aml *vdm_aml_name(struct vdm_aml_ctx *c, const char *path)
{
	int err = c->err;
	struct vdm_aml *n = vdm__aml_term(c);

	vdm__aml_put_namestring(n, path);
	return vdm__aml_checked(n, err);
}

struct vdm_aml *vdm_aml_local(struct vdm_aml_ctx *c, unsigned i)
{
	struct vdm_aml *n;

	if (i > 7) {
		vdm__aml_fail(c, -EINVAL, "Local%u: AML has Local0-Local7", i);
		return &c->poison;
	}
	n = vdm__aml_term(c);
	vdm__aml_put8(n, (uint8_t)(LOCAL0_OP + i));
	return n;
}

struct vdm_aml *vdm_aml_arg(struct vdm_aml_ctx *c, unsigned i)
{
	struct vdm_aml *n;

	if (i > 6) {
		vdm__aml_fail(c, -EINVAL, "Arg%u: AML has Arg0-Arg6", i);
		return &c->poison;
	}
	n = vdm__aml_term(c);
	vdm__aml_put8(n, (uint8_t)(ARG0_OP + i));
	return n;
}

/* ---- named objects ------------------------------------------------------------------- */

struct vdm_aml *vdm_aml_name_decl(struct vdm_aml_ctx *c, const char *path, struct vdm_aml *obj)
{
	int err = c->err;
	struct vdm_aml *n;

	if (vdm__aml_bad(obj))
		return &c->poison;
	n = vdm__aml_term(c);
	vdm__aml_put8(n, NAME_OP);
	vdm__aml_put_namestring(n, path);
	vdm__aml_emit(n, obj);
	return vdm__aml_checked(n, err);
}

struct vdm_aml *vdm_aml_opregion(struct vdm_aml_ctx *c, const char *path,
				 enum vdm_aml_region_space space, struct vdm_aml *offset,
				 struct vdm_aml *length)
{
	int err = c->err;
	struct vdm_aml *n;

	if (vdm__aml_bad(offset) || vdm__aml_bad(length))
		return &c->poison;
	n = vdm__aml_term(c);
	vdm__aml_put8(n, EXT_OP_PREFIX);
	vdm__aml_put8(n, OPREGION_OP);
	vdm__aml_put_namestring(n, path);
	vdm__aml_put8(n, (uint8_t)space);
	vdm__aml_emit(n, offset);
	vdm__aml_emit(n, length);
	return vdm__aml_checked(n, err);
}

struct vdm_aml *vdm_aml_field(struct vdm_aml_ctx *c, const char *region,
			      enum vdm_aml_field_access access, enum vdm_aml_field_lock lock,
			      enum vdm_aml_field_update update)
{
	struct vdm_aml *n;

	if ((unsigned)access > VDM_AML_BUFFER_ACC || (unsigned)lock > VDM_AML_LOCK ||
	    (unsigned)update > VDM_AML_WRITE_AS_ZEROS) {
		vdm__aml_fail(c, -EINVAL, "Field %s: bad flags (access %d, lock %d, update %d)",
		     region ? region : "?", access, lock, update);
		return &c->poison;
	}
	n = named_block(c, EXT_OP_PREFIX, FIELD_OP, region);
	vdm__aml_put8(n, (uint8_t)(access | lock << 4 | update << 5));
	return n;
}

/* Field element widths use the PkgLength encoding of the bit count itself (§20.2.5.2:
 * NamedField := NameSeg PkgLength), without counting the length bytes.  The byte count is
 * chosen as iasl chooses it (as if the length bytes were counted: 63 takes two bytes, 4094
 * three), so our tables are byte-identical to iasl's; any decoder accepts either form. */
static void put_field_bits(struct vdm_aml *f, unsigned bits)
{
	if (bits > PKGLEN_MAX) {
		vdm__aml_fail(f->ctx, -ERANGE, "Field element of %u bits: at most %u", bits,
			      PKGLEN_MAX);
		return;
	}
	if (bits <= 0x3f - 1) {
		vdm__aml_put8(f, (uint8_t)bits);
		return;
	}
	unsigned k = bits <= 0xfff - 2 ? 2 : bits <= 0xfffff - 3 ? 3 : 4;

	vdm__aml_put8(f, (uint8_t)(((k - 1) << 6) | (bits & 0x0f)));
	for (unsigned i = 1; i < k; i++)
		vdm__aml_put8(f, (uint8_t)(bits >> (4 + 8 * (i - 1))));
}

static bool field_ok(struct vdm_aml *field, const char *what)
{
	if (vdm__aml_bad(field))
		return false;
	if (field->kind != K_BLOCK || field->oplen != 2 || field->op[1] != FIELD_OP ||
	    field->sealed) {
		vdm__aml_fail(field->ctx, -EINVAL, "%s: not an unsealed Field", what);
		return false;
	}
	return true;
}

void vdm_aml_field_named(struct vdm_aml *field, const char *name, unsigned bits)
{
	struct vdm_aml_ctx *c;
	int err;
	size_t mark;

	if (!field_ok(field, "vdm_aml_field_named"))
		return;
	c = field->ctx;
	err = c->err;
	mark = field->len;
	vdm__aml_put_namestring(field, name);
	if (!err && c->err)
		return;
	if (field->len - mark != 4) { /* a NamePath, not a single NameSeg */
		vdm__aml_fail(c, -EINVAL, "Field unit \"%s\": must be a single NameSeg", name);
		return;
	}
	if (bits == 0) {
		vdm__aml_fail(c, -EINVAL, "Field unit \"%s\": width 0 bits", name);
		return;
	}
	put_field_bits(field, bits);
}

void vdm_aml_field_reserved(struct vdm_aml *field, unsigned bits)
{
	if (!field_ok(field, "vdm_aml_field_reserved"))
		return;
	vdm__aml_put8(field, 0x00); /* ReservedField := 0x00 PkgLength */
	put_field_bits(field, bits);
}

struct vdm_aml *vdm_aml_mutex(struct vdm_aml_ctx *c, const char *path, unsigned sync_level)
{
	int err = c->err;
	struct vdm_aml *n;

	if (sync_level > 15) {
		vdm__aml_fail(c, -EINVAL, "Mutex %s: sync level %u, must be 0-15",
			      path ? path : "?", sync_level);
		return &c->poison;
	}
	n = vdm__aml_term(c);
	vdm__aml_put8(n, EXT_OP_PREFIX);
	vdm__aml_put8(n, MUTEX_OP);
	vdm__aml_put_namestring(n, path);
	vdm__aml_put8(n, (uint8_t)sync_level);
	return vdm__aml_checked(n, err);
}

struct vdm_aml *vdm_aml_create_dword_field(struct vdm_aml_ctx *c, struct vdm_aml *buffer,
					   struct vdm_aml *index, const char *path)
{
	int err = c->err;
	struct vdm_aml *n;

	if (vdm__aml_bad(buffer) || vdm__aml_bad(index))
		return &c->poison;
	n = vdm__aml_term(c);
	vdm__aml_put8(n, CREATE_DWORD_FIELD_OP);
	vdm__aml_emit(n, buffer);
	vdm__aml_emit(n, index);
	vdm__aml_put_namestring(n, path);
	return vdm__aml_checked(n, err);
}

/* ---- output -------------------------------------------------------------------------- */

int vdm_aml_serialize(struct vdm_aml *node, uint8_t **out, size_t *len)
{
	struct vdm_aml_ctx *c;
	struct vdm_aml tmp;

	*out = NULL;
	*len = 0;
	if (!node)
		return -EINVAL;
	c = node->ctx;
	if (c->err)
		return c->err;
	memset(&tmp, 0, sizeof(tmp));
	tmp.ctx = c;
	tmp.kind = K_TERM;
	vdm__aml_emit(&tmp, node);
	if (c->err) {
		free(tmp.buf);
		return c->err;
	}
	if (!tmp.buf) { /* an empty list: still hand back a valid pointer */
		tmp.buf = malloc(1);
		if (!tmp.buf)
			return -ENOMEM;
	}
	*out = tmp.buf;
	*len = tmp.len;
	return 0;
}
