/* PCI placement of a topology on the machine: validation, bus numbers, window sizing,
 * aperture packing (vdm_place_pack.c), BARs inside windows, and the vdm_mach_desc result. */
#include "place_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vdm/layout.h>

#define FOUR_G (UINT64_C(1) << 32)
#define PCI_MIN_IO 0x1000u

static const char *const win_name[3] = { "I/O", "32-bit non-prefetchable",
					 "prefetchable" };

static const char *fn_id(const struct vdm_place_fn *f)
{
	return f->id ? f->id : "?";
}

enum vdm_place_win vdm_place_bar_window(const struct vdm_region_decl *bar)
{
	switch (bar->kind) {
	case VDM_REGION_IO:
		return VDM_PLACE_WIN_IO;
	case VDM_REGION_MEM64:
		if (bar->flags & VDM_REGION_PREFETCHABLE)
			return VDM_PLACE_WIN_PREF;
		return VDM_PLACE_WIN_MEM;
	case VDM_REGION_MEM32:
		return VDM_PLACE_WIN_MEM;
	default:
		return VDM_PLACE_WIN_NONE;
	}
}

const char *vdm__place_bar_kind(const struct vdm_region_decl *bar)
{
	bool pf = bar->flags & VDM_REGION_PREFETCHABLE;

	switch (bar->kind) {
	case VDM_REGION_IO:
		return "I/O";
	case VDM_REGION_MEM32:
		return pf ? "32-bit prefetchable memory" : "32-bit memory";
	case VDM_REGION_MEM64:
		return pf ? "64-bit prefetchable memory" : "64-bit memory";
	default:
		return "unused";
	}
}

