/* Internal to the DSDT generator: the parts both machines share (dsdt.c: host bridge, root ports,
 * PCI hotplug, GED, power button) and each architecture's builder (dsdt_x86.c, dsdt_arm64.c). */
#ifndef VDM_MACHINE_DSDT_INT_H
#define VDM_MACHINE_DSDT_INT_H

#include <stddef.h>
#include <stdint.h>

#include <vdm/aml.h>
#include <vdm/machine_desc.h>

/* Format err (if err_len) and return -EINVAL. */
int vdm__dsdt_say(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Name (name, v) appended to parent. */
void vdm__dsdt_name_int(struct vdm_aml_ctx *c, struct vdm_aml *parent, const char *name,
			uint64_t v);

/* A consumer memory range: Memory32Fixed below 4 GiB, QWordMemory above. */
struct vdm_aml *vdm__dsdt_mem_consumer(struct vdm_aml_ctx *c, uint64_t base, uint64_t size);

/* Device (PCI0) with _HID PNP0A08, _CID PNP0A03, _SEG, _BBN and _UID; the architecture
 * appends what follows (_CCA, _CRS, _PRT), then vdm__dsdt_host_bridge_end() the rest:
 * _OSC, _DSM, the PCI hotplug register block and PCEJ, the root ports, PCNT. */
struct vdm_aml *vdm__dsdt_host_bridge_begin(struct vdm_aml_ctx *c, const struct vdm_mach_desc *m);
void vdm__dsdt_host_bridge_end(struct vdm_aml_ctx *c, struct vdm_aml *pci0,
			       const struct vdm_mach_desc *m);

/* Device (PHPR), PNP0C02 over the PCI hotplug register block (only with acpi_pci_hotplug). */
void vdm__dsdt_hotplug_resources(struct vdm_aml_ctx *c, struct vdm_aml *sb,
				 const struct vdm_mach_desc *m);
/* Device (GED), ACPI0013: its interrupt, the event selector and _EVT. */
struct vdm_aml *vdm__dsdt_ged(struct vdm_aml_ctx *c, const struct vdm_mach_desc *m);
/* Device (PWRB), PNP0C0C. */
struct vdm_aml *vdm__dsdt_power_button(struct vdm_aml_ctx *c);

/* Each architecture's DefinitionBlock body, appended to `top` (its own checks first:
 * 0 or -EINVAL with err). */
int vdm__dsdt_x86(struct vdm_aml_ctx *c, struct vdm_aml *top, const struct vdm_mach_desc *m,
		  char *err, size_t err_len);
int vdm__dsdt_arm64(struct vdm_aml_ctx *c, struct vdm_aml *top, const struct vdm_mach_desc *m,
		    char *err, size_t err_len);

#endif /* VDM_MACHINE_DSDT_INT_H */
