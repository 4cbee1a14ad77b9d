/* The hostile-plugin suite: one test per attack on the jail or the VMM, through real device
 * hosts and vdm_proxy_spawn; each checks what the VMM does and the device host's /proc. */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "itest_common.h"
#include "itest_hostile.h"
#include "itest_proc.h"

/* A config for the hostile plugin with `attack`. */
static void hostile_config(struct vdm_proxy_config *cfg, struct itest_rec *r, char *spec,
			   size_t len, const char *attack)
{
	snprintf(spec, len, "itest-hostile,attack=%s", attack);
	itest_rec_init(r);
	itest_config(cfg, r, spec);
	cfg->plugin = itest_plugin_path("itest_hostile");
}

static const char *fake_devhost(void)
{
	const char *p = getenv("VDM_ITEST_FAKE_DEVHOST");

	if (!p)
		fail_msg("VDM_ITEST_FAKE_DEVHOST is not set (run through ctest)");
	return p;
}

/* Every thread of `pid` in seccomp filter mode with no_new_privs; returns how many. */
static int assert_all_threads_filtered(int pid)
{
	char path[64];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	assert_non_null(d);
	while ((e = readdir(d))) {
		char file[300];

		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "task/%s/status", e->d_name);
		assert_string_equal(itest_proc_field(pid, file, "Seccomp"), "2");
		assert_string_equal(itest_proc_field(pid, file, "NoNewPrivs"), "1");
		n++;
	}
	closedir(d);
	return n;
}

/* Attack: create() starts a thread that calls the VMM's abstract socket.  No thread may
 * run outside the filter: pthread_create fails (EAGAIN) under the lock-down, the device host
 * has one thread, filtered, and nobody ever connects. */
static void thread_started_in_create_never_runs(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
				      strlen(HOSTILE_SOCKET_NAME));
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	char spec[128];
	uint64_t v = 0;
	int ls, pid;

	(void)state;
	memcpy(sa.sun_path + 1, HOSTILE_SOCKET_NAME, strlen(HOSTILE_SOCKET_NAME));
	ls = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(ls >= 0);
	assert_int_equal(bind(ls, (struct sockaddr *)&sa, salen), 0);
	assert_int_equal(listen(ls, 4), 0);

	hostile_config(&cfg, &r, spec, sizeof(spec), "thread");
	dev = itest_spawn(&cfg);
	pid = vdm_proxy_pid(dev);
	assert_int_equal(vdm_bar_read(dev, 0, HOSTILE_REG_RESULT, 8, &v), 0);
	if (v != EAGAIN)
		fail_msg("pthread_create in create() returned %llu, EAGAIN (%d) expected",
			 (unsigned long long)v, EAGAIN);
	assert_string_equal(itest_proc_field(pid, "status", "Threads"), "1");
	assert_int_equal(assert_all_threads_filtered(pid), 1);
	itest_assert_locked_down(pid, 2);
	usleep(300 * 1000); /* 15 of the thread's attempts, had it run */
	assert_int_equal(accept(ls, NULL, NULL), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(vdm_bar_read(dev, 0, ITEST_REG_TAG, 4, &v), 0); /* still serves */
	vdm_device_destroy(dev);
	close(ls);
}

/* Attack: create() opens /proc/<VMM>/mem for writing and overwrites a canary.  Plugin code
 * runs only under the filter: the open kills the device host (SIGSYS) at start-up, the
 * spawn says so, and the canary is untouched. */
static void procmem_write_from_create_dies_by_sigsys(void **state)
{
	static volatile char canary[8] = "CANARY";
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev = NULL;
	char spec[160], err[512] = "";
	int rc;

	(void)state;
	hostile_config(&cfg, &r, spec, sizeof(spec), "procmem");
	snprintf(spec, sizeof(spec), "itest-hostile,attack=procmem,pid=%d,addr=%llu", getpid(),
		 (unsigned long long)(uintptr_t)canary);
	rc = vdm_proxy_spawn(&cfg, &dev, err, sizeof(err));
	print_message("    spawn: %d: %s\n", rc, err);
	assert_true(rc < 0);
	assert_null(dev);
	assert_non_null(strstr(err, "killed by signal 31"));
	assert_non_null(strstr(err, "during start-up"));
	assert_string_equal((const char *)canary, "CANARY");
	assert_int_equal(itest_count_children(), 0);
}

