/* mini-vmm's machine: libvdm-machine with one root port, its endpoints run sandboxed in
 * vdm-devhosts (libvdm-sandbox), and the hotplug steps its loop takes between exits. */
#ifndef MINI_MACHINE_H
#define MINI_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vdm/hotplug.h>
#include <vdm/machine.h>

#include "kvm_x86.h"

/* Console-triggered actions: when the guest prints a line containing `when`, do it. */
struct mini_trigger {
	const char *when;
	const char *what; /* a device spec to hot-add, or the id to unplug */
	bool due, done;
};

struct mini {
	struct mini_kvm kvm;
	struct vdm_machine *m;
	struct mini_trigger add, del;
	char line[512]; /* the guest's console line being written */
	size_t line_len;
	bool eject_pending; /* the guest ejected a slot: process it after this exit */
	bool stop;
	int status; /* 0 powered off, 1 reset */
};

/* The machine for `ram` bytes and `phys_bits`: one hotplug root port rp1, the GED, the ACPI
 * tables.  0 or -errno (err). */
int mini_machine_create(struct mini *mv, uint64_t ram, unsigned phys_bits, char *err,
			size_t len);

/* One port I/O or MMIO exit of the vCPU (the kvm_run data of `size` bytes at `data`). */
void mini_machine_pio(struct mini *mv, uint16_t port, uint32_t size, bool write, uint8_t *data);
void mini_machine_mmio(struct mini *mv, uint64_t addr, uint32_t size, bool write,
		       uint8_t *data);

/* Between exits: carry out the hot-add, unplug or eject that came due. */
void mini_machine_step(struct mini *mv);

#endif /* MINI_MACHINE_H */
