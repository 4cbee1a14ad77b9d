/* Unit tests for the GED + PCI hotplug controller (devices/ged.c, devices/pcihp.c): every
 * register, event latching and irq pulses, eject flow, bus selection, hostile accesses, reset. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <vdm/builtin.h>
#include <vdm/device.h>
#include <vdm/ged.h>
#include <vdm/props.h>

#define MAX_REC 64

/* What the device asked of its host, in order. */
struct rec {
	uint32_t irq_calls;
	uint32_t irq_line[MAX_REC], irq_level[MAX_REC];
	uint32_t ejects;
	uint32_t ej_bsel[MAX_REC], ej_slot[MAX_REC];
};

static void rec_set_irq(void *opaque, uint32_t line, uint32_t level)
{
	struct rec *r = opaque;

	if (r->irq_calls < MAX_REC) {
		r->irq_line[r->irq_calls] = line;
		r->irq_level[r->irq_calls] = level;
	}
	r->irq_calls++;
}

static void rec_eject(void *opaque, uint32_t bsel, uint32_t slot)
{
	struct rec *r = opaque;

	if (r->ejects < MAX_REC) {
		r->ej_bsel[r->ejects] = bsel;
		r->ej_slot[r->ejects] = slot;
	}
	r->ejects++;
}

struct fixture {
	struct rec rec;
	struct vdm_device *dev;
};

/* Create a GED from a property string through the parser and the builtin registry. */
static struct vdm_device *make_ged(const char *args, struct rec *rec)
{
	struct vdm_host host = { VDM_STRUCT_HEAD(struct vdm_host), .opaque = rec,
				 .set_irq = rec_set_irq, .eject = rec_eject };
	const struct vdm_device_type *t = vdm_builtin_find("ged");
	struct vdm_prop_values pv;
	struct vdm_device *dev = NULL;
	char err[128];

	assert_non_null(t);
	assert_int_equal(vdm_props_parse_args(args, t, NULL, 0, &pv, err, sizeof(err)), 0);
	assert_int_equal(t->create(&pv, &host, &dev, err, sizeof(err)), 0);
	assert_non_null(dev);
	return dev;
}

static uint32_t rd(struct vdm_device *d, uint32_t region, uint64_t off)
{
	uint64_t v = 0xdeadbeefdeadbeefull;

	assert_int_equal(vdm_bar_read(d, region, off, 4, &v), 0);
	assert_true(v <= UINT32_MAX);
	return (uint32_t)v;
}

static void wr(struct vdm_device *d, uint32_t region, uint64_t off, uint32_t v)
{
	assert_int_equal(vdm_bar_write(d, region, off, 4, v), 0);
}

static uint32_t esel(struct vdm_device *d)
{
	return rd(d, VDM_GED_REGION_SEL, 0);
}

static uint32_t hp_rd(struct vdm_device *d, uint32_t off)
{
	return rd(d, VDM_GED_REGION_PCIHP, off);
}

static void hp_wr(struct vdm_device *d, uint32_t off, uint32_t v)
{
	wr(d, VDM_GED_REGION_PCIHP, off, v);
}

static struct vdm_ged_bus_state query(struct vdm_device *d, uint32_t bsel)
{
	struct vdm_ged_bus_state s;

	assert_int_equal(vdm_ged_query(d, bsel, &s), 0);
	return s;
}

/* Assert the recorded irq calls since `from` are `pulses` clean 1->0 pulses on line 0. */
static void expect_pulses(const struct rec *r, uint32_t from, uint32_t pulses)
{
	uint32_t i;

	assert_int_equal(r->irq_calls - from, 2 * pulses);
	for (i = from; i < r->irq_calls && i < MAX_REC; i++) {
		assert_int_equal(r->irq_line[i], 0);
		assert_int_equal(r->irq_level[i], (i - from) % 2 == 0 ? 1 : 0);
	}
}

