/* The `info pci`-style topology listing (read back from config space, so it shows what the
 * guest will find), the ACPI dump files and the device tree of a machine. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <vdm/fdt.h>
#include <vdm/pci.h>

#include "machine_int.h"

static const char *kind_name(const struct vdm_region_decl *b)
{
	switch (b->kind) {
	case VDM_REGION_IO:
		return "io";
	case VDM_REGION_MEM32:
		return b->flags & VDM_REGION_PREFETCHABLE ? "mem32-pref" : "mem32";
	case VDM_REGION_MEM64:
		return b->flags & VDM_REGION_PREFETCHABLE ? "mem64-pref" : "mem64";
	default:
		return "none";
	}
}

static void print_window(FILE *out, const char *loc, const char *name, uint64_t base,
			 uint64_t last, bool enabled)
{
	if (base > last)
		fprintf(out, "pci %s window %-4s closed\n", loc, name);
	else
		fprintf(out, "pci %s window %-4s [0x%" PRIx64 "-0x%" PRIx64 "] size 0x%" PRIx64 "%s\n",
			loc, name, base, last, last - base + 1, enabled ? "" : " (decode off)");
}

static void print_fn(struct vdm_machine *m, const struct machine_dev *d, FILE *out)
{
	struct vdm_pci_host *h = m->pci;
	uint32_t id = vdm_pci_host_fn_read(h, d->fn, VDM_PCI_VENDOR_ID, 4);
	uint32_t cls = vdm_pci_host_fn_read(h, d->fn, VDM_PCI_REVISION_ID, 4) >> 8;
	uint16_t cmd = (uint16_t)vdm_pci_host_fn_read(h, d->fn, VDM_PCI_COMMAND, 2);
	int bus = vdm_pci_host_fn_bus(h, d->fn);
	unsigned r, nbars = d->dev->res.bus_kind == VDM_BUS_PCI_BRIDGE ? 2 : VDM_MAX_REGIONS;
	char loc[16];

	snprintf(loc, sizeof(loc), "%02x:%02x.%u", bus < 0 ? 0xff : bus, d->devfn >> 3, d->devfn & 7);
	fprintf(out, "pci %s %04x:%04x class %06x %s id=%s parent=%s cmd=0x%04x\n", loc,
		id & 0xffff, id >> 16, cls, d->dev->type->name, d->id,
		d->parent >= 0 ? m->devs[d->parent].id : "pcie.0", cmd);
	for (r = 0; r < nbars; r++) {
		const struct vdm_region_decl *b = &d->dev->res.regions[r];
		uint64_t a;
		bool on;

		if (b->kind == VDM_REGION_NONE || !b->size)
			continue;
		a = vdm_pci_host_bar_addr(h, d->fn, r);
		on = cmd & (b->kind == VDM_REGION_IO ? VDM_PCI_COMMAND_IO : VDM_PCI_COMMAND_MEMORY);
		if (a)
			fprintf(out, "pci %s BAR%u %-10s [0x%" PRIx64 "-0x%" PRIx64 "] size 0x%" PRIx64
				"%s\n", loc, r, kind_name(b), a, a + b->size - 1, b->size,
				on ? "" : " (decode off)");
		else
			fprintf(out, "pci %s BAR%u %-10s unassigned size 0x%" PRIx64 "\n", loc, r,
				kind_name(b), b->size);
	}
	if (d->dev->res.bus_kind == VDM_BUS_PCI_BRIDGE) {
		struct vdm_pci_bridge_windows w;

		vdm_pci_host_bridge_windows(h, d->fn, &w);
		fprintf(out, "pci %s buses primary=%02x secondary=%02x subordinate=%02x\n", loc,
			w.primary, w.secondary, w.subordinate);
		print_window(out, loc, "io", w.io_base, w.io_last, w.command & VDM_PCI_COMMAND_IO);
		print_window(out, loc, "mem", w.mem_base, w.mem_last,
			     w.command & VDM_PCI_COMMAND_MEMORY);
		print_window(out, loc, "pref", w.pref_base, w.pref_last,
			     w.command & VDM_PCI_COMMAND_MEMORY);
	}
}

static void print_range(FILE *out, const char *what, struct vdm_range r)
{
	if (r.size)
		fprintf(out, "machine %-9s [0x%" PRIx64 "-0x%" PRIx64 "] size 0x%" PRIx64 "\n", what,
			r.base, r.base + r.size - 1, r.size);
	else
		fprintf(out, "machine %-9s none\n", what);
}

void vdm_machine_print_topology(struct vdm_machine *m, FILE *out)
{
	const struct vdm_mach_desc *d = &m->desc;
	unsigned i, pass;

	for (i = 0; i < d->num_ram; i++)
		print_range(out, "ram", d->ram[i]);
	for (i = 0; i < d->num_reserved; i++)
		print_range(out, "reserved", d->reserved[i]);
	print_range(out, "ecam", d->ecam);
	print_range(out, "pci-io", d->pci_io);
	print_range(out, "pci-mem32", d->pci_mem32);
	print_range(out, "pci-mem64", d->pci_mem64);
	fprintf(out, "machine buses     %02x-%02x segment %u\n", d->bus_start, d->bus_end, d->segment);
	fprintf(out, "machine cpus      %u phys-bits %u\n", d->num_cpus, m->cfg.phys_bits);
	/* Root bus in devfn order, each root port followed by what sits behind it. */
	for (pass = 0; pass < 256; pass++) {
		for (i = 0; i < m->ndevs; i++) {
			const struct machine_dev *dv = &m->devs[i];
			unsigned j;

			if (dv->fn < 0 || dv->parent >= 0 || dv->devfn != pass)
				continue;
			print_fn(m, dv, out);
			for (j = 0; j < m->ndevs; j++)
				if (m->devs[j].parent == (int)i && m->devs[j].fn >= 0)
					print_fn(m, &m->devs[j], out);
		}
	}
	for (i = 0; i < m->ndevs; i++) {
		const struct machine_dev *dv = &m->devs[i];
		unsigned r;

		if (dv->fn >= 0 || !dv->dev)
			continue;
		for (r = 0; r < VDM_MAX_REGIONS; r++) {
			const struct vdm_region_decl *b = &dv->dev->res.regions[r];

			if (b->kind == VDM_REGION_NONE || !b->size)
				continue;
			fprintf(out, "platform %s id=%s region%u %s [0x%" PRIx64 "-0x%" PRIx64 "]\n",
				dv->dev->type->name, dv->id, r, kind_name(b), dv->region_base[r],
				dv->region_base[r] + b->size - 1);
		}
		if (dv->dev->res.num_irqs)
			fprintf(out, "platform %s id=%s gsi %u\n", dv->dev->type->name, dv->id,
				d->ged_gsi);
	}
	fprintf(out, "machine hotplug   acpi=%s dsm5=%u\n", d->acpi_pci_hotplug ? "on" : "off",
		vdm_mach_dsm5_value(d));
}

int vdm_machine_dump_acpi(const struct vdm_machine *m, const char *dir, char *err,
			  size_t err_len)
{
	char why[512];
	int rc;

	if (!m->acpi || !m->acpi_layout)
		return vdm__mfail(err, err_len, -ENOENT, "--dump-acpi: no ACPI tables were built");
	rc = vdm_acpi_dump(m->acpi_layout, m->acpi, dir, why, sizeof(why));
	if (rc)
		return vdm__mfail(err, err_len, rc, "--dump-acpi %s: %s", dir, why);
	return 0;
}

int vdm_machine_fdt(const struct vdm_machine *m, const struct vdm_fdt_boot *boot, void *buf,
		    size_t size, char *err, size_t err_len)
{
	return vdm_fdt_build(&m->desc, boot, buf, size, err, err_len);
}
