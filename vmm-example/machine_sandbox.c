/* Where the machine's devices run: spawning each one in its own vdm-devhost (or creating it
 * in-process), the spare devhost kept for the next one, wiring its irqfd to KVM, and the fds
 * and states the event loop and the monitor need.  One machine per process, so the few
 * settings here are file-wide. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vdm/builtin.h>
#include <vdm/devices.h>

#include "machine.h"
#include "machine_sandbox.h"
#include "spare_pool.h"
#include "vmm.h"

#ifndef VMM_DEVHOST_BUILD
#define VMM_DEVHOST_BUILD ""
#endif
#ifndef VMM_DEVHOST_INSTALLED
#define VMM_DEVHOST_INSTALLED "/usr/local/libexec/vdm-devhost"
#endif

#define SPEC_MAX 1024

static bool in_process;
static machine_sandbox_event_fn event_hook;
static void *event_opaque;
static struct spare_pool spares;

void machine_sandbox_set_in_process(bool on)
{
	in_process = on;
}

bool machine_sandbox_in_process(void)
{
	return in_process;
}

void machine_sandbox_set_spares(unsigned n, bool nice)
{
	spare_pool_drop(&spares);
	spare_pool_init(&spares, n, nice);
}

/* Accesses to every device host so far (round trips, posted writes, mirror reads). */
static uint64_t device_traffic(const struct machine *m)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < m->ndevs; i++) {
		struct vdm_ring_client_stats st;

		if (m->devs[i].dev && vdm_proxy_stats(m->devs[i].dev, &st) == 0)
			n += st.calls + st.posts + st.mirror_reads;
	}
	return n;
}

void machine_sandbox_keep_spare(const struct machine *m, uint64_t now_ns)
{
	char path[PATH_MAX], err[256];

	if (in_process || !spares.want)
		return;
	if (machine_sandbox_devhost_path(path, sizeof(path), err, sizeof(err))) {
		if (now_ns >= spares.due_ns) /* once per retry period, as a failed start */
			fprintf(stderr, "vmm-example: no spare device host: %s\n", err);
		spares.due_ns = spares.latest_ns = now_ns + SPARE_POOL_RETRY_NS;
		return;
	}
	spare_pool_keep(&spares, now_ns, device_traffic(m), path);
}

void machine_sandbox_spare_soon(void)
{
	spare_pool_soon(&spares, vmm_now_ns());
}

unsigned machine_sandbox_spare_pids(int *pids, unsigned max)
{
	return spare_pool_pids(&spares, pids, max);
}

void machine_sandbox_drop_spare(void)
{
	spare_pool_drop(&spares);
}

void machine_sandbox_set_event_hook(machine_sandbox_event_fn fn, void *opaque)
{
	event_hook = fn;
	event_opaque = opaque;
}

static bool runnable(const char *path)
{
	return path[0] && access(path, X_OK) == 0;
}