static int setup_one(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	f.dev = make_ged("", &f.rec);
	*state = &f;
	return 0;
}

static int setup_three(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	f.dev = make_ged("selectors=3,slot-mask=0xff", &f.rec);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	vdm_device_destroy(f->dev);
	return 0;
}

static void declares_platform_device_with_one_irq_and_two_mem32_regions(void **state)
{
	struct fixture *f = *state;
	const struct vdm_resources *r = &f->dev->res;
	uint32_t v, i;

	assert_ptr_equal(vdm_builtin_find("ged"), &vdm_ged_type);
	assert_int_equal(vdm_ged_type.bus_kind, VDM_BUS_PLATFORM);
	assert_int_equal(r->bus_kind, VDM_BUS_PLATFORM);
	assert_int_equal(r->num_irqs, 1);
	assert_int_equal(r->regions[0].kind, VDM_REGION_MEM32);
	assert_int_equal(r->regions[0].size, 4);
	assert_int_equal(r->regions[1].kind, VDM_REGION_MEM32);
	assert_int_equal(r->regions[1].size, 0x20);
	for (i = 2; i < VDM_MAX_REGIONS; i++)
		assert_int_equal(r->regions[i].kind, VDM_REGION_NONE);
	/* No config space: the wrapper answers all-ones. */
	assert_int_equal(vdm_cfg_read(f->dev, 0, 4, &v), -EINVAL);
	assert_int_equal(v, 0xffffffffu);
	/* Defaults: one selector with only slot 0 (a root port's secondary bus). */
	assert_int_equal(vdm_ged_num_selectors(f->dev), 1);
	assert_int_equal(query(f->dev, 0).slots, 0x1);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_HPEN), 0x1);
	assert_int_equal(f->rec.irq_calls, 0);
}

static void properties_set_selector_count_and_slot_mask(void **state)
{
	const struct vdm_device_type *t = &vdm_ged_type;
	struct vdm_prop_values pv;
	struct vdm_device *dev;
	struct rec rec = { 0 };
	char err[128];
	uint32_t i;

	dev = make_ged("selectors=256,slot-mask=0x80000001", &rec);
	assert_int_equal(vdm_ged_num_selectors(dev), 256);
	for (i = 0; i < 256; i++)
		assert_int_equal(query(dev, i).slots, 0x80000001u);
	assert_int_equal(vdm_ged_query(dev, 256, &(struct vdm_ged_bus_state){ 0 }), -EINVAL);
	vdm_device_destroy(dev);

	assert_int_equal(vdm_props_parse_args("selectors=0", t, NULL, 0, &pv, err, sizeof(err)),
			 -ERANGE);
	assert_string_equal(err, "selectors=0: must be at least 1");
	assert_int_equal(vdm_props_parse_args("selectors=257", t, NULL, 0, &pv, err, sizeof(err)),
			 -ERANGE);
	assert_string_equal(err, "selectors=257: must be at most 256");

	/* A host that builds props by hand still cannot get an out-of-range count. */
	memset(&pv, 0, sizeof(pv));
	pv.count = 1;
	pv.v[0].desc = &t->props_schema[0];
	pv.v[0].num = 1000;
	dev = (struct vdm_device *)&pv; /* must be reset to NULL */
	assert_int_equal(t->create(&pv, NULL, &dev, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "selectors=1000: must be 1..256");
	assert_null(dev);
}

static void event_selector_returns_accumulated_bits_and_read_clears(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(esel(f->dev), 0);
	assert_int_equal(vdm_ged_power_button(f->dev), 0);
	assert_int_equal(vdm_ged_hot_add(f->dev, 0, 0), 0);
	assert_int_equal(vdm_ged_pending_events(f->dev), 0x12);
	/* Writes to the selector are ignored: the bits stay latched. */
	wr(f->dev, VDM_GED_REGION_SEL, 0, 0);
	wr(f->dev, VDM_GED_REGION_SEL, 0, 0xffffffff);
	assert_int_equal(esel(f->dev), VDM_GED_EVT_PWR_DOWN | VDM_GED_EVT_PCI_HOTPLUG);
	assert_int_equal(esel(f->dev), 0);
	assert_int_equal(vdm_ged_pending_events(f->dev), 0);
	/* Reading ESEL does not touch the hotplug block. */
	assert_int_equal(query(f->dev, 0).up, 0x1);
}

static void every_event_pulses_the_irq_once_from_1_to_0(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(vdm_ged_hot_add(f->dev, 0, 0), 0);
	expect_pulses(&f->rec, 0, 1);
	assert_int_equal(vdm_ged_unplug_request(f->dev, 0, 0), 0);
	expect_pulses(&f->rec, 0, 2);
	assert_int_equal(vdm_ged_power_button(f->dev), 0);
	expect_pulses(&f->rec, 0, 3);
	/* Same event again while still latched: still one more edge (QEMU pulses every time). */
	assert_int_equal(vdm_ged_hot_add(f->dev, 0, 0), 0);
	expect_pulses(&f->rec, 0, 4);
	/* Guest register accesses never touch the line. */
	esel(f->dev);
	hp_rd(f->dev, VDM_PCIHP_PCIU);
	hp_wr(f->dev, VDM_PCIHP_B0EJ, 1);
	expect_pulses(&f->rec, 0, 4);
}

static void pciu_read_clears_but_pcid_does_not(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(vdm_ged_hot_add(f->dev, 1, 3), 0);
	assert_int_equal(vdm_ged_unplug_request(f->dev, 1, 5), 0);
	hp_wr(f->dev, VDM_PCIHP_BNUM, 1);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCIU), 1u << 3);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCIU), 0);
	assert_int_equal(query(f->dev, 1).up, 0);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCID), 1u << 5);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCID), 1u << 5);
	assert_int_equal(query(f->dev, 1).down, 1u << 5);
	assert_int_equal(f->rec.ejects, 0);
}

