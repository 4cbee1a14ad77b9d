/* AML encoder: nodes own growable byte buffers; blocks get their PkgLength when appended to
 * their parent.  Opcode values and encodings follow ACPI 6.5 §20.2 (AML grammar). */
#include "aml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How a node turns into bytes when appended (see emit()). */
enum aml_kind {
	K_POISON,      /* stands in for a node that could not be built */
	K_TERM,        /* buf is the complete encoding */
	K_LIST,        /* buf is a term list, emitted as is */
	K_BLOCK,       /* op PkgLength buf (Scope, Device, Method, If, Else, While, Field) */
	K_PACKAGE,     /* PackageOp PkgLength NumElements buf */
	K_RESTEMPLATE, /* BufferOp PkgLength BufferSize buf EndTag */
};

struct aml {
	struct aml_ctx *ctx;
	struct aml *next; /* every node of the context, for aml_ctx_free() */
	enum aml_kind kind;
	uint8_t op[2];
	uint8_t oplen;
	bool sealed;
	unsigned count; /* package elements */
	uint8_t *buf;
	size_t len, cap;
};

struct aml_ctx {
	struct aml *nodes;
	int err;
	char msg[160];
	struct aml poison;
};

/* AML opcodes (ACPI 6.5 §20.2.5, §20.3). */
enum {
	ZERO_OP = 0x00, ONE_OP = 0x01, NAME_OP = 0x08, BYTE_PREFIX = 0x0a, WORD_PREFIX = 0x0b,
	DWORD_PREFIX = 0x0c, STRING_PREFIX = 0x0d, QWORD_PREFIX = 0x0e, SCOPE_OP = 0x10,
	BUFFER_OP = 0x11, PACKAGE_OP = 0x12, METHOD_OP = 0x14, DUAL_NAME_PREFIX = 0x2e,
	MULTI_NAME_PREFIX = 0x2f, EXT_OP_PREFIX = 0x5b, ROOT_CHAR = 0x5c, PARENT_PREFIX = 0x5e,
	LOCAL0_OP = 0x60, ARG0_OP = 0x68, STORE_OP = 0x70, ADD_OP = 0x72, SUBTRACT_OP = 0x74,
	INCREMENT_OP = 0x75, DECREMENT_OP = 0x76, SHIFT_LEFT_OP = 0x79, SHIFT_RIGHT_OP = 0x7a,
	AND_OP = 0x7b, OR_OP = 0x7d, DEREF_OF_OP = 0x83, NOTIFY_OP = 0x86, SIZE_OF_OP = 0x87,
	INDEX_OP = 0x88, CREATE_DWORD_FIELD_OP = 0x8a, LAND_OP = 0x90, LOR_OP = 0x91,
	LNOT_OP = 0x92, LEQUAL_OP = 0x93, LGREATER_OP = 0x94, LLESS_OP = 0x95, IF_OP = 0xa0,
	ELSE_OP = 0xa1, WHILE_OP = 0xa2, RETURN_OP = 0xa4, ONES_OP = 0xff,
	/* after EXT_OP_PREFIX */
	MUTEX_OP = 0x01, ACQUIRE_OP = 0x23, RELEASE_OP = 0x27, OPREGION_OP = 0x80,
	FIELD_OP = 0x81, DEVICE_OP = 0x82,
};

#define PKGLEN_MAX 0x0fffffffu /* 28 bits */

/* ---- context and errors ---------------------------------------------------------------- */

struct aml_ctx *aml_ctx_new(void)
{
	struct aml_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->poison.ctx = c;
	c->poison.kind = K_POISON;
	c->poison.sealed = true;
	return c;
}

void aml_ctx_free(struct aml_ctx *c)
{
	struct aml *n, *next;

	if (!c)
		return;
	for (n = c->nodes; n; n = next) {
		next = n->next;
		free(n->buf);
		free(n);
	}
	free(c);
}

int aml_ctx_error(const struct aml_ctx *c, const char **msg)
{
	if (msg)
		*msg = c->err ? c->msg : "";
	return c->err;
}

