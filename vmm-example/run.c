/* The main thread while the guest runs: starts the vCPUs, copies stdin to COM1 (raw
 * terminal, Ctrl-A x quits), watches for dead halts and the --timeout, and reaps. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "vmm.h"
#include "x86/arch.h"

#define CTRL_A 0x01

static struct termios saved_tio;
static bool tio_saved;
static volatile sig_atomic_t got_signal;
static int signal_wake_fd = -1;

static void restore_tty(void)
{
	if (tio_saved) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
		tio_saved = false;
	}
}

static void raw_tty(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio) < 0)
		return;
	tio_saved = true;
	atexit(restore_tty);
	t = saved_tio;
	cfmakeraw(&t);
	t.c_oflag |= OPOST | ONLCR; /* keep our own messages readable */
	tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

static void on_signal(int sig)
{
	uint64_t one = 1;

	got_signal = sig;
	if (signal_wake_fd >= 0 && write(signal_wake_fd, &one, sizeof(one)) < 0)
		(void)0;
}

static void kick(struct vcpu *c)
{
	if (c->run)
		c->run->immediate_exit = 1;
	if (c->thread_started)
		pthread_kill(c->thread, SIGUSR1);
}

/* Feed stdin to the UART.  Returns false once stdin is closed. */
static bool pump_stdin(struct vmm *v, bool *escape)
{
	uint8_t buf[256], out[256];
	size_t space = serial_rx_space(&v->serial), n_out = 0;
	ssize_t n, i;

	if (space == 0)
		return true;
	n = read(STDIN_FILENO, buf, space < sizeof(buf) ? space : sizeof(buf));
	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
		return false;
	for (i = 0; i < n; i++) {
		if (tio_saved && *escape) {
			*escape = false;
			if (buf[i] == 'x') {
				vmm_stop(v, VMM_EXIT_POWEROFF, "quit (Ctrl-A x)");
				return false;
			}
			if (buf[i] != CTRL_A)
				out[n_out++] = CTRL_A;
			out[n_out++] = buf[i];
		} else if (tio_saved && buf[i] == CTRL_A) {
			*escape = true;
		} else {
			out[n_out++] = buf[i];
		}
	}
	serial_feed(&v->serial, out, n_out);
	return true;
}

int vmm_run(struct vmm *v, unsigned timeout_s)
{
	bool stdin_open = true, escape = false;
	uint64_t deadline = timeout_s ? vmm_now_ns() + (uint64_t)timeout_s * 1000000000u : 0;
	uint64_t next_watch = vmm_now_ns() + 1000000000u;
	struct sigaction sa;
	sigset_t set;
	unsigned i;

	/* Only vCPU threads take SIGUSR1 (the kick); they unblock it themselves. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal_wake_fd = v->wake_fd;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	raw_tty();
	v->t_start_ns = vmm_now_ns();
	for (i = 0; i < v->ncpus && !atomic_load(&v->stopping); i++) {
		int e = vcpu_start(&v->vcpus[i]);

		if (e) {
			char why[96];

			snprintf(why, sizeof(why), "cannot start vCPU %u: %s", i, strerror(-e));
			vmm_stop(v, VMM_EXIT_HOST, why);
		}
	}
	while (!atomic_load(&v->stopping)) {
		struct pollfd p[2] = { { v->wake_fd, POLLIN, 0 }, { STDIN_FILENO, POLLIN, 0 } };
		uint64_t now = vmm_now_ns();
		int rc;

		rc = poll(p, stdin_open ? 2 : 1, serial_rx_space(&v->serial) ? 200 : 10);
		if (got_signal) {
			char why[64];

			snprintf(why, sizeof(why), "stopped by signal %d", (int)got_signal);
			vmm_stop(v, VMM_EXIT_HOST, why);
			break;
		}
		if (rc > 0 && stdin_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
			stdin_open = pump_stdin(v, &escape);
		now = vmm_now_ns();
		if (deadline && now >= deadline) {
			char why[96];

			snprintf(why, sizeof(why), "--timeout: the guest was still running after %u s; "
				 "vCPU 0 registers:", timeout_s);
			pthread_mutex_lock(&v->stop_lock);
			v->dump_bsp = true;
			pthread_mutex_unlock(&v->stop_lock);
			vmm_stop(v, VMM_EXIT_GUEST_CRASH, why);
			break;
		}
		if (v->tick)
			v->tick(v, v->tick_opaque);
		if (v->payload && now >= next_watch) {
			/* A payload that halts with interrupts off can never continue: ask vCPU 0
			 * (it checks its own state when the kick interrupts KVM_RUN). */
			atomic_store(&v->vcpus[0].check_halt, true);
			kick(&v->vcpus[0]);
			next_watch = now + 1000000000u;
		}
	}
	for (i = 0; i < v->ncpus; i++)
		if (v->vcpus[i].thread_started) {
			kick(&v->vcpus[i]);
			pthread_join(v->vcpus[i].thread, NULL);
			v->vcpus[i].thread_started = false;
		}
	if (!v->t_end_ns)
		v->t_end_ns = vmm_now_ns();
	restore_tty();
	if (v->dump_bsp && v->ncpus) {
		char regs[1536];

		arch_vcpu_dump(v->vcpus[0].fd, regs, sizeof(regs));
		fprintf(stderr, "%s\n", regs);
	}
	return v->status;
}