static void b0ej_ejects_only_the_lowest_set_slot_and_clears_its_bits(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(vdm_ged_unplug_request(f->dev, 2, 1), 0);
	assert_int_equal(vdm_ged_unplug_request(f->dev, 2, 3), 0);
	assert_int_equal(vdm_ged_unplug_request(f->dev, 2, 5), 0);
	assert_int_equal(vdm_ged_hot_add(f->dev, 2, 1), 0);
	hp_wr(f->dev, VDM_PCIHP_BNUM, 2);
	hp_wr(f->dev, VDM_PCIHP_B0EJ, (1u << 1) | (1u << 3) | (1u << 5));
	assert_int_equal(f->rec.ejects, 1);
	assert_int_equal(f->rec.ej_bsel[0], 2);
	assert_int_equal(f->rec.ej_slot[0], 1);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCID), (1u << 3) | (1u << 5));
	assert_int_equal(query(f->dev, 2).up, 0); /* the up bit of slot 1 went too */
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_B0EJ), 0);

	/* The AML's PCEJ writes 1 << _SUN. */
	hp_wr(f->dev, VDM_PCIHP_B0EJ, 1u << 5);
	assert_int_equal(f->rec.ejects, 2);
	assert_int_equal(f->rec.ej_slot[1], 5);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCID), 1u << 3);

	/* Nothing to eject: value 0, or a slot that does not exist on this selector. */
	hp_wr(f->dev, VDM_PCIHP_B0EJ, 0);
	hp_wr(f->dev, VDM_PCIHP_B0EJ, 1u << 8);
	hp_wr(f->dev, VDM_PCIHP_B0EJ, 1u << 31);
	assert_int_equal(f->rec.ejects, 2);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCID), 1u << 3);

	/* A guest may eject a slot with no pending request (sysfs power off): reported too. */
	hp_wr(f->dev, VDM_PCIHP_B0EJ, 1u << 7);
	assert_int_equal(f->rec.ejects, 3);
	assert_int_equal(f->rec.ej_bsel[2], 2);
	assert_int_equal(f->rec.ej_slot[2], 7);
	expect_pulses(&f->rec, 0, 4); /* only the four host requests pulsed */
}

