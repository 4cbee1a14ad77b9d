/* Helpers shared by the integration tests: paths from the environment, an event and log
 * recorder for proxied devices, and spawning with test defaults. */
#ifndef ITEST_COMMON_H
#define ITEST_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include <vdm/proxy.h>

#include "itest_dev.h"

#define ITEST_MAX_EVENTS 16
#define ITEST_MAX_LOGS 64

struct itest_rec {
	struct vdm_proxy_event ev[ITEST_MAX_EVENTS];
	int nev;
	char logs[ITEST_MAX_LOGS][VDM_RING_LOG_TEXT];
	uint32_t log_level[ITEST_MAX_LOGS];
	int nlogs;
	uint32_t eject_bsel, eject_slot;
	int nejects;
	struct vdm_host host;
};

/* $VDM_DEVHOST, $VDM_ITEST_PLUGINS/<name>.so (static buffer). */
const char *itest_devhost(void);
const char *itest_plugin_path(const char *name);

/* A recorder whose host callbacks and event callback fill it. */
void itest_rec_init(struct itest_rec *r);

/* A config with test defaults: itest_plugin.so, futex doorbell, 300 ms access timeout. */
void itest_config(struct vdm_proxy_config *cfg, struct itest_rec *r, const char *spec);

/* Spawn or fail the test with the error text. */
struct vdm_device *itest_spawn(struct vdm_proxy_config *cfg);

/* Wait up to `ms` for the devhost to exit, then vdm_proxy_poll it. */
void itest_wait_exit(struct vdm_device *dev, int ms);

/* The event of `kind` recorded, or NULL. */
const struct vdm_proxy_event *itest_find_event(const struct itest_rec *r, uint32_t kind);

/* Monotonic milliseconds. */
uint64_t itest_now_ms(void);
/* How much slower than a native CPU this one is (VDM_ITEST_SLOWDOWN, default 1): the arm64 L1
 * runs the integration tests on CPUs QEMU emulates; only CPU-cost bounds scale with it. */
unsigned itest_slowdown(void);

/* Open fds of this process, and its live or zombie children. */
int itest_count_fds(void);
int itest_count_children(void);

#endif /* ITEST_COMMON_H */
