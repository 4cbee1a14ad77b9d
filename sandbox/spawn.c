/* Starting a device host: clone(CLONE_VM | CLONE_VFORK | CLONE_PIDFD) into a new pid
 * namespace (falling back step by step), then, in the child, raw syscalls up to execve. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proto.h"
#include "spawn.h"

#define CHILD_STACK (64 * 1024)

struct child_args {
	const char *path;
	int sock;
	uint64_t cpu_mask;
	bool spare;
};

/*
 * The child, from clone(CLONE_VM | CLONE_VFORK) to execve: it runs on the parent's memory
 * (posix_spawn's trick: no page tables are copied, which matters for a VMM with gigabytes
 * mapped) while the parent waits, so it makes raw system calls only, touches nothing but
 * its own stack, and is not instrumented by sanitizers.
 */
#if defined(__clang__)
#define NO_SANITIZE __attribute__((no_sanitize("address", "undefined")))
#else
#define NO_SANITIZE __attribute__((no_sanitize_address, no_sanitize_undefined))
#endif

NO_SANITIZE static int child_main(void *arg)
{
	static char *const argv[] = { "vdm-devhost", NULL };
	static char *const spare_argv[] = { "vdm-devhost", "--spare", NULL };
	static char *const envp[] = { NULL };
	const struct child_args *a = arg;
	struct devhost_hello failed;
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		uint64_t mask;
	} dfl = { SIG_DFL, 0, NULL, 0 };
	uint64_t none = 0;
	long r;
	int sig;

	/* The parent's handlers must not run here: default everything, then unblock. */
	for (sig = 1; sig < 65; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(uint64_t));
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(none));
	if (a->cpu_mask &&
	    syscall(SYS_sched_setaffinity, 0, sizeof(a->cpu_mask), &a->cpu_mask) < 0)
		syscall(SYS_exit_group, 126); /* reported as "exited with code 126" */
	if (a->sock == DEVHOST_SOCK_FD)
		r = syscall(SYS_fcntl, a->sock, F_SETFD, 0);
	else
		r = syscall(SYS_dup3, a->sock, DEVHOST_SOCK_FD, 0); /* arm64 has no dup2 */
	if (r < 0)
		syscall(SYS_exit_group, 127);
	syscall(SYS_close_range, DEVHOST_SOCK_FD + 1, ~0u, 0);
	r = syscall(SYS_execve, a->path, a->spare ? spare_argv : argv, envp);
	__builtin_memset(&failed, 0, sizeof(failed));
	failed.magic = DEVHOST_EXEC_FAILED_MAGIC;
	failed.version = DEVHOST_PROTO_VERSION;
	failed.status = (int32_t)r; /* the raw syscall's -errno */
	syscall(SYS_sendto, DEVHOST_SOCK_FD, &failed, sizeof(failed), MSG_NOSIGNAL, NULL, 0);
	syscall(SYS_exit_group, 127);
	return 127;
}

static void write_proc(pid_t pid, const char *file, const char *text)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	/* CLONE_VFORK lets us run again once execve has dropped the child's old memory, but
	 * the new one is not dumpable until execve ends a moment later: /proc/<pid>/ is root's
	 * until then, and a non-root VMM's open fails with EACCES.  Retry for up to 200 ms (the
	 * child waits for its set-up message, sent after this, so it cannot run ahead). */
	for (int tries = 0;; tries++) {
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0 || (errno != EACCES && errno != EPERM) || tries >= 200)
			break;
		usleep(1000);
	}
	if (fd < 0)
		return;
	if (write(fd, text, strlen(text)) < 0) {
		/* the device host then has an unmapped uid: its jail reports what it could
		 * not do, and the VMM checks the rest */
	}
	close(fd);
}

/*
 * The child was cloned into a new user namespace (a non-root VMM: a pid namespace needs
 * one).  Map our uid and gid there, before it reads its set-up message: with an unmapped uid
 * it could make no namespace of its own.  Root maps root and nobody (it drops to nobody);
 * anyone else only itself (and must deny setgroups first).
 */
static void map_ids(pid_t pid)
{
	char map[64];

	if (geteuid() == 0) {
		write_proc(pid, "uid_map", "0 0 1\n65534 65534 1");
		write_proc(pid, "gid_map", "0 0 1\n65534 65534 1");
		return;
	}
	write_proc(pid, "setgroups", "deny");
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)geteuid(), (unsigned)geteuid());
	write_proc(pid, "uid_map", map);
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)getegid(), (unsigned)getegid());
	write_proc(pid, "gid_map", map);
}

int vdm__spawn_devhost(const char *path, uint64_t cpu_mask, bool spare, struct spawned *out,
		       char *err, size_t err_len)
{
	/* A new pid namespace needs CAP_SYS_ADMIN, or a new user namespace that grants it. */
	static const int tries[] = { CLONE_NEWPID, CLONE_NEWPID | CLONE_NEWUSER, 0 };
	struct child_args args = { path, -1, cpu_mask, spare };
	sigset_t all, old;
	int sv[2], pidfd = -1, first_errno = 0, e = 0;
	size_t i;
	char *stack;
	pid_t pid = -1;

	if (access(path, X_OK)) {
		snprintf(err, err_len, "%s: cannot execute the device host: %s", path,
			 strerror(errno));
		return -errno;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		snprintf(err, err_len, "socketpair: %s", strerror(errno));
		return -errno;
	}
	stack = mmap(NULL, CHILD_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED) {
		e = errno;
		close(sv[0]);
		close(sv[1]);
		snprintf(err, err_len, "spawn stack: %s", strerror(e));
		return -e;
	}
	args.sock = sv[1];
	/* No signal handler of ours may run in the child before it resets them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < sizeof(tries) / sizeof(tries[0]) && pid < 0; i++) {
		/* exit signal 0: no SIGCHLD, and a VMM's waitpid(-1) cannot reap it */
		pid = clone(child_main, stack + CHILD_STACK,
			    CLONE_VM | CLONE_VFORK | CLONE_PIDFD | tries[i], &args, &pidfd);
		if (pid < 0 && !first_errno)
			first_errno = errno;
		e = errno;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	munmap(stack, CHILD_STACK);
	close(sv[1]);
	if (pid < 0) {
		snprintf(err, err_len, "cannot start a device host process: %s", strerror(e));
		close(sv[0]);
		return -e;
	}
	if (tries[i - 1] & CLONE_NEWUSER)
		map_ids(pid);
	out->pid = pid;
	out->pidfd = pidfd; /* pidfds are close-on-exec from birth */
	out->sock = sv[0];
	out->pidns_errno = (tries[i - 1] & CLONE_NEWPID) ? 0 : first_errno;
	return 0;
}
