/* Internal interface between the machine-assembly files (machine.c: device set;
 * machine_fw.c: placement, programming, GED, tables; machine_print.c: listings, dumps). */
#ifndef VMM_MACHINE_INT_H
#define VMM_MACHINE_INT_H

#include <stddef.h>

#include "machine.h"

/* Format err and return rc. */
int mfail(char *err, size_t len, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Append an entry for a device of type `t` (spec NULL = implicit); NULL when full. */
struct machine_dev *machine_new_dev(struct machine *m, const struct vdm_device_type *t,
				   const char *spec);
/* Create the device of entry `d` (PCI: reserve a host slot; root ports: slot/chassis props
 * filled in; platform: the machine's callbacks).  0 or -errno with err. */
int machine_create_dev(struct machine *m, struct machine_dev *d, char *err, size_t len);
/* Create platform device `d` with the machine's callbacks (irq, log, eject). */
int machine_create_platform(struct machine *m, struct machine_dev *d, char *err, size_t len);
/* Place every BAR, window and bus number, and program them into config space. */
int machine_place(struct machine *m, char *err, size_t len);
/* Create the GED (if not given) with one selector per root port, and place its regions. */
int machine_add_ged(struct machine *m, char *err, size_t len);
/* Build the ACPI tables (for ARCH_ACPI_BASE) and the FDT (with `bootargs`, may be NULL). */
int machine_tables(struct machine *m, const char *bootargs, char *err, size_t len);
/* Free what machine_fw.c allocated. */
void machine_fw_free(struct machine *m);

#endif /* VMM_MACHINE_INT_H */
