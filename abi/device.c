/* The common head every device embeds: initialisation and the helpers that route a
 * device's interrupt and log requests through the host callbacks it was given. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <vdm/device.h>

void vdm_device_init(struct vdm_device *dev, const struct vdm_device_ops *ops,
		     const struct vdm_device_type *type, const struct vdm_host *host)
{
	memset(dev, 0, sizeof(*dev));
	dev->struct_size = sizeof(*dev);
	dev->abi_version = VDM_ABI_VERSION;
	dev->ops = ops;
	dev->type = type;
	dev->res.struct_size = sizeof(dev->res);
	dev->res.abi_version = VDM_ABI_VERSION;
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