static volatile sig_atomic_t got_usr2;

static void on_usr2(int sig)
{
	(void)sig;
	got_usr2 = 1;
}

/* Attack: create() signals the VMM (by the pid it was given: in its pid namespace the VMM
 * has none).  kill is not allowed: SIGSYS at start-up, and the VMM got nothing. */
static void signal_to_the_vmm_from_create_dies_by_sigsys(void **state)
{
	struct sigaction sa = { .sa_handler = on_usr2 }, old;
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev = NULL;
	char spec[160], err[512] = "";
	int rc;

	(void)state;
	assert_int_equal(sigaction(SIGUSR2, &sa, &old), 0);
	got_usr2 = 0;
	hostile_config(&cfg, &r, spec, sizeof(spec), "signal");
	snprintf(spec, sizeof(spec), "itest-hostile,attack=signal,pid=%d", getpid());
	rc = vdm_proxy_spawn(&cfg, &dev, err, sizeof(err));
	print_message("    spawn: %d: %s\n", rc, err);
	usleep(50 * 1000);
	sigaction(SIGUSR2, &old, NULL);
	assert_true(rc < 0);
	assert_non_null(strstr(err, "killed by signal 31"));
	assert_int_equal(got_usr2, 0);
}

/* Attack: create() forks a child to outlive the device.  No process can be made under the
 * lock-down (fork fails with EAGAIN), the device host has no child, and serves. */
static void fork_in_create_leaves_no_child(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	char spec[128];
	int64_t got = 0;
	uint64_t v = 0;
	int pid;

	(void)state;
	hostile_config(&cfg, &r, spec, sizeof(spec), "fork");
	dev = itest_spawn(&cfg);
	pid = vdm_proxy_pid(dev);
	assert_int_equal(vdm_bar_read(dev, 0, HOSTILE_REG_RESULT, 8, &v), 0);
	got = (int64_t)v;
	if (got != -EAGAIN)
		fail_msg("fork() in create() returned %lld, -EAGAIN expected", (long long)got);
	{
		char file[64], buf[64] = "";
		FILE *f;

		snprintf(file, sizeof(file), "/proc/%d/task/%d/children", pid, pid);
		f = fopen(file, "re");
		assert_non_null(f);
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
		assert_string_equal(buf, ""); /* no child */
	}
	itest_assert_locked_down(pid, 2);
	vdm_device_destroy(dev);
	assert_int_equal(itest_count_children(), 0);
}

/* Attack: a device host that skips the lock-down and sends its own jail report (claiming
 * every namespace refused), hello and READY.  The VMM looks at /proc and refuses it, saying
 * what was missing; the process is gone afterwards. */
static void fake_lockdown_is_refused(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev = NULL;
	char err[1024] = "";
	uint64_t t0;
	int rc;

	(void)state;
	itest_rec_init(&r);
	itest_config(&cfg, &r, "testdev");
	cfg.plugin = NULL;
	cfg.devhost = fake_devhost();
	t0 = itest_now_ms();
	rc = vdm_proxy_spawn(&cfg, &dev, err, sizeof(err));
	print_message("    spawn: %d after %llu ms: %s\n", rc,
		      (unsigned long long)(itest_now_ms() - t0), err);
	assert_int_equal(rc, -EPERM);
	assert_null(dev);
	assert_non_null(strstr(err, "is not locked down"));
	assert_non_null(strstr(err, "Seccomp 0 (2, a filter, expected)"));
	assert_non_null(strstr(err, "NoNewPrivs 0 (1 expected)"));
	if (geteuid() == 0) {
		assert_non_null(strstr(err, "Uid 0\t0\t0\t0 (65534 expected)"));
		assert_non_null(strstr(err, "CapEff"));
	}
	assert_true(itest_now_ms() - t0 < 3000);
	assert_int_equal(itest_count_children(), 0);
}

/* Attack (eventfd doorbell): the device keeps the VMM's response eventfd saturated
 * (0xfffffffffffffffe) and never answers.  The access fails at its timeout, the failure
 * handling (which kicks that eventfd) does not block, and destroy is quick. */
