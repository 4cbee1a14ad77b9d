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
static struct aml *op_term(struct aml_ctx *c, uint8_t op, unsigned n, struct aml *a,
			   struct aml *b, struct aml *target, bool has_target)
{
	struct aml *t;
	struct aml *ops[2] = { a, b };

	for (unsigned i = 0; i < n; i++)
		if (aml_bad(ops[i]))
			return &c->poison;
	if (has_target && target && aml_bad(target))
		return &c->poison;
	t = aml_term(c);
	aml_put8(t, op);
	for (unsigned i = 0; i < n; i++)
		aml_emit(t, ops[i]);
	if (has_target) {
		if (target)
			aml_emit(t, target);
		else
			aml_put8(t, ZERO_OP);
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

	if (aml_bad(mutex))
		return &c->poison;
	n = aml_term(c);
	aml_put8(n, EXT_OP_PREFIX);
	aml_put8(n, ACQUIRE_OP);
	aml_emit(n, mutex);
	aml_put_le(n, timeout, 2); /* Timeout is a raw WordData, not an integer term */
	return n;
}

struct aml *aml_release(struct aml_ctx *c, struct aml *mutex)
{
	struct aml *n;

	if (aml_bad(mutex))
		return &c->poison;
	n = aml_term(c);
	aml_put8(n, EXT_OP_PREFIX);
	aml_put8(n, RELEASE_OP);
	aml_emit(n, mutex);
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
		aml_fail(c, -EINVAL, "call %s: %u arguments; AML allows 0-7", path ? path : "?",
		     nargs);
		return &c->poison;
	}
	va_start(ap, nargs);
	for (unsigned i = 0; i < nargs; i++)
		args[i] = va_arg(ap, struct aml *);
	va_end(ap);
	for (unsigned i = 0; i < nargs; i++)
		if (aml_bad(args[i]))
			return &c->poison;
	n = aml_term(c);
	aml_put_namestring(n, path);
	for (unsigned i = 0; i < nargs; i++)
		aml_emit(n, args[i]);
	return aml_checked(n, err);
}

