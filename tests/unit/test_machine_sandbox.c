/* Unit tests for vmm-example/machine_sandbox.c (the machine's backend) without KVM: devices run in vdm-devhosts by
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
#include <sys/eventfd.h>
#include <unistd.h>

#include <cmocka.h>

#include <vdm/ged.h>
#include <vdm/proxy.h>

#include "event_loop.h"
#include "vmm_fixture.h"
#include "machine_sandbox.h"
#include "sandbox_watch.h"

static unsigned proxies(void)
{
	struct vdm_machine_dev_info d;
	unsigned n = 0;

	for (size_t i = 0; i < vdm_machine_num_devices(vm.m); i++)
		n += vdm_machine_device(vm.m, i, &d) == 0 && d.dev && vdm_device_is_proxy(d.dev);
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
	assert_false(vm.sb.in_process);
	/* t0, its root port, the free port, the GED; the host bridge stays in the VMM */
	assert_int_equal(proxies(), 4);
	assert_true(vdm_device_is_proxy(dev_by_id("t0").dev));
	assert_true(vdm_device_is_proxy(ged().dev));
	assert_false(vdm_device_is_proxy(dev_by_id("host").dev));
	assert_int_equal(machine_sandbox_state(dev_by_id("host").dev, s, sizeof(s)),
			 MACHINE_SANDBOX_IN_PROCESS);
	assert_string_equal(s, "in-process");
	assert_int_equal(machine_sandbox_state(dev_by_id("t0").dev, s, sizeof(s)),
			 MACHINE_SANDBOX_RUNNING);
	assert_int_equal(strncmp(s, "running pid ", 12), 0);
	assert_int_equal(atoi(s + 12), vdm_proxy_pid(dev_by_id("t0").dev));
	/* each device host: its pidfd and its notify eventfd */
	assert_int_equal(machine_sandbox_fds(vm.m, fds, 32), 8);
	assert_int_equal(machine_sandbox_fds(vm.m, fds, 3), 8); /* the count even when truncated */
	assert_int_equal(machine_sandbox_handle(vm.m, vdm_proxy_notify_fd(dev_by_id("t0").dev)), 1);
	assert_int_equal(machine_sandbox_handle(vm.m, 0), -ENOENT);
	assert_int_equal(machine_sandbox_handle(vm.m, -1), -ENOENT);
	/* firmware programmed them through config space, as in-process */
	assert_int_equal(cfg(1, 0, 0, 0, 4), 0x00051b36u);
	assert_int_equal(cfg(1, 0, 0, 4, 2) & 7, 7);
	vmm_machine_destroy(&vm);
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
		assert_int_equal(vm.sb.in_process, k == 1);
		assert_int_equal(proxies(), k ? 0 : 4);
		assert_int_equal(machine_sandbox_fds(vm.m, fds, 4), k ? 0 : 8);
		vdm_machine_print_topology(vm.m, f);
		fclose(f);
		for (b = 0; b < 3; b++) {
			for (r = 0; r < 64; r++)
				conf[k][b][r] = cfg((int)b, b ? 0 : 1, 0, r * 4, 4);
			assert_int_equal(vdm_ged_query(ged().dev, b, &st[k][b]), 0);
		}
		vmm_machine_destroy(&vm);
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
	struct vdm_device *dev;
	char s[128];
	int fds[32], pidfd;

	(void)state;
	events = 0;
	assert_int_equal(BUILD(MACHINE_ARGS), 0);
	machine_sandbox_set_event_hook(&vm.sb, count_event, NULL);
	dev = dev_by_id("t0").dev;
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
	vdm_pci_host_cfg_write(vdm_machine_pci_host(vm.m), 1, 0, 4, 2, 0);
	assert_int_equal(cfg(1, 0, 0, 4, 2), 0xffff);
	assert_int_equal(cfg(0, 1, 0, 0, 4), 0x000c1b36u);
	assert_int_equal(cfg(0, 2, 0, 0, 4), 0x000c1b36u);
	assert_int_equal(vdm_ged_num_selectors(ged().dev), 3);
	assert_int_equal(events, 1);
	/* the event loop: its fds end, and are no longer handed out */
	assert_int_equal(machine_sandbox_handle(vm.m, pidfd), 0);
	assert_int_equal(machine_sandbox_fds(vm.m, fds, 32), 6);
	assert_int_equal(machine_sandbox_state(dev, s, sizeof(s)), MACHINE_SANDBOX_FAILED);
	assert_string_equal(s, "failed: killed by SIGKILL");
	assert_int_equal(events, 1);
	vmm_machine_destroy(&vm);
}

