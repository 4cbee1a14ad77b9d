/* Spare device hosts: a device given to a spare runs in that very process, locked down like
 * any other; a spare that does not fit (plugin, other CPUs, dead) is dropped for a new
 * device host; every path, failures included, leaves no process and no fd behind. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "itest_common.h"
#include "itest_proc.h"

#define TESTDEV_IDS 0x00051b36u /* device 0005, vendor 1b36 */

/* A config for a built-in testdev (no plugin) with a fresh spare in cfg->spare. */
static void spare_config(struct vdm_proxy_config *cfg, struct itest_rec *r, const char *spec,
			 uint64_t spare_cpus)
{
	char err[256] = "";

	itest_rec_init(r);
	itest_config(cfg, r, spec);
	cfg->plugin = NULL;
	if (vdm_proxy_spare_start(cfg->devhost, spare_cpus, 0, &cfg->spare, err, sizeof(err)))
		fail_msg("vdm_proxy_spare_start: %s", err);
	assert_true(vdm_proxy_spare_alive(cfg->spare));
	assert_true(vdm_proxy_spare_pid(cfg->spare) > 0);
}

static bool logged(const struct itest_rec *r, const char *text)
{
	for (int i = 0; i < r->nlogs; i++)
		if (strstr(r->logs[i], text))
			return true;
	return false;
}

static bool process_gone(int pid)
{
	return kill(pid, 0) < 0 && errno == ESRCH;
}

/* vdm_proxy_spawn with a spare that does not fit: the device runs in a new device host,
 * and the spare is killed and reaped (not left as a zombie). */
static struct vdm_device *spawn_without_the_spare(struct vdm_proxy_config *cfg, int spare_pid)
{
	struct vdm_device *dev = itest_spawn(cfg);

	assert_int_not_equal(vdm_proxy_pid(dev), spare_pid);
	assert_true(process_gone(spare_pid));
	return dev;
}

static void device_runs_in_the_spare_locked_down(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	uint64_t bar0 = 0;
	uint32_t ids = 0;
	int spare_pid, fds = itest_count_fds(), my_nice;

	(void)state;
	spare_config(&cfg, &r, "testdev,membar=4M", 0);
	spare_pid = vdm_proxy_spare_pid(cfg.spare);
	errno = 0;
	my_nice = getpriority(PRIO_PROCESS, 0);
	assert_int_equal(errno, 0);
	if (vdm_proxy_spare_niced(cfg.spare)) /* may give a priority back: waits at the lowest */
		assert_int_equal(getpriority(PRIO_PROCESS, (id_t)spare_pid), 19);
	else
		assert_int_equal(getpriority(PRIO_PROCESS, (id_t)spare_pid), my_nice);
	/* Locked down and filtered before it knows its device, fds given (notify, irq); it
	 * says when it is (armed message, vdm_proxy_spare_ready) */
	for (int i = 0; i < 500 && !vdm_proxy_spare_ready(cfg.spare); i++)
		usleep(10000);
	assert_true(vdm_proxy_spare_ready(cfg.spare));
	itest_assert_armed_spare(spare_pid, 2);
	dev = itest_spawn(&cfg);
	assert_int_equal(vdm_proxy_pid(dev), spare_pid);
	assert_int_equal(getpriority(PRIO_PROCESS, (id_t)spare_pid), my_nice); /* the device's */
	assert_string_equal(dev->type->name, "pci-testdev");
	assert_int_equal(dev->res.regions[2].size, 4u << 20);
	assert_int_equal(vdm_cfg_read(dev, 0, 4, &ids), 0);
	assert_int_equal(ids, TESTDEV_IDS);
	/* BAR0 over the ring: a posted write, then a read that needs the device's answer */
	assert_int_equal(vdm_bar_write(dev, 0, 0, 1, 0), 0);
	assert_int_equal(vdm_bar_read(dev, 0, 0, 1, &bar0), 0);
	itest_assert_locked_down(spare_pid, 2); /* notify eventfd, irqfd */
	/* The start-up line is written under the filter: the notify eventfd, which the filter
	 * the spare put on before it knew its device must allow, carried it. */
	vdm_proxy_poll(dev);
	assert_true(logged(&r, "start-up us: main "));
	assert_int_equal(vdm_proxy_fault(dev), VDM_RING_FAULT_NONE);
	vdm_device_destroy(dev);
	assert_true(process_gone(spare_pid));
	assert_int_equal(itest_count_children(), 0);
	assert_int_equal(itest_count_fds(), fds);
}