static void eject_without_host_callback_still_clears_bits(void **state)
{
	const struct vdm_device_type *t = &vdm_ged_type;
	struct vdm_host host = { VDM_STRUCT_HEAD(struct vdm_host) };
	struct vdm_device *dev = NULL;
	char err[64];

	assert_int_equal(t->create(NULL, &host, &dev, err, sizeof(err)), 0);
	assert_int_equal(vdm_ged_unplug_request(dev, 0, 0), 0);
	assert_int_equal(hp_rd(dev, VDM_PCIHP_PCID), 1);
	hp_wr(dev, VDM_PCIHP_B0EJ, 1);
	assert_int_equal(hp_rd(dev, VDM_PCIHP_PCID), 0);
	vdm_device_destroy(dev);
}

static void bnum_selects_one_bus_and_leaves_the_others_alone(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(vdm_ged_set_slots(f->dev, 0, 0x1), 0);
	assert_int_equal(vdm_ged_set_slots(f->dev, 1, 0x3), 0);
	assert_int_equal(vdm_ged_set_slots(f->dev, 2, 0xf0), 0);
	assert_int_equal(vdm_ged_hot_add(f->dev, 1, 1), 0);
	assert_int_equal(vdm_ged_unplug_request(f->dev, 2, 4), 0);

	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_BNUM), 0);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_HPEN), 0x1);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCIU), 0);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCID), 0);
	hp_wr(f->dev, VDM_PCIHP_B0EJ, 1u << 4); /* slot 4 does not exist on selector 0 */
	assert_int_equal(f->rec.ejects, 0);

	hp_wr(f->dev, VDM_PCIHP_BNUM, 2);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_BNUM), 2);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_HPEN), 0xf0);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCIU), 0); /* reading bus 2 leaves bus 1's up */
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCID), 1u << 4);
	assert_int_equal(query(f->dev, 1).up, 1u << 1);

	hp_wr(f->dev, VDM_PCIHP_BNUM, 1);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_HPEN), 0x3);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCIU), 1u << 1);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCID), 0);
	assert_int_equal(query(f->dev, 2).down, 1u << 4);

	hp_wr(f->dev, VDM_PCIHP_BNUM, 2);
	hp_wr(f->dev, VDM_PCIHP_B0EJ, 1u << 4);
	assert_int_equal(f->rec.ejects, 1);
	assert_int_equal(f->rec.ej_bsel[0], 2);
	assert_int_equal(f->rec.ej_slot[0], 4);
}

static void selector_past_the_last_reads_zero_and_ignores_writes(void **state)
{
	struct fixture *f = *state;
	static const uint32_t bad[] = { 3, 4, 255, 256, 0x80000000u, 0xffffffffu };
	size_t i;

	assert_int_equal(vdm_ged_hot_add(f->dev, 2, 0), 0);
	assert_int_equal(vdm_ged_unplug_request(f->dev, 2, 1), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hp_wr(f->dev, VDM_PCIHP_BNUM, bad[i]);
		assert_int_equal(hp_rd(f->dev, VDM_PCIHP_BNUM), bad[i]);
		assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCIU), 0);
		assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCID), 0);
		assert_int_equal(hp_rd(f->dev, VDM_PCIHP_HPEN), 0);
		assert_int_equal(hp_rd(f->dev, VDM_PCIHP_B0EJ), 0);
		hp_wr(f->dev, VDM_PCIHP_B0EJ, 0xffffffff);
	}
	assert_int_equal(f->rec.ejects, 0);
	hp_wr(f->dev, VDM_PCIHP_BNUM, 2);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCIU), 1u << 0);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCID), 1u << 1);
}

