/* The main thread while the guest runs: starts the vCPUs, then is the event loop: stdin to
 * COM1 (raw terminal: Ctrl-a x quits, Ctrl-a c switches to the monitor), signals through a
 * signalfd, the monitor's sockets; watches for dead halts and the --timeout, and reaps. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "event_loop.h"
#include "monitor.h"
#include "monitor_console.h"
#include "machine_sandbox.h"
#include "sandbox_watch.h"
#include "vmm.h"
#include "vmm_machine.h"
#include "arch.h"

static struct termios saved_tio;
static bool tio_saved;
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

/* The dead-halt watchdog looks every WATCH_PERIOD_NS and kicks vCPU 0 when it made no exit
 * to us in the whole period: a halt with interrupts off is seen within two periods. */
#define WATCH_PERIOD_NS 250000000u

static void kick(struct vcpu *c)
{
	if (c->run)
		c->run->immediate_exit = 1;
	if (c->thread_started)
		pthread_kill(c->thread, SIGUSR1);
}

/* What the loop's callbacks share with vmm_run. */
struct run_state {
	struct vmm *v;
	struct console_esc esc;
	int stdin_watch; /* -1: not watched (closed, or paused while the UART is full) */
	bool stdin_open;
	int sig_fd, sig_watch;
	int got_signal;
};

/* Feed stdin to the UART, or to the monitor after Ctrl-a c.  Returns false once stdin is
 * closed (or the user quit). */
static bool pump_stdin(struct run_state *rs)
{
	struct vmm *v = rs->v;
	uint8_t buf[256], guest[sizeof(buf) + 1], mon[sizeof(buf) + 1];
	size_t space = vdm_machine_console_space(v->m), off = 0;
	ssize_t n;

	if (space == 0 && !rs->esc.monitor)
		return true;
	if (rs->esc.monitor || space > sizeof(buf))
		space = sizeof(buf);
	n = read(STDIN_FILENO, buf, space);
	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
		return false;
	if (n < 0)
		return true;
	if (!tio_saved) { /* not a terminal: no escape keys, every byte is the guest's */
		vdm_machine_console_in(v->m, buf, (size_t)n);
		return true;
	}
	while (off < (size_t)n) {
		size_t n_guest = 0, n_mon = 0;
		enum console_action act;

		off += console_esc_feed(&rs->esc, buf + off, (size_t)n - off, guest, &n_guest, mon,
					&n_mon, &act);
		if (n_guest)
			vdm_machine_console_in(v->m, guest, n_guest);
		if (n_mon)
			monitor_console_input(v, mon, n_mon);
		switch (act) {
		case CONSOLE_QUIT:
			vmm_stop(v, VMM_EXIT_POWEROFF, "quit (Ctrl-a x)");
			return false;
		case CONSOLE_SWITCH:
			if (!v->mon) {
				rs->esc.monitor = false;
				fprintf(stderr, "\r\n[no monitor in this run]\r\n");
			} else {
				monitor_console_switch(v, rs->esc.monitor);
			}
			break;
		case CONSOLE_HELP:
			fputs(console_help_text, stderr);
			break;
		case CONSOLE_NONE:
			break;
		}
	}
	return true;
}

static void on_stdin(void *opaque, int fd, uint32_t revents)
{
	struct run_state *rs = opaque;

	(void)fd;
	(void)revents;
	if (!pump_stdin(rs)) {
		rs->stdin_open = false;
	} else if (vdm_machine_console_space(rs->v->m) || rs->esc.monitor) {
		return; /* keep watching */
	}
	/* closed, or the UART is full: stop watching (the loop's tick re-arms when it drains) */
	ev_unwatch(rs->v->loop, rs->stdin_watch);
	rs->stdin_watch = -1;
}

static void on_wake(void *opaque, int fd, uint32_t revents)
{
	uint64_t cnt;

	(void)opaque;
	(void)revents;
	if (read(fd, &cnt, sizeof(cnt)) < 0)
		(void)0;
}

static void on_signalfd(void *opaque, int fd, uint32_t revents)
{
	struct run_state *rs = opaque;
	struct signalfd_siginfo si;

	(void)revents;
	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		rs->got_signal = (int)si.ssi_signo;
}

