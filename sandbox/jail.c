/* vdm-devhost lock-down, part 1: namespaces with an empty root (while still root), then uid,
 * rlimits, capabilities, no_new_privs; and closing every fd the device host does not keep. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "devhost.h"

#define NOBODY 65534
#define AS_HEADROOM (256ull << 20) /* address space the device may still map after lock-down */
#define FD_PARK 200                /* kept fds are parked here while being renumbered */

/* Each namespace alone, so a refusal names exactly which one and why; the refusal is
 * recorded for the jail report the VMM reads before any plugin code runs. */
static int try_unshare(struct devhost *dh, int flag, uint32_t bit, const char *name)
{
	size_t used = strlen(dh->ns_why);

	if (unshare(flag) == 0)
		return 0;
	dh->ns_refused |= bit;
	snprintf(dh->ns_why + used, sizeof(dh->ns_why) - used, "%s%s: %s%s", used ? "; " : "",
		 name, strerror(errno),
		 errno == EPERM && flag == CLONE_NEWUSER
			 ? " (a chroot, or unprivileged user namespaces switched off)"
			 : "");
	devhost_log(dh, VDM_LOG_DEBUG, "%s namespace: refused by the kernel (%s); continuing "
		    "without it", name, strerror(errno));
	return -errno;
}

/* Root in the init namespace becomes nobody once the namespaces that need root exist:
 * whatever they achieved or not, the process then holds no host privilege.  Fatal if
 * refused (a device host that stays root is never served). */
static int drop_root(struct devhost *dh)
{
	if (geteuid() != 0)
		return 0;
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY)) {
		devhost_log(dh, VDM_LOG_ERROR, "uid: cannot drop root to %d (%s)", NOBODY,
			    strerror(errno));
		return -errno;
	}
	devhost_log(dh, VDM_LOG_DEBUG, "uid: dropped root to %d", NOBODY);
	return 0;
}

/* The plugin, copied into the new root (read, write, close: the tmpfs is still writable). */
static int copy_plugin(struct devhost *dh, const char *dir)
{
	char path[64];
	off_t off = 0;
	int out;

	snprintf(path, sizeof(path), "%s/" DEVHOST_PLUGIN_NAME, dir);
	out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0555);
	if (out < 0)
		return -errno;
	while (off < dh->plugin_size) {
		ssize_t n = sendfile(out, dh->plugin_fd, &off, (size_t)(dh->plugin_size - off));

		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			close(out);
			return -e;
		}
	}
	return close(out) ? -errno : 0;
}

/* Replace the filesystem view with an empty read-only tmpfs (holding only the plugin, if
 * any): mount it over an existing directory of our private mount namespace, pivot into it,
 * detach the old root.  Returns 1 when the new root is in place, 0 when the old one stays. */
static int empty_root(struct devhost *dh)
{
	static const char *const points[] = { "/tmp", "/mnt", "/proc", "/dev", "/var" };
	unsigned long flags = MS_NOSUID | MS_NODEV | (dh->plugin_fd >= 0 ? 0 : MS_NOEXEC);
	char opts[64];
	size_t i;
	int rc;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		devhost_log(dh, VDM_LOG_WARN, "mount namespace: cannot make / private (%s); "
			    "keeping the host's root", strerror(errno));
		return 0;
	}
	snprintf(opts, sizeof(opts), "size=%llu,mode=0555",
		 (unsigned long long)dh->plugin_size + 64 * 1024);
	for (i = 0; i < sizeof(points) / sizeof(points[0]); i++)
		if (mount("vdm-empty", points[i], "tmpfs", flags, opts) == 0)
			break;
	if (i == sizeof(points) / sizeof(points[0])) {
		devhost_log(dh, VDM_LOG_WARN, "mount namespace: cannot mount an empty tmpfs (%s); "
			    "keeping the host's root", strerror(errno));
		return 0;
	}
	if (dh->plugin_fd >= 0 && (rc = copy_plugin(dh, points[i])) != 0) {
		devhost_log(dh, VDM_LOG_WARN, "mount namespace: cannot copy the plugin into the "
			    "new root (%s); keeping the host's root", strerror(-rc));
		umount2(points[i], MNT_DETACH);
		return 0;
	}
	if (mount(NULL, points[i], NULL, MS_REMOUNT | MS_RDONLY | flags, NULL))
		devhost_log(dh, VDM_LOG_WARN, "mount namespace: cannot make the new root "
			    "read-only (%s)", strerror(errno));
	if (chdir(points[i])) {
		devhost_log(dh, VDM_LOG_WARN, "mount namespace: chdir %s: %s", points[i],
			    strerror(errno));
		return 0;
	}
	/* pivot_root(".", ".") stacks the old root on the new one; detaching "." drops it. */
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
		if (umount2(".", MNT_DETACH))
			devhost_log(dh, VDM_LOG_WARN, "mount namespace: cannot detach the old root "
				    "(%s)", strerror(errno));
	} else {
		devhost_log(dh, VDM_LOG_DEBUG, "mount namespace: pivot_root refused (%s); using "
			    "chroot", strerror(errno));
		if (chroot(".")) {
			devhost_log(dh, VDM_LOG_WARN, "mount namespace: chroot refused (%s)",
				    strerror(errno));
			return 0;
		}
	}
	if (chdir("/"))
		devhost_log(dh, VDM_LOG_WARN, "chdir /: %s", strerror(errno));
	return 1;
}

