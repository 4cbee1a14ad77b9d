/* vdm proxy: a device that runs in its own sandboxed process (vdm-devhost) and is reached
 * over the shared-memory ring, behind the same struct vdm_device as an in-process one. */
#ifndef VDM_PROXY_H
#define VDM_PROXY_H

/*
 * API contract
 * ------------
 * vdm_proxy_spawn() starts vdm-devhost, hands it the ring (a memfd), its doorbells and the
 * irqfds over a socketpair (SCM_RIGHTS), waits (bounded) until the device exists and the
 * process is locked down, and returns a `struct vdm_device` whose ops forward over the ring.
 * `res` is the device's own declaration, checked (vdm_resources_check) and copied; `type`
 * points at a proxy-owned copy of the type's name and bus kind (never at the real built-in
 * type).  Host control (device.h `control`, ABI 1.1) is forwarded as a synchronous
 * VDM_RING_CONTROL request, so type-specific host APIs built on it (vdm_ged_*,
 * vdm_root_port_*) work on a proxied device as on an in-process one; they check the range
 * of every result, because it comes from the device host.  Otherwise a caller cannot tell
 * it from an in-process device: same handlers, same values, same return codes, with three
 * differences by design:
 *   - cfg_write/bar_write are posted: they return 0 once queued (the device's own verdict is
 *     counted by the device, see vdm_ring_client_device_counters); accesses the wire cannot
 *     carry (config size not 1/2/4 -> -EINVAL, config offset beyond 4 KiB -> -ERANGE, region
 *     size not 1/2/4/8 -> -EINVAL, region index >= 6 -> -EINVAL) are answered here, reads
 *     with all-ones;
 *   - interrupts never pass through the VMM: the device host writes the irqfd of the line
 *     (register it with KVM_IRQFD); `host->set_irq` is never called;
 *   - a device that dies, hangs (no answer in timeout_ms) or writes anything invalid on the
 *     ring is failed: reads return all-ones and -EIO, writes and control -EIO, the devhost
 *     is killed, and an event says what happened.
 *
 * Events (struct vdm_proxy_event) go to `on_event`, called from the thread that noticed:
 * the accessing thread for HUNG and PROTOCOL, vdm_proxy_poll()'s caller (or the accessing
 * thread, if it noticed the death first) for EXITED, either for BUDGET (a slow answer is
 * noticed by the access, CPU by whichever looks).  At most one HUNG/PROTOCOL/BUDGET and one
 * EXITED per device.  No event is delivered during vdm_proxy_spawn() (a failed start-up is
 * its error return) or once destroy has started.
 *
 * Device log lines and eject requests travel in the ring's log area and are delivered by
 * vdm_proxy_poll() to host->log / host->eject.  Call it when vdm_proxy_pidfd() or
 * vdm_proxy_notify_fd() is readable (an event loop watches both), or periodically.
 *
 * Threading: calls into one device are serialised by the caller, as for every device;
 * vdm_proxy_poll() may run on one other thread (the event loop) at the same time.  Create
 * the proxy from a long-lived thread: the devhost dies with the thread that spawned it
 * (PR_SET_PDEATHSIG), which is what stops orphaned device processes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vdm/device.h>
#include <vdm/plugin.h>
#include <vdm/ring.h>

#ifdef __cplusplus
extern "C" {
#endif

enum vdm_proxy_event_kind {
	VDM_PROXY_EV_EXITED = 1,   /* the device host ended (exit_code or signal says how) */
	VDM_PROXY_EV_HUNG = 2,     /* no answer within timeout_ms: failed and killed */
	VDM_PROXY_EV_PROTOCOL = 3, /* wrote something invalid on the ring: failed and killed */
	VDM_PROXY_EV_BUDGET = 4,   /* over its wait or CPU budget: failed and killed (text says) */
};

struct vdm_proxy_event {
	uint32_t kind;        /* enum vdm_proxy_event_kind */
	uint32_t fault;       /* enum vdm_ring_fault behind HUNG / PROTOCOL, else 0 */
	int exit_code;        /* EXITED through exit(): the code; else -1 */
	int signal;           /* EXITED by a signal: its number (SIGSYS: seccomp); else 0 */
	int pid;              /* the device host's pid */
	const char *type_name;
	char text[192];       /* one line: "testdev (pid 42): killed by signal 31 (SIGSYS: ...)" */
};

