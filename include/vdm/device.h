/* vdm device ABI: what a device model is (an ops table over an opaque object), what it
 * may ask of its host (callbacks), and the resources it declares for the VMM to place. */
#ifndef VDM_DEVICE_H
#define VDM_DEVICE_H

/*
 * API contract
 * ------------
 * A device is a `struct vdm_device` header embedded at the start of the device's private
 * state.  The host (a VMM, a device host process, a unit test or a fuzzer) only touches it
 * through `ops` and the declared `res`; it never reads the private state.
 *
 * Device models are pure: a handler never makes a system call, never blocks, never keeps
 * global state.  Everything a device needs from outside (an interrupt line, a log line, an
 * eject request) goes through `struct vdm_host`, which the host hands to `create()`.
 *
 * Threading: the host serialises every call into one device.  Different devices may be
 * called from different threads concurrently.
 *
 * Guest-facing handlers (cfg_*, bar_*) never fail in a way the guest can see: a bad size or
 * offset reads as all-ones / is dropped, exactly as PCI reads of nothing behave.  They return
 * 0 on a handled access and a negative errno (-EINVAL, -ERANGE) when the access was invalid,
 * so hosts and fuzzers can count such accesses; the value rules above apply either way.
 *
 * Versioning: every struct starts with `struct_size` and `abi_version`.  Structs only grow
 * at their end.  A reader accepts a struct whose major version equals its own and whose
 * size is at least the size of the first version of that struct; fields past the writer's
 * `struct_size` read as zero.  See abi.h for the version rule and the plugin entry point.
 */

#include <stddef.h>
#include <stdint.h>

#include <vdm/abi.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vdm_device;
struct vdm_prop_values;

/* Kinds of address-space region a device declares (PCI BARs, or MMIO of platform devices). */
enum vdm_region_kind {
	VDM_REGION_NONE = 0,  /* slot unused (also the upper half of a 64-bit BAR) */
	VDM_REGION_IO = 1,    /* port I/O */
	VDM_REGION_MEM32 = 2, /* memory below 4 GiB */
	VDM_REGION_MEM64 = 3, /* memory anywhere in the 64-bit space (takes two BAR slots) */
};

/* Region flags. */
#define VDM_REGION_PREFETCHABLE (1u << 0)

/* One declared region.  `size` is a power of two (or 0 with kind NONE). */
struct vdm_region_decl {
	uint64_t size;
	uint32_t kind;  /* enum vdm_region_kind */
	uint32_t flags; /* VDM_REGION_* */
};

/* How the device attaches to the machine. */
enum vdm_bus_kind {
	VDM_BUS_PCI_ENDPOINT = 1, /* type 0 header; regions are BARs 0..5 */
	VDM_BUS_PCI_BRIDGE = 2,   /* type 1 header; regions are BARs 0..1; windows via config */
	VDM_BUS_PLATFORM = 3,     /* no config space; regions are fixed MMIO/PIO ranges */
};

#define VDM_MAX_REGIONS 6

/*
 * Resources a device needs.  The device declares; only the VMM's allocator places.  A PCI
 * device learns where its BARs went from its own config space (the VMM programs BARs the
 * way firmware does); a platform device is told nothing: its handlers see region-relative
 * offsets only.
 */
struct vdm_resources {
	uint32_t struct_size;
	uint32_t abi_version;
	uint32_t bus_kind;    /* enum vdm_bus_kind */
	uint32_t num_irqs;    /* PCI: 1 if the device uses INTx (pin in config space), else 0;
			       * platform: number of interrupt lines it raises */
	struct vdm_region_decl regions[VDM_MAX_REGIONS];
	/* ABI 1.2: VDM_PURE_CFG | VDM_PURE_REGION(i) for each space whose reads have no side
	 * effect, whose values change only inside one of the device's own handlers (a write,
	 * reset or control: a pure device has no other way to change), and where a read of
	 * any size at a naturally aligned offset returns exactly those bytes of what 4-byte
	 * reads of the same dwords return.  A host may then answer such reads from a copy it
	 * refreshes after every other call (the sandbox does: ring.h "read mirror").  0 = no
	 * promise; never set it for read-to-clear registers or FIFOs. */
	uint32_t pure_reads;
	/* ABI 1.3: with VDM_PURE_CFG_WRITES in pure_reads, the write masks of config space
	 * (4096 bytes each, constant and valid for the device's lifetime; 0 = NULL).  The
	 * promise: config space changes only in cfg_write and reset, and a write of `size`
	 * bytes at `off` with off % 4 + size <= 4 changes bytes off..off+size-1 only, each as
	 *     new = ((old & ~wmask) | (v & wmask)) & ~(v & w1cmask)
	 * (v the written byte); any other write changes nothing.  A host may then answer
	 * config reads from its own copy, updated by the writes it sends, without waiting for
	 * the device (the sandbox does: ring.h "write-through config copy").  The PCI core
	 * (pci.h) behaves exactly so: a device using its config ops passes its masks. */
	const uint8_t *cfg_wmask;
	const uint8_t *cfg_w1cmask;
};

