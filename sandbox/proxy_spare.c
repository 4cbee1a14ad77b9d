/* Spare device hosts: a vdm-devhost started, given its ring and fds, and locked down ahead
 * of need, waiting for the message that names its device (vdm_proxy_spawn sends it). */
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
	struct proxy *armed; /* the ring and fds its devhost was given (futex doorbell) */
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

static void kill_and_reap(struct spawned *sp)
{
	siginfo_t si;

	struct pollfd pfd = { .fd = sp->pidfd, .events = POLLIN };

	syscall(SYS_pidfd_send_signal, sp->pidfd, SIGKILL, NULL, 0);
	close(sp->sock);
	/* bounded: a process stuck in the kernel is left rather than waited for */
	while (poll(&pfd, 1, VDM_PROXY_REAP_MS) < 0 && errno == EINTR)
		;
	waitid((idtype_t)P_PIDFD, (id_t)sp->pidfd, &si, WEXITED | __WALL | WNOHANG);
	close(sp->pidfd);
}

/* Start the devhost and hand it the ring and fds at once: it maps the ring and puts its
 * seccomp filter on while it waits, so a hot-add pays for neither. */
static int arm(struct vdm_proxy_spare *s, const char *path, uint64_t cpu_mask,
	       const char *expect_spec, char *err, size_t err_len)
{
	struct devhost_setup_args a = { .memfd = -1, .doorbell = VDM_RING_DOORBELL_FUTEX,
					.flags = DEVHOST_SETUP_ARM, .spec = expect_spec };
	int rc;

	rc = vdm__proxy_start_devhost(path, cpu_mask, true, a.doorbell, 0, NULL, &s->armed,
				      &a.memfd, &s->sp, err, err_len);
	if (rc)
		return rc;
	a.pidns_errno = s->sp.pidns_errno;
	rc = vdm__proxy_send_setup(s->armed, s->sp.sock, &a, err, err_len);
	close(a.memfd);
	if (rc) {
		kill_and_reap(&s->sp);
		vdm__proxy_free(s->armed);
	}
	return rc;
}

int vdm_proxy_spare_start(const char *devhost, uint64_t cpu_mask, uint32_t flags,
			  struct vdm_proxy_spare **out, char *err, size_t err_len)
{
	return vdm_proxy_spare_start_expecting(devhost, cpu_mask, flags, NULL, out, err,
					       err_len);
}

int vdm_proxy_spare_start_expecting(const char *devhost, uint64_t cpu_mask, uint32_t flags,
				    const char *expect_spec, struct vdm_proxy_spare **out,
				    char *err, size_t err_len)
{
	char buf[4096];
	const char *path = vdm__proxy_devhost_path(devhost, buf, sizeof(buf));
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
	if (expect_spec && strlen(expect_spec) >= DEVHOST_SPEC_MAX)
		return vdm__errf(err, err_len, -EINVAL, "spare device host: expected spec longer "
			    "than %d bytes", DEVHOST_SPEC_MAX - 1);
	if (strlen(path) >= sizeof(s->path))
		return vdm__errf(err, err_len, -ENAMETOOLONG, "%.64s...: device host path too long",
			    path);
	s = calloc(1, sizeof(*s));
	if (!s)
		return vdm__errf(err, err_len, -ENOMEM, "out of memory");
	rc = arm(s, path, cpu_mask, expect_spec, err, err_len);
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

bool vdm_proxy_spare_ready(const struct vdm_proxy_spare *s)
{
	struct pollfd pfd = { .fd = s ? s->sp.sock : -1, .events = POLLIN };

	/* Its "armed" message is waiting (a spare that ended makes the socket readable too:
	 * hence alive first). */
	return vdm_proxy_spare_alive(s) && poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN) &&
	       !(pfd.revents & POLLHUP);
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
	if (!s)
		return;
	kill_and_reap(&s->sp);
	vdm__proxy_free(s->armed);
	free(s);
}

struct proxy *vdm__proxy_spare_take(struct vdm_proxy_spare *s, const char *path,
				    uint64_t cpu_mask, bool armed_fits, struct spawned *out)
{
	struct proxy *p;

	if (!s)
		return NULL;
	if (!armed_fits || cpu_mask != s->cpu_mask || strcmp(path, s->path) ||
	    !vdm_proxy_spare_alive(s) ||
	    (s->niced && setpriority(PRIO_PROCESS, (id_t)s->sp.pid, s->base_nice) != 0)) {
		vdm_proxy_spare_free(s);
		return NULL;
	}
	*out = s->sp;
	p = s->armed;
	free(s);
	return p;
}
