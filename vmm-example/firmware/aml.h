/* AML encoder: builds ACPI Machine Language byte code (ACPI 6.x §20) from C calls, the way
 * iasl would compile the equivalent ASL, for the DSDT the VMM hands its guest. */
#ifndef VDM_FW_AML_H
#define VDM_FW_AML_H

#include <stddef.h>
#include <stdint.h>

/*
 * Contract.
 *
 * Every node (`struct aml`) belongs to one context (`struct aml_ctx`), which owns all memory;
 * aml_ctx_free() releases every node at once.  Nodes are built bottom-up: create a block
 * (Scope, Device, Method, If, Package, ResourceTemplate, Field...), aml_append() its children,
 * then aml_append() the block to its parent.  Appending copies the child's encoding, so one
 * node (an integer, a name) may be appended any number of times; a block that has been
 * appended is sealed, and appending more to it afterwards is an error (it would be lost).
 *
 * Errors never crash and never abort the build half-way: the first error (bad NameSeg,
 * integer out of range, PkgLength overflow, out of memory, misuse) is recorded in the context
 * with a message naming the value, every later call still returns a usable node, and
 * aml_serialize()/aml_ctx_error() report it.  Constructors never return NULL.
 *
 * Integers use the smallest encoding, as iasl does: 0 -> ZeroOp, 1 -> OneOp, then
 * BytePrefix/WordPrefix/DWordPrefix/QWordPrefix.  Ones (all bits set) is only emitted by
 * aml_ones().  Name strings: "\\_SB.PCI0.S10", "^PCNT", "PCEJ"; each segment is 1-4 characters
 * of A-Z, 0-9 and '_' (first not a digit), padded with '_' ("GED" -> "GED_").
 */

struct aml_ctx;
struct aml;

/* Method flags (MethodFlags bit 3). */
enum aml_method_flags {
	AML_NOT_SERIALIZED = 0,
	AML_SERIALIZED = 1,
};

/* OperationRegion address spaces (RegionSpace byte). */
enum aml_region_space {
	AML_SYSTEM_MEMORY = 0x00,
	AML_SYSTEM_IO = 0x01,
	AML_PCI_CONFIG = 0x02,
};

/* Field flags: access type (bits 0-3), lock rule (bit 4), update rule (bits 5-6). */
enum aml_field_access {
	AML_ANY_ACC = 0,
	AML_BYTE_ACC = 1,
	AML_WORD_ACC = 2,
	AML_DWORD_ACC = 3,
	AML_QWORD_ACC = 4,
	AML_BUFFER_ACC = 5,
};
enum aml_field_lock {
	AML_NO_LOCK = 0,
	AML_LOCK = 1,
};
enum aml_field_update {
	AML_PRESERVE = 0,
	AML_WRITE_AS_ONES = 1,
	AML_WRITE_AS_ZEROS = 2,
};

/* Resource descriptor options. */
enum aml_rd_usage {
	AML_RESOURCE_PRODUCER = 0, /* a bridge window handed to children */
	AML_RESOURCE_CONSUMER = 1, /* the device itself decodes it */
};
enum aml_rd_cache {
	AML_NON_CACHEABLE = 0,
	AML_CACHEABLE = 1,
	AML_WRITE_COMBINING = 2,
	AML_PREFETCHABLE = 3,
};
enum aml_rd_irq_flags { /* Extended Interrupt descriptor flags (byte 3) */
	AML_IRQ_CONSUMER = 1 << 0,
	AML_IRQ_EDGE = 1 << 1,       /* else level */
	AML_IRQ_ACTIVE_LOW = 1 << 2, /* else active high */
	AML_IRQ_SHARED = 1 << 3,     /* else exclusive */
	AML_IRQ_WAKE = 1 << 4,
};

/* ---- context ------------------------------------------------------------------------- */

/* A fresh context, or NULL when out of memory. */
struct aml_ctx *aml_ctx_new(void);
/* Free the context and every node created in it.  NULL is fine. */
void aml_ctx_free(struct aml_ctx *c);
/* 0 if nothing went wrong so far, else the first error as negative errno (-EINVAL bad
 * argument, -ERANGE value does not fit, -ENOMEM); *msg (if msg) gets a text naming the
 * offending value, valid until aml_ctx_free(). */
