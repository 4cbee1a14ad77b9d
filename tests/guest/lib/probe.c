/* Guest payload runtime: what the device payloads do first (start line, ACPI tables with
 * MCFG, FADT and PM timer, ECAM, the list of PCI functions), and finding a function by id. */
#include "probe.h"

#include "pci.h"
#include "rt.h"

#define FADT_TMR_VAL_EXT (1u << 8)

int probe_machine(struct probe *p, const char *name)
{
	const struct acpi_mcfg_entry *m;

	rt_printf("PAYLOAD: start name=%s rdi=0x%lx rsi=0x%lx\n", name, rt_boot_rdi, rt_boot_rsi);
	if (acpi_load(&p->acpi, rt_boot_rdi, 0) < 0)
		return -1;
	if (!rt_check(p->acpi.num_mcfg > 0 && p->acpi.fadt, "mcfg-fadt-present", "mcfg=0x%lx",
		      p->acpi.mcfg))
		return -1;
	p->pm_port = acpi_pm_timer_port(&p->acpi);
	p->pm_mask = (p->acpi.fadt_flags & FADT_TMR_VAL_EXT) ? 0xffffffffu : 0xffffffu;
	if (!rt_check(p->pm_port != 0, "pm-timer", "port=0x%x", p->pm_port))
		return -1;
	m = &p->acpi.mcfg_entry[0];
	pci_ecam_init(m->base, m->bus_start, m->bus_end);
	p->nfuncs = pci_scan_tree(p->bdfs, PROBE_MAX_FUNCS);
	return 0;
}

uint16_t probe_find(const struct probe *p, uint32_t ids)
{
	for (unsigned i = 0; i < p->nfuncs; i++)
		if (pci_cfg_read32(p->bdfs[i], PCI_VENDOR_ID) == ids)
			return p->bdfs[i];
	return 0xffff;
}