#define VDM_PURE_REGION(i) (1u << (i)) /* region / BAR i, 0..VDM_MAX_REGIONS-1 */
#define VDM_PURE_CFG (1u << 8)         /* PCI config space */
#define VDM_PURE_CFG_WRITES (1u << 9)  /* ABI 1.3: config writes only apply cfg_*mask */
#define VDM_PURE_ALL (VDM_PURE_CFG_WRITES | VDM_PURE_CFG | ((1u << VDM_MAX_REGIONS) - 1))

/* Log levels for vdm_host.log. */
enum vdm_log_level {
	VDM_LOG_ERROR = 0,
	VDM_LOG_WARN = 1,
	VDM_LOG_INFO = 2,
	VDM_LOG_DEBUG = 3,
};

/*
 * What a device may ask of its host.  Any callback may be NULL (the device then must not
 * call it).  `opaque` is passed back unchanged.  Callbacks never re-enter the device.
 */
struct vdm_host {
	uint32_t struct_size;
	uint32_t abi_version;
	void *opaque;
	/* Drive interrupt line `line` (0-based, < res.num_irqs) to `level` (0 or 1).  An edge
	 * interrupt is a 1 followed by a 0. */
	void (*set_irq)(void *opaque, uint32_t line, uint32_t level);
	/* One line of text, no trailing newline needed. */
	void (*log)(void *opaque, uint32_t level, const char *msg);
	/* Hotplug controller only: the guest ejected `slot` on the bus selected by `bus_sel`
	 * (the AML's BSEL number).  The host removes the device(s) in that slot. */
	void (*eject)(void *opaque, uint32_t bus_sel, uint32_t slot);
};

/*
 * Guest-facing handlers.  `offset` is relative to config space (0..4095) or to the region;
 * `size` is 1, 2, 4 or 8 (8 only for regions).  Values are little-endian numbers in the low
 * `size` bytes.  See the contract above for errors.
 */
typedef int (*vdm_cfg_read_fn)(struct vdm_device *dev, uint32_t offset, uint32_t size,
			       uint32_t *value);
typedef int (*vdm_cfg_write_fn)(struct vdm_device *dev, uint32_t offset, uint32_t size,
				uint32_t value);
typedef int (*vdm_region_read_fn)(struct vdm_device *dev, uint32_t region, uint64_t offset,
				  uint32_t size, uint64_t *value);
typedef int (*vdm_region_write_fn)(struct vdm_device *dev, uint32_t region, uint64_t offset,
				   uint32_t size, uint64_t value);
/* Return to power-on state (config space and registers), as a PCI reset would. */
typedef void (*vdm_reset_fn)(struct vdm_device *dev);
/* Free the device.  `dev` is invalid afterwards. */
typedef void (*vdm_destroy_fn)(struct vdm_device *dev);

/*
 * Host control (ABI 1.1): a device-specific operation the VMM drives and the guest never
 * can, e.g. mark a slot occupied, request a hot-add, read pending hotplug state.
 *   op      which operation: VDM_CONTROL_OP(family, n).  The family (high 16 bits) belongs
 *           to one device type (ged.h: VDM_GED_CTL_*, root_port.h: VDM_ROOT_PORT_CTL_*),
 *           so an op sent to a device of another type is simply unknown to it.
 *   arg0/1  the operation's inputs.
 *   result  its one output, 0 unless the operation documents a value.  The host sets it
 *           to 0 before the call.
 * Returns 0, a negative errno the operation documents, or -EOPNOTSUPP for an op the device
 * does not know.  Like every handler it is serialised with the guest-facing handlers, makes
 * no system call and may use the host callbacks (a hot-add raises an interrupt).
 *
 * The same call reaches a sandboxed device: the proxy carries it as a synchronous ring
 * request (VDM_RING_CONTROL), so a type's host API (vdm_ged_*, vdm_root_port_*) is written
 * once, on top of vdm_device_control(), and works on both.  A host must treat what comes
 * back from a proxied device as untrusted: the type's API checks each result's range.
 */
typedef int (*vdm_control_fn)(struct vdm_device *dev, uint32_t op, uint32_t arg0,
			      uint32_t arg1, uint64_t *result);

