/* libFuzzer target: the AML encoder (vmm-example/firmware/aml.h) builds random trees that must
 * encode, and the guest payloads' AML walker must read back what was declared; raw bytes
 * also go straight to the walker. */
#include <errno.h>
#include <string.h>

#include <vdm/aml.h>
#include "fuzz_aml_walk.h"
#include "fuzz_input.h"

/*
 * Input: byte 0 bit 7 picks the mode.
 *  - Tree mode: the rest drives a generator that declares Scopes, Devices (with _HID, _UID,
 *    _CRS), Names (integers, Ones, strings, buffers, packages, EisaId, ToUUID), Operation
 *    Regions with Fields, Methods with statement bodies (Store, arithmetic, If/Else, While,
 *    calls, Acquire/Release, Return) and Mutexes; now and then it misuses the API (bad
 *    names, out-of-range values, appending to a sealed block or to itself...).
 *    Invariants: with no misuse the tree encodes (vdm_aml_serialize 0) and the walker, reading
 *    the table, finds exactly the declared objects in order with their names, lexical
 *    parents and values (integers, string and buffer bytes, EisaId and ToUUID computed
 *    independently here, region space/offset/length, field offsets/widths/access), its
 *    _CRS buffers are well-formed resource templates ending in an EndTag, and its look-ups
 *    find each _HID and first interrupt; after a misuse that the header calls an error,
 *    the error is recorded at once with a message and vdm_aml_serialize returns it with no
 *    buffer.  Names are unique, so iasl accepts what valid trees produce
 *    (tests/fuzz/aml-iasl-check.sh disassembles and recompiles samples).
 *  - Raw mode: the rest, behind a DSDT header, goes to the walker: every object it reports
 *    lies inside the table and its look-ups stay inside too (ASan checks the reads).
 * With VDM_FUZZ_AML_DUMP=DIR in the environment each valid tree's table is written to DIR.
 */

#define AG_MAX_EXP 512
#define AG_BUDGET 200
#define AG_MAX_DEPTH 6
#define AG_ARENA 8192
#define AG_MAX_CRS 32
#define AG_MAX_SCOPE_ITEMS 16
#define AG_HDR 36

struct ag_exp {
	uint8_t kind;
	char name[5];
	int parent;
	uint8_t vkind;
	uint64_t ival;
	int32_t data; /* arena offset of string/buffer bytes, -1 = not compared */
	uint32_t data_len;
	uint8_t space;
	uint64_t offset, length;
	char region[5];
	uint8_t access;
	uint32_t bit_offset, bit_width;
	bool crs; /* a resource template: checked as descriptors, not bytes */
};

/* The first interrupt of a Device's _CRS, and its string _HID. */
struct ag_dev {
	int idx;
	bool irq;
	uint32_t gsi;
	int edge, low;
	char hid[9];
};

/* What a container's body may refer to: its Methods (for calls) and Mutexes. */
struct ag_scope {
	char method[AG_MAX_SCOPE_ITEMS][5];
	unsigned nargs[AG_MAX_SCOPE_ITEMS], nmethods;
	char mutex[AG_MAX_SCOPE_ITEMS][5];
	unsigned nmutexes;
};

struct ag {
	struct vdm_fuzz_in *f;
	struct vdm_aml_ctx *c;
	unsigned budget, counter;
	bool strict; /* nothing was misused: the tree must encode and walk back */
	struct ag_exp exp[AG_MAX_EXP];
	unsigned nexp;
	uint8_t arena[AG_ARENA];
	uint32_t arena_len;
	struct ag_dev dev[AG_MAX_CRS];
	unsigned ndev;
};

static const char ag_digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/* A fresh NameSeg: a letter from the input, then a counter, so no two names clash. */
static void ag_name(struct ag *g, char out[5])
{
	unsigned k = g->counter++;

	out[0] = (char)('A' + vdm_fuzz_u8(g->f) % 26);
	out[1] = ag_digits[(k / 1296) % 36];
	out[2] = ag_digits[(k / 36) % 36];
	out[3] = ag_digits[k % 36];
	out[4] = '\0';
}

static int ag_expect(struct ag *g, uint8_t kind, const char name[5], int parent)
{
	struct ag_exp *e;

	FUZZ_CHECK(g->nexp < AG_MAX_EXP, "generator declared too many objects");
	e = &g->exp[g->nexp];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	memcpy(e->name, name, 4);
	e->name[4] = '\0';
	e->parent = parent;
	e->data = -1;
	if (g->budget)
		g->budget--;
	return (int)g->nexp++;
}

static int32_t ag_keep(struct ag *g, const void *p, uint32_t n)
{
	int32_t at = (int32_t)g->arena_len;

	if (g->arena_len + n > AG_ARENA)
		return -1;
	memcpy(g->arena + g->arena_len, p, n);
	g->arena_len += n;
	return at;
}

/* After a misuse the header calls an error: it must be recorded, with a message. */
static void ag_expect_error(struct ag *g, const char *what)
{
	const char *msg = NULL;
	int r = vdm_aml_ctx_error(g->c, &msg);

	FUZZ_CHECK(r < 0 && msg && msg[0], "%s was not recorded as an error (%d)", what, r);
	g->strict = false;
}

/* ---- values --------------------------------------------------------------------------- */

static uint64_t ag_int_value(struct ag *g)
{
	static const uint64_t masks[5] = { 0, 1, 0xff, 0xffffffffull, UINT64_MAX };
	uint8_t w = vdm_fuzz_u8(g->f) % 6;

	return w == 5 ? 0xffff & vdm_fuzz_u64(g->f) : vdm_fuzz_u64(g->f) & masks[w];
}