static void saturated_response_eventfd_does_not_hang_the_vmm(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	char spec[128];
	uint64_t v = 0, t0, took;

	(void)state;
	hostile_config(&cfg, &r, spec, sizeof(spec), "saturate");
	cfg.doorbell = VDM_RING_DOORBELL_EVENTFD;
	dev = itest_spawn(&cfg);
	alarm(20); /* a hang here would otherwise stall the whole suite */
	t0 = itest_now_ms();
	assert_int_equal(vdm_bar_read(dev, 0, HOSTILE_REG_ACT, 8, &v), -EIO);
	took = itest_now_ms() - t0;
	print_message("    read failed after %llu ms (timeout 300)\n", (unsigned long long)took);
	assert_true(v == UINT64_MAX);
	assert_true(took < 1500);
	assert_int_equal(vdm_proxy_fault(dev), VDM_RING_FAULT_TIMEOUT);
	assert_non_null(itest_find_event(&r, VDM_PROXY_EV_HUNG));
	t0 = itest_now_ms();
	vdm_device_destroy(dev);
	assert_true(itest_now_ms() - t0 < 2500);
	alarm(0);
	assert_int_equal(itest_count_children(), 0);
}

/* A device host that misbehaves on its start-up socket and stays alive: the spawn ends
 * within start_timeout_ms (plus the kill and a bounded reap) with `want` in its error. */
static void bounded_startup(const char *how, const char *want)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev = NULL;
	char err[512] = "";
	uint64_t t0, took;
	int rc;

	itest_rec_init(&r);
	itest_config(&cfg, &r, how);
	cfg.plugin = NULL;
	cfg.devhost = fake_devhost();
	cfg.start_timeout_ms = 500;
	alarm(20);
	t0 = itest_now_ms();
	rc = vdm_proxy_spawn(&cfg, &dev, err, sizeof(err));
	took = itest_now_ms() - t0;
	alarm(0);
	print_message("    %s: %d after %llu ms: %s\n", how, rc, (unsigned long long)took, err);
	assert_true(rc < 0);
	assert_null(dev);
	assert_non_null(strstr(err, want));
	assert_true(took < 500 + 2500);
	assert_int_equal(itest_count_children(), 0); /* killed and reaped */
}

static void short_startup_message_is_bounded(void **state)
{
	(void)state;
	bounded_startup("short", "start-up message of 10 bytes");
}

static void closed_startup_socket_is_bounded(void **state)
{
	(void)state;
	bounded_startup("close", "closed its start-up socket without a hello");
}

static void silent_device_host_is_bounded(void **state)
{
	(void)state;
	bounded_startup("silent", "did not answer within 500 ms");
}

/* printf in a handler: stdout is closed in the jail, and the filter answers every call
 * printf makes on it with EBADF: printf fails, the device goes on serving. */
static void printf_in_a_handler_fails_with_ebadf(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	char spec[128];
	uint64_t v = 0;

	(void)state;
	hostile_config(&cfg, &r, spec, sizeof(spec), "printf");
	dev = itest_spawn(&cfg);
	assert_int_equal(vdm_bar_read(dev, 0, HOSTILE_REG_ACT, 8, &v), 0);
	print_message("    last printf returned %d, fflush errno %d\n", (int)(uint32_t)v,
		      (int)(v >> 32));
	assert_int_equal((int)(v >> 32), EBADF);
	assert_int_equal(vdm_bar_read(dev, 0, ITEST_REG_TAG, 4, &v), 0);
	assert_int_equal(vdm_proxy_fault(dev), VDM_RING_FAULT_NONE);
	itest_assert_locked_down(vdm_proxy_pid(dev), 2);
	vdm_device_destroy(dev);
}

/* Attack: a posted write whose handler spins forever.  The CPU budget (300 ms/s + 1 ms per
 * request, a second held) fails it once it has used about 1 s + 0.3 s per second of CPU
 * (~1.5 s on an idle CPU; longer when it gets less of one): all-ones afterwards, the reason
 * says CPU, the process is killed.  Judged by the CPU it got, not by the wall clock. */
