/* The VMM-side proxy: a struct vdm_device whose handlers forward over the ring to a device
 * host process, and which turns hangs, garbage and deaths into all-ones plus one event. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proxy_int.h"

static struct proxy *to_proxy(struct vdm_device *dev)
{
	return (struct proxy *)dev;
}

void vdm__proxy_emit(struct proxy *p, struct vdm_proxy_event *ev)
{
	ev->pid = p->pid;
	ev->type_name = p->type_name;
	if (p->on_event && !__atomic_load_n(&p->destroying, __ATOMIC_ACQUIRE))
		p->on_event(p->opaque, ev);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void vdm__proxy_reap(struct proxy *p, int wait_ms)
{
	struct vdm_proxy_event ev = { .kind = VDM_PROXY_EV_EXITED, .exit_code = -1 };
	uint64_t deadline = now_ms() + (uint64_t)(wait_ms > 0 ? wait_ms : 0);
	siginfo_t si;

	/* Never a blocking waitid: a process that does not end (uninterruptible sleep) must
	 * not hold the caller, nor the lock, forever.  (The pidfd may turn readable a moment
	 * before waitid sees the zombie: look again every 2 ms until the deadline.) */
	for (;;) {
		memset(&si, 0, sizeof(si));
		pthread_mutex_lock(&p->reap_lock); /* waitid and the report are one step */
		if (waitid((idtype_t)P_PIDFD, (id_t)p->pidfd, &si, WEXITED | __WALL | WNOHANG)) {
			/* ECHILD: someone else reaped it (a waitid(__WALL) elsewhere in the
			 * VMM): it is gone, with an exit status we will never know. */
			if (errno != ECHILD)
				goto out;
			si.si_code = CLD_EXITED;
			si.si_status = -1;
			break;
		}
		if (si.si_pid != 0)
			break;
		pthread_mutex_unlock(&p->reap_lock);
		{
			struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };
			uint64_t now = now_ms();

			if (now >= deadline)
				return; /* still running */
			poll(&pfd, 1, deadline - now < 2 ? (int)(deadline - now) : 2);
		}
	}
	if (p->ring)
		vdm_ring_client_fail(p->ring, VDM_RING_FAULT_DEAD); /* wakes a waiting access */
	if (__atomic_exchange_n(&p->exit_reported, 1, __ATOMIC_ACQ_REL))
		goto out;
	if (si.si_code == CLD_EXITED && si.si_status < 0) {
		snprintf(ev.text, sizeof(ev.text), "%s (pid %d): exited, status unknown (reaped "
			 "elsewhere)", p->type_name, p->pid);
	} else if (si.si_code == CLD_EXITED) {
		ev.exit_code = si.si_status;
		snprintf(ev.text, sizeof(ev.text), "%s (pid %d): exited with code %d", p->type_name,
			 p->pid, si.si_status);
	} else {
		ev.signal = si.si_status;
		snprintf(ev.text, sizeof(ev.text), "%s (pid %d): killed by signal %d (%s%s)",
			 p->type_name, p->pid, si.si_status, strsignal(si.si_status),
			 si.si_status == SIGSYS ? ": seccomp refused a system call" : "");
	}
	p->exit = ev;
	vdm__proxy_emit(p, &ev);
out:
	pthread_mutex_unlock(&p->reap_lock);
}

static void kill_devhost(struct proxy *p)
{
	syscall(SYS_pidfd_send_signal, p->pidfd, SIGKILL, NULL, 0);
}

/* An access failed: say why once (hung or garbage), and stop the device host. */
static void after_fault(struct proxy *p)
{
	enum vdm_ring_fault f = vdm_ring_client_fault(p->ring);
	struct vdm_proxy_event ev = { .exit_code = -1, .fault = f };

	if (f == VDM_RING_FAULT_DEAD) {
		vdm__proxy_reap(p, 0);
		return;
	}
	if (__atomic_exchange_n(&p->fault_reported, 1, __ATOMIC_ACQ_REL))
		return;
	kill_devhost(p);
	ev.kind = f == VDM_RING_FAULT_TIMEOUT ? VDM_PROXY_EV_HUNG : VDM_PROXY_EV_PROTOCOL;
	snprintf(ev.text, sizeof(ev.text), "%s (pid %d): %s; device failed, process killed",
		 p->type_name, p->pid, vdm_ring_fault_str(f));
	vdm__proxy_emit(p, &ev);
}

