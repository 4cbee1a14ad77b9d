/* Unit tests for PCI placement (vmm-example/firmware/vdm_place*.c): bus numbers, default and
 * explicit root-port windows, shrinking under small phys-bits, errors, hot-add placement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>

#include <cmocka.h>

#include <vdm/layout.h>
#include <vdm/alloc.h>
#include <vdm/place.h>

#define KIB (UINT64_C(1) << 10)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)

static struct vdm_mach_desc mach(uint64_t ram, unsigned bits)
{
	struct vdm_mach_desc m;

	memset(&m, 0, sizeof(m));
	assert_int_equal(vdm_x86_layout(&m, ram, bits, NULL, 0), 0);
	return m;
}

static void port_init(struct vdm_place_port *p, const char *id, uint8_t devfn, bool hotplug)
{
	const struct vdm_place_reserve unset = VDM_PLACE_RESERVE_UNSET;

	memset(p, 0, sizeof(*p));
	p->self.id = id;
	p->self.devfn = devfn;
	p->self.bars[0].kind = VDM_REGION_MEM32; /* MSI-X table BAR, as QEMU's root port */
	p->self.bars[0].size = 4 * KIB;
	p->hotplug = hotplug;
	p->reserve = unset;
	p->slot = devfn >> 3;
	p->chassis = 1;
}

static void bar(struct vdm_place_fn *f, int i, uint32_t kind, uint64_t size, bool pref)
{
	f->bars[i].kind = kind;
	f->bars[i].size = size;
	f->bars[i].flags = pref ? VDM_REGION_PREFETCHABLE : 0;
}

/* QEMU's pci-testdev: BAR0 4K mmio, BAR1 256 bytes I/O, BAR2 64-bit prefetchable membar. */
static void testdev(struct vdm_place_fn *f, const char *id, uint64_t membar)
{
	memset(f, 0, sizeof(*f));
	f->id = id;
	bar(f, 0, VDM_REGION_MEM32, 4 * KIB, false);
	bar(f, 1, VDM_REGION_IO, 256, false);
	if (membar)
		bar(f, 2, VDM_REGION_MEM64, membar, true);
}

static bool inside(uint64_t a, uint64_t size, struct vdm_range r)
{
	return r.size && a >= r.base && a - r.base <= r.size - size && size <= r.size;
}

static void four_hotplug_ports_get_64g_pref_and_2m_mem_windows_by_default(void **state)
{
	struct vdm_mach_desc m = mach(GIB, 40);
	struct vdm_place_port ports[4];
	struct vdm_place_topo t = { .ports = ports, .num_ports = 4 };
	struct vdm_place_msgs msgs;

	for (int i = 0; i < 4; i++)
		port_init(&ports[i], i == 0 ? "rp0" : i == 1 ? "rp1" : i == 2 ? "rp2" : "rp3",
			  (uint8_t)((i + 1) << 3), true);
	assert_int_equal(vdm_place_machine(&m, &t, NULL, &msgs), 0);
	assert_string_equal(msgs.err, "");
	assert_int_equal(msgs.num_warn, 0);
	assert_int_equal(m.num_root_ports, 4);
	for (int i = 0; i < 4; i++) {
		const struct vdm_mach_root_port *rp = &m.root_ports[i];

		assert_int_equal(rp->secondary_bus, i + 1);
		assert_int_equal(rp->subordinate_bus, i + 1);
		assert_int_equal(rp->bsel, i + 1);
		assert_int_equal(rp->devfn, (i + 1) << 3);
		assert_true(rp->hotplug);
		assert_int_equal(rp->io.size, 0);
		assert_int_equal(rp->mem.size, 2 * MIB);
		assert_int_equal(rp->mem.base % (2 * MIB), 0);
		assert_true(inside(rp->mem.base, rp->mem.size, m.pci_mem32));
		assert_int_equal(rp->pref.size, 64 * GIB);
		assert_int_equal(rp->pref.base % (64 * GIB), 0);
		assert_true(inside(rp->pref.base, rp->pref.size, m.pci_mem64));
		assert_true(inside(ports[i].self.addr[0], 4 * KIB, m.pci_mem32));
	}
	assert_string_equal(m.root_ports[2].id, "rp2");
	/* first fit, largest first: the windows are 64G, 128G, 192G, 256G */
	assert_int_equal(m.root_ports[0].pref.base, 64 * GIB);
	assert_int_equal(m.root_ports[3].pref.base, 256 * GIB);
}

