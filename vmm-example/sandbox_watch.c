/* The event loop's view of the device hosts: a readable pidfd or notify eventfd goes to
 * machine_sandbox_handle (logs, ejects, death: the proxy fails and reads all-ones). */
#include <poll.h>
#include <string.h>

#include "event_loop.h"
#include "machine_sandbox.h"
#include "sandbox_watch.h"

static void on_fd(void *opaque, int fd, uint32_t revents)
{
	struct sandbox_watch *w = opaque;

	(void)revents;
	if (machine_sandbox_handle(w->m, fd) == 0) {
		w->deaths++;
		sandbox_watch_sync(w); /* its pidfd stays readable: stop watching it */
	}
}

void sandbox_watch_stop(struct sandbox_watch *w)
{
	for (size_t i = 0; i < w->n; i++)
		ev_unwatch(w->loop, w->ids[i]);
	w->n = 0;
}

void sandbox_watch_sync(struct sandbox_watch *w)
{
	int fds[SANDBOX_WATCH_MAX];
	size_t n;

	if (!w->loop || !w->m)
		return;
	n = machine_sandbox_fds(w->m, fds, SANDBOX_WATCH_MAX);
	if (n > SANDBOX_WATCH_MAX)
		n = SANDBOX_WATCH_MAX; /* the rest are still noticed at their next access */
	if (n == w->n && !memcmp(fds, w->fds, n * sizeof(fds[0])))
		return;
	sandbox_watch_stop(w);
	for (size_t i = 0; i < n; i++) {
		int id = ev_watch_fd(w->loop, fds[i], POLLIN, on_fd, w);

		if (id < 0)
			break; /* the loop is full: the rest are noticed at their next access */
		w->fds[w->n] = fds[i];
		w->ids[w->n++] = id;
	}
}

void sandbox_watch_init(struct sandbox_watch *w, struct ev_loop *loop, struct vdm_machine *m)
{
	memset(w, 0, sizeof(*w));
	w->loop = loop;
	w->m = m;
	sandbox_watch_sync(w);
}
