/* The spare device hosts vmm-example keeps started and locked down ahead of device_add, and
 * when to start the next: never while the guest is still taking in a device. */
#include <stdio.h>
#include <string.h>

#include "spare_pool.h"

void spare_pool_init(struct spare_pool *p, unsigned want, bool nice)
{
	memset(p, 0, sizeof(*p));
	p->want = want < SPARE_POOL_MAX ? want : SPARE_POOL_MAX;
	p->nice = nice;
}

/* The slot of the longest-started spare (of those armed already, with `ready`), or -1. */
static int oldest(const struct spare_pool *p, bool ready)
{
	int best = -1;

	for (unsigned i = 0; i < p->want; i++)
		if (p->spare[i] && (best < 0 || p->started_ns[i] < p->started_ns[best]) &&
		    (!ready || vdm_proxy_spare_ready(p->spare[i])))
			best = (int)i;
	return best;
}

struct vdm_proxy_spare *spare_pool_take(struct spare_pool *p, uint64_t now_ns)
{
	struct vdm_proxy_spare *s;
	int i = oldest(p, true); /* one still arming would make the device_add wait for it */

	if (i < 0)
		i = oldest(p, false);

	if (i < 0)
		return NULL;
	s = p->spare[i];
	p->spare[i] = NULL;
	if (p->due_ns < now_ns)
		p->due_ns = now_ns;
	p->latest_ns = now_ns + SPARE_POOL_LATEST_NS;
	return s;
}

void spare_pool_expect(struct spare_pool *p, const char *spec)
{
	if (strlen(spec) < sizeof(p->expect))
		memcpy(p->expect, spec, strlen(spec) + 1);
	else
		p->expect[0] = '\0';
}

void spare_pool_soon(struct spare_pool *p, uint64_t now_ns)
{
	if (p->latest_ns > now_ns)
		p->latest_ns = now_ns;
}

void spare_pool_keep(struct spare_pool *p, uint64_t now_ns, uint64_t traffic,
		     const char *devhost)
{
	char err[256];
	int free_slot = -1;

	for (unsigned i = 0; i < p->want; i++) {
		if (p->spare[i] && !vdm_proxy_spare_alive(p->spare[i])) {
			fprintf(stderr, "vmm-example: the spare device host (pid %d) ended before it "
				"was used; starting another\n", vdm_proxy_spare_pid(p->spare[i]));
			vdm_proxy_spare_free(p->spare[i]);
			p->spare[i] = NULL;
			p->latest_ns = now_ns; /* nothing to wait for: it was not the guest's */
		}
		if (!p->spare[i] && free_slot < 0)
			free_slot = (int)i;
	}
	if (traffic != p->traffic_seen) {
		p->traffic_seen = traffic;
		p->traffic_at_ns = now_ns;
	}
	if (free_slot < 0 || now_ns < p->due_ns ||
	    (now_ns - p->traffic_at_ns < SPARE_POOL_QUIET_NS && now_ns < p->latest_ns))
		return;
	if (vdm_proxy_spare_start_expecting(devhost, 0,
					    p->nice ? 0 : VDM_PROXY_SPARE_FULL_PRIORITY, p->expect,
					    &p->spare[free_slot], err, sizeof(err))) {
		fprintf(stderr, "vmm-example: cannot start a spare device host: %s; each device_add "
			"starts its own (trying again in 10 s)\n", err);
		p->due_ns = p->latest_ns = now_ns + SPARE_POOL_RETRY_NS;
		return;
	}
	p->started_ns[free_slot] = now_ns;
}

unsigned spare_pool_pids(const struct spare_pool *p, int *pids, unsigned max)
{
	uint64_t at[SPARE_POOL_MAX];
	int pid[SPARE_POOL_MAX];
	unsigned n = 0, j;

	/* insertion by start time, oldest first (slot order among equals) */
	for (unsigned i = 0; i < p->want; i++) {
		if (!p->spare[i])
			continue;
		for (j = n; j > 0 && at[j - 1] > p->started_ns[i]; j--) {
			at[j] = at[j - 1];
			pid[j] = pid[j - 1];
		}
		at[j] = p->started_ns[i];
		pid[j] = vdm_proxy_spare_pid(p->spare[i]);
		n++;
	}
	for (j = 0; j < n && j < max; j++)
		pids[j] = pid[j];
	return j;
}

void spare_pool_drop(struct spare_pool *p)
{
	for (unsigned i = 0; i < SPARE_POOL_MAX; i++) {
		vdm_proxy_spare_free(p->spare[i]);
		p->spare[i] = NULL;
	}
	p->due_ns = p->latest_ns = 0;
	p->traffic_seen = p->traffic_at_ns = 0;
}