static void testdev_behind_a_port_lands_inside_its_windows_and_opens_io(void **state)
{
	struct vdm_mach_desc m = mach(2 * GIB, 40);
	struct vdm_place_port p;
	struct vdm_place_fn td;
	struct vdm_place_topo t = { .ports = &p, .num_ports = 1 };
	const struct vdm_mach_root_port *rp = &m.root_ports[0];

	port_init(&p, "rp1", 0x10, true);
	testdev(&td, "td0", 4 * MIB);
	p.children = &td;
	p.num_children = 1;
	assert_int_equal(vdm_place_machine(&m, &t, NULL, NULL), 0);
	assert_int_equal(rp->io.size, 4 * KIB);
	assert_true(rp->io.base >= 0x1000);
	assert_int_equal(rp->mem.size, 2 * MIB);
	assert_int_equal(rp->pref.size, 64 * GIB);
	/* the children pack from each window's base */
	assert_int_equal(td.addr[0], rp->mem.base);
	assert_int_equal(td.addr[1], rp->io.base);
	assert_int_equal(td.addr[2], rp->pref.base);
	assert_int_equal(td.addr[3], 0);
}

static void bus_reserve_leaves_room_and_the_next_port_starts_after_it(void **state)
{
	struct vdm_mach_desc m = mach(GIB, 40);
	struct vdm_place_port p[3];
	struct vdm_place_topo t = { .ports = p, .num_ports = 3 };

	/* given out of devfn order: buses follow devfn order, as a bus scan would */
	port_init(&p[0], "b", 0x18, true);
	port_init(&p[1], "a", 0x10, true);
	port_init(&p[2], "c", 0x20, false);
	p[1].reserve.bus = 3;
	assert_int_equal(vdm_place_machine(&m, &t, NULL, NULL), 0);
	assert_int_equal(m.root_ports[1].secondary_bus, 1);
	assert_int_equal(m.root_ports[1].subordinate_bus, 4);
	assert_int_equal(m.root_ports[0].secondary_bus, 5);
	assert_int_equal(m.root_ports[0].subordinate_bus, 5);
	assert_int_equal(m.root_ports[2].secondary_bus, 6);
	/* a non-hotplug port without children has every window closed */
	assert_int_equal(m.root_ports[2].mem.size, 0);
	assert_int_equal(m.root_ports[2].pref.size, 0);
	assert_int_equal(m.root_ports[2].io.size, 0);
}

static void bus_reserve_past_bus_255_is_an_error_naming_the_port(void **state)
{
	struct vdm_mach_desc m = mach(GIB, 40);
	struct vdm_place_port p[2];
	struct vdm_place_topo t = { .ports = p, .num_ports = 2 };
	struct vdm_place_msgs msgs;

	port_init(&p[0], "rp0", 0x08, true);
	port_init(&p[1], "rp1", 0x10, true);
	p[0].reserve.bus = 250;
	p[1].reserve.bus = 10;
	assert_int_equal(vdm_place_machine(&m, &t, NULL, &msgs), -ENOSPC);
	assert_string_equal(msgs.err,
			    "rp1: needs buses 252..262 (bus-reserve=10) but the last bus is 255");
	p[0].reserve.bus = 255;
	assert_int_equal(vdm_place_machine(&m, &t, NULL, &msgs), -EINVAL);
	assert_string_equal(msgs.err, "rp0: bus-reserve=255: must be 0..254");
}

static void small_phys_bits_shrink_the_last_ports_defaults_with_warnings(void **state)
{
	struct vdm_mach_desc m = mach(GIB, 36); /* 64-bit aperture [4G, 64G) */
	struct vdm_place_port p[2];
	struct vdm_place_topo t = { .ports = p, .num_ports = 2 };
	struct vdm_place_msgs msgs;

	port_init(&p[0], "rp0", 0x08, true);
	port_init(&p[1], "rp1", 0x10, true);
	assert_int_equal(vdm_place_machine(&m, &t, NULL, &msgs), 0);
	assert_int_equal(m.root_ports[0].pref.size, 32 * GIB);
	assert_int_equal(m.root_ports[0].pref.base, 32 * GIB);
	assert_int_equal(m.root_ports[1].pref.size, 16 * GIB);
	assert_int_equal(m.root_ports[1].pref.base, 16 * GIB);
	assert_int_equal(msgs.num_warn, 2);
	assert_non_null(strstr(msgs.warn, "rp0: default prefetchable window: shrunk from 64G to "
					  "32G: the 64-bit PCI aperture [0x100000000, "
					  "0x1000000000) cannot hold every port's default window"));
	assert_non_null(strstr(msgs.warn, "rp1: default prefetchable window: shrunk from 64G to 16G"));
}

