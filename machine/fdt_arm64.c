/* The arm64 machine's device tree root: chosen, memory, cpus (PSCI), the arch timer, GICv3, the
 * PL011 with its APB clock, the ECAM host bridge with its INTx map and the GED (vdm/fdt.h). */
#include <errno.h>
#include <stdio.h>

#include <vdm/acpi_tables.h>

#include "fdt_int.h"

/* GIC interrupt specifiers (arm,gic-v3 binding): <type number flags> */
#define GIC_SPI 0u
#define GIC_PPI 1u
#define IRQ_TYPE_EDGE_RISING 1u
#define IRQ_TYPE_LEVEL_HIGH 4u
#define GIC_SPI_FIRST 32u
#define GIC_SPI_END 1020u
#define GIC_PPI_FIRST 16u

#define GICR_FRAME_SIZE UINT64_C(0x20000)
#define APB_PCLK_HZ 24000000u /* what the PL011's clock input says; the model has no baud */

int vdm__fdt_arm64_check(const struct vdm_mach_desc *m, char *err, size_t err_len)
{
	const char *why = NULL;
	unsigned v = 0;

	for (unsigned i = 0; i < 4 && !why; i++)
		if (m->timer_ppi[i] < GIC_PPI_FIRST || m->timer_ppi[i] >= GIC_SPI_FIRST)
			why = "a timer interrupt must be a PPI, INTID 16..31", v = m->timer_ppi[i];
	if (!why && (m->serial_gsi < GIC_SPI_FIRST || m->serial_gsi >= GIC_SPI_END))
		why = "serial_gsi must be an SPI, INTID 32..1019", v = m->serial_gsi;
	if (!why && (m->ged_gsi < GIC_SPI_FIRST || m->ged_gsi >= GIC_SPI_END))
		why = "ged_gsi must be an SPI, INTID 32..1019", v = m->ged_gsi;
	if (!why && m->intx_gsis &&
	    (m->intx_gsi_base < GIC_SPI_FIRST || m->intx_gsi_base + m->intx_gsis > GIC_SPI_END))
		why = "the INTx interrupts must be SPIs, INTID 32..1019", v = m->intx_gsi_base;
	if (!why && (!m->gicd.size || m->gicr.size < m->num_cpus * GICR_FRAME_SIZE))
		why = "the GICR range needs 128 KiB per CPU", v = m->num_cpus;
	if (!why && !m->uart_mmio.size)
		why = "the machine needs its PL011 (uart_mmio size 0)", v = 0;
	if (!why)
		return 0;
	if (err && err_len)
		snprintf(err, err_len, "arm64 device tree: %s (value %u)", why, v);
	return -EINVAL;
}

/* Three-cell GIC specifier of INTID `intid` (SPI or PPI). */
static void gic_irq(fdt32_t *cells, uint32_t intid, uint32_t flags)
{
	bool spi = intid >= GIC_SPI_FIRST;

	cells[0] = cpu_to_fdt32(spi ? GIC_SPI : GIC_PPI);
	cells[1] = cpu_to_fdt32(intid - (spi ? GIC_SPI_FIRST : GIC_PPI_FIRST));
	cells[2] = cpu_to_fdt32(flags);
}

/* cpu@<MPIDR>: reg is the MPIDR KVM gives vCPU n (vdm_arm64_mpidr), brought up by PSCI. */
static int add_cpus(struct fdt_ctx *c, const struct vdm_mach_desc *m)
{
	void *fdt = c->fdt;

	FDT_CHECK(c, fdt_begin_node(fdt, "cpus"));
	FDT_CHECK(c, fdt_property_u32(fdt, "#address-cells", 1));
	FDT_CHECK(c, fdt_property_u32(fdt, "#size-cells", 0));
	for (uint32_t i = 0; i < m->num_cpus; i++) {
		uint32_t mpidr = (uint32_t)vdm_arm64_mpidr(i);
		char name[24];

		snprintf(name, sizeof(name), "cpu@%x", mpidr);
		FDT_CHECK(c, fdt_begin_node(fdt, name));
		FDT_CHECK(c, fdt_property_string(fdt, "device_type", "cpu"));
		FDT_CHECK(c, fdt_property_string(fdt, "compatible", "arm,arm-v8"));
		FDT_CHECK(c, fdt_property_u32(fdt, "reg", mpidr));
		FDT_CHECK(c, fdt_property_string(fdt, "enable-method", "psci"));
		FDT_CHECK(c, fdt_end_node(fdt));
	}
	FDT_CHECK(c, fdt_end_node(fdt));
	return 0;
}

