/* A thread that starts spare device hosts for the spare pool, so that the event loop never
 * waits for a clone and execve (tens of milliseconds under nested KVM). */
#ifndef VMM_SPARE_STARTER_H
#define VMM_SPARE_STARTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vdm/proxy.h>

struct spare_starter;

/* The thread, idle.  0, or a negative errno (no thread: start spares synchronously). */
int spare_starter_new(struct spare_starter **out);

/*
 * Start one spare in the thread (vdm_proxy_spare_start_expecting with these arguments,
 * copied).  False when one is still being started or its result not yet collected: one at
 * a time.
 */
bool spare_starter_request(struct spare_starter *st, const char *devhost, uint32_t flags,
			   const char *expect_spec);

/* True from a request until its result is collected. */
bool spare_starter_busy(const struct spare_starter *st);

/*
 * The result of the last request, once it is done (`wait`: wait for it): 1 with *out (the
 * spare) or with *rc < 0 and `err` (why it could not be started); 0 when nothing is done.
 * A spare belongs to the caller from here on.  Its process dies with the starter's thread
 * (the device host's parent-death signal): free the starter only after every device host
 * it started, spare or device, is gone.
 */
int spare_starter_collect(struct spare_starter *st, bool wait, struct vdm_proxy_spare **out,
			  int *rc, char *err, size_t err_len);

/* Wait for a start in flight, free what it made, end the thread.  NULL is ignored. */
void spare_starter_free(struct spare_starter *st);

#endif /* VMM_SPARE_STARTER_H */