typedef void (*vdm_proxy_event_fn)(void *opaque, const struct vdm_proxy_event *ev);

struct vdm_proxy_config {
	uint32_t struct_size; /* VDM_STRUCT_HEAD(struct vdm_proxy_config) */
	uint32_t abi_version;
	/* vdm-devhost to run.  NULL: $VDM_DEVHOST, else the one installed beside this library
	 * (vdm_proxy_devhost_path). */
	const char *devhost;
	const char *plugin;  /* plugin .so for the device type, NULL for a built-in type */
	const char *spec;    /* "type,key=value,..." (device properties only) */
	uint32_t doorbell;   /* VDM_RING_DOORBELL_FUTEX (0 = this) or VDM_RING_DOORBELL_EVENTFD */
	uint32_t timeout_ms; /* bound on each access; 0 = 1000 */
	uint32_t start_timeout_ms; /* bound on start-up; 0 = 10000 */
	uint32_t spin_ns;     /* VMM-side spin before sleeping; 0 = 20000 */
	uint32_t dev_spin_ns; /* device-side spin before sleeping; 0 = 50000 */
	/* Interrupt lines: the devhost writes irqfds[line] for set_irq(line, 1).  The caller
	 * keeps ownership.  num_irqfds 0: the proxy creates one eventfd for line 0 (see
	 * vdm_proxy_irqfd). */
	uint32_t num_irqfds;
	int irqfds[VDM_MAX_IRQS];
	const struct vdm_host *host; /* log and eject go here; may be NULL */
	vdm_proxy_event_fn on_event; /* may be NULL */
	void *opaque;                /* passed to on_event */
	/* CPUs the device host may run on (bit n = CPU n, CPUs 0..63); 0 = the caller's.  The
	 * spinning doorbell pays off only when the device and the vCPU thread that waits for it
	 * run on different CPUs (see BENCHMARKS.md); a CPU that does not exist is an error. */
	uint64_t cpu_mask;
	/* A spare device host (vdm_proxy_spare_start) to give this device to, or NULL.  The
	 * spawn takes it on every path, success or not.  It is used when it is still alive,
	 * was started for the same device host path and cpu_mask, and `plugin` is NULL (a
	 * spare is locked down already: it has no files to load a plugin from); otherwise it
	 * is freed and a new device host is started, as without it. */
	struct vdm_proxy_spare *spare;
	/*
	 * Budgets (appended; a shorter struct_size gets the defaults).  0 = the default,
	 * UINT32_MAX = no budget.  A device over one is failed like a hung one (all-ones,
	 * -EIO, killed) with a VDM_PROXY_EV_BUDGET event and vdm_proxy_failure_reason().
	 *  - wait_budget_ms: how long the device may keep a vCPU waiting, beyond 1 ms per
	 *    access, per second (refilled at that rate, held up to that much); an access is
	 *    bounded by what is left.  Default 500: a device answering at 900 ms fails on its
	 *    first such answer, after ~500 ms.
	 *  - cpu_budget_ms: CPU time the device host may use per second, plus 1 ms per request
	 *    the VMM sent it (held up to 1 s).  Default 300.  Checked at most every 100 ms from
	 *    accesses and vdm_proxy_poll(): call it at least that often (an event loop's tick).
	 *  - log_lines_per_s: device log lines delivered per second (bursts up to that many).
	 *    Beyond it lines wait in the ring, which fills, and the device drops (and counts)
	 *    the rest; the VMM then says how many were dropped.  Default 200.
	 */
	uint32_t wait_budget_ms;
	uint32_t cpu_budget_ms;
	uint32_t log_lines_per_s;
};

/*
 * Start a device host for `cfg->spec` and return the proxied device in *out.  Returns 0, or
 * a negative errno with one line in `err` naming what failed, e.g.
 *   "/p/x.so: built for vdm ABI 2.0, this host speaks 1.x: rebuild it against vdm 1.x headers"
 *   "membar=3M: size must be a power of two"
 *   "device host exited with code 2 during start-up"
 * Destroy with vdm_device_destroy(): it asks the devhost to exit, kills it if it does not
 * within 100 ms, reaps it and closes every fd it opened.
 */
int vdm_proxy_spawn(const struct vdm_proxy_config *cfg, struct vdm_device **out, char *err,
		    size_t err_len);

