/* Unit tests for the monitor over a real machine without KVM (vmm-example/monitor*.c,
 * libvdm-machine's hotplug.c): device_add / device_del through a UNIX-socket client and a
 * QMP client,
 * the guest's side played through the GED registers, 20 cycles on one slot, and refusals. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include <vdm/ged.h>

#include "event_loop.h"
#include "vmm_fixture.h"
#include "machine_sandbox.h"
#include "monitor.h"
#include "options.h"
#include <vdm/pci_host.h>
#include "vmm.h"

static struct vmm v;
static char hmp_path[108], qmp_path[108];

static void start(void)
{
	memset(&v, 0, sizeof(v));
	v.wake_fd = -1;
	pthread_mutex_init(&v.stop_lock, NULL);
	snprintf(hmp_path, sizeof(hmp_path), "/tmp/vdm-test-hmp-%d", getpid());
	snprintf(qmp_path, sizeof(qmp_path), "/tmp/vdm-test-qmp-%d", getpid());
	assert_int_equal(monitor_start(&v, &vm, hmp_path, qmp_path, err, sizeof(err)), 0);
}

static void stop(void)
{
	monitor_stop(&v);
	vmm_machine_destroy(&vm);
	assert_int_equal(access(hmp_path, F_OK), -1); /* socket files removed */
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Run the loop until `fd` has text containing `until`; returns everything read. */
static char *read_until(int fd, const char *until)
{
	static char buf[1 << 16];
	size_t len = 0;

	buf[0] = 0;
	for (int i = 0; i < 200 && !strstr(buf, until); i++) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		ev_loop_run_once(v.loop, 10);
		if (poll(&p, 1, 0) <= 0)
			continue;
		n = recv(fd, buf + len, sizeof(buf) - 1 - len, MSG_DONTWAIT);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = 0;
	}
	return buf;
}

static void send_str(int fd, const char *s)
{
	assert_int_equal(send(fd, s, strlen(s), 0), (ssize_t)strlen(s));
}

static char *hmp(int fd, const char *line)
{
	assert_int_equal(send(fd, line, strlen(line), 0), (ssize_t)strlen(line));
	return read_until(fd, "(vdm) ");
}

/* The guest's _EJ0 for the slot behind root port index `rp`: BNUM = bsel, B0EJ = 1. */
static void guest_ejects(unsigned rp)
{
	assert_true(vdm_machine_mmio_write(vm.m, D->pcihp_base + VDM_PCIHP_BNUM, 4,
					   D->root_ports[rp].bsel));
	assert_true(vdm_machine_mmio_write(vm.m, D->pcihp_base + VDM_PCIHP_B0EJ, 4, 1));
}

static uint32_t pcid(unsigned rp)
{
	struct vdm_ged_bus_state st;

	assert_int_equal(vdm_ged_query(ged().dev, D->root_ports[rp].bsel, &st), 0);
	return st.down;
}