/* Record the first error; later ones are consequences and would only confuse. */
__attribute__((format(printf, 3, 4))) static void fail(struct aml_ctx *c, int err,
						       const char *fmt, ...)
{
	va_list ap;

	if (c->err)
		return;
	c->err = err;
	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
}

static struct aml *node_new(struct aml_ctx *c, enum aml_kind kind)
{
	struct aml *n = calloc(1, sizeof(*n));

	if (!n) {
		fail(c, -ENOMEM, "out of memory building AML");
		return &c->poison;
	}
	n->ctx = c;
	n->kind = kind;
	n->next = c->nodes;
	c->nodes = n;
	return n;
}

static bool bad(const struct aml *n)
{
	return !n || n->kind == K_POISON;
}

static void put(struct aml *n, const void *p, size_t len)
{
	if (bad(n) || len == 0)
		return;
	if (n->len + len > n->cap) {
		size_t cap = n->cap ? n->cap : 32;
		uint8_t *nb;

		while (cap < n->len + len)
			cap *= 2;
		nb = realloc(n->buf, cap);
		if (!nb) {
			fail(n->ctx, -ENOMEM, "out of memory building AML");
			return;
		}
		n->buf = nb;
		n->cap = cap;
	}
	memcpy(n->buf + n->len, p, len);
	n->len += len;
}

static void put8(struct aml *n, uint8_t v)
{
	put(n, &v, 1);
}

static void put_le(struct aml *n, uint64_t v, unsigned bytes)
{
	uint8_t b[8];

	for (unsigned i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(n, b, bytes);
}

/* ---- encodings ----------------------------------------------------------------------- */

/* PkgLength (§20.2.4) for `body` bytes that follow it; the encoded value counts its own
 * bytes.  Uses the fewest bytes, as iasl does. */
static void put_pkglen(struct aml *n, size_t body)
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
		fail(n->ctx, -ERANGE, "AML package of %zu bytes exceeds the PkgLength limit (%u)",
		     body, PKGLEN_MAX - 4);
		return;
	}
	v = body + k;
	if (k == 1) {
		put8(n, (uint8_t)v);
		return;
	}
	put8(n, (uint8_t)(((k - 1) << 6) | (v & 0x0f)));
	for (unsigned i = 1; i < k; i++)
		put8(n, (uint8_t)(v >> (4 + 8 * (i - 1))));
}