static void forty_phys_bits_give_32_ports_fair_windows_of_at_least_16g(void **state)
{
	struct vdm_mach_desc m = mach(GIB, 40); /* [4G, 1012G) */
	struct vdm_place_port p[32];
	char ids[32][8];
	struct vdm_place_topo t = { .ports = p, .num_ports = 32 };
	struct vdm_place_msgs msgs;
	unsigned big = 0;

	for (int i = 0; i < 32; i++) {
		snprintf(ids[i], sizeof(ids[i]), "rp%d", i);
		port_init(&p[i], ids[i], (uint8_t)(i * 8 + 1), true);
	}
	assert_int_equal(vdm_place_machine(&m, &t, NULL, &msgs), 0);
	for (int i = 0; i < 32; i++) {
		const struct vdm_range r = m.root_ports[i].pref;

		/* the default windows came down together: nobody is left without */
		assert_true(r.size >= 16 * GIB);
		big += r.size == 32 * GIB;
		if (r.size)
			assert_int_equal(r.base % vdm_pow2_floor(r.size), 0);
		for (int j = 0; j < i; j++)
			assert_false(r.size && m.root_ports[j].pref.size &&
				     r.base < vdm_range_end(m.root_ports[j].pref) &&
				     m.root_ports[j].pref.base < vdm_range_end(r));
	}
	assert_int_equal(big, 30); /* 30 x 32G + 2 x 16G in [4G, 1012G) */
	assert_int_equal(m.root_ports[0].pref.size, 32 * GIB);
	assert_int_equal(m.root_ports[31].pref.size, 16 * GIB); /* the last ports give first */
	/* one line per run of ports shrunk alike */
	assert_int_equal(msgs.num_warn, 2);
	assert_non_null(strstr(msgs.warn, "rp0..rp29 (30 ports): default prefetchable window: "
					  "shrunk from 64G to 32G"));
	assert_non_null(strstr(msgs.warn, "rp30..rp31 (2 ports): default prefetchable window: "
					  "shrunk from 64G to 16G"));
	/* with 46 bits all 32 fit, no warning */
	m = mach(GIB, 46);
	assert_int_equal(vdm_place_machine(&m, &t, NULL, &msgs), 0);
	assert_int_equal(msgs.num_warn, 0);
	assert_int_equal(m.root_ports[31].pref.size, 64 * GIB);
}

static void explicit_reserve_that_does_not_fit_is_an_error_with_sizes(void **state)
{
	struct vdm_mach_desc m = mach(GIB, 36);
	struct vdm_place_port p;
	struct vdm_place_topo t = { .ports = &p, .num_ports = 1 };
	struct vdm_place_msgs msgs;

	port_init(&p, "big", 0x08, true);
	p.reserve.pref64 = 128 * GIB;
	assert_int_equal(vdm_place_machine(&m, &t, NULL, &msgs), -ENOSPC);
	assert_string_equal(msgs.err,
			    "big: prefetchable window (pref64-reserve=128G): 128G (aligned to "
			    "128G) does not fit in the 64-bit PCI aperture [0x100000000, "
			    "0x1000000000): the largest free aligned block left is 32G");
}

static void pref32_reserve_puts_the_prefetchable_window_below_4g(void **state)
{
	struct vdm_mach_desc m = mach(GIB, 40);
	struct vdm_place_port p;
	struct vdm_place_fn d;
	struct vdm_place_topo t = { .ports = &p, .num_ports = 1 };
	struct vdm_place_msgs msgs;

	port_init(&p, "rp", 0x08, true);
	p.reserve.pref32 = 64 * MIB;
	memset(&d, 0, sizeof(d));
	d.id = "gpu";
	bar(&d, 0, VDM_REGION_MEM64, 16 * MIB, true);
	p.children = &d;
	p.num_children = 1;
	assert_int_equal(vdm_place_machine(&m, &t, NULL, &msgs), 0);
	assert_int_equal(m.root_ports[0].pref.size, 64 * MIB);
	assert_true(inside(m.root_ports[0].pref.base, 64 * MIB, m.pci_mem32));
	assert_int_equal(d.addr[0], m.root_ports[0].pref.base);
	p.reserve.pref64 = GIB;
	assert_int_equal(vdm_place_machine(&m, &t, NULL, &msgs), -EINVAL);
	assert_string_equal(msgs.err, "rp: pref32-reserve and pref64-reserve conflict: set one");
}

