/* Unit tests for vmm-example's PCI host (vmm-example/pci_host.c) with a real pcie-root-port
 * and a recording endpoint: config routing by the bridge's current bus numbers, BAR routing
 * that follows BAR moves, decode enables and bridge windows, CF8/CFC, INTx GSIs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vdm/devices.h>
#include <vdm/pci.h>

#include "bus.h"
#include <vdm/pci_host.h>

/* --- a recording endpoint: BAR0 mem32 4K, BAR1 io 256, BAR2 mem64 pref 1M, INTA -------- */
struct rec_dev {
	struct vdm_pci_function fn;
	uint32_t last_region;
	uint64_t last_off, last_val;
	uint32_t bar_reads, bar_writes;
};

static int rec_bar_read(struct vdm_device *dev, uint32_t region, uint64_t off, uint32_t size,
			uint64_t *v)
{
	struct rec_dev *d = (struct rec_dev *)dev;

	d->last_region = region;
	d->last_off = off;
	d->bar_reads++;
	*v = 0x1000u * region + off;
	(void)size;
	return 0;
}

static int rec_bar_write(struct vdm_device *dev, uint32_t region, uint64_t off, uint32_t size,
			 uint64_t v)
{
	struct rec_dev *d = (struct rec_dev *)dev;

	d->last_region = region;
	d->last_off = off;
	d->last_val = v;
	d->bar_writes++;
	(void)size;
	return 0;
}

static void rec_reset(struct vdm_device *dev)
{
	(void)dev;
}

static void rec_destroy(struct vdm_device *dev)
{
	free(dev);
}

static const struct vdm_device_ops rec_ops = {
	VDM_STRUCT_HEAD(struct vdm_device_ops),
	.cfg_read = vdm_pci_function_cfg_read,
	.cfg_write = vdm_pci_function_cfg_write,
	.bar_read = rec_bar_read,
	.bar_write = rec_bar_write,
	.reset = rec_reset,
	.destroy = rec_destroy,
};

static struct rec_dev *rec_new(const struct vdm_host *host)
{
	static const struct vdm_pci_ids ids = { .vendor = 0x1234, .device = 0x5678,
						.class_code = 0xff0000, .int_pin = 1,
						.express = true };
	struct rec_dev *d = calloc(1, sizeof(*d));

	vdm_device_init(&d->fn.dev, &rec_ops, NULL, host);
	assert_int_equal(vdm_pci_config_init(&d->fn.cfg, &ids), 0);
	assert_int_equal(vdm_pci_config_add_bar(&d->fn.cfg, 0, VDM_REGION_MEM32, 0, 0x1000), 0);
	assert_int_equal(vdm_pci_config_add_bar(&d->fn.cfg, 1, VDM_REGION_IO, 0, 0x100), 0);
	assert_int_equal(vdm_pci_config_add_bar(&d->fn.cfg, 2, VDM_REGION_MEM64,
						VDM_REGION_PREFETCHABLE, 0x100000), 0);
	vdm_pci_config_seal(&d->fn.cfg);
	vdm_pci_config_fill_resources(&d->fn.cfg, &d->fn.dev.res);
	return d;
}

/* --- fixture: root port at 00:03.0 (bus 1), endpoint behind it, endpoint at 00:05.0 ------ */
struct irq_rec {
	uint32_t gsi, level, calls;
};

struct fx {
	struct vdm_pci_host *h;
	struct vdm_device *rp;
	struct rec_dev *child, *root_ep;
	int rp_fn, child_fn, root_fn;
	struct irq_rec irq;
};

static void irq_sink(void *opaque, uint32_t gsi, uint32_t level)
{
	struct irq_rec *r = opaque;

	r->gsi = gsi;
	r->level = level;
	r->calls++;
}

static uint32_t cfg(struct fx *f, uint8_t bus, uint8_t devfn, uint32_t reg, uint32_t size)
{
	uint32_t v;

	vdm_pci_host_cfg_read(f->h, bus, devfn, reg, size, &v);
	return v;
}

