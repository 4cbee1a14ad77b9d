/* Flattened device tree for the placed machine (libfdt sequential write into a caller
 * buffer): memory, cpus, chosen, APICs, COM1, the ECAM PCI host bridge and the GED. */
#ifndef VDM_FDT_H
#define VDM_FDT_H

/*
 * The tree (root #address-cells = #size-cells = 2):
 *
 *   / { compatible = "vdm,x86-virt"; interrupt-parent = <&ioapic>;
 *     chosen { bootargs; linux,initrd-start; linux,initrd-end (u64, only with an initrd);
 *              stdout-path = "/serial@3f8"; }
 *     memory@0 { device_type = "memory"; reg = <every m->ram[] range>; }
 *     cpus { #address-cells = <1>; #size-cells = <0>;
 *            cpu@N { device_type = "cpu"; reg = <N>; } }         (N = APIC id = index)
 *     interrupt-controller@fec00000 { compatible = "intel,ce4100-ioapic";
 *            interrupt-controller; #interrupt-cells = <2>; #address-cells = <0>; reg;
 *            phandle = <1>; }
 *     local-apic@fee00000 { compatible = "intel,ce4100-lapic"; reg; }
 *     serial@3f8 { compatible = "ns16550a"; reg = <0 0x3f8 0 8>; clock-frequency = <1843200>;
 *                  interrupts = <4 0>; }
 *     pci@<ecam> { compatible = "pci-host-ecam-generic"; device_type = "pci";
 *            #address-cells = <3>; #size-cells = <2>; linux,pci-domain = <segment>;
 *            bus-range = <bus_start bus_end>; reg = <m->ecam.base, 1M per bus in range>;
 *            ranges = <0x01000000 0 io   0 io   0 size>        I/O
 *                     <0x02000000 0 mem32 0 mem32 0 size>      32-bit memory
 *                     <0x43000000 hi lo  hi lo  hi lo>;        64-bit prefetchable memory
 *            dma-coherent; }
 *     ged@<ged_base> { compatible = "vdm,ged-pcihp";
 *            reg = <ged_base 4> <pcihp_base pcihp_size>;
 *            reg-names = "event-selector", "pci-hotplug"; interrupts = <ged_gsi 0>; }
 *   }
 *   /memreserve/ for every m->reserved[] range that lies in RAM (e.g. ACPI tables).
 *
 * Conventions chosen (documented because x86 has no DT standard for them):
 *  - x86 port I/O is not memory mapped; as in QEMU's x86 microvm DT, a port number is
 *    written as the CPU address (serial reg, the PCI I/O range's parent address).
 *  - IOAPIC interrupt specifiers follow the intel,ce4100-ioapic binding: <pin sense>,
 *    sense 0 = edge rising (what COM1 and the GED use).
 *  - "vdm,ged-pcihp" is ours: region 0 is the GED event selector (32-bit, read clears),
 *    region 1 the QEMU acpi-pcihp register block; see include/vdm/ged.h.  No Linux
 *    driver binds it; it is there so tools and DT-reading payloads find the registers.
 *  - No interrupt-map: devices are expected to use MSI/MSI-X.
 */

#include <stddef.h>
#include <stdint.h>

#include <vdm/machine_desc.h>

struct vdm_fdt_boot {
	const char *bootargs;  /* kernel command line, NULL = none */
	uint64_t initrd_start; /* guest-physical; initrd_end > initrd_start means present */
	uint64_t initrd_end;   /* exclusive */
};

#define VDM_FDT_IOAPIC_PHANDLE 1u
#define VDM_FDT_IRQ_EDGE_RISING 0u /* intel,ce4100-ioapic sense cell */

/*
 * Build the device tree of `m` into buf[0..size).  `boot` may be NULL.  The result is a
 * finished, compact blob (fdt_totalsize(buf) bytes).
 * Returns 0; -ENOSPC if `size` is too small (retry with a bigger buffer; 64K is plenty
 * for 32 CPUs and root ports); -EINVAL for an m the tree cannot describe (no RAM, ECAM
 * smaller than bus-range, more than 256 CPUs) or another libfdt failure.  On error `err`
 * (may be NULL) names the failed libfdt call as written in the source and libfdt's
 * reason, e.g. `fdt_property(fdt, "reg", reg, n * 16): FDT_ERR_NOSPACE`.
 */
int vdm_fdt_build(const struct vdm_mach_desc *m, const struct vdm_fdt_boot *boot, void *buf,
		  size_t size, char *err, size_t err_len);

#endif /* VDM_FDT_H */
