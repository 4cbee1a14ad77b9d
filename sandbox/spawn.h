/* Internal to the proxy: start a vdm-devhost process (vfork-style clone into a new pid
 * namespace, with a pidfd) with only its end of a socketpair inherited. */
#ifndef VDM_SANDBOX_SPAWN_H
#define VDM_SANDBOX_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct spawned {
	pid_t pid;
	int pidfd; /* refers to the devhost; readable once it exited */
	int sock;  /* our end of the SOCK_SEQPACKET socketpair; the devhost has its end at fd 3 */
	int pidns_errno; /* 0, or why the devhost runs in our pid namespace */
};

/*
 * Start `path` (on the CPUs of `cpu_mask`, 0 = ours) with an empty environment and argv
 * {"vdm-devhost"} ({"vdm-devhost", "--spare"} for a spare, which locks itself down before
 * its set-up message), its socket at fd 3 and every other fd above 2 closed.  The child's exit sends no signal (exit_signal 0, so a VMM's
 * waitpid(-1) cannot reap it): reap it with waitid(P_PIDFD, pidfd, WEXITED | __WALL).
 * Returns 0, or a negative errno with `err` filled.
 */
int vdm__spawn_devhost(const char *path, uint64_t cpu_mask, bool spare, struct spawned *out,
		       char *err, size_t err_len);

#endif /* VDM_SANDBOX_SPAWN_H */