static void pidx_and_reserved_words_read_zero_and_ignore_writes(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(vdm_ged_hot_add(f->dev, 0, 0), 0);
	hp_wr(f->dev, VDM_PCIHP_PIDX, 1); /* AIDX: PIDX = 1 << slot */
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PIDX), 0);
	hp_wr(f->dev, 0x18, 0x12345678);
	hp_wr(f->dev, 0x1c, 0x12345678);
	assert_int_equal(hp_rd(f->dev, 0x18), 0);
	assert_int_equal(hp_rd(f->dev, 0x1c), 0);
	/* Read-only registers ignore writes. */
	hp_wr(f->dev, VDM_PCIHP_PCIU, 0);
	hp_wr(f->dev, VDM_PCIHP_PCID, 0xffffffff);
	hp_wr(f->dev, VDM_PCIHP_HPEN, 0);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_HPEN), 0xff);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCID), 0);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCIU), 1);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_BNUM), 0);
}

static void event_raised_mid_scan_is_not_lost(void **state)
{
	struct fixture *f = *state;

	/* _EVT #1 starts: reads ESEL (clears), PCNT selects bus 0. */
	assert_int_equal(vdm_ged_hot_add(f->dev, 0, 0), 0);
	assert_int_equal(esel(f->dev), VDM_GED_EVT_PCI_HOTPLUG);
	hp_wr(f->dev, VDM_PCIHP_BNUM, 0);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCIU), 1u << 0);
	/* Host hot-adds on bus 0 after the guest read bus 0's PCIU, and on bus 1 ahead of it. */
	assert_int_equal(vdm_ged_hot_add(f->dev, 0, 2), 0);
	assert_int_equal(vdm_ged_hot_add(f->dev, 1, 6), 0);
	expect_pulses(&f->rec, 0, 3);
	/* PCNT goes on to bus 1 and sees its slot in this scan. */
	hp_wr(f->dev, VDM_PCIHP_BNUM, 1);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCIU), 1u << 6);
	/* _EVT #2 (from the new edges): the event is latched again and bus 0's slot 2 waits. */
	assert_int_equal(esel(f->dev), VDM_GED_EVT_PCI_HOTPLUG);
	hp_wr(f->dev, VDM_PCIHP_BNUM, 0);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCIU), 1u << 2);
	hp_wr(f->dev, VDM_PCIHP_BNUM, 1);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCIU), 0);
	assert_int_equal(esel(f->dev), 0);
}

static void host_requests_for_missing_selectors_or_slots_are_refused(void **state)
{
	struct fixture *f = *state;
	struct vdm_ged_bus_state s;
	struct vdm_device other;
	uint32_t i;

	assert_int_equal(vdm_ged_set_slots(f->dev, 1, 0x5), 0);
	assert_int_equal(vdm_ged_hot_add(f->dev, 3, 0), -EINVAL);
	assert_int_equal(vdm_ged_hot_add(f->dev, 0xffffffff, 0), -EINVAL);
	assert_int_equal(vdm_ged_hot_add(f->dev, 1, 1), -EINVAL); /* slot 1 not in 0x5 */
	assert_int_equal(vdm_ged_hot_add(f->dev, 1, 32), -EINVAL);
	assert_int_equal(vdm_ged_hot_add(f->dev, 1, 0xffffffff), -EINVAL);
	assert_int_equal(vdm_ged_unplug_request(f->dev, 1, 3), -EINVAL);
	assert_int_equal(vdm_ged_unplug_request(f->dev, 3, 0), -EINVAL);
	assert_int_equal(vdm_ged_set_slots(f->dev, 3, 1), -EINVAL);
	assert_int_equal(vdm_ged_query(f->dev, 3, &s), -EINVAL);
	assert_int_equal(vdm_ged_query(f->dev, 0, NULL), -EINVAL);
	/* Refusals change nothing and raise nothing. */
	assert_int_equal(f->rec.irq_calls, 0);
	assert_int_equal(vdm_ged_pending_events(f->dev), 0);
	for (i = 0; i < 3; i++) {
		s = query(f->dev, i);
		assert_int_equal(s.up, 0);
		assert_int_equal(s.down, 0);
	}
	assert_int_equal(vdm_ged_hot_add(f->dev, 1, 2), 0);

	/* A device of another type is not a GED. */
	memset(&other, 0, sizeof(other));
	assert_int_equal(vdm_ged_hot_add(&other, 0, 0), -EINVAL);
	assert_int_equal(vdm_ged_unplug_request(&other, 0, 0), -EINVAL);
	assert_int_equal(vdm_ged_power_button(&other), -EINVAL);
	assert_int_equal(vdm_ged_set_slots(&other, 0, 1), -EINVAL);
	assert_int_equal(vdm_ged_query(&other, 0, &s), -EINVAL);
	assert_int_equal(vdm_ged_num_selectors(&other), 0);
	assert_int_equal(vdm_ged_pending_events(&other), 0);
	assert_int_equal(vdm_ged_hot_add(NULL, 0, 0), -EINVAL);
	assert_int_equal(vdm_ged_num_selectors(NULL), 0);
}

