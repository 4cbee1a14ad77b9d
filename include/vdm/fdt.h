/* Flattened device tree of the placed machine, x86_64 or arm64 (libfdt sequential write into a
 * caller buffer), and the /chosen-only tree an arm64 ACPI boot hands Linux in place of EFI. */
#ifndef VDM_FDT_H
#define VDM_FDT_H

/*
 * The x86_64 tree (root #address-cells = #size-cells = 2):
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
 *
 * The arm64 tree (root #address-cells = #size-cells = 2; interrupt specifiers are the
 * arm,gic-v3 binding's <type number flags>: type 0 SPI (number = INTID - 32), 1 PPI
 * (INTID - 16); flags 4 level high, 1 edge rising):
 *
 *   / { compatible = "vdm,arm64-virt"; interrupt-parent = <&gic>;
 *     chosen { bootargs; linux,initrd-start; linux,initrd-end; stdout-path = "/serial@<uart>"; }
 *     memory@<ram> { device_type = "memory"; reg; }
 *     cpus { #address-cells = <1>; #size-cells = <0>;
 *            cpu@<mpidr> { device_type = "cpu"; compatible = "arm,arm-v8";
 *                          reg = <vdm_arm64_mpidr(N)>; enable-method = "psci"; } }
 *     psci { compatible = "arm,psci-1.0", "arm,psci-0.2"; method = "hvc"; }
 *     timer { compatible = "arm,armv8-timer"; always-on;
 *             interrupts = <1 ppi 4> for timer_ppi[0..3] (secure, non-secure, virtual, EL2) }
 *     intc@<gicd> { compatible = "arm,gic-v3"; interrupt-controller; #interrupt-cells = <3>;
 *            #address-cells = <0>; reg = <gicd> <gicr>; phandle = <1>; }
 *     apb-pclk { compatible = "fixed-clock"; #clock-cells = <0>; clock-frequency = <24000000>;
 *            phandle = <2>; }
 *     serial@<uart> { compatible = "arm,pl011", "arm,primecell"; reg = <uart_mmio>;
 *            interrupts = <0 serial_gsi-32 4>; clocks = <2 2>; clock-names = "uartclk", "apb_pclk"; }
 *     pci@<ecam> { as on x86, with ranges = <0x01000000 0 io  cpu(pci_io_cpu_base + io) 0 size>
 *            ...; #interrupt-cells = <1>; interrupt-map-mask = <0xf800 0 0 7>;
 *            interrupt-map = <slot << 11 0 0 pin &gic 0 spi 4> for slots 0..31, pins 1..4,
 *            spi = intx_gsi_base + (slot + pin - 1) % intx_gsis - 32 (only with intx_gsis);
 *            dma-coherent; }
 *     ged@<ged_base> { as on x86, interrupts = <0 ged_gsi-32 1>; }
 *   }
 *   /memreserve/ for the reserved ranges in RAM (the firmware area at the top of RAM).
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
#define VDM_FDT_GIC_PHANDLE 1u      /* arm64 */
#define VDM_FDT_APB_PCLK_PHANDLE 2u /* arm64 */

/*
 * Build the device tree of `m` (the tree of m->arch, above) into buf[0..size).  `boot` may be
 * NULL.  The result is a finished, compact blob (fdt_totalsize(buf) bytes).
 * Returns 0; -ENOSPC if `size` is too small (retry with a bigger buffer; 64K is plenty
 * for 32 CPUs and root ports); -EINVAL for an m the tree cannot describe (unknown arch, no
 * RAM, ECAM smaller than bus-range, more than 256 CPUs (arm64: VDM_ACPI_ARM64_MAX_CPUS);
 * arm64: a timer interrupt that is not a PPI, a UART, GED or INTx interrupt that is not an
 * SPI, a GICR range short of 128 KiB per CPU, no UART) or another libfdt failure.  On error `err`
 * (may be NULL) names the failed libfdt call as written in the source and libfdt's
 * reason, e.g. `fdt_property(fdt, "reg", reg, n * 16): FDT_ERR_NOSPACE`.
 */
int vdm_fdt_build(const struct vdm_mach_desc *m, const struct vdm_fdt_boot *boot, void *buf,
		  size_t size, char *err, size_t err_len);

#endif /* VDM_FDT_H */
