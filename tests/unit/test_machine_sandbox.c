/* Unit tests for vmm-example/machine_sandbox.c without KVM: devices run in vdm-devhosts by
 * default and in-process with --in-process, with the same machine either way; a killed
 * device reads all-ones while the rest carries on; the event-loop fds and `info devices`
 * states; a sandboxed GED's eject arrives once, inside the guest's write. */
#define _GNU_SOURCE
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
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include <vdm/ged.h>
#include <vdm/proxy.h>

#include "event_loop.h"
#include "machine_fixture.h"
#include "machine_sandbox.h"
#include "sandbox_watch.h"

static unsigned proxies(void)
{
	unsigned i, n = 0;

	for (i = 0; i < m.ndevs; i++)
		n += m.devs[i].dev && vdm_device_is_proxy(m.devs[i].dev);
	return n;
}

static void kill_device(struct vdm_device *dev)
{
	struct pollfd p = { .fd = vdm_proxy_pidfd(dev), .events = POLLIN };

	assert_int_equal(syscall(SYS_pidfd_send_signal, p.fd, SIGKILL, NULL, 0), 0);
	assert_int_equal(poll(&p, 1, 5000), 1);
}

#define MACHINE_ARGS "--device", "testdev,id=t0,membar=4M", "--hotplug-ports", "1"

static void root_ports_ged_and_testdevs_run_in_device_hosts_by_default(void **state)
{
	char s[128];
	int fds[32];

	(void)state;
	assert_int_equal(BUILD(MACHINE_ARGS), 0);
	assert_false(machine_sandbox_in_process());
	/* t0, its root port, the free port, the GED; the host bridge stays in the VMM */
	assert_int_equal(proxies(), 4);
	assert_true(vdm_device_is_proxy(dev_by_id("t0")->dev));
	assert_true(vdm_device_is_proxy(m.devs[m.ged].dev));
	assert_false(vdm_device_is_proxy(dev_by_id("host")->dev));
	assert_int_equal(machine_sandbox_state(dev_by_id("host")->dev, s, sizeof(s)),
			 MACHINE_SANDBOX_IN_PROCESS);
	assert_string_equal(s, "in-process");
	assert_int_equal(machine_sandbox_state(dev_by_id("t0")->dev, s, sizeof(s)),
			 MACHINE_SANDBOX_RUNNING);
	assert_int_equal(strncmp(s, "running pid ", 12), 0);
	assert_int_equal(atoi(s + 12), vdm_proxy_pid(dev_by_id("t0")->dev));
	/* each device host: its pidfd and its notify eventfd */
	assert_int_equal(machine_sandbox_fds(&m, fds, 32), 8);
	assert_int_equal(machine_sandbox_fds(&m, fds, 3), 8); /* the count even when truncated */
	assert_int_equal(machine_sandbox_handle(&m, vdm_proxy_notify_fd(dev_by_id("t0")->dev)), 1);
	assert_int_equal(machine_sandbox_handle(&m, 0), -ENOENT);
	assert_int_equal(machine_sandbox_handle(&m, -1), -ENOENT);
	/* firmware programmed them through config space, as in-process */
	assert_int_equal(cfg(1, 0, 0, 0, 4), 0x00051b36u);
	assert_int_equal(cfg(1, 0, 0, 4, 2) & 7, 7);
	machine_destroy(&m);
}

static void in_process_builds_the_same_machine_with_no_device_host(void **state)
{
	static char topo[2][8192];
	uint32_t conf[2][3][64];
	struct vdm_ged_bus_state st[2][3];
	int fds[4];
	unsigned k, b, r;

	(void)state;
	for (k = 0; k < 2; k++) {
		FILE *f = fmemopen(topo[k], sizeof(topo[k]) - 1, "w");

		if (k)
			assert_int_equal(BUILD("--in-process", MACHINE_ARGS), 0);
		else
			assert_int_equal(BUILD(MACHINE_ARGS), 0);
		assert_int_equal(machine_sandbox_in_process(), k == 1);
		assert_int_equal(proxies(), k ? 0 : 4);
		assert_int_equal(machine_sandbox_fds(&m, fds, 4), k ? 0 : 8);
		machine_print_topology(&m, f);
		fclose(f);
		for (b = 0; b < 3; b++) {
			for (r = 0; r < 64; r++)
				conf[k][b][r] = cfg((int)b, b ? 0 : 1, 0, r * 4, 4);
			assert_int_equal(vdm_ged_query(m.devs[m.ged].dev, b, &st[k][b]), 0);
		}
		machine_destroy(&m);
	}
	assert_string_equal(topo[0], topo[1]);
	assert_memory_equal(conf[0], conf[1], sizeof(conf[0]));
	assert_memory_equal(st[0], st[1], sizeof(st[0]));
	assert_true(st[0][2].slots == 1); /* the free port takes hotplug */
}