static void put_int(struct aml *n, uint64_t v)
{
	if (v == 0)
		put8(n, ZERO_OP);
	else if (v == 1)
		put8(n, ONE_OP);
	else if (v <= 0xff) {
		put8(n, BYTE_PREFIX);
		put_le(n, v, 1);
	} else if (v <= 0xffff) {
		put8(n, WORD_PREFIX);
		put_le(n, v, 2);
	} else if (v <= 0xffffffff) {
		put8(n, DWORD_PREFIX);
		put_le(n, v, 4);
	} else {
		put8(n, QWORD_PREFIX);
		put_le(n, v, 8);
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
static void put_namestring(struct aml *n, const char *path)
{
	struct aml_ctx *c = n->ctx;
	const char *p = path, *seg;
	uint8_t segs[255][4];
	unsigned nsegs = 0;

	if (!path || !*path) {
		fail(c, -EINVAL, "empty AML name: give a NameSeg such as \"PCI0\"");
		return;
	}
	if (*p == '\\') {
		put8(n, ROOT_CHAR);
		p++;
		if (!*p) {
			put8(n, ZERO_OP); /* NullName */
			return;
		}
	} else {
		while (*p == '^') {
			put8(n, PARENT_PREFIX);
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
			fail(c, -EINVAL,
			     "AML name \"%s\": each segment must be 1-4 characters (at most 255 "
			     "segments)", path);
			return;
		}
		for (size_t i = 0; i < 4; i++) {
			char ch = i < len ? seg[i] : '_';

			if (!seg_char_ok(ch, i == 0)) {
				fail(c, -EINVAL,
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
		put8(n, DUAL_NAME_PREFIX);
	else if (nsegs > 2) {
		put8(n, MULTI_NAME_PREFIX);
		put8(n, (uint8_t)nsegs);
	}
	put(n, segs, 4 * nsegs);
}

/* Append the encoding of `child` to `dst`. */
static void emit(struct aml *dst, const struct aml *child)
{
	switch (child->kind) {
	case K_POISON:
		return;
	case K_TERM:
	case K_LIST:
		put(dst, child->buf, child->len);
		return;
	case K_BLOCK:
		put(dst, child->op, child->oplen);
		put_pkglen(dst, child->len);
		put(dst, child->buf, child->len);
		return;
	case K_PACKAGE:
		put8(dst, PACKAGE_OP);
		put_pkglen(dst, 1 + child->len);
		put8(dst, (uint8_t)child->count);
		put(dst, child->buf, child->len);
		return;
	case K_RESTEMPLATE: {
		/* Buffer (size) { descriptors, EndTag }: build the body to learn its length. */
		struct aml body = { .ctx = dst->ctx, .kind = K_TERM };
		static const uint8_t end_tag[2] = { 0x79, 0x00 }; /* checksum 0: "valid" */

		put_int(&body, child->len + sizeof(end_tag));
		put(&body, child->buf, child->len);
		put(&body, end_tag, sizeof(end_tag));
		put8(dst, BUFFER_OP);
		put_pkglen(dst, body.len);
		put(dst, body.buf, body.len);
		free(body.buf);
		return;
	}
	}
}

/* ---- structure ----------------------------------------------------------------------- */

static struct aml *block(struct aml_ctx *c, enum aml_kind kind, uint8_t op0, int op1)
{
	struct aml *n = node_new(c, kind);

	if (bad(n))
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
static struct aml *checked(struct aml *n, int err_before)
{
	if (!bad(n) && n->ctx->err && !err_before)
		return &n->ctx->poison;
	return n;
}

struct aml *aml_list(struct aml_ctx *c)
{
	return node_new(c, K_LIST);
}

static struct aml *named_block(struct aml_ctx *c, uint8_t op0, int op1, const char *path)
{
	int err = c->err;
	struct aml *n = block(c, K_BLOCK, op0, op1);

	put_namestring(n, path);
	return checked(n, err);
}

struct aml *aml_scope(struct aml_ctx *c, const char *path)
{
	return named_block(c, SCOPE_OP, -1, path);
}

struct aml *aml_device(struct aml_ctx *c, const char *path)
{
	return named_block(c, EXT_OP_PREFIX, DEVICE_OP, path);
}

struct aml *aml_method(struct aml_ctx *c, const char *path, unsigned nargs,
		       enum aml_method_flags flags)
{
	struct aml *n;

	if (nargs > 7) {
		fail(c, -EINVAL, "Method %s: %u arguments; AML allows 0-7", path ? path : "?",
		     nargs);
		return &c->poison;
	}
	n = named_block(c, METHOD_OP, -1, path);
	put8(n, (uint8_t)(nargs | (flags == AML_SERIALIZED ? 0x08 : 0)));
	return n;
}

static struct aml *predicate_block(struct aml_ctx *c, uint8_t op, struct aml *pred)
{
	struct aml *n;

	if (bad(pred))
		return &c->poison;
	n = block(c, K_BLOCK, op, -1);
	if (!bad(n))
		emit(n, pred);
	return n;
}

struct aml *aml_if(struct aml_ctx *c, struct aml *predicate)
{
	return predicate_block(c, IF_OP, predicate);
}

struct aml *aml_else(struct aml_ctx *c)
{
	return block(c, K_BLOCK, ELSE_OP, -1);
}

struct aml *aml_while(struct aml_ctx *c, struct aml *predicate)
{
	return predicate_block(c, WHILE_OP, predicate);
}

struct aml *aml_package(struct aml_ctx *c)
{
	return node_new(c, K_PACKAGE);
}

void aml_append(struct aml *parent, struct aml *child)
{
	if (bad(parent) || bad(child))
		return; /* the error is already recorded */
	if (parent->kind == K_TERM) {
		fail(parent->ctx, -EINVAL, "aml_append: the parent is a term, not a block");
		return;
	}
	if (parent->sealed) {
		fail(parent->ctx, -EINVAL,
		     "aml_append: block already appended to its parent; fill it first");
		return;
	}
	if (child->ctx != parent->ctx) {
		fail(parent->ctx, -EINVAL, "aml_append: child belongs to another context");
		return;
	}
	if (parent->kind == K_PACKAGE) {
		if (parent->count == 255) {
			fail(parent->ctx, -ERANGE, "Package: more than 255 elements");
			return;
		}
		parent->count++;
	}
	if (child != parent && child->kind != K_TERM)
		child->sealed = true;
	emit(parent, child);
}

/* ---- data ---------------------------------------------------------------------------- */

static struct aml *term(struct aml_ctx *c)
{
	return node_new(c, K_TERM);
}

struct aml *aml_int(struct aml_ctx *c, uint64_t v)
{
	struct aml *n = term(c);

	put_int(n, v);
	return n;
}

struct aml *aml_ones(struct aml_ctx *c)
{
	struct aml *n = term(c);

	put8(n, ONES_OP);
	return n;
}

struct aml *aml_string(struct aml_ctx *c, const char *s)
{
	struct aml *n;

	if (!s) {
		fail(c, -EINVAL, "aml_string: NULL string");
		return &c->poison;
	}
	for (const char *p = s; *p; p++) {
		if ((unsigned char)*p > 0x7f) {
			fail(c, -EINVAL, "AML string \"%s\": only ASCII 0x01-0x7f is allowed", s);
			return &c->poison;
		}
	}
	n = term(c);
	put8(n, STRING_PREFIX);
	put(n, s, strlen(s) + 1);
	return n;
}

struct aml *aml_buffer(struct aml_ctx *c, const uint8_t *bytes, size_t n)
{
	struct aml *b = term(c);
	struct aml body = { .ctx = c, .kind = K_TERM };

	if (bad(b))
		return b;
	put_int(&body, n);
	put(&body, bytes, n);
	put8(b, BUFFER_OP);
	put_pkglen(b, body.len);
	put(b, body.buf, body.len);
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

struct aml *aml_eisaid(struct aml_ctx *c, const char *id)
{
	uint32_t v = 0;
	uint8_t b[4];

	if (!id || strlen(id) != 7) {
		fail(c, -EINVAL, "EisaId \"%s\": want 3 letters and 4 hex digits, e.g. PNP0A08",
		     id ? id : "(null)");
		return &c->poison;
	}
	for (int i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z') {
			fail(c, -EINVAL, "EisaId \"%s\": '%c' is not a capital letter", id, id[i]);
			return &c->poison;
		}
		v = (v << 5) | (uint32_t)(id[i] - '@');
	}
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
	for (int i = 0; i < 2; i++) {
		int hi = hexval(id[3 + 2 * i]), lo = hexval(id[4 + 2 * i]);

		if (hi < 0 || lo < 0) {
			fail(c, -EINVAL, "EisaId \"%s\": last four characters must be hex", id);
			return &c->poison;
		}
		b[2 + i] = (uint8_t)(hi << 4 | lo);
	}
	/* The four bytes read as a little-endian integer, shortened like any other integer
	 * (iasl 20200925 emits EisaId ("PNP0000") as a WordConst). */
	return aml_int(c, (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
			      (uint32_t)b[3] << 24);
}

struct aml *aml_touuid(struct aml_ctx *c, const char *uuid)
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
	return aml_buffer(c, b, sizeof(b));
bad_uuid:
	fail(c, -EINVAL, "ToUUID \"%s\": want xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hex)",
	     uuid ? uuid : "(null)");
	return &c->poison;
}

struct aml *aml_name(struct aml_ctx *c, const char *path)
{
	int err = c->err;
	struct aml *n = term(c);

	put_namestring(n, path);
	return checked(n, err);
}

struct aml *aml_local(struct aml_ctx *c, unsigned i)
{
	struct aml *n;

	if (i > 7) {
		fail(c, -EINVAL, "Local%u: AML has Local0-Local7", i);
		return &c->poison;
	}
	n = term(c);
	put8(n, (uint8_t)(LOCAL0_OP + i));
	return n;
}

struct aml *aml_arg(struct aml_ctx *c, unsigned i)
{
	struct aml *n;

	if (i > 6) {
		fail(c, -EINVAL, "Arg%u: AML has Arg0-Arg6", i);
		return &c->poison;
	}
	n = term(c);
	put8(n, (uint8_t)(ARG0_OP + i));
	return n;
}

/* ---- named objects ------------------------------------------------------------------- */

struct aml *aml_name_decl(struct aml_ctx *c, const char *path, struct aml *obj)
{
	int err = c->err;
	struct aml *n;

	if (bad(obj))
		return &c->poison;
	n = term(c);
	put8(n, NAME_OP);
	put_namestring(n, path);
	emit(n, obj);
	return checked(n, err);
}

struct aml *aml_opregion(struct aml_ctx *c, const char *path, enum aml_region_space space,
			 struct aml *offset, struct aml *length)
{
	int err = c->err;
	struct aml *n;

	if (bad(offset) || bad(length))
		return &c->poison;
	n = term(c);
	put8(n, EXT_OP_PREFIX);
	put8(n, OPREGION_OP);
	put_namestring(n, path);
	put8(n, (uint8_t)space);
	emit(n, offset);
	emit(n, length);
	return checked(n, err);
}

struct aml *aml_field(struct aml_ctx *c, const char *region, enum aml_field_access access,
		      enum aml_field_lock lock, enum aml_field_update update)
{
	struct aml *n;

	if ((unsigned)access > AML_BUFFER_ACC || (unsigned)lock > AML_LOCK ||
	    (unsigned)update > AML_WRITE_AS_ZEROS) {
		fail(c, -EINVAL, "Field %s: bad flags (access %d, lock %d, update %d)",
		     region ? region : "?", access, lock, update);
		return &c->poison;
	}
	n = named_block(c, EXT_OP_PREFIX, FIELD_OP, region);
	put8(n, (uint8_t)(access | lock << 4 | update << 5));
	return n;
}

/* Field element widths use the PkgLength encoding of the bit count itself (§20.2.5.2:
 * NamedField := NameSeg PkgLength), without counting the length bytes. */
static void put_field_bits(struct aml *f, unsigned bits)
{
	if (bits > PKGLEN_MAX) {
		fail(f->ctx, -ERANGE, "Field element of %u bits: at most %u", bits, PKGLEN_MAX);
		return;
	}
	if (bits <= 0x3f) {
		put8(f, (uint8_t)bits);
		return;
	}
	unsigned k = bits <= 0xfff ? 2 : bits <= 0xfffff ? 3 : 4;

	put8(f, (uint8_t)(((k - 1) << 6) | (bits & 0x0f)));
	for (unsigned i = 1; i < k; i++)
		put8(f, (uint8_t)(bits >> (4 + 8 * (i - 1))));
}

static bool field_ok(struct aml *field, const char *what)
{
	if (bad(field))
		return false;
	if (field->kind != K_BLOCK || field->oplen != 2 || field->op[1] != FIELD_OP ||
	    field->sealed) {
		fail(field->ctx, -EINVAL, "%s: not an unsealed Field", what);
		return false;
	}
	return true;
}

void aml_field_named(struct aml *field, const char *name, unsigned bits)
{
	struct aml_ctx *c;
	int err;
	size_t mark;

	if (!field_ok(field, "aml_field_named"))
		return;
	c = field->ctx;
	err = c->err;
	mark = field->len;
	put_namestring(field, name);
	if (!err && c->err)
		return;
	if (field->len - mark != 4) { /* a NamePath, not a single NameSeg */
		fail(c, -EINVAL, "Field unit \"%s\": must be a single NameSeg", name);
		return;
	}
	if (bits == 0) {
		fail(c, -EINVAL, "Field unit \"%s\": width 0 bits", name);
		return;
	}
	put_field_bits(field, bits);
}

void aml_field_reserved(struct aml *field, unsigned bits)
{
	if (!field_ok(field, "aml_field_reserved"))
		return;
	put8(field, 0x00); /* ReservedField := 0x00 PkgLength */
	put_field_bits(field, bits);
}

struct aml *aml_mutex(struct aml_ctx *c, const char *path, unsigned sync_level)
{
	int err = c->err;
	struct aml *n;

	if (sync_level > 15) {
		fail(c, -EINVAL, "Mutex %s: sync level %u, must be 0-15", path ? path : "?",
		     sync_level);
		return &c->poison;
	}
	n = term(c);
	put8(n, EXT_OP_PREFIX);
	put8(n, MUTEX_OP);
	put_namestring(n, path);
	put8(n, (uint8_t)sync_level);
	return checked(n, err);
}

struct aml *aml_create_dword_field(struct aml_ctx *c, struct aml *buffer, struct aml *index,
				   const char *path)
{
	int err = c->err;
	struct aml *n;

	if (bad(buffer) || bad(index))
		return &c->poison;
	n = term(c);
	put8(n, CREATE_DWORD_FIELD_OP);
	emit(n, buffer);
	emit(n, index);
	put_namestring(n, path);
	return checked(n, err);
}

/* ---- statements and expressions ------------------------------------------------------- */

/* op, then each operand; a NULL operand in a target position is NullName (0x00). */
static struct aml *op_term(struct aml_ctx *c, uint8_t op, unsigned n, struct aml *a,
			   struct aml *b, struct aml *target, bool has_target)
{
	struct aml *t;
	struct aml *ops[2] = { a, b };

	for (unsigned i = 0; i < n; i++)
		if (bad(ops[i]))
			return &c->poison;
	if (has_target && target && bad(target))
		return &c->poison;
	t = term(c);
	put8(t, op);
	for (unsigned i = 0; i < n; i++)
		emit(t, ops[i]);
	if (has_target) {
		if (target)
			emit(t, target);
		else
			put8(t, ZERO_OP);
	}
	return t;
}

struct aml *aml_store(struct aml_ctx *c, struct aml *src, struct aml *dst)
{
	return op_term(c, STORE_OP, 2, src, dst, NULL, false);
}

struct aml *aml_return(struct aml_ctx *c, struct aml *obj)
{
	return op_term(c, RETURN_OP, 1, obj, NULL, NULL, false);
}

struct aml *aml_notify(struct aml_ctx *c, struct aml *obj, struct aml *value)
{
	return op_term(c, NOTIFY_OP, 2, obj, value, NULL, false);
}

struct aml *aml_acquire(struct aml_ctx *c, struct aml *mutex, uint16_t timeout)
{
	struct aml *n;

	if (bad(mutex))
		return &c->poison;
	n = term(c);
	put8(n, EXT_OP_PREFIX);
	put8(n, ACQUIRE_OP);
	emit(n, mutex);
	put_le(n, timeout, 2); /* Timeout is a raw WordData, not an integer term */
	return n;
}

struct aml *aml_release(struct aml_ctx *c, struct aml *mutex)
{
	struct aml *n;

	if (bad(mutex))
		return &c->poison;
	n = term(c);
	put8(n, EXT_OP_PREFIX);
	put8(n, RELEASE_OP);
	emit(n, mutex);
	return n;
}

struct aml *aml_and(struct aml_ctx *c, struct aml *a, struct aml *b, struct aml *target)
{
	return op_term(c, AND_OP, 2, a, b, target, true);
}

struct aml *aml_or(struct aml_ctx *c, struct aml *a, struct aml *b, struct aml *target)
{
	return op_term(c, OR_OP, 2, a, b, target, true);
}

struct aml *aml_shiftleft(struct aml_ctx *c, struct aml *a, struct aml *count,
			  struct aml *target)
{
	return op_term(c, SHIFT_LEFT_OP, 2, a, count, target, true);
}

struct aml *aml_shiftright(struct aml_ctx *c, struct aml *a, struct aml *count,
			   struct aml *target)
{
	return op_term(c, SHIFT_RIGHT_OP, 2, a, count, target, true);
}

struct aml *aml_add(struct aml_ctx *c, struct aml *a, struct aml *b, struct aml *target)
{
	return op_term(c, ADD_OP, 2, a, b, target, true);
}

struct aml *aml_subtract(struct aml_ctx *c, struct aml *a, struct aml *b, struct aml *target)
{
	return op_term(c, SUBTRACT_OP, 2, a, b, target, true);
}

struct aml *aml_increment(struct aml_ctx *c, struct aml *obj)
{
	return op_term(c, INCREMENT_OP, 1, obj, NULL, NULL, false);
}

struct aml *aml_decrement(struct aml_ctx *c, struct aml *obj)
{
	return op_term(c, DECREMENT_OP, 1, obj, NULL, NULL, false);
}

struct aml *aml_lequal(struct aml_ctx *c, struct aml *a, struct aml *b)
{
	return op_term(c, LEQUAL_OP, 2, a, b, NULL, false);
}

struct aml *aml_lless(struct aml_ctx *c, struct aml *a, struct aml *b)
{
	return op_term(c, LLESS_OP, 2, a, b, NULL, false);
}

struct aml *aml_lgreater(struct aml_ctx *c, struct aml *a, struct aml *b)
{
	return op_term(c, LGREATER_OP, 2, a, b, NULL, false);
}

struct aml *aml_land(struct aml_ctx *c, struct aml *a, struct aml *b)
{
	return op_term(c, LAND_OP, 2, a, b, NULL, false);
}

struct aml *aml_lor(struct aml_ctx *c, struct aml *a, struct aml *b)
{
	return op_term(c, LOR_OP, 2, a, b, NULL, false);
}

struct aml *aml_lnot(struct aml_ctx *c, struct aml *a)
{
	return op_term(c, LNOT_OP, 1, a, NULL, NULL, false);
}

struct aml *aml_index(struct aml_ctx *c, struct aml *obj, struct aml *idx, struct aml *target)
{
	return op_term(c, INDEX_OP, 2, obj, idx, target, true);
}

struct aml *aml_derefof(struct aml_ctx *c, struct aml *obj)
{
	return op_term(c, DEREF_OF_OP, 1, obj, NULL, NULL, false);
}

struct aml *aml_sizeof(struct aml_ctx *c, struct aml *obj)
{
	return op_term(c, SIZE_OF_OP, 1, obj, NULL, NULL, false);
}

struct aml *aml_call(struct aml_ctx *c, const char *path, unsigned nargs, ...)
{
	struct aml *n, *args[7];
	int err = c->err;
	va_list ap;

	if (nargs > 7) {
		fail(c, -EINVAL, "call %s: %u arguments; AML allows 0-7", path ? path : "?",
		     nargs);
		return &c->poison;
	}
	va_start(ap, nargs);
	for (unsigned i = 0; i < nargs; i++)
		args[i] = va_arg(ap, struct aml *);
	va_end(ap);
	for (unsigned i = 0; i < nargs; i++)
		if (bad(args[i]))
			return &c->poison;
	n = term(c);
	put_namestring(n, path);
	for (unsigned i = 0; i < nargs; i++)
		emit(n, args[i]);
	return checked(n, err);
}

/* ---- resource templates (ACPI 6.5 §6.4) ----------------------------------------------- */

struct aml *aml_resource_template(struct aml_ctx *c)
{
	return node_new(c, K_RESTEMPLATE);
}

/* Address space descriptor (§6.4.3.5): tag, length, resource type, general flags, type
 * flags, then granularity, min, max, translation, length, each `w` bytes wide. */
static struct aml *addr_space(struct aml_ctx *c, uint8_t tag, unsigned w, uint8_t rtype,
			      enum aml_rd_usage usage, uint8_t tflags, uint64_t min,
			      uint64_t max)
{
	/* MinFixed (bit 2) | MaxFixed (bit 3), PosDecode (bit 1 clear) */
	uint8_t gflags = (uint8_t)(0x0c | (usage == AML_RESOURCE_CONSUMER ? 1 : 0));
	struct aml *n;

	if (min > max) {
		fail(c, -EINVAL, "address range 0x%llx-0x%llx: min above max",
		     (unsigned long long)min, (unsigned long long)max);
		return &c->poison;
	}
	if (w < 8 && max - min == (1ull << (8 * w)) - 1) {
		fail(c, -ERANGE, "address range 0x%llx-0x%llx: length does not fit %u bytes",
		     (unsigned long long)min, (unsigned long long)max, w);
		return &c->poison;
	}
	n = term(c);
	put8(n, tag);
	put_le(n, 3 + 5 * w, 2);
	put8(n, rtype);
	put8(n, gflags);
	put8(n, tflags);
	put_le(n, 0, w);             /* granularity */
	put_le(n, min, w);
	put_le(n, max, w);
	put_le(n, 0, w);             /* translation */
	put_le(n, max - min + 1, w); /* length */
	return n;
}

struct aml *aml_word_bus_number(struct aml_ctx *c, uint16_t min, uint16_t max)
{
	return addr_space(c, 0x88, 2, 2, AML_RESOURCE_PRODUCER, 0, min, max);
}

struct aml *aml_word_io(struct aml_ctx *c, uint16_t min, uint16_t max)
{
	/* type flags: ISA and non-ISA ranges (EntireRange = 3) */
	return addr_space(c, 0x88, 2, 1, AML_RESOURCE_PRODUCER, 0x03, min, max);
}

struct aml *aml_dword_memory(struct aml_ctx *c, enum aml_rd_usage usage,
			     enum aml_rd_cache cache, uint32_t min, uint32_t max)
{
	/* type flags: ReadWrite (bit 0), cacheability (bits 1-2) */
	return addr_space(c, 0x87, 4, 0, usage, (uint8_t)(1 | (cache & 3) << 1), min, max);
}

struct aml *aml_qword_memory(struct aml_ctx *c, enum aml_rd_usage usage,
			     enum aml_rd_cache cache, uint64_t min, uint64_t max)
{
	return addr_space(c, 0x8a, 8, 0, usage, (uint8_t)(1 | (cache & 3) << 1), min, max);
}

struct aml *aml_io(struct aml_ctx *c, uint16_t min, uint16_t max, uint8_t align, uint8_t len)
{
	struct aml *n;

	if (min > max) {
		fail(c, -EINVAL, "IO 0x%x-0x%x: min above max", min, max);
		return &c->poison;
	}
	n = term(c);
	put8(n, 0x47); /* small item 8 (I/O port), length 7 */
	put8(n, 0x01); /* Decode16 */
	put_le(n, min, 2);
	put_le(n, max, 2);
	put8(n, align);
	put8(n, len);
	return n;
}

struct aml *aml_memory32_fixed(struct aml_ctx *c, uint32_t base, uint32_t len)
{
	struct aml *n = term(c);

	put8(n, 0x86);     /* large item 6 */
	put_le(n, 9, 2);
	put8(n, 0x01);     /* ReadWrite */
	put_le(n, base, 4);
	put_le(n, len, 4);
	return n;
}

struct aml *aml_interrupt(struct aml_ctx *c, unsigned flags, uint32_t gsi)
{
	struct aml *n;

	if (flags & ~0x1fu) {
		fail(c, -EINVAL, "Interrupt flags 0x%x: only bits 0-4 exist", flags);
		return &c->poison;
	}
	n = term(c);
	put8(n, 0x89);     /* large item 9: extended interrupt */
	put_le(n, 6, 2);
	put8(n, (uint8_t)flags);
	put8(n, 1);        /* one interrupt number */
	put_le(n, gsi, 4);
	return n;
}

struct aml *aml_irq_noflags(struct aml_ctx *c, unsigned irq)
{
	struct aml *n;

	if (irq > 15) {
		fail(c, -EINVAL, "IRQNoFlags {%u}: ISA IRQs are 0-15; use Interrupt () instead",
		     irq);
		return &c->poison;
	}
	n = term(c);
	put8(n, 0x22);     /* small item 4 (IRQ), length 2 */
	put_le(n, 1u << irq, 2);
	return n;
}

/* ---- output -------------------------------------------------------------------------- */

int aml_serialize(struct aml *node, uint8_t **out, size_t *len)
{
	struct aml_ctx *c;
	struct aml tmp;

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
	emit(&tmp, node);
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
