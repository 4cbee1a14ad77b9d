/* vdm-devhost lock-down, part 1: drop root, new namespaces with an empty root, rlimits,
 * capabilities and no_new_privs; and closing every fd the device host does not serve with. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "devhost.h"

#define NOBODY 65534
#define AS_HEADROOM (256ull << 20) /* address space the device may still map after lock-down */
#define FD_PARK 200                /* kept fds are parked here while being renumbered */

/* Each namespace alone, so a refusal names exactly which one and why. */
static int try_unshare(struct devhost *dh, int flag, const char *name)
{
	if (unshare(flag) == 0)
		return 0;
	devhost_log(dh, VDM_LOG_WARN, "%s namespace: refused by the kernel (%s); continuing "
		    "without it", name, strerror(errno));
	return -errno;
}

/* Root in the init namespace becomes nobody before anything else: whatever the namespaces
 * below achieve or not, the process then holds no host privilege. */
static void drop_root(struct devhost *dh)
{
	if (geteuid() != 0)
		return;
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY)) {
		devhost_log(dh, VDM_LOG_WARN, "uid: cannot drop root to %d (%s)", NOBODY,
			    strerror(errno));
		return;
	}
	devhost_log(dh, VDM_LOG_DEBUG, "uid: dropped root to %d", NOBODY);
}

/* Replace the filesystem view with an empty read-only tmpfs: mount it over any existing
 * directory of our private mount namespace, pivot into it, detach the old root. */
static void empty_root(struct devhost *dh)
{
	static const char *const points[] = { "/tmp", "/mnt", "/proc", "/dev", "/var" };
	size_t i;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		devhost_log(dh, VDM_LOG_WARN, "mount namespace: cannot make / private (%s); "
			    "keeping the host's root", strerror(errno));
		return;
	}
	for (i = 0; i < sizeof(points) / sizeof(points[0]); i++)
		if (mount("vdm-empty", points[i], "tmpfs",
			  MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, "size=4k,mode=0555") == 0)
			break;
	if (i == sizeof(points) / sizeof(points[0])) {
		devhost_log(dh, VDM_LOG_WARN, "mount namespace: cannot mount an empty tmpfs (%s); "
			    "keeping the host's root", strerror(errno));
		return;
	}
	if (chdir(points[i])) {
		devhost_log(dh, VDM_LOG_WARN, "mount namespace: chdir %s: %s", points[i],
			    strerror(errno));
		return;
	}
	/* pivot_root(".", ".") stacks the old root on the new one; detaching "." drops it. */
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
		if (umount2(".", MNT_DETACH))
			devhost_log(dh, VDM_LOG_WARN, "mount namespace: cannot detach the old root "
				    "(%s)", strerror(errno));
	} else {
		devhost_log(dh, VDM_LOG_WARN, "mount namespace: pivot_root refused (%s); using "
			    "chroot", strerror(errno));
		if (chroot("."))
			devhost_log(dh, VDM_LOG_WARN, "mount namespace: chroot refused (%s)",
				    strerror(errno));
	}
	if (chdir("/"))
		devhost_log(dh, VDM_LOG_WARN, "chdir /: %s", strerror(errno));
}

/* Mapped bytes now, from /proc (read before the root goes away). */
static unsigned long long mapped_bytes(void)
{
	unsigned long long pages = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (f) {
		if (fscanf(f, "%llu", &pages) != 1)
			pages = 0;
		fclose(f);
	}
	return pages * (unsigned long long)sysconf(_SC_PAGESIZE);
}

static void set_limit(struct devhost *dh, int res, const char *name, rlim_t v)
{
	struct rlimit rl = { v, v };

	if (setrlimit(res, &rl))
		devhost_log(dh, VDM_LOG_WARN, "%s: cannot set to %llu (%s)", name,
			    (unsigned long long)v, strerror(errno));
}