/* Each access is bounded by the device's wait budget as well as timeout_ms, and charged. */
static int sync_call(struct proxy *p, uint32_t kind, uint32_t region, uint64_t off,
		     uint32_t size, uint64_t data, uint64_t *value, int32_t *status)
{
	uint64_t t0 = vdm__proxy_budget_before(p);
	int rc = vdm_ring_client_call(p->ring, kind, region, off, size, data, value, status);

	if (vdm__proxy_budget_after(p, t0, rc))
		return -EIO; /* *value is all-ones already */
	if (rc) {
		after_fault(p);
		return -EIO;
	}
	return 0;
}

static int posted(struct proxy *p, uint32_t kind, uint32_t region, uint64_t off, uint32_t size,
		  uint64_t value)
{
	uint64_t t0 = vdm__proxy_budget_before(p);
	int rc = vdm_ring_client_post(p->ring, kind, region, off, size, value);

	if (vdm__proxy_budget_after(p, t0, rc))
		return -EIO;
	if (rc) {
		after_fault(p);
		return -EIO;
	}
	return 0;
}

/* What the wire cannot carry is answered here, exactly as the PCI config core would. */
static int cfg_access_ok(uint32_t off, uint32_t size)
{
	if (size != 1 && size != 2 && size != 4)
		return -EINVAL;
	if (off >= VDM_PROXY_CFG_SPACE || off + size > VDM_PROXY_CFG_SPACE)
		return -ERANGE;
	return 0;
}

static int bar_access_ok(uint32_t region, uint32_t size)
{
	if (region >= VDM_MAX_REGIONS || (size != 1 && size != 2 && size != 4 && size != 8))
		return -EINVAL;
	return 0;
}

static int px_cfg_read(struct vdm_device *dev, uint32_t off, uint32_t size, uint32_t *value)
{
	struct proxy *p = to_proxy(dev);
	int rc = cfg_access_ok(off, size);
	uint64_t v;
	int32_t st;

	*value = UINT32_MAX;
	if (rc)
		return rc;
	if ((p->dev.res.pure_reads & VDM_PURE_CFG) &&
	    vdm_ring_client_mirror_read(p->ring, VDM_RING_MIRROR_CFG, off, size, &v) == 0) {
		*value = (uint32_t)v;
		return 0;
	}
	if (sync_call(p, VDM_RING_CFG_READ, 0, off, size, 0, &v, &st))
		return -EIO;
	*value = (uint32_t)v;
	return st;
}

static int px_cfg_write(struct vdm_device *dev, uint32_t off, uint32_t size, uint32_t value)
{
	int rc = cfg_access_ok(off, size);

	return rc ? rc : posted(to_proxy(dev), VDM_RING_CFG_WRITE, 0, off, size, value);
}

static int px_bar_read(struct vdm_device *dev, uint32_t region, uint64_t off, uint32_t size,
		       uint64_t *value)
{
	struct proxy *p = to_proxy(dev);
	int rc = bar_access_ok(region, size);
	int32_t st;

	*value = UINT64_MAX;
	if (rc)
		return rc;
	/* A pure region's first bytes come from the device's read mirror when it is current
	 * (ring.h); inside the declared size only: past it the device answers -ERANGE. */
	if ((p->dev.res.pure_reads & VDM_PURE_REGION(region)) &&
	    off < p->dev.res.regions[region].size &&
	    size <= p->dev.res.regions[region].size - off &&
	    vdm_ring_client_mirror_read(p->ring, region, off, size, value) == 0)
		return 0;
	if (sync_call(p, VDM_RING_BAR_READ, region, off, size, 0, value, &st))
		return -EIO;
	return st;
}

static int px_bar_write(struct vdm_device *dev, uint32_t region, uint64_t off, uint32_t size,
			uint64_t value)
{
	int rc = bar_access_ok(region, size);

	return rc ? rc : posted(to_proxy(dev), VDM_RING_BAR_WRITE, region, off, size, value);
}

static void px_reset(struct vdm_device *dev)
{
	uint64_t v;
	int32_t st;

	sync_call(to_proxy(dev), VDM_RING_RESET, 0, 0, 0, 0, &v, &st);
}

/* Host control travels as a synchronous CONTROL request.  The ring checks the reply's shape
 * (echo, status range, no result with an error); what the result means is for the caller
 * (the type's host API) to judge.  A devhost of wire 1.0 would not know the kind (and never
 * answer it): it has no control. */
static int px_control(struct vdm_device *dev, uint32_t op, uint32_t arg0, uint32_t arg1,
		      uint64_t *result)
{
	struct proxy *p = to_proxy(dev);
	int32_t st;

	*result = 0;
	if (p->ring_minor < 1)
		return -EOPNOTSUPP;
	if (sync_call(p, VDM_RING_CONTROL, 0, op, 0, (uint64_t)arg1 << 32 | arg0, result, &st)) {
		*result = 0;
		return -EIO;
	}
	return st;
}