static void wcfg(struct fx *f, uint8_t bus, uint8_t devfn, uint32_t reg, uint32_t size, uint32_t v)
{
	vdm_pci_host_cfg_write(f->h, bus, devfn, reg, size, v);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct vdm_host host;
	char err[128];

	f->h = vdm_pci_host_create(0, 255, irq_sink, NULL, &f->irq);
	f->rp_fn = vdm_pci_host_reserve(f->h, &host);
	assert_int_equal(vdm_root_port_type.create(NULL, &host, &f->rp, err, sizeof(err)), 0);
	assert_int_equal(vdm_pci_host_attach(f->h, f->rp_fn, f->rp, -1, 3 << 3), 0);
	f->child_fn = vdm_pci_host_reserve(f->h, &host);
	f->child = rec_new(&host);
	assert_int_equal(vdm_pci_host_attach(f->h, f->child_fn, &f->child->fn.dev, f->rp_fn, 0), 0);
	f->root_fn = vdm_pci_host_reserve(f->h, &host);
	f->root_ep = rec_new(&host);
	assert_int_equal(vdm_pci_host_attach(f->h, f->root_fn, &f->root_ep->fn.dev, -1, 5 << 3), 0);
	/* Firmware-style programming, as the guest would do it through config space. */
	wcfg(f, 0, 3 << 3, 0x18, 4, 0x000101 << 0 | 1 << 8 | 1 << 16); /* 0 / 1 / 1 */
	wcfg(f, 0, 3 << 3, 0x20, 4, 0xc010c000);  /* mem window 0xc0000000-0xc01fffff */
	wcfg(f, 0, 3 << 3, 0x24, 4, 0x0001 | 0x0001u << 16); /* pref 64-bit, 1M */
	wcfg(f, 0, 3 << 3, 0x28, 4, 0x10);         /* pref base upper: 0x10_00000000 */
	wcfg(f, 0, 3 << 3, 0x2c, 4, 0x10);         /* pref limit upper */
	wcfg(f, 0, 3 << 3, 0x1c, 2, 0x1010);       /* io window 0x1000-0x1fff */
	wcfg(f, 0, 3 << 3, 0x04, 2, 0x7);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	vdm_device_destroy(vdm_pci_host_detach(f->h, f->child_fn));
	vdm_device_destroy(vdm_pci_host_detach(f->h, f->root_fn));
	vdm_device_destroy(vdm_pci_host_detach(f->h, f->rp_fn));
	vdm_pci_host_destroy(f->h);
	free(f);
	return 0;
}

static void empty_slots_and_unknown_buses_read_all_ones(void **state)
{
	struct fx *f = *state;

	assert_int_equal(cfg(f, 0, 0, 0, 4), 0xffffffffu);
	assert_int_equal(cfg(f, 0, 4 << 3, 0, 2), 0xffff);
	assert_int_equal(cfg(f, 1, 1 << 3, 0, 4), 0xffffffffu); /* only device 0 behind the port */
	assert_int_equal(cfg(f, 2, 0, 0, 4), 0xffffffffu);
	assert_int_equal(cfg(f, 0, 3 << 3, 0, 4), 0x000c1b36u);
	assert_int_equal(cfg(f, 0, 5 << 3, 0, 4), 0x56781234u);
	assert_int_equal(cfg(f, 1, 0, 0, 4), 0x56781234u);
	/* writes to nothing are dropped without effect */
	wcfg(f, 7, 0, 0x10, 4, 0);
	assert_int_equal(cfg(f, 7, 0, 0x10, 4), 0xffffffffu);
}

static void child_follows_the_root_ports_current_secondary_bus(void **state)
{
	struct fx *f = *state;

	assert_int_equal(cfg(f, 1, 0, 0, 4), 0x56781234u);
	/* the guest renumbers: secondary 9, subordinate 9 */
	wcfg(f, 0, 3 << 3, 0x19, 1, 9);
	wcfg(f, 0, 3 << 3, 0x1a, 1, 9);
	assert_int_equal(cfg(f, 1, 0, 0, 4), 0xffffffffu);
	assert_int_equal(cfg(f, 9, 0, 0, 4), 0x56781234u);
	/* secondary 0 (unconfigured) hides the child entirely */
	wcfg(f, 0, 3 << 3, 0x19, 1, 0);
	assert_int_equal(cfg(f, 9, 0, 0, 4), 0xffffffffu);
	assert_int_equal(cfg(f, 0, 0, 0, 4), 0xffffffffu);
}

