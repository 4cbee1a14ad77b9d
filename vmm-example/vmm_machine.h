/* vmm-example's machine: a libvdm-machine built from the command line, its devices run by the
 * sandbox backend (each in a vdm-devhost, or --in-process), and where its callbacks lead. */
#ifndef VMM_MACHINE_H
#define VMM_MACHINE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <vdm/hotplug.h>
#include <vdm/machine.h>

#include "console_out.h"
#include "machine_sandbox.h"
#include "options.h"

struct vmm;

struct vmm_machine {
	struct vdm_machine *m;
	struct machine_sandbox sb; /* the backend: in-process or device hosts, spares */
	unsigned phys_bits;
	/* Where the machine's callbacks go: the running VM (NULL until vmm_create: interrupts
	 * are dropped, power requests ignored) and the eventfd the monitor watches for the
	 * guest's ejects (-1: none yet; vdm_machine_process_eject then waits for one). */
	struct vmm *v;
	int eject_fd;
	_Atomic uint64_t console_bytes; /* written by the guest to its UART */
	struct console_out console;     /* on its way to our stdout */
	/* the device tree, for --dump-dtb */
	uint8_t *fdt;
	size_t fdt_len;
};

/*
 * Build the machine for `o` and a guest with `phys_bits` address bits: every --device, the
 * root ports the endpoints need, `o->hotplug_ports` free ones, the GED, placement, ACPI tables
 * and the FDT (with `bootargs` as /chosen, may be NULL).  Nothing here needs KVM.  Returns 0,
 * or a negative errno with one line in err naming the value and the fix.  Warnings (shrunk
 * windows) are in vdm_machine_warnings(vm->m) even on failure, when vm->m is set.
 */
int vmm_machine_build(struct vmm_machine *vm, const struct vmm_options *o, unsigned phys_bits,
		      const char *bootargs, char *err, size_t err_len);
void vmm_machine_destroy(struct vmm_machine *vm);

/* Write the device tree to `path`.  0 or -errno (reason in err). */
int vmm_machine_dump_dtb(const struct vmm_machine *vm, const char *path, char *err,
			 size_t err_len);

/* The device with this id (test helpers, monitor): 0 and *out, or -ENOENT. */
int vmm_machine_dev(const struct vmm_machine *vm, const char *id,
		    struct vdm_machine_dev_info *out);

#endif /* VMM_MACHINE_H */
