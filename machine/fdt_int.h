/* Internal to the device tree builders (fdt.c: the shared nodes and the entry points; fdt_x86.c
 * and fdt_arm64.c: each machine's root node): the checked libfdt calls and the shared nodes. */
#ifndef VDM_MACHINE_FDT_INT_H
#define VDM_MACHINE_FDT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libfdt.h>

#include <vdm/fdt.h>
#include <vdm/machine_desc.h>

struct fdt_ctx {
	void *fdt;
	char *err;
	size_t err_len;
};

/* Record the first failure (the expression as written, libfdt's reason); return `code`. */
int vdm__fdt_failed(struct fdt_ctx *c, const char *expr, int code);

/*
 * kvmtool's _FDT(), made non-fatal: evaluate a libfdt call and, if it failed, record the
 * call's text and return its (negative libfdt) error from the enclosing function.
 */
#define FDT_CHECK(c, exp)                                                                      \
	do {                                                                                   \
		int fdt_ret_ = (exp);                                                          \
		if (fdt_ret_ < 0)                                                              \
			return vdm__fdt_failed((c), #exp, fdt_ret_);                           \
	} while (0)

/* Cells for a 64-bit value. */
static inline void vdm__fdt_put64(fdt32_t *cells, uint64_t v)
{
	cells[0] = cpu_to_fdt32((uint32_t)(v >> 32));
	cells[1] = cpu_to_fdt32((uint32_t)v);
}

/* Property of <addr size> pairs, 2 + 2 cells each (n <= VDM_MACH_MAX_RESERVED). */
int vdm__fdt_reg_prop(struct fdt_ctx *c, const char *name, const struct vdm_range *r, int n);
/* /chosen: bootargs, the initrd (u64 start/end, when present), stdout-path (when given), and
 * linux,pci-probe-only = 1 when probe_only (the device tree's "keep the firmware's PCI set-up",
 * Linux's of_pci_check_probe_only: what _DSM function 5 returning 0 says under ACPI). */
int vdm__fdt_chosen(struct fdt_ctx *c, const struct vdm_fdt_boot *boot, const char *stdout_path,
		    bool probe_only);
/* memory@<first RAM base> with every m->ram[] range. */
int vdm__fdt_memory(struct fdt_ctx *c, const struct vdm_mach_desc *m);
/* pci@<ecam>: pci-host-ecam-generic with bus-range, reg, ranges (I/O at the CPU address
 * pci_io_cpu_base + port), then what `extra` adds (may be NULL), then dma-coherent. */
int vdm__fdt_pci(struct fdt_ctx *c, const struct vdm_mach_desc *m,
		 int (*extra)(struct fdt_ctx *c, const struct vdm_mach_desc *m));
/* ged@<ged_base>: "vdm,ged-pcihp" with its two register blocks and `irq` (cells bytes). */
int vdm__fdt_ged(struct fdt_ctx *c, const struct vdm_mach_desc *m, const fdt32_t *irq,
		 size_t irq_bytes);

/* Everything inside the root node of each machine's tree (root properties first). */
int vdm__fdt_x86(struct fdt_ctx *c, const struct vdm_mach_desc *m,
		 const struct vdm_fdt_boot *boot);
int vdm__fdt_arm64(struct fdt_ctx *c, const struct vdm_mach_desc *m,
		   const struct vdm_fdt_boot *boot);
/* 0, or -EINVAL with err when the arm64 tree cannot describe `m`. */
int vdm__fdt_arm64_check(const struct vdm_mach_desc *m, char *err, size_t err_len);

#endif /* VDM_MACHINE_FDT_INT_H */
