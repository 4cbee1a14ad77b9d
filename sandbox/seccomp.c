/* vdm-devhost lock-down, part 2: the seccomp allow-list (x86_64 and aarch64, by syscall name;
 * default action kill the process).  Every allowed syscall says why the serving loop needs it. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "devhost.h"

#if defined(__x86_64__)
#define DEVHOST_SECCOMP_ARCH SCMP_ARCH_X86_64
#define DEVHOST_SECCOMP_ARCH_NAME "x86_64"
#elif defined(__aarch64__)
#define DEVHOST_SECCOMP_ARCH SCMP_ARCH_AARCH64
#define DEVHOST_SECCOMP_ARCH_NAME "aarch64"
#else
#error "the devhost allow-list was written for x86_64 and aarch64 only"
#endif

struct rule_err {
	char *err;
	size_t len;
	int failed;
};

static void add(scmp_filter_ctx ctx, struct rule_err *re, uint32_t action, const char *name,
		unsigned int argc, const struct scmp_arg_cmp *args)
{
	int nr = seccomp_syscall_resolve_name(name);
	int rc;

	if (re->failed)
		return;
	if (nr == __NR_SCMP_ERROR) {
		snprintf(re->err, re->len, "seccomp: unknown syscall %s", name);
		re->failed = 1;
		return;
	}
	rc = seccomp_rule_add_array(ctx, action, nr, argc, args);
	if (rc) {
		snprintf(re->err, re->len, "seccomp: rule for %s: %s", name, strerror(-rc));
		re->failed = 1;
	}
}

#define ALLOW(name) add(ctx, &re, SCMP_ACT_ALLOW, name, 0, NULL)
#define ALLOW_IF(name, ...)                                                                    \
	do {                                                                                   \
		const struct scmp_arg_cmp a_[] = { __VA_ARGS__ };                              \
		add(ctx, &re, SCMP_ACT_ALLOW, name, sizeof(a_) / sizeof(a_[0]), a_);           \
	} while (0)
#define FAIL_IF(name, err, ...)                                                                \
	do {                                                                                   \
		const struct scmp_arg_cmp a_[] = { __VA_ARGS__ };                              \
		add(ctx, &re, SCMP_ACT_ERRNO(err), name, sizeof(a_) / sizeof(a_[0]), a_);      \
	} while (0)
/* Argument comparisons on the whole 64-bit register (libseccomp's own macros leave a field
 * uninitialised, which clang warns about).  A value with stray upper bits never matches:
 * such a call is killed, never let through. */
#define ARG_EQ(n, v) ((struct scmp_arg_cmp){ (n), SCMP_CMP_EQ, (uint64_t)(v), 0 })
#define ARG_MASKED_EQ(n, mask, v)                                                              \
	((struct scmp_arg_cmp){ (n), SCMP_CMP_MASKED_EQ, (uint64_t)(mask), (uint64_t)(v) })
#define FD_IS(fd) ARG_EQ(0, (uint32_t)(fd))

