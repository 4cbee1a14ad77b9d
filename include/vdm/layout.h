/* The x86_64 machine's guest-physical memory map: RAM around the 32-bit hole, the 32-bit
 * PCI aperture, ECAM, interrupt controllers, platform MMIO and the 64-bit PCI aperture. */
#ifndef VDM_LAYOUT_H
#define VDM_LAYOUT_H

/*
 * The map (constants below; see vdm_layout.c for why each is where it is):
 *
 *   [0, 0xA0000)                       RAM (e820)
 *   [0xA0000, 1 MiB)                   legacy hole; the ACPI tables at [0xE0000, 1 MiB), where
 *                                      the RSDP scan looks
 *   [1 MiB, min(ram, 3 GiB))           RAM (e820)
 *   [0xC0000000, 0xE8000000)  640 MiB  32-bit PCI aperture (pci_mem32; never in e820)
 *   [0xE8000000, 0xF8000000)  256 MiB  ECAM, buses 0..255 (e820 RESERVED)
 *   [0xFE000000, 0xFE100000)    1 MiB  platform MMIO: GED selector at +0, PCI hotplug
 *                                      registers at +0x1000, rest free for the VMM
 *   0xFEC00000                         IOAPIC
 *   0xFEE00000                         LAPIC
 *   [4 GiB, 4 GiB + ram - 3 GiB)       RAM above the hole (e820), when ram > 3 GiB
 *   [A, B)                             64-bit PCI aperture (pci_mem64), see below
 *   I/O ports [0x1000, 0x10000)        PCI I/O aperture (legacy ports stay below 0x1000)
 *
 * 64-bit aperture: the guest can address [0, 2^phys_bits) where phys_bits is what the
 * guest's CPUID 0x80000008 EAX[7:0] will say.  The usable top is capped at 2^48 (a 4-level
 * EPT/NPT host cannot map guest addresses above that) and, when the space reaches 1 TiB,
 * the AMD HyperTransport range [0xFD00000000, 1 TiB) is kept free (reserved on AMD hosts;
 * QEMU avoids it too).  phys_bits <= 40: A = RAM end rounded up to 1 GiB, B = min(2^phys,
 * 0xFD00000000).  phys_bits > 40: A = max(1 TiB, RAM end rounded up), B = 2^min(phys, 48),
 * so the aperture is one contiguous range above the hole.
 */

#include <stddef.h>
#include <stdint.h>

#include <vdm/machine_desc.h>

#define VDM_LAYOUT_LOW_RAM_END UINT64_C(0xA0000)
#define VDM_LAYOUT_HIGH_MEM_START (UINT64_C(1) << 20)
#define VDM_LAYOUT_ACPI_BASE UINT64_C(0xE0000)
#define VDM_LAYOUT_ACPI_SIZE UINT64_C(0x20000)
#define VDM_LAYOUT_HOLE_START UINT64_C(0xC0000000) /* end of RAM below 4 GiB */
#define VDM_LAYOUT_MEM32_BASE UINT64_C(0xC0000000)
#define VDM_LAYOUT_MEM32_SIZE UINT64_C(0x28000000)
#define VDM_LAYOUT_ECAM_BASE UINT64_C(0xE8000000)
#define VDM_LAYOUT_ECAM_SIZE UINT64_C(0x10000000)
#define VDM_LAYOUT_PLATFORM_BASE UINT64_C(0xFE000000)
#define VDM_LAYOUT_PLATFORM_SIZE UINT64_C(0x100000)
#define VDM_LAYOUT_GED_OFFSET 0x0u
#define VDM_LAYOUT_PCIHP_OFFSET 0x1000u
#define VDM_LAYOUT_IOAPIC_BASE UINT64_C(0xFEC00000)
#define VDM_LAYOUT_LAPIC_BASE UINT64_C(0xFEE00000)
#define VDM_LAYOUT_4G (UINT64_C(1) << 32)
#define VDM_LAYOUT_PCI_IO_BASE 0x1000u
#define VDM_LAYOUT_PCI_IO_SIZE 0xF000u
#define VDM_LAYOUT_HT_HOLE_START UINT64_C(0xFD00000000)
#define VDM_LAYOUT_MAX_TOP_BITS 48u
#define VDM_LAYOUT_MIN_MEM64 (UINT64_C(1) << 30) /* smallest 64-bit aperture accepted */
#define VDM_LAYOUT_MIN_RAM (UINT64_C(2) << 20)
#define VDM_LAYOUT_MIN_PHYS_BITS 36u
#define VDM_LAYOUT_MAX_PHYS_BITS 52u