int vmm_run(struct vmm *v, unsigned timeout_s)
{
	uint64_t deadline = timeout_s ? vmm_now_ns() + (uint64_t)timeout_s * 1000000000u : 0;
	uint64_t next_watch = vmm_now_ns() + WATCH_PERIOD_NS, exits_at_watch = 0;
	struct run_state rs = { .v = v, .stdin_watch = -1, .stdin_open = true, .sig_fd = -1,
				.sig_watch = -1 };
	int wake_watch = -1;
	struct sandbox_watch sbw;
	char err[256];
	sigset_t set;
	unsigned i;

	/* Only vCPU threads take SIGUSR1 (the kick); they unblock it themselves.  TERM, INT and
	 * HUP stay blocked everywhere and arrive through the signalfd. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (!v->loop && ev_loop_create(&v->loop, err, sizeof(err))) {
		vmm_stop(v, VMM_EXIT_HOST, err);
		return v->status;
	}
	rs.sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (rs.sig_fd >= 0)
		rs.sig_watch = ev_watch_fd(v->loop, rs.sig_fd, POLLIN, on_signalfd, &rs);
	if (v->wake_fd >= 0)
		wake_watch = ev_watch_fd(v->loop, v->wake_fd, POLLIN, on_wake, &rs);
	raw_tty();
	rs.stdin_watch = ev_watch_fd(v->loop, STDIN_FILENO, POLLIN, on_stdin, &rs);
	sandbox_watch_init(&sbw, v->loop, v->m);
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
		uint64_t now, console_due;
		bool paused = rs.stdin_open && rs.stdin_watch < 0;
		int wait_ms = paused ? 10 : 200;

		/* console output without its newline yet: written once it has waited long
		 * enough (a prompt, an echoed key), so the loop wakes by then */
		console_due = console_out_flush_due(&v->vm->console, vmm_now_ns(),
						    CONSOLE_OUT_MAX_AGE_NS);
		if (console_due)
			wait_ms = (int)(console_due / 1000000u) + 1;
		ev_loop_run_once(v->loop, wait_ms);
		console_out_flush_due(&v->vm->console, vmm_now_ns(), CONSOLE_OUT_MAX_AGE_NS);
		sandbox_watch_sync(&sbw); /* after device_add / device_del / an eject */
		machine_sandbox_keep_spare(&v->vm->sb, v->m, vmm_now_ns());
		machine_sandbox_tick(v->m); /* device budgets, held log lines */
		if (rs.got_signal) {
			char why[64];

			snprintf(why, sizeof(why), "stopped by signal %d", rs.got_signal);
			vmm_stop(v, VMM_EXIT_HOST, why);
			break;
		}
		if (paused && vdm_machine_console_space(v->m))
			rs.stdin_watch = ev_watch_fd(v->loop, STDIN_FILENO, POLLIN, on_stdin, &rs);
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
		if (v->watch_dead_halt && now >= next_watch) {
			/* A guest that halts with interrupts off can never continue: ask vCPU 0
			 * (it checks its own state when the kick interrupts KVM_RUN).  Only when it
			 * has not come out of KVM_RUN for a whole period: a vCPU that exits is not
			 * halted for good, and a kick would only interrupt the guest at work. */
			uint64_t exits = atomic_load(&v->vcpus[0].exits);

			if (exits == exits_at_watch) {
				atomic_store(&v->vcpus[0].check_halt, true);
				kick(&v->vcpus[0]);
			}
			exits_at_watch = exits;
			next_watch = now + WATCH_PERIOD_NS;
		}
	}
	sandbox_watch_stop(&sbw);
	ev_unwatch(v->loop, rs.stdin_watch);
	ev_unwatch(v->loop, wake_watch);
	ev_unwatch(v->loop, rs.sig_watch);
	if (rs.sig_fd >= 0)
		close(rs.sig_fd);
	for (i = 0; i < v->ncpus; i++)
		if (v->vcpus[i].thread_started) {
			kick(&v->vcpus[i]);
			pthread_join(v->vcpus[i].thread, NULL);
			v->vcpus[i].thread_started = false;
		}
	if (!v->t_end_ns)
		v->t_end_ns = vmm_now_ns();
	console_out_flush_due(&v->vm->console, 0, 0); /* the guest's last words first */
	restore_tty();
	if (v->dump_bsp && v->ncpus) {
		char regs[1536];

		arch_vcpu_dump(v->vcpus[0].fd, regs, sizeof(regs));
		fprintf(stderr, "%s\n", regs);
	}
	return v->status;
}
