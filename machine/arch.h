/* The machine's architecture seam (internal): what differs between a PC-like x86_64 machine and
 * an arm64 one (memory map, legacy ports, interrupt controller description), one ops table each. */
#ifndef VDM_MACHINE_ARCH_H
#define VDM_MACHINE_ARCH_H

#include <stddef.h>
#include <stdint.h>

#include <vdm/machine_desc.h>

struct vdm_machine;

struct vdm__machine_arch {
	uint32_t arch; /* enum vdm_arch */
	const char *name;
	/* Fill the memory map and platform fields of `d` for `ram` bytes and `phys_bits`
	 * address bits.  0 or -EINVAL with err naming the value and the fix. */
	int (*layout)(struct vdm_mach_desc *d, uint64_t ram, unsigned phys_bits, char *err,
		      size_t len);
	/* Add the architecture's fixed decoders (x86: COM1, the power port and PM timer, CF8/CFC
	 * in I/O space; arm64: the PL011 and the PCI I/O window in MMIO) to the machine's buses.
	 * 0 or -errno with err. */
	int (*wire)(struct vdm_machine *m, char *err, size_t len);
	/* The console UART's receiver (vdm_machine_console_in / _space): queue bytes, return how
	 * many fitted; free space. */
	size_t (*console_in)(struct vdm_machine *m, const uint8_t *buf, size_t len);
	size_t (*console_space)(struct vdm_machine *m);
	uint32_t max_cpus; /* vdm_machine_config.num_cpus: 1..max_cpus */
};

extern const struct vdm__machine_arch vdm__machine_arch_x86_64; /* arch_x86.c */
extern const struct vdm__machine_arch vdm__machine_arch_arm64;  /* arch_arm64.c */

/* The ops for `arch`, or NULL when it is not built in (arch.c). */
const struct vdm__machine_arch *vdm__machine_arch(uint32_t arch);

/* Add [base, base + size) with `h` to `b`, naming the range in err when it collides. */
struct bus;
struct bus_handler;
int vdm__machine_bus_add(struct bus *b, uint64_t base, uint64_t size,
			 const struct bus_handler *h, char *err, size_t len);

#endif /* VDM_MACHINE_ARCH_H */
