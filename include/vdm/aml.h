/* AML encoder: builds ACPI Machine Language byte code (ACPI 6.x §20) from C calls, the way
 * iasl would compile the equivalent ASL, for the DSDT the VMM hands its guest. */
#ifndef VDM_AML_H
#define VDM_AML_H

#include <stddef.h>
#include <stdint.h>

/*
 * Contract.
 *
 * Every node (`struct vdm_aml`) belongs to one context (`struct vdm_aml_ctx`), which owns
 * all memory; vdm_aml_ctx_free() releases every node at once.  Nodes are built bottom-up:
 * create a block (Scope, Device, Method, If, Package, ResourceTemplate, Field...),
 * vdm_aml_append() its children, then vdm_aml_append() the block to its parent.  Appending
 * copies the child's encoding, so one node (an integer, a name) may be appended any number of
 * times; a block that has been appended is sealed, and appending more to it afterwards is an
 * error (it would be lost).
 *
 * Errors never crash and never abort the build half-way: the first error (bad NameSeg,
 * integer out of range, PkgLength overflow, out of memory, misuse) is recorded in the context
 * with a message naming the value, every later call still returns a usable node, and
 * vdm_aml_serialize()/vdm_aml_ctx_error() report it.  Constructors never return NULL.
 *
 * Integers use the smallest encoding, as iasl does: 0 -> ZeroOp, 1 -> OneOp, then
 * BytePrefix/WordPrefix/DWordPrefix/QWordPrefix.  Ones (all bits set) is only emitted by
 * vdm_aml_ones().  Name strings: "\\_SB.PCI0.S10", "^PCNT", "PCEJ"; each segment is 1-4 characters
 * of A-Z, 0-9 and '_' (first not a digit), padded with '_' ("GED" -> "GED_").
 */

struct vdm_aml_ctx;
struct vdm_aml;

/* Method flags (MethodFlags bit 3). */
enum vdm_aml_method_flags {
	VDM_AML_NOT_SERIALIZED = 0,
	VDM_AML_SERIALIZED = 1,
};

/* OperationRegion address spaces (RegionSpace byte). */
enum vdm_aml_region_space {
	VDM_AML_SYSTEM_MEMORY = 0x00,
	VDM_AML_SYSTEM_IO = 0x01,
	VDM_AML_PCI_CONFIG = 0x02,
};

/* Field flags: access type (bits 0-3), lock rule (bit 4), update rule (bits 5-6). */
enum vdm_aml_field_access {
	VDM_AML_ANY_ACC = 0,
	VDM_AML_BYTE_ACC = 1,
	VDM_AML_WORD_ACC = 2,
	VDM_AML_DWORD_ACC = 3,
	VDM_AML_QWORD_ACC = 4,
	VDM_AML_BUFFER_ACC = 5,
};
enum vdm_aml_field_lock {
	VDM_AML_NO_LOCK = 0,
	VDM_AML_LOCK = 1,
};
enum vdm_aml_field_update {
	VDM_AML_PRESERVE = 0,
	VDM_AML_WRITE_AS_ONES = 1,
	VDM_AML_WRITE_AS_ZEROS = 2,
};

/* Resource descriptor options. */
enum vdm_aml_rd_usage {
	VDM_AML_RESOURCE_PRODUCER = 0, /* a bridge window handed to children */
	VDM_AML_RESOURCE_CONSUMER = 1, /* the device itself decodes it */
};
enum vdm_aml_rd_cache {
	VDM_AML_NON_CACHEABLE = 0,
	VDM_AML_CACHEABLE = 1,
	VDM_AML_WRITE_COMBINING = 2,
	VDM_AML_PREFETCHABLE = 3,
};
enum vdm_aml_io_type { /* _TTP of an I/O window: what the range is on the primary side */
	VDM_AML_TYPE_STATIC = 0,      /* I/O on both sides (x86) */
	VDM_AML_TYPE_TRANSLATION = 1, /* memory-mapped I/O: memory on the CPU side (arm64) */
};
enum vdm_aml_rd_irq_flags { /* Extended Interrupt descriptor flags (byte 3) */
	VDM_AML_IRQ_CONSUMER = 1 << 0,
	VDM_AML_IRQ_EDGE = 1 << 1,       /* else level */
	VDM_AML_IRQ_ACTIVE_LOW = 1 << 2, /* else active high */
	VDM_AML_IRQ_SHARED = 1 << 3,     /* else exclusive */
	VDM_AML_IRQ_WAKE = 1 << 4,
};