static void ag_hexs(struct ag *g, char *out, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		out[i] = ag_digits[vdm_fuzz_u8(g->f) % 16];
}

static unsigned ag_hexval(char c)
{
	return (unsigned)(c <= '9' ? c - '0' : c - 'A' + 10);
}

/* EisaId ("ABC1234"): 5-bit letters and the 16-bit product id, stored big-endian. */
static struct vdm_aml *ag_eisaid(struct ag *g, struct ag_exp *e)
{
	char id[8];
	uint32_t be;
	unsigned i;

	for (i = 0; i < 3; i++)
		id[i] = (char)('A' + vdm_fuzz_u8(g->f) % 26);
	ag_hexs(g, id + 3, 4);
	id[7] = '\0';
	be = (uint32_t)(id[0] - 0x40) << 26 | (uint32_t)(id[1] - 0x40) << 21 |
	     (uint32_t)(id[2] - 0x40) << 16;
	for (i = 3; i < 7; i++)
		be |= ag_hexval(id[i]) << (4 * (6 - i));
	e->vkind = FZW_VAL_INT;
	e->ival = __builtin_bswap32(be);
	return vdm_aml_eisaid(g->c, id);
}

/* ToUUID: groups 1-3 little-endian, groups 4-5 as written (ACPI ToUUID). */
static struct vdm_aml *ag_touuid(struct ag *g, struct ag_exp *e)
{
	static const unsigned group_len[5] = { 4, 2, 2, 2, 6 };
	char text[37];
	uint8_t bytes[16], *b = bytes;
	unsigned grp, i, pos = 0;

	for (grp = 0; grp < 5; grp++) {
		uint8_t v[6];

		for (i = 0; i < group_len[grp]; i++) {
			ag_hexs(g, text + pos, 2);
			v[i] = (uint8_t)(ag_hexval(text[pos]) << 4 | ag_hexval(text[pos + 1]));
			pos += 2;
		}
		for (i = 0; i < group_len[grp]; i++)
			*b++ = grp < 3 ? v[group_len[grp] - 1 - i] : v[i];
		if (grp < 4)
			text[pos++] = '-';
	}
	text[pos] = '\0';
	e->vkind = FZW_VAL_BUFFER;
	e->data = ag_keep(g, bytes, 16);
	e->data_len = 16;
	return vdm_aml_touuid(g->c, text);
}

static struct vdm_aml *ag_string(struct ag *g, struct ag_exp *e)
{
	char s[33];
	unsigned n = vdm_fuzz_u8(g->f) % 33, i;

	for (i = 0; i < n; i++)
		s[i] = (char)(0x20 + vdm_fuzz_u8(g->f) % 0x5f); /* printable ASCII */
	s[n] = '\0';
	if (e) {
		e->vkind = FZW_VAL_STRING;
		e->data = ag_keep(g, s, n);
		e->data_len = n;
	}
	return vdm_aml_string(g->c, s);
}

static struct vdm_aml *ag_package(struct ag *g, unsigned depth)
{
	struct vdm_aml *p = vdm_aml_package(g->c);
	unsigned n = vdm_fuzz_u8(g->f) % 6, i;

	for (i = 0; i < n; i++) {
		switch (vdm_fuzz_u8(g->f) % 3) {
		case 0:
			vdm_aml_append(p, vdm_aml_int(g->c, ag_int_value(g)));
			break;
		case 1:
			vdm_aml_append(p, ag_string(g, NULL));
			break;
		default:
			vdm_aml_append(p,
				       depth < 2 ? ag_package(g, depth + 1) : vdm_aml_ones(g->c));
			break;
		}
	}
	return p;
}

/* A data object for Name(); fills the expectation. */
static struct vdm_aml *ag_value(struct ag *g, struct ag_exp *e)
{
	uint8_t buf[40];
	unsigned n, i;

	switch (vdm_fuzz_u8(g->f) % 8) {
	case 0:
	case 1:
		e->vkind = FZW_VAL_INT;
		e->ival = ag_int_value(g);
		return vdm_aml_int(g->c, e->ival);
	case 2:
		e->vkind = FZW_VAL_INT;
		e->ival = UINT64_MAX;
		return vdm_aml_ones(g->c);
	case 3:
		return ag_string(g, e);
	case 4:
		n = vdm_fuzz_u8(g->f) % sizeof(buf);
		for (i = 0; i < n; i++)
			buf[i] = vdm_fuzz_u8(g->f);
		e->vkind = FZW_VAL_BUFFER;
		e->data = ag_keep(g, buf, n);
		e->data_len = n;
		return vdm_aml_buffer(g->c, buf, n);
	case 5:
		e->vkind = FZW_VAL_NONE; /* the walker records no package contents */
		return ag_package(g, 0);
	case 6:
		return ag_eisaid(g, e);
	default:
		return ag_touuid(g, e);
	}
}

/* ---- resource templates ---------------------------------------------------------------- */

static struct vdm_aml *ag_crs(struct ag *g, struct ag_dev *d)
{
	struct vdm_aml *rt = vdm_aml_resource_template(g->c);
	unsigned n = 1 + vdm_fuzz_u8(g->f) % 4, i;

