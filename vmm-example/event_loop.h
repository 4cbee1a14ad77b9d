/* The VMM's event loop: one thread waits on io_uring for every host-side event (monitor and
 * QMP sockets, stdin, signalfd, device-process pidfds, eventfds) with a timeout for timers. */
#ifndef VMM_EVENT_LOOP_H
#define VMM_EVENT_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Readiness callbacks: a watched fd's callback runs (on the loop's thread, inside
 * ev_loop_run_once) each time the fd is ready for what was asked (POLLIN and/or POLLOUT;
 * POLLHUP/POLLERR are always reported).  `revents` holds the poll bits.  A callback may
 * watch and unwatch any fd, including its own.  Watches are one-shot polls re-armed after
 * the callback returns, so a callback that leaves data unread is simply called again.
 *
 * io_uring (liburing) is used when the kernel allows it; otherwise poll(2) does the same
 * job (ev_loop_backend says which), so a seccomp policy or io_uring_disabled sysctl never
 * stops the VMM.
 */

#define EV_MAX_WATCHES 1100 /* two per device host of up to 512 devices, and the rest */

struct ev_loop;

typedef void (*ev_fd_fn)(void *opaque, int fd, uint32_t revents);

/* Create a loop.  0, or -errno with one line in err. */
int ev_loop_create(struct ev_loop **out, char *err, size_t err_len);
/* Stop every watch and free the loop (watched fds stay open: their owners close them). */
void ev_loop_destroy(struct ev_loop *l);

/* "io_uring" or "poll". */
const char *ev_loop_backend(const struct ev_loop *l);

/* Watch `fd` for `events` (POLLIN, POLLOUT).  Returns a watch id >= 0, -ENOSPC when
 * EV_MAX_WATCHES are in use, -EINVAL for a bad fd or no callback. */
int ev_watch_fd(struct ev_loop *l, int fd, uint32_t events, ev_fd_fn fn, void *opaque);
/* Change what watch `id` waits for (takes effect at the next arm). */
void ev_watch_set_events(struct ev_loop *l, int id, uint32_t events);
/* Stop watch `id` (no callback for it after this returns).  Unknown ids are ignored. */
void ev_unwatch(struct ev_loop *l, int id);
/* Number of active watches (tests: nothing leaks). */
unsigned ev_loop_num_watches(const struct ev_loop *l);

/*
 * Wait up to `timeout_ms` (0 = do not wait, < 0 = forever) for ready fds and run their
 * callbacks.  Returns the number of callbacks run (0 on timeout or a signal), or -errno
 * when the kernel interface failed.
 */
int ev_loop_run_once(struct ev_loop *l, int timeout_ms);

#endif /* VMM_EVENT_LOOP_H */