/*
 * Spare device hosts.  Most of a device host's start-up does not depend on its device:
 * clone into a new pid namespace, execve, the dynamic loader, and the lock-down (new
 * user/mount/net/ipc/uts namespaces, an empty root, rlimits, no capabilities).  A spare
 * does all that ahead of time, is handed its ring and fds, puts its seccomp filter on (and
 * may create an expected device, below) and then waits for its device's name, so a
 * vdm_proxy_spawn() given it (cfg->spare) pays only for creating the device (if not made
 * already) and READY: what hot-plugging waits for (BENCHMARKS.md, "Device start-up").  Such
 * a spare fits a device that wants the futex doorbell and no interrupt lines of the
 * caller's (num_irqfds 0); any other is given a new device host.  Built-in device types
 * only.  A spare is tied to the thread that started it as a device host is (it dies with
 * that thread): start it from a long-lived one.  When the caller may raise a priority back
 * (root, or RLIMIT_NICE), a spare loads and waits at nice 19, so its start-up uses only CPU
 * nobody else wants, and vdm_proxy_spawn gives it the caller's nice value before its device.
 */
struct vdm_proxy_spare;

/* vdm_proxy_spare_start flags */
#define VDM_PROXY_SPARE_FULL_PRIORITY 1u /* load at the caller's priority, never at nice 19 */

/* Start a spare for the device host `devhost` (NULL: as vdm_proxy_config.devhost) on the
 * CPUs of `cpu_mask` (0: the caller's); `flags` 0 or VDM_PROXY_SPARE_FULL_PRIORITY.  Returns
 * 0 with *out, or a negative errno with one line in `err`.  Returns at once: the spare loads
 * and locks down in the background. */
int vdm_proxy_spare_start(const char *devhost, uint64_t cpu_mask, uint32_t flags,
			  struct vdm_proxy_spare **out, char *err, size_t err_len);

/* The same, for a spare that also creates the device `expect_spec` (a built-in type's
 * spec, as vdm_proxy_config.spec; NULL or "" for none) while it waits: a vdm_proxy_spawn
 * with exactly that spec finds it made and its config mirror filled, and answers sooner.
 * Any other spec is served as by any spare (the guess is dropped).  A guess that cannot be
 * made (bad spec) is dropped too, silently: it is only a guess.  Returns as above. */
int vdm_proxy_spare_start_expecting(const char *devhost, uint64_t cpu_mask, uint32_t flags,
				    const char *expect_spec, struct vdm_proxy_spare **out,
				    char *err, size_t err_len);

/* True while the spare's process runs (false for NULL). */
bool vdm_proxy_spare_alive(const struct vdm_proxy_spare *s);

/* True once it is armed and waits for its device (locked down, filter on, an expected
 * device made): a spawn given it now pays only for the rest.  A spare taken before that
 * works too; the spawn then also waits for the arming. */
bool vdm_proxy_spare_ready(const struct vdm_proxy_spare *s);

/* Its process id (-1 for NULL). */
int vdm_proxy_spare_pid(const struct vdm_proxy_spare *s);

/* True while it loads or waits at nice 19 (see above). */
bool vdm_proxy_spare_niced(const struct vdm_proxy_spare *s);

/* Kill an unused spare, reap it and close its fds.  NULL is ignored. */
void vdm_proxy_spare_free(struct vdm_proxy_spare *s);

/* True for a device vdm_proxy_spawn() returned. */
bool vdm_device_is_proxy(const struct vdm_device *dev);

/* The device host's pidfd (readable once it exited) and pid; -1 for a non-proxy. */
int vdm_proxy_pidfd(const struct vdm_device *dev);
int vdm_proxy_pid(const struct vdm_device *dev);

/* Eventfd the device host writes after queueing a log line or eject request. */
int vdm_proxy_notify_fd(const struct vdm_device *dev);

/* The irqfd of `line` (the caller's or the one the proxy made), or -1. */
int vdm_proxy_irqfd(const struct vdm_device *dev, uint32_t line);

/*
 * Deliver queued log lines (at most log_lines_per_s) and eject requests (honoured only from
 * a built-in acpi-ged: no other type owns ejects; others are refused and logged once),
 * check the CPU budget, and notice an exit (reap it, report EXITED).  Returns 1 while the
 * device host runs, 0 once it has exited.  Call it when the fds below are readable and at
 * least every 100-200 ms (budgets, delayed log lines).
 */
int vdm_proxy_poll(struct vdm_device *dev);

