/* The x86_64 machine (arch.h): the PC memory map of layout.h, and the legacy I/O ports its ACPI
 * tables describe: COM1, the FADT power port with the PM timer, PCI configuration at CF8/CFC. */
#include <vdm/layout.h>

#include "arch.h"
#include "machine_int.h"

/* x86 PCI configuration mechanism #1. */
#define PCI_CF8_PORT 0xcf8
#define PCI_CFC_PORT 0xcfc

static int wire(struct vdm_machine *m, char *err, size_t len)
{
	const struct vdm_mach_desc *d = &m->desc;
	const struct bus_handler com1 = { "COM1", vdm__uart_read, vdm__uart_write, &m->uart };
	const struct bus_handler pwr = { "power", vdm__pm_ctl_read, vdm__pm_ctl_write, &m->pm };
	const struct bus_handler pmtmr = { "pm-timer", vdm__pm_timer_read, NULL, &m->pm };
	const struct bus_handler cf8 = { "pci-cf8", vdm_pci_host_cf8_read, vdm_pci_host_cf8_write,
					 m->pci };
	const struct bus_handler cfc = { "pci-cfc", vdm_pci_host_cfc_read, vdm_pci_host_cfc_write,
					 m->pci };
	int e;

	if ((e = vdm__machine_bus_add(&m->pio, d->serial_port, 8, &com1, err, len)) ||
	    (e = vdm__machine_bus_add(&m->pio, d->power_port, 1, &pwr, err, len)) ||
	    (e = vdm__machine_bus_add(&m->pio, d->power_port + POWER_PMTMR_OFFSET, 4, &pmtmr,
				      err, len)) ||
	    (e = vdm__machine_bus_add(&m->pio, PCI_CF8_PORT, 4, &cf8, err, len)) ||
	    (e = vdm__machine_bus_add(&m->pio, PCI_CFC_PORT, 4, &cfc, err, len)))
		return e;
	return 0;
}

static size_t console_in(struct vdm_machine *m, const uint8_t *buf, size_t len)
{
	return vdm__uart_feed(&m->uart, buf, len);
}

static size_t console_space(struct vdm_machine *m)
{
	return vdm__uart_rx_space(&m->uart);
}

const struct vdm__machine_arch vdm__machine_arch_x86_64 = {
	.arch = VDM_ARCH_X86_64,
	.name = "x86_64",
	.layout = vdm_x86_layout,
	.wire = wire,
	.console_in = console_in,
	.console_space = console_space,
	.max_cpus = VDM_ACPI_MAX_CPUS,
};
