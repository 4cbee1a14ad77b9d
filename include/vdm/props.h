/* vdm property strings: the one parser for "testdev,membar=4M" style device specs, shared by
 * the VMM's --device, the monitor's device_add and the device host process. */
#ifndef VDM_PROPS_H
#define VDM_PROPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vdm/abi.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vdm_device_type;

enum vdm_prop_type {
	VDM_PROP_SIZE = 1,   /* byte count: decimal or 0x hex, optional K/M/G/T suffix (x1024^n) */
	VDM_PROP_U32 = 2,    /* decimal or 0x hex number */
	VDM_PROP_BOOL = 3,   /* on/off, true/false, yes/no, 1/0 */
	VDM_PROP_STRING = 4, /* [A-Za-z0-9_.-]+, at most VDM_PROP_STR_MAX - 1 bytes */
};

/* vdm_prop_desc.flags */
#define VDM_PROP_POW2 (1u << 0)     /* SIZE: must be 0 or a power of two */
#define VDM_PROP_REQUIRED (1u << 1) /* must be given */

/* Schema entry for one property of a device type. */
struct vdm_prop_desc {
	const char *name;
	uint32_t type;  /* enum vdm_prop_type */
	uint32_t flags; /* VDM_PROP_* */
	uint64_t min;   /* SIZE/U32: inclusive lower bound */
	uint64_t max;   /* SIZE/U32: inclusive upper bound; 0 = the type's own limit */
	const char *help;
};

#define VDM_PROPS_MAX 32
#define VDM_PROP_STR_MAX 64

struct vdm_prop_value {
	const struct vdm_prop_desc *desc; /* schema entry this value matched */
	uint64_t num;                     /* SIZE, U32, BOOL */
	char str[VDM_PROP_STR_MAX];       /* STRING; for all types also the text as given */
};

/*
 * The properties given for one device, in the order given; each name at most once.
 * A host fills it (vdm_props_parse) and hands it to a device type's create(), which reads
 * it with vdm_props_has/num/str.  struct_size (ABI 1.4, in what was padding: no field
 * moved) is the size of the struct its writer built: the parser sets it; 0 means a writer
 * older than 1.4 (or a host that zeroes and fills the struct by hand), whose struct has
 * the 1.0 layout.  The readers refuse a struct_size below VDM_PROP_VALUES_SIZE_1_0 and
 * never read an entry past struct_size (vdm_props_check says why).
 */
struct vdm_prop_values {
	uint32_t count;
	uint32_t struct_size; /* ABI 1.4: see above */
	struct vdm_prop_value v[VDM_PROPS_MAX];
};

/* Its 1.0 layout: 32 entries (VDM_PROPS_MAX then).  The smallest struct a reader takes. */
#define VDM_PROP_VALUES_SIZE_1_0                                                             \
	(offsetof(struct vdm_prop_values, v) + 32 * sizeof(struct vdm_prop_value))

#if defined(__LP64__)
/* The LP64 layout (x86_64, aarch64); tests/unit/test_abi_layout.c pins every field. */
VDM_ABI_ASSERT(sizeof(struct vdm_prop_desc) == 40, "struct vdm_prop_desc is 40 bytes");
VDM_ABI_ASSERT(sizeof(struct vdm_prop_value) == 80, "struct vdm_prop_value is 80 bytes");
VDM_ABI_ASSERT(offsetof(struct vdm_prop_values, struct_size) == 4 &&
		       offsetof(struct vdm_prop_values, v) == 8,
	       "vdm_prop_values.struct_size fills the padding before v, at 4");
VDM_ABI_ASSERT(sizeof(struct vdm_prop_values) == VDM_PROP_VALUES_SIZE_1_0 &&
		       VDM_PROP_VALUES_SIZE_1_0 == 2568,
	       "struct vdm_prop_values is its 1.0 layout, 2568 bytes");
#endif

/*
 * Parse a size: "4096", "0x1000", "4K", "4M", "1G", "64G", "2T" (suffix case-insensitive,
 * binary multiples).  Returns 0, or -EINVAL (not a size) / -ERANGE (does not fit 64 bits).
 */
int vdm_parse_size(const char *text, uint64_t *out);

/*
 * Parse "driver,key=value,..." against the known `types` (and `common` properties every
 * type accepts, such as id and bus).  On success returns 0 and sets *type_out and *out
 * (with out->struct_size = sizeof(struct vdm_prop_values)).
 * On failure returns a negative errno and writes one line to `err` naming the offending
 * text and the fix, e.g.
 *   "membar=3M: size must be a power of two"
 *   "membar=abc: not a size"
 *   "frob=1: unknown property of testdev (known: membar, id, bus)"
 *   "frobdev: unknown device type (known: pci-testdev, pcie-root-port)"
 */
int vdm_props_parse(const char *spec, const struct vdm_device_type *const *types, size_t ntypes,
		    const struct vdm_prop_desc *common, size_t ncommon,
		    const struct vdm_device_type **type_out, struct vdm_prop_values *out, char *err,
		    size_t err_len);

/*
 * Type names: vdm's device types carry QEMU's names ("pci-testdev", "pcie-root-port",
 * "acpi-ged"); vdm's former short names stay accepted as aliases ("testdev", "ged").
 * vdm_props_parse() takes either: a type whose name is the spec's is chosen first, else
 * the type the spec's alias stands for, when `types` has it.
 * vdm_props_type_alias(): the canonical name that name[0..len) is an alias of, or NULL.
 * vdm_props_type_old_name(): the alias of canonical `name`, or NULL if it has none.
 */
const char *vdm_props_type_alias(const char *name, size_t len);
const char *vdm_props_type_old_name(const char *name);

/* Parse only "key=value,..." (may be empty) for a known type.  Same errors as above. */
int vdm_props_parse_args(const char *args, const struct vdm_device_type *type,
			 const struct vdm_prop_desc *common, size_t ncommon,
			 struct vdm_prop_values *out, char *err, size_t err_len);

/*
 * Check values a device was handed before reading them: NULL (no properties) or a
 * struct_size of 0 (a pre-1.4 writer) or at least VDM_PROP_VALUES_SIZE_1_0, and every one
 * of `count` entries inside it.  Returns 0, or -EINVAL with one line in `err`, e.g.
 *   "property values: struct_size 16 is below 2568, the smallest struct vdm_prop_values
 *    (fill it with vdm_props_parse)"
 */
int vdm_props_check(const struct vdm_prop_values *pv, char *err, size_t err_len);

/* Look-ups; a property not given returns `dflt`.  Values that vdm_props_check refuses
 * hold no property: every look-up returns `dflt` (and vdm_props_has false). */
bool vdm_props_has(const struct vdm_prop_values *pv, const char *name);
uint64_t vdm_props_num(const struct vdm_prop_values *pv, const char *name, uint64_t dflt);
const char *vdm_props_str(const struct vdm_prop_values *pv, const char *name, const char *dflt);

/* Write back a canonical "k=v,k=v" (sizes as given) into buf; returns the length it needed.
 * Values that vdm_props_check refuses write nothing. */
size_t vdm_props_format(const struct vdm_prop_values *pv, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* VDM_PROPS_H */
