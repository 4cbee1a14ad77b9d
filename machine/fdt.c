/* Device tree of the placed machine, written with libfdt's sequential-write API into the
 * caller's buffer: the nodes both machines share, the entry points, the ACPI boot's /chosen tree. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <vdm/acpi_tables.h>
#include <vdm/efi.h>

#include "fdt_int.h"

#define MIB (UINT64_C(1) << 20)

/* PCI address space codes for phys.hi of a "ranges" entry (IEEE 1275 PCI binding). */
#define PCI_SS_IO 0x01000000u
#define PCI_SS_MEM32 0x02000000u
#define PCI_SS_MEM64 0x03000000u
#define PCI_PREFETCHABLE 0x40000000u

#define X86_MAX_CPUS 256u

int vdm__fdt_failed(struct fdt_ctx *c, const char *expr, int code)
{
	if (c->err && c->err_len && !c->err[0])
		snprintf(c->err, c->err_len, "%s: %s", expr, fdt_strerror(code));
	return code;
}

int vdm__fdt_reg_prop(struct fdt_ctx *c, const char *name, const struct vdm_range *r, int n)
{
	void *fdt = c->fdt;
	fdt32_t reg[4 * VDM_MACH_MAX_RESERVED];

	for (int i = 0; i < n; i++) {
		vdm__fdt_put64(&reg[4 * i], r[i].base);
		vdm__fdt_put64(&reg[4 * i + 2], r[i].size);
	}
	FDT_CHECK(c, fdt_property(fdt, name, reg, n * 16));
	return 0;
}

/* bootargs and the initrd, inside an open /chosen. */
static int boot_props(struct fdt_ctx *c, const struct vdm_fdt_boot *boot)
{
	void *fdt = c->fdt;

	if (boot && boot->bootargs)
		FDT_CHECK(c, fdt_property_string(fdt, "bootargs", boot->bootargs));
	if (boot && boot->initrd_end > boot->initrd_start) {
		FDT_CHECK(c, fdt_property_u64(fdt, "linux,initrd-start", boot->initrd_start));
		FDT_CHECK(c, fdt_property_u64(fdt, "linux,initrd-end", boot->initrd_end));
	}
	return 0;
}

int vdm__fdt_chosen(struct fdt_ctx *c, const struct vdm_fdt_boot *boot, const char *stdout_path,
		    bool probe_only)
{
	void *fdt = c->fdt;
	int ret;

	FDT_CHECK(c, fdt_begin_node(fdt, "chosen"));
	ret = boot_props(c, boot);
	if (ret)
		return ret;
	if (stdout_path)
		FDT_CHECK(c, fdt_property_string(fdt, "stdout-path", stdout_path));
	if (probe_only)
		FDT_CHECK(c, fdt_property_u32(fdt, "linux,pci-probe-only", 1));
	FDT_CHECK(c, fdt_end_node(fdt));
	return 0;
}

int vdm__fdt_memory(struct fdt_ctx *c, const struct vdm_mach_desc *m)
{
	void *fdt = c->fdt;
	char name[32];
	int ret;

	snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)m->ram[0].base);
	FDT_CHECK(c, fdt_begin_node(fdt, name));
	FDT_CHECK(c, fdt_property_string(fdt, "device_type", "memory"));
	ret = vdm__fdt_reg_prop(c, "reg", m->ram, (int)m->num_ram);
	if (ret)
		return ret;
	FDT_CHECK(c, fdt_end_node(fdt));
	return 0;
}

/* One "ranges" entry: phys.hi, the PCI address, the CPU address, the size. */
static void pci_range(fdt32_t *e, uint32_t hi, uint64_t pci, uint64_t cpu, uint64_t size)
{
	e[0] = cpu_to_fdt32(hi);
	vdm__fdt_put64(&e[1], pci);
	vdm__fdt_put64(&e[3], cpu);
	vdm__fdt_put64(&e[5], size);
}

