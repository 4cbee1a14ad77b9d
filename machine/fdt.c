/* Device tree of the placed machine, written with libfdt's sequential-write API into the
 * caller's buffer; every libfdt call goes through FDT_CHECK, which names the failed call. */
#include <vdm/fdt.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#define MIB (UINT64_C(1) << 20)

/* PCI address space codes for phys.hi of a "ranges" entry (IEEE 1275 PCI binding). */
#define PCI_SS_IO 0x01000000u
#define PCI_SS_MEM32 0x02000000u
#define PCI_SS_MEM64 0x03000000u
#define PCI_PREFETCHABLE 0x40000000u

struct fdt_ctx {
	void *fdt;
	char *err;
	size_t err_len;
};

/* Record the first failure (the expression as written, libfdt's reason); return `code`. */
static int fdt_failed(struct fdt_ctx *c, const char *expr, int code)
{
	if (c->err && c->err_len && !c->err[0])
		snprintf(c->err, c->err_len, "%s: %s", expr, fdt_strerror(code));
	return code;
}

/*
 * kvmtool's _FDT(), made non-fatal: evaluate a libfdt call and, if it failed, record the
 * call's text and return its (negative libfdt) error from the enclosing function.
 */
#define FDT_CHECK(c, exp)                                                                      \
	do {                                                                                   \
		int fdt_ret_ = (exp);                                                          \
		if (fdt_ret_ < 0)                                                              \
			return fdt_failed((c), #exp, fdt_ret_);                                \
	} while (0)

/* Cells for a 64-bit value. */
static void put64(fdt32_t *cells, uint64_t v)
{
	cells[0] = cpu_to_fdt32((uint32_t)(v >> 32));
	cells[1] = cpu_to_fdt32((uint32_t)v);
}

/* Property of <addr size> pairs, 2 + 2 cells each. */
static int reg_prop(struct fdt_ctx *c, const char *name, const struct vdm_range *r, int n)
{
	void *fdt = c->fdt;
	fdt32_t reg[4 * VDM_MACH_MAX_RESERVED];

	for (int i = 0; i < n; i++) {
		put64(&reg[4 * i], r[i].base);
		put64(&reg[4 * i + 2], r[i].size);
	}
	FDT_CHECK(c, fdt_property(fdt, name, reg, n * 16));
	return 0;
}

static int add_chosen(struct fdt_ctx *c, const struct vdm_fdt_boot *boot)
{
	void *fdt = c->fdt;

	FDT_CHECK(c, fdt_begin_node(fdt, "chosen"));
	if (boot && boot->bootargs)
		FDT_CHECK(c, fdt_property_string(fdt, "bootargs", boot->bootargs));
	if (boot && boot->initrd_end > boot->initrd_start) {
		FDT_CHECK(c, fdt_property_u64(fdt, "linux,initrd-start", boot->initrd_start));
		FDT_CHECK(c, fdt_property_u64(fdt, "linux,initrd-end", boot->initrd_end));
	}
	FDT_CHECK(c, fdt_property_string(fdt, "stdout-path", "/serial@3f8"));
	FDT_CHECK(c, fdt_end_node(fdt));
	return 0;
}

static int add_memory(struct fdt_ctx *c, const struct vdm_mach_desc *m)
{
	void *fdt = c->fdt;
	char name[32];
	int ret;

	snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)m->ram[0].base);
	FDT_CHECK(c, fdt_begin_node(fdt, name));
	FDT_CHECK(c, fdt_property_string(fdt, "device_type", "memory"));
	ret = reg_prop(c, "reg", m->ram, (int)m->num_ram);
	if (ret)
		return ret;
	FDT_CHECK(c, fdt_end_node(fdt));
	return 0;
}

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
	ret = reg_prop(c, "reg", &io, 1);
	if (ret)
		return ret;
	FDT_CHECK(c, fdt_property_u32(fdt, "phandle", VDM_FDT_IOAPIC_PHANDLE));
	FDT_CHECK(c, fdt_end_node(fdt));

	snprintf(name, sizeof(name), "local-apic@%llx", (unsigned long long)m->lapic_base);
	FDT_CHECK(c, fdt_begin_node(fdt, name));
	FDT_CHECK(c, fdt_property_string(fdt, "compatible", "intel,ce4100-lapic"));
	ret = reg_prop(c, "reg", &lapic, 1);
	if (ret)
		return ret;
	FDT_CHECK(c, fdt_end_node(fdt));
	return 0;
}

