/* The device host is locked down once it serves: namespaces, empty root, uid, capabilities,
 * rlimits, fds and seccomp seen from outside through /proc; a refused namespace is logged;
 * forbidden syscalls kill it by SIGSYS, the proxy reports it and the test process goes on. */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <stdbool.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "itest_common.h"
#include "itest_proc.h"

static void devhost_runs_locked_down(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	int pid;

	(void)state;
	itest_rec_init(&r);
	itest_config(&cfg, &r, "itest-dev");
	dev = itest_spawn(&cfg);
	pid = vdm_proxy_pid(dev);
	assert_true(pid > 0);

	itest_assert_locked_down(pid, 2); /* notify eventfd, irqfd */
	vdm_device_destroy(dev);
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	int ok;

	if (!f)
		return -1;
	ok = fputs(text, f) >= 0;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

/*
 * In a child process: a user namespace of our own whose net namespace quota is 0, so the
 * kernel refuses the devhost's unshare(CLONE_NEWNET).  The devhost must say which namespace
 * and why, the proxy must accept that one missing namespace and report it, and serve.  Exit codes: 0 ok, 2 set-up impossible here (skip), 1 failure.
 */
static int refused_netns_child(bool spare, bool mnt, int ready_fd, int go_fd)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev = NULL;
	char err[512], why[512] = "", c = 0;
	uint64_t v = 0;
	uint32_t id = 0;
	int i, logged = 0, refused;

	/* The parent (root outside) maps root and nobody for us: nobody must exist here, the
	 * device host becomes it (and setgroups stays allowed: it drops its groups). */
	if (unshare(CLONE_NEWUSER))
		return 2;
	if (write(ready_fd, "r", 1) != 1 || read(go_fd, &c, 1) != 1 || c != 'g' ||
	    write_file(mnt ? "/proc/sys/user/max_mnt_namespaces" : "/proc/sys/user/max_net_namespaces",
		       "0"))
		return 2;
	itest_rec_init(&r);
	itest_config(&cfg, &r, spare ? "testdev" : "itest-dev,tag=9");
	if (spare) {
		/* A spare locks down before it has a ring: its warning must still arrive. */
		cfg.plugin = NULL;
		if (vdm_proxy_spare_start(cfg.devhost, 0, 0, &cfg.spare, err, sizeof(err))) {
			fprintf(stderr, "spare: %s\n", err);
			return 1;
		}
	}
	if (vdm_proxy_spawn(&cfg, &dev, err, sizeof(err))) {
		fprintf(stderr, "spawn: %s\n", err);
		return 1;
	}
	if (spare ? vdm_cfg_read(dev, 0, 4, &id) || id != 0x00051b36
		  : vdm_bar_read(dev, 0, ITEST_REG_TAG, 4, &v) || v != 9)
		return 1;
	/* The proxy accepted the shared net namespace only because the device host reported,
	 * before its device existed, that the kernel refused it; it says so for the VMM. */
	refused = vdm_proxy_refused_namespaces(dev, why, sizeof(why));
	fprintf(stderr, "    refused: %#x: %s\n", refused, why);
	if (mnt ? refused == VDM_PROXY_NS_MNT && strstr(why, "mount: No space left on device")
		: refused == VDM_PROXY_NS_NET && strstr(why, "net: No space left on device"))
		logged = 1;
	vdm_proxy_poll(dev);
	for (i = 0; i < r.nlogs; i++)
		fprintf(stderr, "    devhost: %s\n", r.logs[i]);
	vdm_device_destroy(dev);
	return logged ? 0 : 1;
}

