/* The arm64 machine (arch.h): the map of vdm_arm64_layout, the PL011 console and the PCI I/O
 * window in MMIO; no CF8/CFC, no power port (PSCI powers off), the GIC is KVM's own. */
#include <vdm/layout.h>

#include "arch.h"
#include "machine_int.h"

#define PCI_IO_WINDOW 0x10000u /* PCI ports 0..0xFFFF at pci_io_cpu_base */

/* The PCI I/O window: MMIO at pci_io_cpu_base + p is port p, as the DSDT's translated I/O
 * range and the device tree's ranges say (BARs, and any platform port the machine has). */
static void pio_window_read(void *opaque, uint64_t offset, uint32_t size, uint64_t *value)
{
	vdm_machine_pio_read(opaque, offset, size, value);
}

static void pio_window_write(void *opaque, uint64_t offset, uint32_t size, uint64_t value)
{
	vdm_machine_pio_write(opaque, offset, size, value);
}

static int wire(struct vdm_machine *m, char *err, size_t len)
{
	const struct vdm_mach_desc *d = &m->desc;
	const struct bus_handler uart = { "pl011", vdm__pl011_read, vdm__pl011_write, &m->pl011 };
	const struct bus_handler pio = { "pci-io", pio_window_read, pio_window_write, m };
	int e;

	if ((e = vdm__machine_bus_add(&m->mmio, d->uart_mmio.base, d->uart_mmio.size, &uart, err,
				      len)) ||
	    (e = vdm__machine_bus_add(&m->mmio, d->pci_io_cpu_base, PCI_IO_WINDOW, &pio, err, len)))
		return e;
	return 0;
}

static size_t console_in(struct vdm_machine *m, const uint8_t *buf, size_t len)
{
	return vdm__pl011_feed(&m->pl011, buf, len);
}

static size_t console_space(struct vdm_machine *m)
{
	return vdm__pl011_rx_space(&m->pl011);
}

const struct vdm__machine_arch vdm__machine_arch_arm64 = {
	.arch = VDM_ARCH_ARM64,
	.name = "arm64",
	.layout = vdm_arm64_layout,
	.wire = wire,
	.console_in = console_in,
	.console_space = console_space,
	.max_cpus = VDM_ARM64_MAX_CPUS, /* what the map's redistributor region holds */
};
