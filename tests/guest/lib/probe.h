/* Guest payload runtime: what the device payloads do first (start line, ACPI tables with
 * MCFG, FADT and PM timer, ECAM, the list of PCI functions), and finding a function by id. */
#ifndef PAYLOAD_PROBE_H
#define PAYLOAD_PROBE_H

#include <stdint.h>

#include "acpi.h"

#define PROBE_MAX_FUNCS 256

struct probe {
	struct acpi_info acpi;
	uint16_t pm_port; /* ACPI PM timer */
	uint32_t pm_mask; /* its width: 0xffffff, or 0xffffffff with FADT TMR_VAL_EXT */
	uint16_t bdfs[PROBE_MAX_FUNCS]; /* every function, depth first (pci_scan_tree) */
	unsigned nfuncs;
};

/* Print "PAYLOAD: start name=NAME rdi=.. rsi=..", load the ACPI tables from the boot RSDP,
 * check there are an MCFG, a FADT and a PM timer, map ECAM from the first MCFG entry and
 * list every function.  Returns 0, or -1 once a failed check has been printed. */
int probe_machine(struct probe *p, const char *name);

/* The first listed function whose dword 0 is `ids` (device << 16 | vendor), or 0xffff. */
uint16_t probe_find(const struct probe *p, uint32_t ids);

#endif /* PAYLOAD_PROBE_H */
