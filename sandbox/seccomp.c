/* vdm-devhost lock-down, part 2: the seccomp allow-list (x86_64 and aarch64; default action
 * kill the process; seccomp_bpf.c makes the program).  Every allowed syscall says why. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "devhost.h"
#include "seccomp_bpf.h"

#if defined(__x86_64__)
#define DEVHOST_SECCOMP_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define DEVHOST_SECCOMP_ARCH AUDIT_ARCH_AARCH64
#else
#error "the devhost allow-list was written for x86_64 and aarch64 only"
#endif

/* More than any allow-list below holds (about 30 rules, plus one per interrupt line). */
#define MAX_RULES 96

struct rules {
	struct bpf_rule r[MAX_RULES];
	size_t n;
	char *err;
	size_t len;
	int failed;
};

static void add(struct rules *rs, uint32_t action, int nr, const char *name, unsigned int argc,
		const struct bpf_arg_test *args)
{
	struct bpf_rule *r;

	if (rs->failed)
		return;
	if (rs->n == MAX_RULES || argc > BPF_RULE_MAX_ARGS) {
		snprintf(rs->err, rs->len, "seccomp: rule for %s: more than %d rules or %d "
			 "argument tests (raise MAX_RULES in seccomp.c)", name, MAX_RULES,
			 BPF_RULE_MAX_ARGS);
		rs->failed = 1;
		return;
	}
	r = &rs->r[rs->n++];
	r->nr = nr;
	r->action = action;
	r->argc = argc;
	for (unsigned int i = 0; i < argc; i++)
		r->args[i] = args[i];
}

#define ALLOW(name) add(&rs, SECCOMP_RET_ALLOW, __NR_##name, #name, 0, NULL)
#define ALLOW_IF(name, ...)                                                                    \
	do {                                                                                   \
		const struct bpf_arg_test a_[] = { __VA_ARGS__ };                              \
		add(&rs, SECCOMP_RET_ALLOW, __NR_##name, #name, sizeof(a_) / sizeof(a_[0]),    \
		    a_);                                                                       \
	} while (0)
#define FAIL_IF(name, err, ...)                                                                \
	do {                                                                                   \
		const struct bpf_arg_test a_[] = { __VA_ARGS__ };                              \
		add(&rs, SECCOMP_RET_ERRNO | (err), __NR_##name, #name,                        \
		    sizeof(a_) / sizeof(a_[0]), a_);                                           \
	} while (0)
#define FAIL(name, err) add(&rs, SECCOMP_RET_ERRNO | (err), __NR_##name, #name, 0, NULL)
/* Argument tests on the whole 64-bit register: a value with stray upper bits never
 * matches, so such a call is killed, never let through. */
#define ARG_EQ(n, v) ((struct bpf_arg_test){ (n), UINT64_MAX, (uint64_t)(v) })
#define ARG_MASKED_EQ(n, mask, v) ((struct bpf_arg_test){ (n), (uint64_t)(mask), (uint64_t)(v) })
#define FD_IS(fd) ARG_EQ(0, (uint32_t)(fd))

