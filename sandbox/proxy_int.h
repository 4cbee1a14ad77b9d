/* Internal to the proxy: its state, shared by the access/event half (proxy.c) and the
 * start-up half (proxy_spawn.c). */
#ifndef VDM_PROXY_INT_H
#define VDM_PROXY_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include <vdm/proxy.h>

#include "proto.h"

#ifndef VDM_DEVHOST_DEFAULT_PATH
#define VDM_DEVHOST_DEFAULT_PATH "/usr/local/libexec/vdm-devhost"
#endif
#define VDM_PROXY_CFG_SPACE 4096u
#define VDM_PROXY_SHUTDOWN_MS 100

struct proxy {
	struct vdm_device dev; /* must be first */
	struct vdm_device_type type; /* name and bus kind of the device in the devhost */
	char type_name[DEVHOST_NAME_MAX];
	struct vdm_host host; /* the caller's callbacks (log, eject) */
	vdm_proxy_event_fn on_event;
	void *opaque;
	struct vdm_ring_client *ring;
	uint32_t ring_minor; /* the devhost's ring wire minor (CONTROL needs >= 1) */
	void *ring_mem;
	size_t ring_size;
	pid_t pid;
	int pidfd;
	int notify_efd;
	int req_efd;
	int rsp_efd;
	int irqfds[VDM_MAX_IRQS];
	uint32_t num_irqfds;
	bool own_irqfd; /* irqfds[0] was made by the proxy */
	int fault_reported; /* atomics */
	int exit_reported;
	int destroying;     /* set during spawn and destroy: no events then */
	pthread_mutex_t reap_lock;
	struct vdm_proxy_event exit; /* how it ended, once exit_reported */
	/* The jail report (proto.h): namespaces the host refused, and why */
	bool got_report;
	uint32_t ns_refused; /* DEVHOST_NS_* (with DEVHOST_NS_PID from the spawn) */
	char ns_why[DEVHOST_ERR_MAX];
	int pidns_errno;     /* why the spawn could not make a pid namespace, or 0 */
	/* Budgets (proxy_budget.c).  Wait and log fields: the accessing / polling thread only;
	 * CPU fields under budget_lock (both threads check it). */
	uint32_t wait_budget_ms, cpu_budget_ms, log_rate; /* 0: none */
	uint32_t timeout_ms, set_timeout_ms; /* the caller's bound; the one the ring has now */
	double wait_left_ns;
	uint64_t wait_stamp_ns;
	bool bound_by_budget; /* this access's bound is the budget's, not timeout_ms */
	pthread_mutex_t budget_lock;
	bool cpu_on;
	clockid_t cpu_clock;
	double cpu_left_ns, cpu_window_used;
	uint64_t cpu_stamp_ns, cpu_used_ns, cpu_reqs;
	double log_tokens;
	uint64_t log_stamp_ns;
	bool log_held;        /* lines left in the ring for want of tokens */
	uint32_t log_dropped_at_hold; /* the device's dropped count when that began */
	bool may_eject;       /* a built-in acpi-ged: the one type that owns ejects */
	uint32_t ejects_refused;
	int budget_failed;    /* 1 once failed for a budget (2 while the reason is written) */
	char reason[160];
};

extern const struct vdm_device_ops vdm__proxy_pci_ops;
extern const struct vdm_device_ops vdm__proxy_platform_ops;

/* Check from /proc that the devhost `p` (after READY) is locked down (proxy_verify.c):
 * every thread filtered, no_new_privs, no capabilities, uid nobody (root VMM) or ours,
 * every namespace the host allows, an empty root, no extra fd.  0, or -EPERM with `err`
 * listing everything missing. */
int vdm__proxy_verify(struct proxy *p, char *err, size_t len);

/* Budgets (proxy_budget.c): defaults and the config's at spawn; the CPU clock at READY;
 * around each access (before: bound it, after: charge it, true when it failed the device);
 * the CPU check (at most every 100 ms); one log line's token (false: hold it). */
