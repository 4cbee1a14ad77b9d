/* Where the machine's devices run (vmm-example's libvdm-machine backend): each root port, the
 * GED and every device in its own sandboxed vdm-devhost (the default), or in the VMM. */
#ifndef VMM_MACHINE_SANDBOX_H
#define VMM_MACHINE_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <limits.h>

#include <vdm/device.h>
#include <vdm/machine.h>
#include <vdm/props.h>
#include <vdm/proxy.h>

#include "spare_pool.h"

struct vdm_machine;
struct vmm;

/* Someone to tell when a device host dies or is failed (from the thread that noticed:
 * a vCPU or the event loop).  The message is printed to stderr either way.  NULL: none. */
typedef void (*machine_sandbox_event_fn)(void *opaque, const struct vdm_proxy_event *ev);

/*
 * The backend's state (one per machine).  Spare device hosts (--spare-devhosts N, default 2;
 * none in-process): vdm-devhosts started and locked down ahead of need; the next sandboxed
 * device created (device_add) is given one, so hot-plugging waits only for the device itself.
 * When a taken one is replaced: spare_pool.h.
 */
struct machine_sandbox {
	bool in_process; /* --in-process: every device in this process */
	struct spare_pool spares;
	char devhost[PATH_MAX]; /* the device host found at init ("" until found) */
	machine_sandbox_event_fn event_hook;
	void *event_opaque;
	uint32_t ns_warned; /* VDM_PROXY_NS_* refused by the host, already said */
};

/*
 * Set up the backend: devices in this process (`in_process`) or each in its own device host,
 * `spares` spare hosts kept, started at nice 19 where that can be undone if `nice`.
 */
void machine_sandbox_init(struct machine_sandbox *sb, bool in_process, unsigned spares,
			  bool nice);
/* Drop any spares and keep `n` from now on, niced or not. */
void machine_sandbox_set_spares(struct machine_sandbox *sb, unsigned n, bool nice);
/* Kill the spares (teardown). */
void machine_sandbox_fini(struct machine_sandbox *sb);

/* The machine backend that creates devices this way (vdm/machine.h). */
void machine_sandbox_backend(struct machine_sandbox *sb, struct vdm_machine_backend *out);

/* The event loop's periodic turn for the device hosts (every <= 200 ms): vdm_proxy_poll
 * each, so their CPU budgets are checked and held log lines flow even when no fd fires. */
void machine_sandbox_tick(struct vdm_machine *m);

/* The event loop's turn (cheap: a pidfd poll per spare and the devices' access counters):
 * start a spare when one is due. */
void machine_sandbox_keep_spare(struct machine_sandbox *sb, struct vdm_machine *m,
				uint64_t now_ns);
/* A device_del asked the guest to give a device back: a spare may start soon. */
void machine_sandbox_spare_soon(struct machine_sandbox *sb);
/* The spares' pids, oldest first, into pids[0..max); returns how many. */
unsigned machine_sandbox_spare_pids(const struct machine_sandbox *sb, int *pids, unsigned max);
/* Who hears of device-host deaths (NULL: nobody). */
void machine_sandbox_set_event_hook(struct machine_sandbox *sb, machine_sandbox_event_fn fn,
				    void *opaque);

/*
 * The vdm-devhost to run: $VDM_DEVHOST if set, else beside this program
 * (<dir>/vdm-devhost, <dir>/../sandbox/vdm-devhost: the build tree), the build tree this
 * program was built in, the install's libexec directory.  Returns 0 with the path in
 * `out`, or -ENOENT with one line in err naming where it looked and the fixes.
 */
int machine_sandbox_devhost_path(char *out, size_t len, char *err, size_t err_len);

/*
 * Wire the interrupt lines of the machine's proxied platform devices (the GED's line 0 ->
 * desc.ged_gsi) to KVM with irqfds: the device host writes the eventfd once per edge and
 * KVM pulses the GSI, without the VMM's threads.  Call once the VM has its irqchip.  PCI
 * devices here raise no INTx.  Returns 0 or -errno with one line in err.
 */
int machine_sandbox_connect_irqs(struct vdm_machine *m, struct vmm *v, char *err,
				 size_t err_len);

/*
 * For the event loop: the fds to watch for readability (each running device host's
 * pidfd and notify eventfd).  Fills up to `max` and returns how many there are (call
 * again after device_add, device_del, or when machine_sandbox_handle returned 0).
 */
size_t machine_sandbox_fds(const struct vdm_machine *m, int *fds, size_t max);

/*
 * One of those fds is readable: deliver the device's queued log lines and ejects (to its
 * host callbacks) and notice its death.  Returns 1 (the device host runs), 0 (it has
 * ended: stop watching its fds, the pidfd stays readable), or -ENOENT (not a fd of ours).
 */
int machine_sandbox_handle(struct vdm_machine *m, int fd);

/* What machine_sandbox_state says. */
enum machine_sandbox_status {
	MACHINE_SANDBOX_IN_PROCESS = 0,
	MACHINE_SANDBOX_RUNNING,
	MACHINE_SANDBOX_FAILED,  /* died, hung or broke the ring: reads all-ones now */
	MACHINE_SANDBOX_STOPPED, /* exited 0 after an orderly stop */
};

/*
 * For `info devices`: "in-process", "running pid 42", "failed: killed by SIGKILL",
 * "failed: no answer in time (device hung); killed by SIGKILL", "failed: exited with code
 * 3", "stopped".  Writes at most `len` bytes to buf and returns the status.
 */
enum machine_sandbox_status machine_sandbox_state(const struct vdm_device *dev, char *buf,
						  size_t len);

#endif /* VMM_MACHINE_SANDBOX_H */