static void io_window_only_when_asked_and_zero_reserves_mean_children_only(void **state)
{
	struct vdm_mach_desc m = mach(GIB, 40);
	struct vdm_place_port p[3];
	struct vdm_place_fn d;
	struct vdm_place_topo t = { .ports = p, .num_ports = 3, .default_io = 4 * KIB };

	port_init(&p[0], "dflt", 0x08, true);
	port_init(&p[1], "noio", 0x10, true);
	p[1].reserve.io = 0;
	port_init(&p[2], "zero", 0x18, true);
	p[2].reserve.io = p[2].reserve.mem = p[2].reserve.pref64 = 0;
	memset(&d, 0, sizeof(d));
	d.id = "nic";
	bar(&d, 0, VDM_REGION_MEM64, 16 * KIB, true);
	bar(&d, 2, VDM_REGION_MEM32, 64 * KIB, false);
	p[2].children = &d;
	p[2].num_children = 1;
	assert_int_equal(vdm_place_machine(&m, &t, NULL, NULL), 0);
	assert_int_equal(m.root_ports[0].io.size, 4 * KIB);
	assert_int_equal(m.root_ports[1].io.size, 0);
	assert_int_equal(m.root_ports[2].io.size, 0);
	assert_int_equal(m.root_ports[2].mem.size, MIB); /* 64K rounded to the 1M granule */
	assert_int_equal(m.root_ports[2].pref.size, MIB);
	assert_int_equal(d.addr[0], m.root_ports[2].pref.base);
	assert_int_equal(d.addr[2], m.root_ports[2].mem.base);
}

static void root_bus_endpoints_take_bars_from_the_host_bridge_apertures(void **state)
{
	struct vdm_mach_desc m = mach(GIB, 40);
	struct vdm_place_fn e[2];
	struct vdm_place_topo t = { .endpoints = e, .num_endpoints = 2 };

	testdev(&e[0], "td0", 8 * GIB);
	e[0].devfn = 0x08;
	testdev(&e[1], "td1", 0);
	e[1].devfn = 0x10;
	bar(&e[1], 4, VDM_REGION_MEM64, MIB, false); /* non-prefetchable 64-bit: below 4G */
	assert_int_equal(vdm_place_machine(&m, &t, NULL, NULL), 0);
	assert_int_equal(m.num_root_ports, 0);
	assert_true(inside(e[0].addr[2], 8 * GIB, m.pci_mem64));
	assert_int_equal(e[0].addr[2] % (8 * GIB), 0);
	assert_true(inside(e[1].addr[4], MIB, m.pci_mem32));
	assert_true(e[0].addr[1] >= 0x1000 && e[1].addr[1] >= 0x1000);
	assert_true(e[0].addr[1] != e[1].addr[1]);
	assert_int_equal(e[1].addr[2], 0);
}

static void a_32bit_bar_bigger_than_the_aperture_names_device_and_sizes(void **state)
{
	struct vdm_mach_desc m = mach(GIB, 40);
	struct vdm_place_fn e;
	struct vdm_place_topo t = { .endpoints = &e, .num_endpoints = 1 };
	struct vdm_place_msgs msgs;

	memset(&e, 0, sizeof(e));
	e.id = "fb";
	bar(&e, 0, VDM_REGION_MEM32, GIB, true);
	assert_int_equal(vdm_place_machine(&m, &t, NULL, &msgs), -ENOSPC);
	assert_string_equal(msgs.err,
			    "fb BAR0 (32-bit prefetchable memory): 1G (aligned to 1G) does not fit "
			    "in the 32-bit PCI aperture [0xc0000000, 0xe8000000): the largest free "
			    "aligned block left is 512M");
}