/* ---- context ------------------------------------------------------------------------- */

/* A fresh context, or NULL when out of memory. */
struct vdm_aml_ctx *vdm_aml_ctx_new(void);
/* Free the context and every node created in it.  NULL is fine. */
void vdm_aml_ctx_free(struct vdm_aml_ctx *c);
/* 0 if nothing went wrong so far, else the first error as negative errno (-EINVAL bad
 * argument, -ERANGE value does not fit, -ENOMEM); *msg (if msg) gets a text naming the
 * offending value, valid until vdm_aml_ctx_free(). */
int vdm_aml_ctx_error(const struct vdm_aml_ctx *c, const char **msg);

/* ---- structure ----------------------------------------------------------------------- */

/* A bare term list (the body of a DefinitionBlock): children are emitted back to back. */
struct vdm_aml *vdm_aml_list(struct vdm_aml_ctx *c);
/* Scope (path) {...} */
struct vdm_aml *vdm_aml_scope(struct vdm_aml_ctx *c, const char *path);
/* Device (path) {...} */
struct vdm_aml *vdm_aml_device(struct vdm_aml_ctx *c, const char *path);
/* Method (path, nargs 0-7, flags) {...}; sync level 0. */
struct vdm_aml *vdm_aml_method(struct vdm_aml_ctx *c, const char *path, unsigned nargs,
		       enum vdm_aml_method_flags flags);
/* If (predicate) {...};  Else {...} (append right after its If);  While (predicate) {...} */
struct vdm_aml *vdm_aml_if(struct vdm_aml_ctx *c, struct vdm_aml *predicate);
struct vdm_aml *vdm_aml_else(struct vdm_aml_ctx *c);
struct vdm_aml *vdm_aml_while(struct vdm_aml_ctx *c, struct vdm_aml *predicate);
/* Package () {...}: each appended child is one element (at most 255). */
struct vdm_aml *vdm_aml_package(struct vdm_aml_ctx *c);
/* Append `child`'s encoding to `parent` (a block created above).  The child is sealed. */
void vdm_aml_append(struct vdm_aml *parent, struct vdm_aml *child);

/* ---- data ---------------------------------------------------------------------------- */

struct vdm_aml *vdm_aml_int(struct vdm_aml_ctx *c, uint64_t v); /* minimal encoding */
struct vdm_aml *vdm_aml_ones(struct vdm_aml_ctx *c);            /* OnesOp */
/* "..." (ASCII 0x01-0x7f; -EINVAL otherwise) */
struct vdm_aml *vdm_aml_string(struct vdm_aml_ctx *c, const char *s);
/* Buffer (n) {bytes} */
struct vdm_aml *vdm_aml_buffer(struct vdm_aml_ctx *c, const uint8_t *bytes, size_t n);
/* EisaId ("PNP0A08"): three capital letters and four hex digits, as a DWord. */
struct vdm_aml *vdm_aml_eisaid(struct vdm_aml_ctx *c, const char *id);
/* ToUUID ("e5c937d0-3553-4d7a-9117-ea4d19c3434d"): a 16-byte Buffer, first three groups
 * little-endian, last two as written. */
struct vdm_aml *vdm_aml_touuid(struct vdm_aml_ctx *c, const char *uuid);
/* A reference to a named object, e.g. as an operand or a Notify/Store target. */
struct vdm_aml *vdm_aml_name(struct vdm_aml_ctx *c, const char *path);
/* Local0..Local7, Arg0..Arg6 */
struct vdm_aml *vdm_aml_local(struct vdm_aml_ctx *c, unsigned n);
struct vdm_aml *vdm_aml_arg(struct vdm_aml_ctx *c, unsigned n);

/* ---- named objects ------------------------------------------------------------------- */

