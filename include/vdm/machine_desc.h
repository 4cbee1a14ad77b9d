/* The placed machine, as firmware describes it: the one struct the resource placement fills
 * and the ACPI, FDT and e820 builders read.  Plain data, no KVM, no device objects. */
#ifndef VDM_MACHINE_DESC_H
#define VDM_MACHINE_DESC_H

#include <stdbool.h>
#include <stdint.h>

/* [base, base + size).  size 0 = absent / closed window. */
struct vdm_range {
	uint64_t base;
	uint64_t size;
};

static inline uint64_t vdm_range_end(struct vdm_range r) /* exclusive */
{
	return r.base + r.size;
}

/* The guest's architecture: which memory map, interrupt controller and tables. */
enum vdm_arch {
	VDM_ARCH_X86_64 = 0,
	VDM_ARCH_ARM64 = 1,
};

/* Answer of the host bridge _DSM function 5 ("preserve PCI boot configuration"). */
enum vdm_preserve_policy {
	VDM_PRESERVE_AUTO = 0, /* preserve (return 0) iff ACPI PCI hotplug is enabled */
	VDM_PRESERVE_ON = 1,   /* always return 0 */
	VDM_PRESERVE_OFF = 2,  /* always return 1 */
};

#define VDM_MACH_MAX_ROOT_PORTS 248 /* 31 root-bus slots of 8 functions */
#define VDM_MACH_MAX_RAM 4
#define VDM_MACH_MAX_RESERVED 8
#define VDM_MACH_ID_MAX 32

/* One PCIe root port on the root bus, with what firmware programmed into it. */
struct vdm_mach_root_port {
	char id[VDM_MACH_ID_MAX]; /* user's id= (or a generated one) */
	uint8_t devfn;            /* on the root bus: slot << 3 | function */
	uint8_t secondary_bus;
	uint8_t subordinate_bus;
	uint16_t chassis;
	uint16_t slot;    /* physical slot number: the ACPI _SUN of its slot */
	uint32_t bsel;    /* ACPI PCI hotplug bus selector of its secondary bus */
	bool hotplug;     /* slot takes ACPI hotplug */
	struct vdm_range io;   /* I/O window */
	struct vdm_range mem;  /* 32-bit non-prefetchable window */
	struct vdm_range pref; /* 64-bit prefetchable window */
};

struct vdm_mach_desc {
	uint32_t arch; /* enum vdm_arch */
	/* CPUs and memory */
	uint32_t num_cpus;
	struct vdm_range ram[VDM_MACH_MAX_RAM]; /* e820 RAM, ascending */
	uint32_t num_ram;
	struct vdm_range reserved[VDM_MACH_MAX_RESERVED]; /* e820 reserved (ECAM, ACPI...) */
	uint32_t num_reserved;

	/* Interrupt controllers.  x86: LAPIC + IOAPIC, interrupt numbers ("GSIs") are IOAPIC
	 * pins.  arm64: GICv3, interrupt numbers are GIC INTIDs (SPI n = 32 + n). */
	uint64_t lapic_base;  /* x86: 0xfee00000 */
	uint64_t ioapic_base; /* x86: 0xfec00000 */
	uint32_t ioapic_pins; /* x86: 24 */
	struct vdm_range gicd;  /* arm64: GICv3 distributor (64 KiB) */
	struct vdm_range gicr;  /* arm64: redistributors, 128 KiB per CPU, contiguous */
	/* arm64: the generic timer's PPIs (INTIDs): EL1 secure, EL1 non-secure, virtual, EL2 */
	uint32_t timer_ppi[4];
	/* PCI INTx: INTA..INTD of root-bus slot S (after swizzling) go to interrupt
	 * intx_gsi_base + (S + pin - 1) % intx_gsis, level-triggered.  0 gsis: no INTx routes
	 * (no _PRT). */
	uint32_t intx_gsi_base;
	uint32_t intx_gsis;

	/* The PCI host bridge (segment 0) */
	uint16_t segment;
	uint8_t bus_start;
	uint8_t bus_end;
	struct vdm_range ecam;      /* covers buses bus_start..bus_end, 1 MiB each */
	struct vdm_range pci_io;    /* host bridge apertures (_CRS, FDT ranges); I/O in ports */
	/* arm64: where PCI I/O port 0 is in the CPU's memory space (a 64 KiB window; x86: 0,
	 * port I/O is its own space) */
	uint64_t pci_io_cpu_base;
	struct vdm_range pci_mem32;
	struct vdm_range pci_mem64;
	struct vdm_mach_root_port root_ports[VDM_MACH_MAX_ROOT_PORTS];
	uint32_t num_root_ports;

	/* ACPI PCI hotplug through the GED */
	bool acpi_pci_hotplug;
	uint32_t preserve_policy; /* enum vdm_preserve_policy */
	uint64_t ged_base;        /* GED event selector, 4 bytes, 32-bit accesses */
	uint32_t ged_gsi;         /* IOAPIC pin of the GED interrupt (edge, active high) */
	uint64_t pcihp_base;      /* PCI hotplug register block (QEMU acpi-pcihp layout) */
	uint32_t pcihp_size;      /* 0x18 */
	/* MMIO range for platform devices: holds ged_base and pcihp_base; the rest is free for
	 * the VMM's other platform devices.  Outside every PCI aperture and e820 entry. */
	struct vdm_range platform_mmio;

	/* The console UART.  x86: a 16550A at serial_port (COM1 0x3f8); arm64: a PL011 at
	 * uart_mmio (SBSA generic UART subset, ACPI ARMH0011, SPCR) */
	uint16_t serial_port;
	struct vdm_range uart_mmio;
	uint32_t serial_gsi;  /* x86: 4; arm64: an SPI's INTID */
	/* Legacy platform devices (x86) */
	uint16_t power_port;  /* 8-bit SystemIO: FADT sleep control/status and reset register */
	uint8_t reset_value;  /* value written to power_port to reset */
	uint8_t s5_slp_typ;   /* SLP_TYP for \_S5; power-off = (s5_slp_typ << 2) | SLP_EN */
	bool cmos_rtc;        /* an MC146818 RTC answers at 0x70/0x71; false: the FADT says
			       * "CMOS RTC not present" and Linux keeps time from kvmclock */
	uint16_t pm_timer_port; /* 32-bit ACPI PM timer (3.579545 MHz) in I/O space, e.g.
				 * power_port + 8; 0 = none.  FADT X_PM_TMR_BLK + TMR_VAL_EXT */

	/* Where the firmware puts the ACPI tables in guest memory (RSDP first); x86: inside
	 * the legacy RSDP scan window 0xE0000..0xFFFFF. */
	struct vdm_range acpi;
};

/* What the host bridge _DSM function 5 returns for this machine: 0 = preserve. */
static inline unsigned vdm_mach_dsm5_value(const struct vdm_mach_desc *m)
{
	switch (m->preserve_policy) {
	case VDM_PRESERVE_ON:
		return 0;
	case VDM_PRESERVE_OFF:
		return 1;
	default:
		return m->acpi_pci_hotplug ? 0 : 1;
	}
}

#endif /* VDM_MACHINE_DESC_H */