/* An op code: family (a device type's 16-bit tag) and number within it. */
#define VDM_CONTROL_OP(family, n) ((uint32_t)(family) << 16 | ((uint32_t)(n) & 0xffffu))
#define VDM_CONTROL_FAMILY(op) ((uint32_t)(op) >> 16)

struct vdm_device_ops {
	uint32_t struct_size;
	uint32_t abi_version;
	vdm_cfg_read_fn cfg_read;     /* NULL for platform devices */
	vdm_cfg_write_fn cfg_write;   /* NULL for platform devices */
	vdm_region_read_fn bar_read;  /* region = BAR index (PCI) or region index (platform) */
	vdm_region_write_fn bar_write;
	vdm_reset_fn reset;
	vdm_destroy_fn destroy;
	/* ABI 1.1: optional (NULL, or absent in a 1.0 plugin's smaller table: no host control) */
	vdm_control_fn control;
};

/* The public head of every device object. */
struct vdm_device {
	uint32_t struct_size; /* the head's size as the device was built (VDM_DEVICE_SIZE_1_*) */
	uint32_t abi_version; /* the ABI version whose layout the head has */
	const struct vdm_device_ops *ops;
	const struct vdm_device_type *type;
	struct vdm_host host;     /* copy of what create() was given */
	struct vdm_resources res; /* filled by create(); constant afterwards */
};

/*
 * A device type: a name, its properties, and a constructor.
 * create() parses nothing itself: `props` were validated against `props_schema` already.
 * On failure it returns a negative errno and writes a one-line reason to `err` (naming the
 * property and the value, e.g. "membar=3M: size must be a power of two").
 * In a device host (sandbox/README.md) the plugin is loaded and create() runs already locked
 * down: no files but the plugin itself, no network, no threads (pthread_create fails with
 * EAGAIN), no new processes, memory and the host callbacks only.
 */
struct vdm_prop_desc;
struct vdm_device_type {
	uint32_t struct_size;
	uint32_t abi_version;
	const char *name;    /* "testdev" */
	const char *summary; /* one line for --device help */
	const struct vdm_prop_desc *props_schema;
	uint32_t num_props;
	uint32_t bus_kind; /* enum vdm_bus_kind, for the VMM to know before create() */
	int (*create)(const struct vdm_prop_values *props, const struct vdm_host *host,
		      struct vdm_device **out, char *err, size_t err_len);
};

/*
 * Sizes of the released versions of the structs that grew (abi.h history).  A reader of a
 * peer's struct compares struct_size with these, never with its own sizeof.  Each version
 * ends where the next one's first field starts (both are 8-byte aligned on LP64).
 */
#define VDM_DEVICE_OPS_SIZE_1_0 offsetof(struct vdm_device_ops, control)
#define VDM_DEVICE_OPS_SIZE_1_1                                                              \
	(offsetof(struct vdm_device_ops, control) + sizeof(vdm_control_fn))
#define VDM_RESOURCES_SIZE_1_0 offsetof(struct vdm_resources, pure_reads)
#define VDM_RESOURCES_SIZE_1_2 offsetof(struct vdm_resources, cfg_wmask)
#define VDM_RESOURCES_SIZE_1_3                                                               \
	(offsetof(struct vdm_resources, cfg_w1cmask) + sizeof(const uint8_t *))
#define VDM_DEVICE_SIZE_1_0 (offsetof(struct vdm_device, res) + VDM_RESOURCES_SIZE_1_0)
#define VDM_DEVICE_SIZE_1_2 (offsetof(struct vdm_device, res) + VDM_RESOURCES_SIZE_1_2)
#define VDM_DEVICE_SIZE_1_3 (offsetof(struct vdm_device, res) + VDM_RESOURCES_SIZE_1_3)

#if defined(__LP64__)
/* The LP64 layout (x86_64, aarch64); tests/unit/test_abi_layout.c pins every field. */
VDM_ABI_ASSERT(sizeof(struct vdm_region_decl) == 16, "struct vdm_region_decl is 16 bytes");
VDM_ABI_ASSERT(sizeof(struct vdm_host) == 40, "struct vdm_host is 40 bytes");
VDM_ABI_ASSERT(VDM_DEVICE_OPS_SIZE_1_0 == 56, "vdm_device_ops 1.0 is 56 bytes");
VDM_ABI_ASSERT(sizeof(struct vdm_device_ops) == VDM_DEVICE_OPS_SIZE_1_1,
	       "vdm_device_ops is its 1.1 layout");