/* Name (path, object) */
struct vdm_aml *vdm_aml_name_decl(struct vdm_aml_ctx *c, const char *path, struct vdm_aml *obj);
/* OperationRegion (path, space, offset, length) */
struct vdm_aml *vdm_aml_opregion(struct vdm_aml_ctx *c, const char *path,
				 enum vdm_aml_region_space space, struct vdm_aml *offset,
				 struct vdm_aml *length);
/* Field (region, access, lock, update) {...}: fill with vdm_aml_field_named and
 * vdm_aml_field_reserved. */
struct vdm_aml *vdm_aml_field(struct vdm_aml_ctx *c, const char *region,
			      enum vdm_aml_field_access access, enum vdm_aml_field_lock lock,
			      enum vdm_aml_field_update update);
void vdm_aml_field_named(struct vdm_aml *field, const char *name, unsigned bits); /* NAME, bits */
void vdm_aml_field_reserved(struct vdm_aml *field, unsigned bits);                /* Offset gap */
/* Mutex (path, sync level 0-15) */
struct vdm_aml *vdm_aml_mutex(struct vdm_aml_ctx *c, const char *path, unsigned sync_level);
/* CreateDWordField (buffer, byte index, path) */
struct vdm_aml *vdm_aml_create_dword_field(struct vdm_aml_ctx *c, struct vdm_aml *buffer,
					   struct vdm_aml *index, const char *path);

/* ---- statements and expressions ----------------------------------------------------- */
/* `target` may be NULL (no store: NullName), as in ASL `Local0 & 2` inside an expression. */

struct vdm_aml *vdm_aml_store(struct vdm_aml_ctx *c, struct vdm_aml *src, struct vdm_aml *dst);
struct vdm_aml *vdm_aml_return(struct vdm_aml_ctx *c, struct vdm_aml *obj);
struct vdm_aml *vdm_aml_notify(struct vdm_aml_ctx *c, struct vdm_aml *obj, struct vdm_aml *value);
struct vdm_aml *vdm_aml_acquire(struct vdm_aml_ctx *c, struct vdm_aml *mutex, uint16_t timeout);
struct vdm_aml *vdm_aml_release(struct vdm_aml_ctx *c, struct vdm_aml *mutex);
struct vdm_aml *vdm_aml_and(struct vdm_aml_ctx *c, struct vdm_aml *a, struct vdm_aml *b,
			    struct vdm_aml *target);
struct vdm_aml *vdm_aml_or(struct vdm_aml_ctx *c, struct vdm_aml *a, struct vdm_aml *b,
			   struct vdm_aml *target);
struct vdm_aml *vdm_aml_shiftleft(struct vdm_aml_ctx *c, struct vdm_aml *a, struct vdm_aml *count,
			  struct vdm_aml *target);
struct vdm_aml *vdm_aml_shiftright(struct vdm_aml_ctx *c, struct vdm_aml *a, struct vdm_aml *count,
			   struct vdm_aml *target);
struct vdm_aml *vdm_aml_add(struct vdm_aml_ctx *c, struct vdm_aml *a, struct vdm_aml *b,
			    struct vdm_aml *target);
struct vdm_aml *vdm_aml_subtract(struct vdm_aml_ctx *c, struct vdm_aml *a, struct vdm_aml *b,
				 struct vdm_aml *target);
struct vdm_aml *vdm_aml_increment(struct vdm_aml_ctx *c, struct vdm_aml *obj);
struct vdm_aml *vdm_aml_decrement(struct vdm_aml_ctx *c, struct vdm_aml *obj);
struct vdm_aml *vdm_aml_lequal(struct vdm_aml_ctx *c, struct vdm_aml *a, struct vdm_aml *b);
struct vdm_aml *vdm_aml_lless(struct vdm_aml_ctx *c, struct vdm_aml *a, struct vdm_aml *b);
struct vdm_aml *vdm_aml_lgreater(struct vdm_aml_ctx *c, struct vdm_aml *a, struct vdm_aml *b);
struct vdm_aml *vdm_aml_land(struct vdm_aml_ctx *c, struct vdm_aml *a, struct vdm_aml *b);
struct vdm_aml *vdm_aml_lor(struct vdm_aml_ctx *c, struct vdm_aml *a, struct vdm_aml *b);
struct vdm_aml *vdm_aml_lnot(struct vdm_aml_ctx *c, struct vdm_aml *a);
struct vdm_aml *vdm_aml_index(struct vdm_aml_ctx *c, struct vdm_aml *obj, struct vdm_aml *idx,
			      struct vdm_aml *target);
