/* Starting a device host: clone3 with CLONE_PIDFD into a new pid namespace (falling back
 * step by step), then, in the child, only async-signal-safe calls up to execve. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proto.h"
#include "spawn.h"

/* Child side of the spawn: runs on a copy of the parent's memory, possibly of a
 * multithreaded VMM, so it makes raw system calls only. */
static void child_exec(const char *path, int sock) __attribute__((noreturn));
static void child_exec(const char *path, int sock)
{
	static char *const argv[] = { "vdm-devhost", NULL };
	static char *const envp[] = { NULL };
	struct devhost_hello failed = { .magic = DEVHOST_EXEC_FAILED_MAGIC,
					.version = DEVHOST_PROTO_VERSION };
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (sock == DEVHOST_SOCK_FD) {
		if (fcntl(sock, F_SETFD, 0) < 0)
			_exit(127);
	} else if (dup2(sock, DEVHOST_SOCK_FD) != DEVHOST_SOCK_FD) {
		_exit(127);
	}
	syscall(SYS_close_range, DEVHOST_SOCK_FD + 1, ~0u, 0);
	execve(path, argv, envp);
	failed.status = -errno;
	send(DEVHOST_SOCK_FD, &failed, sizeof(failed), MSG_NOSIGNAL);
	_exit(127);
}

static long clone3_pidfd(uint64_t flags, int *pidfd)
{
	struct clone_args args;

	memset(&args, 0, sizeof(args));
	args.flags = CLONE_PIDFD | flags;
	args.pidfd = (uint64_t)(uintptr_t)pidfd;
	args.exit_signal = 0;
	return syscall(SYS_clone3, &args, sizeof(args));
}

int vdm__spawn_devhost(const char *path, struct spawned *out, char *err, size_t err_len)
{
	int sv[2], pidfd = -1, first_errno = 0;
	long pid;

	if (access(path, X_OK)) {
		snprintf(err, err_len, "%s: cannot execute the device host: %s", path,
			 strerror(errno));
		return -errno;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		snprintf(err, err_len, "socketpair: %s", strerror(errno));
		return -errno;
	}
	/* A new pid namespace needs CAP_SYS_ADMIN, or a new user namespace with it. */
	pid = clone3_pidfd(CLONE_NEWPID, &pidfd);
	if (pid < 0 && errno != ENOSYS) {
		first_errno = errno;
		pid = clone3_pidfd(CLONE_NEWPID | CLONE_NEWUSER, &pidfd);
		if (pid < 0)
			pid = clone3_pidfd(0, &pidfd);
	}
	if (pid < 0 && errno == ENOSYS) {
		first_errno = ENOSYS;
		pid = fork();
		if (pid > 0) {
			pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
			if (pidfd < 0) {
				int e = errno;

				kill((pid_t)pid, SIGKILL);
				snprintf(err, err_len, "pidfd_open: %s", strerror(e));
				close(sv[0]);
				close(sv[1]);
				return -e;
			}
		}
	}
	if (pid == 0)
		child_exec(path, sv[1]);
	if (pid < 0) {
		int e = errno;

		snprintf(err, err_len, "cannot start a device host process: %s", strerror(e));
		close(sv[0]);
		close(sv[1]);
		return -e;
	}
	close(sv[1]);
	/* The pidfd must not leak into other children either. */
	fcntl(pidfd, F_SETFD, FD_CLOEXEC);
	out->pid = (pid_t)pid;
	out->pidfd = pidfd;
	out->sock = sv[0];
	out->pidns_errno = first_errno;
	return 0;
}