static int add_irq(struct fdt_ctx *c, uint32_t gsi)
{
	void *fdt = c->fdt;
	fdt32_t irq[2] = { cpu_to_fdt32(gsi), cpu_to_fdt32(VDM_FDT_IRQ_EDGE_RISING) };

	FDT_CHECK(c, fdt_property(fdt, "interrupts", irq, sizeof(irq)));
	return 0;
}

static int add_serial(struct fdt_ctx *c, const struct vdm_mach_desc *m)
{
	const struct vdm_range port = { m->serial_port, 8 };
	void *fdt = c->fdt;
	char name[32];
	int ret;

	snprintf(name, sizeof(name), "serial@%x", m->serial_port);
	FDT_CHECK(c, fdt_begin_node(fdt, name));
	FDT_CHECK(c, fdt_property_string(fdt, "compatible", "ns16550a"));
	ret = reg_prop(c, "reg", &port, 1);
	if (!ret)
		ret = add_irq(c, m->serial_gsi);
	if (ret)
		return ret;
	FDT_CHECK(c, fdt_property_u32(fdt, "clock-frequency", 1843200));
	FDT_CHECK(c, fdt_end_node(fdt));
	return 0;
}

/* One "ranges" entry: phys.hi, then PCI address = CPU address (identity), then size. */
static void pci_range(fdt32_t *e, uint32_t hi, struct vdm_range r)
{
	e[0] = cpu_to_fdt32(hi);
	put64(&e[1], r.base);
	put64(&e[3], r.base);
	put64(&e[5], r.size);
}

static int add_pci(struct fdt_ctx *c, const struct vdm_mach_desc *m)
{
	const uint32_t buses = (uint32_t)m->bus_end - m->bus_start + 1;
	const struct vdm_range ecam = { m->ecam.base, (uint64_t)buses * MIB };
	fdt32_t ranges[3 * 7], bus_range[2] = { cpu_to_fdt32(m->bus_start),
						cpu_to_fdt32(m->bus_end) };
	void *fdt = c->fdt;
	char name[32];
	int n = 0, ret;

	if (m->pci_io.size)
		pci_range(&ranges[7 * n++], PCI_SS_IO, m->pci_io);
	if (m->pci_mem32.size)
		pci_range(&ranges[7 * n++], PCI_SS_MEM32, m->pci_mem32);
	if (m->pci_mem64.size)
		pci_range(&ranges[7 * n++], PCI_SS_MEM64 | PCI_PREFETCHABLE, m->pci_mem64);

	snprintf(name, sizeof(name), "pci@%llx", (unsigned long long)ecam.base);
	FDT_CHECK(c, fdt_begin_node(fdt, name));
	FDT_CHECK(c, fdt_property_string(fdt, "compatible", "pci-host-ecam-generic"));
	FDT_CHECK(c, fdt_property_string(fdt, "device_type", "pci"));
	FDT_CHECK(c, fdt_property_u32(fdt, "#address-cells", 3));
	FDT_CHECK(c, fdt_property_u32(fdt, "#size-cells", 2));
	FDT_CHECK(c, fdt_property_u32(fdt, "linux,pci-domain", m->segment));
	FDT_CHECK(c, fdt_property(fdt, "bus-range", bus_range, sizeof(bus_range)));
	ret = reg_prop(c, "reg", &ecam, 1);
	if (ret)
		return ret;
	FDT_CHECK(c, fdt_property(fdt, "ranges", ranges, n * 7 * (int)sizeof(fdt32_t)));
	FDT_CHECK(c, fdt_property(fdt, "dma-coherent", NULL, 0));
	FDT_CHECK(c, fdt_end_node(fdt));
	return 0;
}