/* Ask politely (the device's destroy runs), then insist; reap either way. */
static int stop_devhost(struct proxy *p, int timeout_ms)
{
	struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };
	int rc = 0;

	if (__atomic_load_n(&p->exit_reported, __ATOMIC_ACQUIRE))
		return 0;
	if (!vdm_ring_client_fault(p->ring))
		vdm_ring_client_post(p->ring, VDM_RING_SHUTDOWN, 0, 0, 0, 0);
	if (poll(&pfd, 1, timeout_ms) <= 0) {
		kill_devhost(p);
		rc = -ETIMEDOUT;
	}
	vdm__proxy_reap(p, VDM_PROXY_REAP_MS);
	return rc;
}

static void px_destroy(struct vdm_device *dev)
{
	struct proxy *p = to_proxy(dev);

	__atomic_store_n(&p->destroying, 1, __ATOMIC_RELEASE);
	stop_devhost(p, VDM_PROXY_SHUTDOWN_MS);
	vdm__proxy_free(p);
}

const struct vdm_device_ops vdm__proxy_pci_ops = {
	VDM_STRUCT_HEAD(struct vdm_device_ops),
	.cfg_read = px_cfg_read,
	.cfg_write = px_cfg_write,
	.bar_read = px_bar_read,
	.bar_write = px_bar_write,
	.reset = px_reset,
	.destroy = px_destroy,
	.control = px_control,
};

/* Platform devices have no config space: the same NULL cfg handlers an in-process one has. */
const struct vdm_device_ops vdm__proxy_platform_ops = {
	VDM_STRUCT_HEAD(struct vdm_device_ops),
	.bar_read = px_bar_read,
	.bar_write = px_bar_write,
	.reset = px_reset,
	.destroy = px_destroy,
	.control = px_control,
};

bool vdm_device_is_proxy(const struct vdm_device *dev)
{
	return dev && (dev->ops == &vdm__proxy_pci_ops || dev->ops == &vdm__proxy_platform_ops);
}

static struct proxy *proxy_of(const struct vdm_device *dev)
{
	return vdm_device_is_proxy(dev) ? (struct proxy *)dev : NULL;
}

int vdm_proxy_pidfd(const struct vdm_device *dev)
{
	struct proxy *p = proxy_of(dev);

	return p ? p->pidfd : -1;
}

int vdm_proxy_pid(const struct vdm_device *dev)
{
	struct proxy *p = proxy_of(dev);

	return p ? p->pid : -1;
}

int vdm_proxy_notify_fd(const struct vdm_device *dev)
{
	struct proxy *p = proxy_of(dev);

	return p ? p->notify_efd : -1;
}

int vdm_proxy_irqfd(const struct vdm_device *dev, uint32_t line)
{
	struct proxy *p = proxy_of(dev);

	return p && line < p->num_irqfds ? p->irqfds[line] : -1;
}

int vdm_proxy_shutdown(struct vdm_device *dev, uint32_t timeout_ms)
{
	struct proxy *p = proxy_of(dev);

	int rc;

	if (!p)
		return -EINVAL;
	rc = stop_devhost(p, timeout_ms ? (int)timeout_ms : VDM_PROXY_SHUTDOWN_MS);
	vdm__proxy_drain_log(p, NULL, 0); /* its last words (the device's destroy) */
	return rc;
}

int vdm_proxy_exit_info(const struct vdm_device *dev, struct vdm_proxy_event *ev)
{
	struct proxy *p = proxy_of(dev);
	int ended;

	if (!p || !ev)
		return -EINVAL;
	pthread_mutex_lock(&p->reap_lock); /* p->exit is written under it */
	ended = __atomic_load_n(&p->exit_reported, __ATOMIC_ACQUIRE);
	if (ended)
		*ev = p->exit;
	pthread_mutex_unlock(&p->reap_lock);
	return ended ? 1 : 0;
}

enum vdm_ring_fault vdm_proxy_fault(const struct vdm_device *dev)
{
	struct proxy *p = proxy_of(dev);

	return p ? vdm_ring_client_fault(p->ring) : VDM_RING_FAULT_NONE;
}

int vdm_proxy_counters(const struct vdm_device *dev, uint32_t *log_dropped,
		       uint32_t *bad_requests, uint32_t *write_errors)
{
	struct proxy *p = proxy_of(dev);

	if (!p)
		return -EINVAL;
	vdm_ring_client_device_counters(p->ring, log_dropped, bad_requests, write_errors);
	return 0;
}

