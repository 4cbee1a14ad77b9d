/* What the machine decodes while the guest runs: fixed ranges (the UART, PM port and timer, CF8/CFC,
 * PCI I/O window, ECAM, platform regions) through a sorted bus, then the BARs the guest programmed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <vdm/ged.h>

#include "arch.h"
#include "machine_int.h"

void vdm__machine_platform_read(void *opaque, uint64_t offset, uint32_t size, uint64_t *value)
{
	struct machine_region *r = opaque;
	struct machine_dev *d = r->d;

	atomic_fetch_add(&d->reads[r->region], 1);
	pthread_mutex_lock(&d->lock);
	if (vdm_bar_read(d->dev, r->region, offset, size, value) < 0)
		atomic_fetch_add(&d->m->bad_accesses, 1);
	pthread_mutex_unlock(&d->lock);
}

void vdm__machine_platform_write(void *opaque, uint64_t offset, uint32_t size, uint64_t value)
{
	struct machine_region *r = opaque;
	struct machine_dev *d = r->d;
	const struct vdm_machine_backend *b = &d->m->cfg.backend;

	pthread_mutex_lock(&d->lock);
	if (vdm_bar_write(d->dev, r->region, offset, size, value) < 0)
		atomic_fetch_add(&d->m->bad_accesses, 1);
	/* The guest's _EJ0 wrote the eject register: a sandboxed GED's eject travels back
	 * asynchronously; have it delivered inside this write, as an in-process GED does. */
	if (b->deliver && d->type == &vdm_ged_type && r->region == VDM_GED_REGION_PCIHP &&
	    offset == VDM_PCIHP_B0EJ)
		b->deliver(b->opaque, d->dev);
	pthread_mutex_unlock(&d->lock);
}

int vdm__machine_bus_add(struct bus *b, uint64_t base, uint64_t size,
			 const struct bus_handler *h, char *err, size_t len)
{
	int e = vdm__bus_add(b, base, size, h);

	if (e)
		return vdm__mfail(err, len, e, "%s at 0x%llx+0x%llx: %s", h->name,
				  (unsigned long long)base, (unsigned long long)size,
				  e == -EEXIST ? "overlaps another device" : strerror(-e));
	return 0;
}

/* The decoders every machine has (ECAM, the platform devices' regions), then the arch's. */
int vdm__machine_wire(struct vdm_machine *m, char *err, size_t len)
{
	const struct bus_handler ecam = { "pci-ecam", vdm_pci_host_ecam_read,
					  vdm_pci_host_ecam_write, m->pci };
	unsigned i, r;
	int e;

	e = vdm__machine_bus_add(&m->mmio, m->desc.ecam.base, m->desc.ecam.size, &ecam, err, len);
	if (e)
		return e;
	for (i = 0; i < m->ndevs; i++) {
		struct machine_dev *md = &m->devs[i];

		if (md->fn >= 0 || !md->dev)
			continue;
		for (r = 0; r < VDM_MAX_REGIONS; r++) {
			const struct vdm_region_decl *rd = &md->dev->res.regions[r];
			struct bus_handler h = { md->dev->type->name, vdm__machine_platform_read,
						 vdm__machine_platform_write, &md->rctx[r] };

			if (rd->kind == VDM_REGION_NONE || !rd->size)
				continue;
			e = vdm__machine_bus_add(rd->kind == VDM_REGION_IO ? &m->pio : &m->mmio,
						 md->region_base[r], rd->size, &h, err, len);
			if (e)
				return e;
		}
	}
	return m->arch->wire(m, err, len);
}

bool vdm_machine_mmio_read(struct vdm_machine *m, uint64_t addr, uint32_t size,
			   uint64_t *value)
{
	return vdm__bus_read(&m->mmio, addr, size, value) ||
	       vdm_pci_host_mmio_read(m->pci, addr, size, value);
}

bool vdm_machine_mmio_write(struct vdm_machine *m, uint64_t addr, uint32_t size,
			    uint64_t value)
{
	return vdm__bus_write(&m->mmio, addr, size, value) ||
	       vdm_pci_host_mmio_write(m->pci, addr, size, value);
}

bool vdm_machine_pio_read(struct vdm_machine *m, uint64_t port, uint32_t size, uint64_t *value)
{
	return vdm__bus_read(&m->pio, port, size, value) ||
	       vdm_pci_host_pio_read(m->pci, port, size, value);
}

bool vdm_machine_pio_write(struct vdm_machine *m, uint64_t port, uint32_t size, uint64_t value)
{
	return vdm__bus_write(&m->pio, port, size, value) ||
	       vdm_pci_host_pio_write(m->pci, port, size, value);
}

size_t vdm_machine_console_in(struct vdm_machine *m, const uint8_t *buf, size_t len)
{
	return m->arch->console_in(m, buf, len);
}

size_t vdm_machine_console_space(struct vdm_machine *m)
{
	return m->arch->console_space(m);
}
