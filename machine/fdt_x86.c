/* The x86_64 machine's device tree root: chosen, memory, cpus, the IOAPIC and local APIC (the
 * intel,ce4100 bindings), COM1, the ECAM host bridge and the GED (vdm/fdt.h shows the tree). */
#include <stdio.h>

#include "fdt_int.h"

static int add_cpus(struct fdt_ctx *c, const struct vdm_mach_desc *m)
{
	void *fdt = c->fdt;

	FDT_CHECK(c, fdt_begin_node(fdt, "cpus"));
	FDT_CHECK(c, fdt_property_u32(fdt, "#address-cells", 1));
	FDT_CHECK(c, fdt_property_u32(fdt, "#size-cells", 0));
	for (uint32_t i = 0; i < m->num_cpus; i++) {
		char name[24];

		snprintf(name, sizeof(name), "cpu@%x", i);
		FDT_CHECK(c, fdt_begin_node(fdt, name));
		FDT_CHECK(c, fdt_property_string(fdt, "device_type", "cpu"));
		FDT_CHECK(c, fdt_property_u32(fdt, "reg", i));
		FDT_CHECK(c, fdt_end_node(fdt));
	}
	FDT_CHECK(c, fdt_end_node(fdt));
	return 0;
}

static int add_apics(struct fdt_ctx *c, const struct vdm_mach_desc *m)
{
	const struct vdm_range io = { m->ioapic_base, 0x1000 };
	const struct vdm_range lapic = { m->lapic_base, 0x1000 };
	void *fdt = c->fdt;
	char name[48];
	int ret;

	snprintf(name, sizeof(name), "interrupt-controller@%llx",
		 (unsigned long long)m->ioapic_base);
	FDT_CHECK(c, fdt_begin_node(fdt, name));
	FDT_CHECK(c, fdt_property_string(fdt, "compatible", "intel,ce4100-ioapic"));
	FDT_CHECK(c, fdt_property(fdt, "interrupt-controller", NULL, 0));
	FDT_CHECK(c, fdt_property_u32(fdt, "#interrupt-cells", 2));
	FDT_CHECK(c, fdt_property_u32(fdt, "#address-cells", 0));
	ret = vdm__fdt_reg_prop(c, "reg", &io, 1);
	if (ret)
		return ret;
	FDT_CHECK(c, fdt_property_u32(fdt, "phandle", VDM_FDT_IOAPIC_PHANDLE));
	FDT_CHECK(c, fdt_end_node(fdt));

	snprintf(name, sizeof(name), "local-apic@%llx", (unsigned long long)m->lapic_base);
	FDT_CHECK(c, fdt_begin_node(fdt, name));
	FDT_CHECK(c, fdt_property_string(fdt, "compatible", "intel,ce4100-lapic"));
	ret = vdm__fdt_reg_prop(c, "reg", &lapic, 1);
	if (ret)
		return ret;
	FDT_CHECK(c, fdt_end_node(fdt));
	return 0;
}

static int add_serial(struct fdt_ctx *c, const struct vdm_mach_desc *m)
{
	const struct vdm_range port = { m->serial_port, 8 };
	const fdt32_t irq[2] = { cpu_to_fdt32(m->serial_gsi),
				 cpu_to_fdt32(VDM_FDT_IRQ_EDGE_RISING) };
	void *fdt = c->fdt;
	char name[32];
	int ret;

	snprintf(name, sizeof(name), "serial@%x", m->serial_port);
	FDT_CHECK(c, fdt_begin_node(fdt, name));
	FDT_CHECK(c, fdt_property_string(fdt, "compatible", "ns16550a"));
	ret = vdm__fdt_reg_prop(c, "reg", &port, 1);
	if (ret)
		return ret;
	FDT_CHECK(c, fdt_property(fdt, "interrupts", irq, sizeof(irq)));
	FDT_CHECK(c, fdt_property_u32(fdt, "clock-frequency", 1843200));
	FDT_CHECK(c, fdt_end_node(fdt));
	return 0;
}

int vdm__fdt_x86(struct fdt_ctx *c, const struct vdm_mach_desc *m,
		 const struct vdm_fdt_boot *boot)
{
	const fdt32_t ged_irq[2] = { cpu_to_fdt32(m->ged_gsi),
				     cpu_to_fdt32(VDM_FDT_IRQ_EDGE_RISING) };
	void *fdt = c->fdt;
	int ret;

	FDT_CHECK(c, fdt_property_string(fdt, "compatible", "vdm,x86-virt"));
	FDT_CHECK(c, fdt_property_string(fdt, "model", "vdm x86_64 virtual machine"));
	FDT_CHECK(c, fdt_property_u32(fdt, "#address-cells", 2));
	FDT_CHECK(c, fdt_property_u32(fdt, "#size-cells", 2));
	FDT_CHECK(c, fdt_property_u32(fdt, "interrupt-parent", VDM_FDT_IOAPIC_PHANDLE));
	ret = vdm__fdt_chosen(c, boot, "/serial@3f8", false); /* x86 Linux keeps it anyway */
	if (!ret)
		ret = vdm__fdt_memory(c, m);
	if (!ret)
		ret = add_cpus(c, m);
	if (!ret)
		ret = add_apics(c, m);
	if (!ret)
		ret = add_serial(c, m);
	if (!ret)
		ret = vdm__fdt_pci(c, m, NULL);
	if (!ret)
		ret = vdm__fdt_ged(c, m, ged_irq, sizeof(ged_irq));
	return ret;
}
