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

/* The properties given for one device, in the order given; each name at most once. */
struct vdm_prop_values {
	uint32_t count;
	struct vdm_prop_value v[VDM_PROPS_MAX];
};

/*
 * Parse a size: "4096", "0x1000", "4K", "4M", "1G", "64G", "2T" (suffix case-insensitive,
 * binary multiples).  Returns 0, or -EINVAL (not a size) / -ERANGE (does not fit 64 bits).
 */
int vdm_parse_size(const char *text, uint64_t *out);

/*
 * Parse "driver,key=value,..." against the known `types` (and `common` properties every
 * type accepts, such as id and bus).  On success returns 0 and sets *type_out and *out.
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

/* Look-ups; a property not given returns `dflt`. */
bool vdm_props_has(const struct vdm_prop_values *pv, const char *name);
uint64_t vdm_props_num(const struct vdm_prop_values *pv, const char *name, uint64_t dflt);
const char *vdm_props_str(const struct vdm_prop_values *pv, const char *name, const char *dflt);

/* Write back a canonical "k=v,k=v" (sizes as given) into buf; returns the length it needed. */
size_t vdm_props_format(const struct vdm_prop_values *pv, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* VDM_PROPS_H */
