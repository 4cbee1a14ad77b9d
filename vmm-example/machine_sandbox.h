/* Where the machine's devices run: each root port, the GED and every device in its own
 * sandboxed vdm-devhost (the default), or all inside the VMM (--in-process). */
#ifndef VMM_MACHINE_SANDBOX_H
#define VMM_MACHINE_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vdm/device.h>
#include <vdm/props.h>
#include <vdm/proxy.h>

struct machine;
struct vmm;

/*
 * The choice is machine-wide (one machine per VMM process): machine_build() sets it from
 * --in-process before it creates any device.  Default: sandboxed.
 */
void machine_sandbox_set_in_process(bool in_process);
bool machine_sandbox_in_process(void);

/*
 * Spare device hosts (--spare-devhosts N, default 2; none in-process): vdm-devhosts started
 * and locked down ahead of need, the next sandboxed device created (device_add) is given
 * one, so hot-plugging waits only for the device itself.  When a taken one is replaced:
 * spare_pool.h.  machine_sandbox_keep_spare() is the event loop's turn (cheap: a pidfd
 * poll per spare and the devices' access counters); machine_sandbox_spare_soon() says a
 * device_del asked the guest to give a device back; machine_sandbox_drop_spare() kills
 * them (teardown).  set_spares(n, nice) drops any there are and keeps n from then on,
 * started at nice 19 where that can be undone if `nice` (vmm-example: always).
 */
void machine_sandbox_set_spares(unsigned n, bool nice);
void machine_sandbox_keep_spare(const struct machine *m, uint64_t now_ns);
void machine_sandbox_spare_soon(void);
void machine_sandbox_drop_spare(void);
/* The spares' pids, oldest first, into pids[0..max); returns how many. */
unsigned machine_sandbox_spare_pids(int *pids, unsigned max);

/*
 * The vdm-devhost to run: $VDM_DEVHOST if set, else beside this program
 * (<dir>/vdm-devhost, <dir>/../sandbox/vdm-devhost: the build tree), the build tree this
 * program was built in, the install's libexec directory.  Returns 0 with the path in
 * `out`, or -ENOENT with one line in err naming where it looked and the fixes.
 */
int machine_sandbox_devhost_path(char *out, size_t len, char *err, size_t err_len);

/*
 * Create a device of type `t` with properties `props` (extra ones such as id/bus/addr are
 * the machine's and are not passed on) and host callbacks `host`: in a vdm-devhost of its
 * own (the built-in types, unless --in-process), else in this process (the host bridge
 * function always).  A proxied device's log and eject callbacks run from
 * machine_sandbox_handle(), its interrupt line goes through its irqfd (see
 * machine_sandbox_connect_irqs), and host->set_irq is never called.  Returns 0 and *out,
 * or a negative errno with one line in err (the property, or why the device host failed).
 */
int machine_spawn_device(const struct vdm_device_type *t, const struct vdm_prop_values *props,
			 const struct vdm_host *host, struct vdm_device **out, char *err,
			 size_t err_len);

/*
 * Wire the interrupt lines of the machine's proxied platform devices (the GED's line 0 ->
 * desc.ged_gsi) to KVM with irqfds: the device host writes the eventfd once per edge and
 * KVM pulses the GSI, without the VMM's threads.  Call once the VM has its irqchip.  PCI
 * devices here raise no INTx.  Returns 0 or -errno with one line in err.
 */
int machine_sandbox_connect_irqs(struct machine *m, struct vmm *v, char *err, size_t err_len);

/*
 * For the event loop: the fds to watch for readability (each running device host's
 * pidfd and notify eventfd).  Fills up to `max` and returns how many there are (call
 * again after device_add, device_del, or when machine_sandbox_handle returned 0).
 */
size_t machine_sandbox_fds(const struct machine *m, int *fds, size_t max);

/*
 * One of those fds is readable: deliver the device's queued log lines and ejects (to its
 * host callbacks) and notice its death.  Returns 1 (the device host runs), 0 (it has
 * ended: stop watching its fds, the pidfd stays readable), or -ENOENT (not a fd of ours).
 */
int machine_sandbox_handle(struct machine *m, int fd);

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

/* Someone to tell when a device host dies or is failed (from the thread that noticed:
 * a vCPU or the event loop).  The message is printed to stderr either way.  NULL: none. */
typedef void (*machine_sandbox_event_fn)(void *opaque, const struct vdm_proxy_event *ev);
void machine_sandbox_set_event_hook(machine_sandbox_event_fn fn, void *opaque);

#endif /* VMM_MACHINE_SANDBOX_H */
