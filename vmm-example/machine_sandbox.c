/* Where the machine's devices run: spawning each one in its own vdm-devhost (or creating it
 * in-process), the spare devhosts kept for the next one, wiring the GED's irqfd to KVM, and
 * the fds and states the event loop and the monitor need. */
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

void machine_sandbox_init(struct machine_sandbox *sb, bool in_process, unsigned spares,
			  bool nice)
{
	memset(sb, 0, sizeof(*sb));
	sb->in_process = in_process;
	spare_pool_init(&sb->spares, in_process ? 0 : spares, nice);
}

void machine_sandbox_set_spares(struct machine_sandbox *sb, unsigned n, bool nice)
{
	spare_pool_drop(&sb->spares);
	spare_pool_init(&sb->spares, sb->in_process ? 0 : n, nice);
}

void machine_sandbox_fini(struct machine_sandbox *sb)
{
	spare_pool_drop(&sb->spares);
}

/* Accesses to every device host so far (round trips, posted writes, mirror reads). */
static uint64_t device_traffic(const struct vdm_machine *m)
{
	struct vdm_machine_dev_info info;
	uint64_t n = 0;

	for (size_t i = 0; i < vdm_machine_num_devices(m); i++) {
		struct vdm_ring_client_stats st;

		if (vdm_machine_device(m, i, &info) == 0 && info.dev &&
		    vdm_proxy_stats(info.dev, &st) == 0)
			n += st.calls + st.posts + st.mirror_reads;
	}
	return n;
}

/* The device host, found once (it does not move while we run). */
static const char *devhost(struct machine_sandbox *sb, char *err, size_t err_len)
{
	if (!sb->devhost[0] &&
	    machine_sandbox_devhost_path(sb->devhost, sizeof(sb->devhost), err, err_len))
		sb->devhost[0] = 0;
	return sb->devhost[0] ? sb->devhost : NULL;
}

void machine_sandbox_keep_spare(struct machine_sandbox *sb, struct vdm_machine *m,
				uint64_t now_ns)
{
	struct spare_pool *spares = &sb->spares;
	const char *path;
	char err[256];

	if (sb->in_process || !spares->want)
		return;
	path = devhost(sb, err, sizeof(err));
	if (!path) {
		if (now_ns >= spares->due_ns) /* once per retry period, as a failed start */
			fprintf(stderr, "vmm-example: no spare device host: %s\n", err);
		spares->due_ns = spares->latest_ns = now_ns + SPARE_POOL_RETRY_NS;
		return;
	}
	spare_pool_keep(spares, now_ns, device_traffic(m), path);
}

void machine_sandbox_spare_soon(struct machine_sandbox *sb)
{
	spare_pool_soon(&sb->spares, vmm_now_ns());
}

unsigned machine_sandbox_spare_pids(const struct machine_sandbox *sb, int *pids, unsigned max)
{
	return spare_pool_pids(&sb->spares, pids, max);
}