static void invalid_topologies_are_refused_with_the_reason(void **state)
{
	struct vdm_mach_desc m = mach(GIB, 40);
	struct vdm_place_port p[2];
	struct vdm_place_fn e, c[2];
	struct vdm_place_topo t = { .ports = p, .num_ports = 2, .endpoints = &e,
				    .num_endpoints = 1 };
	struct vdm_place_msgs msgs;

	port_init(&p[0], "rp0", 0x08, true);
	port_init(&p[1], "rp1", 0x10, true);
	testdev(&e, "td", 0);
	e.devfn = 0x10;
	assert_int_equal(vdm_place_machine(&m, &t, NULL, &msgs), -EINVAL);
	assert_string_equal(msgs.err, "td: devfn 02.0 is already taken on the root bus");
	e.devfn = 0x18;
	bar(&e, 5, VDM_REGION_MEM64, MIB, true);
	assert_int_equal(vdm_place_machine(&m, &t, NULL, &msgs), -EINVAL);
	assert_string_equal(msgs.err, "td: BAR5: a 64-bit BAR needs BAR6 free for its upper half");
	memset(&e.bars[5], 0, sizeof(e.bars[5]));
	bar(&e, 3, VDM_REGION_MEM32, 3 * MIB, false);
	assert_int_equal(vdm_place_machine(&m, &t, NULL, &msgs), -EINVAL);
	assert_string_equal(msgs.err, "td: BAR3: size 3M is not a power of two");
	memset(&e.bars[3], 0, sizeof(e.bars[3]));
	testdev(&c[0], "x", 0);
	testdev(&c[1], "y", 0);
	c[1].devfn = 8;
	p[0].children = c;
	p[0].num_children = 2;
	assert_int_equal(vdm_place_machine(&m, &t, NULL, &msgs), -EINVAL);
	assert_string_equal(msgs.err, "y: devfn 01.0 behind rp0: a root port's secondary bus has "
				      "device 0 only");
	c[1].devfn = 0;
	assert_int_equal(vdm_place_machine(&m, &t, NULL, &msgs), -EINVAL);
	assert_string_equal(msgs.err, "y: devfn 00.0 behind rp0: already taken");
	p[0].num_children = 0;
	p[1].reserve.mem = 4 * GIB;
	assert_int_equal(vdm_place_machine(&m, &t, NULL, &msgs), -EINVAL);
	assert_string_equal(msgs.err, "rp1: mem-reserve=4G: must be below 4G");
	p[1].reserve.mem = VDM_PLACE_UNSET;
	bar(&p[1].self, 2, VDM_REGION_MEM32, 4 * KIB, false);
	assert_int_equal(vdm_place_machine(&m, &t, NULL, &msgs), -EINVAL);
	assert_string_equal(msgs.err, "rp1: BAR2: this function has only 2 BARs");
}

static void children_whose_bars_sum_past_2_to_64_are_refused_not_wrapped(void **state)
{
	struct vdm_mach_desc m = mach(GIB, 48);
	struct vdm_place_port p;
	struct vdm_place_fn c[2];
	struct vdm_place_topo t = { .ports = &p, .num_ports = 1 };
	struct vdm_place_msgs msgs;

	port_init(&p, "rp", 0x08, false);
	memset(c, 0, sizeof(c));
	for (int k = 0; k < 2; k++) {
		c[k].id = k ? "b" : "a";
		c[k].devfn = (uint8_t)k;
		bar(&c[k], 0, VDM_REGION_MEM64, UINT64_C(1) << 62, true);
		bar(&c[k], 2, VDM_REGION_MEM64, UINT64_C(1) << 62, true);
	}
	p.children = c;
	p.num_children = 2;
	assert_int_equal(vdm_place_machine(&m, &t, NULL, &msgs), -ENOSPC);
	/* 4 x 2^62 saturates to 2^64-1, rounded down to the 1M granule */
	assert_string_equal(msgs.err, "rp: prefetchable window for its devices: 17592186044415M "
				      "(aligned to 8E) does not fit in the 64-bit PCI aperture "
				      "[0x10000000000, 0x1000000000000): the largest free aligned "
				      "block left is 128T");
}

