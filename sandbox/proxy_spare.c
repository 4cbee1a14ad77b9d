/* Spare device hosts: a vdm-devhost started, loaded and locked down ahead of need, waiting
 * for the set-up message that names its device (vdm_proxy_spawn hands it one). */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errf.h"
#include "proxy_int.h"
#include "spawn.h"

struct vdm_proxy_spare {
	struct spawned sp;
	uint64_t cpu_mask;
	bool niced;    /* waits at the lowest priority; given back base_nice when taken */
	int base_nice; /* the caller's */
	char path[PATH_MAX];
};

#define SPARE_NICE 19

/* Whether this process may give a process of its a better (lower) nice value back:
 * CAP_SYS_NICE, or an RLIMIT_NICE that allows `nice` (setpriority(2)). */
static bool may_restore_nice(int nice)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	struct rlimit rl;

	if (syscall(SYS_capget, &hdr, data) == 0 &&
	    (data[CAP_SYS_NICE / 32].effective & (1u << (CAP_SYS_NICE % 32))))
		return true;
	return getrlimit(RLIMIT_NICE, &rl) == 0 &&
	       (rl.rlim_cur == RLIM_INFINITY || (long long)rl.rlim_cur >= 20 - nice);
}

const char *vdm__proxy_devhost_path(const char *devhost)
{
	const char *path = devhost ? devhost : getenv("VDM_DEVHOST");

	return path && path[0] ? path : VDM_DEVHOST_DEFAULT_PATH;
}

int vdm_proxy_spare_start(const char *devhost, uint64_t cpu_mask, uint32_t flags,
			  struct vdm_proxy_spare **out, char *err, size_t err_len)
{
	const char *path = vdm__proxy_devhost_path(devhost);
	struct vdm_proxy_spare *s;
	long ncpus = sysconf(_SC_NPROCESSORS_CONF);
	int rc;

	*out = NULL;
	if (flags & ~VDM_PROXY_SPARE_FULL_PRIORITY)
		return vdm__errf(err, err_len, -EINVAL, "spare device host: unknown flags %#x",
			    flags);
	for (uint32_t i = 0; i < 64; i++)
		if ((cpu_mask >> i & 1) && (long)i >= ncpus)
			return vdm__errf(err, err_len, -EINVAL, "spare device host: cpu_mask %#llx "
				    "names CPU %u, this machine has %ld",
				    (unsigned long long)cpu_mask, i, ncpus);
	if (strlen(path) >= sizeof(s->path))
		return vdm__errf(err, err_len, -ENAMETOOLONG, "%.64s...: device host path too long",
			    path);
	s = calloc(1, sizeof(*s));
	if (!s)
		return vdm__errf(err, err_len, -ENOMEM, "out of memory");
	rc = vdm__spawn_devhost(path, cpu_mask, true, &s->sp, err, err_len);
	if (rc) {
		free(s);
		return rc;
	}
	s->cpu_mask = cpu_mask;
	memcpy(s->path, path, strlen(path) + 1);
	/* Its start-up (the dynamic loader, the lock-down) gets only CPU nobody else wants: a
	 * guest taking in a device just added is not slowed down by the next spare. */
	errno = 0;
	s->base_nice = getpriority(PRIO_PROCESS, 0);
	if (!errno && !(flags & VDM_PROXY_SPARE_FULL_PRIORITY) && may_restore_nice(s->base_nice) &&
	    setpriority(PRIO_PROCESS, (id_t)s->sp.pid, SPARE_NICE) == 0)
		s->niced = true;
	*out = s;
	return 0;
}

bool vdm_proxy_spare_alive(const struct vdm_proxy_spare *s)
{
	struct pollfd pfd = { .fd = s ? s->sp.pidfd : -1, .events = POLLIN };

	/* The pidfd turns readable when the process ends; the socket hangs up then too. */
	return s && poll(&pfd, 1, 0) == 0;
}

bool vdm_proxy_spare_niced(const struct vdm_proxy_spare *s)
{
	return s && s->niced;
}

int vdm_proxy_spare_pid(const struct vdm_proxy_spare *s)
{
	return s ? s->sp.pid : -1;
}

void vdm_proxy_spare_free(struct vdm_proxy_spare *s)
{
	siginfo_t si;

	if (!s)
		return;
	syscall(SYS_pidfd_send_signal, s->sp.pidfd, SIGKILL, NULL, 0);
	close(s->sp.sock);
	while (waitid((idtype_t)P_PIDFD, (id_t)s->sp.pidfd, &si, WEXITED | __WALL) < 0 &&
	       errno == EINTR)
		;
	close(s->sp.pidfd);
	free(s);
}

bool vdm__proxy_spare_take(struct vdm_proxy_spare *s, const char *path, uint64_t cpu_mask,
			   bool plugin, struct spawned *out)
{
	if (!s)
		return false;
	if (plugin || cpu_mask != s->cpu_mask || strcmp(path, s->path) ||
	    !vdm_proxy_spare_alive(s) ||
	    (s->niced && setpriority(PRIO_PROCESS, (id_t)s->sp.pid, s->base_nice) != 0)) {
		vdm_proxy_spare_free(s);
		return false;
	}
	*out = s->sp;
	free(s);
	return true;
}