static void cpu_spin_fails_the_device(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	char spec[128], why[200] = "";
	uint64_t v = 0, t0, took, cpu_ms = 0;
	const struct vdm_proxy_event *ev = NULL;
	clockid_t clk;

	(void)state;
	hostile_config(&cfg, &r, spec, sizeof(spec), "spin");
	dev = itest_spawn(&cfg);
	assert_int_equal(clock_getcpuclockid(vdm_proxy_pid(dev), &clk), 0);
	t0 = itest_now_ms();
	assert_int_equal(vdm_bar_write(dev, 0, HOSTILE_REG_ACT, 8, 1), 0); /* posted */
	/* an event loop's tick: poll every 50 ms */
	while (!(ev = itest_find_event(&r, VDM_PROXY_EV_BUDGET)) && itest_now_ms() - t0 < 15000) {
		struct timespec ts;

		if (clock_gettime(clk, &ts) == 0)
			cpu_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
		usleep(50 * 1000);
		vdm_proxy_poll(dev);
	}
	took = itest_now_ms() - t0;
	assert_non_null(ev);
	print_message("    failed after %llu ms, having used %llu ms of CPU: %s\n",
		      (unsigned long long)took, (unsigned long long)cpu_ms, ev->text);
	/* not before the held second is gone; not much after the budget (one 100 ms check
	 * and one 50 ms poll late at most) */
	assert_true(cpu_ms >= 900);
	assert_true(cpu_ms <= 1000 + 300 * took / 1000 + 200);
	assert_int_equal(vdm_proxy_failure_reason(dev, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "ms of CPU in the last second, past its budget of 300 ms/s"));
	assert_int_equal(vdm_bar_read(dev, 0, ITEST_REG_TAG, 4, &v), -EIO);
	assert_true(v == UINT64_MAX);
	itest_wait_exit(dev, 2000);
	assert_int_equal(itest_find_event(&r, VDM_PROXY_EV_EXITED)->signal, SIGKILL);
	vdm_device_destroy(dev);
}

/* Attack: every read answered after 900 ms, under the 1000 ms access timeout.  The wait
 * budget (500 ms per second beyond 1 ms per access) bounds the first such read to ~500 ms
 * and fails the device: the guest sees all-ones, the reason says why. */
static void slow_answers_fail_the_device(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	char spec[128], why[200] = "";
	uint64_t v = 0, t0, took;

	(void)state;
	hostile_config(&cfg, &r, spec, sizeof(spec), "slow");
	cfg.timeout_ms = 1000;
	dev = itest_spawn(&cfg);
	t0 = itest_now_ms();
	assert_int_equal(vdm_bar_read(dev, 0, ITEST_REG_TAG, 4, &v), -EIO);
	took = itest_now_ms() - t0;
	print_message("    the read failed after %llu ms\n", (unsigned long long)took);
	assert_true(v == UINT64_MAX);
	assert_true(took >= 450 && took < 1000); /* the budget, not the 1000 ms timeout */
	assert_int_equal(vdm_proxy_failure_reason(dev, why, sizeof(why)), 1);
	print_message("    reason: %s\n", why);
	assert_non_null(strstr(why, "past its wait budget (500 ms per second"));
	assert_non_null(itest_find_event(&r, VDM_PROXY_EV_BUDGET));
	/* later accesses answer at once */
	t0 = itest_now_ms();
	assert_int_equal(vdm_bar_read(dev, 0, 0, 4, &v), -EIO);
	assert_true(itest_now_ms() - t0 < 50);
	vdm_device_destroy(dev);
}

struct flood_count {
	long lines;
	char dropped[200];
};

static void count_log(void *opaque, uint32_t level, const char *msg)
{
	struct flood_count *fc = opaque;

	(void)level;
	if (strstr(msg, "lines dropped"))
		snprintf(fc->dropped, sizeof(fc->dropped), "%s", msg);
	else
		fc->lines++;
}

/* Attack: a handler logs as fast as it can for a second.  The VMM, polling as an event loop
 * does (on the notify fd, and every 100 ms), delivers at most 200 lines/s, says how many
 * were dropped, and spends little CPU on it. */