int vdm_proxy_stats(const struct vdm_device *dev, struct vdm_ring_client_stats *out)
{
	struct proxy *p = proxy_of(dev);

	if (!p)
		return -EINVAL;
	vdm_ring_client_stats(p->ring, out);
	return 0;
}

int vdm_proxy_refused_namespaces(const struct vdm_device *dev, char *why, size_t why_len)
{
	struct proxy *p = proxy_of(dev);
	size_t n;

	if (!p)
		return -EINVAL;
	if (why && why_len) {
		n = (size_t)snprintf(why, why_len, "%s", p->ns_why);
		if (p->pidns_errno && n < why_len)
			snprintf(why + n, why_len - n, "%spid: %s", n ? "; " : "",
				 strerror(p->pidns_errno));
	}
	return (int)p->ns_refused;
}

int vdm_proxy_ping(struct vdm_device *dev)
{
	struct proxy *p = proxy_of(dev);
	uint64_t v;
	int32_t st;

	if (!p)
		return -EINVAL;
	return sync_call(p, VDM_RING_PING, 0, 0, 0, 0, &v, &st);
}

/* Held lines are flowing again: say how many the device dropped meanwhile. */
static void log_resumed(struct proxy *p)
{
	uint32_t dropped = 0;
	char line[160];

	p->log_held = false;
	vdm_ring_client_device_counters(p->ring, &dropped, NULL, NULL);
	snprintf(line, sizeof(line), "%s (pid %d): more than %u log lines/s: %u lines dropped",
		 p->type_name, p->pid, p->log_rate, dropped - p->log_dropped_at_hold);
	if (p->host.log)
		p->host.log(p->host.opaque, VDM_LOG_WARN, line);
}

static void eject(struct proxy *p, const struct vdm_ring_log *e)
{
	char line[160];

	if (p->may_eject) {
		if (p->host.eject)
			p->host.eject(p->host.opaque, e->arg0, e->arg1);
		return;
	}
	/* Only the hotplug controller asks the host to remove devices. */
	if (p->ejects_refused++ == 0 && p->host.log) {
		snprintf(line, sizeof(line), "%s (pid %d): eject request refused: only a built-in "
			 "acpi-ged may ask the host to eject", p->type_name, p->pid);
		p->host.log(p->host.opaque, VDM_LOG_WARN, line);
	}
}

void vdm__proxy_drain_log(struct proxy *p, char *last_err, size_t last_err_len)
{
	struct vdm_ring_log e;
	int i, r;

	/* Bounded work per call: a chatty device cannot keep the event loop here. */
	for (i = 0; i < (int)VDM_RING_LOG_ENTRIES; i++) {
		if (!vdm__proxy_log_token(p)) {
			/* Out of tokens: leave the lines in the ring.  It fills, and the device
			 * drops (and counts) the rest without waking us. */
			if (!p->log_held) {
				p->log_held = true;
				vdm_ring_client_device_counters(p->ring, &p->log_dropped_at_hold,
								NULL, NULL);
			}
			return;
		}
		r = vdm_ring_client_log_next(p->ring, &e);
		if (r < 0)
			after_fault(p);
		if (r <= 0) {
			p->log_tokens += 1; /* not spent */
			if (p->log_held && r == 0)
				log_resumed(p);
			return;
		}
		if (e.kind == VDM_RING_LOG_EJECT) {
			p->log_tokens += 1;
			eject(p, &e);
			continue;
		}
		if (last_err && e.level <= VDM_LOG_WARN)
			snprintf(last_err, last_err_len, "%s", e.text);
		if (p->host.log)
			p->host.log(p->host.opaque, e.level, e.text);
	}
}

int vdm_proxy_poll(struct vdm_device *dev)
{
	struct proxy *p = proxy_of(dev);
	struct pollfd pfd;
	uint64_t v;

	if (!p)
		return -EINVAL;
	if (read(p->notify_efd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing new; the log ring is checked anyway */
	}
	vdm__proxy_drain_log(p, NULL, 0);
	vdm__proxy_budget_cpu(p, 0); /* (0: the clock is read inside when due) */
	pfd = (struct pollfd){ .fd = p->pidfd, .events = POLLIN };
	if (!__atomic_load_n(&p->exit_reported, __ATOMIC_ACQUIRE) && poll(&pfd, 1, 0) > 0) {
		vdm__proxy_drain_log(p, NULL, 0); /* its last words */
		vdm__proxy_reap(p, 0);
	}
	return !__atomic_load_n(&p->exit_reported, __ATOMIC_ACQUIRE);
}
