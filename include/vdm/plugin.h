/* vdm plugin loader: open a device plugin (.so), check it speaks this host's ABI, and find
 * its device types; plus the checks a host runs on what a plugin or device hands it. */
#ifndef VDM_PLUGIN_H
#define VDM_PLUGIN_H

/*
 * A plugin is a shared object exporting VDM_PLUGIN_ENTRY_SYMBOL (see abi.h).  It links
 * nothing: it is built with `cc -shared -fPIC $(pkg-config --cflags vdm)`, and the few
 * vdm_* helpers it calls (vdm_device_init, vdm_device_log, vdm_props_num, ...) are resolved
 * at load time from the host, which exports them (the device host vdm-devhost does).
 *
 * Refusals name the file and the reason, one line, for example:
 *   "/p/x.so: no entry symbol vdm_plugin_entry_v1 (not a vdm plugin?)"
 *   "/p/x.so: built for vdm ABI 2.0, this host speaks 1.x: rebuild it against vdm 1.x headers"
 *
 * Threading: load/unload from one thread; the handle is read-only afterwards.
 */

#include <stddef.h>

#include <vdm/device.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vdm_plugin_handle;

/* Largest number of types one plugin may declare. */
#define VDM_PLUGIN_MAX_TYPES 64

/*
 * dlopen `path` (RTLD_NOW | RTLD_LOCAL), call its entry with VDM_ABI_VERSION and check the
 * result (vdm_plugin_check).  Returns 0 and *out, or a negative errno with a one-line reason
 * naming `path` in `err`: -ENOENT (cannot load), -ENOEXEC (no entry symbol), -EPROTO (other
 * ABI major, or the plugin refused this host), -EINVAL (malformed plugin description).
 */
int vdm_plugin_load(const char *path, struct vdm_plugin_handle **out, char *err, size_t err_len);

/* The checked description the plugin returned. */
const struct vdm_plugin *vdm_plugin_info(const struct vdm_plugin_handle *h);

/* The plugin's type called `name`, or NULL. */
const struct vdm_device_type *vdm_plugin_find_type(const struct vdm_plugin_handle *h,
						   const char *name);

/* dlclose.  Every device created from the plugin must be destroyed first. */
void vdm_plugin_unload(struct vdm_plugin_handle *h);

/*
 * Check a plugin description: struct sizes and ABI major, 1..VDM_PLUGIN_MAX_TYPES types,
 * each with a name of [A-Za-z0-9_.-] (1..63 bytes), a create function, a known bus kind and a
 * well-formed property schema.  Returns 0 or -EPROTO / -EINVAL with the reason in `err`
 * (prefixed by `what`, e.g. the file name).  Pure: reads only what it is given.
 */
int vdm_plugin_check(const struct vdm_plugin *p, const char *what, char *err, size_t err_len);

/*
 * Check a device a type's create() returned: head size and ABI major, an ops table with the
 * handlers its bus kind needs, and its declared resources (vdm_resources_check).  Returns 0
 * or -EINVAL with the reason in `err`.
 */
int vdm_device_check(const struct vdm_device *dev, uint32_t bus_kind, char *err,
		     size_t err_len);

/*
 * Check declared resources: a known bus kind; each region NONE with size 0, or IO/MEM32/
 * MEM64 with a power-of-two size (IO <= 64 KiB, MEM32 <= 2 GiB) and only the prefetchable
 * flag; a MEM64 region is followed by an unused slot (PCI); bridges use regions 0..1 only;
 * num_irqs <= 1 for PCI, <= VDM_MAX_IRQS for platform devices.  Returns 0 or -EINVAL with
 * the reason in `err`.
 */
#define VDM_MAX_IRQS 8
int vdm_resources_check(const struct vdm_resources *res, char *err, size_t err_len);

#ifdef __cplusplus
}
#endif

#endif /* VDM_PLUGIN_H */
