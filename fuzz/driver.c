/* Shared by the fuzz drivers: the vdm-devhost installed beside them (they link libvdm-sandbox
 * statically, so the proxy's "beside the library" search starts from <bindir>, not <libdir>). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"

#ifndef VDM_FUZZ_DEVHOST_FROM_BINDIR
#define VDM_FUZZ_DEVHOST_FROM_BINDIR "../libexec/vdm-devhost"
#endif

void vdm_fuzz_default_devhost(struct vdm_fuzz_config *cfg, char *buf, size_t len)
{
	const char *env = getenv("VDM_DEVHOST");
	char self[PATH_MAX], *slash;
	ssize_t n;

	if (env && env[0])
		return;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return;
	self[n] = 0;
	slash = strrchr(self, '/');
	if (!slash)
		return;
	*slash = 0;
	if ((size_t)snprintf(buf, len, "%s/%s", self, VDM_FUZZ_DEVHOST_FROM_BINDIR) < len &&
	    access(buf, X_OK) == 0)
		cfg->devhost = buf;
}