static int events;

static void count_event(void *opaque, const struct vdm_proxy_event *ev)
{
	(void)opaque;
	assert_int_equal(ev->kind, VDM_PROXY_EV_EXITED);
	assert_int_equal(ev->signal, SIGKILL);
	events++;
}

static void a_killed_device_reads_all_ones_and_the_machine_carries_on(void **state)
{
	struct machine_dev *t0;
	struct vdm_device *dev;
	char s[128];
	int fds[32], pidfd;

	(void)state;
	events = 0;
	machine_sandbox_set_event_hook(count_event, NULL);
	assert_int_equal(BUILD(MACHINE_ARGS), 0);
	t0 = dev_by_id("t0");
	dev = t0->dev;
	pidfd = vdm_proxy_pidfd(dev);
	kill_device(dev);
	/* noticed before anyone touched it: `info devices` can say so at once */
	assert_int_equal(machine_sandbox_state(dev, s, sizeof(s)), MACHINE_SANDBOX_FAILED);
	assert_string_equal(s, "failed: killed by SIGKILL");
	/* Without the event loop, the proxy notices by itself: config reads come from the
	 * device's read mirror, which polls the pidfd on every 64th answer. */
	{
		unsigned n = 0;

		while (cfg(1, 0, 0, 0, 4) != 0xffffffffu && n < 1000)
			n++;
		assert_in_range(n, 0, 63);
	}
	/* the guest's view: all-ones, writes dropped; its root port and the rest answer */
	assert_int_equal(cfg(1, 0, 0, 0, 4), 0xffffffffu);
	vdm_pci_host_cfg_write(m.pci, 1, 0, 4, 2, 0);
	assert_int_equal(cfg(1, 0, 0, 4, 2), 0xffff);
	assert_int_equal(cfg(0, 1, 0, 0, 4), 0x000c1b36u);
	assert_int_equal(cfg(0, 2, 0, 0, 4), 0x000c1b36u);
	assert_int_equal(vdm_ged_num_selectors(m.devs[m.ged].dev), 3);
	assert_int_equal(events, 1);
	/* the event loop: its fds end, and are no longer handed out */
	assert_int_equal(machine_sandbox_handle(&m, pidfd), 0);
	assert_int_equal(machine_sandbox_fds(&m, fds, 32), 6);
	assert_int_equal(machine_sandbox_state(dev, s, sizeof(s)), MACHINE_SANDBOX_FAILED);
	assert_string_equal(s, "failed: killed by SIGKILL");
	assert_int_equal(events, 1);
	machine_destroy(&m);
	machine_sandbox_set_event_hook(NULL, NULL);
}

static uint32_t ejects, eject_bsel = 99, eject_slot = 99;

static void on_eject(void *opaque, uint32_t bsel, uint32_t slot)
{
	(void)opaque;
	ejects++;
	eject_bsel = bsel;
	eject_slot = slot;
}