struct vdm_aml *vdm_aml_derefof(struct vdm_aml_ctx *c, struct vdm_aml *obj);
struct vdm_aml *vdm_aml_sizeof(struct vdm_aml_ctx *c, struct vdm_aml *obj);
/* Invoke method `path` with `nargs` (0-7) argument nodes: vdm_aml_call(c, "PCEJ", 2, a, b). */
struct vdm_aml *vdm_aml_call(struct vdm_aml_ctx *c, const char *path, unsigned nargs, ...);

/* ---- resource templates -------------------------------------------------------------- */

/* ResourceTemplate () {...}: append descriptors; the EndTag (checksum 0) is added. */
struct vdm_aml *vdm_aml_resource_template(struct vdm_aml_ctx *c);
/* WordBusNumber (producer, MinFixed, MaxFixed, PosDecode, 0, min, max, 0, max - min + 1) */
struct vdm_aml *vdm_aml_word_bus_number(struct vdm_aml_ctx *c, uint16_t min, uint16_t max);
/* WordIO (producer, MinFixed, MaxFixed, PosDecode, EntireRange, 0, min, max, 0, len) */
struct vdm_aml *vdm_aml_word_io(struct vdm_aml_ctx *c, uint16_t min, uint16_t max);
/* DWordIO / QWordIO (producer, MinFixed, MaxFixed, PosDecode, EntireRange, 0, min, max,
 * translation, max - min + 1, , , , type, DenseTranslation): I/O ports [min, max] of the
 * secondary side, which the CPU reaches at min + translation (Linux adds _TRA to get the CPU
 * address of a memory-mapped I/O window).  -ERANGE when max + translation overflows the
 * descriptor's width. */
struct vdm_aml *vdm_aml_dword_io(struct vdm_aml_ctx *c, enum vdm_aml_io_type type, uint32_t min,
				 uint32_t max, uint32_t translation);
struct vdm_aml *vdm_aml_qword_io(struct vdm_aml_ctx *c, enum vdm_aml_io_type type, uint64_t min,
				 uint64_t max, uint64_t translation);
/* IO (Decode16, min, max, align, len) */
struct vdm_aml *vdm_aml_io(struct vdm_aml_ctx *c, uint16_t min, uint16_t max, uint8_t align,
			   uint8_t len);
/* DWordMemory/QWordMemory (usage, PosDecode, MinFixed, MaxFixed, cache, ReadWrite,
 * 0, min, max, 0, max - min + 1); min <= max required. */
struct vdm_aml *vdm_aml_dword_memory(struct vdm_aml_ctx *c, enum vdm_aml_rd_usage usage,
			     enum vdm_aml_rd_cache cache, uint32_t min, uint32_t max);
struct vdm_aml *vdm_aml_qword_memory(struct vdm_aml_ctx *c, enum vdm_aml_rd_usage usage,
			     enum vdm_aml_rd_cache cache, uint64_t min, uint64_t max);
/* Memory32Fixed (ReadWrite, base, len) */
struct vdm_aml *vdm_aml_memory32_fixed(struct vdm_aml_ctx *c, uint32_t base, uint32_t len);
/* Interrupt (flags: enum vdm_aml_rd_irq_flags) { gsi } */
struct vdm_aml *vdm_aml_interrupt(struct vdm_aml_ctx *c, unsigned flags, uint32_t gsi);
/* IRQNoFlags () { irq } (irq 0-15: edge, active high, exclusive) */
struct vdm_aml *vdm_aml_irq_noflags(struct vdm_aml_ctx *c, unsigned irq);

/* ---- output -------------------------------------------------------------------------- */

/* The full encoding of `node` (for a list: its children back to back) in a fresh malloc'd
 * buffer the caller frees.  Returns 0, or the context's first error (then *out = NULL). */
int vdm_aml_serialize(struct vdm_aml *node, uint8_t **out, size_t *len);

#endif /* VDM_AML_H */
