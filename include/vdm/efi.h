/* The UEFI hand-off a VMM can give Linux without running firmware: an EFI system table whose
 * configuration table points at the ACPI tables, and a UEFI memory map (arm64 ACPI boot). */
#ifndef VDM_EFI_H
#define VDM_EFI_H

/*
 * Why this is enough (Linux 6.x, arm64): the EFI stub, when it runs, leaves the kernel a
 * device tree whose /chosen holds linux,uefi-system-table, linux,uefi-mmap-start, -size,
 * -desc-size and -desc-ver (drivers/firmware/efi/fdtparams.c).  efi_init()
 * (drivers/firmware/efi/efi-init.c) maps the system table, checks its signature, reads the
 * configuration table (the ACPI 2.0 RSDP, efi.acpi20) and builds memblock from the memory map;
 * with that map present, acpi_os_ioremap() lets AML reach MMIO operation regions (regions the
 * map does not list are device memory), and a tree that holds nothing but /chosen makes
 * acpi_boot_table_init() take ACPI.  No EFI code ever runs: the system table's boot and runtime
 * service pointers are 0, an EFI_RT_PROPERTIES_TABLE says no runtime service is supported, and
 * the VMM boots the kernel with efi=noruntime so nothing tries to call one.
 *
 * Layout at `gpa` (all 8-byte aligned): the system table, the firmware vendor string, the
 * configuration table (ACPI 2.0, RT properties), the RT properties table, the memory map.
 * The memory map covers desc->ram[]: desc->reserved[] ranges inside RAM (the firmware area:
 * ACPI tables, these structures, the device tree) as EfiACPIReclaimMemory, the rest as
 * EfiConventionalMemory, all write-back cacheable; MMIO is not listed.
 */

#include <stddef.h>
#include <stdint.h>

#include <vdm/machine_desc.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VDM_EFI_MMAP_DESC_SIZE 48u /* bytes per memory descriptor (UEFI's own choice) */
#define VDM_EFI_MMAP_DESC_VER 1u
#define VDM_EFI_MAX_SIZE 4096u     /* what vdm_efi_build writes at most */
/* linux,uefi-secure-boot in /chosen: what Linux's EFI stub writes with Secure Boot off. */
#define VDM_EFI_SECURE_BOOT_DISABLED 2u

/* EFI memory types (UEFI 2.9 §7.2) used in the map. */
#define VDM_EFI_CONVENTIONAL_MEMORY 7u
#define VDM_EFI_ACPI_RECLAIM_MEMORY 9u
#define VDM_EFI_MEMORY_WB UINT64_C(0x8)

/* Where each structure went; what /chosen needs. */
struct vdm_efi_layout {
	uint64_t systab_gpa;
	uint64_t mmap_gpa;
	uint32_t mmap_size;      /* bytes: descriptors * VDM_EFI_MMAP_DESC_SIZE */
	uint32_t mmap_desc_size; /* VDM_EFI_MMAP_DESC_SIZE */
	uint32_t mmap_desc_ver;  /* VDM_EFI_MMAP_DESC_VER */
	size_t size;             /* bytes written at buf (from gpa) */
};

/*
 * Write the system table and memory map for machine `m`, whose ACPI RSDP is at `rsdp`, into
 * buf (capacity `cap`), as they will sit at guest-physical `gpa` (8-byte aligned, inside one
 * of m->reserved[] so Linux keeps it).  Returns 0 and *out; -ENOSPC when cap is too small;
 * -EINVAL (err names the value) for a misaligned gpa, a gpa outside the reserved firmware
 * area, or more than 32 ranges to describe.
 */
int vdm_efi_build(const struct vdm_mach_desc *m, uint64_t rsdp, uint64_t gpa, uint8_t *buf,
		  size_t cap, struct vdm_efi_layout *out, char *err, size_t err_len);

struct vdm_fdt_boot;

/*
 * The device tree the EFI stub would leave the kernel: a root (#address-cells and
 * #size-cells 2) holding only /chosen with linux,uefi-system-table, linux,uefi-mmap-start,
 * -size, -desc-size, -desc-ver from `efi`, linux,uefi-secure-boot (disabled: Debian's and
 * Ubuntu's arm64 kernels refuse the hand-off without it), and `boot`'s bootargs and initrd (may be
 * NULL).  A tree with nothing but /chosen is what makes arm64 Linux take ACPI.  Built into
 * buf[0..size) as a finished blob; no stdout-path (the SPCR names the console).  0, -ENOSPC
 * (buffer too small; 4K is plenty: err names the libfdt call), -EINVAL (no system table or map
 * address, an empty map or one that is not whole descriptors: err gives the values).
 */
int vdm_efi_fdt(const struct vdm_efi_layout *efi, const struct vdm_fdt_boot *boot, void *buf,
		size_t size, char *err, size_t err_len);

#ifdef __cplusplus
}
#endif

#endif /* VDM_EFI_H */