static void shrinking_a_slot_mask_drops_pending_bits_of_removed_slots(void **state)
{
	struct fixture *f = *state;
	struct vdm_ged_bus_state s;

	assert_int_equal(vdm_ged_hot_add(f->dev, 0, 1), 0);
	assert_int_equal(vdm_ged_hot_add(f->dev, 0, 6), 0);
	assert_int_equal(vdm_ged_unplug_request(f->dev, 0, 6), 0);
	assert_int_equal(vdm_ged_unplug_request(f->dev, 0, 2), 0);
	assert_int_equal(vdm_ged_set_slots(f->dev, 0, 0x3), 0);
	s = query(f->dev, 0);
	assert_int_equal(s.slots, 0x3);
	assert_int_equal(s.up, 1u << 1);
	assert_int_equal(s.down, 0);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_HPEN), 0x3);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCIU), 1u << 1);
}

/* Read all-ones and change nothing: the pending state below must survive. */
static void expect_ignored_access(struct vdm_device *d, uint32_t region, uint64_t off,
				  uint32_t size)
{
	uint64_t v = 0x5a5a, want = size >= 8 ? UINT64_MAX : (1ull << (size * 8)) - 1;

	assert_int_equal(vdm_bar_read(d, region, off, size, &v), -EINVAL);
	assert_int_equal(v, want);
	assert_int_equal(vdm_bar_write(d, region, off, size, 0xffffffffffffffffull), -EINVAL);
	assert_int_equal(vdm_bar_write(d, region, off, size, 0), -EINVAL);
}