static void a_sandboxed_ged_ejects_once_inside_the_guests_write(void **state)
{
	struct machine_dev *g;
	uint32_t bsel;
	unsigned k;

	(void)state;
	for (k = 0; k < 2; k++) {
		if (k)
			assert_int_equal(BUILD("--in-process", MACHINE_ARGS), 0);
		else
			assert_int_equal(BUILD(MACHINE_ARGS), 0);
		m.eject = on_eject;
		ejects = 0;
		g = &m.devs[m.ged];
		bsel = m.desc.root_ports[m.devs[dev_by_id("t0")->parent].root_port].bsel;
		assert_int_equal(machine_unplug_request(&m, "t0", err, sizeof(err)), 0);
		machine_platform_write(&g->rctx[VDM_GED_REGION_PCIHP], VDM_PCIHP_BNUM, 4, bsel);
		machine_platform_write(&g->rctx[VDM_GED_REGION_PCIHP], VDM_PCIHP_B0EJ, 4, 1);
		assert_int_equal(ejects, 1); /* before the write returned */
		assert_int_equal(eject_bsel, bsel);
		assert_int_equal(eject_slot, 0);
		if (!k) { /* the event loop finds nothing more to deliver */
			int fds[32];
			size_t i, n = machine_sandbox_fds(&m, fds, 32);

			for (i = 0; i < n; i++)
				assert_int_equal(machine_sandbox_handle(&m, fds[i]), 1);
		}
		assert_int_equal(ejects, 1);
		machine_destroy(&m);
	}
}

static void a_missing_device_host_is_a_clear_error(void **state)
{
	char path[4096];

	(void)state;
	assert_int_equal(setenv("VDM_DEVHOST", "/nonexistent/vdm-devhost", 1), 0);
	assert_int_equal(machine_sandbox_devhost_path(path, sizeof(path), err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "VDM_DEVHOST=/nonexistent/vdm-devhost"));
	assert_non_null(strstr(err, "--in-process"));
	assert_true(BUILD(MACHINE_ARGS) < 0);
	assert_non_null(strstr(err, "VDM_DEVHOST=/nonexistent/vdm-devhost"));
	machine_destroy(&m);
	/* --in-process needs none */
	assert_int_equal(BUILD("--in-process", MACHINE_ARGS), 0);
	machine_destroy(&m);
	unsetenv("VDM_DEVHOST");
	/* without it: beside the program or in the build tree this test was built in */
	assert_int_equal(machine_sandbox_devhost_path(path, sizeof(path), err, sizeof(err)), 0);
	assert_int_equal(access(path, X_OK), 0);
	assert_non_null(strstr(path, "vdm-devhost"));
}

static void the_event_loop_fails_a_dead_device_before_the_guest_reads_it(void **state)
{
	struct ev_loop *loop;
	struct sandbox_watch w;
	struct machine_dev *t0;
	size_t watched;
	unsigned i;

	(void)state;
	assert_int_equal(BUILD(MACHINE_ARGS), 0);
	assert_int_equal(ev_loop_create(&loop, err, sizeof(err)), 0);
	sandbox_watch_init(&w, loop, &m);
	watched = w.n;
	/* pidfd and notify eventfd of each devhost: t0's root port, the hotplug port, the
	 * GED and t0 */
	assert_int_equal(watched, 2 * 4);
	assert_int_equal(ev_loop_num_watches(loop), watched);
	t0 = dev_by_id("t0");
	for (i = 0; i < 200; i++) /* config reads answered from the read mirror */
		assert_int_equal(cfg(1, 0, 0, 0, 4), 0x00051b36u);
	kill_device(t0->dev);
	for (i = 0; i < 50 && !w.deaths; i++) {
		ev_loop_run_once(loop, 100);
		sandbox_watch_sync(&w);
	}
	assert_int_equal(w.deaths, 1);
	assert_int_equal(w.n, watched - 2); /* its fds are no longer watched */
	/* the very next guest read: all-ones, the mirror is not consulted any more */
	assert_int_equal(cfg(1, 0, 0, 0, 4), 0xffffffffu);
	assert_int_equal(cfg(0, 1, 0, 0, 4), 0x000c1b36u);
	sandbox_watch_stop(&w);
	assert_int_equal(ev_loop_num_watches(loop), 0);
	ev_loop_destroy(loop);
	machine_destroy(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(root_ports_ged_and_testdevs_run_in_device_hosts_by_default),
		cmocka_unit_test(in_process_builds_the_same_machine_with_no_device_host),
		cmocka_unit_test(a_killed_device_reads_all_ones_and_the_machine_carries_on),
		cmocka_unit_test(a_sandboxed_ged_ejects_once_inside_the_guests_write),
		cmocka_unit_test(a_missing_device_host_is_a_clear_error),
		cmocka_unit_test(the_event_loop_fails_a_dead_device_before_the_guest_reads_it),
	};

	unsetenv("VDM_DEVHOST");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