	for (i = 0; i < n; i++) {
		uint64_t a = vdm_fuzz_u64(g->f), b = vdm_fuzz_u64(g->f);
		uint64_t lo = a < b ? a : b, hi = a < b ? b : a;
		unsigned flags, irq;

		switch (vdm_fuzz_u8(g->f) % 8) {
		case 0:
			lo &= 0xff;
			hi = lo + (hi & 0x7f);
			vdm_aml_append(rt,
				       vdm_aml_word_bus_number(g->c, (uint16_t)lo, (uint16_t)hi));
			break;
		case 1:
			lo &= 0xfff;
			hi = lo + (hi & 0xfff);
			vdm_aml_append(rt, vdm_aml_word_io(g->c, (uint16_t)lo, (uint16_t)hi));
			break;
		case 2:
			lo &= 0xfff0;
			vdm_aml_append(rt, vdm_aml_io(g->c, (uint16_t)lo, (uint16_t)lo, 1,
						      (uint8_t)(1 + (hi & 0xf))));
			break;
		case 3:
			lo &= 0x7fffffff;
			hi = lo + (hi & 0x3fffffff);
			vdm_aml_append(rt,
				       vdm_aml_dword_memory(g->c, (enum vdm_aml_rd_usage)(a & 1),
							    (enum vdm_aml_rd_cache)((b >> 1) & 3),
							    (uint32_t)lo, (uint32_t)hi));
			break;
		case 4:
			vdm_aml_append(rt, vdm_aml_qword_memory(
						   g->c, (enum vdm_aml_rd_usage)(a & 1),
						   (enum vdm_aml_rd_cache)((b >> 1) & 3), lo, hi));
			break;
		case 5:
			vdm_aml_append(rt,
				       vdm_aml_memory32_fixed(g->c, (uint32_t)a & ~0xfffu, 0x1000));
			break;
		case 6:
			flags = VDM_AML_IRQ_CONSUMER | (unsigned)(a & 0x1e);
			if (!d->irq) {
				d->irq = true;
				d->gsi = (uint32_t)b;
				d->edge = !!(flags & VDM_AML_IRQ_EDGE);
				d->low = !!(flags & VDM_AML_IRQ_ACTIVE_LOW);
			}
			vdm_aml_append(rt, vdm_aml_interrupt(g->c, flags, (uint32_t)b));
			break;
		default:
			irq = (unsigned)(a % 16);
			if (!d->irq) { /* IRQNoFlags: edge, active high */
				d->irq = true;
				d->gsi = irq;
				d->edge = 1;
				d->low = 0;
			}
			vdm_aml_append(rt, vdm_aml_irq_noflags(g->c, irq));
			break;
		}
	}
	return rt;
}

/* ---- statements ---------------------------------------------------------------------- */

static struct vdm_aml *ag_operand(struct ag *g, unsigned nargs)
{
	uint8_t b = vdm_fuzz_u8(g->f);

	if (b % 3 == 0)
		return vdm_aml_local(g->c, (unsigned)(b >> 2) % 8);
	if (b % 3 == 1 && nargs)
		return vdm_aml_arg(g->c, (unsigned)(b >> 2) % nargs);
	return vdm_aml_int(g->c, ag_int_value(g));
}

static struct vdm_aml *ag_predicate(struct ag *g, unsigned nargs, unsigned depth)
{
	struct vdm_aml *a = ag_operand(g, nargs), *b;

	switch (vdm_fuzz_u8(g->f) % 6) {
	case 0:
		return vdm_aml_lequal(g->c, a, vdm_aml_int(g->c, ag_int_value(g)));
	case 1:
		return vdm_aml_lless(g->c, a, vdm_aml_int(g->c, ag_int_value(g)));
	case 2:
		return vdm_aml_lgreater(g->c, a, vdm_aml_int(g->c, ag_int_value(g)));
	case 3:
		return vdm_aml_lnot(g->c, a);
	default:
		b = depth < 2 ? ag_predicate(g, nargs, depth + 1) : vdm_aml_int(g->c, 1);
		return (vdm_fuzz_u8(g->f) & 1) ? vdm_aml_land(g->c, a, b) : vdm_aml_lor(g->c, a, b);
	}
}

static void ag_stmts(struct ag *g, struct vdm_aml *blk, unsigned nargs, unsigned depth,
		     const struct ag_scope *sc);