int vdm__fdt_pci(struct fdt_ctx *c, const struct vdm_mach_desc *m,
		 int (*extra)(struct fdt_ctx *c, const struct vdm_mach_desc *m))
{
	const uint32_t buses = (uint32_t)m->bus_end - m->bus_start + 1;
	const struct vdm_range ecam = { m->ecam.base, (uint64_t)buses * MIB };
	const struct vdm_range io = m->pci_io, m32 = m->pci_mem32, m64 = m->pci_mem64;
	fdt32_t ranges[3 * 7], bus_range[2] = { cpu_to_fdt32(m->bus_start),
						cpu_to_fdt32(m->bus_end) };
	void *fdt = c->fdt;
	char name[32];
	int n = 0, ret;

	/* Memory is identity-mapped; I/O port p is at CPU address pci_io_cpu_base + p (x86:
	 * 0, the port number itself, as in QEMU's x86 microvm tree). */
	if (io.size)
		pci_range(&ranges[7 * n++], PCI_SS_IO, io.base, m->pci_io_cpu_base + io.base,
			  io.size);
	if (m32.size)
		pci_range(&ranges[7 * n++], PCI_SS_MEM32, m32.base, m32.base, m32.size);
	if (m64.size)
		pci_range(&ranges[7 * n++], PCI_SS_MEM64 | PCI_PREFETCHABLE, m64.base, m64.base,
			  m64.size);

	snprintf(name, sizeof(name), "pci@%llx", (unsigned long long)ecam.base);
	FDT_CHECK(c, fdt_begin_node(fdt, name));
	FDT_CHECK(c, fdt_property_string(fdt, "compatible", "pci-host-ecam-generic"));
	FDT_CHECK(c, fdt_property_string(fdt, "device_type", "pci"));
	FDT_CHECK(c, fdt_property_u32(fdt, "#address-cells", 3));
	FDT_CHECK(c, fdt_property_u32(fdt, "#size-cells", 2));
	FDT_CHECK(c, fdt_property_u32(fdt, "linux,pci-domain", m->segment));
	FDT_CHECK(c, fdt_property(fdt, "bus-range", bus_range, sizeof(bus_range)));
	ret = vdm__fdt_reg_prop(c, "reg", &ecam, 1);
	if (ret)
		return ret;
	FDT_CHECK(c, fdt_property(fdt, "ranges", ranges, n * 7 * (int)sizeof(fdt32_t)));
	if (extra && (ret = extra(c, m)))
		return ret;
	FDT_CHECK(c, fdt_property(fdt, "dma-coherent", NULL, 0));
	FDT_CHECK(c, fdt_end_node(fdt));
	return 0;
}

int vdm__fdt_ged(struct fdt_ctx *c, const struct vdm_mach_desc *m, const fdt32_t *irq,
		 size_t irq_bytes)
{
	const struct vdm_range regs[2] = { { m->ged_base, 4 }, { m->pcihp_base, m->pcihp_size } };
	static const char names[] = "event-selector\0pci-hotplug";
	void *fdt = c->fdt;
	char name[32];
	int ret;

	snprintf(name, sizeof(name), "ged@%llx", (unsigned long long)m->ged_base);
	FDT_CHECK(c, fdt_begin_node(fdt, name));
	FDT_CHECK(c, fdt_property_string(fdt, "compatible", "vdm,ged-pcihp"));
	ret = vdm__fdt_reg_prop(c, "reg", regs, 2);
	if (ret)
		return ret;
	FDT_CHECK(c, fdt_property(fdt, "interrupts", irq, (int)irq_bytes));
	FDT_CHECK(c, fdt_property(fdt, "reg-names", names, sizeof(names)));
	FDT_CHECK(c, fdt_end_node(fdt));
	return 0;
}

/* /memreserve/ for reserved ranges that are inside RAM (the ECAM is not). */
static int add_reservations(struct fdt_ctx *c, const struct vdm_mach_desc *m)
{
	void *fdt = c->fdt;

	for (uint32_t i = 0; i < m->num_reserved; i++) {
		struct vdm_range r = m->reserved[i];
		bool in_ram = false;

		for (uint32_t k = 0; k < m->num_ram; k++)
			in_ram |= r.size && r.base < vdm_range_end(m->ram[k]) &&
				  m->ram[k].base < vdm_range_end(r);
		if (in_ram)
			FDT_CHECK(c, fdt_add_reservemap_entry(fdt, r.base, r.size));
	}
	return 0;
}

static int build(struct fdt_ctx *c, const struct vdm_mach_desc *m,
		 const struct vdm_fdt_boot *boot, int size)
{
	void *fdt = c->fdt;
	int ret;

	FDT_CHECK(c, fdt_create(fdt, size));
	ret = add_reservations(c, m);
	if (ret)
		return ret;
	FDT_CHECK(c, fdt_finish_reservemap(fdt));
	FDT_CHECK(c, fdt_begin_node(fdt, ""));
	ret = m->arch == VDM_ARCH_ARM64 ? vdm__fdt_arm64(c, m, boot) : vdm__fdt_x86(c, m, boot);
	if (ret)
		return ret;
	FDT_CHECK(c, fdt_end_node(fdt));
	FDT_CHECK(c, fdt_finish(fdt));
	return 0;
}

/* libfdt's result as the contract says: -ENOSPC for a small buffer, -EINVAL otherwise. */
static int result(int ret)
{
	if (ret == -FDT_ERR_NOSPACE)
		return -ENOSPC;
	return ret ? -EINVAL : 0;
}