/*
 * Stop the device host now: ask it to destroy its device and exit, wait up to `timeout_ms`
 * (0: 100 ms), kill it if it has not exited by then, reap it and report EXITED (exit code 0
 * for an orderly exit).  The device then answers like a dead one until destroyed.
 * Returns 0 when it exited by itself, -ETIMEDOUT when it had to be killed, -EINVAL for a
 * non-proxy.
 */
int vdm_proxy_shutdown(struct vdm_device *dev, uint32_t timeout_ms);

/*
 * How the device host ended, once its exit has been noticed (vdm_proxy_poll, a failed
 * access, shutdown or destroy reaps it): returns 1 with *ev the EXITED event (exit_code or
 * signal, text); 0 while it runs or before the exit was noticed; -EINVAL for a non-proxy.
 */
int vdm_proxy_exit_info(const struct vdm_device *dev, struct vdm_proxy_event *ev);

/* Why the proxy failed (VDM_RING_FAULT_NONE while healthy).  A device failed for a budget
 * shows VDM_RING_FAULT_TIMEOUT here, and the budget in vdm_proxy_failure_reason(). */
enum vdm_ring_fault vdm_proxy_fault(const struct vdm_device *dev);

/* When the proxy failed the device for a budget: 1 and one line in `buf` ("used 812 ms of
 * CPU in 1000 ms, past its budget of 300 ms/s + 1 ms per request"); 0 otherwise (then
 * vdm_proxy_fault() says why, if it failed); -EINVAL for a non-proxy. */
int vdm_proxy_failure_reason(const struct vdm_device *dev, char *buf, size_t len);

/* What the device host counted (informational; it is untrusted): log lines it dropped,
 * malformed requests, and posted writes its device's handler refused. */
int vdm_proxy_counters(const struct vdm_device *dev, uint32_t *log_dropped,
		       uint32_t *bad_requests, uint32_t *write_errors);

/* What the VMM side of the ring counted for this device: round trips and the time spent
 * in them, posted writes, reads answered from the read mirror (ring.h).  Trusted (our own
 * counts).  Returns 0, or -EINVAL for a non-proxy. */
int vdm_proxy_stats(const struct vdm_device *dev, struct vdm_ring_client_stats *out);

/*
 * The jail.  Before READY the device host is locked down, and vdm_proxy_spawn() then checks
 * it from /proc (every thread: seccomp filter, no_new_privs, no capabilities, uid nobody for
 * a root VMM or the VMM's own uid; its own user, mount, net, ipc, uts and pid namespaces,
 * an empty root, no extra fd) and refuses a device host that is not, with an error naming
 * what was missing.  A namespace may be missing only where this host's kernel refuses it
 * to the device host (e.g. unshare(CLONE_NEWUSER) is EPERM in a chroot, or with
 * unprivileged user namespaces switched off), which the device host reports before any of
 * its device's code runs.  Those namespaces, as VDM_PROXY_NS_* bits:
 */
#define VDM_PROXY_NS_USER 1u
#define VDM_PROXY_NS_MNT 2u
#define VDM_PROXY_NS_NET 4u
#define VDM_PROXY_NS_IPC 8u
#define VDM_PROXY_NS_UTS 16u
#define VDM_PROXY_NS_PID 32u

/* The namespaces the host refused this device host (VDM_PROXY_NS_* bits; 0 when it has
 * all of them), with why in `why` (may be NULL): "user: Operation not permitted (...);
 * net: ...".  The same for every device of one host: a VMM says so once.  -EINVAL for a
 * non-proxy. */
int vdm_proxy_refused_namespaces(const struct vdm_device *dev, char *why, size_t why_len);

/* One PING round trip (no device handler runs): liveness checks and benchmarks.
 * Returns 0 or -EIO. */
int vdm_proxy_ping(struct vdm_device *dev);

/*
 * The vdm-devhost a proxy starts when vdm_proxy_config.devhost (or the spare's) is NULL:
 * $VDM_DEVHOST if set, else the one installed with this library (<libdir>/../libexec, found
 * from where libvdm-sandbox is loaded, so any install prefix works), else the path configured
 * at build time.  Writes it to out (len bytes); returns 0 when it is an executable file,
 * -ENOENT (err names where it looked and the fix) or -ENAMETOOLONG.
 */
int vdm_proxy_devhost_path(char *out, size_t len, char *err, size_t err_len);

#ifdef __cplusplus
}
#endif

#endif /* VDM_PROXY_H */