static void log_flood_is_rate_limited_and_cheap(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_host host = { VDM_STRUCT_HEAD(struct vdm_host) };
	struct flood_count fc = { 0, "" };
	struct vdm_device *dev;
	struct rusage ru0, ru1;
	char spec[128];
	uint64_t t0, took, cpu_us;
	long wakeups = 0, allowed;

	(void)state;
	hostile_config(&cfg, &r, spec, sizeof(spec), "flood");
	cfg.cpu_budget_ms = UINT32_MAX; /* the flood burns CPU too: this test is about the log */
	host.opaque = &fc;
	host.log = count_log;
	cfg.host = &host;
	dev = itest_spawn(&cfg);
	vdm_proxy_poll(dev);
	fc.lines = 0;
	getrusage(RUSAGE_SELF, &ru0);
	t0 = itest_now_ms();
	assert_int_equal(vdm_bar_write(dev, 0, HOSTILE_REG_ACT, 8, 1000), 0);
	while (itest_now_ms() - t0 < 1500) {
		struct pollfd p = { .fd = vdm_proxy_notify_fd(dev), .events = POLLIN };

		if (poll(&p, 1, 100) > 0)
			wakeups++;
		vdm_proxy_poll(dev);
	}
	took = itest_now_ms() - t0;
	getrusage(RUSAGE_SELF, &ru1);
	cpu_us = (uint64_t)((ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) * 1000000 +
			    (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) +
			    (ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) * 1000000 +
			    (ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec));
	allowed = 200 + (long)(200 * took / 1000);
	print_message("    %ld lines delivered in %llu ms (at most %ld), %ld wake-ups, VMM CPU "
		      "%llu ms; \"%s\"\n", fc.lines, (unsigned long long)took, allowed, wakeups,
		      (unsigned long long)cpu_us / 1000, fc.dropped);
	assert_true(fc.lines > 100);
	assert_true(fc.lines <= allowed);
	assert_non_null(strstr(fc.dropped, "more than 200 log lines/s:"));
	assert_true(cpu_us < took * 1000 / 10); /* under 10% of a CPU */
	assert_int_equal(vdm_proxy_fault(dev), VDM_RING_FAULT_NONE);
	vdm_device_destroy(dev);
}

/* Attack: a device that is not the hotplug controller asks the host to eject a slot.  The
 * request is refused and said once; the device keeps serving. */
static void eject_from_a_non_ged_device_is_refused(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	uint64_t v = 0;
	int i, said = 0;

	(void)state;
	itest_rec_init(&r);
	itest_config(&cfg, &r, "itest-dev");
	dev = itest_spawn(&cfg);
	for (i = 0; i < 3; i++)
		assert_int_equal(vdm_bar_write(dev, 0, ITEST_REG_EJECT, 4, 0x0102), 0);
	assert_int_equal(vdm_proxy_ping(dev), 0);
	vdm_proxy_poll(dev);
	for (i = 0; i < r.nlogs; i++)
		said += strstr(r.logs[i], "eject request refused") != NULL;
	assert_int_equal(r.nejects, 0);
	assert_int_equal(said, 1);
	assert_int_equal(vdm_bar_read(dev, 0, ITEST_REG_TAG, 4, &v), 0);
	vdm_device_destroy(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(thread_started_in_create_never_runs),
		cmocka_unit_test(procmem_write_from_create_dies_by_sigsys),
		cmocka_unit_test(signal_to_the_vmm_from_create_dies_by_sigsys),
		cmocka_unit_test(fork_in_create_leaves_no_child),
		cmocka_unit_test(fake_lockdown_is_refused),
		cmocka_unit_test(saturated_response_eventfd_does_not_hang_the_vmm),
		cmocka_unit_test(short_startup_message_is_bounded),
		cmocka_unit_test(closed_startup_socket_is_bounded),
		cmocka_unit_test(silent_device_host_is_bounded),
		cmocka_unit_test(printf_in_a_handler_fails_with_ebadf),
		cmocka_unit_test(cpu_spin_fails_the_device),
		cmocka_unit_test(slow_answers_fail_the_device),
		cmocka_unit_test(log_flood_is_rate_limited_and_cheap),
		cmocka_unit_test(eject_from_a_non_ged_device_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