static void odd_sizes_misaligned_and_out_of_range_accesses_read_all_ones(void **state)
{
	struct fixture *f = *state;
	static const uint32_t sizes[] = { 1, 2, 3, 8, 16 };
	uint64_t off, v;
	uint32_t r;
	size_t i;

	assert_int_equal(vdm_ged_hot_add(f->dev, 1, 2), 0);
	assert_int_equal(vdm_ged_unplug_request(f->dev, 1, 3), 0);
	hp_wr(f->dev, VDM_PCIHP_BNUM, 1);
	for (r = 0; r < 2; r++)
		for (off = 0; off < 0x28; off++)
			for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
				expect_ignored_access(f->dev, r, off, sizes[i]);
	/* 4-byte accesses that are misaligned or past the region. */
	for (off = 1; off < 4; off++) {
		expect_ignored_access(f->dev, 0, off, 4);
		expect_ignored_access(f->dev, 1, off, 4);
		expect_ignored_access(f->dev, 1, VDM_PCIHP_B0EJ + off, 4);
	}
	expect_ignored_access(f->dev, 0, 4, 4);
	expect_ignored_access(f->dev, 0, 0x1000, 4);
	expect_ignored_access(f->dev, 1, 0x20, 4);
	expect_ignored_access(f->dev, 1, 0x24, 4);
	expect_ignored_access(f->dev, 1, UINT64_MAX - 3, 4);
	expect_ignored_access(f->dev, 1, 0x100000010ull, 4); /* offset that truncates to BNUM */
	/* Regions that do not exist. */
	for (r = 2; r < 8; r++)
		expect_ignored_access(f->dev, r, 0, 4);
	expect_ignored_access(f->dev, 0xffffffff, 0, 4);
	assert_int_equal(vdm_bar_read(f->dev, 0, 0, 0, &v), -EINVAL);
	assert_int_equal(v, 0);
	assert_int_equal(vdm_bar_read(f->dev, 0, 0, 4, NULL), -EINVAL);

	/* None of that touched the state: events, BNUM, bits, no eject, no irq. */
	assert_int_equal(f->rec.ejects, 0);
	expect_pulses(&f->rec, 0, 2);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_BNUM), 1);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCIU), 1u << 2);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCID), 1u << 3);
	assert_int_equal(esel(f->dev), VDM_GED_EVT_PCI_HOTPLUG);
}

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64: deterministic, so a failure reproduces. */
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void random_guest_and_host_traffic_keeps_bitmaps_inside_slot_masks(void **state)
{
	struct fixture *f = *state;
	static const uint32_t sizes[] = { 1, 2, 3, 4, 4, 4, 4, 8 };
	struct vdm_ged_bus_state s;
	uint64_t seed = 0x9e3779b97f4a7c15ull, x, v;
	uint32_t i, b, nsel = vdm_ged_num_selectors(f->dev), ejects = 0, pulses = 0;
	uint32_t mask[3];

	for (b = 0; b < nsel; b++)
		mask[b] = query(f->dev, b).slots;
	for (i = 0; i < 200000; i++) {
		x = rng_next(&seed);
		switch (x & 7) {
		case 0:
			b = (uint32_t)(x >> 8) % 4, v = (x >> 16) & 31;
			if (vdm_ged_hot_add(f->dev, b, (uint32_t)v) == 0)
				pulses++;
			break;
		case 1:
			b = (uint32_t)(x >> 8) % 4, v = (x >> 16) & 31;
			if (vdm_ged_unplug_request(f->dev, b, (uint32_t)v) == 0)
				pulses++;
			break;
		case 2:
			if ((x >> 8) % 64 == 0) {
				b = (uint32_t)(x >> 16) % 3;
				mask[b] = (uint32_t)(x >> 24);
				assert_int_equal(vdm_ged_set_slots(f->dev, b, mask[b]), 0);
			} else if ((x >> 8) % 64 == 1) {
				vdm_device_reset(f->dev);
			}
			break;
		case 3:
		case 4:
			vdm_bar_write(f->dev, (uint32_t)(x >> 8) % 3, (x >> 12) % 0x28,
				      sizes[(x >> 20) & 7], rng_next(&seed) >> (x & 32));
			break;
		default:
			vdm_bar_read(f->dev, (uint32_t)(x >> 8) % 3, (x >> 12) % 0x28,
				     sizes[(x >> 20) & 7], &v);
			break;
		}
		for (b = 0; b < nsel; b++) {
			s = query(f->dev, b);
			assert_int_equal(s.slots, mask[b]);
			assert_int_equal(s.up & ~s.slots, 0);
			assert_int_equal(s.down & ~s.slots, 0);
		}
		assert_int_equal(vdm_ged_pending_events(f->dev) & ~VDM_GED_EVT_PCI_HOTPLUG, 0);
		/* Every eject named a selector that exists. */
		for (; ejects < f->rec.ejects && ejects < MAX_REC; ejects++)
			assert_true(f->rec.ej_bsel[ejects] < nsel);
		assert_int_equal(f->rec.irq_calls, 2 * pulses);
	}
	assert_true(pulses > 1000);
	assert_true(f->rec.ejects > 0);
}

