/* vCPU threads: KVM_RUN, the exit dispatch (port I/O, MMIO, shutdown, errors) and the
 * crash reports that name what happened and show the registers. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "exit_stats.h"
#include "vmm.h"
#include "arch.h"

static void crash(struct vcpu *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Report a guest-ending event with the vCPU's registers, then stop the run. */
static void crash(struct vcpu *c, int status, const char *fmt, ...)
{
	char what[512], regs[1536], msg[2200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	arch_vcpu_dump(c->fd, regs, sizeof(regs));
	snprintf(msg, sizeof(msg), "vCPU %u: %s\n%s", c->index, what, regs);
	vmm_stop(c->v, status, msg);
}

static void handle_io(struct vcpu *c)
{
	struct kvm_run *r = c->run;
	uint8_t *data = (uint8_t *)r + r->io.data_offset;
	uint32_t i, size = r->io.size;
	bool out = r->io.direction == KVM_EXIT_IO_OUT;

	for (i = 0; i < r->io.count; i++, data += size) {
		uint64_t v = 0;

		if (out) {
			memcpy(&v, data, size);
			vmm_pio(c->v, r->io.port, size, true, &v);
		} else {
			vmm_pio(c->v, r->io.port, size, false, &v);
			memcpy(data, &v, size);
		}
	}
}

static void handle_mmio(struct vcpu *c)
{
	struct kvm_run *r = c->run;
	uint32_t len = r->mmio.len;
	uint64_t v = 0;

	if (len == 0 || len > 8)
		return;
	if (r->mmio.is_write) {
		memcpy(&v, r->mmio.data, len);
		vmm_mmio(c->v, r->mmio.phys_addr, len, true, &v);
	} else {
		vmm_mmio(c->v, r->mmio.phys_addr, len, false, &v);
		memcpy(r->mmio.data, &v, len);
	}
}

static const char *internal_suberror(uint32_t s)
{
	switch (s) {
	case KVM_INTERNAL_ERROR_EMULATION:
		return "instruction emulation failed";
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		return "exception while delivering an exception";
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		return "exit while delivering an event";
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON:
		return "unexpected hardware exit reason";
	default:
		return "unknown suberror";
	}
}

static void handle_internal(struct vcpu *c)
{
	struct kvm_run *r = c->run;
	char data[300] = "";
	size_t pos = 0;
	uint32_t i;

	for (i = 0; i < r->internal.ndata && i < 16 && pos < sizeof(data) - 20; i++)
		pos += (size_t)snprintf(data + pos, sizeof(data) - pos, " %llx",
					(unsigned long long)r->internal.data[i]);
	crash(c, VMM_EXIT_GUEST_CRASH, "KVM internal error (KVM_EXIT_INTERNAL_ERROR suberror %u: %s)%s%s",
	      r->internal.suberror, internal_suberror(r->internal.suberror),
	      pos ? "; data:" : "", data);
}

static void handle_system_event(struct vcpu *c)
{
	switch (c->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vmm_stop(c->v, VMM_EXIT_POWEROFF, NULL);
		break;
	case KVM_SYSTEM_EVENT_RESET:
		vmm_stop(c->v, VMM_EXIT_RESET, "guest requested a reset (KVM system event)");
		break;
	default:
		crash(c, VMM_EXIT_GUEST_CRASH, "guest crashed (KVM system event type %u)",
		      c->run->system_event.type);
		break;
	}
}

/* Handle one exit.  Returns false when the vCPU must stop. */
static bool handle_exit(struct vcpu *c)
{
	struct kvm_run *r = c->run;

	switch (r->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(c);
		return true;
	case KVM_EXIT_MMIO:
		handle_mmio(c);
		return true;
	case KVM_EXIT_INTR:
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		return true;
	case KVM_EXIT_HLT:
		if (arch_vcpu_dead_halt(c->fd)) {
			crash(c, VMM_EXIT_GUEST_CRASH, "halted with interrupts disabled");
			return false;
		}
		return true;
	case KVM_EXIT_SHUTDOWN:
		crash(c, VMM_EXIT_GUEST_CRASH,
		      "triple fault (KVM_EXIT_SHUTDOWN): the guest took an exception it could not "
		      "handle; registers at the fault:");
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		crash(c, VMM_EXIT_GUEST_CRASH,
		      "KVM could not enter the guest (KVM_EXIT_FAIL_ENTRY, hardware reason 0x%llx, "
		      "host cpu %u): invalid guest state",
		      (unsigned long long)r->fail_entry.hardware_entry_failure_reason,
		      r->fail_entry.cpu);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		handle_internal(c);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		handle_system_event(c);
		return false;
	default:
		crash(c, VMM_EXIT_GUEST_CRASH, "unexpected KVM exit reason %u", r->exit_reason);
		return false;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *c = arg;
	struct vmm *v = c->v;
	char name[16];
	sigset_t set;

	snprintf(name, sizeof(name), "vcpu%u", c->index);
	pthread_setname_np(pthread_self(), name);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	while (!atomic_load(&v->stopping)) {
		int rc = ioctl(c->fd, KVM_RUN, 0);
		uint64_t t_exit = c->stats ? vmm_now_ns() : 0;
		bool go_on;

		if (rc < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				c->run->immediate_exit = 0;
				if (atomic_exchange(&c->check_halt, false) && arch_vcpu_dead_halt(c->fd))
					crash(c, VMM_EXIT_GUEST_CRASH,
					      "halted with interrupts disabled: it can never wake up");
				if (c->stats)
					exit_stats_record_kind(c->stats, EXIT_KIND_INTR,
							       vmm_now_ns() - t_exit);
				continue;
			}
			{
				char why[128];

				snprintf(why, sizeof(why), "vCPU %u: KVM_RUN failed: %s", c->index,
					 strerror(errno));
				vmm_stop(v, VMM_EXIT_HOST, why);
			}
			break;
		}
		atomic_fetch_add(&c->exits, 1);
		go_on = handle_exit(c);
		if (c->stats) /* only the exit's fields handle_exit leaves alone are read */
			exit_stats_record(c->stats, c->run, vmm_now_ns() - t_exit);
		if (!go_on)
			break;
	}
	return NULL;
}

/*
 * A vCPU thread's stack: 1 MiB, far more than the exit handlers need, and too small to hold
 * an aligned 2 MiB range.  With the default 8 MiB, a stack that lands 2 MiB-aligned (right
 * below the aligned guest RAM) gets a transparent huge page where THP is "always" (Debian's
 * default, as in the nested harness's L1): 2 MiB resident per vCPU instead of a few pages
 * (seen in smaps: an 8 MiB rw-p mapping right below guest RAM with 2048 KiB resident).
 */
#define VCPU_STACK_SIZE (1u << 20)

int vcpu_start(struct vcpu *c)
{
	pthread_attr_t attr;
	int e = pthread_attr_init(&attr);

	if (e)
		return -e;
	e = pthread_attr_setstacksize(&attr, VCPU_STACK_SIZE);
	if (!e)
		e = pthread_create(&c->thread, &attr, vcpu_thread, c);
	pthread_attr_destroy(&attr);
	if (e == 0)
		c->thread_started = true;
	return -e;
}