/* PSCI 1.0 (0.2 compatible: function IDs are the standard ones), called through HVC: KVM
 * answers it. */
static int add_psci(struct fdt_ctx *c)
{
	static const char compat[] = "arm,psci-1.0\0arm,psci-0.2";
	void *fdt = c->fdt;

	FDT_CHECK(c, fdt_begin_node(fdt, "psci"));
	FDT_CHECK(c, fdt_property(fdt, "compatible", compat, sizeof(compat)));
	FDT_CHECK(c, fdt_property_string(fdt, "method", "hvc"));
	FDT_CHECK(c, fdt_end_node(fdt));
	return 0;
}

/* The generic timer: secure, non-secure, virtual and hypervisor PPIs, level high (as the GTDT
 * says), always on (KVM keeps it running while a vCPU idles). */
static int add_timer(struct fdt_ctx *c, const struct vdm_mach_desc *m)
{
	fdt32_t irqs[4 * 3];
	void *fdt = c->fdt;

	for (unsigned i = 0; i < 4; i++)
		gic_irq(&irqs[3 * i], m->timer_ppi[i], IRQ_TYPE_LEVEL_HIGH);
	FDT_CHECK(c, fdt_begin_node(fdt, "timer"));
	FDT_CHECK(c, fdt_property_string(fdt, "compatible", "arm,armv8-timer"));
	FDT_CHECK(c, fdt_property(fdt, "interrupts", irqs, sizeof(irqs)));
	FDT_CHECK(c, fdt_property(fdt, "always-on", NULL, 0));
	FDT_CHECK(c, fdt_end_node(fdt));
	return 0;
}

/* GICv3: distributor and one contiguous redistributor region (KVM's vGIC). */
static int add_gic(struct fdt_ctx *c, const struct vdm_mach_desc *m)
{
	const struct vdm_range regs[2] = { m->gicd, m->gicr };
	void *fdt = c->fdt;
	char name[32];
	int ret;

	snprintf(name, sizeof(name), "intc@%llx", (unsigned long long)m->gicd.base);
	FDT_CHECK(c, fdt_begin_node(fdt, name));
	FDT_CHECK(c, fdt_property_string(fdt, "compatible", "arm,gic-v3"));
	FDT_CHECK(c, fdt_property(fdt, "interrupt-controller", NULL, 0));
	FDT_CHECK(c, fdt_property_u32(fdt, "#interrupt-cells", 3));
	FDT_CHECK(c, fdt_property_u32(fdt, "#address-cells", 0));
	ret = vdm__fdt_reg_prop(c, "reg", regs, 2);
	if (ret)
		return ret;
	FDT_CHECK(c, fdt_property_u32(fdt, "phandle", VDM_FDT_GIC_PHANDLE));
	FDT_CHECK(c, fdt_end_node(fdt));
	return 0;
}

/* The PL011's clocks: one fixed clock serves as UARTCLK and APB PCLK (Linux's AMBA bus needs
 * apb_pclk to read the PrimeCell ID registers, the PL011 driver the first clock). */
static int add_uart(struct fdt_ctx *c, const struct vdm_mach_desc *m)
{
	static const char compat[] = "arm,pl011\0arm,primecell";
	static const char clock_names[] = "uartclk\0apb_pclk";
	const fdt32_t clocks[2] = { cpu_to_fdt32(VDM_FDT_APB_PCLK_PHANDLE),
				    cpu_to_fdt32(VDM_FDT_APB_PCLK_PHANDLE) };
	fdt32_t irq[3];
	void *fdt = c->fdt;
	char name[32];
	int ret;

	FDT_CHECK(c, fdt_begin_node(fdt, "apb-pclk"));
	FDT_CHECK(c, fdt_property_string(fdt, "compatible", "fixed-clock"));
	FDT_CHECK(c, fdt_property_u32(fdt, "#clock-cells", 0));
	FDT_CHECK(c, fdt_property_u32(fdt, "clock-frequency", APB_PCLK_HZ));
	FDT_CHECK(c, fdt_property_string(fdt, "clock-output-names", "clk24mhz"));
	FDT_CHECK(c, fdt_property_u32(fdt, "phandle", VDM_FDT_APB_PCLK_PHANDLE));
	FDT_CHECK(c, fdt_end_node(fdt));

	gic_irq(irq, m->serial_gsi, IRQ_TYPE_LEVEL_HIGH);
	snprintf(name, sizeof(name), "serial@%llx", (unsigned long long)m->uart_mmio.base);
	FDT_CHECK(c, fdt_begin_node(fdt, name));
	FDT_CHECK(c, fdt_property(fdt, "compatible", compat, sizeof(compat)));
	ret = vdm__fdt_reg_prop(c, "reg", &m->uart_mmio, 1);
	if (ret)
		return ret;
	FDT_CHECK(c, fdt_property(fdt, "interrupts", irq, sizeof(irq)));
	FDT_CHECK(c, fdt_property(fdt, "clocks", clocks, sizeof(clocks)));
	FDT_CHECK(c, fdt_property(fdt, "clock-names", clock_names, sizeof(clock_names)));
	FDT_CHECK(c, fdt_end_node(fdt));
	return 0;
}

