/* What the integration tests read from /proc about a device host: single fields, and the
 * whole lock-down (namespaces, empty root, uid, capabilities, rlimits, fds, seccomp). */
#ifndef ITEST_PROC_H
#define ITEST_PROC_H

/* The value after "key:" on a line of /proc/<pid>/<file>, or "" (static buffer). */
const char *itest_proc_field(int pid, const char *file, const char *key);

/* "soft hard" of a /proc/<pid>/limits row (static buffer). */
const char *itest_proc_limit(int pid, const char *name);

/* Fail the test unless device host `pid` serves locked down: no_new_privs, seccomp filter,
 * no capabilities, uid nobody (when we are root), pid 1 of its own pid namespace, its own
 * user/mnt/net/ipc/uts/pid namespaces, an empty root, only the `serving_fds` fds it serves
 * with (notify eventfd, doorbell eventfds, irqfds; plus a sanitizer's stderr), and rlimits
 * on processes, core files, open files and address space. */
void itest_assert_locked_down(int pid, int serving_fds);
/* The same for a spare that waits for its device: armed (ring mapped, `serving_fds` kept,
 * filter on) with its start-up socket still open.  Waits up to 5 s for it to arm. */
void itest_assert_armed_spare(int pid, int serving_fds);

#endif /* ITEST_PROC_H */
