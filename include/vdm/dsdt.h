/* The DSDT's AML of the x86_64 and the arm64 machine, generated from struct vdm_mach_desc: host
 * bridge, root ports and their ACPI hotplug slots, GED, power button, and each machine's own. */
#ifndef VDM_DSDT_H
#define VDM_DSDT_H

#include <stddef.h>
#include <stdint.h>

#include <vdm/machine_desc.h>

/*
 * Namespace of the x86_64 machine (mach->arch VDM_ARCH_X86_64; ASL in dsdt.c's and
 * dsdt_x86.c's comments):
 *   \_SB.PCI0        PNP0A08/PNP0A03, _SEG, _BBN, _UID, _CRS (bus range, config ports
 *                    0xCF8-0xCFF, I/O window(s) around them, 32-bit window, 64-bit
 *                    prefetchable window), _OSC (PCIe native hotplug withheld while ACPI
 *                    hotplug is on), _DSM (PCI firmware UUID: func 0 -> {0x21}, func 5 ->
 *                    vdm_mach_dsm5_value(), any revision).  No _PRT: no device we model
 *                    uses INTx (root ports and testdev have Interrupt Pin 0; they use MSI).
 *     .PCST/SEJ/BNMR, BLCK, PCEJ   the PCI hotplug register block (SystemMemory at
 *                    pcihp_base, QEMU acpi-pcihp layout) - only with acpi_pci_hotplug
 *     .Sxx           one per root port (xx = devfn in hex), _ADR = slot << 16 | function;
 *                    for a hotplug port: BSEL, S00 {_ADR 0, _SUN = root_port.slot, _EJ0 ->
 *                    PCEJ (BSEL, 0)}, DVNT, PCNT
 *     .PCNT          calls every hotplug root port's PCNT
 *   \_SB.MBRD        PNP0C02: reserves the ECAM and the GED event selector
 *   \_SB.PHPR        PNP0C02: reserves the PCI hotplug register block (with acpi_pci_hotplug)
 *   \_SB.GED_        ACPI0013: Interrupt (edge, active high, exclusive) at ged_gsi; _EVT
 *                    reads ESEL: 0x02 -> Notify (PWRB, 0x80); 0x10 -> PCNT under BLCK
 *   \_SB.PWRB        PNP0C0C power button
 *   \_SB.COM1        PNP0501 at serial_port, 8 ports, IRQ serial_gsi
 *   \_S5_            Package { s5_slp_typ, s5_slp_typ, 0, 0 }
 *
 *
 * The arm64 machine (VDM_ARCH_ARM64; ASL in dsdt_arm64.c) has the same PCI0 methods and
 * objects, the same hotplug AML, PHPR, GED_ and PWRB, byte for byte, and instead of the PC's:
 *   \_SB.Cnnn        ACPI0007 processor device per CPU, _UID n (the MADT's GICC UID)
 *   \_SB.PCI0._CCA   One: DMA below the host bridge is cache-coherent
 *   \_SB.PCI0._CRS   bus range, DWordIO of the I/O aperture (PCI ports) with translation
 *                    offset pci_io_cpu_base and TypeTranslation (QWordIO when the window is
 *                    above 4 GiB), no configuration ports, the 32-bit and 64-bit windows
 *   \_SB.PCI0._PRT   with intx_gsis: { slot << 16 | 0xFFFF, pin, Zero, intx_gsi_base +
 *                    (slot + pin) % intx_gsis } for slots 0..31, pins 0..3 (no link devices)
 *   \_SB.COM0        ARMH0011 (SBSA generic UART): Memory32Fixed uart_mmio, Interrupt
 *                    (level, active high) serial_gsi
 *   no MBRD, COM1 or \_S5 (the guest powers off through PSCI); the GED's interrupt is an SPI.
 *
 * _EJ0 passes slot 0, not _SUN: the B0EJ bitmap is indexed by the device number on the bus
 * BSEL selects, and below a root port the device is always device 0 (as DVNT's bit 0).
 * _SUN is the port's physical slot number, which Linux's acpiphp uses as the slot's name.
 */

/*
 * Build the AML body of the DSDT (no table header) into a malloc'd buffer the caller frees.
 * Returns 0, -ENOMEM, or -EINVAL with a one-line reason in `err` (if err_len) naming the value
 * and the fix: an unknown arch, more root ports than VDM_MACH_MAX_ROOT_PORTS, two root ports
 * with one devfn, an I/O aperture above 0xFFFF, a 32-bit aperture above 4 GiB, a hotplug
 * port's BSEL above 255, an empty register block while acpi_pci_hotplug is on; arm64: a
 * UART, GED or INTx interrupt that is not an SPI (INTID 32..1019), no UART, more than 4096
 * CPUs.
 */
int vdm_dsdt_build(const struct vdm_mach_desc *m, uint8_t **aml, size_t *len, char *err,
		   size_t err_len);

#endif /* VDM_DSDT_H */