int vdm_fdt_build(const struct vdm_mach_desc *m, const struct vdm_fdt_boot *boot, void *buf,
		  size_t size, char *err, size_t err_len)
{
	struct fdt_ctx c = { .fdt = buf, .err = err, .err_len = err_len };
	uint32_t buses = (uint32_t)m->bus_end - m->bus_start + 1;
	uint32_t max_cpus = m->arch == VDM_ARCH_ARM64 ? VDM_ACPI_ARM64_MAX_CPUS : X86_MAX_CPUS;

	if (err && err_len)
		err[0] = '\0';
	if (m->arch != VDM_ARCH_X86_64 && m->arch != VDM_ARCH_ARM64) {
		if (err && err_len)
			snprintf(err, err_len, "arch %u: no device tree for it (x86_64 = %u, "
				 "arm64 = %u)", m->arch, VDM_ARCH_X86_64, VDM_ARCH_ARM64);
		return -EINVAL;
	}
	if (!m->num_ram || m->num_ram > VDM_MACH_MAX_RAM ||
	    m->num_reserved > VDM_MACH_MAX_RESERVED || !m->num_cpus || m->num_cpus > max_cpus ||
	    m->bus_end < m->bus_start || m->ecam.size < (uint64_t)buses * MIB) {
		if (err && err_len)
			snprintf(err, err_len,
				 "machine cannot be described: %u RAM ranges, %u reserved, %u CPUs, "
				 "buses %u..%u with %llu MiB of ECAM",
				 m->num_ram, m->num_reserved, m->num_cpus, m->bus_start, m->bus_end,
				 (unsigned long long)(m->ecam.size / MIB));
		return -EINVAL;
	}
	if (m->arch == VDM_ARCH_ARM64 && vdm__fdt_arm64_check(m, err, err_len))
		return -EINVAL;
	if (size > INT32_MAX)
		size = INT32_MAX;
	return result(build(&c, m, boot, (int)size));
}

/*
 * The tree Linux's EFI stub hands the kernel (drivers/firmware/efi/libstub/fdt.c): a root
 * holding /chosen only, with the EFI system table and memory map the kernel reads in
 * drivers/firmware/efi/fdtparams.c, with the stub's sizes (u64 table and map addresses,
 * u32 map size, descriptor size and version).  Linux/arm64 then boots with ACPI: a tree with
 * nothing but /chosen is a stub tree (arch/arm64/kernel/acpi.c, dt_is_stub).
 */
static int build_uefi_chosen(struct fdt_ctx *c, const struct vdm_fdt_boot *boot,
			     const struct vdm_efi_layout *uefi, int size)
{
	void *fdt = c->fdt;
	int ret;

	FDT_CHECK(c, fdt_create(fdt, size));
	FDT_CHECK(c, fdt_finish_reservemap(fdt));
	FDT_CHECK(c, fdt_begin_node(fdt, ""));
	FDT_CHECK(c, fdt_property_u32(fdt, "#address-cells", 2));
	FDT_CHECK(c, fdt_property_u32(fdt, "#size-cells", 2));
	FDT_CHECK(c, fdt_begin_node(fdt, "chosen"));
	ret = boot_props(c, boot);
	if (ret)
		return ret;
	FDT_CHECK(c, fdt_property_u64(fdt, "linux,uefi-system-table", uefi->systab_gpa));
	FDT_CHECK(c, fdt_property_u64(fdt, "linux,uefi-mmap-start", uefi->mmap_gpa));
	FDT_CHECK(c, fdt_property_u32(fdt, "linux,uefi-mmap-size", uefi->mmap_size));
	FDT_CHECK(c, fdt_property_u32(fdt, "linux,uefi-mmap-desc-size", uefi->mmap_desc_size));
	FDT_CHECK(c, fdt_property_u32(fdt, "linux,uefi-mmap-desc-ver", uefi->mmap_desc_ver));
	/* What the stub writes when Secure Boot is off (enum efi_secureboot_mode: disabled).
	 * Mainline ignores it; Debian's and Ubuntu's kernels (their lock-down patch) treat it as
	 * one of the required parameters and without it ignore the whole EFI hand-off: no memory,
	 * "Failed to allocate page table page". */
	FDT_CHECK(c, fdt_property_u32(fdt, "linux,uefi-secure-boot", VDM_EFI_SECURE_BOOT_DISABLED));
	FDT_CHECK(c, fdt_end_node(fdt));
	FDT_CHECK(c, fdt_end_node(fdt));
	FDT_CHECK(c, fdt_finish(fdt));
	return 0;
}

int vdm_efi_fdt(const struct vdm_efi_layout *uefi, const struct vdm_fdt_boot *boot, void *buf,
		size_t size, char *err, size_t err_len)
{
	struct fdt_ctx c = { .fdt = buf, .err = err, .err_len = err_len };

	if (err && err_len)
		err[0] = '\0';
	if (!uefi || !uefi->systab_gpa || !uefi->mmap_gpa || !uefi->mmap_desc_size ||
	    !uefi->mmap_size || uefi->mmap_size % uefi->mmap_desc_size) {
		if (err && err_len)
			snprintf(err, err_len,
				 "EFI system table 0x%llx, memory map 0x%llx of %u bytes in "
				 "%u-byte descriptors: give both addresses and a map of whole "
				 "descriptors",
				 uefi ? (unsigned long long)uefi->systab_gpa : 0ull,
				 uefi ? (unsigned long long)uefi->mmap_gpa : 0ull,
				 uefi ? uefi->mmap_size : 0, uefi ? uefi->mmap_desc_size : 0);
		return -EINVAL;
	}
	if (size > INT32_MAX)
		size = INT32_MAX;
	return result(build_uefi_chosen(&c, boot, uefi, (int)size));
}