void *devhost_seccomp_build(const struct devhost *dh, enum devhost_filter which, char *err,
			    size_t err_len)
{
	struct rules rs = { .n = 0, .err = err, .len = err_len };
	/* dlopen under the LOAD filter: the plugin is read from the (empty) root and mapped */
	bool loader = which == DEVHOST_FILTER_LOAD && dh->plugin_fd >= 0;
	struct sock_fprog *prog;
	uint32_t i;

	/* Doorbells.  futex: sleep on / wake the ring's shared bell words (FUTEX_WAIT,
	 * FUTEX_WAKE: shared, the mapping is cross-process); the private forms are glibc's
	 * internal locks.  Nothing else (no requeue, no PI). */
	ALLOW_IF(futex, ARG_EQ(1, FUTEX_WAIT));
	ALLOW_IF(futex, ARG_EQ(1, FUTEX_WAKE));
	ALLOW_IF(futex, ARG_EQ(1, FUTEX_WAIT_PRIVATE));
	ALLOW_IF(futex, ARG_EQ(1, FUTEX_WAKE_PRIVATE));
	/* eventfd mode: wait for our doorbell (non-blocking: ppoll, then read), write the
	 * VMM's */
	if (loader)
		ALLOW(read); /* the ELF headers; the doorbell below is one of these */
	else if (dh->req_efd >= 0)
		ALLOW_IF(read, FD_IS(dh->req_efd));
	if (dh->req_efd >= 0)
		ALLOW(ppoll);
	if (dh->rsp_efd >= 0)
		ALLOW_IF(write, FD_IS(dh->rsp_efd));
	/* write: raise interrupt line i (the VMM's KVM irqfd), and tell the VMM's event loop
	 * a log line is waiting.  Only these fds. */
	for (i = 0; i < dh->num_irqfds; i++)
		ALLOW_IF(write, FD_IS(dh->irqfds[i]));
	ALLOW_IF(write, FD_IS(dh->notify_efd));
	/* stdout/stderr are closed: a stray printf or glibc's fatal-error message fails with
	 * EBADF instead of killing the device (sanitizer builds keep fd 2 open below). */
	if (!dh->keep_stderr) {
		FAIL_IF(write, EBADF, FD_IS(2));
		FAIL_IF(writev, EBADF, FD_IS(2));
	}
	FAIL_IF(write, EBADF, FD_IS(1));
	FAIL_IF(writev, EBADF, FD_IS(1));
	/* printf's first use of stdout asks fstat (and maybe ioctl) about fd 1 to size its
	 * buffer: the same EBADF, so printf returns -1 (EBADF) and the device goes on. */
	for (int fd = 1; fd <= 2; fd++) {
		/* (a sanitizer's stderr too: it only asks whether fd 2 is a terminal) */
		FAIL_IF(fstat, EBADF, FD_IS(fd));
		FAIL_IF(newfstatat, EBADF, FD_IS(fd));
		FAIL_IF(ioctl, EBADF, FD_IS(fd));
	}
	/* An armed spare is filtered before it knows its device: it reads that from its
	 * start-up socket, answers there, and closes it.  Nothing it may call makes a new fd,
	 * so the closed number stays dead. */
	if (which == DEVHOST_FILTER_SPARE) {
		ALLOW_IF(recvfrom, FD_IS(dh->sock));
		ALLOW_IF(sendto, FD_IS(dh->sock));
		ALLOW_IF(close, FD_IS(dh->sock));
	}
	/* A cold start loads LOAD, creates its device (and loads its plugin) under it, answers
	 * on its socket, closes it, and stacks SERVE on top: every later call must pass both.
	 * No thread or process can be made (clone3's flags cannot be inspected: ENOSYS sends
	 * glibc to clone, which is refused as if out of processes). */
	if (which == DEVHOST_FILTER_LOAD) {
		ALLOW_IF(sendto, FD_IS(dh->sock));
		if (!loader)
			ALLOW_IF(close, FD_IS(dh->sock));
		ALLOW_IF(seccomp, ARG_EQ(0, SECCOMP_SET_MODE_FILTER));
		FAIL(clone, EAGAIN);
		/* pthread_create installs its cancellation handler and blocks signals around
		 * clone: refused and allowed (its own mask), so it ends in clone's EAGAIN */
		FAIL(rt_sigaction, EPERM);
		ALLOW(rt_sigprocmask);
		ALLOW(gettid); /* (ASan's pthread_create asks it first) */
		#ifdef __NR_clone3
		FAIL(clone3, ENOSYS);
#endif
	}
	if (loader) {
		/* read-only opens: the root holds nothing but the plugin (or, where the host
		 * refused a mount namespace, what nobody may read) */
		ALLOW_IF(openat, ARG_MASKED_EQ(2, O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND |
							    __O_TMPFILE, 0));
		ALLOW(pread64);
		ALLOW(lseek);
		ALLOW(close);
		ALLOW(fstat);
		ALLOW(newfstatat);
	}
	/* Spin deadlines read CLOCK_MONOTONIC: normally the vDSO, this is its fallback. */
	ALLOW(clock_gettime);
	/* Memory for the device's own malloc/free: brk and anonymous mappings, never
	 * executable; madvise(DONTNEED) is how free() returns pages. */
	ALLOW(brk);
	if (loader) { /* the plugin's code is mapped executable */
		ALLOW(mmap);
		ALLOW(mprotect);
	} else {
		ALLOW_IF(mmap, ARG_MASKED_EQ(2, PROT_EXEC, 0));
		ALLOW_IF(mprotect, ARG_MASKED_EQ(2, PROT_EXEC, 0));
	}
	ALLOW(munmap);
	ALLOW(mremap);
	ALLOW_IF(madvise, ARG_EQ(2, MADV_DONTNEED));
	/* Leaving: SHUTDOWN destroys the device and exits (exit_group directly, so no exit
	 * handler of the C library or a sanitizer runs after lock-down). */
	ALLOW(exit_group);

#ifdef VDM_DEVHOST_SANITIZED
	/* Sanitizer builds only (VDM_SANITIZE): the ASan/UBSan runtime writes its reports to
	 * fd 2, which such builds keep open; and ASan's __asan_handle_no_return, called before
	 * every noreturn call (exit, a failed assert), asks sigaltstack whether it runs on an
	 * alternate signal stack: query only (new stack NULL).  ASan's allocator also asks
	 * getrandom for bytes the first time a size class is used, which since the device
	 * host allocates little before lock-down can come after it.  Audit logging of the
	 * sanitized devhost under the integration tests found nothing else. */
	ALLOW_IF(write, FD_IS(2));
	ALLOW_IF(writev, FD_IS(2));
	ALLOW_IF(sigaltstack, ARG_EQ(0, 0));
	ALLOW(getrandom);
#endif
	if (rs.failed)
		return NULL;
	prog = vdm__bpf_compile(rs.r, rs.n, DEVHOST_SECCOMP_ARCH, SECCOMP_RET_KILL_PROCESS);
	if (!prog)
		snprintf(err, err_len, "seccomp: cannot build the filter (%zu rules): out of memory "
			 "or longer than %d instructions", rs.n, BPF_MAXINSNS);
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