static void ag_stmt(struct ag *g, struct vdm_aml *blk, unsigned nargs, unsigned depth,
		    const struct ag_scope *sc)
{
	struct vdm_aml *l = vdm_aml_local(g->c, vdm_fuzz_u8(g->f) % 8), *x, *blk2, *a[3];
	char nm[5];
	unsigned i;

	switch (vdm_fuzz_u8(g->f) % 11) {
	case 0:
		vdm_aml_append(blk, vdm_aml_store(g->c, ag_operand(g, nargs), l));
		break;
	case 1:
		x = ag_operand(g, nargs);
		switch (vdm_fuzz_u8(g->f) % 6) {
		case 0: x = vdm_aml_add(g->c, x, vdm_aml_int(g->c, ag_int_value(g)), l); break;
		case 1: x = vdm_aml_subtract(g->c, x, vdm_aml_int(g->c, ag_int_value(g)), l); break;
		case 2: x = vdm_aml_and(g->c, x, vdm_aml_int(g->c, ag_int_value(g)), l); break;
		case 3: x = vdm_aml_or(g->c, x, vdm_aml_int(g->c, ag_int_value(g)), l); break;
		case 4:
			x = vdm_aml_shiftleft(g->c, x, vdm_aml_int(g->c, vdm_fuzz_u8(g->f) % 64),
					      l);
			break;
		default:
			x = vdm_aml_shiftright(g->c, x, vdm_aml_int(g->c, vdm_fuzz_u8(g->f) % 64),
					       l);
			break;
		}
		vdm_aml_append(blk, x);
		break;
	case 2:
		if (depth >= 3)
			break;
		blk2 = vdm_aml_if(g->c, ag_predicate(g, nargs, 0));
		ag_stmts(g, blk2, nargs, depth + 1, sc);
		vdm_aml_append(blk, blk2);
		if (vdm_fuzz_u8(g->f) & 1) {
			blk2 = vdm_aml_else(g->c);
			ag_stmts(g, blk2, nargs, depth + 1, sc);
			vdm_aml_append(blk, blk2);
		}
		break;
	case 3:
		if (depth >= 3)
			break;
		vdm_aml_append(blk,
			       vdm_aml_store(g->c, vdm_aml_int(g->c, 0), vdm_aml_local(g->c, 0)));
		blk2 = vdm_aml_while(g->c, vdm_aml_lless(g->c, vdm_aml_local(g->c, 0),
						 vdm_aml_int(g->c, 1 + vdm_fuzz_u8(g->f) % 8)));
		vdm_aml_append(blk2, vdm_aml_increment(g->c, vdm_aml_local(g->c, 0)));
		ag_stmts(g, blk2, nargs, depth + 1, sc);
		vdm_aml_append(blk, blk2);
		break;
	case 4:
		vdm_aml_append(blk, vdm_aml_return(g->c, ag_operand(g, nargs)));
		break;
	case 5:
		vdm_aml_append(blk, (vdm_fuzz_u8(g->f) & 1) ? vdm_aml_increment(g->c, l)
						      : vdm_aml_decrement(g->c, l));
		break;
	case 6:
		if (!sc->nmethods)
			break;
		i = vdm_fuzz_u8(g->f) % sc->nmethods;
		/* Operands in input order (C leaves argument evaluation order open). */
		a[0] = ag_operand(g, nargs);
		a[1] = ag_operand(g, nargs);
		a[2] = ag_operand(g, nargs);
		switch (sc->nargs[i]) { /* vdm_aml_call is variadic: spell the counts out */
		case 0: x = vdm_aml_call(g->c, sc->method[i], 0); break;
		case 1: x = vdm_aml_call(g->c, sc->method[i], 1, a[0]); break;
		case 2: x = vdm_aml_call(g->c, sc->method[i], 2, a[0], a[1]); break;
		default: x = vdm_aml_call(g->c, sc->method[i], 3, a[0], a[1], a[2]); break;
		}
		vdm_aml_append(blk, vdm_aml_store(g->c, x, l));
		break;
	case 7:
		if (!sc->nmutexes)
			break;
		i = vdm_fuzz_u8(g->f) % sc->nmutexes;
		vdm_aml_append(blk,
			       vdm_aml_acquire(g->c, vdm_aml_name(g->c, sc->mutex[i]), 0xffff));
		vdm_aml_append(blk, vdm_aml_release(g->c, vdm_aml_name(g->c, sc->mutex[i])));
		break;
	case 8:
		ag_name(g, nm); /* a Name inside a Method: the walker skips it */
		vdm_aml_append(blk,
			       vdm_aml_name_decl(g->c, nm, vdm_aml_int(g->c, ag_int_value(g))));
		break;
	case 9: /* SizeOf takes a SuperName: a string goes through a Local first */
		vdm_aml_append(blk,
			       vdm_aml_store(g->c, ag_string(g, NULL), vdm_aml_local(g->c, 7)));
		vdm_aml_append(
			blk, vdm_aml_store(g->c, vdm_aml_sizeof(g->c, vdm_aml_local(g->c, 7)), l));
		break;
	default:
		vdm_aml_append(
			blk, vdm_aml_store(g->c,
					   vdm_aml_derefof(
						   g->c, vdm_aml_index(g->c, ag_package(g, 1),
								       vdm_aml_int(g->c, 0), NULL)),
					   l));
		break;
	}
}

static void ag_stmts(struct ag *g, struct vdm_aml *blk, unsigned nargs, unsigned depth,
		     const struct ag_scope *sc)
{
	unsigned n = vdm_fuzz_u8(g->f) % 5, i;

	for (i = 0; i < n && vdm_fuzz_more(g->f); i++)
		ag_stmt(g, blk, nargs, depth, sc);
}

/* ---- declarations ---------------------------------------------------------------------- */

static void ag_terms(struct ag *g, struct vdm_aml *parent, int pidx, unsigned depth);

static void ag_device(struct ag *g, struct vdm_aml *parent, int pidx, unsigned depth)
{
	char nm[5];
	struct vdm_aml *d;
	struct ag_dev *dv = g->ndev < AG_MAX_CRS ? &g->dev[g->ndev] : NULL;
	uint8_t extras = vdm_fuzz_u8(g->f);
	int idx, k;

	ag_name(g, nm);
	idx = ag_expect(g, FZW_DEVICE, nm, pidx);
	d = vdm_aml_device(g->c, nm);
	if (dv) {
		memset(dv, 0, sizeof(*dv));
		dv->idx = idx;
		g->ndev++;
	}
	if (extras & 1) { /* _HID: a unique string, or an EisaId */
		k = ag_expect(g, FZW_NAME, "_HID", idx);
		if ((extras & 2) && dv) {
			snprintf(dv->hid, sizeof(dv->hid), "VDMF%04u", g->counter++ % 10000);
			g->exp[k].vkind = FZW_VAL_STRING;
			g->exp[k].data = ag_keep(g, dv->hid, 8);
			g->exp[k].data_len = 8;
			vdm_aml_append(
				d, vdm_aml_name_decl(g->c, "_HID", vdm_aml_string(g->c, dv->hid)));
		} else {
			vdm_aml_append(d,
				       vdm_aml_name_decl(g->c, "_HID", ag_eisaid(g, &g->exp[k])));
		}
	}
	if (extras & 4) {
		k = ag_expect(g, FZW_NAME, "_UID", idx);
		g->exp[k].vkind = FZW_VAL_INT;
		g->exp[k].ival = vdm_fuzz_u8(g->f);
		vdm_aml_append(d,
			       vdm_aml_name_decl(g->c, "_UID", vdm_aml_int(g->c, g->exp[k].ival)));
	}
	if ((extras & 8) && dv) {
		k = ag_expect(g, FZW_NAME, "_CRS", idx);
		g->exp[k].vkind = FZW_VAL_BUFFER;
		g->exp[k].crs = true;
		vdm_aml_append(d, vdm_aml_name_decl(g->c, "_CRS", ag_crs(g, dv)));
	}
	if (depth < AG_MAX_DEPTH)
		ag_terms(g, d, idx, depth + 1);
	vdm_aml_append(parent, d);
}

