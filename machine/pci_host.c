/* PCI host bridge: config routing by bus/dev/fn (root bus by devfn, buses behind bridges by
 * their current secondary numbers) and a sorted BAR routing cache rebuilt on header writes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pci_host_int.h"

#define PCI_COMMAND 0x04
#define PCI_HEADER_TYPE 0x0e
#define PCI_COMMAND_IO 0x1
#define PCI_COMMAND_MEM 0x2
#define PCI_BAR0 0x10
#define PCI_PRIMARY_BUS 0x18
#define PCI_IO_BASE 0x1c
#define PCI_MEM_BASE 0x20
#define PCI_PREF_BASE 0x24
#define PCI_PREF_BASE_UPPER 0x28
#define PCI_PREF_LIMIT_UPPER 0x2c
#define PCI_IO_BASE_UPPER 0x30
#define PCI_INTERRUPT_PIN 0x3d
#define PCI_HEADER_END 0x40 /* writes below this may change decoding */

static uint32_t ones32(uint32_t size)
{
	return size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

static uint32_t fn_cfg(struct pci_host_fn *f, uint32_t off, uint32_t size)
{
	uint32_t v = 0xffffffffu;

	pthread_mutex_lock(&f->lock);
	if (vdm_cfg_read(f->dev, off, size, &v) < 0)
		v = 0xffffffffu;
	pthread_mutex_unlock(&f->lock);
	return v & ones32(size);
}

static void fn_set_irq(void *opaque, uint32_t line, uint32_t level)
{
	struct pci_host_fn *f = opaque;
	struct vdm_pci_host *h = f->host;
	bool lvl = level != 0;

	if (line != 0)
		return;
	pthread_mutex_lock(&h->irq_lock);
	if (f->gsi && f->gsi - h->intx_base < h->intx_count && lvl != f->irq_level) {
		uint32_t *users = &h->gsi_users[f->gsi - h->intx_base];

		f->irq_level = lvl;
		*users = lvl ? *users + 1 : *users - 1;
		if (h->irq && ((lvl && *users == 1) || (!lvl && *users == 0)))
			h->irq(h->opaque, f->gsi, lvl);
	}
	pthread_mutex_unlock(&h->irq_lock);
}

static void fn_log(void *opaque, uint32_t level, const char *msg)
{
	struct pci_host_fn *f = opaque;
	struct vdm_pci_host *h = f->host;
	char who[64];
	int bus = f->bus;

	if (!h->log)
		return;
	snprintf(who, sizeof(who), "%02x:%02x.%u %s", bus < 0 ? 0xff : bus, f->devfn >> 3,
		 f->devfn & 7, f->dev && f->dev->type ? f->dev->type->name : "?");
	h->log(h->opaque, who, level, msg);
}

struct vdm_pci_host *vdm_pci_host_create(uint8_t root_bus, uint8_t bus_end, vdm_pci_host_irq_fn irq,
				 vdm_pci_host_log_fn log, void *opaque)
{
	struct vdm_pci_host *h = calloc(1, sizeof(*h));
	int i;

	if (!h)
		return NULL;
	pthread_rwlock_init(&h->lock, NULL);
	pthread_mutex_init(&h->irq_lock, NULL);
	h->root_bus = root_bus;
	h->bus_end = bus_end < root_bus ? root_bus : bus_end;
	h->irq = irq;
	h->intx_base = VDM_PCI_HOST_INTX_BASE;
	h->intx_count = VDM_PCI_HOST_INTX_COUNT;
	h->log = log;
	h->opaque = opaque;
	for (i = 0; i < VDM_PCI_HOST_MAX_FNS; i++) {
		pthread_mutex_init(&h->fns[i].lock, NULL);
		h->fns[i].host = h;
		h->fns[i].parent = -1;
		h->fns[i].bus = -1;
		h->fns[i].next_on_bus = -1;
	}
	memset(h->root_devfn, 0xff, sizeof(h->root_devfn));
	memset(h->bus_head, 0xff, sizeof(h->bus_head));
	return h;
}

void vdm_pci_host_destroy(struct vdm_pci_host *h)
{
	int i;

	if (!h)
		return;
	for (i = 0; i < VDM_PCI_HOST_MAX_FNS; i++)
		pthread_mutex_destroy(&h->fns[i].lock);
	pthread_mutex_destroy(&h->irq_lock);
	pthread_rwlock_destroy(&h->lock);
	free(h);
}

int vdm_pci_host_reserve(struct vdm_pci_host *h, struct vdm_host *out)
{
	int i, ret = -ENOSPC;

	pthread_rwlock_wrlock(&h->lock);
	for (i = 0; i < VDM_PCI_HOST_MAX_FNS; i++) {
		struct pci_host_fn *f = &h->fns[i];

		if (!f->dev && !f->reserved) {
			f->reserved = true;
			memset(out, 0, sizeof(*out));
			out->struct_size = sizeof(*out);
			out->abi_version = VDM_ABI_VERSION;
			out->opaque = f;
			out->set_irq = fn_set_irq;
			out->log = fn_log;
			ret = i;
			break;
		}
	}
	pthread_rwlock_unlock(&h->lock);
	return ret;
}

void vdm_pci_host_unreserve(struct vdm_pci_host *h, int fn)
{
	if (fn < 0 || fn >= VDM_PCI_HOST_MAX_FNS)
		return;
	pthread_rwlock_wrlock(&h->lock);
	if (!h->fns[fn].dev)
		h->fns[fn].reserved = false;
	pthread_rwlock_unlock(&h->lock);
}

/* --- decoding ---------------------------------------------------------------------- */

static uint64_t bar_addr(struct pci_host_fn *f, uint32_t r)
{
	const struct vdm_region_decl *d = &f->dev->res.regions[r];
	uint32_t lo = fn_cfg(f, PCI_BAR0 + 4 * r, 4);

	switch (d->kind) {
	case VDM_REGION_IO:
		return lo & ~UINT32_C(3);
	case VDM_REGION_MEM32:
		return lo & ~UINT32_C(0xf);
	case VDM_REGION_MEM64:
		if (r + 1 >= VDM_MAX_REGIONS)
			return 0;
		return (lo & ~UINT64_C(0xf)) | (uint64_t)fn_cfg(f, PCI_BAR0 + 4 * (r + 1), 4) << 32;
	default:
		return 0;
	}
}

static void read_windows(struct pci_host_fn *f, struct vdm_pci_bridge_windows *w)
{
	uint32_t buses = fn_cfg(f, PCI_PRIMARY_BUS, 4);
	uint32_t io = fn_cfg(f, PCI_IO_BASE, 2);
	uint32_t mem = fn_cfg(f, PCI_MEM_BASE, 4);
	uint32_t pref = fn_cfg(f, PCI_PREF_BASE, 4);
	uint64_t io_hi_b = 0, io_hi_l = 0, pf_hi_b = 0, pf_hi_l = 0;

	memset(w, 0, sizeof(*w));
	w->command = (uint16_t)fn_cfg(f, PCI_COMMAND, 2);
	w->primary = buses & 0xff;
	w->secondary = (buses >> 8) & 0xff;
	w->subordinate = (buses >> 16) & 0xff;
	if ((io & 0xf) == 1) {
		uint32_t up = fn_cfg(f, PCI_IO_BASE_UPPER, 4);

		io_hi_b = (uint64_t)(up & 0xffff) << 16;
		io_hi_l = (uint64_t)(up >> 16) << 16;
	}
	w->io_base = io_hi_b | ((uint64_t)(io & 0xf0) << 8);
	w->io_last = io_hi_l | ((uint64_t)(io & 0xf000)) | 0xfff;
	w->mem_base = (uint64_t)(mem & 0xfff0) << 16;
	w->mem_last = ((uint64_t)(mem >> 16 & 0xfff0) << 16) | 0xfffff;
	if ((pref & 0xf) == 1) {
		w->pref64 = true;
		pf_hi_b = (uint64_t)fn_cfg(f, PCI_PREF_BASE_UPPER, 4) << 32;
		pf_hi_l = (uint64_t)fn_cfg(f, PCI_PREF_LIMIT_UPPER, 4) << 32;
	}
	w->pref_base = pf_hi_b | ((uint64_t)(pref & 0xfff0) << 16);
	w->pref_last = pf_hi_l | ((uint64_t)(pref >> 16 & 0xfff0) << 16) | 0xfffff;
}

static bool inside(uint64_t base, uint64_t last, uint64_t wbase, uint64_t wlast)
{
	return wbase <= wlast && base >= wbase && last <= wlast;
}

static void add_route(struct pci_host_route *tab, uint32_t *n, uint64_t base, uint64_t last, int fn,
		      uint32_t r)
{
	if (*n >= VDM_PCI_HOST_MAX_ROUTES)
		return;
	tab[*n].base = base;
	tab[*n].last = last;
	tab[*n].fn = (uint16_t)fn;
	tab[*n].region = (uint8_t)r;
	(*n)++;
}

static void add_bars(struct vdm_pci_host *h, int i)
{
	struct pci_host_fn *f = &h->fns[i];
	struct vdm_pci_bridge_windows pw;
	uint32_t cmd = fn_cfg(f, PCI_COMMAND, 2);
	uint32_t r, nbars = f->bridge ? 2 : VDM_MAX_REGIONS;

	if (f->parent >= 0)
		read_windows(&h->fns[f->parent], &pw);
	for (r = 0; r < nbars; r++) {
		const struct vdm_region_decl *d = &f->dev->res.regions[r];
		uint64_t base, last;
		bool io = d->kind == VDM_REGION_IO;

		if (d->kind == VDM_REGION_NONE || d->size == 0)
			continue;
		base = bar_addr(f, r);
		if (base == 0 || base + (d->size - 1) < base)
			continue; /* unassigned, or being sized */
		last = base + (d->size - 1);
		if (!(cmd & (io ? PCI_COMMAND_IO : PCI_COMMAND_MEM)))
			continue;
		if (f->parent >= 0) {
			if (!(pw.command & (io ? PCI_COMMAND_IO : PCI_COMMAND_MEM)))
				continue;
			if (io ? !inside(base, last, pw.io_base, pw.io_last)
			       : !inside(base, last, pw.mem_base, pw.mem_last) &&
					 !inside(base, last, pw.pref_base, pw.pref_last))
				continue;
		}
		if (io)
			add_route(h->io, &h->n_io, base, last, i, r);
		else
			add_route(h->mmio, &h->n_mmio, base, last, i, r);
	}
}

static int route_cmp(const void *a, const void *b)
{
	const struct pci_host_route *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

static void finish_routes(struct pci_host_route *tab, uint32_t n)
{
	uint64_t m = 0;
	uint32_t i;

	qsort(tab, n, sizeof(*tab), route_cmp);
	for (i = 0; i < n; i++) {
		if (tab[i].last > m)
			m = tab[i].last;
		tab[i].max_last = m;
	}
}

/* Caller holds the write lock. */
static void rebuild(struct vdm_pci_host *h)
{
	int i;

	memset(h->bus_head, 0xff, sizeof(h->bus_head));
	h->n_mmio = h->n_io = 0;
	for (i = 0; i < VDM_PCI_HOST_MAX_FNS; i++) {
		struct pci_host_fn *f = &h->fns[i];

		f->bus = -1;
		f->next_on_bus = -1;
		if (f->dev && f->parent < 0) {
			f->bus = h->root_bus;
			if (f->bridge) {
				uint32_t b = fn_cfg(f, PCI_PRIMARY_BUS, 4);

				f->sec = (b >> 8) & 0xff;
				f->sub = (b >> 16) & 0xff;
			}
		}
	}
	for (i = 0; i < VDM_PCI_HOST_MAX_FNS; i++) {
		struct pci_host_fn *f = &h->fns[i], *p;

		if (!f->dev || f->parent < 0)
			continue;
		p = &h->fns[f->parent];
		/* A bridge forwards type-0 cycles for its secondary bus only when the bus
		 * numbers make sense: above the root bus, inside the host's range. */
		if (p->bus < 0 || p->sec <= h->root_bus || p->sec > p->sub || p->sec > h->bus_end)
			continue;
		f->bus = p->sec;
		f->next_on_bus = h->bus_head[p->sec];
		h->bus_head[p->sec] = (int16_t)i;
	}
	for (i = 0; i < VDM_PCI_HOST_MAX_FNS; i++)
		if (h->fns[i].dev && h->fns[i].bus >= 0)
			add_bars(h, i);
	finish_routes(h->mmio, h->n_mmio);
	finish_routes(h->io, h->n_io);
	atomic_fetch_add(&h->rebuilds, 1);
}

void vdm_pci_host_refresh(struct vdm_pci_host *h)
{
	pthread_rwlock_wrlock(&h->lock);
	rebuild(h);
	pthread_rwlock_unlock(&h->lock);
}

/* --- attach / detach --------------------------------------------------------------- */

int vdm_pci_host_attach(struct vdm_pci_host *h, int fn, struct vdm_device *dev, int parent,
		    uint8_t devfn)
{
	struct pci_host_fn *f;
	uint32_t pin;
	int i, ret = 0;

	if (fn < 0 || fn >= VDM_PCI_HOST_MAX_FNS || !dev || parent >= VDM_PCI_HOST_MAX_FNS ||
	    (dev->res.bus_kind != VDM_BUS_PCI_ENDPOINT && dev->res.bus_kind != VDM_BUS_PCI_BRIDGE))
		return -EINVAL;
	pthread_rwlock_wrlock(&h->lock);
	f = &h->fns[fn];
	if (f->dev || !f->reserved || parent == fn ||
	    (parent >= 0 && (!h->fns[parent].dev || !h->fns[parent].bridge ||
			     h->fns[parent].parent >= 0))) {
		ret = -EINVAL;
		goto out;
	}
	if (parent < 0 && h->root_devfn[devfn] >= 0) {
		ret = -EBUSY;
		goto out;
	}
	for (i = 0; parent >= 0 && i < VDM_PCI_HOST_MAX_FNS; i++)
		if (h->fns[i].dev && h->fns[i].parent == parent && h->fns[i].devfn == devfn) {
			ret = -EBUSY;
			goto out;
		}
	f->dev = dev;
	f->reserved = false;
	f->parent = parent;
	f->devfn = devfn;
	f->bridge = dev->res.bus_kind == VDM_BUS_PCI_BRIDGE;
	f->irq_level = false;
	pin = fn_cfg(f, PCI_INTERRUPT_PIN, 1);
	f->gsi = 0;
	if (pin >= 1 && pin <= 4) {
		uint8_t slot = devfn >> 3;

		if (parent >= 0) {
			pin = ((pin - 1 + slot) % 4) + 1;
			slot = h->fns[parent].devfn >> 3;
		}
		f->gsi = vdm_pci_intx_route(h->intx_base, h->intx_count, slot, (uint8_t)pin);
	}
	if (parent < 0)
		h->root_devfn[devfn] = (int16_t)fn;
	rebuild(h);
out:
	pthread_rwlock_unlock(&h->lock);
	return ret;
}

struct vdm_device *vdm_pci_host_detach(struct vdm_pci_host *h, int fn)
{
	struct vdm_device *dev;
	struct pci_host_fn *f;

	if (fn < 0 || fn >= VDM_PCI_HOST_MAX_FNS)
		return NULL;
	f = &h->fns[fn];
	fn_set_irq(f, 0, 0);
	pthread_rwlock_wrlock(&h->lock);
	dev = f->dev;
	if (dev) {
		if (f->parent < 0 && h->root_devfn[f->devfn] == fn)
			h->root_devfn[f->devfn] = -1;
		f->dev = NULL;
		f->gsi = 0;
		f->parent = -1;
		rebuild(h);
	}
	pthread_rwlock_unlock(&h->lock);
	return dev;
}

/* --- config accesses --------------------------------------------------------------- */

/* Caller holds the lock (either mode). */
static int find_fn(struct vdm_pci_host *h, uint8_t bus, uint8_t devfn)
{
	int i;

	if (bus == h->root_bus)
		return h->root_devfn[devfn];
	for (i = h->bus_head[bus]; i >= 0; i = h->fns[i].next_on_bus)
		if (h->fns[i].devfn == devfn)
			return i;
	return -1;
}

/* Caller holds the lock.  True when functions other than 0 sit in devfn's slot: the slot is
 * then multifunction, which function 0's header type says (bit 7), or Linux scans function 0
 * only.  The host wires the slot, so it sets the bit whatever the device model says. */
static bool multifunction_slot(struct vdm_pci_host *h, uint8_t bus, uint8_t devfn)
{
	for (uint8_t fn = 1; fn < 8; fn++)
		if (find_fn(h, bus, (uint8_t)((devfn & ~7u) | fn)) >= 0)
			return true;
	return false;
}

void vdm_pci_host_cfg_read(struct vdm_pci_host *h, uint8_t bus, uint8_t devfn, uint32_t reg,
		       uint32_t size, uint32_t *value)
{
	int i;

	*value = ones32(size);
	if (reg >= 4096 || size == 0 || size > 4 || reg + size > 4096)
		return;
	pthread_rwlock_rdlock(&h->lock);
	i = find_fn(h, bus, devfn);
	if (i >= 0) {
		*value = fn_cfg(&h->fns[i], reg, size);
		if ((devfn & 7) == 0 && reg <= PCI_HEADER_TYPE && reg + size > PCI_HEADER_TYPE &&
		    multifunction_slot(h, bus, devfn))
			*value |= 0x80u << (8 * (PCI_HEADER_TYPE - reg));
	}
	pthread_rwlock_unlock(&h->lock);
}

void vdm_pci_host_cfg_write(struct vdm_pci_host *h, uint8_t bus, uint8_t devfn, uint32_t reg,
			uint32_t size, uint32_t value)
{
	bool header = reg < PCI_HEADER_END;
	int i;

	if (reg >= 4096 || size == 0 || size > 4 || reg + size > 4096)
		return;
	if (header)
		pthread_rwlock_wrlock(&h->lock);
	else
		pthread_rwlock_rdlock(&h->lock);
	i = find_fn(h, bus, devfn);
	if (i >= 0) {
		struct pci_host_fn *f = &h->fns[i];

		pthread_mutex_lock(&f->lock);
		vdm_cfg_write(f->dev, reg, size, value & ones32(size));
		pthread_mutex_unlock(&f->lock);
		if (header)
			rebuild(h);
	}
	pthread_rwlock_unlock(&h->lock);
}

/* --- BAR accesses ------------------------------------------------------------------ */

/* Caller holds the read lock. */
static const struct pci_host_route *route_find(const struct pci_host_route *tab, uint32_t n,
					  uint64_t addr, uint32_t size)
{
	uint32_t lo = 0, hi = n;
	uint64_t end = addr + size - 1;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (tab[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Walk back over overlapping entries (only a misprogrammed guest makes any). */
	while (lo > 0 && tab[lo - 1].max_last >= addr) {
		const struct pci_host_route *r = &tab[--lo];

		if (addr >= r->base && end <= r->last && end >= addr)
			return r;
	}
	return NULL;
}

static bool bar_access(struct vdm_pci_host *h, bool io, uint64_t addr, uint32_t size, bool write,
		       uint64_t *value)
{
	const struct pci_host_route *r;
	bool hit = false;

	if (!write)
		*value = pci_host_ones(size);
	pthread_rwlock_rdlock(&h->lock);
	r = io ? route_find(h->io, h->n_io, addr, size) : route_find(h->mmio, h->n_mmio, addr, size);
	if (r) {
		struct pci_host_fn *f = &h->fns[r->fn];
		uint64_t off = addr - r->base;

		pthread_mutex_lock(&f->lock);
		if (write) {
			vdm_bar_write(f->dev, r->region, off, size, *value);
		} else if (vdm_bar_read(f->dev, r->region, off, size, value) < 0) {
			*value = pci_host_ones(size);
		}
		pthread_mutex_unlock(&f->lock);
		*value &= pci_host_ones(size);
		hit = true;
	}
	pthread_rwlock_unlock(&h->lock);
	return hit;
}

bool vdm_pci_host_mmio_read(struct vdm_pci_host *h, uint64_t addr, uint32_t size, uint64_t *value)
{
	return bar_access(h, false, addr, size, false, value);
}

bool vdm_pci_host_mmio_write(struct vdm_pci_host *h, uint64_t addr, uint32_t size, uint64_t value)
{
	return bar_access(h, false, addr, size, true, &value);
}

bool vdm_pci_host_pio_read(struct vdm_pci_host *h, uint64_t port, uint32_t size, uint64_t *value)
{
	return bar_access(h, true, port, size, false, value);
}

bool vdm_pci_host_pio_write(struct vdm_pci_host *h, uint64_t port, uint32_t size, uint64_t value)
{
	return bar_access(h, true, port, size, true, &value);
}

/* --- bus glue ---------------------------------------------------------------------- */

void vdm_pci_host_ecam_read(void *opaque, uint64_t offset, uint32_t size, uint64_t *value)
{
	struct vdm_pci_host *h = opaque;
	uint64_t bus = h->root_bus + (offset >> 20);
	uint32_t v, v2;

	*value = pci_host_ones(size);
	if (bus > h->bus_end)
		return;
	if (size == 8) { /* split a quadword into two dwords of the same function */
		vdm_pci_host_cfg_read(h, (uint8_t)bus, (offset >> 12) & 0xff, offset & 0xfff, 4,
				      &v);
		vdm_pci_host_cfg_read(h, (uint8_t)bus, (offset >> 12) & 0xff, (offset & 0xfff) + 4,
				      4, &v2);
		*value = v | (uint64_t)v2 << 32;
		return;
	}
	vdm_pci_host_cfg_read(h, (uint8_t)bus, (offset >> 12) & 0xff, offset & 0xfff, size, &v);
	*value = v;
}

void vdm_pci_host_ecam_write(void *opaque, uint64_t offset, uint32_t size, uint64_t value)
{
	struct vdm_pci_host *h = opaque;
	uint64_t bus = h->root_bus + (offset >> 20);

	if (bus > h->bus_end)
		return;
	if (size == 8) {
		vdm_pci_host_cfg_write(h, (uint8_t)bus, (offset >> 12) & 0xff, offset & 0xfff, 4,
				   (uint32_t)value);
		vdm_pci_host_cfg_write(h, (uint8_t)bus, (offset >> 12) & 0xff, (offset & 0xfff) + 4,
				       4, (uint32_t)(value >> 32));
		return;
	}
	vdm_pci_host_cfg_write(h, (uint8_t)bus, (offset >> 12) & 0xff, offset & 0xfff, size,
			   (uint32_t)value);
}

void vdm_pci_host_cf8_read(void *opaque, uint64_t offset, uint32_t size, uint64_t *value)
{
	struct vdm_pci_host *h = opaque;

	*value = (offset == 0 && size == 4) ? atomic_load(&h->cf8) : pci_host_ones(size);
}

void vdm_pci_host_cf8_write(void *opaque, uint64_t offset, uint32_t size, uint64_t value)
{
	struct vdm_pci_host *h = opaque;

	/* Only a dword access at 0xCF8 is CONFIG_ADDRESS (PCI local bus spec 3.2.2.3.2). */
	if (offset == 0 && size == 4)
		atomic_store(&h->cf8, (uint32_t)value);
}

/* Decode CONFIG_ADDRESS; false when the enable bit is clear.  Bits 27:24 are the AMD
 * extended register number (config offsets 0x100..0xfff). */
static bool cf8_decode(uint32_t l, uint64_t offset, uint8_t *bus, uint8_t *devfn,
		       uint32_t *reg)
{
	if (!(l & 0x80000000u))
		return false;
	*bus = (l >> 16) & 0xff;
	*devfn = (l >> 8) & 0xff;
	*reg = ((l & 0xfc) | ((l >> 16) & 0xf00)) + (uint32_t)offset;
	return true;
}

void vdm_pci_host_cfc_read(void *opaque, uint64_t offset, uint32_t size, uint64_t *value)
{
	struct vdm_pci_host *h = opaque;
	uint8_t bus, devfn;
	uint32_t reg, v;

	*value = pci_host_ones(size);
	if (size > 4 || offset + size > 4 ||
	    !cf8_decode(atomic_load(&h->cf8), offset, &bus, &devfn, &reg))
		return;
	vdm_pci_host_cfg_read(h, bus, devfn, reg, size, &v);
	*value = v;
}

void vdm_pci_host_cfc_write(void *opaque, uint64_t offset, uint32_t size, uint64_t value)
{
	struct vdm_pci_host *h = opaque;
	uint8_t bus, devfn;
	uint32_t reg;

	if (size > 4 || offset + size > 4 ||
	    !cf8_decode(atomic_load(&h->cf8), offset, &bus, &devfn, &reg))
		return;
	vdm_pci_host_cfg_write(h, bus, devfn, reg, size, (uint32_t)value);
}

/* --- introspection ----------------------------------------------------------------- */

uint64_t vdm_pci_host_bar_addr(struct vdm_pci_host *h, int fn, uint32_t region)
{
	uint64_t a = 0;

	if (fn < 0 || fn >= VDM_PCI_HOST_MAX_FNS || region >= VDM_MAX_REGIONS)
		return 0;
	pthread_rwlock_rdlock(&h->lock);
	if (h->fns[fn].dev)
		a = bar_addr(&h->fns[fn], region);
	pthread_rwlock_unlock(&h->lock);
	return a;
}

void vdm_pci_host_bridge_windows(struct vdm_pci_host *h, int fn, struct vdm_pci_bridge_windows *w)
{
	memset(w, 0, sizeof(*w));
	if (fn < 0 || fn >= VDM_PCI_HOST_MAX_FNS)
		return;
	pthread_rwlock_rdlock(&h->lock);
	if (h->fns[fn].dev && h->fns[fn].bridge)
		read_windows(&h->fns[fn], w);
	pthread_rwlock_unlock(&h->lock);
}

uint32_t vdm_pci_host_fn_read(struct vdm_pci_host *h, int fn, uint32_t off, uint32_t size)
{
	uint32_t v = ones32(size);

	if (fn < 0 || fn >= VDM_PCI_HOST_MAX_FNS || size == 0 || size > 4 || off + size > 4096)
		return v;
	pthread_rwlock_rdlock(&h->lock);
	if (h->fns[fn].dev)
		v = fn_cfg(&h->fns[fn], off, size);
	pthread_rwlock_unlock(&h->lock);
	return v;
}

int vdm_pci_host_fn_bus(struct vdm_pci_host *h, int fn)
{
	int b = -1;

	if (fn < 0 || fn >= VDM_PCI_HOST_MAX_FNS)
		return -1;
	pthread_rwlock_rdlock(&h->lock);
	if (h->fns[fn].dev)
		b = h->fns[fn].bus;
	pthread_rwlock_unlock(&h->lock);
	return b;
}

void vdm_pci_host_fn_lock(struct vdm_pci_host *h, int fn)
{
	if (fn >= 0 && fn < VDM_PCI_HOST_MAX_FNS)
		pthread_mutex_lock(&h->fns[fn].lock);
}

void vdm_pci_host_fn_unlock(struct vdm_pci_host *h, int fn)
{
	if (fn >= 0 && fn < VDM_PCI_HOST_MAX_FNS)
		pthread_mutex_unlock(&h->fns[fn].lock);
}

int vdm_pci_host_set_intx(struct vdm_pci_host *h, uint32_t base, uint32_t count)
{
	if (!count || count > VDM_PCI_HOST_MAX_INTX || base == 0 || base + count < base)
		return -EINVAL;
	pthread_mutex_lock(&h->irq_lock);
	h->intx_base = base;
	h->intx_count = count;
	pthread_mutex_unlock(&h->irq_lock);
	return 0;
}