static void drop_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	int cap;

	for (cap = 0; cap <= CAP_LAST_CAP; cap++)
		prctl(PR_CAPBSET_DROP, cap, 0, 0, 0); /* fails without CAP_SETPCAP: fine */
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	memset(data, 0, sizeof(data));
	syscall(SYS_capset, &hdr, data);
}

int devhost_jail(struct devhost *dh)
{
	unsigned long long as = mapped_bytes();

	drop_root(dh);
	try_unshare(dh, CLONE_NEWUSER, "user");
	/* Credentials changed: the parent-death signal may have been cleared. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (try_unshare(dh, CLONE_NEWNS, "mount") == 0)
		empty_root(dh);
	try_unshare(dh, CLONE_NEWNET, "net");
	try_unshare(dh, CLONE_NEWIPC, "ipc");
	try_unshare(dh, CLONE_NEWUTS, "uts");

	set_limit(dh, RLIMIT_CORE, "RLIMIT_CORE", 0);
	/* Root is exempt from RLIMIT_NPROC; the seccomp filter (no fork/clone) is what stops
	 * new processes.  This is the second line. */
	set_limit(dh, RLIMIT_NPROC, "RLIMIT_NPROC", 0);
#ifdef VDM_DEVHOST_SANITIZED
	(void)as;
	devhost_log(dh, VDM_LOG_DEBUG, "RLIMIT_AS: not set in a sanitizer build (the sanitizer "
		    "runtime maps its shadow memory as it goes)");
#else
	if (as)
		set_limit(dh, RLIMIT_AS, "RLIMIT_AS", (rlim_t)(as + AS_HEADROOM));
	else
		devhost_log(dh, VDM_LOG_WARN, "RLIMIT_AS: cannot read /proc/self/statm; not set");
#endif
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	drop_caps();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		devhost_log(dh, VDM_LOG_ERROR, "no_new_privs: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* The fds the devhost keeps, in their final order (socket last), as pointers into dh. */
static size_t kept_fds(struct devhost *dh, int **slots)
{
	size_t n = 0;
	uint32_t i;

	slots[n++] = &dh->notify_efd;
	if (dh->req_efd >= 0)
		slots[n++] = &dh->req_efd;
	if (dh->rsp_efd >= 0)
		slots[n++] = &dh->rsp_efd;
	for (i = 0; i < dh->num_irqfds; i++)
		slots[n++] = &dh->irqfds[i];
	slots[n++] = &dh->sock;
	return n;
}

int devhost_close_fds(struct devhost *dh)
{
	int *slots[4 + VDM_MAX_IRQS + 1];
	size_t n = kept_fds(dh, slots), i;
	int target = 3;

	/* Park every kept fd above the others, close everything else, then bring them down
	 * to 3, 4, ... in order: no kept fd can collide with another while moving. */
	for (i = 0; i < n; i++) {
		int fd = fcntl(*slots[i], F_DUPFD_CLOEXEC, FD_PARK + (int)i);

		if (fd != FD_PARK + (int)i)
			return fd < 0 ? -errno : -EBADF;
	}
	if (syscall(SYS_close_range, 0, dh->keep_stderr ? 1 : 2, 0) ||
	    syscall(SYS_close_range, 3, FD_PARK - 1, 0) ||
	    syscall(SYS_close_range, FD_PARK + (unsigned int)n, ~0u, 0))
		return -errno;
	for (i = 0; i < n; i++, target++) {
		if (dup3(FD_PARK + (int)i, target, O_CLOEXEC) != target)
			return -errno;
		close(FD_PARK + (int)i);
		*slots[i] = target;
	}
	return 0;
}

int devhost_limit_fds(struct devhost *dh)
{
	int *slots[4 + VDM_MAX_IRQS + 1];
	size_t n = kept_fds(dh, slots);
	/* The socket (last slot, fd 3 + n - 1) is closed by now: the others end below it. */
	struct rlimit rl = { (rlim_t)(3 + n - 1), (rlim_t)(3 + n - 1) };

	return setrlimit(RLIMIT_NOFILE, &rl) ? -errno : 0;
}
