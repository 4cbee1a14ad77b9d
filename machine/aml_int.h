/* Internal to the AML encoder (aml.c, vdm_aml_expr.c, vdm_aml_resource.c): node and context layout,
 * opcodes, and the byte-level helpers the three files share.  Not for other modules. */
#ifndef VDM_MACHINE_AML_INT_H
#define VDM_MACHINE_AML_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vdm/aml.h>

/* How a node turns into bytes when appended (see vdm__aml_emit()). */
enum vdm_aml_kind {
	K_POISON,      /* stands in for a node that could not be built */
	K_TERM,        /* buf is the complete encoding */
	K_LIST,        /* buf is a term list, emitted as is */
	K_BLOCK,       /* op PkgLength buf (Scope, Device, Method, If, Else, While, Field) */
	K_PACKAGE,     /* PackageOp PkgLength NumElements buf */
	K_RESTEMPLATE, /* BufferOp PkgLength BufferSize buf EndTag */
};

struct vdm_aml {
	struct vdm_aml_ctx *ctx;
	struct vdm_aml *next; /* every node of the context, for vdm_aml_ctx_free() */
	enum vdm_aml_kind kind;
	uint8_t op[2];
	uint8_t oplen;
	bool sealed;
	unsigned count; /* package elements */
	uint8_t *buf;
	size_t len, cap;
};

struct vdm_aml_ctx {
	struct vdm_aml *nodes;
	int err;
	char msg[160];
	struct vdm_aml poison;
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

/* Record the first error of the context (later ones are consequences). */
__attribute__((format(printf, 3, 4))) void vdm__aml_fail(struct vdm_aml_ctx *c, int err,
						    const char *fmt, ...);
/* A new node of `kind`, or the context's poison node (error recorded) when out of memory. */
struct vdm_aml *vdm__aml_node_new(struct vdm_aml_ctx *c, enum vdm_aml_kind kind);
/* vdm__aml_node_new(c, K_TERM) */
struct vdm_aml *vdm__aml_term(struct vdm_aml_ctx *c);
/* NULL or the poison node: the error is already recorded, do nothing with it. */
bool vdm__aml_bad(const struct vdm_aml *n);
/* `n` unless the context got its first error since `err_before` was read: then poison. */
struct vdm_aml *vdm__aml_checked(struct vdm_aml *n, int err_before);
/* Append raw bytes / a byte / a little-endian value of `bytes` bytes to n's buffer. */
void vdm__aml_put(struct vdm_aml *n, const void *p, size_t len);
void vdm__aml_put8(struct vdm_aml *n, uint8_t v);
void vdm__aml_put_le(struct vdm_aml *n, uint64_t v, unsigned bytes);
/* An integer term in its smallest encoding. */
void vdm__aml_put_int(struct vdm_aml *n, uint64_t v);
/* A NameString; a bad path records -EINVAL naming it. */
void vdm__aml_put_namestring(struct vdm_aml *n, const char *path);
/* Append the encoding of `child` (with its op and PkgLength if it is a block) to `dst`. */
void vdm__aml_emit(struct vdm_aml *dst, const struct vdm_aml *child);

#endif /* VDM_MACHINE_AML_INT_H */