static void ag_scope_decl(struct ag *g, struct vdm_aml *parent, int pidx, unsigned depth)
{
	static const char *const paths[] = { "\\_SB_", "\\_SB", "\\_GPE", "\\_PR_", "\\_TZ_" };
	unsigned i = vdm_fuzz_u8(g->f) % 5;
	char seg[5] = "____";
	struct vdm_aml *s;
	int idx;

	memcpy(seg, paths[i] + 1, strlen(paths[i] + 1)); /* padded with '_' like the encoder */
	idx = ag_expect(g, FZW_SCOPE, seg, pidx);
	s = vdm_aml_scope(g->c, paths[i]);
	if (depth < AG_MAX_DEPTH)
		ag_terms(g, s, idx, depth + 1);
	vdm_aml_append(parent, s);
}

static void ag_region(struct ag *g, struct vdm_aml *parent, int pidx)
{
	char rn[5], fn[5];
	uint64_t total = 0, bits, off = vdm_fuzz_u64(g->f) & 0xffffffffffull;
	unsigned nfields = vdm_fuzz_u8(g->f) % 7, i;
	uint8_t flags = vdm_fuzz_u8(g->f);
	enum vdm_aml_field_access acc = (enum vdm_aml_field_access)(flags % 6);
	struct vdm_aml *fld = NULL;
	int ridx, k;

	ag_name(g, rn);
	ridx = ag_expect(g, FZW_REGION, rn, pidx);
	g->exp[ridx].space = (uint8_t)(vdm_fuzz_u8(g->f) % 3);
	g->exp[ridx].offset = off;
	if (nfields) {
		fld = vdm_aml_field(g->c, rn, acc, (enum vdm_aml_field_lock)((flags >> 3) & 1),
				(enum vdm_aml_field_update)((flags >> 4) % 3));
		for (i = 0; i < nfields; i++) {
			bits = 1 + vdm_fuzz_u8(g->f) % 64;
			if (vdm_fuzz_u8(g->f) % 4 == 0) {
				vdm_aml_field_reserved(fld, (unsigned)bits);
			} else {
				ag_name(g, fn);
				k = ag_expect(g, FZW_FIELD, fn, pidx);
				memcpy(g->exp[k].region, rn, 5);
				g->exp[k].access = (uint8_t)acc;
				g->exp[k].bit_offset = (uint32_t)total;
				g->exp[k].bit_width = (uint32_t)bits;
				vdm_aml_field_named(fld, fn, (unsigned)bits);
			}
			total += bits;
		}
	}
	/* Long enough for every field at any access width (so iasl accepts it too). */
	g->exp[ridx].length = ((total + 63) / 64) * 8 + 8 + vdm_fuzz_u8(g->f);
	vdm_aml_append(parent,
		       vdm_aml_opregion(g->c, rn, (enum vdm_aml_region_space)g->exp[ridx].space,
					vdm_aml_int(g->c, g->exp[ridx].offset),
					vdm_aml_int(g->c, g->exp[ridx].length)));
	if (fld)
		vdm_aml_append(parent, fld);
}

static void ag_method(struct ag *g, struct vdm_aml *parent, struct ag_scope *sc)
{
	char nm[5];
	unsigned nargs = vdm_fuzz_u8(g->f) % 4, i;
	struct vdm_aml *m;

	ag_name(g, nm);
	m = vdm_aml_method(g->c, nm, nargs,
			   (vdm_fuzz_u8(g->f) & 1) ? VDM_AML_SERIALIZED : VDM_AML_NOT_SERIALIZED);
	/* iasl refuses a Local read before a store, and a Store of a call to a method that
	 * returns nothing: every Local starts at Zero and every Method ends in a Return. */
	for (i = 0; i < 8; i++)
		vdm_aml_append(m,
			       vdm_aml_store(g->c, vdm_aml_int(g->c, 0), vdm_aml_local(g->c, i)));
	ag_stmts(g, m, nargs, 0, sc);
	vdm_aml_append(m, vdm_aml_return(g->c, vdm_aml_int(g->c, ag_int_value(g))));
	vdm_aml_append(parent, m);
	if (g->budget)
		g->budget--;
	if (sc->nmethods < AG_MAX_SCOPE_ITEMS) {
		memcpy(sc->method[sc->nmethods], nm, 5);
		sc->nargs[sc->nmethods++] = nargs;
	}
}

/* ---- misuse ------------------------------------------------------------------------------ */