int aml_ctx_error(const struct aml_ctx *c, const char **msg);

/* ---- structure ----------------------------------------------------------------------- */

/* A bare term list (the body of a DefinitionBlock): children are emitted back to back. */
struct aml *aml_list(struct aml_ctx *c);
/* Scope (path) {...} */
struct aml *aml_scope(struct aml_ctx *c, const char *path);
/* Device (path) {...} */
struct aml *aml_device(struct aml_ctx *c, const char *path);
/* Method (path, nargs 0-7, flags) {...}; sync level 0. */
struct aml *aml_method(struct aml_ctx *c, const char *path, unsigned nargs,
		       enum aml_method_flags flags);
/* If (predicate) {...};  Else {...} (append right after its If);  While (predicate) {...} */
struct aml *aml_if(struct aml_ctx *c, struct aml *predicate);
struct aml *aml_else(struct aml_ctx *c);
struct aml *aml_while(struct aml_ctx *c, struct aml *predicate);
/* Package () {...}: each appended child is one element (at most 255). */
struct aml *aml_package(struct aml_ctx *c);
/* Append `child`'s encoding to `parent` (a block created above).  The child is sealed. */
void aml_append(struct aml *parent, struct aml *child);

/* ---- data ---------------------------------------------------------------------------- */

struct aml *aml_int(struct aml_ctx *c, uint64_t v); /* minimal encoding */
struct aml *aml_ones(struct aml_ctx *c);            /* OnesOp */
/* "..." (ASCII 0x01-0x7f; -EINVAL otherwise) */
struct aml *aml_string(struct aml_ctx *c, const char *s);
/* Buffer (n) {bytes} */
struct aml *aml_buffer(struct aml_ctx *c, const uint8_t *bytes, size_t n);
/* EisaId ("PNP0A08"): three capital letters and four hex digits, as a DWord. */
struct aml *aml_eisaid(struct aml_ctx *c, const char *id);
/* ToUUID ("e5c937d0-3553-4d7a-9117-ea4d19c3434d"): a 16-byte Buffer, first three groups
 * little-endian, last two as written. */
struct aml *aml_touuid(struct aml_ctx *c, const char *uuid);
/* A reference to a named object, e.g. as an operand or a Notify/Store target. */
struct aml *aml_name(struct aml_ctx *c, const char *path);
/* Local0..Local7, Arg0..Arg6 */
struct aml *aml_local(struct aml_ctx *c, unsigned n);
struct aml *aml_arg(struct aml_ctx *c, unsigned n);

/* ---- named objects ------------------------------------------------------------------- */

/* Name (path, object) */
struct aml *aml_name_decl(struct aml_ctx *c, const char *path, struct aml *obj);
/* OperationRegion (path, space, offset, length) */
struct aml *aml_opregion(struct aml_ctx *c, const char *path, enum aml_region_space space,
			 struct aml *offset, struct aml *length);
/* Field (region, access, lock, update) {...}: fill with aml_field_named/aml_field_reserved. */
struct aml *aml_field(struct aml_ctx *c, const char *region, enum aml_field_access access,
		      enum aml_field_lock lock, enum aml_field_update update);
void aml_field_named(struct aml *field, const char *name, unsigned bits); /* NAME, bits */
void aml_field_reserved(struct aml *field, unsigned bits);                /* Offset gap */
/* Mutex (path, sync level 0-15) */
struct aml *aml_mutex(struct aml_ctx *c, const char *path, unsigned sync_level);
/* CreateDWordField (buffer, byte index, path) */
struct aml *aml_create_dword_field(struct aml_ctx *c, struct aml *buffer, struct aml *index,
				   const char *path);

/* ---- statements and expressions ----------------------------------------------------- */
/* `target` may be NULL (no store: NullName), as in ASL `Local0 & 2` inside an expression. */