static scmp_filter_ctx build_ctx(const struct devhost *dh, enum devhost_filter which, char *err,
			       size_t err_len)
{
	struct rule_err re = { err, err_len, 0 };
	/* dlopen under the LOAD filter: the plugin is read from the (empty) root and mapped */
	bool loader = which == DEVHOST_FILTER_LOAD && dh->plugin_fd >= 0;
	scmp_filter_ctx ctx;
	uint32_t i;

	if (seccomp_arch_native() != DEVHOST_SECCOMP_ARCH) {
		snprintf(err, err_len, "seccomp: native arch is not %s (libseccomp says 0x%x)",
			 DEVHOST_SECCOMP_ARCH_NAME, seccomp_arch_native());
		return NULL;
	}
	/* seccomp_init adds the native arch only.  On x86_64, x32 and i386 syscalls are another
	 * arch to the filter and get the bad-arch action, also kill; on aarch64, arm32 ones. */
	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx) {
		snprintf(err, err_len, "seccomp: cannot create a filter");
		return NULL;
	}
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1)) {
		snprintf(err, err_len, "seccomp: cannot set filter attributes");
		seccomp_release(ctx);
		return NULL;
	}
	/* Binary-tree dispatch: lookup cost grows with log(rules), not rules. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

	/* Doorbells.  futex: sleep on / wake the ring's shared bell words (FUTEX_WAIT,
	 * FUTEX_WAKE: shared, the mapping is cross-process); the private forms are glibc's
	 * internal locks.  Nothing else (no requeue, no PI). */
	ALLOW_IF("futex", ARG_EQ(1, FUTEX_WAIT));
	ALLOW_IF("futex", ARG_EQ(1, FUTEX_WAKE));
	ALLOW_IF("futex", ARG_EQ(1, FUTEX_WAIT_PRIVATE));
	ALLOW_IF("futex", ARG_EQ(1, FUTEX_WAKE_PRIVATE));
	/* eventfd mode: wait for our doorbell (non-blocking: ppoll, then read), write the
	 * VMM's */
	if (loader)
		ALLOW("read"); /* the ELF headers; the doorbell below is one of these */
	else if (dh->req_efd >= 0)
		ALLOW_IF("read", FD_IS(dh->req_efd));
	if (dh->req_efd >= 0)
		ALLOW("ppoll");
	if (dh->rsp_efd >= 0)
		ALLOW_IF("write", FD_IS(dh->rsp_efd));
	/* write: raise interrupt line i (the VMM's KVM irqfd), and tell the VMM's event loop
	 * a log line is waiting.  Only these fds. */
	for (i = 0; i < dh->num_irqfds; i++)
		ALLOW_IF("write", FD_IS(dh->irqfds[i]));
	ALLOW_IF("write", FD_IS(dh->notify_efd));
	/* stdout/stderr are closed: a stray printf or glibc's fatal-error message fails with
	 * EBADF instead of killing the device (sanitizer builds keep fd 2 open below). */
	if (!dh->keep_stderr) {
		FAIL_IF("write", EBADF, FD_IS(2));
		FAIL_IF("writev", EBADF, FD_IS(2));
	}
	FAIL_IF("write", EBADF, FD_IS(1));
	FAIL_IF("writev", EBADF, FD_IS(1));
	/* printf's first use of stdout asks fstat (and maybe ioctl) about fd 1 to size its
	 * buffer: the same EBADF, so printf returns -1 (EBADF) and the device goes on. */
	for (int fd = 1; fd <= 2; fd++) {
		/* (a sanitizer's stderr too: it only asks whether fd 2 is a terminal) */
		FAIL_IF("fstat", EBADF, FD_IS(fd));
		FAIL_IF("newfstatat", EBADF, FD_IS(fd));
		FAIL_IF("ioctl", EBADF, FD_IS(fd));
	}
	/* An armed spare is filtered before it knows its device: it reads that from its
	 * start-up socket, answers there, and closes it.  Nothing it may call makes a new fd,
	 * so the closed number stays dead. */
	if (which == DEVHOST_FILTER_SPARE) {
		ALLOW_IF("recvfrom", FD_IS(dh->sock));
		ALLOW_IF("sendto", FD_IS(dh->sock));
		ALLOW_IF("close", FD_IS(dh->sock));
	}
	/* A cold start loads LOAD, creates its device (and loads its plugin) under it, answers
	 * on its socket, closes it, and stacks SERVE on top: every later call must pass both.
	 * No thread or process can be made (clone3's flags cannot be inspected: ENOSYS sends
	 * glibc to clone, which is refused as if out of processes). */
	if (which == DEVHOST_FILTER_LOAD) {
		ALLOW_IF("sendto", FD_IS(dh->sock));
		if (!loader)
			ALLOW_IF("close", FD_IS(dh->sock));
		ALLOW_IF("seccomp", ARG_EQ(0, SECCOMP_SET_MODE_FILTER));
		add(ctx, &re, SCMP_ACT_ERRNO(EAGAIN), "clone", 0, NULL);
		/* pthread_create installs its cancellation handler and blocks signals around
		 * clone: refused and allowed (its own mask), so it ends in clone's EAGAIN */
		add(ctx, &re, SCMP_ACT_ERRNO(EPERM), "rt_sigaction", 0, NULL);
		ALLOW("rt_sigprocmask");
		ALLOW("gettid"); /* (ASan's pthread_create asks it first) */
		add(ctx, &re, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
	}
	if (loader) {
		/* read-only opens: the root holds nothing but the plugin (or, where the host
		 * refused a mount namespace, what nobody may read) */
		ALLOW_IF("openat", ARG_MASKED_EQ(2, O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND |
							    __O_TMPFILE, 0));
		ALLOW("pread64");
		ALLOW("lseek");
		ALLOW("close");
		ALLOW("fstat");
		ALLOW("newfstatat");
	}
	/* Spin deadlines read CLOCK_MONOTONIC: normally the vDSO, this is its fallback. */
	ALLOW("clock_gettime");
	/* Memory for the device's own malloc/free: brk and anonymous mappings, never
	 * executable; madvise(DONTNEED) is how free() returns pages. */
	ALLOW("brk");
	if (loader) { /* the plugin's code is mapped executable */
		ALLOW("mmap");
		ALLOW("mprotect");
	} else {
		ALLOW_IF("mmap", ARG_MASKED_EQ(2, PROT_EXEC, 0));
		ALLOW_IF("mprotect", ARG_MASKED_EQ(2, PROT_EXEC, 0));
	}
	ALLOW("munmap");
	ALLOW("mremap");
	ALLOW_IF("madvise", ARG_EQ(2, MADV_DONTNEED));
	/* Leaving: SHUTDOWN destroys the device and exits (exit_group directly, so no exit
	 * handler of the C library or a sanitizer runs after lock-down). */
	ALLOW("exit_group");

#ifdef VDM_DEVHOST_SANITIZED
	/* Sanitizer builds only (VDM_SANITIZE): the ASan/UBSan runtime writes its reports to
	 * fd 2, which such builds keep open; and ASan's __asan_handle_no_return, called before
	 * every noreturn call (exit, a failed assert), asks sigaltstack whether it runs on an
	 * alternate signal stack: query only (new stack NULL).  Audit logging of the sanitized
	 * devhost under the integration tests found nothing else. */
	ALLOW_IF("write", FD_IS(2));
	ALLOW_IF("writev", FD_IS(2));
	ALLOW_IF("sigaltstack", ARG_EQ(0, 0));
#endif
	if (re.failed) {
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

/* The BPF program libseccomp generates for ctx, read back through a memfd. */
static struct sock_fprog *export_bpf(scmp_filter_ctx ctx, char *err, size_t err_len)
{
	int fd = memfd_create("vdm-filter", MFD_CLOEXEC), rc;
	struct sock_fprog *prog = NULL;
	off_t size;

	if (fd < 0) {
		snprintf(err, err_len, "seccomp: memfd: %s", strerror(errno));
		return NULL;
	}
	rc = seccomp_export_bpf(ctx, fd);
	size = lseek(fd, 0, SEEK_END);
	if (rc || size <= 0 || size % (off_t)sizeof(struct sock_filter) ||
	    size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS) {
		snprintf(err, err_len, "seccomp: cannot export the filter (%s, %lld bytes)",
			 strerror(rc ? -rc : EINVAL), (long long)size);
		goto out;
	}
	prog = malloc(sizeof(*prog) + (size_t)size);
	if (!prog) {
		snprintf(err, err_len, "seccomp: out of memory");
		goto out;
	}
	prog->len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
	prog->filter = (struct sock_filter *)(prog + 1);
	if (pread(fd, prog->filter, (size_t)size, 0) != (ssize_t)size) {
		snprintf(err, err_len, "seccomp: cannot read the exported filter back");
		free(prog);
		prog = NULL;
	}
out:
	close(fd);
	return prog;
}

void *devhost_seccomp_build(const struct devhost *dh, enum devhost_filter which, char *err,
			    size_t err_len)
{
	scmp_filter_ctx ctx = build_ctx(dh, which, err, err_len);
	struct sock_fprog *prog;

	if (!ctx)
		return NULL;
	prog = export_bpf(ctx, err, err_len);
	seccomp_release(ctx);
	return prog;
}

int devhost_seccomp_load(void *filter)
{
	struct sock_fprog *prog = filter;
	long rc;

	/* no_new_privs is set by the jail (without it the kernel refuses the filter).  TSYNC:
	 * every thread gets it, or none does and the call names a thread that could not. */
	rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, prog);
	free(prog);
	if (rc > 0)
		return -EBUSY;
	return rc ? -errno : 0;
}
