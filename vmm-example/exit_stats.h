/* --stats: what the guest's exits cost, counted per vCPU without locks (count and handling time
 * by kind, port I/O by port, MMIO by machine region) plus KVM's own vCPU counters, as a table. */
#ifndef VMM_EXIT_STATS_H
#define VMM_EXIT_STATS_H

#include <stdint.h>
#include <stdio.h>

struct kvm_run;
struct vdm_mach_desc;

enum exit_kind {
	EXIT_KIND_PIO,
	EXIT_KIND_MMIO,
	EXIT_KIND_HLT,
	EXIT_KIND_INTR, /* KVM_RUN interrupted by a signal (kick) or an irq window */
	EXIT_KIND_OTHER,
	EXIT_KIND_N,
};

enum exit_region {
	EXIT_REGION_ECAM,
	EXIT_REGION_PLATFORM, /* GED, PCI hotplug registers, other platform MMIO */
	EXIT_REGION_PCI_MEM32,
	EXIT_REGION_PCI_MEM64,
	EXIT_REGION_UART,
	EXIT_REGION_IRQCHIP, /* LAPIC / IOAPIC pages (in-kernel normally: never seen) */
	EXIT_REGION_OTHER,
	EXIT_REGION_N,
};

struct exit_count {
	uint64_t n, ns;
};

/* One vCPU's counters: written only by its own thread, read after the threads stopped. */
struct exit_stats {
	const struct vdm_mach_desc *desc; /* for the MMIO regions */
	struct exit_count kind[EXIT_KIND_N];
	struct exit_count region[EXIT_REGION_N];
	struct exit_count port[65536];
	uint64_t pio_accesses; /* string I/O: one exit, several accesses */
};

/* Which region of machine `d` holds `addr`. */
enum exit_region exit_stats_region(const struct vdm_mach_desc *d, uint64_t addr);

/* Count the exit described by `r` (just handled) and the `ns` its handling took. */
void exit_stats_record(struct exit_stats *s, const struct kvm_run *r, uint64_t ns);

/* Count an exit that is not in kvm_run (KVM_RUN returned EINTR: a kick). */
void exit_stats_record_kind(struct exit_stats *s, enum exit_kind k, uint64_t ns);

/* What a port is on this machine ("COM1", "PCI config CF8/CFC", ...), or "". */
const char *exit_stats_port_name(const struct vdm_mach_desc *d, uint16_t port);

/*
 * Print the table of `n` vCPUs' counters (summed) to `out`: markdown rows, each line starting
 * with "vmm-example: stats: ", the busiest ports first; then KVM's own counters of each vCPU
 * from its binary stats fd (KVM_GET_STATS_FD: every exit, the in-kernel ones too, and the time
 * halted), when this KVM has one.  `vcpu_fds` may be NULL.  `run_ns`: how long the guest ran.
 */
void exit_stats_print(FILE *out, struct exit_stats *const *s, const int *vcpu_fds, unsigned n,
		      uint64_t run_ns);

#endif /* VMM_EXIT_STATS_H */