static void say(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

int vdm_place_check_bars(const struct vdm_region_decl bars[VDM_MAX_REGIONS], uint32_t max_bars,
			 char *err, size_t err_len)
{
	char s[32];

	for (uint32_t i = 0; i < VDM_MAX_REGIONS; i++) {
		const struct vdm_region_decl *b = &bars[i];

		if (b->kind == VDM_REGION_NONE)
			continue;
		if (i >= max_bars) {
			say(err, err_len, "BAR%u: this function has only %u BARs", i, max_bars);
			return -EINVAL;
		}
		if (b->kind > VDM_REGION_MEM64) {
			say(err, err_len, "BAR%u: unknown region kind %u", i, b->kind);
			return -EINVAL;
		}
		if (!vdm_is_pow2(b->size)) {
			say(err, err_len, "BAR%u: size %s is not a power of two", i,
			    vdm_fmt_size(s, sizeof(s), b->size));
			return -EINVAL;
		}
		if (b->kind == VDM_REGION_IO && (b->size < 4 || b->size > 0x10000)) {
			say(err, err_len, "BAR%u: I/O size %s must be 4..64K", i,
			    vdm_fmt_size(s, sizeof(s), b->size));
			return -EINVAL;
		}
		if (b->kind != VDM_REGION_IO && b->size < 16) {
			say(err, err_len, "BAR%u: memory size %s is below the PCI minimum of 16", i,
			    vdm_fmt_size(s, sizeof(s), b->size));
			return -EINVAL;
		}
		if (b->kind == VDM_REGION_MEM32 && b->size > (UINT64_C(1) << 31)) {
			say(err, err_len, "BAR%u: 32-bit BAR of %s cannot fit below 4G", i,
			    vdm_fmt_size(s, sizeof(s), b->size));
			return -EINVAL;
		}
		if (b->kind == VDM_REGION_MEM64) {
			if (i + 1 >= max_bars || bars[i + 1].kind != VDM_REGION_NONE) {
				say(err, err_len,
				    "BAR%u: a 64-bit BAR needs BAR%u free for its upper half", i,
				    i + 1);
				return -EINVAL;
			}
			i++;
		}
	}
	return 0;
}

static uint64_t round_up(uint64_t v, uint64_t gran)
{
	uint64_t r;

	return vdm_align_up(v, gran, &r) ? r : UINT64_MAX & ~(gran - 1);
}

/* ---- validation ---- */

static int check_reserve(const struct vdm_place_port *p, struct vdm_place_msgs *msgs)
{
	const struct vdm_place_reserve *r = &p->reserve;
	const char *id = fn_id(&p->self);
	char s[32];

	if (r->bus != VDM_PLACE_UNSET && r->bus > 254) {
		vdm__place_err(msgs, "%s: bus-reserve=%" PRIu64 ": must be 0..254", id, r->bus);
		return -EINVAL;
	}
	if (r->io != VDM_PLACE_UNSET && r->io > 0x10000) {
		vdm__place_err(msgs, "%s: io-reserve=%s: I/O space is only 64K", id,
			       vdm_fmt_size(s, sizeof(s), r->io));
		return -EINVAL;
	}
	if (r->mem != VDM_PLACE_UNSET && r->mem >= FOUR_G) {
		vdm__place_err(msgs, "%s: mem-reserve=%s: must be below 4G", id,
			       vdm_fmt_size(s, sizeof(s), r->mem));
		return -EINVAL;
	}
	if (r->pref32 != VDM_PLACE_UNSET && r->pref32 >= FOUR_G) {
		vdm__place_err(msgs, "%s: pref32-reserve=%s: must be below 4G", id,
			       vdm_fmt_size(s, sizeof(s), r->pref32));
		return -EINVAL;
	}
	if (r->pref32 != VDM_PLACE_UNSET && r->pref64 != VDM_PLACE_UNSET) {
		vdm__place_err(msgs, "%s: pref32-reserve and pref64-reserve conflict: set one", id);
		return -EINVAL;
	}
	return 0;
}

static int check_fn(const char *where, const struct vdm_place_fn *f, uint32_t max_bars,
		    struct vdm_place_msgs *msgs)
{
	char why[160];

	if (vdm_place_check_bars(f->bars, max_bars, why, sizeof(why))) {
		vdm__place_err(msgs, "%s%s: %s", where, fn_id(f), why);
		return -EINVAL;
	}
	return 0;
}

static int check_topo(const struct vdm_mach_desc *m, const struct vdm_place_topo *t,
		      struct vdm_place_msgs *msgs)
{
	uint8_t owner[256] = { 0 }; /* root-bus devfn -> 1 + kind */
	int ret;

	if (t->num_ports > VDM_MACH_MAX_ROOT_PORTS || (t->num_ports && !t->ports)) {
		vdm__place_err(msgs, "%u root ports: at most %u are supported", t->num_ports,
			       VDM_MACH_MAX_ROOT_PORTS);
		return -EINVAL;
	}
	if (t->num_endpoints > 256 || (t->num_endpoints && !t->endpoints)) {
		vdm__place_err(msgs, "%u root-bus endpoints: at most 256 fit", t->num_endpoints);
		return -EINVAL;
	}
	if (t->default_pref && !vdm_is_pow2(t->default_pref)) {
		vdm__place_err(msgs, "default prefetchable window %" PRIu64
			       ": must be a power of two", t->default_pref);
		return -EINVAL;
	}
	if (m->bus_end <= m->bus_start) {
		vdm__place_err(msgs, "bus range %u..%u leaves no bus for root ports", m->bus_start,
			       m->bus_end);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < t->num_ports; i++) {
		const struct vdm_place_port *p = &t->ports[i];
		uint8_t seen = 0;

		if (owner[p->self.devfn]++) {
			vdm__place_err(msgs, "%s: devfn %02x.%x is already taken on the root bus",
				       fn_id(&p->self), p->self.devfn >> 3, p->self.devfn & 7);
			return -EINVAL;
		}
		ret = check_reserve(p, msgs);
		if (!ret)
			ret = check_fn("", &p->self, 2, msgs);
		if (ret)
			return ret;
		if (p->num_children > VDM_PLACE_MAX_CHILDREN || (p->num_children && !p->children)) {
			vdm__place_err(msgs, "%s: %u children: a root port's bus holds at most %u "
				       "functions", fn_id(&p->self), p->num_children,
				       VDM_PLACE_MAX_CHILDREN);
			return -EINVAL;
		}
		for (uint32_t c = 0; c < p->num_children; c++) {
			const struct vdm_place_fn *f = &p->children[c];
			char where[64];

			if (f->devfn >= 8 || (seen & (1u << f->devfn))) {
				vdm__place_err(msgs, "%s: devfn %02x.%x behind %s: %s", fn_id(f),
					       f->devfn >> 3, f->devfn & 7, fn_id(&p->self),
					       f->devfn >= 8 ? "a root port's secondary bus has "
							      "device 0 only"
							    : "already taken");
				return -EINVAL;
			}
			seen |= (uint8_t)(1u << f->devfn);
			snprintf(where, sizeof(where), "%s/", fn_id(&p->self));
			ret = check_fn(where, f, VDM_MAX_REGIONS, msgs);
			if (ret)
				return ret;
		}
	}
	for (uint32_t i = 0; i < t->num_endpoints; i++) {
		const struct vdm_place_fn *f = &t->endpoints[i];

		if (owner[f->devfn]++) {
			vdm__place_err(msgs, "%s: devfn %02x.%x is already taken on the root bus",
				       fn_id(f), f->devfn >> 3, f->devfn & 7);
			return -EINVAL;
		}
		ret = check_fn("", f, VDM_MAX_REGIONS, msgs);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- window sizing ---- */

/* Bytes the children need in window w: power-of-two BARs placed largest first from an
 * aligned base pack without gaps, so the sum is exact.  Saturates instead of wrapping. */
static uint64_t need_of(const struct vdm_place_port *p, enum vdm_place_win w)
{
	uint64_t sum = 0;

	for (uint32_t c = 0; c < p->num_children; c++) {
		for (int i = 0; i < VDM_MAX_REGIONS; i++) {
			uint64_t size = p->children[c].bars[i].size;

			if (vdm_place_bar_window(&p->children[c].bars[i]) != w)
				continue;
			sum = sum > UINT64_MAX - size ? UINT64_MAX : sum + size;
		}
	}
	return sum;
}

static void window_item(struct vdm_pack_item *it, const struct vdm_place_topo *t,
			const struct vdm_place_port *p, int port, enum vdm_place_win w)
{
	static const uint64_t gran[3] = { VDM_PLACE_IO_GRAN, VDM_PLACE_MEM_GRAN,
					  VDM_PLACE_MEM_GRAN };
	const struct vdm_place_reserve *r = &p->reserve;
	uint64_t need = round_up(need_of(p, w), gran[w]), res, dflt;
	const char *opt;
	char s[32];

	memset(it, 0, sizeof(*it));
	it->port = port;
	it->win = (int)w;
	it->gran = gran[w];
	switch (w) {
	case VDM_PLACE_WIN_IO:
		res = r->io;
		opt = "io-reserve";
		dflt = t->default_io;
		break;
	case VDM_PLACE_WIN_MEM:
		res = r->mem;
		opt = "mem-reserve";
		dflt = t->default_mem ? t->default_mem : VDM_PLACE_DEFAULT_MEM;
		break;
	default:
		res = r->pref32 != VDM_PLACE_UNSET ? r->pref32 : r->pref64;
		opt = r->pref32 != VDM_PLACE_UNSET ? "pref32-reserve" : "pref64-reserve";
		dflt = t->default_pref ? t->default_pref : VDM_PLACE_DEFAULT_PREF;
		break;
	}
	if (res != VDM_PLACE_UNSET) {
		res = round_up(res, gran[w]);
		it->size = need > res ? need : res;
		snprintf(it->label, sizeof(it->label), "%s: %s window (%s=%s)", fn_id(&p->self),
			 win_name[w], opt, vdm_fmt_size(s, sizeof(s), res));
	} else if (p->hotplug && dflt) {
		dflt = round_up(dflt, gran[w]);
		it->size = need > dflt ? need : dflt;
		it->shrinkable = it->size > need;
		snprintf(it->label, sizeof(it->label), "%s: default %s window", fn_id(&p->self),
			 win_name[w]);
	} else {
		it->size = need;
		snprintf(it->label, sizeof(it->label), "%s: %s window for its devices",
			 fn_id(&p->self), win_name[w]);
	}
	it->want = it->size;
	it->floor = it->shrinkable ? need : it->size;
}

static void bar_item(struct vdm_pack_item *it, struct vdm_place_fn *f, int bar)
{
	memset(it, 0, sizeof(*it));
	it->size = it->want = it->floor = f->bars[bar].size;
	it->gran = 1;
	it->port = -1;
	it->win = -1;
	it->fn = f;
	it->bar = bar;
	snprintf(it->label, sizeof(it->label), "%s BAR%d (%s)", fn_id(f), bar,
		 vdm__place_bar_kind(&f->bars[bar]));
}

/* Items of the root bus: port windows and root-bus BARs, grouped by aperture. */
struct apertures {
	struct vdm_pack_item *it[3];
	size_t n[3];
};

static void add_bars(struct apertures *a, struct vdm_place_fn *f)
{
	for (int i = 0; i < VDM_MAX_REGIONS; i++) {
		enum vdm_place_win w = vdm_place_bar_window(&f->bars[i]);

		f->addr[i] = 0;
		if (w != VDM_PLACE_WIN_NONE)
			bar_item(&a->it[w][a->n[w]++], f, i);
	}
}

/* ---- BARs inside windows ---- */

static int place_children(struct vdm_place_port_state *ps, struct vdm_place_port *p,
			  struct vdm_place_msgs *msgs)
{
	for (uint32_t c = 0; c < p->num_children; c++)
		memset(p->children[c].addr, 0, sizeof(p->children[c].addr));
	/* largest first: power-of-two BARs from an aligned base then pack without gaps */
	for (int shift = 63; shift >= 0; shift--) {
		for (uint32_t c = 0; c < p->num_children; c++) {
			struct vdm_place_fn *f = &p->children[c];

			for (int i = 0; i < VDM_MAX_REGIONS; i++) {
				enum vdm_place_win w = vdm_place_bar_window(&f->bars[i]);
				char s[32];
				int ret;

				if (w == VDM_PLACE_WIN_NONE || f->bars[i].size != UINT64_C(1) << shift)
					continue;
				ret = ps->win[w] ? vdm_alloc_alloc(ps->win[w], f->bars[i].size,
								   f->bars[i].size,
								   VDM_ALLOC_FIRST_FIT, 0,
								   &f->addr[i])
						 : -ENOSPC;
				if (ret) {
					vdm__place_err(msgs,
						       "%s BAR%d (%s, %s): no space in %s's %s "
						       "window",
						       fn_id(f), i,
						       vdm__place_bar_kind(&f->bars[i]),
						       vdm_fmt_size(s, sizeof(s), f->bars[i].size),
						       fn_id(&p->self), win_name[w]);
					return ret == -ENOMEM ? ret : -ENOSPC;
				}
			}
		}
	}
	return 0;
}

void vdm_place_destroy(struct vdm_place *p)
{
	if (!p)
		return;
	for (uint32_t i = 0; i < VDM_MACH_MAX_ROOT_PORTS; i++)
		for (int w = 0; w < 3; w++)
			vdm_alloc_destroy(p->port[i].win[w]);
	free(p);
}

static int assign_buses(struct vdm_mach_desc *m, const struct vdm_place_topo *t,
			struct vdm_place_msgs *msgs)
{
	uint32_t next = m->bus_start + 1u;
	bool done[VDM_MACH_MAX_ROOT_PORTS] = { false };

	/* ports in devfn order, as a firmware bus scan meets them */
	for (uint32_t k = 0; k < t->num_ports; k++) {
		uint32_t best = UINT32_MAX;

		for (uint32_t i = 0; i < t->num_ports; i++)
			if (!done[i] && (best == UINT32_MAX ||
					 t->ports[i].self.devfn < t->ports[best].self.devfn))
				best = i;
		done[best] = true;

		const struct vdm_place_port *p = &t->ports[best];
		uint32_t extra = p->reserve.bus == VDM_PLACE_UNSET ? 0 : (uint32_t)p->reserve.bus;

		if (next + extra > m->bus_end) {
			vdm__place_err(msgs, "%s: needs buses %u..%u (bus-reserve=%u) but the last "
				       "bus is %u", fn_id(&p->self), next, next + extra, extra,
				       m->bus_end);
			return -ENOSPC;
		}
		m->root_ports[best].secondary_bus = (uint8_t)next;
		m->root_ports[best].subordinate_bus = (uint8_t)(next + extra);
		next += extra + 1;
	}
	return 0;
}

/* Order ports by devfn so "the last ports" (shrunk first) are the highest devfns. */
static void port_order(const struct vdm_place_topo *t, uint32_t *order)
{
	for (uint32_t i = 0; i < t->num_ports; i++) {
		uint32_t j = i;

		for (; j > 0 && t->ports[order[j - 1]].self.devfn > t->ports[i].self.devfn; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
}

int vdm_place_machine(struct vdm_mach_desc *m, struct vdm_place_topo *t,
		      struct vdm_place **state, struct vdm_place_msgs *msgs)
{
	static const char *const ap_name[3] = { "PCI I/O aperture", "32-bit PCI aperture",
						"64-bit PCI aperture" };
	struct apertures a;
	struct vdm_place *ps = NULL;
	uint32_t order[VDM_MACH_MAX_ROOT_PORTS];
	size_t cap;
	int ret;

	memset(&a, 0, sizeof(a));
	if (msgs)
		memset(msgs, 0, sizeof(*msgs));
	if (state)
		*state = NULL;
	ret = check_topo(m, t, msgs);
	if (ret)
		return ret;
	memset(m->root_ports, 0, sizeof(m->root_ports));
	m->num_root_ports = 0;
	ret = assign_buses(m, t, msgs);
	if (ret)
		return ret;

	cap = (size_t)t->num_ports * 3 + (size_t)t->num_endpoints * VDM_MAX_REGIONS + 1;
	ps = calloc(1, sizeof(*ps));
	for (int w = 0; w < 3; w++)
		a.it[w] = calloc(cap, sizeof(*a.it[w]));
	ret = -ENOMEM;
	if (!ps || !a.it[0] || !a.it[1] || !a.it[2])
		goto out;

	port_order(t, order);
	for (uint32_t k = 0; k < t->num_ports; k++) {
		struct vdm_place_port *p = &t->ports[order[k]];

		for (int w = 0; w < 3; w++) {
			/* pref32-reserve puts the prefetchable window in the 32-bit aperture */
			int ap = (w == VDM_PLACE_WIN_PREF && p->reserve.pref32 != VDM_PLACE_UNSET)
					 ? VDM_PLACE_WIN_MEM
					 : w;

			window_item(&a.it[ap][a.n[ap]++], t, p, (int)order[k],
				    (enum vdm_place_win)w);
		}
		add_bars(&a, &p->self);
	}
	for (uint32_t i = 0; i < t->num_endpoints; i++)
		add_bars(&a, &t->endpoints[i]);

	{
		struct vdm_range ap[3] = { m->pci_io, m->pci_mem32, m->pci_mem64 };

		/* No I/O below 0x1000 (Linux's PCIBIOS_MIN_IO on x86 and arm64: a window there
		 * would be one it never hands out from), whatever the aperture says. */
		if (ap[0].size && ap[0].base < PCI_MIN_IO) {
			uint64_t end = vdm_range_end(ap[0]);

			ap[0].base = PCI_MIN_IO;
			ap[0].size = end > PCI_MIN_IO ? end - PCI_MIN_IO : 0;
		}

		for (int w = 0; w < 3; w++) {
			ret = vdm__pack(ap[w], ap_name[w], a.it[w], a.n[w], msgs);
			if (ret)
				goto out;
		}
	}

	/* Record windows and root-bus BAR addresses. */
	ps->num_ports = t->num_ports;
	for (int ap = 0; ap < 3; ap++) {
		for (size_t i = 0; i < a.n[ap]; i++) {
			struct vdm_pack_item *it = &a.it[ap][i];

			if (it->fn) {
				it->fn->addr[it->bar] = it->base;
				continue;
			}
			if (!it->size)
				continue;
			ps->port[it->port].range[it->win].base = it->base;
			ps->port[it->port].range[it->win].size = it->size;
		}
	}
	for (uint32_t i = 0; i < t->num_ports; i++) {
		struct vdm_place_port *p = &t->ports[i];
		struct vdm_place_port_state *pst = &ps->port[i];
		struct vdm_mach_root_port *rp = &m->root_ports[i];

		snprintf(pst->id, sizeof(pst->id), "%s", fn_id(&p->self));
		for (int w = 0; w < 3; w++) {
			struct vdm_range r = pst->range[w];

			if (!r.size)
				continue;
			ret = vdm_alloc_create(r.base, r.base + (r.size - 1), &pst->win[w]);
			if (ret)
				goto out;
		}
		ret = place_children(pst, p, msgs);
		if (ret)
			goto out;
		snprintf(rp->id, sizeof(rp->id), "%s", fn_id(&p->self));
		rp->devfn = p->self.devfn;
		rp->chassis = p->chassis;
		rp->slot = p->slot;
		rp->bsel = i + 1;
		rp->hotplug = p->hotplug;
		rp->io = pst->range[VDM_PLACE_WIN_IO];
		rp->mem = pst->range[VDM_PLACE_WIN_MEM];
		rp->pref = pst->range[VDM_PLACE_WIN_PREF];
	}
	m->num_root_ports = t->num_ports;
	ret = 0;
out:
	for (int w = 0; w < 3; w++)
		free(a.it[w]);
	if (!ret && state) {
		*state = ps;
		ps = NULL;
	}
	vdm_place_destroy(ps);
	return ret;
}
