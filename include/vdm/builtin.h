/* The device types built into libvdm (pci-testdev, pcie-root-port, the GED hotplug
 * controller), for hosts that create devices by name. */
#ifndef VDM_BUILTIN_H
#define VDM_BUILTIN_H

#include <stddef.h>

#include <vdm/device.h>

#ifdef __cplusplus
extern "C" {
#endif

/* All built-in types; *count receives their number.  The array lives forever. */
const struct vdm_device_type *const *vdm_builtin_types(size_t *count);

/* The built-in type called `name` (QEMU's name) or whose former vdm name that is
 * ("testdev", "ged": see vdm_props_type_alias), or NULL. */
const struct vdm_device_type *vdm_builtin_find(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* VDM_BUILTIN_H */
