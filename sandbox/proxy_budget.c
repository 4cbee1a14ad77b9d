/* A proxied device's budgets: how long it may keep vCPUs waiting, how much CPU it may burn,
 * how many log lines it may deliver; a device over one is failed, and says which. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "proxy_int.h"

#define NS_PER_S 1000000000.0
#define WAIT_FREE_NS 1000000ull      /* each access's first ms is not charged */
#define CPU_CHECK_NS 100000000ull    /* CPU looked at every 100 ms at most */
#define CPU_PER_REQUEST_NS 1000000.0 /* what a request may cost the device host */
#define DEFAULT_WAIT_MS 500u
#define DEFAULT_CPU_MS 300u
#define DEFAULT_LOG_LINES 200u

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t pick(uint32_t v, uint32_t dflt)
{
	return v == 0 ? dflt : v == UINT32_MAX ? 0 : v;
}

void vdm__proxy_budget_init(struct proxy *p, const struct vdm_proxy_config *cfg)
{
	bool has = cfg && cfg->struct_size >= offsetof(struct vdm_proxy_config, log_lines_per_s) +
							sizeof(cfg->log_lines_per_s);
	uint64_t now = mono_ns();

	p->wait_budget_ms = pick(has ? cfg->wait_budget_ms : 0, DEFAULT_WAIT_MS);
	p->cpu_budget_ms = pick(has ? cfg->cpu_budget_ms : 0, DEFAULT_CPU_MS);
	p->log_rate = pick(has ? cfg->log_lines_per_s : 0, DEFAULT_LOG_LINES);
	p->timeout_ms = cfg && cfg->timeout_ms ? cfg->timeout_ms : 1000u;
	p->set_timeout_ms = p->timeout_ms;
	p->wait_left_ns = (double)p->wait_budget_ms * 1e6;
	p->wait_stamp_ns = now;
	p->log_tokens = p->log_rate;
	p->log_stamp_ns = now;
}

void vdm__proxy_budget_start(struct proxy *p)
{
	struct vdm_ring_client_stats st;
	struct timespec ts;

	p->cpu_on = p->cpu_budget_ms && clock_getcpuclockid(p->pid, &p->cpu_clock) == 0 &&
		    clock_gettime(p->cpu_clock, &ts) == 0;
	if (!p->cpu_on)
		return;
	vdm_ring_client_stats(p->ring, &st);
	p->cpu_used_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	p->cpu_reqs = st.calls + st.posts;
	p->cpu_stamp_ns = mono_ns();
	p->cpu_left_ns = NS_PER_S; /* a full second held */
}

