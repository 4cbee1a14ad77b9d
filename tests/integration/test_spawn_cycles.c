/* Spawning and killing device hosts over and over leaks nothing: after 1000 cycles (100
 * under ASan) the process has the same open fds and no children, live or zombie. */
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "itest_common.h"

/*
 * 1000 cycles in the plain build.  Under ASan the device host's own sanitizer runtime needs
 * ~100 ms to start on the 2-core reference machine (it maps its shadow memory), so 1000
 * cycles would take minutes; the sanitized build runs 100 cycles of the same code path
 * (the VMM side, which is what could leak, is instrumented either way).  VDM_ITEST_SPAWN_CYCLES
 * asks for another count (the arm64 L1 runs 100: its CPUs are emulated).
 */
#ifdef ITEST_SANITIZED
#define CYCLES 100
#else
#define CYCLES 1000
#endif

static void spawn_kill_cycles_leak_no_fd_or_process(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	const char *want = getenv("VDM_ITEST_SPAWN_CYCLES");
	int fds_before = itest_count_fds(), i, exited = 0, cycles = CYCLES;
	uint64_t t0 = itest_now_ms();

	(void)state;
	assert_int_equal(itest_count_children(), 0);
	itest_rec_init(&r);
	if (want && atoi(want) > 0)
		cycles = atoi(want);
	for (i = 0; i < cycles; i++) {
		struct vdm_device *dev;
		uint32_t v = 0;

		itest_config(&cfg, &r, "itest-dev");
		cfg.doorbell = (i & 1) ? VDM_RING_DOORBELL_EVENTFD : VDM_RING_DOORBELL_FUTEX;
		dev = itest_spawn(&cfg);
		assert_int_equal(vdm_cfg_read(dev, 0, 2, &v), 0);
		assert_int_equal(v, ITEST_VENDOR);
		switch (i % 3) {
		case 0: /* graceful: destroy asks it to exit */
			break;
		case 1: /* killed from outside, noticed by poll */
			assert_int_equal(syscall(SYS_pidfd_send_signal, vdm_proxy_pidfd(dev),
						 SIGKILL, NULL, 0), 0);
			itest_wait_exit(dev, 5000);
			exited++;
			break;
		case 2: /* killed, noticed by an access */
			assert_int_equal(syscall(SYS_pidfd_send_signal, vdm_proxy_pidfd(dev),
						 SIGKILL, NULL, 0), 0);
			while (vdm_cfg_read(dev, 0, 2, &v) == 0)
				;
			break;
		}
		vdm_device_destroy(dev);
		r.nev = 0;
		r.nlogs = 0;
	}
	print_message("    %d cycles in %llu ms (%d seen exiting through poll)\n", cycles,
		      (unsigned long long)(itest_now_ms() - t0), exited);
	assert_int_equal(itest_count_fds(), fds_before);
	assert_int_equal(itest_count_children(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(spawn_kill_cycles_leak_no_fd_or_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