static void ag_misuse(struct ag *g, struct vdm_aml *parent)
{
	static const char *const bad_names[] = { "1ABC", "abcd", "TOOLONG", "A-B", "",
						 "A..B", "^",    "\\\\A", ".A", "A." };
	const char *bad = bad_names[vdm_fuzz_u8(g->f) % 10];
	struct vdm_aml *x, *y;
	struct vdm_aml_ctx *other;
	uint8_t what = vdm_fuzz_u8(g->f) % 20;
	unsigned i;

	g->strict = false;
	switch (what) {
	case 0:
		vdm_aml_append(parent, vdm_aml_device(g->c, bad));
		ag_expect_error(g, "bad Device name");
		break;
	case 1:
		vdm_aml_append(parent, vdm_aml_name_decl(g->c, bad, vdm_aml_int(g->c, 1)));
		ag_expect_error(g, "bad Name name");
		break;
	case 2:
		vdm_aml_append(parent, vdm_aml_method(g->c, "MMMM", 8 + vdm_fuzz_u8(g->f) % 200,
						      VDM_AML_NOT_SERIALIZED));
		ag_expect_error(g, "Method with 8+ args");
		break;
	case 3: vdm_aml_local(g->c, 8 + vdm_fuzz_u8(g->f)); ag_expect_error(g, "Local8+"); break;
	case 4: vdm_aml_arg(g->c, 7 + vdm_fuzz_u8(g->f)); ag_expect_error(g, "Arg7+"); break;
	case 5:
		vdm_aml_irq_noflags(g->c, 16 + vdm_fuzz_u8(g->f));
		ag_expect_error(g, "IRQ 16+");
		break;
	case 6:
		vdm_aml_word_bus_number(g->c, 0, 0xffff);
		ag_expect_error(g, "full 16-bit range");
		break;
	case 7:
		vdm_aml_dword_memory(g->c, VDM_AML_RESOURCE_PRODUCER, VDM_AML_NON_CACHEABLE, 2, 1);
		ag_expect_error(g, "min above max");
		break;
	case 8:
		vdm_aml_interrupt(g->c, 0x20u << (vdm_fuzz_u8(g->f) % 27), 5);
		ag_expect_error(g, "interrupt flags");
		break;
	case 9:
		vdm_aml_mutex(g->c, "MUTX", 16 + vdm_fuzz_u8(g->f));
		ag_expect_error(g, "sync level 16+");
		break;
	case 10: vdm_aml_string(g->c, "caf\xc3\xa9"); ag_expect_error(g, "non-ASCII string"); break;
	case 11:
		vdm_aml_eisaid(g->c, (vdm_fuzz_u8(g->f) & 1) ? "pnp0A03" : "PNP0AG3");
		ag_expect_error(g, "bad EisaId");
		break;
	case 12:
		vdm_aml_touuid(g->c, "e5c937d0-3553-4d7a-9117-ea4d19c3434");
		ag_expect_error(g, "short ToUUID");
		break;
	case 13:
		x = vdm_aml_field(g->c, "RGN0", VDM_AML_BYTE_ACC, VDM_AML_NO_LOCK,
				  VDM_AML_PRESERVE);
		if (vdm_fuzz_u8(g->f) & 1)
			vdm_aml_field_named(x, "FA", 0);
		else
			vdm_aml_field_named(x, "A.B", 8);
		ag_expect_error(g, "bad field unit");
		break;
	case 14: /* a sealed block takes no more children */
		x = vdm_aml_scope(g->c, "\\_SB_");
		vdm_aml_append(parent, x);
		vdm_aml_append(x, vdm_aml_name_decl(g->c, "LATE", vdm_aml_int(g->c, 1)));
		ag_expect_error(g, "append to a sealed block");
		break;
	case 15: /* a term is no parent */
		vdm_aml_append(vdm_aml_int(g->c, 7), vdm_aml_int(g->c, 8));
		ag_expect_error(g, "append to a term");
		break;
	case 16: /* a child from another context */
		other = vdm_aml_ctx_new();
		if (!other)
			break;
		vdm_aml_append(parent, vdm_aml_int(other, 1));
		vdm_aml_ctx_free(other);
		ag_expect_error(g, "append across contexts");
		break;
	case 17:
		x = vdm_aml_package(g->c);
		for (i = 0; i < 256; i++)
			vdm_aml_append(x, vdm_aml_int(g->c, i));
		ag_expect_error(g, "Package of 256 elements");
		break;
	case 18: /* a block appended to itself is refused (F2, fixed in c8027fe: it was a
		  * heap-use-after-free, emit() copying from the buffer put() reallocates) */
		x = vdm_aml_method(g->c, "SELF", 0, VDM_AML_NOT_SERIALIZED);
		for (i = vdm_fuzz_u8(g->f) % 40; i > 0; i--)
			vdm_aml_append(x, vdm_aml_return(g->c, vdm_aml_int(g->c, i)));
		vdm_aml_append(x, x);
		ag_expect_error(g, "a block appended to itself");
		vdm_aml_append(parent, x);
		break;
	default: /* a term twice, and a sealed block twice: both allowed (copies) */
		x = vdm_aml_int(g->c, vdm_fuzz_u64(g->f));
		y = vdm_aml_device(g->c, "TWIC");
		vdm_aml_append(y, x);
		vdm_aml_append(y, x);
		vdm_aml_append(parent, y);
		vdm_aml_append(parent, y);
		break;
	}
}