/* Fail the device for a budget: once, whoever notices first; kill it, say why. */
static void budget_fail(struct proxy *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void budget_fail(struct proxy *p, const char *fmt, ...)
{
	struct vdm_proxy_event ev = { .kind = VDM_PROXY_EV_BUDGET, .exit_code = -1,
				      .fault = VDM_RING_FAULT_TIMEOUT };
	int zero = 0;
	va_list ap;

	if (!__atomic_compare_exchange_n(&p->budget_failed, &zero, 2, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return;
	va_start(ap, fmt);
	vsnprintf(p->reason, sizeof(p->reason), fmt, ap);
	va_end(ap);
	__atomic_store_n(&p->budget_failed, 1, __ATOMIC_RELEASE);
	vdm_ring_client_fail(p->ring, VDM_RING_FAULT_TIMEOUT); /* wakes a waiting access */
	if (__atomic_exchange_n(&p->fault_reported, 1, __ATOMIC_ACQ_REL))
		return;
	syscall(SYS_pidfd_send_signal, p->pidfd, SIGKILL, NULL, 0);
	snprintf(ev.text, sizeof(ev.text), "%.24s (pid %d): %.120s; device failed, killed",
		 p->type_name, p->pid, p->reason);
	vdm__proxy_emit(p, &ev);
}

void vdm__proxy_budget_cpu(struct proxy *p, uint64_t now)
{
	struct vdm_ring_client_stats st;
	struct timespec ts;
	double dt, used, allowance;
	uint64_t used_ns, reqs;
	bool over = false;

	if (!now)
		now = mono_ns();
	if (!p->cpu_on || now - __atomic_load_n(&p->cpu_stamp_ns, __ATOMIC_RELAXED) < CPU_CHECK_NS)
		return;
	if (pthread_mutex_trylock(&p->budget_lock))
		return; /* the other thread is at it */
	if (now - p->cpu_stamp_ns >= CPU_CHECK_NS && clock_gettime(p->cpu_clock, &ts) == 0) {
		vdm_ring_client_stats(p->ring, &st);
		used_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		reqs = st.calls + st.posts;
		dt = (double)(now - p->cpu_stamp_ns);
		used = (double)(used_ns - p->cpu_used_ns);
		allowance = (double)p->cpu_budget_ms * 1e6 * dt / NS_PER_S +
			    (double)(reqs - p->cpu_reqs) * CPU_PER_REQUEST_NS;
		p->cpu_left_ns += allowance - used;
		if (p->cpu_left_ns > NS_PER_S)
			p->cpu_left_ns = NS_PER_S;
		/* what the last second looked like, for the message */
		p->cpu_window_used = p->cpu_window_used * (dt < NS_PER_S ? 1 - dt / NS_PER_S : 0) +
				     used;
		p->cpu_stamp_ns = now;
		p->cpu_used_ns = used_ns;
		p->cpu_reqs = reqs;
		over = p->cpu_left_ns < 0;
	}
	pthread_mutex_unlock(&p->budget_lock);
	if (over)
		budget_fail(p, "used about %.0f ms of CPU in the last second, past its budget of "
			    "%u ms/s + 1 ms per request", p->cpu_window_used / 1e6, p->cpu_budget_ms);
}

uint64_t vdm__proxy_budget_before(struct proxy *p)
{
	uint64_t now = mono_ns();
	uint32_t ms = p->timeout_ms;

	if (p->wait_budget_ms) {
		double cap = (double)p->wait_budget_ms * 1e6;

		p->wait_left_ns += (double)(now - p->wait_stamp_ns) * cap / NS_PER_S;
		if (p->wait_left_ns > cap)
			p->wait_left_ns = cap;
		p->wait_stamp_ns = now;
		/* this access may take its free ms and what is left, rounded up */
		if ((p->wait_left_ns + (double)WAIT_FREE_NS) / 1e6 < (double)ms)
			ms = (uint32_t)((p->wait_left_ns + (double)WAIT_FREE_NS) / 1e6) + 1;
	}
	p->bound_by_budget = ms < p->timeout_ms;
	if (ms != p->set_timeout_ms) {
		vdm_ring_client_set_timeout(p->ring, ms);
		p->set_timeout_ms = ms;
	}
	vdm__proxy_budget_cpu(p, now);
	return now;
}

bool vdm__proxy_budget_after(struct proxy *p, uint64_t start, int rc)
{
	uint64_t took;

	if (!p->wait_budget_ms)
		return false;
	took = mono_ns() - start;
	if (took > WAIT_FREE_NS)
		p->wait_left_ns -= (double)(took - WAIT_FREE_NS);
	if (p->wait_left_ns < 0)
		p->wait_left_ns = 0;
	if (rc && p->bound_by_budget && vdm_ring_client_fault(p->ring) == VDM_RING_FAULT_TIMEOUT) {
		budget_fail(p, "kept a vCPU waiting %llu ms for one access, past its wait budget "
			    "(%u ms per second beyond 1 ms per access)",
			    (unsigned long long)(took / 1000000), p->wait_budget_ms);
		return true;
	}
	return false;
}

bool vdm__proxy_log_token(struct proxy *p)
{
	uint64_t now;

	if (!p->log_rate)
		return true;
	if (p->log_tokens < 1) {
		now = mono_ns();
		p->log_tokens += (double)(now - p->log_stamp_ns) * p->log_rate / NS_PER_S;
		if (p->log_tokens > p->log_rate)
			p->log_tokens = p->log_rate;
		p->log_stamp_ns = now;
		if (p->log_tokens < 1)
			return false;
	}
	p->log_tokens -= 1;
	return true;
}

int vdm_proxy_failure_reason(const struct vdm_device *dev, char *buf, size_t len)
{
	const struct proxy *p = vdm_device_is_proxy(dev) ? (const struct proxy *)dev : NULL;

	if (!p)
		return -EINVAL;
	if (__atomic_load_n(&p->budget_failed, __ATOMIC_ACQUIRE) != 1)
		return 0;
	if (buf && len)
		snprintf(buf, len, "%s", p->reason);
	return 1;
}