/*
 * Fill the memory map and platform fields of `m` for `ram_size` bytes of RAM and a guest
 * that reports `phys_bits` physical address bits: ram[]/num_ram, reserved[]/num_reserved
 * (the ECAM), lapic/ioapic, segment 0, bus_start 0, bus_end 255, ecam, pci_io, pci_mem32,
 * pci_mem64, platform_mmio, ged_base, ged_gsi (5), pcihp_base, pcihp_size (0x18),
 * serial_port 0x3f8 / gsi 4, power_port 0x600 / reset_value 1 / s5_slp_typ 5, acpi, arch.
 * Other fields (num_cpus, root ports, hotplug policy) are left as they are.
 *
 * Returns 0, or -EINVAL with a one-line reason in `err` naming the value and the fix:
 * RAM not a multiple of 1 MiB, below VDM_LAYOUT_MIN_RAM, or too large to leave a 64-bit
 * aperture of VDM_LAYOUT_MIN_MEM64 under the guest's address limit; phys_bits outside
 * [VDM_LAYOUT_MIN_PHYS_BITS, VDM_LAYOUT_MAX_PHYS_BITS].
 */
int vdm_x86_layout(struct vdm_mach_desc *m, uint64_t ram_size, unsigned phys_bits, char *err,
		   size_t err_len);

/*
 * The arm64 machine's map (a QEMU-virt-like layout; vdm_arm64_layout):
 *
 *   [0x08000000, +64 KiB)          GICv3 distributor
 *   [0x080A0000, +128 KiB per CPU) GICv3 redistributors (at most 123 CPUs)
 *   [0x09000000, +4 KiB)           PL011 UART, SPI 1 (INTID 33)
 *   [0x09100000, +1 MiB)           platform MMIO: GED selector at +0 (SPI 8, INTID 40), PCI
 *                                  hotplug registers at +0x1000
 *   [0x10000000, 0x3EFF0000)       32-bit PCI aperture (pci_mem32)
 *   [0x3EFF0000, +64 KiB)          PCI I/O ports 0..0xFFFF (the host bridge translates);
 *                                  ports [0x1000, 0x10000) are the PCI I/O aperture
 *   [0x40000000, +ram)             RAM; its top 2 MiB hold the firmware's tables (ACPI, the
 *                                  EFI system table and memory map), reserved
 *   [0x4010000000, +256 MiB)       ECAM, buses 0..255
 *   [0x8000000000, 2^ipa_bits)     64-bit PCI aperture (pci_mem64), 512 GiB with 40 bits
 * INTx: INTA..INTD rotate over SPIs 3..6 (INTIDs 35..38).  Timer PPIs: 29, 30, 27, 26.
 */
#define VDM_ARM64_GICD_BASE UINT64_C(0x08000000)
#define VDM_ARM64_GICD_SIZE UINT64_C(0x10000)
#define VDM_ARM64_GICR_BASE UINT64_C(0x080A0000)
#define VDM_ARM64_GICR_CPU_SIZE UINT64_C(0x20000)
#define VDM_ARM64_UART_BASE UINT64_C(0x09000000)
#define VDM_ARM64_UART_INTID 33u
#define VDM_ARM64_PLATFORM_BASE UINT64_C(0x09100000)
#define VDM_ARM64_GED_INTID 40u
#define VDM_ARM64_MEM32_BASE UINT64_C(0x10000000)
#define VDM_ARM64_PIO_CPU_BASE UINT64_C(0x3EFF0000)
#define VDM_ARM64_RAM_BASE UINT64_C(0x40000000)
#define VDM_ARM64_FW_SIZE (UINT64_C(2) << 20)
#define VDM_ARM64_ECAM_BASE UINT64_C(0x4010000000)
#define VDM_ARM64_MEM64_BASE UINT64_C(0x8000000000)
#define VDM_ARM64_INTX_INTID 35u
#define VDM_ARM64_MAX_CPUS 123u

/*
 * Fill `m` with the arm64 map above for `ram_size` bytes of RAM and a guest physical (IPA)
 * width of `ipa_bits` (KVM's default is 40).  Same contract as vdm_x86_layout; -EINVAL when
 * RAM is not a multiple of 2 MiB, below VDM_LAYOUT_MIN_RAM + the firmware area, above
 * 255 GiB, or leaves no 64-bit aperture of VDM_LAYOUT_MIN_MEM64 under 2^ipa_bits.
 */
int vdm_arm64_layout(struct vdm_mach_desc *m, uint64_t ram_size, unsigned ipa_bits, char *err,
		     size_t err_len);

/* Total RAM described by m->ram[] (bytes). */
uint64_t vdm_layout_ram_total(const struct vdm_mach_desc *m);

/* Format a byte count for messages: "64G", "2M", "4K", "1536" or, when no unit divides
 * it, hex "0x1234".  Returns buf. */
const char *vdm_fmt_size(char *buf, size_t len, uint64_t v);

#endif /* VDM_LAYOUT_H */