static void ag_terms(struct ag *g, struct vdm_aml *parent, int pidx, unsigned depth)
{
	struct ag_scope sc;
	unsigned n = 1 + vdm_fuzz_u8(g->f) % 5, i;
	char nm[5];
	int k;

	memset(&sc, 0, sizeof(sc));
	for (i = 0; i < n && g->budget && vdm_fuzz_more(g->f); i++) {
		switch (vdm_fuzz_u8(g->f) % 10) {
		case 0:
		case 1:
			if (depth < AG_MAX_DEPTH) {
				ag_device(g, parent, pidx, depth);
				break;
			}
			/* fall through */
		case 2:
			if (depth < AG_MAX_DEPTH) {
				ag_scope_decl(g, parent, pidx, depth);
				break;
			}
			/* fall through */
		case 3:
		case 4:
			ag_name(g, nm);
			k = ag_expect(g, FZW_NAME, nm, pidx);
			vdm_aml_append(parent,
				       vdm_aml_name_decl(g->c, nm, ag_value(g, &g->exp[k])));
			break;
		case 5:
			ag_region(g, parent, pidx);
			break;
		case 6:
		case 7:
			ag_method(g, parent, &sc);
			break;
		case 8:
			ag_name(g, nm);
			vdm_aml_append(parent, vdm_aml_mutex(g->c, nm, vdm_fuzz_u8(g->f) % 16));
			if (sc.nmutexes < AG_MAX_SCOPE_ITEMS)
				memcpy(sc.mutex[sc.nmutexes++], nm, 5);
			break;
		default:
			if (vdm_fuzz_u8(g->f) < 8)
				ag_misuse(g, parent);
			break;
		}
	}
}

/* ---- checks --------------------------------------------------------------------------- */

/* A resource template's bytes: descriptors chained by their lengths, the last an EndTag. */
static void ag_check_crs(const uint8_t *p, uint32_t len, unsigned obj)
{
	uint32_t q = 0, n;

	while (q < len) {
		if (p[q] & 0x80) {
			FUZZ_CHECK(q + 3 <= len, "_CRS %u: large descriptor header cut at %u", obj, q);
			n = (uint32_t)p[q + 1] | (uint32_t)p[q + 2] << 8;
			q += 3 + n;
			continue;
		}
		n = p[q] & 7;
		if ((p[q] >> 3) == 0xf) {
			FUZZ_CHECK(n == 1 && q + 2 == len,
				   "_CRS %u: EndTag at %u of %u (length %u) is not last", obj, q, len,
				   n);
			return;
		}
		q += 1 + n;
	}
	FUZZ_CHECK(0, "_CRS %u: %u bytes without an EndTag", obj, len);
}

static void ag_check_walk(struct ag *g, const uint8_t *table, uint32_t len)
{
	struct fzw_obj *w = calloc(AG_MAX_EXP, sizeof(*w));
	struct fzw_result r;
	unsigned i;
	uint32_t gsi;
	int edge, low;

	if (!w)
		return;
	r = fzw_walk(table, len, w, AG_MAX_EXP);
	FUZZ_CHECK(r.n == g->nexp && !r.skipped && !r.full,
		   "walker found %u objects (skipped %u, full %d), the tree declared %u", r.n,
		   r.skipped, r.full, g->nexp);
	for (i = 0; i < r.n; i++) {
		const struct ag_exp *e = &g->exp[i];
		const struct fzw_obj *o = &w[i];

		FUZZ_CHECK(o->kind == e->kind && memcmp(o->name, e->name, 5) == 0 &&
				   o->parent == e->parent,
			   "object %u: walker %u %s parent %d, declared %u %s parent %d", i, o->kind,
			   o->name, o->parent, e->kind, e->name, e->parent);
		switch (e->kind) {
		case FZW_NAME:
			FUZZ_CHECK(o->vkind == e->vkind, "Name %s: value kind %u, declared %u", e->name,
				   o->vkind, e->vkind);
			if (e->vkind == FZW_VAL_INT)
				FUZZ_CHECK(o->ival == e->ival, "Name %s = %#llx, declared %#llx", e->name,
					   (unsigned long long)o->ival, (unsigned long long)e->ival);
			if (e->crs)
				ag_check_crs(table + o->data, o->data_len, i);
			else if (e->data >= 0)
				FUZZ_CHECK(o->data_len == e->data_len && o->data + o->data_len <= len &&
						   memcmp(table + o->data, g->arena + e->data,
							  e->data_len) == 0,
					   "Name %s: %u bytes differ from the %u declared", e->name,
					   o->data_len, e->data_len);
			break;
		case FZW_REGION:
			FUZZ_CHECK(o->space == e->space && o->offset == e->offset &&
					   o->length == e->length,
				   "OperationRegion %s: %u %#llx %#llx, declared %u %#llx %#llx",
				   e->name, o->space, (unsigned long long)o->offset,
				   (unsigned long long)o->length, e->space,
				   (unsigned long long)e->offset, (unsigned long long)e->length);
			break;
		case FZW_FIELD:
			FUZZ_CHECK(memcmp(o->region, e->region, 5) == 0 && o->access == e->access &&
					   o->bit_offset == e->bit_offset &&
					   o->bit_width == e->bit_width,
				   "field %s: %s acc %u bits %u+%u, declared %s acc %u bits %u+%u",
				   e->name, o->region, o->access, o->bit_offset, o->bit_width,
				   e->region, e->access, e->bit_offset, e->bit_width);
			break;
		default:
			break;
		}
	}
	for (i = 0; i < g->ndev; i++) {
		const struct ag_dev *d = &g->dev[i];

		if (d->hid[0])
			FUZZ_CHECK(fzw_device_by_hid(table, len, w, r.n, d->hid) == d->idx,
				   "_HID %s not found on Device %d", d->hid, d->idx);
		gsi = 0;
		edge = low = -1;
		FUZZ_CHECK(fzw_crs_interrupt(table, len, w, r.n, d->idx, &gsi, &edge, &low) ==
					   d->irq &&
				   (!d->irq || (gsi == d->gsi && edge == d->edge && low == d->low)),
			   "Device %d: _CRS interrupt %u edge %d low %d, declared %d: %u %d %d",
			   d->idx, gsi, edge, low, d->irq, d->gsi, d->edge, d->low);
	}
	free(w);
}