void machine_sandbox_set_event_hook(struct machine_sandbox *sb, machine_sandbox_event_fn fn,
				    void *opaque)
{
	sb->event_hook = fn;
	sb->event_opaque = opaque;
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
static bool sandboxed(const struct machine_sandbox *sb, const struct vdm_device_type *t)
{
	return !sb->in_process && t != &vdm_host_bridge_type && vdm_builtin_find(t->name) == t;
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
	struct machine_sandbox *sb = opaque;

	fprintf(stderr, "vmm-example: device process %s%s\n", ev->text,
		ev->kind == VDM_PROXY_EV_EXITED && ev->exit_code == 0
			? ""
			: "; the device now reads as all-ones (device_del removes it)");
	if (sb->event_hook)
		sb->event_hook(sb->event_opaque, ev);
}

/* Namespaces the host refuses device hosts: said once per run (the same for every device). */
static void warn_refused(struct machine_sandbox *sb, const struct vdm_device *dev)
{
	char why[512] = "";
	int refused = vdm_proxy_refused_namespaces(dev, why, sizeof(why));

	if (refused <= 0 || ((uint32_t)refused & ~sb->ns_warned) == 0)
		return;
	sb->ns_warned |= (uint32_t)refused;
	fprintf(stderr, "vmm-example: WARNING: this host refuses device hosts namespaces (%s); "
		"they run without them (seccomp, no_new_privs, uid and capabilities still hold: "
		"sandbox/README.md, threat model)\n", why);
}

static int create_device(void *opaque, const struct vdm_device_type *t,
			 const struct vdm_prop_values *props, const struct vdm_host *host,
			 struct vdm_device **out, char *err, size_t err_len)
{
	struct machine_sandbox *sb = opaque;
	struct vdm_proxy_config cfg = { VDM_STRUCT_HEAD(struct vdm_proxy_config) };
	const char *path;
	char spec[SPEC_MAX];
	int rc;

	*out = NULL;
	if (!sandboxed(sb, t))
		return t->create(props, host, out, err, err_len);
	path = devhost(sb, err, err_len);
	if (!path)
		return -ENOENT;
	if (vdm_machine_type_spec(t, props, spec, sizeof(spec))) {
		snprintf(err, err_len, "%s: properties too long for a device host", t->name);
		return -E2BIG;
	}
	cfg.devhost = path;
	cfg.spec = spec;
	cfg.dev_spin_ns = spin_from_env();
	cfg.host = host;
	cfg.on_event = on_event;
	cfg.opaque = sb;
	/* A spare (if any) is taken whatever happens; its replacement waits for the guest. */
	cfg.spare = spare_pool_take(&sb->spares, vmm_now_ns());
	if (t->bus_kind == VDM_BUS_PCI_ENDPOINT) /* what device_add may ask for again */
		spare_pool_expect(&sb->spares, spec);
	rc = vdm_proxy_spawn(&cfg, out, err, err_len);
	if (!rc)
		warn_refused(sb, *out);
	return rc;
}

/* A removed device: what its device host did, then stop it. */
static void destroy_device(void *opaque, const char *id, struct vdm_device *dev)
{
	struct vdm_ring_client_stats st;

	(void)opaque;
	if (vdm_device_is_proxy(dev) && vdm_proxy_stats(dev, &st) == 0 && st.calls + st.posts)
		fprintf(stderr, "vmm-example: %s's device host answered %llu round trips (%.1f ms "
			"in all), took %llu posted writes; %llu reads came from its read mirror\n",
			id, (unsigned long long)st.calls, (double)st.call_ns / 1e6,
			(unsigned long long)st.posts, (unsigned long long)st.mirror_reads);
	vdm_device_destroy(dev);
}

/* The guest's _EJ0 wrote a sandboxed GED's eject register: the eject travels back through
 * the ring's log area; wait for the posted write to be served and deliver it now, inside
 * the guest's write, as an in-process GED does.  (The event loop also polls, under the same
 * lock.) */
static void deliver(void *opaque, struct vdm_device *dev)
{
	(void)opaque;
	if (vdm_device_is_proxy(dev) && vdm_proxy_ping(dev) == 0)
		vdm_proxy_poll(dev);
}

void machine_sandbox_backend(struct machine_sandbox *sb, struct vdm_machine_backend *out)
{
	memset(out, 0, sizeof(*out));
	out->create_device = create_device;
	out->destroy_device = destroy_device;
	out->deliver = deliver;
	out->opaque = sb;
}

int machine_sandbox_connect_irqs(struct vdm_machine *m, struct vmm *v, char *err,
				 size_t err_len)
{
	const struct vdm_mach_desc *d = vdm_machine_desc(m);
	struct vdm_machine_dev_info info;
	int g = vdm_machine_ged(m), fd, rc;
	uint64_t stale;

	/* The one platform device with an interrupt is the GED: line 0 -> desc.ged_gsi. */
	if (g < 0 || vdm_machine_device(m, (size_t)g, &info) || !info.dev ||
	    !vdm_device_is_proxy(info.dev) || !info.dev->res.num_irqs)
		return 0;
	fd = vdm_proxy_irqfd(info.dev, 0);
	/* An edge before the VM existed is dropped, as in-process (no irq sink yet). */
	if (read(fd, &stale, sizeof(stale)) < 0 && errno != EAGAIN) {
		snprintf(err, err_len, "%s: irqfd: %s", info.id, strerror(errno));
		return -EIO;
	}
	rc = vmm_irqfd(v, fd, d->ged_gsi, -1);
	if (rc) {
		snprintf(err, err_len, "%s: KVM_IRQFD for GSI %u: %s", info.id, d->ged_gsi,
			 strerror(-rc));
		return rc;
	}
	return 0;
}

static bool watched(const struct vdm_device *dev);

void machine_sandbox_tick(struct vdm_machine *m)
{
	struct vdm_machine_dev_info info;

	for (size_t i = 0; i < vdm_machine_num_devices(m); i++) {
		if (vdm_machine_device(m, i, &info) || !watched(info.dev))
			continue;
		if (info.pci_fn < 0) /* one log consumer at a time (machine_sandbox_handle) */
			vdm_machine_device_lock(m, i);
		vdm_proxy_poll(info.dev);
		if (info.pci_fn < 0)
			vdm_machine_device_unlock(m, i);
	}
}

/* A device host that is still worth watching (its exit not yet noticed). */
static bool watched(const struct vdm_device *dev)
{
	struct vdm_proxy_event ev;

	return dev && vdm_device_is_proxy(dev) && vdm_proxy_exit_info(dev, &ev) == 0;
}

size_t machine_sandbox_fds(const struct vdm_machine *m, int *fds, size_t max)
{
	struct vdm_machine_dev_info info;
	size_t n = 0, i;

	for (i = 0; i < vdm_machine_num_devices(m); i++) {
		if (vdm_machine_device(m, i, &info) || !watched(info.dev))
			continue;
		if (n < max)
			fds[n] = vdm_proxy_pidfd(info.dev);
		n++;
		if (n < max)
			fds[n] = vdm_proxy_notify_fd(info.dev);
		n++;
	}
	return n;
}

int machine_sandbox_handle(struct vdm_machine *m, int fd)
{
	struct vdm_machine_dev_info info;
	size_t i;
	int rc;

	if (fd < 0)
		return -ENOENT;
	for (i = 0; i < vdm_machine_num_devices(m); i++) {
		if (vdm_machine_device(m, i, &info) || !info.dev || !vdm_device_is_proxy(info.dev) ||
		    (vdm_proxy_pidfd(info.dev) != fd && vdm_proxy_notify_fd(info.dev) != fd))
			continue;
		/* The log ring has one consumer at a time: a platform device's vCPU-side
		 * consumer (the backend's deliver, inside the guest's write) holds this lock. */
		if (info.pci_fn < 0)
			vdm_machine_device_lock(m, i);
		rc = vdm_proxy_poll(info.dev) > 0 ? 1 : 0;
		if (info.pci_fn < 0)
			vdm_machine_device_unlock(m, i);
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
	{
		char why[160];

		/* failed for a budget (slow answers, CPU): the proxy's own reason */
		if (vdm_proxy_failure_reason(dev, why, sizeof(why)) == 1) {
			snprintf(buf, len, "failed: %s", why);
			return MACHINE_SANDBOX_FAILED;
		}
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
