/* The event loop's view of the device hosts: watch every running devhost's pidfd and notify
 * eventfd, so a death or a queued log line / eject is handled at once, not at the next access. */
#ifndef VMM_SANDBOX_WATCH_H
#define VMM_SANDBOX_WATCH_H

#include <stddef.h>

struct ev_loop;
struct vdm_machine;

#define SANDBOX_WATCH_MAX 1040 /* fds: two per device host (of EV_MAX_WATCHES in all) */

struct sandbox_watch {
	struct ev_loop *loop;
	struct vdm_machine *m;
	size_t n;
	int fds[SANDBOX_WATCH_MAX];
	int ids[SANDBOX_WATCH_MAX];
	unsigned deaths; /* device hosts whose end this watch noticed (tests, counters) */
};

/* Start watching the machine's device hosts (none for an in-process machine). */
void sandbox_watch_init(struct sandbox_watch *w, struct ev_loop *loop, struct vdm_machine *m);

/* Follow device_add / device_del / deaths: watch exactly the fds machine_sandbox_fds()
 * lists now.  Cheap when nothing changed; call once per event-loop iteration. */
void sandbox_watch_sync(struct sandbox_watch *w);

/* Stop every watch. */
void sandbox_watch_stop(struct sandbox_watch *w);

#endif /* VMM_SANDBOX_WATCH_H */