static void cf8_cfc_and_ecam_reach_the_same_registers(void **state)
{
	struct fx *f = *state;
	uint64_t v;

	vdm_pci_host_cf8_write(f->h, 0, 4, 0x80000000u | 1 << 16 | 0 << 8 | 0x00);
	vdm_pci_host_cfc_read(f->h, 0, 4, &v);
	assert_int_equal(v, 0x56781234u);
	vdm_pci_host_cfc_read(f->h, 2, 2, &v); /* byte offset 2 of the dword */
	assert_int_equal(v, 0x5678);
	vdm_pci_host_cf8_read(f->h, 0, 4, &v);
	assert_int_equal(v, 0x80010000u);
	/* enable bit clear: nothing */
	vdm_pci_host_cf8_write(f->h, 0, 4, 0x00010000u);
	vdm_pci_host_cfc_read(f->h, 0, 4, &v);
	assert_int_equal(v, 0xffffffffu);
	/* ECAM: bus 0, device 5, register 0x0e (header type) */
	vdm_pci_host_ecam_read(f->h, (5u << 15) | 0x0e, 1, &v);
	assert_int_equal(v, 0);
	vdm_pci_host_ecam_read(f->h, (1u << 20) | 0x00, 4, &v);
	assert_int_equal(v, 0x56781234u);
	vdm_pci_host_ecam_read(f->h, (1u << 20) | 0x00, 8, &v); /* split into two dwords */
	assert_int_equal(v >> 32, cfg(f, 1, 0, 4, 4));
	/* an ECAM write lands in config space */
	vdm_pci_host_ecam_write(f->h, (5u << 15) | 0x3c, 1, 0x42);
	assert_int_equal(cfg(f, 0, 5 << 3, 0x3c, 1), 0x42);
}

static void bar_access_needs_the_decode_bit_and_follows_bar_moves(void **state)
{
	struct fx *f = *state;
	uint64_t v;

	wcfg(f, 0, 5 << 3, 0x10, 4, 0xd0000000);
	assert_false(vdm_pci_host_mmio_read(f->h, 0xd0000010, 4, &v)); /* MEM decode still off */
	assert_int_equal(v, 0xffffffffu);
	wcfg(f, 0, 5 << 3, 0x04, 2, 0x2);
	assert_true(vdm_pci_host_mmio_read(f->h, 0xd0000010, 4, &v));
	assert_int_equal(v, 0x10);
	assert_int_equal(f->root_ep->last_region, 0);
	assert_true(vdm_pci_host_mmio_write(f->h, 0xd0000ffc, 4, 0xabcd));
	assert_int_equal(f->root_ep->last_off, 0xffc);
	assert_int_equal(f->root_ep->last_val, 0xabcd);
	assert_false(vdm_pci_host_mmio_read(f->h, 0xd0000ffe, 4, &v)); /* runs past the BAR */
	/* the guest moves the BAR: old address dead, new one live */
	wcfg(f, 0, 5 << 3, 0x10, 4, 0xd1000000);
	assert_false(vdm_pci_host_mmio_read(f->h, 0xd0000010, 4, &v));
	assert_true(vdm_pci_host_mmio_read(f->h, 0xd1000020, 2, &v));
	assert_int_equal(v, 0x20);
	/* BAR sizing with decode on: all-ones then restore keeps routing right afterwards */
	wcfg(f, 0, 5 << 3, 0x10, 4, 0xffffffff);
	assert_int_equal(cfg(f, 0, 5 << 3, 0x10, 4), 0xfffff000u);
	wcfg(f, 0, 5 << 3, 0x10, 4, 0xd1000000);
	assert_true(vdm_pci_host_mmio_read(f->h, 0xd1000020, 4, &v));
	/* decode off again */
	wcfg(f, 0, 5 << 3, 0x04, 2, 0x0);
	assert_false(vdm_pci_host_mmio_read(f->h, 0xd1000020, 4, &v));
}

static void child_bars_are_reached_only_inside_open_bridge_windows(void **state)
{
	struct fx *f = *state;
	uint64_t v;

	wcfg(f, 1, 0, 0x10, 4, 0xc0100000);           /* BAR0 inside the mem window */
	wcfg(f, 1, 0, 0x14, 4, 0x1100);               /* BAR1 inside the io window */
	wcfg(f, 1, 0, 0x18, 4, 0x0000000c);           /* BAR2 64-bit: 0x10_00000000 */
	wcfg(f, 1, 0, 0x1c, 4, 0x10);
	wcfg(f, 1, 0, 0x04, 2, 0x3);
	assert_true(vdm_pci_host_mmio_read(f->h, 0xc0100008, 4, &v));
	assert_int_equal(v, 0x8);
	assert_true(vdm_pci_host_pio_read(f->h, 0x1104, 1, &v));
	assert_int_equal(f->child->last_region, 1);
	assert_true(
		vdm_pci_host_mmio_write(f->h, UINT64_C(0x1000000040), 8, 0x1122334455667788ull));
	assert_int_equal(f->child->last_region, 2);
	assert_int_equal(f->child->last_off, 0x40);
	assert_true(f->child->last_val == 0x1122334455667788ull);
	/* BAR0 outside the window: unreachable although the device decodes it */
	wcfg(f, 1, 0, 0x10, 4, 0xc0400000);
	assert_false(vdm_pci_host_mmio_read(f->h, 0xc0400008, 4, &v));
	wcfg(f, 1, 0, 0x10, 4, 0xc0100000);
	/* bridge memory decode off: neither memory window forwards; I/O still does */
	wcfg(f, 0, 3 << 3, 0x04, 2, 0x1);
	assert_false(vdm_pci_host_mmio_read(f->h, 0xc0100008, 4, &v));
	assert_false(vdm_pci_host_mmio_read(f->h, UINT64_C(0x1000000040), 4, &v));
	assert_true(vdm_pci_host_pio_read(f->h, 0x1104, 1, &v));
	wcfg(f, 0, 3 << 3, 0x04, 2, 0x3);
	/* the guest closes the prefetchable window (base > limit) */
	wcfg(f, 0, 3 << 3, 0x24, 4, 0x0001fff1);
	assert_false(vdm_pci_host_mmio_read(f->h, UINT64_C(0x1000000040), 4, &v));
	assert_true(vdm_pci_host_mmio_read(f->h, 0xc0100008, 4, &v));
}

