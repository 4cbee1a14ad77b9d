/* AML encoder: statements and expressions (Store, Return, Notify, Acquire/Release,
 * arithmetic, logic, Index/DerefOf/SizeOf, method calls).  ACPI 6.5 §20.2.5. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aml_int.h"

/* ---- statements and expressions ------------------------------------------------------- */

/* op, then each operand; a NULL operand in a target position is NullName (0x00). */
static struct vdm_aml *op_term(struct vdm_aml_ctx *c, uint8_t op, unsigned n, struct vdm_aml *a,
			   struct vdm_aml *b, struct vdm_aml *target, bool has_target)
{
	struct vdm_aml *t;
	struct vdm_aml *ops[2] = { a, b };

	for (unsigned i = 0; i < n; i++)
		if (vdm__aml_bad(ops[i]))
			return &c->poison;
	if (has_target && target && vdm__aml_bad(target))
		return &c->poison;
	t = vdm__aml_term(c);
	vdm__aml_put8(t, op);
	for (unsigned i = 0; i < n; i++)
		vdm__aml_emit(t, ops[i]);
	if (has_target) {
		if (target)
			vdm__aml_emit(t, target);
		else
			vdm__aml_put8(t, ZERO_OP);
	}
	return t;
}

struct vdm_aml *vdm_aml_store(struct vdm_aml_ctx *c, struct vdm_aml *src, struct vdm_aml *dst)
{
	return op_term(c, STORE_OP, 2, src, dst, NULL, false);
}

struct vdm_aml *vdm_aml_return(struct vdm_aml_ctx *c, struct vdm_aml *obj)
{
	return op_term(c, RETURN_OP, 1, obj, NULL, NULL, false);
}

struct vdm_aml *vdm_aml_notify(struct vdm_aml_ctx *c, struct vdm_aml *obj, struct vdm_aml *value)
{
	return op_term(c, NOTIFY_OP, 2, obj, value, NULL, false);
}

struct vdm_aml *vdm_aml_acquire(struct vdm_aml_ctx *c, struct vdm_aml *mutex, uint16_t timeout)
{
	struct vdm_aml *n;

	if (vdm__aml_bad(mutex))
		return &c->poison;
	n = vdm__aml_term(c);
	vdm__aml_put8(n, EXT_OP_PREFIX);
	vdm__aml_put8(n, ACQUIRE_OP);
	vdm__aml_emit(n, mutex);
	vdm__aml_put_le(n, timeout, 2); /* Timeout is a raw WordData, not an integer term */
	return n;
}

struct vdm_aml *vdm_aml_release(struct vdm_aml_ctx *c, struct vdm_aml *mutex)
{
	struct vdm_aml *n;

	if (vdm__aml_bad(mutex))
		return &c->poison;
	n = vdm__aml_term(c);
	vdm__aml_put8(n, EXT_OP_PREFIX);
	vdm__aml_put8(n, RELEASE_OP);
	vdm__aml_emit(n, mutex);
	return n;
}

struct vdm_aml *vdm_aml_and(struct vdm_aml_ctx *c, struct vdm_aml *a, struct vdm_aml *b,
			    struct vdm_aml *target)
{
	return op_term(c, AND_OP, 2, a, b, target, true);
}

struct vdm_aml *vdm_aml_or(struct vdm_aml_ctx *c, struct vdm_aml *a, struct vdm_aml *b,
			   struct vdm_aml *target)
{
	return op_term(c, OR_OP, 2, a, b, target, true);
}

struct vdm_aml *vdm_aml_shiftleft(struct vdm_aml_ctx *c, struct vdm_aml *a, struct vdm_aml *count,
			  struct vdm_aml *target)
{
	return op_term(c, SHIFT_LEFT_OP, 2, a, count, target, true);
}

struct vdm_aml *vdm_aml_shiftright(struct vdm_aml_ctx *c, struct vdm_aml *a, struct vdm_aml *count,
			   struct vdm_aml *target)
{
	return op_term(c, SHIFT_RIGHT_OP, 2, a, count, target, true);
}