static void hot_add_fits_a_64g_bar_by_default_and_refuses_what_no_longer_fits(void **state)
{
	struct vdm_mach_desc m = mach(GIB, 40);
	struct vdm_place_port p;
	struct vdm_place_topo t = { .ports = &p, .num_ports = 1, .default_io = 4 * KIB };
	struct vdm_place *st = NULL;
	struct vdm_place_fn td, td2;
	const struct vdm_mach_root_port *rp = &m.root_ports[0];
	char err[256] = "";

	port_init(&p, "rp1", 0x08, true);
	assert_int_equal(vdm_place_machine(&m, &t, &st, NULL), 0);
	assert_non_null(st);
	testdev(&td, "td", 64 * GIB);
	assert_int_equal(vdm_place_fits(st, 0, td.bars, err, sizeof(err)), 0);
	assert_int_equal(vdm_place_hot_add(st, 0, td.bars, td.addr, err, sizeof(err)), 0);
	assert_int_equal(td.addr[2], rp->pref.base);
	assert_int_equal(td.addr[0], rp->mem.base);
	assert_int_equal(td.addr[1], rp->io.base);
	/* the pref window is full and the 2M mem window cannot take a 4M 64-bit pref BAR
	 * either: refused, naming the BAR, the sizes and the option to raise */
	testdev(&td2, "td2", 4 * MIB);
	assert_int_equal(vdm_place_fits(st, 0, td2.bars, err, sizeof(err)), -ENOSPC);
	assert_string_equal(err, "BAR2 (64-bit prefetchable memory, 4M) does not fit behind "
				 "root port rp1: its prefetchable window is 64G and its largest "
				 "free aligned block is 0 (raise pref64-reserve)");
	/* ...but a 1M one goes to the non-prefetchable window, as Linux would put it */
	td2.bars[2].size = MIB;
	assert_int_equal(vdm_place_hot_add(st, 0, td2.bars, td2.addr, err, sizeof(err)), 0);
	assert_true(inside(td2.addr[2], MIB, rp->mem));
	/* removal gives the space back */
	assert_int_equal(vdm_place_hot_remove(st, 0, td.bars, td.addr), 0);
	assert_int_equal(vdm_place_hot_remove(st, 0, td.bars, td.addr), -ENOENT);
	td2.bars[2].size = 64 * GIB;
	assert_int_equal(vdm_place_fits(st, 0, td2.bars, err, sizeof(err)), 0);
	assert_int_equal(vdm_place_fits(st, 1, td2.bars, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "root port index 1 does not exist");
	vdm_place_destroy(st);
}

static void with_reserves_at_zero_a_hot_added_4m_bar_has_no_space(void **state)
{
	struct vdm_mach_desc m = mach(GIB, 40);
	struct vdm_place_port p;
	struct vdm_place_topo t = { .ports = &p, .num_ports = 1 };
	struct vdm_place *st = NULL;
	struct vdm_place_fn td;
	char err[256] = "";
	uint64_t before[VDM_MAX_REGIONS];

	port_init(&p, "rp1", 0x08, true);
	p.reserve.io = p.reserve.mem = p.reserve.pref64 = 0;
	assert_int_equal(vdm_place_machine(&m, &t, &st, NULL), 0);
	testdev(&td, "td", 4 * MIB);
	memset(&td.bars[1], 0, sizeof(td.bars[1]));
	memset(before, 0x5a, sizeof(before));
	memcpy(td.addr, before, sizeof(before));
	assert_int_equal(vdm_place_hot_add(st, 0, td.bars, td.addr, err, sizeof(err)), -ENOSPC);
	assert_string_equal(err, "BAR2 (64-bit prefetchable memory, 4M): root port rp1 has no "
				 "prefetchable window (set pref64-reserve on it)");
	assert_memory_equal(td.addr, before, sizeof(before)); /* all or nothing */
	vdm_place_destroy(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(four_hotplug_ports_get_64g_pref_and_2m_mem_windows_by_default),
		cmocka_unit_test(testdev_behind_a_port_lands_inside_its_windows_and_opens_io),
		cmocka_unit_test(bus_reserve_leaves_room_and_the_next_port_starts_after_it),
		cmocka_unit_test(bus_reserve_past_bus_255_is_an_error_naming_the_port),
		cmocka_unit_test(small_phys_bits_shrink_the_last_ports_defaults_with_warnings),
		cmocka_unit_test(forty_phys_bits_give_32_ports_fair_windows_of_at_least_16g),
		cmocka_unit_test(explicit_reserve_that_does_not_fit_is_an_error_with_sizes),
		cmocka_unit_test(pref32_reserve_puts_the_prefetchable_window_below_4g),
		cmocka_unit_test(io_window_only_when_asked_and_zero_reserves_mean_children_only),
		cmocka_unit_test(root_bus_endpoints_take_bars_from_the_host_bridge_apertures),
		cmocka_unit_test(a_32bit_bar_bigger_than_the_aperture_names_device_and_sizes),
		cmocka_unit_test(invalid_topologies_are_refused_with_the_reason),
		cmocka_unit_test(children_whose_bars_sum_past_2_to_64_are_refused_not_wrapped),
		cmocka_unit_test(hot_add_fits_a_64g_bar_by_default_and_refuses_what_no_longer_fits),
		cmocka_unit_test(with_reserves_at_zero_a_hot_added_4m_bar_has_no_space),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
