/* The registry of device types built into libvdm: what `--device NAME,...` and the device
 * host accept without a plugin. */
#include <stddef.h>
#include <string.h>

#include <vdm/builtin.h>
#include <vdm/devices.h>
#include <vdm/ged.h>
#include <vdm/props.h>

/* Each device file defines its type; the list grows as devices land. */
static const struct vdm_device_type *const builtin_types[] = {
	&vdm_ged_type,
	&vdm_testdev_type,
	&vdm_root_port_type,
	NULL,
};

const struct vdm_device_type *const *vdm_builtin_types(size_t *count)
{
	size_t n = 0;

	while (n < sizeof(builtin_types) / sizeof(builtin_types[0]) && builtin_types[n])
		n++;
	*count = n;
	return builtin_types;
}

const struct vdm_device_type *vdm_builtin_find(const char *name)
{
	size_t n, i;
	const struct vdm_device_type *const *types = vdm_builtin_types(&n);
	const char *canon;

	if (!name)
		return NULL;
	canon = vdm_props_type_alias(name, strlen(name));
	for (i = 0; i < n; i++)
		if (strcmp(types[i]->name, name) == 0)
			return types[i];
	for (i = 0; canon && i < n; i++)
		if (strcmp(types[i]->name, canon) == 0)
			return types[i];
	return NULL;
}