static void refused_namespace_test(bool spare, bool mnt)
{
	int status = 0, ready[2], go[2];
	char path[64], c = 0;
	pid_t pid;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(refused_netns_child(spare, mnt, ready[1], go[0]));
	if (read(ready[0], &c, 1) == 1) {
		snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
		write_file(path, "0 0 1\n65534 65534 1");
		snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
		write_file(path, "0 0 1\n65534 65534 1");
		assert_int_equal(write(go[1], "g", 1), 1);
	}
	close(go[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 2)
		skip(); /* no user namespaces with quotas here */
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void refused_namespace_is_reported_and_devhost_serves(void **state)
{
	(void)state;
	refused_namespace_test(false, false);
}

/* No mount namespace, so no empty root to copy the plugin into: the device host loads it
 * through the fd it opened before the jail (/proc/self/fd/N), and serves. */
static void refused_mount_namespace_loads_the_plugin_through_its_fd(void **state)
{
	(void)state;
	refused_namespace_test(false, true);
}

static void refused_namespace_in_a_spare_is_reported_and_it_serves(void **state)
{
	(void)state;
	refused_namespace_test(true, false);
}

#define NON_ROOT_UID 4242

/*
 * In a child process: become a non-root VMM (uid NON_ROOT_UID), optionally inside a user
 * namespace of our own that allows no more user namespaces (as a host with unprivileged user
 * namespaces switched off does), spawn itest-dev and check its jail.  Exit codes: 0 ok, 2 set-up
 * impossible here (skip; the reason on stderr), 1 failure (on stderr).
 */
static int non_root_child(bool no_userns, int ready_fd, int go_fd)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev = NULL;
	char err[512], why[512] = "", want[64], c = 0;
	uint64_t v = 0;
	int refused, pid;

	if (no_userns) {
		/* root in a namespace whose children may make no user namespace */
		if (unshare(CLONE_NEWUSER)) {
			fprintf(stderr, "unshare(CLONE_NEWUSER): %s\n", strerror(errno));
			return 2;
		}
		if (write(ready_fd, "r", 1) != 1 || read(go_fd, &c, 1) != 1 || c != 'g' ||
		    write_file("/proc/sys/user/max_user_namespaces", "0")) {
			fprintf(stderr, "cannot set max_user_namespaces to 0 in a user namespace\n");
			return 2;
		}
	}
	if (setgroups(0, NULL) || setresgid(NON_ROOT_UID, NON_ROOT_UID, NON_ROOT_UID) ||
	    setresuid(NON_ROOT_UID, NON_ROOT_UID, NON_ROOT_UID)) {
		fprintf(stderr, "cannot become uid %d: %s\n", NON_ROOT_UID, strerror(errno));
		return 2;
	}
	if (access(itest_devhost(), X_OK) || access(itest_plugin_path("itest_plugin"), R_OK)) {
		fprintf(stderr, "uid %d cannot run %s or read the plugin\n", NON_ROOT_UID,
			itest_devhost());
		return 2;
	}
	itest_rec_init(&r);
	itest_config(&cfg, &r, "itest-dev,tag=5");
	if (vdm_proxy_spawn(&cfg, &dev, err, sizeof(err))) {
		fprintf(stderr, "spawn: %s\n", err);
		return 1;
	}
	pid = vdm_proxy_pid(dev);
	refused = vdm_proxy_refused_namespaces(dev, why, sizeof(why));
	fprintf(stderr, "    refused: %#x: %s\n", refused, why);
	snprintf(want, sizeof(want), "%d\t%d\t%d\t%d", NON_ROOT_UID, NON_ROOT_UID, NON_ROOT_UID,
		 NON_ROOT_UID);
	if (vdm_bar_read(dev, 0, ITEST_REG_TAG, 4, &v) || v != 5 ||
	    strcmp(itest_proc_field(pid, "status", "Seccomp"), "2") ||
	    strcmp(itest_proc_field(pid, "status", "NoNewPrivs"), "1") ||
	    strcmp(itest_proc_field(pid, "status", "CapEff"), "0000000000000000") ||
	    strcmp(itest_proc_field(pid, "status", "Uid"), want)) {
		fprintf(stderr, "device host %d: not serving, or not locked down\n", pid);
		return 1;
	}
	if (!no_userns && refused != 0) {
		fprintf(stderr, "a non-root VMM's device host lacks namespaces: %s\n", why);
		return 1;
	}
	/* Without user namespaces a non-root process can make none of the others: all refused,
	 * said, and the rest of the jail holds. */
	if (no_userns && (!(refused & VDM_PROXY_NS_USER) || !strstr(why, "user: "))) {
		fprintf(stderr, "the refused user namespace was not reported: %#x %s\n", refused,
			why);
		return 1;
	}
	vdm_device_destroy(dev);
	return 0;
}

static void non_root_test(bool no_userns)
{
	int status = 0, ready[2], go[2];
	char path[64], map[64], c = 0;
	pid_t pid;

	if (geteuid() != 0)
		skip(); /* the test itself must be root to become another uid */
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(non_root_child(no_userns, ready[1], go[0]));
	close(ready[1]);
	if (no_userns && read(ready[0], &c, 1) == 1) {
		/* map root and the VMM's uid into its namespace (root outside may) */
		snprintf(map, sizeof(map), "0 0 1\n%d %d 1", NON_ROOT_UID, NON_ROOT_UID);
		snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
		write_file(path, map);
		snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
		write_file(path, map);
		assert_int_equal(write(go[1], "g", 1), 1);
	}
	close(go[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 2) {
		print_message("SKIPPED: see the reason above\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void non_root_vmm_gets_every_namespace_and_a_filtered_device_host(void **state)
{
	(void)state;
	non_root_test(false);
}

static void non_root_vmm_without_user_namespaces_still_gets_a_jail(void **state)
{
	(void)state;
	non_root_test(true);
}

/* Ask itest-evil to run `what` and expect the device host to die by SIGSYS. */
static void expect_sigsys(int what)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	const struct vdm_proxy_event *ev;
	uint64_t v = 0;

	itest_rec_init(&r);
	itest_config(&cfg, &r, "itest-evil");
	dev = itest_spawn(&cfg);
	assert_int_equal(vdm_bar_write(dev, 0, ITEST_REG_HOOK_SEL, 8, (uint64_t)what), 0);
	assert_int_equal(vdm_bar_read(dev, 0, ITEST_REG_HOOK, 8, &v), -EIO);
	assert_true(v == UINT64_MAX);
	assert_int_equal(vdm_proxy_fault(dev), VDM_RING_FAULT_DEAD);
	itest_wait_exit(dev, 2000);
	ev = itest_find_event(&r, VDM_PROXY_EV_EXITED);
	assert_non_null(ev);
	if (ev->signal != SIGSYS)
		fail_msg("expected death by SIGSYS, got: %s", ev->text);
	assert_non_null(strstr(ev->text, "seccomp"));
	/* Still dead, still all-ones, no crash. */
	assert_int_equal(vdm_bar_read(dev, 0, 0, 4, &v), -EIO);
	assert_int_equal(vdm_bar_write(dev, 0, 0, 4, 1), -EIO);
	vdm_device_destroy(dev);

	/* The test process keeps working: a fresh device serves. */
	itest_config(&cfg, &r, "itest-dev,tag=77");
	dev = itest_spawn(&cfg);
	assert_int_equal(vdm_bar_read(dev, 0, ITEST_REG_TAG, 4, &v), 0);
	assert_int_equal(v, 77);
	vdm_device_destroy(dev);
}

static void open_after_lockdown_dies_by_sigsys(void **state)
{
	(void)state;
	expect_sigsys(EVIL_OPEN);
}

static void socket_after_lockdown_dies_by_sigsys(void **state)
{
	(void)state;
	expect_sigsys(EVIL_SOCKET);
}

static void execve_after_lockdown_dies_by_sigsys(void **state)
{
	(void)state;
	expect_sigsys(EVIL_EXECVE);
}

static void ptrace_after_lockdown_dies_by_sigsys(void **state)
{
	(void)state;
	expect_sigsys(EVIL_PTRACE);
}

static void fork_after_lockdown_dies_by_sigsys(void **state)
{
	(void)state;
	expect_sigsys(EVIL_FORK);
}

/* A device's failed assert() reaches the VMM's log and ends the devhost with code 134: not
 * mistaken for a seccomp violation (abort() cannot work in the jail, see devhost.c). */
static void failed_assert_in_device_is_logged_and_exits_134(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	const struct vdm_proxy_event *ev;
	uint64_t v = 0;
	int i, found = 0;

	(void)state;
	itest_rec_init(&r);
	itest_config(&cfg, &r, "itest-evil");
	dev = itest_spawn(&cfg);
	assert_int_equal(vdm_bar_write(dev, 0, ITEST_REG_HOOK_SEL, 8, EVIL_ASSERT), 0);
	assert_int_equal(vdm_bar_read(dev, 0, ITEST_REG_HOOK, 8, &v), -EIO);
	itest_wait_exit(dev, 2000);
	ev = itest_find_event(&r, VDM_PROXY_EV_EXITED);
	assert_non_null(ev);
	if (ev->exit_code != 134) {
		for (i = 0; i < r.nlogs; i++)
			print_message("    devhost: %s\n", r.logs[i]);
		fail_msg("expected exit code 134, got: %s", ev->text);
	}
	for (i = 0; i < r.nlogs; i++)
		if (strstr(r.logs[i], "assertion 'd->hook_arg == 0' failed") &&
		    r.log_level[i] == VDM_LOG_ERROR)
			found = 1;
	if (!found) {
		for (i = 0; i < r.nlogs; i++)
			print_message("    devhost (level %d): %s\n", r.log_level[i], r.logs[i]);
		fail_msg("no error-level log line with the failed assertion");
	}
	vdm_device_destroy(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(devhost_runs_locked_down),
		cmocka_unit_test(refused_namespace_is_reported_and_devhost_serves),
		cmocka_unit_test(refused_namespace_in_a_spare_is_reported_and_it_serves),
		cmocka_unit_test(refused_mount_namespace_loads_the_plugin_through_its_fd),
		cmocka_unit_test(non_root_vmm_gets_every_namespace_and_a_filtered_device_host),
		cmocka_unit_test(non_root_vmm_without_user_namespaces_still_gets_a_jail),
		cmocka_unit_test(open_after_lockdown_dies_by_sigsys),
		cmocka_unit_test(socket_after_lockdown_dies_by_sigsys),
		cmocka_unit_test(execve_after_lockdown_dies_by_sigsys),
		cmocka_unit_test(ptrace_after_lockdown_dies_by_sigsys),
		cmocka_unit_test(fork_after_lockdown_dies_by_sigsys),
		cmocka_unit_test(failed_assert_in_device_is_logged_and_exits_134),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