/* ---- tables ------------------------------------------------------------------------------- */

/* A DSDT around `body`: header with length and checksum, in a heap buffer of exactly that
 * size (ASan sees any read past the table). */
static uint8_t *ag_table(const uint8_t *body, size_t blen, uint32_t *len)
{
	uint8_t *t = malloc(AG_HDR + blen), sum = 0;
	size_t i;

	if (!t)
		return NULL;
	memset(t, 0, AG_HDR);
	memcpy(t, "DSDT", 4);
	*len = (uint32_t)(AG_HDR + blen);
	t[4] = (uint8_t)*len;
	t[5] = (uint8_t)(*len >> 8);
	t[6] = (uint8_t)(*len >> 16);
	t[7] = (uint8_t)(*len >> 24);
	t[8] = 2; /* revision 2: 64-bit integers */
	memcpy(t + 10, "VDMFZ ", 6);
	memcpy(t + 16, "FUZZAML ", 8);
	t[24] = 1;
	memcpy(t + 28, "VDM ", 4);
	t[32] = 1;
	memcpy(t + AG_HDR, body, blen);
	for (i = 0; i < *len; i++)
		sum = (uint8_t)(sum + t[i]);
	t[9] = (uint8_t)-sum;
	return t;
}

static void ag_dump(const uint8_t *t, uint32_t len)
{
	const char *dir = getenv("VDM_FUZZ_AML_DUMP");
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a: one file per distinct table */
	char path[512];
	uint32_t i;
	FILE *fp;

	if (!dir || !dir[0])
		return;
	for (i = 0; i < len; i++)
		h = (h ^ t[i]) * 0x100000001b3ull;
	snprintf(path, sizeof(path), "%s/dsdt-%016llx.aml", dir, (unsigned long long)h);
	fp = fopen(path, "wb");
	if (!fp)
		return;
	fwrite(t, 1, len, fp);
	fclose(fp);
}

static void ag_raw(const uint8_t *data, size_t size)
{
	struct fzw_obj *w = calloc(AG_MAX_EXP, sizeof(*w));
	uint8_t *t;
	uint32_t len, gsi, i;
	int edge, low;
	struct fzw_result r;

	if (!w)
		return;
	/* F3 (fixed in b6b3eea): the walker read the byte after a Name whose data object
	 * would start at the table's end. */
	t = ag_table(data, size, &len);
	if (!t) {
		free(w);
		return;
	}
	r = fzw_walk(t, len, w, AG_MAX_EXP);
	FUZZ_CHECK(r.n <= AG_MAX_EXP, "walker reports %u objects in %u slots", r.n, AG_MAX_EXP);
	for (i = 0; i < r.n; i++) {
		FUZZ_CHECK(w[i].pos >= AG_HDR && w[i].pos < len, "object %u at %u of %u", i,
			   w[i].pos, len);
		FUZZ_CHECK(w[i].parent < (int)i, "object %u has parent %d", i, w[i].parent);
		if (w[i].vkind == FZW_VAL_STRING || w[i].vkind == FZW_VAL_BUFFER)
			FUZZ_CHECK(w[i].data <= len && w[i].data_len <= len - w[i].data,
				   "object %u data [%u, +%u) outside %u bytes", i, w[i].data,
				   w[i].data_len, len);
		if (w[i].kind == FZW_DEVICE)
			fzw_crs_interrupt(t, len, w, r.n, (int)i, &gsi, &edge, &low);
	}
	fzw_device_by_hid(t, len, w, r.n, "ACPI0013");
	free(t);
	free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ag *g;
	struct vdm_aml *root;
	struct vdm_fuzz_in f;
	uint8_t *body = (uint8_t *)1, *t;
	size_t blen = 1;
	uint32_t tlen;
	const char *msg = NULL;
	int r, err;

	if (size && (data[0] & 0x80)) {
		ag_raw(data + 1, size - 1);
		return 0;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return 0;
	vdm_fuzz_in_init(&f, data, size);
	vdm_fuzz_u8(&f);
	g->f = &f;
	g->budget = AG_BUDGET;
	g->strict = true;
	g->c = vdm_aml_ctx_new();
	if (!g->c) {
		free(g);
		return 0;
	}
	root = vdm_aml_list(g->c);
	while (g->budget && vdm_fuzz_more(&f))
		ag_terms(g, root, -1, 0);

	err = vdm_aml_ctx_error(g->c, &msg);
	r = vdm_aml_serialize(root, &body, &blen);
	if (err) {
		FUZZ_CHECK(!g->strict, "no misuse, yet error %d: %s", err, msg);
		FUZZ_CHECK(r == err && body == NULL && blen == 0,
			   "serialize after error %d returned %d, buffer %p, %zu bytes", err, r,
			   (void *)body, blen);
	} else {
		FUZZ_CHECK(r == 0 && body != NULL, "serialize of a valid tree returned %d", r);
		t = ag_table(body, blen, &tlen);
		if (t && g->strict) {
			ag_check_walk(g, t, tlen);
			ag_dump(t, tlen);
		}
		free(t);
	}
	free(body);
	vdm_aml_ctx_free(g->c);
	free(g);
	return 0;
}
