/* vdm ABI versioning and the plugin entry point: how a host and a device built apart
 * agree that they can talk. */
#ifndef VDM_ABI_H
#define VDM_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Version rule
 * ------------
 * VDM_ABI_VERSION = major << 16 | minor.
 *  - major changes when an existing struct field or function type changes meaning or
 *    position; a host refuses a plugin of another major.
 *  - minor changes when a struct grows at its end or a new optional callback appears; a
 *    host accepts a plugin of any minor of its own major.  Each side reads only the first
 *    min(its own sizeof, peer's struct_size) bytes of a peer's struct and treats the rest
 *    as zero / NULL.
 *  - a struct a device embeds is sized by the device, not by the host: struct vdm_device
 *    (with vdm_host and vdm_resources inside) heads every device's state, and
 *    vdm_pci_function puts vdm_pci_config right after it.  A newer host learns an older
 *    device's head size from the ABI minor of its ops table (vdm_device_init,
 *    VDM_DEVICE_SIZE_1_*); an older host cannot know a newer, bigger head, so vdm_device,
 *    vdm_host and vdm_resources no longer grow in major 1.  vdm_pci_config may still grow
 *    at its end: it carries its own struct_size (the minor that grows it adds an init
 *    that takes the caller's size; vdm_pci_config_init means the 1.0 layout).
 *
 * Checks: tests/unit/test_abi_layout.c pins the size and every field offset of each
 * released version of the ABI structs (LP64: x86_64 and aarch64 have the same numbers),
 * and tests/tools/abi_check.sh compares the library's exported ABI with abidiff against
 * the baseline in tests/tools/abi/.  After a deliberate addition that keeps these rules:
 * bump the minor below, add the new fields and version sizes to test_abi_layout.c, then
 * refresh the baseline and commit it with the change:
 *     tests/tools/abi_check.sh --update build/libvdm.so.0
 */
#define VDM_ABI_MAJOR 1
#define VDM_ABI_MINOR 4
/*
 * History of minor versions (major 1):
 *   1.0  first release.
 *   1.1  struct vdm_device_ops gains `control` at its end (host control: device-specific
 *        operations such as GED hot-add or root-port presence; see device.h).  A 1.0
 *        plugin's ops table is shorter and has none: hosts check struct_size
 *        (vdm_device_has_control) and answer -EOPNOTSUPP for it.
 *   1.2  struct vdm_resources gains `pure_reads` at its end: which of the device's spaces
 *        can be read without side effects, so a host may serve those reads from a copy
 *        (the sandbox's read mirror, ring.h).  Older devices have none (read it with
 *        vdm_device_pure_reads); older hosts never look at it.
 *   1.3  struct vdm_resources gains `cfg_wmask` and `cfg_w1cmask` at its end, and
 *        pure_reads the bit VDM_PURE_CFG_WRITES: config writes that only apply those
 *        masks, so a host may keep its own copy of config space current (the sandbox's
 *        write-through config copy, ring.h).  vdm_device_pure_reads drops the bit for an
 *        older device.
 *   1.4  struct vdm_prop_values and struct vdm_pci_config get a struct_size, each in what
 *        was padding (no field moves; see props.h, pci.h): vdm_props_parse and
 *        vdm_pci_config_init set it, vdm_props_check and vdm_pci_config_check refuse a
 *        struct smaller than the 1.0 layout, and the readers never read past it.
 *        vdm_device_init sizes the head by the device's ABI minor: the head grew with
 *        vdm_resources in 1.2 and 1.3, and a 1.0/1.1 device's head is 176 bytes, not 200
 *        (hosts 1.2 and 1.3 wrote 200 and read the device's own state as pure_reads).
 */
#define VDM_ABI_MAKE(maj, min) (((uint32_t)(maj) << 16) | (uint32_t)(min))
#define VDM_ABI_VERSION VDM_ABI_MAKE(VDM_ABI_MAJOR, VDM_ABI_MINOR)
#define VDM_ABI_VERSION_MAJOR(v) ((uint32_t)(v) >> 16)
#define VDM_ABI_VERSION_MINOR(v) ((uint32_t)(v) & 0xffffu)

/* A compile-time check of the ABI layout, in C and C++ alike. */
#ifdef __cplusplus
#define VDM_ABI_ASSERT(expr, msg) static_assert(expr, msg)
#else
#define VDM_ABI_ASSERT(expr, msg) _Static_assert(expr, msg)
#endif

/* Initialiser for the common struct head: `{ VDM_STRUCT_HEAD(struct foo), ... }`. */
#define VDM_STRUCT_HEAD(type) .struct_size = sizeof(type), .abi_version = VDM_ABI_VERSION

struct vdm_device_type;

/*
 * What a plugin exports.  A plugin is a shared object with one exported symbol,
 * VDM_PLUGIN_ENTRY_SYMBOL, of type vdm_plugin_entry_fn.  The host calls it once with its
 * own ABI version; the plugin returns a pointer to a static `struct vdm_plugin` (or NULL if
 * it cannot serve that host).
 */
struct vdm_plugin {
	uint32_t struct_size;
	uint32_t abi_version;
	const char *name; /* plugin name for messages */
	const struct vdm_device_type *const *types;
	uint32_t num_types;
};

#if defined(__LP64__)
VDM_ABI_ASSERT(sizeof(struct vdm_plugin) == 32, "struct vdm_plugin is 32 bytes (LP64)");
VDM_ABI_ASSERT(offsetof(struct vdm_plugin, num_types) == 24, "vdm_plugin.num_types at 24");
#endif

typedef const struct vdm_plugin *(*vdm_plugin_entry_fn)(uint32_t host_abi_version);

#define VDM_PLUGIN_ENTRY_SYMBOL "vdm_plugin_entry_v1"

/* The entry point's prototype, so a plugin built with -Wmissing-prototypes compiles. */
__attribute__((visibility("default"))) const struct vdm_plugin *
vdm_plugin_entry_v1(uint32_t host_abi_version);

/* Declare the entry point in a plugin: `VDM_PLUGIN_ENTRY(host_ver) { return &my_plugin; }` */
#define VDM_PLUGIN_ENTRY(arg)                                                                  \
	__attribute__((visibility("default"))) const struct vdm_plugin *vdm_plugin_entry_v1(   \
		uint32_t arg)

/* True when a peer struct head with `abi_version` may be used by this build. */
static inline int vdm_abi_compatible(uint32_t abi_version)
{
	return VDM_ABI_VERSION_MAJOR(abi_version) == VDM_ABI_MAJOR;
}

#ifdef __cplusplus
}
#endif

#endif /* VDM_ABI_H */
