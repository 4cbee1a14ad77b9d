/* What the two fuzz drivers (vdm-fuzz, vdm-fuzz-replay) share beyond libvdm-fuzz: finding
 * the vdm-devhost installed beside them. */
#ifndef VDM_FUZZ_DRIVER_H
#define VDM_FUZZ_DRIVER_H

#include <stddef.h>

#include <vdm/fuzz.h>

/* Unless $VDM_DEVHOST is set: cfg->devhost = the vdm-devhost installed with this program
 * (<bindir>/VDM_FUZZ_DEVHOST_FROM_BINDIR, written into buf), when it is there.  Otherwise
 * cfg is left alone and the proxy's own search applies (proxy.h, vdm_proxy_devhost_path). */
void vdm_fuzz_default_devhost(struct vdm_fuzz_config *cfg, char *buf, size_t len);

#endif /* VDM_FUZZ_DRIVER_H */