/* Wake-ups the machine sent to the monitor's eject eventfd so far. */
static uint64_t eject_wakeups(void)
{
	uint64_t n = 0;

	if (read(vm.eject_fd, &n, sizeof(n)) < 0)
		n = 0;
	return n;
}

static void a_sandboxed_ged_ejects_once_inside_the_guests_write(void **state)
{
	struct vdm_machine_eject ev;
	uint32_t bsel;
	unsigned k;

	(void)state;
	for (k = 0; k < 2; k++) {
		if (k)
			assert_int_equal(BUILD("--in-process", MACHINE_ARGS), 0);
		else
			assert_int_equal(BUILD(MACHINE_ARGS), 0);
		vm.eject_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		assert_true(vm.eject_fd >= 0);
		bsel = D->root_ports[0].bsel; /* t0's own port comes first */
		assert_string_equal(dev_by_id("t0").parent_id, D->root_ports[0].id);
		assert_int_equal(vdm_machine_unplug_request(vm.m, "t0", err, sizeof(err)), 0);
		assert_int_equal(dev_by_id("t0").state, VDM_MACHINE_DEV_EJECTING);
		/* the guest's _EJ0: select the bus, write the slot's bit */
		assert_true(vdm_machine_mmio_write(vm.m, D->pcihp_base + VDM_PCIHP_BNUM, 4, bsel));
		assert_true(vdm_machine_mmio_write(vm.m, D->pcihp_base + VDM_PCIHP_B0EJ, 4, 1));
		assert_int_equal(eject_wakeups(), 1); /* before the write returned */
		if (!k) { /* the event loop finds nothing more to deliver */
			int fds[32];
			size_t i, n = machine_sandbox_fds(vm.m, fds, 32);

			for (i = 0; i < n; i++)
				assert_int_equal(machine_sandbox_handle(vm.m, fds[i]), 1);
		}
		assert_int_equal(eject_wakeups(), 0);
		/* the control thread carries it out once */
		assert_int_equal(vdm_machine_process_eject(vm.m, &ev), 1);
		assert_string_equal(ev.id, "t0");
		assert_int_equal(ev.bus_sel, bsel);
		assert_int_equal(ev.slot, 0);
		assert_true(ev.requested);
		assert_int_equal(vdm_machine_find(vm.m, "t0"), -ENOENT);
		assert_int_equal(cfg(1, 0, 0, 0, 4), 0xffffffffu);
		assert_int_equal(vdm_machine_process_eject(vm.m, &ev), 0);
		close(vm.eject_fd);
		vmm_machine_destroy(&vm);
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
	vmm_machine_destroy(&vm);
	/* --in-process needs none */
	assert_int_equal(BUILD("--in-process", MACHINE_ARGS), 0);
	vmm_machine_destroy(&vm);
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
	size_t watched;
	unsigned i;

	(void)state;
	assert_int_equal(BUILD(MACHINE_ARGS), 0);
	assert_int_equal(ev_loop_create(&loop, err, sizeof(err)), 0);
	sandbox_watch_init(&w, loop, vm.m);
	watched = w.n;
	/* pidfd and notify eventfd of each devhost: t0's root port, the hotplug port, the
	 * GED and t0 */
	assert_int_equal(watched, 2 * 4);
	assert_int_equal(ev_loop_num_watches(loop), watched);
	for (i = 0; i < 200; i++) /* config reads answered from the read mirror */
		assert_int_equal(cfg(1, 0, 0, 0, 4), 0x00051b36u);
	kill_device(dev_by_id("t0").dev);
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
	vmm_machine_destroy(&vm);
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