int machine_sandbox_devhost_path(char *out, size_t len, char *err, size_t err_len)
{
	const char *env = getenv("VDM_DEVHOST");
	char exe[PATH_MAX], cand[3][PATH_MAX + 32];
	ssize_t n;
	char *slash;
	int i;

	if (env && env[0]) {
		if (!runnable(env)) {
			snprintf(err, err_len, "VDM_DEVHOST=%s: %s: point it at a built vdm-devhost, "
				 "or use --in-process", env, strerror(errno));
			return -ENOENT;
		}
		snprintf(out, len, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	snprintf(cand[0], sizeof(cand[0]), "%s/vdm-devhost", exe[0] ? exe : ".");
	snprintf(cand[1], sizeof(cand[1]), "%s/../sandbox/vdm-devhost", exe[0] ? exe : ".");
	snprintf(cand[2], sizeof(cand[2]), "%s", VMM_DEVHOST_BUILD);
	for (i = 0; i < 3; i++)
		if (runnable(cand[i]) && strlen(cand[i]) < len)
			break;
	if (i == 3 && !runnable(VMM_DEVHOST_INSTALLED)) {
		snprintf(err, err_len, "vdm-devhost not found (looked beside %s, in %s and %s): "
			 "build it (cmake --build BUILD --target vdm-devhost), set "
			 "VDM_DEVHOST=PATH, or run the devices in this process with --in-process",
			 exe[0] ? exe : "this program", VMM_DEVHOST_BUILD[0] ? VMM_DEVHOST_BUILD
									 : "the build tree",
			 VMM_DEVHOST_INSTALLED);
		return -ENOENT;
	}
	snprintf(out, len, "%s", i < 3 ? cand[i] : VMM_DEVHOST_INSTALLED);
	return 0;
}

/* Built-in types run in a devhost; the host bridge function is part of the VMM. */
static bool sandboxed(const struct vdm_device_type *t)
{
	return !in_process && t != &vdm_host_bridge_type && vdm_builtin_find(t->name) == t;
}

/* "type,k=v,..." with the type's own properties only (the devhost parses it again). */
static int make_spec(const struct vdm_device_type *t, const struct vdm_prop_values *pv,
		     char *spec, size_t len)
{
	size_t n = (size_t)snprintf(spec, len, "%s", t->name);
	uint32_t i;

	for (i = 0; pv && i < pv->count && i < VDM_PROPS_MAX; i++) {
		const struct vdm_prop_desc *d = pv->v[i].desc;

		if (!d || d < t->props_schema || d >= t->props_schema + t->num_props)
			continue; /* id=, bus=, addr=: the machine's */
		n += (size_t)snprintf(spec + (n < len ? n : len), n < len ? len - n : 0, ",%s=%s",
				      d->name, pv->v[i].str);
	}
	return n < len ? 0 : -E2BIG;
}

/* $VDM_DEVHOST_SPIN_NS: how long a device host spins for its next request before it
 * sleeps (0 or unset: the proxy's default, 50 us; at most 100 ms).  For tuning and for the
 * sandbox MMIO benchmark (BENCHMARKS.md): a request that finds its device host asleep pays a
 * wake-up, which costs most where exits are slow (nested KVM). */
static uint32_t spin_from_env(void)
{
	const char *s = getenv("VDM_DEVHOST_SPIN_NS");
	char *end;
	unsigned long v;

	if (!s || !*s)
		return 0;
	v = strtoul(s, &end, 0);
	return *end || v > 100000000ul ? 0 : (uint32_t)v;
}

static void on_event(void *opaque, const struct vdm_proxy_event *ev)
{
	(void)opaque;
	fprintf(stderr, "vmm-example: device process %s%s\n", ev->text,
		ev->kind == VDM_PROXY_EV_EXITED && ev->exit_code == 0
			? ""
			: "; the device now reads as all-ones (device_del removes it)");
	if (event_hook)
		event_hook(event_opaque, ev);
}

int machine_spawn_device(const struct vdm_device_type *t, const struct vdm_prop_values *props,
			 const struct vdm_host *host, struct vdm_device **out, char *err,
			 size_t err_len)
{
	struct vdm_proxy_config cfg = { VDM_STRUCT_HEAD(struct vdm_proxy_config) };
	char path[PATH_MAX], spec[SPEC_MAX];
	int rc;

	*out = NULL;
	if (!sandboxed(t))
		return t->create(props, host, out, err, err_len);
	rc = machine_sandbox_devhost_path(path, sizeof(path), err, err_len);
	if (rc)
		return rc;
	if (make_spec(t, props, spec, sizeof(spec))) {
		snprintf(err, err_len, "%s: properties too long for a device host", t->name);
		return -E2BIG;
	}
	cfg.devhost = path;
	cfg.spec = spec;
	cfg.dev_spin_ns = spin_from_env();
	cfg.host = host;
	cfg.on_event = on_event;
	/* A spare (if any) is taken whatever happens; its replacement waits for the guest. */
	cfg.spare = spare_pool_take(&spares, vmm_now_ns());
	if (t->bus_kind == VDM_BUS_PCI_ENDPOINT) /* what device_add may ask for again */
		spare_pool_expect(&spares, spec);
	return vdm_proxy_spawn(&cfg, out, err, err_len);
}

int machine_sandbox_connect_irqs(struct machine *m, struct vmm *v, char *err, size_t err_len)
{
	unsigned i;

	for (i = 0; i < m->ndevs; i++) {
		struct vdm_device *dev = m->devs[i].dev;
		uint64_t stale;
		int fd, rc;

		if (!dev || !vdm_device_is_proxy(dev) || dev->res.bus_kind != VDM_BUS_PLATFORM ||
		    !dev->res.num_irqs)
			continue;
		/* As machine.c's platform_irq: the one platform device is the GED, line 0. */
		fd = vdm_proxy_irqfd(dev, 0);
		/* An edge before the VM existed is dropped, as in-process (no irq sink yet). */
		if (read(fd, &stale, sizeof(stale)) < 0 && errno != EAGAIN) {
			snprintf(err, err_len, "%s: irqfd: %s", m->devs[i].id, strerror(errno));
			return -EIO;
		}
		rc = vmm_irqfd(v, fd, m->desc.ged_gsi, -1);
		if (rc) {
			snprintf(err, err_len, "%s: KVM_IRQFD for GSI %u: %s", m->devs[i].id,
				 m->desc.ged_gsi, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* A device host that is still worth watching (its exit not yet noticed). */
static bool watched(const struct vdm_device *dev)
{
	struct vdm_proxy_event ev;

	return dev && vdm_device_is_proxy(dev) && vdm_proxy_exit_info(dev, &ev) == 0;
}

size_t machine_sandbox_fds(const struct machine *m, int *fds, size_t max)
{
	size_t n = 0;
	unsigned i;

	for (i = 0; i < m->ndevs; i++) {
		const struct vdm_device *dev = m->devs[i].dev;

		if (!watched(dev))
			continue;
		if (n < max)
			fds[n] = vdm_proxy_pidfd(dev);
		n++;
		if (n < max)
			fds[n] = vdm_proxy_notify_fd(dev);
		n++;
	}
	return n;
}

int machine_sandbox_handle(struct machine *m, int fd)
{
	unsigned i;

	if (fd < 0)
		return -ENOENT;
	for (i = 0; i < m->ndevs; i++) {
		struct machine_dev *d = &m->devs[i];
		bool platform;
		int rc;

		if (!d->dev || !vdm_device_is_proxy(d->dev) ||
		    (vdm_proxy_pidfd(d->dev) != fd && vdm_proxy_notify_fd(d->dev) != fd))
			continue;
		/* The log ring has one consumer at a time: a platform device's vCPU-side
		 * consumer (machine_platform_write) holds this lock. */
		platform = d->fn < 0;
		if (platform)
			pthread_mutex_lock(&d->lock);
		rc = vdm_proxy_poll(d->dev) > 0 ? 1 : 0;
		if (platform)
			pthread_mutex_unlock(&d->lock);
		return rc;
	}
	return -ENOENT;
}

/* A device host that ended but whose end nobody noticed yet (no access, no poll since):
 * read how it ended without reaping it (the proxy reaps and reports it later). */
static bool peek_exit(const struct vdm_device *dev, struct vdm_proxy_event *ev)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid((idtype_t)P_PIDFD, (id_t)vdm_proxy_pidfd(dev), &si,
		   WEXITED | WNOHANG | WNOWAIT | __WALL) || si.si_pid == 0)
		return false;
	memset(ev, 0, sizeof(*ev));
	ev->exit_code = si.si_code == CLD_EXITED ? si.si_status : -1;
	ev->signal = si.si_code == CLD_EXITED ? 0 : si.si_status;
	return true;
}

enum machine_sandbox_status machine_sandbox_state(const struct vdm_device *dev, char *buf,
						  size_t len)
{
	enum vdm_ring_fault f;
	struct vdm_proxy_event ev;
	const char *sig;

	if (!dev || !vdm_device_is_proxy(dev)) {
		snprintf(buf, len, "in-process");
		return MACHINE_SANDBOX_IN_PROCESS;
	}
	f = vdm_proxy_fault(dev);
	if (vdm_proxy_exit_info(dev, &ev) != 1 && !peek_exit(dev, &ev)) {
		if (f == VDM_RING_FAULT_NONE) {
			snprintf(buf, len, "running pid %d", vdm_proxy_pid(dev));
			return MACHINE_SANDBOX_RUNNING;
		}
		snprintf(buf, len, "failed: %s", vdm_ring_fault_str(f));
		return MACHINE_SANDBOX_FAILED;
	}
	if (ev.signal) {
		sig = sigabbrev_np(ev.signal);
		if (f != VDM_RING_FAULT_NONE && f != VDM_RING_FAULT_DEAD)
			snprintf(buf, len, "failed: %s; killed by SIG%s", vdm_ring_fault_str(f),
				 sig ? sig : "?");
		else
			snprintf(buf, len, "failed: killed by SIG%s%s", sig ? sig : "?",
				 ev.signal == SIGSYS ? " (seccomp refused a system call)" : "");
		return MACHINE_SANDBOX_FAILED;
	}
	if (ev.exit_code == 0 && f != VDM_RING_FAULT_NONE && f != VDM_RING_FAULT_DEAD) {
		snprintf(buf, len, "failed: %s", vdm_ring_fault_str(f));
		return MACHINE_SANDBOX_FAILED;
	}
	if (ev.exit_code == 0) {
		snprintf(buf, len, "stopped");
		return MACHINE_SANDBOX_STOPPED;
	}
	if (ev.exit_code < 0)
		snprintf(buf, len, "failed: exited (status unknown)");
	else
		snprintf(buf, len, "failed: exited with code %d", ev.exit_code);
	return MACHINE_SANDBOX_FAILED;
}
