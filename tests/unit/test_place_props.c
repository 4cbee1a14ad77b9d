/* Property tests for PCI placement: thousands of random topologies (seeded, deterministic)
 * checked for overlap, alignment, containment, bus numbering and hot-add consistency. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>

#include <cmocka.h>

#include <vdm/alloc.h>
#include <vdm/layout.h>
#include <vdm/place.h>

#define KIB (UINT64_C(1) << 10)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)
#define NUM_TOPOLOGIES 3000

static uint64_t rng;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t pick(uint64_t n)
{
	return rnd() % n;
}

/* A power of two in [2^lo, 2^hi]. */
static uint64_t pow2_between(unsigned lo, unsigned hi)
{
	return UINT64_C(1) << (lo + pick(hi - lo + 1));
}

struct world {
	struct vdm_mach_desc m;
	struct vdm_place_port ports[VDM_MACH_MAX_ROOT_PORTS];
	struct vdm_place_fn children[VDM_MACH_MAX_ROOT_PORTS][VDM_PLACE_MAX_CHILDREN];
	struct vdm_place_fn endpoints[8];
	char ids[VDM_MACH_MAX_ROOT_PORTS + 8][16];
	struct vdm_place_topo t;
};

static void random_bars(struct vdm_place_fn *f, unsigned max_bars)
{
	memset(f->bars, 0, sizeof(f->bars));
	for (unsigned i = 0; i < max_bars; i++) {
		struct vdm_region_decl *b = &f->bars[i];

		switch (pick(6)) {
		case 0:
			b->kind = VDM_REGION_IO;
			b->size = pow2_between(2, 8);
			break;
		case 1:
			b->kind = VDM_REGION_MEM32;
			b->size = pow2_between(4, 24);
			b->flags = pick(2) ? VDM_REGION_PREFETCHABLE : 0;
			break;
		case 2:
			if (i + 1 >= max_bars)
				break;
			b->kind = VDM_REGION_MEM64;
			b->size = pick(8) ? pow2_between(4, 30) : pow2_between(30, 36);
			b->flags = pick(4) ? VDM_REGION_PREFETCHABLE : 0;
			if (!b->flags && b->size > 64 * MIB)
				b->size = 64 * MIB;
			i++;
			break;
		default:
			break; /* unused slot */
		}
	}
}

static uint64_t random_reserve(unsigned lo, unsigned hi)
{
	switch (pick(5)) {
	case 0:
		return 0;
	case 1:
		return pow2_between(lo, hi);
	case 2:
		return pow2_between(lo, hi) * 3; /* not a power of two */
	default:
		return VDM_PLACE_UNSET;
	}
}

static void random_world(struct world *w)
{
	static const unsigned bits_choice[] = { 36, 37, 39, 40, 40, 41, 46, 48 };
	unsigned bits = bits_choice[pick(8)];
	uint8_t devfns[256];
	unsigned ndev = 0;
	uint64_t ram;

	memset(w, 0, sizeof(*w));
	do {
		ram = (pick(4) ? pow2_between(21, 33) : pow2_between(21, 36)) + pick(64) * MIB;
	} while (vdm_x86_layout(&w->m, ram, bits, NULL, 0));

	for (unsigned i = 0; i < 256; i++)
		devfns[i] = (uint8_t)i;
	for (unsigned i = 255; i > 0; i--) { /* shuffle root-bus devfns */
		unsigned j = (unsigned)pick(i + 1);
		uint8_t tmp = devfns[i];

		devfns[i] = devfns[j];
		devfns[j] = tmp;
	}

	w->t.ports = w->ports;
	w->t.num_ports = (uint32_t)(pick(4) ? pick(9) : pick(33)); /* up to 32, as ever */
	w->t.endpoints = w->endpoints;
	w->t.num_endpoints = (uint32_t)pick(9);
	w->t.default_io = pick(3) ? 0 : 4 * KIB;
	for (uint32_t i = 0; i < w->t.num_ports; i++) {
		struct vdm_place_port *p = &w->ports[i];
		struct vdm_place_reserve *r = &p->reserve;

		snprintf(w->ids[i], sizeof(w->ids[i]), "rp%u", i);
		p->self.id = w->ids[i];
		p->self.devfn = devfns[ndev++];
		random_bars(&p->self, 2);
		p->hotplug = pick(4) != 0;
		r->bus = pick(4) ? VDM_PLACE_UNSET : pick(6);
		r->io = random_reserve(8, 12);
		r->mem = random_reserve(12, 24);
		r->pref32 = VDM_PLACE_UNSET;
		r->pref64 = VDM_PLACE_UNSET;
		if (!pick(8))
			r->pref32 = random_reserve(20, 26);
		else
			r->pref64 = random_reserve(20, 36);
		p->children = w->children[i];
		p->num_children = (uint32_t)pick(4);
		for (uint32_t c = 0; c < p->num_children; c++) {
			struct vdm_place_fn *f = &w->children[i][c];

			f->id = "child";
			f->devfn = (uint8_t)c;
			random_bars(f, VDM_MAX_REGIONS);
		}
	}
	for (uint32_t i = 0; i < w->t.num_endpoints; i++) {
		struct vdm_place_fn *f = &w->endpoints[i];

		snprintf(w->ids[VDM_MACH_MAX_ROOT_PORTS + i], sizeof(w->ids[0]), "ep%u", i);
		f->id = w->ids[VDM_MACH_MAX_ROOT_PORTS + i];
		f->devfn = devfns[ndev++];
		random_bars(f, VDM_MAX_REGIONS);
	}
}