struct vdm_aml *vdm_aml_add(struct vdm_aml_ctx *c, struct vdm_aml *a, struct vdm_aml *b,
			    struct vdm_aml *target)
{
	return op_term(c, ADD_OP, 2, a, b, target, true);
}

struct vdm_aml *vdm_aml_subtract(struct vdm_aml_ctx *c, struct vdm_aml *a, struct vdm_aml *b,
				 struct vdm_aml *target)
{
	return op_term(c, SUBTRACT_OP, 2, a, b, target, true);
}

struct vdm_aml *vdm_aml_increment(struct vdm_aml_ctx *c, struct vdm_aml *obj)
{
	return op_term(c, INCREMENT_OP, 1, obj, NULL, NULL, false);
}

struct vdm_aml *vdm_aml_decrement(struct vdm_aml_ctx *c, struct vdm_aml *obj)
{
	return op_term(c, DECREMENT_OP, 1, obj, NULL, NULL, false);
}

struct vdm_aml *vdm_aml_lequal(struct vdm_aml_ctx *c, struct vdm_aml *a, struct vdm_aml *b)
{
	return op_term(c, LEQUAL_OP, 2, a, b, NULL, false);
}

struct vdm_aml *vdm_aml_lless(struct vdm_aml_ctx *c, struct vdm_aml *a, struct vdm_aml *b)
{
	return op_term(c, LLESS_OP, 2, a, b, NULL, false);
}

struct vdm_aml *vdm_aml_lgreater(struct vdm_aml_ctx *c, struct vdm_aml *a, struct vdm_aml *b)
{
	return op_term(c, LGREATER_OP, 2, a, b, NULL, false);
}

struct vdm_aml *vdm_aml_land(struct vdm_aml_ctx *c, struct vdm_aml *a, struct vdm_aml *b)
{
	return op_term(c, LAND_OP, 2, a, b, NULL, false);
}

struct vdm_aml *vdm_aml_lor(struct vdm_aml_ctx *c, struct vdm_aml *a, struct vdm_aml *b)
{
	return op_term(c, LOR_OP, 2, a, b, NULL, false);
}

struct vdm_aml *vdm_aml_lnot(struct vdm_aml_ctx *c, struct vdm_aml *a)
{
	return op_term(c, LNOT_OP, 1, a, NULL, NULL, false);
}

struct vdm_aml *vdm_aml_index(struct vdm_aml_ctx *c, struct vdm_aml *obj, struct vdm_aml *idx,
			      struct vdm_aml *target)
{
	return op_term(c, INDEX_OP, 2, obj, idx, target, true);
}

struct vdm_aml *vdm_aml_derefof(struct vdm_aml_ctx *c, struct vdm_aml *obj)
{
	return op_term(c, DEREF_OF_OP, 1, obj, NULL, NULL, false);
}

struct vdm_aml *vdm_aml_sizeof(struct vdm_aml_ctx *c, struct vdm_aml *obj)
{
	return op_term(c, SIZE_OF_OP, 1, obj, NULL, NULL, false);
}

struct vdm_aml *vdm_aml_call(struct vdm_aml_ctx *c, const char *path, unsigned nargs, ...)
{
	struct vdm_aml *n, *args[7];
	int err = c->err;
	va_list ap;

	if (nargs > 7) {
		vdm__aml_fail(c, -EINVAL, "call %s: %u arguments; AML allows 0-7",
			      path ? path : "?", nargs);
		return &c->poison;
	}
	va_start(ap, nargs);
	for (unsigned i = 0; i < nargs; i++)
		args[i] = va_arg(ap, struct vdm_aml *);
	va_end(ap);
	for (unsigned i = 0; i < nargs; i++)
		if (vdm__aml_bad(args[i]))
			return &c->poison;
	n = vdm__aml_term(c);
	vdm__aml_put_namestring(n, path);
	for (unsigned i = 0; i < nargs; i++)
		vdm__aml_emit(n, args[i]);
	return vdm__aml_checked(n, err);
}