/* A spare is armed for the futex doorbell (its ring, fds and filter made before it knew
 * its device): a device that wants eventfd doorbells gets a new device host, the spare is
 * killed and reaped, and the device works (a PING needs both doorbells). */
static void eventfd_doorbells_in_a_spare(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	uint32_t ids = 0;
	int spare_pid;

	(void)state;
	spare_config(&cfg, &r, "testdev", 0);
	cfg.doorbell = VDM_RING_DOORBELL_EVENTFD;
	spare_pid = vdm_proxy_spare_pid(cfg.spare);
	dev = spawn_without_the_spare(&cfg, spare_pid);
	for (int i = 0; i < 100; i++)
		assert_int_equal(vdm_proxy_ping(dev), 0);
	assert_int_equal(vdm_cfg_write(dev, 4, 2, 0x0002), 0);
	assert_int_equal(vdm_cfg_read(dev, 0, 4, &ids), 0);
	assert_int_equal(ids, TESTDEV_IDS);
	itest_assert_locked_down(vdm_proxy_pid(dev), 4); /* notify, request, response, irq */
	vdm_device_destroy(dev);
	assert_int_equal(itest_count_children(), 0);
}

/* A spare that made the device it was told to expect: the same spec gets that device; a
 * wrong guess or one that cannot be made is dropped and the named device is made instead. */
static void spare_expecting_a_device(const char *expect, const char *spec, uint64_t bar2)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	char err[256] = "";
	uint32_t ids = 0;
	int spare_pid;

	itest_rec_init(&r);
	itest_config(&cfg, &r, spec);
	cfg.plugin = NULL;
	if (vdm_proxy_spare_start_expecting(cfg.devhost, 0, 0, expect, &cfg.spare, err,
					    sizeof(err)))
		fail_msg("vdm_proxy_spare_start_expecting(%s): %s", expect, err);
	spare_pid = vdm_proxy_spare_pid(cfg.spare);
	itest_assert_armed_spare(spare_pid, 2);
	dev = itest_spawn(&cfg);
	assert_int_equal(vdm_proxy_pid(dev), spare_pid);
	assert_int_equal(dev->res.regions[2].size, bar2);
	assert_int_equal(vdm_cfg_read(dev, 0, 4, &ids), 0);
	assert_int_equal(ids, TESTDEV_IDS);
	/* the config mirror is the named device's: BAR2 sizing reads its size back */
	assert_int_equal(vdm_cfg_write(dev, 0x18, 4, 0xffffffff), 0);
	assert_int_equal(vdm_cfg_write(dev, 0x1c, 4, 0xffffffff), 0);
	assert_int_equal(vdm_cfg_read(dev, 0x18, 4, &ids), 0);
	assert_int_equal(ids & ~0xfu, (uint32_t)~(bar2 - 1));
	itest_assert_locked_down(spare_pid, 2);
	vdm_device_destroy(dev);
	assert_true(process_gone(spare_pid));
	assert_int_equal(itest_count_children(), 0);
}

static void spare_made_the_expected_device(void **state)
{
	(void)state;
	spare_expecting_a_device("testdev,membar=4M", "testdev,membar=4M", 4u << 20);
}

static void spare_drops_a_wrong_guess(void **state)
{
	(void)state;
	spare_expecting_a_device("testdev,membar=1G", "testdev,membar=4M", 4u << 20);
	spare_expecting_a_device("testdev,membar=3M", "testdev,membar=8M", 8u << 20);
	spare_expecting_a_device("no-such-type", "testdev,membar=4M", 4u << 20);
}

static void spare_dropped_for_a_plugin(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	uint64_t v = 0;
	int spare_pid;

	(void)state;
	spare_config(&cfg, &r, "itest-dev,tag=7", 0);
	cfg.plugin = itest_plugin_path("itest_plugin");
	spare_pid = vdm_proxy_spare_pid(cfg.spare);
	dev = spawn_without_the_spare(&cfg, spare_pid);
	assert_int_equal(vdm_bar_read(dev, 0, ITEST_REG_TAG, 4, &v), 0);
	assert_int_equal(v, 7);
	vdm_device_destroy(dev);
	assert_int_equal(itest_count_children(), 0);
}

static void spare_dropped_for_other_cpus(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	int spare_pid;

	(void)state;
	spare_config(&cfg, &r, "testdev", 1); /* CPU 0 only; the device wants ours (0) */
	spare_pid = vdm_proxy_spare_pid(cfg.spare);
	dev = spawn_without_the_spare(&cfg, spare_pid);
	vdm_device_destroy(dev);
	assert_int_equal(itest_count_children(), 0);
}