/* ---- checking ---- */

enum space { SP_IO, SP_MEM };

struct used {
	enum space sp;
	uint64_t base, size;
};

struct ledger {
	struct used u[2048];
	size_t n;
};

static bool ovl(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return as && bs && a < b + bs && b < a + as;
}

static bool in(uint64_t a, uint64_t as, struct vdm_range r)
{
	return as && r.size && a >= r.base && a - r.base <= r.size - as && as <= r.size;
}

static void add_used(struct ledger *l, enum space sp, uint64_t base, uint64_t size)
{
	assert_true(l->n < sizeof(l->u) / sizeof(l->u[0]));
	for (size_t i = 0; i < l->n; i++)
		if (l->u[i].sp == sp && ovl(l->u[i].base, l->u[i].size, base, size))
			fail_msg("overlap: [0x%llx+0x%llx) and [0x%llx+0x%llx)",
				 (unsigned long long)base, (unsigned long long)size,
				 (unsigned long long)l->u[i].base, (unsigned long long)l->u[i].size);
	l->u[l->n].sp = sp;
	l->u[l->n].base = base;
	l->u[l->n++].size = size;
}

/* Memory the guest must never see a PCI resource on. */
static void check_not_system(const struct vdm_mach_desc *m, uint64_t base, uint64_t size)
{
	for (uint32_t i = 0; i < m->num_ram; i++)
		assert_false(ovl(base, size, m->ram[i].base, m->ram[i].size));
	for (uint32_t i = 0; i < m->num_reserved; i++)
		assert_false(ovl(base, size, m->reserved[i].base, m->reserved[i].size));
	assert_false(ovl(base, size, m->ecam.base, m->ecam.size));
	assert_false(ovl(base, size, m->platform_mmio.base, m->platform_mmio.size));
	assert_false(ovl(base, size, m->ioapic_base, 0x1000));
	assert_false(ovl(base, size, m->lapic_base, 0x1000));
}

static struct vdm_range aperture_for(const struct vdm_mach_desc *m,
				     const struct vdm_region_decl *b)
{
	switch (vdm_place_bar_window(b)) {
	case VDM_PLACE_WIN_IO:
		return m->pci_io;
	case VDM_PLACE_WIN_PREF:
		return m->pci_mem64;
	default:
		return m->pci_mem32;
	}
}

static void check_bar(const struct vdm_mach_desc *m, struct ledger *l,
		      const struct vdm_region_decl *b, uint64_t addr, struct vdm_range parent)
{
	bool io = b->kind == VDM_REGION_IO;

	assert_true(addr != 0);
	assert_int_equal(addr % b->size, 0); /* natural alignment */
	assert_true(in(addr, b->size, parent));
	if (io)
		assert_true(addr >= 0x1000 && addr + b->size <= 0x10000);
	else
		check_not_system(m, addr, b->size);
	if (b->kind == VDM_REGION_MEM32 || (b->kind == VDM_REGION_MEM64 &&
					    !(b->flags & VDM_REGION_PREFETCHABLE)))
		assert_true(addr + b->size <= (UINT64_C(1) << 32));
	add_used(l, io ? SP_IO : SP_MEM, addr, b->size);
}

