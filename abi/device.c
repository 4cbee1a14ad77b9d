/* The common head every device embeds: initialisation and the helpers that route a
 * device's interrupt and log requests through the host callbacks it was given. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <vdm/device.h>

/* The ABI minor of a struct head's version; 0 (the smallest layout) for another major,
 * whose device vdm_device_check refuses anyway. */
static uint32_t built_minor(uint32_t abi_version)
{
	return vdm_abi_compatible(abi_version) ? VDM_ABI_VERSION_MINOR(abi_version) : 0;
}

/* The ABI minor whose layout a device's head has: that of the headers its ops table and
 * type were built with (the smaller one), at most this build's. */
static uint32_t device_minor(const struct vdm_device_ops *ops, const struct vdm_device_type *type)
{
	uint32_t minor = VDM_ABI_MINOR;

	if (ops && built_minor(ops->abi_version) < minor)
		minor = built_minor(ops->abi_version);
	if (type && built_minor(type->abi_version) < minor)
		minor = built_minor(type->abi_version);
	return minor;
}

/* Size of struct vdm_resources in ABI 1.`minor` (it grew in 1.2 and 1.3, abi.h). */
static size_t resources_size(uint32_t minor)
{
	if (minor < 2)
		return VDM_RESOURCES_SIZE_1_0;
	if (minor < 3)
		return VDM_RESOURCES_SIZE_1_2;
	return VDM_RESOURCES_SIZE_1_3;
}

void vdm_device_init(struct vdm_device *dev, const struct vdm_device_ops *ops,
		     const struct vdm_device_type *type, const struct vdm_host *host)
{
	uint32_t minor = device_minor(ops, type);
	size_t res_size = resources_size(minor);
	size_t head = offsetof(struct vdm_device, res) + res_size;

	/* Only the device's own head: what follows it is the device's private state. */
	memset(dev, 0, head);
	dev->struct_size = (uint32_t)head;
	dev->abi_version = VDM_ABI_MAKE(VDM_ABI_MAJOR, minor);
	dev->ops = ops;
	dev->type = type;
	dev->res.struct_size = (uint32_t)res_size;
	dev->res.abi_version = dev->abi_version;
	if (host) {
		/* Copy only what the caller's (possibly older, smaller) struct holds. */
		size_t n = host->struct_size < sizeof(dev->host) ? host->struct_size
								: sizeof(dev->host);
		memcpy(&dev->host, host, n);
	}
	dev->host.struct_size = sizeof(dev->host);
}

void vdm_device_set_irq(struct vdm_device *dev, uint32_t line, uint32_t level)
{
	if (dev->host.set_irq)
		dev->host.set_irq(dev->host.opaque, line, level);
}

void vdm_device_log(struct vdm_device *dev, uint32_t level, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (!dev->host.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	dev->host.log(dev->host.opaque, level, line);
}