/*
 * INTx of the host bridge: interrupt-map entries <devfn << 8 (phys.hi), 0, 0, pin, &gic,
 * GIC_SPI, n, level high> for every root-bus slot and pin, n from vdm_pci_intx_route()'s rule
 * (the same as the DSDT's _PRT); the mask keeps the device number and the pin.  Devices
 * behind a root port are swizzled to its slot by Linux (of_irq_parse_pci).
 */
static int pci_intx(struct fdt_ctx *c, const struct vdm_mach_desc *m)
{
	enum { CELLS = 3 + 1 + 1 + 3 };
	fdt32_t map[32 * 4 * CELLS]; /* 4 KiB */
	const fdt32_t mask[4] = { cpu_to_fdt32(0xf800), 0, 0, cpu_to_fdt32(7) };
	void *fdt = c->fdt;
	fdt32_t *e = map;

	if (!m->intx_gsis)
		return 0;
	for (uint32_t slot = 0; slot < 32; slot++)
		for (uint32_t pin = 1; pin <= 4; pin++, e += CELLS) {
			e[0] = cpu_to_fdt32(slot << 11);
			e[1] = e[2] = 0;
			e[3] = cpu_to_fdt32(pin);
			e[4] = cpu_to_fdt32(VDM_FDT_GIC_PHANDLE);
			gic_irq(&e[5], m->intx_gsi_base + (slot + pin - 1) % m->intx_gsis,
				IRQ_TYPE_LEVEL_HIGH);
		}
	FDT_CHECK(c, fdt_property_u32(fdt, "#interrupt-cells", 1));
	FDT_CHECK(c, fdt_property(fdt, "interrupt-map-mask", mask, sizeof(mask)));
	FDT_CHECK(c, fdt_property(fdt, "interrupt-map", map, sizeof(map)));
	return 0;
}

int vdm__fdt_arm64(struct fdt_ctx *c, const struct vdm_mach_desc *m,
		   const struct vdm_fdt_boot *boot)
{
	fdt32_t ged_irq[3];
	char stdout_path[40];
	void *fdt = c->fdt;
	int ret;

	gic_irq(ged_irq, m->ged_gsi, IRQ_TYPE_EDGE_RISING);
	snprintf(stdout_path, sizeof(stdout_path), "/serial@%llx",
		 (unsigned long long)m->uart_mmio.base);
	FDT_CHECK(c, fdt_property_string(fdt, "compatible", "vdm,arm64-virt"));
	FDT_CHECK(c, fdt_property_string(fdt, "model", "vdm arm64 virtual machine"));
	FDT_CHECK(c, fdt_property_u32(fdt, "#address-cells", 2));
	FDT_CHECK(c, fdt_property_u32(fdt, "#size-cells", 2));
	FDT_CHECK(c, fdt_property_u32(fdt, "interrupt-parent", VDM_FDT_GIC_PHANDLE));
	/* The _DSM 5 policy in device-tree terms: arm64 Linux otherwise sizes every bridge window
	 * itself at boot and an empty hotplug port's window shrinks (pci_host_probe). */
	ret = vdm__fdt_chosen(c, boot, stdout_path, vdm_mach_dsm5_value(m) == 0);
	if (!ret)
		ret = vdm__fdt_memory(c, m);
	if (!ret)
		ret = add_cpus(c, m);
	if (!ret)
		ret = add_psci(c);
	if (!ret)
		ret = add_timer(c, m);
	if (!ret)
		ret = add_gic(c, m);
	if (!ret)
		ret = add_uart(c, m);
	if (!ret)
		ret = vdm__fdt_pci(c, m, pci_intx);
	if (!ret)
		ret = vdm__fdt_ged(c, m, ged_irq, sizeof(ged_irq));
	return ret;
}