static void check_fn_bars(const struct vdm_mach_desc *m, struct ledger *l,
			  const struct vdm_place_fn *f, const struct vdm_mach_root_port *rp)
{
	for (int i = 0; i < VDM_MAX_REGIONS; i++) {
		const struct vdm_region_decl *b = &f->bars[i];
		struct vdm_range parent;

		if (b->kind == VDM_REGION_NONE) {
			assert_int_equal(f->addr[i], 0);
			continue;
		}
		if (!rp)
			parent = aperture_for(m, b);
		else if (vdm_place_bar_window(b) == VDM_PLACE_WIN_IO)
			parent = rp->io;
		else if (vdm_place_bar_window(b) == VDM_PLACE_WIN_PREF)
			parent = rp->pref;
		else
			parent = rp->mem;
		check_bar(m, l, b, f->addr[i], parent);
	}
}

static uint64_t need(const struct vdm_place_port *p, enum vdm_place_win w)
{
	uint64_t s = 0;

	for (uint32_t c = 0; c < p->num_children; c++)
		for (int i = 0; i < VDM_MAX_REGIONS; i++)
			if (vdm_place_bar_window(&p->children[c].bars[i]) == w)
				s += p->children[c].bars[i].size;
	return s;
}

static void check_window(const struct vdm_mach_desc *m, struct ledger *l, struct vdm_range r,
			 struct vdm_range ap, uint64_t gran, uint64_t need_bytes, uint64_t reserve,
			 bool io)
{
	if (!r.size) {
		assert_int_equal(need_bytes, 0);
		assert_true(reserve == 0 || reserve == VDM_PLACE_UNSET);
		return;
	}
	assert_int_equal(r.size % gran, 0);
	assert_int_equal(r.base % vdm_pow2_floor(r.size), 0);
	assert_int_equal(r.base % gran, 0);
	assert_true(r.size >= need_bytes);
	if (reserve != VDM_PLACE_UNSET)
		assert_true(r.size >= reserve);
	assert_true(in(r.base, r.size, ap));
	if (!io)
		check_not_system(m, r.base, r.size);
	add_used(l, io ? SP_IO : SP_MEM, r.base, r.size);
}

static void check_world(struct world *w)
{
	static struct ledger top, kids; /* big: keep off the stack */
	const struct vdm_mach_desc *m = &w->m;
	bool bus_used[256] = { false };

	top.n = kids.n = 0;
	assert_int_equal(m->num_root_ports, w->t.num_ports);
	assert_true(m->pci_io.base >= 0x1000);
	check_not_system(m, m->pci_mem32.base, m->pci_mem32.size);
	check_not_system(m, m->pci_mem64.base, m->pci_mem64.size);
	for (uint32_t i = 0; i < w->t.num_ports; i++) {
		const struct vdm_place_port *p = &w->ports[i];
		const struct vdm_mach_root_port *rp = &m->root_ports[i];
		const struct vdm_place_reserve *r = &p->reserve;
		uint64_t extra = r->bus == VDM_PLACE_UNSET ? 0 : r->bus;
		bool p32 = r->pref32 != VDM_PLACE_UNSET;

		/* bus numbers: below the root bus's range, disjoint, exactly what was asked */
		assert_true(rp->secondary_bus > m->bus_start);
		assert_int_equal(rp->subordinate_bus - rp->secondary_bus, extra);
		for (unsigned b = rp->secondary_bus; b <= rp->subordinate_bus; b++) {
			assert_false(bus_used[b]);
			bus_used[b] = true;
		}
		assert_int_equal(rp->devfn, p->self.devfn);
		assert_int_equal(rp->bsel, i + 1);

		check_window(m, &top, rp->io, m->pci_io, 0x1000, need(p, VDM_PLACE_WIN_IO), r->io,
			     true);
		check_window(m, &top, rp->mem, m->pci_mem32, MIB, need(p, VDM_PLACE_WIN_MEM),
			     r->mem, false);
		check_window(m, &top, rp->pref, p32 ? m->pci_mem32 : m->pci_mem64, MIB,
			     need(p, VDM_PLACE_WIN_PREF), p32 ? r->pref32 : r->pref64, false);
		if (p->hotplug && r->mem == VDM_PLACE_UNSET)
			assert_true(rp->mem.size >= MIB || need(p, VDM_PLACE_WIN_MEM) == 0);
		check_fn_bars(m, &top, &p->self, NULL);
		for (uint32_t c = 0; c < p->num_children; c++)
			check_fn_bars(m, &kids, &p->children[c], rp);
	}
	for (uint32_t i = 0; i < w->t.num_endpoints; i++)
		check_fn_bars(m, &top, &w->endpoints[i], NULL);
}

