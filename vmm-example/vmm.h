/* The running VMM: KVM VM and vCPU threads, where every exit goes (the machine, else the
 * debug port or "unhandled"), and how a run ends (status + reason). */
#ifndef VMM_VMM_H
#define VMM_VMM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "memory.h"
#include "options.h"

struct vmm_machine;
struct kvm_run;
struct exit_stats;

/* Exit statuses of vmm-example (see --help). */
enum vmm_status {
	VMM_EXIT_POWEROFF = 0,
	VMM_EXIT_RESET = 1,
	VMM_EXIT_USAGE = 2,
	VMM_EXIT_GUEST_CRASH = 3,
	VMM_EXIT_HOST = 4,
};

struct vmm;

struct vcpu {
	struct vmm *v;
	unsigned index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
	_Atomic bool check_halt; /* watchdog asks: are you dead-halted? */
	_Atomic uint64_t exits;
	struct exit_stats *stats; /* --stats: this thread's counters; NULL = off */
};

struct vmm {
	int kvm_fd, vm_fd;
	struct arch_vm arch; /* the arch's per-VM state (arm64: the vGIC) */
	int run_size;
	struct vmm_machine *vm;
	struct vdm_machine *m; /* vm->m */
	struct guest_ram ram;
	struct vcpu vcpus[VMM_MAX_CPUS];
	unsigned ncpus;
	/* once a second, ask vCPU 0 whether it halted with interrupts off (a guest that can
	 * never continue: a payload's end, a corrupt kernel's decompressor) and end the run */
	bool watch_dead_halt;
	/* called by the main loop at least every 200 ms while the guest runs (may be NULL) */
	void (*tick)(struct vmm *v, void *opaque);
	void *tick_opaque;
	/* how the run ends */
	pthread_mutex_t stop_lock;
	_Atomic bool stopping;
	int status;
	bool dump_bsp; /* print vCPU 0's registers after the threads stopped */
	/* --pci-cf8 off: ports 0xCF8-0xCFF read as all-ones and ignore writes, so Linux finds
	 * no legacy config mechanism and makes every config access through ECAM */
	bool no_cf8;
	int wake_fd;   /* eventfd: wakes the main loop when the run ends */
	/* statistics */
	_Atomic uint64_t unhandled_pio, unhandled_mmio;
	_Atomic uint32_t unhandled_logged;
	pthread_mutex_t unh_lock; /* the first distinct unhandled addresses, for the summary */
	struct {
		uint64_t addr, count;
		bool mmio;
	} unh[16];
	unsigned n_unh;
	uint64_t t_start_ns, t_end_ns;
	/* control plane: the event loop (run.c waits in it) and the monitor (monitor.c) */
	struct ev_loop *loop;
	struct monitor *mon;
};

/* Monotonic nanoseconds. */
uint64_t vmm_now_ns(void);

/*
 * Open /dev/kvm (kvm_fd only; no VM yet).  Returns 0 or -errno with a reason in err.
 * Split from vmm_create so the guest's physical address width can be read first.
 */
int vmm_open_kvm(struct vmm *v, char *err, size_t err_len);

/*
 * Create the VM for machine `vm`: RAM of `mem` bytes (a memfd when ram_shared), irqchip, the
 * sandboxed GED's irqfd, `ncpus` vCPUs; the machine's callbacks reach this VM from now on.
 * Returns 0 or -errno with a reason in err.
 */
int vmm_create(struct vmm *v, struct vmm_machine *vm, uint64_t mem, bool ram_shared,
	       unsigned ncpus, char *err, size_t err_len);
void vmm_destroy(struct vmm *v);

/* Drive GSI `gsi` to `level` (KVM_IRQ_LINE). */
void vmm_irq_line(struct vmm *v, uint32_t gsi, uint32_t level);

/*
 * Attach an eventfd to GSI `gsi` (KVM_IRQFD): a write to `fd` raises it (edge).  With
 * resample_fd >= 0 the GSI is level-triggered and resample_fd is signalled on EOI.
 * Returns 0 or -errno.
 */
int vmm_irqfd(struct vmm *v, int fd, uint32_t gsi, int resample_fd);

/* "0x4e x40, 0x70 x2 (port)..." for the summary line; empty when nothing was unhandled. */
void vmm_unhandled_summary(struct vmm *v, char *buf, size_t len);

/* End the run with `status` (first caller wins); prints `why` unless NULL. */
void vmm_stop(struct vmm *v, int status, const char *why);
/* Wake the event loop (any thread): it then does its periodic work, the console's due
 * output included, at once. */
void vmm_wake_loop(struct vmm *v);

/*
 * Start every vCPU thread (vCPU 0 at `entry`, set earlier with arch_vcpu_enter) and run
 * until the guest ends or `timeout_s` (0 = none) passes; feeds stdin to COM1.  Returns
 * the exit status.
 */
int vmm_run(struct vmm *v, unsigned timeout_s);

/* Start one vCPU's thread (KVM_RUN loop).  0 or -errno. */
int vcpu_start(struct vcpu *c);

/* PIO / MMIO dispatch of one access (used by the vCPU threads; exposed for tests). */
void vmm_pio(struct vmm *v, uint64_t port, uint32_t size, bool write, uint64_t *value);
void vmm_mmio(struct vmm *v, uint64_t addr, uint32_t size, bool write, uint64_t *value);

#endif /* VMM_VMM_H */