static void dead_spare_is_replaced_by_a_new_device_host(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	uint32_t ids = 0;
	int spare_pid;

	(void)state;
	spare_config(&cfg, &r, "testdev", 0);
	spare_pid = vdm_proxy_spare_pid(cfg.spare);
	assert_int_equal(kill(spare_pid, SIGKILL), 0);
	for (int i = 0; i < 200 && vdm_proxy_spare_alive(cfg.spare); i++)
		usleep(5000);
	assert_false(vdm_proxy_spare_alive(cfg.spare));
	assert_false(vdm_proxy_spare_ready(cfg.spare)); /* a dead one is never ready */
	dev = spawn_without_the_spare(&cfg, spare_pid);
	assert_int_equal(vdm_cfg_read(dev, 0, 4, &ids), 0);
	assert_int_equal(ids, TESTDEV_IDS);
	vdm_device_destroy(dev);
	assert_int_equal(itest_count_children(), 0);
}

/* A refused start-up still takes the spare: nothing lingers, the error is the device's. */
static void failed_spawns_consume_the_spare(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev = NULL;
	char err[256] = "";
	int fds = itest_count_fds(), spare_pid;

	(void)state;
	spare_config(&cfg, &r, "testdev,membar=3M", 0);
	spare_pid = vdm_proxy_spare_pid(cfg.spare);
	assert_int_equal(vdm_proxy_spawn(&cfg, &dev, err, sizeof(err)), -EINVAL);
	assert_null(dev);
	assert_non_null(strstr(err, "membar=3M: size must be a power of two"));
	assert_true(process_gone(spare_pid));

	spare_config(&cfg, &r, "", 0); /* refused before any process is involved */
	spare_pid = vdm_proxy_spare_pid(cfg.spare);
	assert_int_equal(vdm_proxy_spawn(&cfg, &dev, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "spec must be"));
	assert_true(process_gone(spare_pid));
	assert_int_equal(itest_count_children(), 0);
	assert_int_equal(itest_count_fds(), fds);
}

static void unused_spares_freed_leave_nothing(void **state)
{
	struct vdm_proxy_spare *s[4];
	char err[256];
	int fds = itest_count_fds();

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(vdm_proxy_spare_start(itest_devhost(), 0,
						       i == 3 ? VDM_PROXY_SPARE_FULL_PRIORITY : 0,
						       &s[i], err, sizeof(err)), 0);
	assert_false(vdm_proxy_spare_niced(s[3])); /* asked to keep the caller's priority */
	assert_int_equal(itest_count_children(), 4);
	for (int i = 0; i < 4; i++)
		vdm_proxy_spare_free(s[i]);
	vdm_proxy_spare_free(NULL);
	assert_int_equal(itest_count_children(), 0);
	assert_int_equal(itest_count_fds(), fds);
	assert_false(vdm_proxy_spare_alive(NULL));
	assert_false(vdm_proxy_spare_ready(NULL));
	assert_int_equal(vdm_proxy_spare_pid(NULL), -1);
}

static void spare_start_refuses_bad_input(void **state)
{
	struct vdm_proxy_spare *s = (void *)1;
	char err[256] = "";

	(void)state;
	assert_int_equal(vdm_proxy_spare_start("/nonexistent/vdm-devhost", 0, 0, &s, err, sizeof(err)),
			 -ENOENT);
	assert_null(s);
	assert_non_null(strstr(err, "/nonexistent/vdm-devhost: cannot execute the device host"));
	assert_int_equal(vdm_proxy_spare_start(itest_devhost(), 1ull << 63, 0, &s, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "names CPU 63"));
	assert_int_equal(vdm_proxy_spare_start(itest_devhost(), 0, 0x80, &s, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "unknown flags 0x80"));
	assert_int_equal(itest_count_children(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(device_runs_in_the_spare_locked_down),
		cmocka_unit_test(eventfd_doorbells_in_a_spare),
		cmocka_unit_test(spare_made_the_expected_device),
		cmocka_unit_test(spare_drops_a_wrong_guess),
		cmocka_unit_test(spare_dropped_for_a_plugin),
		cmocka_unit_test(spare_dropped_for_other_cpus),
		cmocka_unit_test(dead_spare_is_replaced_by_a_new_device_host),
		cmocka_unit_test(failed_spawns_consume_the_spare),
		cmocka_unit_test(unused_spares_freed_leave_nothing),
		cmocka_unit_test(spare_start_refuses_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