/* Map our own uid and gid into a user namespace we just made (no root inside: files we
 * create in the new root need a mapped owner).  Before the old root goes. */
static void map_self(struct devhost *dh, uid_t uid, gid_t gid)
{
	static const char *const files[] = { "/proc/self/setgroups", "/proc/self/uid_map",
					     "/proc/self/gid_map" };
	char text[3][48];

	snprintf(text[0], sizeof(text[0]), "deny");
	snprintf(text[1], sizeof(text[1]), "%u %u 1", (unsigned)uid, (unsigned)uid);
	snprintf(text[2], sizeof(text[2]), "%u %u 1", (unsigned)gid, (unsigned)gid);
	for (int i = 0; i < 3; i++) {
		int fd = open(files[i], O_WRONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? write(fd, text[i], strlen(text[i])) : -1;

		if (fd >= 0)
			close(fd);
		if (n != (ssize_t)strlen(text[i])) {
			devhost_log(dh, VDM_LOG_WARN, "user namespace: cannot write %s (%s)",
				    files[i], strerror(errno));
			return;
		}
	}
}

/* The namespaces other than user (and pid, made at spawn), and the empty root. */
static void enter_namespaces(struct devhost *dh)
{
	if (try_unshare(dh, CLONE_NEWNS, DEVHOST_NS_MNT, "mount") == 0)
		dh->new_root = empty_root(dh);
	try_unshare(dh, CLONE_NEWNET, DEVHOST_NS_NET, "net");
	try_unshare(dh, CLONE_NEWIPC, DEVHOST_NS_IPC, "ipc");
	try_unshare(dh, CLONE_NEWUTS, DEVHOST_NS_UTS, "uts");
}

/* Threads of this process, from /proc/self/status (0 if unreadable). */
static int thread_count(void)
{
	char line[128];
	int n = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
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
	int threads = thread_count();
	uid_t uid = geteuid();
	gid_t gid = getegid();

	/* One thread: the seccomp filter (loaded with TSYNC anyway) and every step below act
	 * on the calling thread or the whole process, and nothing else runs yet. */
	if (threads != 1) {
		devhost_log(dh, VDM_LOG_ERROR, "lock-down: %d threads (1 expected); refusing",
			    threads);
		return -EBUSY;
	}
	if (uid == 0) {
		/* Root: the namespaces first, while we may make them, then nobody. */
		enter_namespaces(dh);
		if (drop_root(dh))
			return -EPERM;
		try_unshare(dh, CLONE_NEWUSER, DEVHOST_NS_USER, "user");
	} else {
		/* Not root: a user namespace gives the rights to make the others. */
		if (try_unshare(dh, CLONE_NEWUSER, DEVHOST_NS_USER, "user") == 0)
			map_self(dh, uid, gid);
		enter_namespaces(dh);
	}
	/* Credentials changed: the parent-death signal may have been cleared. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);

	set_limit(dh, RLIMIT_CORE, "RLIMIT_CORE", 0);
	/* No new processes or threads: root is exempt from RLIMIT_NPROC, but no longer root;
	 * the seccomp filter (clone refused) is the other line. */
	set_limit(dh, RLIMIT_NPROC, "RLIMIT_NPROC", 0);
#ifdef VDM_DEVHOST_SANITIZED
	(void)as;
	devhost_log(dh, VDM_LOG_DEBUG, "RLIMIT_AS: not set in a sanitizer build (the sanitizer "
		    "runtime maps its shadow memory as it goes)");
#else
	if (as)
		set_limit(dh, RLIMIT_AS, "RLIMIT_AS",
			  (rlim_t)(as + AS_HEADROOM + (unsigned long long)dh->plugin_size));
	else
		devhost_log(dh, VDM_LOG_WARN, "RLIMIT_AS: cannot read /proc/self/statm; not set");
#endif
	/* Not dumpable once it runs as nobody: no other nobody process may ptrace it (and
	 * reach the VMM's ring and irqfds through it).  A non-root VMM's device host runs as
	 * the VMM's own uid and stays dumpable: only its VMM (which must read its /proc to
	 * check this jail) and processes that could ptrace the VMM itself may look at it. */
	if (uid == 0)
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
	if (dh->plugin_fd >= 0)
		slots[n++] = &dh->plugin_fd;
	slots[n++] = &dh->sock;
	return n;
}

int devhost_close_fds(struct devhost *dh)
{
	int *slots[4 + VDM_MAX_IRQS + 2];
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
	/* The serving fds are 3, 4, ...; the plugin fd and the socket (closed soon) sit above
	 * them: an fd at or above the limit still works, no new one can be made there. */
	rlim_t n = 3 + 1 + (dh->req_efd >= 0) + (dh->rsp_efd >= 0) + dh->num_irqfds;
	struct rlimit rl = { n, n };

	return setrlimit(RLIMIT_NOFILE, &rl) ? -errno : 0;
}
