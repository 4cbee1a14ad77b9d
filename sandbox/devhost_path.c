/* Which vdm-devhost a proxy starts: the caller's, $VDM_DEVHOST, the one installed beside the
 * libvdm-sandbox that runs (so any install prefix works), or the configured install path. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errf.h"
#include "proxy_int.h"

#ifndef VDM_DEVHOST_FROM_LIBDIR
#define VDM_DEVHOST_FROM_LIBDIR "../libexec/vdm-devhost"
#endif

/* <directory of the object that holds this code>/VDM_DEVHOST_FROM_LIBDIR, or "" when the
 * loader cannot say where that is. */
static void beside_library(char *buf, size_t len)
{
	Dl_info info;
	const char *slash;

	buf[0] = 0;
	if (!dladdr((void *)beside_library, &info) || !info.dli_fname ||
	    !(slash = strrchr(info.dli_fname, '/')))
		return;
	if ((size_t)snprintf(buf, len, "%.*s/%s", (int)(slash - info.dli_fname), info.dli_fname,
			     VDM_DEVHOST_FROM_LIBDIR) >= len)
		buf[0] = 0;
}

const char *vdm__proxy_devhost_path(const char *devhost, char *buf, size_t len)
{
	const char *env = getenv("VDM_DEVHOST");

	if (devhost)
		return devhost;
	if (env && env[0])
		return env;
	beside_library(buf, len);
	if (buf[0] && access(buf, X_OK) == 0)
		return buf;
	return VDM_DEVHOST_DEFAULT_PATH;
}

int vdm_proxy_devhost_path(char *out, size_t len, char *err, size_t err_len)
{
	char beside[4096];
	const char *path = vdm__proxy_devhost_path(NULL, beside, sizeof(beside));
	const char *env = getenv("VDM_DEVHOST");

	if (strlen(path) >= len)
		return vdm__errf(err, err_len, -ENAMETOOLONG, "vdm-devhost path %s: longer than "
				 "%zu bytes", path, len - 1);
	snprintf(out, len, "%s", path);
	if (access(path, X_OK) == 0)
		return 0;
	if (env && env[0])
		return vdm__errf(err, err_len, -ENOENT, "VDM_DEVHOST=%s: %s: point it at an "
				 "installed vdm-devhost", env, strerror(errno));
	beside_library(beside, sizeof(beside));
	return vdm__errf(err, err_len, -ENOENT, "vdm-devhost not found (looked beside this "
			 "library at %s and at %s): install vdm, or set VDM_DEVHOST=PATH",
			 beside[0] ? beside : "(unknown)", VDM_DEVHOST_DEFAULT_PATH);
}
