/* The spare device hosts vmm-example keeps started and locked down ahead of device_add, and
 * when to start the next: never while the guest is still taking in a device. */
#ifndef VMM_SPARE_POOL_H
#define VMM_SPARE_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include <vdm/proxy.h>

#define SPARE_POOL_MAX 4

/*
 * A spare's start-up (clone, execve, the dynamic loader, the lock-down) costs CPU: ~70 ms
 * under nested KVM.  Spent while the guest enumerates a device just added, it slows that
 * very hotplug down.  So a spare taken is replaced only once the guest is done with what
 * it was given: when no device has been accessed for SPARE_POOL_QUIET_NS, when a device_del
 * asks for a device back (spare_pool_soon), or SPARE_POOL_LATEST_NS after the take,
 * whichever comes first; and where it can be undone (`nice`, vdm_proxy_spare_start) a
 * spare loads at nice 19, getting its normal priority only when it is taken.  Two spares
 * (the default) cover a device_add that follows a device_del at once, while the
 * replacement for the previous one still loads.  (Measured: BENCHMARKS.md, "Hotplug".)
 */
#define SPARE_POOL_QUIET_NS (100ull * 1000000u)
#define SPARE_POOL_LATEST_NS (2000ull * 1000000u)
#define SPARE_POOL_RETRY_NS (10ull * 1000000000u) /* after a spare could not be started */
#define SPARE_POOL_SPEC_MAX 1024

/* A new spare also makes, while it waits, the device the last hot-add asked for
 * (vdm_proxy_spare_start_expecting): the same device added again finds it made. */

struct spare_pool {
	unsigned want; /* spares to keep, 0..SPARE_POOL_MAX */
	bool nice;     /* start them at nice 19 where that can be undone */
	struct vdm_proxy_spare *spare[SPARE_POOL_MAX];
	uint64_t started_ns[SPARE_POOL_MAX];
	uint64_t due_ns;    /* CLOCK_MONOTONIC: no new spare before this */
	uint64_t latest_ns; /* ... and the next one at the latest then, quiet or not */
	uint64_t traffic_seen, traffic_at_ns; /* device accesses counted, when last changed */
	char expect[SPARE_POOL_SPEC_MAX]; /* the last spec asked for, "" for none */
};

/* An empty pool that will keep `want` spares (clamped to SPARE_POOL_MAX), niced or not. */
void spare_pool_init(struct spare_pool *p, unsigned want, bool nice);

/* Take the longest-started spare that is armed already (vdm_proxy_spare_ready), else the
 * longest-started one, for vdm_proxy_config.spare (NULL when there is none); its
 * replacement waits for the guest (above). */
struct vdm_proxy_spare *spare_pool_take(struct spare_pool *p, uint64_t now_ns);

/* A device host was started for `spec` (a spare taken or not): new spares expect it. */
void spare_pool_expect(struct spare_pool *p, const char *spec);

/* The guest is done with a device (device_del): the next spare may start now. */
void spare_pool_soon(struct spare_pool *p, uint64_t now_ns);

/*
 * One turn of the event loop: `traffic` is how many device accesses there have been so far
 * (any count that grows with them).  Replaces a spare that died unused (and says so on
 * stderr), and starts one missing spare of `devhost` when the moment has come.  A failed
 * start is reported once per try, on stderr, and tried again SPARE_POOL_RETRY_NS later.
 */
void spare_pool_keep(struct spare_pool *p, uint64_t now_ns, uint64_t traffic,
		     const char *devhost);

/* The spares' pids into pids[0..max), oldest first; returns how many there are. */
unsigned spare_pool_pids(const struct spare_pool *p, int *pids, unsigned max);

/* Kill and reap every spare; the pool stays usable (empty, the same `want`). */
void spare_pool_drop(struct spare_pool *p);

#endif /* VMM_SPARE_POOL_H */