struct aml *aml_store(struct aml_ctx *c, struct aml *src, struct aml *dst);
struct aml *aml_return(struct aml_ctx *c, struct aml *obj);
struct aml *aml_notify(struct aml_ctx *c, struct aml *obj, struct aml *value);
struct aml *aml_acquire(struct aml_ctx *c, struct aml *mutex, uint16_t timeout);
struct aml *aml_release(struct aml_ctx *c, struct aml *mutex);
struct aml *aml_and(struct aml_ctx *c, struct aml *a, struct aml *b, struct aml *target);
struct aml *aml_or(struct aml_ctx *c, struct aml *a, struct aml *b, struct aml *target);
struct aml *aml_shiftleft(struct aml_ctx *c, struct aml *a, struct aml *count,
			  struct aml *target);
struct aml *aml_shiftright(struct aml_ctx *c, struct aml *a, struct aml *count,
			   struct aml *target);
struct aml *aml_add(struct aml_ctx *c, struct aml *a, struct aml *b, struct aml *target);
struct aml *aml_subtract(struct aml_ctx *c, struct aml *a, struct aml *b, struct aml *target);
struct aml *aml_increment(struct aml_ctx *c, struct aml *obj);
struct aml *aml_decrement(struct aml_ctx *c, struct aml *obj);
struct aml *aml_lequal(struct aml_ctx *c, struct aml *a, struct aml *b);
struct aml *aml_lless(struct aml_ctx *c, struct aml *a, struct aml *b);
struct aml *aml_lgreater(struct aml_ctx *c, struct aml *a, struct aml *b);
struct aml *aml_land(struct aml_ctx *c, struct aml *a, struct aml *b);
struct aml *aml_lor(struct aml_ctx *c, struct aml *a, struct aml *b);
struct aml *aml_lnot(struct aml_ctx *c, struct aml *a);
struct aml *aml_index(struct aml_ctx *c, struct aml *obj, struct aml *idx, struct aml *target);
struct aml *aml_derefof(struct aml_ctx *c, struct aml *obj);
struct aml *aml_sizeof(struct aml_ctx *c, struct aml *obj);
/* Invoke method `path` with `nargs` (0-7) argument nodes: aml_call(c, "PCEJ", 2, a, b). */
struct aml *aml_call(struct aml_ctx *c, const char *path, unsigned nargs, ...);

/* ---- resource templates -------------------------------------------------------------- */

/* ResourceTemplate () {...}: append descriptors; the EndTag (checksum 0) is added. */
struct aml *aml_resource_template(struct aml_ctx *c);
/* WordBusNumber (producer, MinFixed, MaxFixed, PosDecode, 0, min, max, 0, max - min + 1) */
struct aml *aml_word_bus_number(struct aml_ctx *c, uint16_t min, uint16_t max);
/* WordIO (producer, MinFixed, MaxFixed, PosDecode, EntireRange, 0, min, max, 0, len) */
struct aml *aml_word_io(struct aml_ctx *c, uint16_t min, uint16_t max);
/* IO (Decode16, min, max, align, len) */
struct aml *aml_io(struct aml_ctx *c, uint16_t min, uint16_t max, uint8_t align, uint8_t len);
/* DWordMemory/QWordMemory (usage, PosDecode, MinFixed, MaxFixed, cache, ReadWrite,
 * 0, min, max, 0, max - min + 1); min <= max required. */
struct aml *aml_dword_memory(struct aml_ctx *c, enum aml_rd_usage usage,
			     enum aml_rd_cache cache, uint32_t min, uint32_t max);
struct aml *aml_qword_memory(struct aml_ctx *c, enum aml_rd_usage usage,
			     enum aml_rd_cache cache, uint64_t min, uint64_t max);
/* Memory32Fixed (ReadWrite, base, len) */
struct aml *aml_memory32_fixed(struct aml_ctx *c, uint32_t base, uint32_t len);
/* Interrupt (flags: enum aml_rd_irq_flags) { gsi } */
struct aml *aml_interrupt(struct aml_ctx *c, unsigned flags, uint32_t gsi);
/* IRQNoFlags () { irq } (irq 0-15: edge, active high, exclusive) */
struct aml *aml_irq_noflags(struct aml_ctx *c, unsigned irq);

/* ---- output -------------------------------------------------------------------------- */

/* The full encoding of `node` (for a list: its children back to back) in a fresh malloc'd
 * buffer the caller frees.  Returns 0, or the context's first error (then *out = NULL). */
int aml_serialize(struct aml *node, uint8_t **out, size_t *len);

#endif /* VDM_FW_AML_H */