VDM_ABI_ASSERT(VDM_RESOURCES_SIZE_1_0 == 112, "vdm_resources 1.0 is 112 bytes");
VDM_ABI_ASSERT(VDM_RESOURCES_SIZE_1_2 == 120, "vdm_resources 1.2 is 120 bytes");
VDM_ABI_ASSERT(sizeof(struct vdm_resources) == VDM_RESOURCES_SIZE_1_3 &&
		       VDM_RESOURCES_SIZE_1_3 == 136,
	       "vdm_resources is its 1.3 layout, 136 bytes");
VDM_ABI_ASSERT(offsetof(struct vdm_device, res) == 64, "vdm_device.res at 64");
VDM_ABI_ASSERT(sizeof(struct vdm_device) == VDM_DEVICE_SIZE_1_3 && VDM_DEVICE_SIZE_1_0 == 176,
	       "vdm_device heads are 176 (1.0), 184 (1.2) and 200 (1.3) bytes");
VDM_ABI_ASSERT(sizeof(struct vdm_device_type) == 48, "struct vdm_device_type is 48 bytes");
#endif

/* Convenience wrappers used by hosts: check the op exists and forward. */
static inline int vdm_cfg_read(struct vdm_device *d, uint32_t off, uint32_t size, uint32_t *v)
{
	if (!d->ops->cfg_read) {
		*v = 0xffffffffu;
		return -22; /* -EINVAL */
	}
	return d->ops->cfg_read(d, off, size, v);
}

static inline int vdm_cfg_write(struct vdm_device *d, uint32_t off, uint32_t size, uint32_t v)
{
	return d->ops->cfg_write ? d->ops->cfg_write(d, off, size, v) : -22;
}

static inline int vdm_bar_read(struct vdm_device *d, uint32_t bar, uint64_t off, uint32_t size,
			       uint64_t *v)
{
	return d->ops->bar_read(d, bar, off, size, v);
}

static inline int vdm_bar_write(struct vdm_device *d, uint32_t bar, uint64_t off, uint32_t size,
				uint64_t v)
{
	return d->ops->bar_write(d, bar, off, size, v);
}

static inline void vdm_device_reset(struct vdm_device *d)
{
	d->ops->reset(d);
}

/* True when `d`'s ops table (of any 1.x minor) has a control handler. */
static inline int vdm_device_has_control(const struct vdm_device *d)
{
	return d->ops->struct_size >= offsetof(struct vdm_device_ops, control) +
					      sizeof(vdm_control_fn) &&
	       d->ops->control != NULL;
}

/* The device's VDM_PURE_* promises (0 for a device built before ABI 1.2).
 * VDM_PURE_CFG_WRITES only with VDM_PURE_CFG and both masks (ABI 1.3). */
static inline uint32_t vdm_device_pure_reads(const struct vdm_device *d)
{
	uint32_t p;

	if (d->res.struct_size < offsetof(struct vdm_resources, pure_reads) + sizeof(uint32_t))
		return 0;
	p = d->res.pure_reads & VDM_PURE_ALL;
	if (d->res.struct_size < offsetof(struct vdm_resources, cfg_w1cmask) + sizeof(void *) ||
	    !(p & VDM_PURE_CFG) || !d->res.cfg_wmask || !d->res.cfg_w1cmask)
		p &= ~VDM_PURE_CFG_WRITES;
	return p;
}

/* Run host-control operation `op` (see vdm_control_fn): *result is 0 unless the operation
 * returns a value.  -EOPNOTSUPP (-95) when the device has no control handler. */
static inline int vdm_device_control(struct vdm_device *d, uint32_t op, uint32_t arg0,
				     uint32_t arg1, uint64_t *result)
{
	*result = 0;
	if (!vdm_device_has_control(d))
		return -95; /* -EOPNOTSUPP */
	return d->ops->control(d, op, arg0, arg1, result);
}

static inline void vdm_device_destroy(struct vdm_device *d)
{
	if (d)
		d->ops->destroy(d);
}

/*
 * Fill the common head.  Devices call this from create().  The head is laid out as the
 * device was built: its size comes from the ABI minor of `ops` (and of `type`, if given,
 * the smaller of the two), so a device built against 1.0 headers gets its 176-byte head
 * and nothing after it is touched; struct_size and abi_version record that layout.
 */
void vdm_device_init(struct vdm_device *dev, const struct vdm_device_ops *ops,
		     const struct vdm_device_type *type, const struct vdm_host *host);

/* Device helpers that route through dev->host (no-ops when the callback is NULL). */
void vdm_device_set_irq(struct vdm_device *dev, uint32_t line, uint32_t level);
void vdm_device_log(struct vdm_device *dev, uint32_t level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#ifdef __cplusplus
}
#endif

#endif /* VDM_DEVICE_H */