static void intx_goes_to_the_swizzled_gsi_and_is_shared_by_level(void **state)
{
	struct fx *f = *state;

	/* root-bus device 5, INTA -> GSI 16 + (5 + 0) % 8 = 21 */
	vdm_device_set_irq(&f->root_ep->fn.dev, 0, 1);
	assert_int_equal(f->irq.gsi, vdm_pci_intx_gsi(5, 1));
	assert_int_equal(f->irq.gsi, 21);
	assert_int_equal(f->irq.level, 1);
	vdm_device_set_irq(&f->root_ep->fn.dev, 0, 1); /* no second edge */
	assert_int_equal(f->irq.calls, 1);
	vdm_device_set_irq(&f->root_ep->fn.dev, 0, 0);
	assert_int_equal(f->irq.level, 0);
	assert_int_equal(f->irq.calls, 2);
	/* behind root port 3: device 0 INTA swizzles to INTA of slot 3 -> GSI 19 */
	vdm_device_set_irq(&f->child->fn.dev, 0, 1);
	assert_int_equal(f->irq.gsi, 19);
	assert_int_equal(f->irq.level, 1);
	vdm_device_set_irq(&f->child->fn.dev, 0, 0);
	assert_int_equal(f->irq.level, 0);
	/* a line other than 0 is not INTx */
	vdm_device_set_irq(&f->child->fn.dev, 1, 1);
	assert_int_equal(f->irq.calls, 4);
}

static void attach_refuses_taken_devfns_and_non_bridge_parents(void **state)
{
	struct fx *f = *state;
	struct vdm_host host;
	struct rec_dev *d;
	int fn;

	fn = vdm_pci_host_reserve(f->h, &host);
	d = rec_new(&host);
	assert_int_equal(vdm_pci_host_attach(f->h, fn, &d->fn.dev, -1, 5 << 3), -EBUSY);
	assert_int_equal(vdm_pci_host_attach(f->h, fn, &d->fn.dev, f->rp_fn, 0), -EBUSY);
	assert_int_equal(vdm_pci_host_attach(f->h, fn, &d->fn.dev, f->root_fn, 0), -EINVAL);
	assert_int_equal(vdm_pci_host_attach(f->h, fn, &d->fn.dev, -1, 6 << 3), 0);
	assert_int_equal(cfg(f, 0, 6 << 3, 0, 4), 0x56781234u);
	assert_true(vdm_pci_host_detach(f->h, fn) == &d->fn.dev);
	assert_int_equal(cfg(f, 0, 6 << 3, 0, 4), 0xffffffffu);
	vdm_device_destroy(&d->fn.dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(empty_slots_and_unknown_buses_read_all_ones, setup,
						teardown),
		cmocka_unit_test_setup_teardown(child_follows_the_root_ports_current_secondary_bus,
						setup, teardown),
		cmocka_unit_test_setup_teardown(cf8_cfc_and_ecam_reach_the_same_registers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(bar_access_needs_the_decode_bit_and_follows_bar_moves,
						setup, teardown),
		cmocka_unit_test_setup_teardown(child_bars_are_reached_only_inside_open_bridge_windows,
						setup, teardown),
		cmocka_unit_test_setup_teardown(intx_goes_to_the_swizzled_gsi_and_is_shared_by_level,
						setup, teardown),
		cmocka_unit_test_setup_teardown(attach_refuses_taken_devfns_and_non_bridge_parents,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