static uint32_t vendor_behind(unsigned rp)
{
	uint32_t val;

	vdm_pci_host_cfg_read(vdm_machine_pci_host(vm.m), D->root_ports[rp].secondary_bus, 0, 0, 4,
			      &val);
	return val;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void hmp_add_del_20_cycles_on_one_slot_leave_nothing_behind(void **state)
{
	int fd, fds_before;
	char *r;

	(void)state;
	assert_int_equal(BUILD("--device", "pcie-root-port,id=rp1", "--hotplug-ports", "0"), 0);
	start();
	fd = connect_to(hmp_path);
	r = read_until(fd, "(vdm) ");
	assert_non_null(strstr(r, "type 'help'"));
	fds_before = count_fds();
	for (int i = 0; i < 20; i++) {
		/* QEMU's type name and vdm's former one, in turn: the same device */
		r = hmp(fd, i % 2 ? "device_add testdev,id=t1,bus=rp1,membar=4M\n"
				  : "device_add pci-testdev,id=t1,bus=rp1,membar=4M\n");
		assert_non_null(strstr(r, "device_add: t1 (pci-testdev) added behind rp1"));
		assert_int_equal(vendor_behind(0), 0x00051b36u);
		if (i == 0) {
			r = hmp(fd, "info pci\n");
			assert_non_null(strstr(r, "1b36:0005 class 00ff00 pci-testdev id=t1 parent=rp1"));
		}
		r = hmp(fd, "info devices\n");
		/* sandboxed by default: the testdev is a device host of its own */
		assert_non_null(strstr(r, "t1               pci-testdev      01:00.0    pid "));
		assert_non_null(strstr(strstr(r, "t1  "), "running"));
		r = hmp(fd, "device_del t1\n");
		assert_non_null(strstr(r, "unplug of t1 requested"));
		assert_int_equal(pcid(0), 1);
		r = hmp(fd, "info devices\n");
		assert_non_null(strstr(r, "ejecting"));
		/* not gone before the guest ejects: the slot is still taken */
		r = hmp(fd, "device_add testdev,id=t2,bus=rp1\n");
		assert_non_null(strstr(r, "error: device_add testdev,id=t2,bus=rp1: root port rp1 is "
					  "occupied (by t1, being ejected; wait for DEVICE_DELETED)"));
		r = hmp(fd, "device_del t1\n");
		assert_non_null(strstr(r, "error: device_del t1: already being unplugged"));
		guest_ejects(0);
		r = read_until(fd, "DEVICE_DELETED t1");
		assert_non_null(strstr(r, "DEVICE_DELETED t1"));
		assert_int_equal(vendor_behind(0), 0xffffffffu);
		assert_int_equal(pcid(0), 0);
		r = hmp(fd, "info devices\n");
		assert_null(strstr(r, "t1 "));
	}
	assert_int_equal(count_fds(), fds_before);
	assert_true(vdm_machine_num_devices(vm.m) < 10); /* entries are reused, not piled up */
	close(fd);
	stop();
}

/* The pid of the spare the next device_add gets, or -1. */
static int oldest_spare(void)
{
	int pid = -1;

	return machine_sandbox_spare_pids(&vm.sb, &pid, 1) ? pid : -1;
}

/* The pid on the first "(spare devhost)" row of `info devices`, or -1 when there is none. */
static int spare_in_info(int fd)
{
	char *r = hmp(fd, "info devices\n"), *row = strstr(r, "(spare devhost)");
	int pid = -1;

	if (row && sscanf(row, "(spare devhost) - pid %d", &pid) != 1)
		fail_msg("info devices: bad spare row in:\n%s", r);
	if (row)
		assert_non_null(strstr(row, "ready for device_add"));
	return pid;
}

static int pid_in_info(int fd, const char *id)
{
	char *r = hmp(fd, "info devices\n"), *row = strstr(r, id);
	int pid = -1;

	assert_non_null(row);
	row = strstr(row, " pid ");
	assert_non_null(row);
	assert_int_equal(sscanf(row, " pid %d", &pid), 1);
	return pid;
}

static void device_add_takes_the_spare_device_host_and_it_is_replaced_later(void **state)
{
	uint64_t now;
	int fd, spare, t1;
	char *r;

	(void)state;
	assert_int_equal(BUILD("--device", "pcie-root-port,id=rp1", "--hotplug-ports", "1",
			       "--spare-devhosts", "1"), 0);
	machine_sandbox_set_spares(&vm.sb, 1, false); /* a VMM that cannot renice: the timing rules */
	start();
	fd = connect_to(hmp_path);
	read_until(fd, "(vdm) ");
	assert_int_equal(spare_in_info(fd), -1); /* none until the event loop asks */
	machine_sandbox_keep_spare(&vm.sb, vm.m, vmm_now_ns());
	spare = spare_in_info(fd);
	assert_true(spare > 0);
	machine_sandbox_keep_spare(&vm.sb, vm.m, vmm_now_ns()); /* one is enough */
	assert_int_equal(spare_in_info(fd), spare);

	r = hmp(fd, "device_add testdev,id=t1,bus=rp1,membar=4M\n");
	assert_non_null(strstr(r, "device_add: t1 (pci-testdev) added behind rp1"));
	t1 = pid_in_info(fd, "t1  ");
	assert_int_equal(t1, spare); /* the device runs in the spare's process */
	assert_int_equal(vendor_behind(0), 0x00051b36u);
	/* Not replaced while the guest keeps accessing devices (each keep below sees new
	 * accesses), but once they have been quiet for 100 ms. */
	now = vmm_now_ns();
	for (int i = 0; i < 5; i++) {
		vendor_behind(0);
		machine_sandbox_keep_spare(&vm.sb, vm.m, now + (uint64_t)i * 50000000u);
		assert_int_equal(spare_in_info(fd), -1);
	}
	machine_sandbox_keep_spare(&vm.sb, vm.m, now + 4 * 50000000u + 90000000u); /* quiet 90 ms */
	assert_int_equal(spare_in_info(fd), -1);
	machine_sandbox_keep_spare(&vm.sb, vm.m, now + 4 * 50000000u + 110000000u); /* quiet 110 ms */
	spare = spare_in_info(fd);
	assert_true(spare > 0 && spare != t1);

	/* A guest that never lets the devices rest gets the next spare 2 s after the take. */
	r = hmp(fd, "device_add testdev,id=t3,membar=1G\n");
	assert_non_null(strstr(r, "device_add: t3 (pci-testdev) added behind"));
	assert_int_equal(pid_in_info(fd, "t3  "), spare);
	now = vmm_now_ns();
	for (uint64_t t = 0; t < 1900000000u; t += 50000000u) {
		vendor_behind(0);
		machine_sandbox_keep_spare(&vm.sb, vm.m, now + t);
		assert_int_equal(oldest_spare(), -1);
	}
	vendor_behind(0);
	machine_sandbox_keep_spare(&vm.sb, vm.m, now + 2050000000u);
	spare = spare_in_info(fd);
	assert_true(spare > 0);
	r = hmp(fd, "device_del t3\n");
	assert_non_null(strstr(r, "unplug of t3 requested"));
	guest_ejects(1);
	read_until(fd, "DEVICE_DELETED t3");

	/* a spare that dies unused is replaced, and the next device_add still works */
	assert_int_equal(kill(spare, SIGKILL), 0);
	for (int i = 0; i < 200 && oldest_spare() == spare; i++) {
		usleep(5000);
		machine_sandbox_keep_spare(&vm.sb, vm.m, vmm_now_ns());
	}
	assert_true(spare_in_info(fd) > 0 && spare_in_info(fd) != spare);
	spare = spare_in_info(fd);
	r = hmp(fd, "device_add testdev,id=t2,membar=1G\n");
	assert_non_null(strstr(r, "device_add: t2 (pci-testdev) added behind"));
	assert_int_equal(pid_in_info(fd, "t2  "), spare);
	/* device_del: the guest is done with what it was given, the next spare starts now */
	vendor_behind(1);
	machine_sandbox_keep_spare(&vm.sb, vm.m, vmm_now_ns());
	assert_int_equal(oldest_spare(), -1);
	r = hmp(fd, "device_del t2\n");
	assert_non_null(strstr(r, "unplug of t2 requested"));
	vendor_behind(1);
	machine_sandbox_keep_spare(&vm.sb, vm.m, vmm_now_ns());
	spare = oldest_spare();
	assert_true(spare > 0);
	close(fd);
	stop();
	assert_int_equal(oldest_spare(), -1); /* teardown kills it */
	assert_true(kill(spare, 0) < 0 && errno == ESRCH); /* reaped, not a zombie */
	assert_true(kill(t1, 0) < 0 && errno == ESRCH);
}

static int nice_of(int pid)
{
	int n;

	errno = 0;
	n = getpriority(PRIO_PROCESS, (id_t)pid);
	assert_int_equal(errno, 0);
	return n;
}

/* Where spares can be niced (CAP_SYS_NICE here), they load and wait at nice 19 and run at
 * the VMM's priority from the moment a device_add takes one; replacements follow the same
 * rules (quiet devices, device_del, 2 s) and are niced too. */
static void spares_wait_niced_and_devices_run_at_the_vmms_priority(void **state)
{
	uint64_t now;
	int fd, s1, s2, me = nice_of(getpid());
	char *r;

	(void)state;
	assert_int_equal(BUILD("--device", "pcie-root-port,id=rp1", "--hotplug-ports", "1",
			       "--spare-devhosts", "1"), 0);
	start();
	fd = connect_to(hmp_path);
	read_until(fd, "(vdm) ");
	machine_sandbox_keep_spare(&vm.sb, vm.m, vmm_now_ns());
	s1 = oldest_spare();
	assert_true(s1 > 0);
	if (nice_of(s1) != 19) {
		close(fd);
		stop();
		skip(); /* no CAP_SYS_NICE and no RLIMIT_NICE: spares run at full priority */
	}
	r = hmp(fd, "device_add testdev,id=t1,bus=rp1\n");
	assert_non_null(strstr(r, "added behind rp1"));
	assert_int_equal(pid_in_info(fd, "t1  "), s1);
	assert_int_equal(nice_of(s1), me); /* a device host runs at the VMM's priority */
	now = vmm_now_ns();
	vendor_behind(0);
	machine_sandbox_keep_spare(&vm.sb, vm.m, now);
	assert_int_equal(oldest_spare(), -1); /* the guest is busy with t1 */
	machine_sandbox_keep_spare(&vm.sb, vm.m, now + 110000000u); /* quiet 110 ms */
	s2 = oldest_spare();
	assert_true(s2 > 0 && s2 != s1);
	assert_int_equal(nice_of(s2), 19);
	close(fd);
	stop();
}

/* Two spares (the default): a device_add right after a device_del still finds one ready
 * while the replacement for the last one loads. */
static void two_spares_by_default_taken_oldest_first(void **state)
{
	int pids[4], fd, n;
	char *r;

	(void)state;
	assert_int_equal(BUILD("--device", "pcie-root-port,id=rp1", "--hotplug-ports", "1"), 0);
	start();
	fd = connect_to(hmp_path);
	read_until(fd, "(vdm) ");
	machine_sandbox_keep_spare(&vm.sb, vm.m, vmm_now_ns()); /* one per turn */
	assert_int_equal(machine_sandbox_spare_pids(&vm.sb, pids, 4), 1);
	machine_sandbox_keep_spare(&vm.sb, vm.m, vmm_now_ns() + 1000);
	machine_sandbox_keep_spare(&vm.sb, vm.m, vmm_now_ns() + 2000); /* and no more than two */
	assert_int_equal(machine_sandbox_spare_pids(&vm.sb, pids, 4), 2);
	r = hmp(fd, "info devices\n");
	assert_non_null(strstr(r, "ready for device_add"));
	assert_non_null(strstr(r, "ready after the one above"));
	r = hmp(fd, "device_add testdev,id=a,bus=rp1\n");
	assert_non_null(strstr(r, "added behind rp1"));
	assert_int_equal(pid_in_info(fd, "a   "), pids[0]);
	r = hmp(fd, "device_add testdev,id=b\n");
	assert_non_null(strstr(r, "added behind"));
	assert_int_equal(pid_in_info(fd, "b   "), pids[1]);
	n = (int)machine_sandbox_spare_pids(&vm.sb, pids, 4);
	assert_int_equal(n, 0);
	close(fd);
	stop();
}

static void no_spare_when_off_or_in_process(void **state)
{
	(void)state;
	assert_int_equal(BUILD("--device", "pcie-root-port,id=rp1", "--spare-devhosts", "0"), 0);
	machine_sandbox_keep_spare(&vm.sb, vm.m, vmm_now_ns());
	assert_int_equal(oldest_spare(), -1);
	vmm_machine_destroy(&vm);
	assert_int_equal(BUILD("--device", "pcie-root-port,id=rp1", "--in-process"), 0);
	machine_sandbox_keep_spare(&vm.sb, vm.m, vmm_now_ns());
	assert_int_equal(oldest_spare(), -1);
	vmm_machine_destroy(&vm);
	{
		char *bad[] = { "vmm-example", "--spare-devhosts", "5" };

		assert_int_not_equal(vmm_options_parse(3, bad, &o, err, sizeof(err)), 0);
		assert_string_equal(err, "--spare-devhosts 5: expected a whole number from 0 to 4");
	}
}

static void a_bar_set_that_no_longer_fits_is_refused_before_the_guest_sees_it(void **state)
{
	int fd;
	char *r;

	(void)state;
	assert_int_equal(BUILD("--device", "pcie-root-port,id=rp1,pref64-reserve=0,mem-reserve=0",
			       "--hotplug-ports", "0"), 0);
	start();
	fd = connect_to(hmp_path);
	read_until(fd, "(vdm) ");
	r = hmp(fd, "device_add testdev,id=t1,bus=rp1,membar=4M\n");
	assert_non_null(strstr(r, "error: device_add testdev,id=t1,bus=rp1,membar=4M: BAR2 "
				  "(64-bit prefetchable memory, 4M)"));
	assert_non_null(strstr(r, "rp1"));
	assert_non_null(strstr(r, "nothing was added (x-fit-check=off lets the guest try)"));
	assert_int_equal(vendor_behind(0), 0xffffffffu);
	assert_int_equal(vdm_ged_pending_events(ged().dev), 0);
	r = hmp(fd, "device_add testdev,id=t1,bus=rp1,membar=4M,x-fit-check=off\n");
	assert_non_null(strstr(r, "device_add: t1 (pci-testdev) added behind rp1; warning: "));
	assert_int_equal(vendor_behind(0), 0x00051b36u);
	close(fd);
	stop();
}

static void bad_requests_get_one_clear_error_each(void **state)
{
	static char big[(1 << 20) + 2];
	int fd, fd2;
	char *r;

	(void)state;
	assert_int_equal(BUILD("--device", "pcie-root-port,id=rp1", "--hotplug-ports", "0"), 0);
	start();
	fd = connect_to(hmp_path);
	read_until(fd, "(vdm) ");
	r = hmp(fd, "device_add testdev,bus=rp9\n");
	assert_non_null(strstr(r, "error: device_add testdev,bus=rp9: bus=rp9: no pcie-root-port "
				  "with that id"));
	r = hmp(fd, "device_add testdev,id=rp1,bus=rp1\n");
	assert_non_null(strstr(r, "id=rp1 is already in use by a pcie-root-port; pick another id"));
	r = hmp(fd, "device_add testdev,membar=3M\n");
	assert_non_null(strstr(r, "error: device_add testdev,membar=3M: membar=3M: "));
	r = hmp(fd, "device_add pcie-root-port\n");
	assert_non_null(strstr(r, "only PCI endpoints can be hot-added"));
	r = hmp(fd, "device_del rp1\n");
	assert_non_null(strstr(r, "error: device_del rp1: a pcie-root-port on the root bus cannot "
				  "be unplugged"));
	r = hmp(fd, "device_del nope\n");
	assert_non_null(strstr(r, "error: device_del nope: no device with that id"));
	r = hmp(fd, "\x01\xff garbage\n");
	assert_non_null(strstr(r, "error: byte 0x01 at column 1"));
	/* a 1 MiB line: one error, then the session goes on */
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	for (size_t off = 0; off < sizeof(big);) {
		ssize_t n = send(fd, big + off, sizeof(big) - off, MSG_DONTWAIT);

		if (n > 0)
			off += (size_t)n;
		ev_loop_run_once(v.loop, 1);
	}
	r = read_until(fd, "(vdm) ");
	assert_non_null(strstr(r, "error: line of 1048577 bytes dropped (at most 4096)"));
	r = hmp(fd, "info pci\n");
	assert_non_null(strstr(r, "id=rp1 parent=pcie.0"));
	/* a client that leaves mid-command changes nothing */
	fd2 = connect_to(hmp_path);
	read_until(fd2, "(vdm) ");
	assert_int_equal(send(fd2, "device_add testdev,id=x", 23, 0), 23);
	close(fd2);
	for (int i = 0; i < 5; i++)
		ev_loop_run_once(v.loop, 5);
	r = hmp(fd, "info devices\n");
	assert_null(strstr(r, "x  "));
	close(fd);
	stop();
}

static void qmp_session_adds_deletes_and_reports_the_event(void **state)
{
	int fd;
	char *r;

	(void)state;
	assert_int_equal(BUILD("--device", "pcie-root-port,id=rp1", "--hotplug-ports", "0"), 0);
	start();
	fd = connect_to(qmp_path);
	r = read_until(fd, "\n");
	assert_non_null(strstr(r, "{\"QMP\": {\"version\": "));
	send_str(fd, "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"testdev\"}}");
	r = read_until(fd, "\n");
	assert_non_null(strstr(r, "\"CommandNotFound\", \"desc\": \"Expecting capabilities"));
	send_str(fd, "{\"execute\": \"qmp_capabilities\"}\n");
	r = read_until(fd, "\n");
	assert_string_equal(r, "{\"return\": {}}\r\n");
	/* what a QMP client written for QEMU sends: QEMU's type name */
	r = "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"pci-testdev\", \"id\": "
	    "\"t1\", \"bus\": \"rp1\", \"membar\": \"1G\"}, \"id\": 7}";
	send_str(fd, r);
	r = read_until(fd, "\n");
	assert_string_equal(r, "{\"return\": {}, \"id\": 7}\r\n");
	send_str(fd, "{\"execute\": \"query-pci\"}");
	r = read_until(fd, "\n");
	assert_non_null(strstr(r, "\"qdev_id\": \"t1\", \"regions\": [{\"bar\": 0, "));
	assert_non_null(strstr(r, "{\"bar\": 2, \"type\": \"memory\", \"address\": "
				  "18446744073709551615, \"size\": 1073741824, \"prefetch\": true, "
				  "\"mem_type_64\": true}"));
	/* QEMU's class for pci-testdev: 0x00ff (sub-class 0xff of base class 0x00) */
	assert_non_null(strstr(r, "\"class_info\": {\"class\": 255}, \"id\": {\"vendor\": 6966, "
				  "\"device\": 5}, \"qdev_id\": \"t1\""));
	send_str(fd, "{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": "
		     "\"info devices\"}}");
	r = read_until(fd, "\n");
	assert_non_null(strstr(r, "t1               pci-testdev      01:00.0"));
	send_str(fd, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"t1\"}}");
	r = read_until(fd, "\n");
	assert_string_equal(r, "{\"return\": {}}\r\n");
	guest_ejects(0);
	r = read_until(fd, "\n");
	assert_non_null(strstr(r, "{\"event\": \"DEVICE_DELETED\", \"data\": {\"device\": \"t1\", "
				  "\"path\": \"/machine/peripheral/t1\"}, \"timestamp\": {"));
	send_str(fd, "{\"execute\": \"quit\"}");
	r = read_until(fd, "\n");
	assert_string_equal(r, "{\"return\": {}}\r\n");
	assert_true(atomic_load(&v.stopping));
	close(fd);
	stop();
}

static void guest_initiated_eject_of_a_cold_plugged_device_frees_its_window_space(void **state)
{
	int fd;
	char *r;

	(void)state;
	assert_int_equal(BUILD("--device", "pcie-root-port,id=rp1,pref64-reserve=8M",
			       "--device", "testdev,id=c1,bus=rp1,membar=8M", "--hotplug-ports", "0"), 0);
	start();
	fd = connect_to(hmp_path);
	read_until(fd, "(vdm) ");
	r = hmp(fd, "device_del c1\n");
	assert_non_null(strstr(r, "unplug of c1 requested"));
	guest_ejects(0);
	r = read_until(fd, "DEVICE_DELETED c1");
	assert_non_null(strstr(r, "DEVICE_DELETED c1"));
	/* its 8M went back to the window: an 8M device fits again */
	r = hmp(fd, "device_add testdev,id=t1,bus=rp1,membar=8M\n");
	assert_non_null(strstr(r, "device_add: t1 (pci-testdev) added behind rp1"));
	close(fd);
	stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hmp_add_del_20_cycles_on_one_slot_leave_nothing_behind),
		cmocka_unit_test(device_add_takes_the_spare_device_host_and_it_is_replaced_later),
		cmocka_unit_test(spares_wait_niced_and_devices_run_at_the_vmms_priority),
		cmocka_unit_test(two_spares_by_default_taken_oldest_first),
		cmocka_unit_test(no_spare_when_off_or_in_process),
		cmocka_unit_test(a_bar_set_that_no_longer_fits_is_refused_before_the_guest_sees_it),
		cmocka_unit_test(bad_requests_get_one_clear_error_each),
		cmocka_unit_test(qmp_session_adds_deletes_and_reports_the_event),
		cmocka_unit_test(guest_initiated_eject_of_a_cold_plugged_device_frees_its_window_space),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