static int add_ged(struct fdt_ctx *c, const struct vdm_mach_desc *m)
{
	const struct vdm_range regs[2] = { { m->ged_base, 4 }, { m->pcihp_base, m->pcihp_size } };
	static const char names[] = "event-selector\0pci-hotplug";
	void *fdt = c->fdt;
	char name[32];
	int ret;

	snprintf(name, sizeof(name), "ged@%llx", (unsigned long long)m->ged_base);
	FDT_CHECK(c, fdt_begin_node(fdt, name));
	FDT_CHECK(c, fdt_property_string(fdt, "compatible", "vdm,ged-pcihp"));
	ret = reg_prop(c, "reg", regs, 2);
	if (!ret)
		ret = add_irq(c, m->ged_gsi);
	if (ret)
		return ret;
	FDT_CHECK(c, fdt_property(fdt, "reg-names", names, sizeof(names)));
	FDT_CHECK(c, fdt_end_node(fdt));
	return 0;
}

/* /memreserve/ for reserved ranges that are inside RAM (the ECAM is not). */
static int add_reservations(struct fdt_ctx *c, const struct vdm_mach_desc *m)
{
	void *fdt = c->fdt;

	for (uint32_t i = 0; i < m->num_reserved; i++) {
		struct vdm_range r = m->reserved[i];
		bool in_ram = false;

		for (uint32_t k = 0; k < m->num_ram; k++)
			in_ram |= r.size && r.base < vdm_range_end(m->ram[k]) &&
				  m->ram[k].base < vdm_range_end(r);
		if (in_ram)
			FDT_CHECK(c, fdt_add_reservemap_entry(fdt, r.base, r.size));
	}
	return 0;
}

static int build(struct fdt_ctx *c, const struct vdm_mach_desc *m,
		 const struct vdm_fdt_boot *boot, int size)
{
	void *fdt = c->fdt;
	int ret;

	FDT_CHECK(c, fdt_create(fdt, size));
	ret = add_reservations(c, m);
	if (ret)
		return ret;
	FDT_CHECK(c, fdt_finish_reservemap(fdt));
	FDT_CHECK(c, fdt_begin_node(fdt, ""));
	FDT_CHECK(c, fdt_property_string(fdt, "compatible", "vdm,x86-virt"));
	FDT_CHECK(c, fdt_property_string(fdt, "model", "vdm x86_64 virtual machine"));
	FDT_CHECK(c, fdt_property_u32(fdt, "#address-cells", 2));
	FDT_CHECK(c, fdt_property_u32(fdt, "#size-cells", 2));
	FDT_CHECK(c, fdt_property_u32(fdt, "interrupt-parent", VDM_FDT_IOAPIC_PHANDLE));
	ret = add_chosen(c, boot);
	if (!ret)
		ret = add_memory(c, m);
	if (!ret)
		ret = add_cpus(c, m);
	if (!ret)
		ret = add_apics(c, m);
	if (!ret)
		ret = add_serial(c, m);
	if (!ret)
		ret = add_pci(c, m);
	if (!ret)
		ret = add_ged(c, m);
	if (ret)
		return ret;
	FDT_CHECK(c, fdt_end_node(fdt));
	FDT_CHECK(c, fdt_finish(fdt));
	return 0;
}

int vdm_fdt_build(const struct vdm_mach_desc *m, const struct vdm_fdt_boot *boot, void *buf,
		  size_t size, char *err, size_t err_len)
{
	struct fdt_ctx c = { .fdt = buf, .err = err, .err_len = err_len };
	uint32_t buses = (uint32_t)m->bus_end - m->bus_start + 1;
	int ret;

	if (err && err_len)
		err[0] = '\0';
	if (!m->num_ram || m->num_ram > VDM_MACH_MAX_RAM ||
	    m->num_reserved > VDM_MACH_MAX_RESERVED || !m->num_cpus || m->num_cpus > 256 ||
	    m->bus_end < m->bus_start || m->ecam.size < (uint64_t)buses * MIB) {
		if (err && err_len)
			snprintf(err, err_len,
				 "machine cannot be described: %u RAM ranges, %u reserved, %u CPUs, "
				 "buses %u..%u with %llu MiB of ECAM",
				 m->num_ram, m->num_reserved, m->num_cpus, m->bus_start, m->bus_end,
				 (unsigned long long)(m->ecam.size / MIB));
		return -EINVAL;
	}
	if (size > INT32_MAX)
		size = INT32_MAX;
	ret = build(&c, m, boot, (int)size);
	if (ret == -FDT_ERR_NOSPACE)
		return -ENOSPC;
	return ret ? -EINVAL : 0;
}