static void random_topologies_place_without_overlap_inside_their_parents(void **state)
{
	static struct world w, again;
	unsigned ok = 0, nospace = 0, shrunk = 0;

	for (unsigned seed = 1; seed <= NUM_TOPOLOGIES; seed++) {
		struct vdm_place_msgs msgs;
		int ret;

		rng = seed * 0x1000193ull;
		random_world(&w);
		ret = vdm_place_machine(&w.m, &w.t, NULL, &msgs);
		if (ret) {
			/* generated topologies are valid: only "does not fit" may fail */
			if (ret != -ENOSPC)
				fail_msg("seed %u: %d %s", seed, ret, msgs.err);
			assert_true(strstr(msgs.err, "does not fit") || strstr(msgs.err, "bus"));
			nospace++;
			continue;
		}
		check_world(&w);
		ok++;
		shrunk += msgs.num_warn != 0;

		/* deterministic: the same input gives the same machine */
		rng = seed * 0x1000193ull;
		random_world(&again);
		assert_int_equal(vdm_place_machine(&again.m, &again.t, NULL, NULL), 0);
		assert_memory_equal(&again.m, &w.m, sizeof(w.m));
	}
	print_message("%u placed (%u with shrunk defaults), %u refused as not fitting\n", ok,
		      shrunk, nospace);
	assert_true(ok > NUM_TOPOLOGIES * 3 / 4);
	assert_true(shrunk > 50);
	assert_true(nospace > 10);
}

/* Hot-add random functions to random ports: fits() agrees with hot_add(), and what is
 * placed stays inside the port's windows and clear of everything else in that space. */
static void random_hot_adds_stay_inside_their_port_and_agree_with_fits(void **state)
{
	static struct world w;
	static struct ledger l;
	unsigned added = 0, refused = 0;

	for (unsigned seed = 1; seed <= NUM_TOPOLOGIES / 3; seed++) {
		struct vdm_place *st = NULL;
		struct vdm_place_fn hot[24];

		rng = seed * 0x9e37ull;
		random_world(&w);
		if (!w.t.num_ports || vdm_place_machine(&w.m, &w.t, &st, NULL))
			continue;
		l.n = 0;
		for (uint32_t i = 0; i < w.t.num_ports; i++)
			for (uint32_t c = 0; c < w.ports[i].num_children; c++)
				check_fn_bars(&w.m, &l, &w.ports[i].children[c], &w.m.root_ports[i]);
		for (int k = 0; k < 24; k++) {
			uint32_t port = (uint32_t)pick(w.t.num_ports);
			const struct vdm_mach_root_port *rp = &w.m.root_ports[port];
			char err[256];
			size_t before;
			int fit, ret;

			memset(&hot[k], 0, sizeof(hot[k]));
			hot[k].id = "hot";
			random_bars(&hot[k], VDM_MAX_REGIONS);
			fit = vdm_place_fits(st, port, hot[k].bars, err, sizeof(err));
			ret = vdm_place_hot_add(st, port, hot[k].bars, hot[k].addr, err, sizeof(err));
			assert_int_equal(fit, ret);
			if (ret) {
				assert_int_equal(ret, -ENOSPC);
				assert_non_null(strstr(err, rp->id));
				refused++;
				hot[k].id = NULL;
				continue;
			}
			added++;
			before = l.n;
			for (int i = 0; i < VDM_MAX_REGIONS; i++) {
				const struct vdm_region_decl *b = &hot[k].bars[i];
				struct vdm_range win;

				if (b->kind == VDM_REGION_NONE)
					continue;
				win = b->kind == VDM_REGION_IO ? rp->io
				      : in(hot[k].addr[i], b->size, rp->pref) ? rp->pref
									     : rp->mem;
				check_bar(&w.m, &l, b, hot[k].addr[i], win);
			}
			/* remove every other one again: space comes back, ledger shrinks */
			if (k % 2) {
				assert_int_equal(vdm_place_hot_remove(st, port, hot[k].bars,
								      hot[k].addr), 0);
				assert_int_equal(vdm_place_fits(st, port, hot[k].bars, NULL, 0), 0);
				l.n = before;
			}
		}
		vdm_place_destroy(st);
	}
	print_message("%u hot-adds placed, %u refused\n", added, refused);
	assert_true(added > 1000);
	assert_true(refused > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_topologies_place_without_overlap_inside_their_parents),
		cmocka_unit_test(random_hot_adds_stay_inside_their_port_and_agree_with_fits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