static void reset_clears_events_bits_and_bnum_but_keeps_configuration(void **state)
{
	struct fixture *f = *state;
	struct vdm_ged_bus_state s;
	uint32_t calls;

	assert_int_equal(vdm_ged_set_slots(f->dev, 2, 0x30), 0);
	assert_int_equal(vdm_ged_hot_add(f->dev, 2, 4), 0);
	assert_int_equal(vdm_ged_unplug_request(f->dev, 0, 7), 0);
	assert_int_equal(vdm_ged_power_button(f->dev), 0);
	hp_wr(f->dev, VDM_PCIHP_BNUM, 2);
	calls = f->rec.irq_calls;

	vdm_device_reset(f->dev);
	assert_int_equal(f->rec.irq_calls, calls); /* reset raises nothing */
	assert_int_equal(vdm_ged_pending_events(f->dev), 0);
	assert_int_equal(esel(f->dev), 0);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_BNUM), 0);
	assert_int_equal(vdm_ged_num_selectors(f->dev), 3);
	s = query(f->dev, 2);
	assert_int_equal(s.slots, 0x30);
	assert_int_equal(s.up, 0);
	s = query(f->dev, 0);
	assert_int_equal(s.slots, 0xff);
	assert_int_equal(s.down, 0);
	hp_wr(f->dev, VDM_PCIHP_BNUM, 2);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_HPEN), 0x30);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCIU), 0);
	/* And it works as before afterwards. */
	assert_int_equal(vdm_ged_hot_add(f->dev, 2, 5), 0);
	assert_int_equal(hp_rd(f->dev, VDM_PCIHP_PCIU), 1u << 5);
	assert_int_equal(esel(f->dev), VDM_GED_EVT_PCI_HOTPLUG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			declares_platform_device_with_one_irq_and_two_mem32_regions, setup_one,
			teardown),
		cmocka_unit_test(properties_set_selector_count_and_slot_mask),
		cmocka_unit_test_setup_teardown(
			event_selector_returns_accumulated_bits_and_read_clears, setup_one,
			teardown),
		cmocka_unit_test_setup_teardown(every_event_pulses_the_irq_once_from_1_to_0,
						setup_one, teardown),
		cmocka_unit_test_setup_teardown(pciu_read_clears_but_pcid_does_not, setup_three,
						teardown),
		cmocka_unit_test_setup_teardown(
			b0ej_ejects_only_the_lowest_set_slot_and_clears_its_bits, setup_three,
			teardown),
		cmocka_unit_test(eject_without_host_callback_still_clears_bits),
		cmocka_unit_test_setup_teardown(bnum_selects_one_bus_and_leaves_the_others_alone,
						setup_three, teardown),
		cmocka_unit_test_setup_teardown(
			selector_past_the_last_reads_zero_and_ignores_writes, setup_three,
			teardown),
		cmocka_unit_test_setup_teardown(
			pidx_and_reserved_words_read_zero_and_ignore_writes, setup_three,
			teardown),
		cmocka_unit_test_setup_teardown(event_raised_mid_scan_is_not_lost, setup_three,
						teardown),
		cmocka_unit_test_setup_teardown(
			host_requests_for_missing_selectors_or_slots_are_refused, setup_three,
			teardown),
		cmocka_unit_test_setup_teardown(
			shrinking_a_slot_mask_drops_pending_bits_of_removed_slots, setup_three,
			teardown),
		cmocka_unit_test_setup_teardown(
			odd_sizes_misaligned_and_out_of_range_accesses_read_all_ones, setup_three,
			teardown),
		cmocka_unit_test_setup_teardown(
			random_guest_and_host_traffic_keeps_bitmaps_inside_slot_masks, setup_three,
			teardown),
		cmocka_unit_test_setup_teardown(
			reset_clears_events_bits_and_bnum_but_keeps_configuration, setup_three,
			teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