void vdm__proxy_budget_init(struct proxy *p, const struct vdm_proxy_config *cfg);
void vdm__proxy_budget_start(struct proxy *p);
uint64_t vdm__proxy_budget_before(struct proxy *p);
bool vdm__proxy_budget_after(struct proxy *p, uint64_t start, int rc);
void vdm__proxy_budget_cpu(struct proxy *p, uint64_t now);
bool vdm__proxy_log_token(struct proxy *p);
/* Deliver an event (none during spawn or destroy). */
void vdm__proxy_emit(struct proxy *p, struct vdm_proxy_event *ev);

/* Reap the devhost if it exited, waiting up to `wait_ms` for that (never longer: a process
 * stuck in the kernel is left, not waited for), and report EXITED once. */
void vdm__proxy_reap(struct proxy *p, int wait_ms);
#define VDM_PROXY_REAP_MS 2000 /* after SIGKILL */
/* Deliver queued log lines / ejects; keep the last warning-or-worse line in last_err. */
void vdm__proxy_drain_log(struct proxy *p, char *last_err, size_t last_err_len);
/* Close every fd, unmap the ring, free. */
void vdm__proxy_free(struct proxy *p);

/* The device host to run (devhost_path.c): `devhost`, else $VDM_DEVHOST, else the one beside
 * this library (written into buf), else the configured install path. */
const char *vdm__proxy_devhost_path(const char *devhost, char *buf, size_t len);

struct spawned;
/* Take spare `s` (may be NULL) for a device host at `path` on `cpu_mask`: its armed proxy
 * (ring and fds made, devhost waiting for the device's name), *out its process, when it
 * fits (same path and CPUs, alive, `armed_fits`: no plugin, the futex doorbell, the proxy's
 * own interrupt line); otherwise it is freed, NULL, and the caller starts a new device
 * host.  Either way `s` is gone. */
struct proxy *vdm__proxy_spare_take(struct vdm_proxy_spare *s, const char *path,
				    uint64_t cpu_mask, bool armed_fits, struct spawned *out);

/* A proxy with no fds yet (all -1), in its start-up state (no events). */
struct proxy *vdm__proxy_alloc(void);
/* The shared ring (sealed memfd, mapped): p->ring_mem/ring_size, *memfd to send. */
int vdm__proxy_make_ring(struct proxy *p, uint32_t doorbell, int *memfd, char *err, size_t len);
/* The doorbell eventfds (EVENTFD mode), the notify eventfd, and the interrupt lines: the
 * caller's `irqfds`, or one eventfd of the proxy's own when num_irqfds is 0. */
int vdm__proxy_make_fds(struct proxy *p, uint32_t num_irqfds, const int *irqfds,
			uint32_t doorbell, char *err, size_t len);

/* A proxy with its ring and fds (as the two above) and its device host started (a spare
 * with `spare`), in *out, *memfd (the ring's, to send) and *sp; 0, or a negative errno with
 * nothing left behind. */
int vdm__proxy_start_devhost(const char *path, uint64_t cpu_mask, bool spare, uint32_t doorbell,
			     uint32_t num_irqfds, const int *irqfds, struct proxy **out,
			     int *memfd, struct spawned *sp, char *err, size_t len);

/* One start-up message to a devhost (proto.h): with the ring memfd and p's fds when
 * memfd >= 0, without any fds otherwise. */
struct devhost_setup_args {
	int memfd;
	uint32_t doorbell;
	uint32_t spin_ns;
	uint32_t flags; /* 0, DEVHOST_SETUP_ARM or DEVHOST_SETUP_NAME */
	int pidns_errno;
	const char *plugin; /* NULL: built-in */
	const char *spec;   /* NULL: none (ARM) */
};
int vdm__proxy_send_setup(struct proxy *p, int sock, const struct devhost_setup_args *a,
			  char *err, size_t len);

#endif /* VDM_PROXY_INT_H */
