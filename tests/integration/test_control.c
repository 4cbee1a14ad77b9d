/* Host control (device.h `control`, ring VDM_RING_CONTROL): the GED and root-port host APIs
 * give the same answers on a device in the test process and on one in a devhost, GED
 * interrupts and ejects cross the process boundary once per event, and a devhost that lies
 * in its control replies is refused (bad result) or failed (bad reply) while we carry on. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <vdm/builtin.h>
#include <vdm/ged.h>
#include <vdm/pci.h>
#include <vdm/props.h>
#include <vdm/ring.h>

#include "itest_common.h"
#include "itest_liar.h"
#include <vdm/root_port.h>

/* ---- in-process twin with recorded callbacks --------------------------------------------- */

struct twin {
	struct vdm_device *dev;
	uint32_t irq_edges;
	uint32_t nejects, eject_bsel, eject_slot;
};

static void twin_irq(void *opaque, uint32_t line, uint32_t level)
{
	struct twin *t = opaque;

	if (line == 0 && level)
		t->irq_edges++;
}

static void twin_eject(void *opaque, uint32_t bsel, uint32_t slot)
{
	struct twin *t = opaque;

	t->nejects++;
	t->eject_bsel = bsel;
	t->eject_slot = slot;
}

static void twin_create(struct twin *t, const char *spec)
{
	const struct vdm_device_type *const *types, *type;
	struct vdm_host host = { VDM_STRUCT_HEAD(struct vdm_host), .opaque = t,
				 .set_irq = twin_irq, .eject = twin_eject };
	struct vdm_prop_values pv;
	char err[256];
	size_t n;

	memset(t, 0, sizeof(*t));
	types = vdm_builtin_types(&n);
	if (vdm_props_parse(spec, types, n, NULL, 0, &type, &pv, err, sizeof(err)) ||
	    type->create(&pv, &host, &t->dev, err, sizeof(err)))
		fail_msg("%s: %s", spec, err);
}

/* A built-in device in a devhost. */
static struct vdm_device *spawn_builtin(struct itest_rec *r, const char *spec)
{
	struct vdm_proxy_config cfg;

	itest_rec_init(r);
	itest_config(&cfg, r, spec);
	cfg.plugin = NULL;
	return itest_spawn(&cfg);
}

static struct vdm_device *spawn_liar(struct itest_rec *r, const char *spec)
{
	struct vdm_proxy_config cfg;

	itest_rec_init(r);
	itest_config(&cfg, r, spec);
	cfg.plugin = itest_plugin_path("itest_liar");
	return itest_spawn(&cfg);
}

/* Interrupt edges the devhost signalled on line 0 since the last call. */
static uint64_t irqfd_edges(struct vdm_device *px)
{
	uint64_t v = 0;

	if (read(vdm_proxy_irqfd(px, 0), &v, sizeof(v)) != (ssize_t)sizeof(v))
		return 0; /* EAGAIN: none */
	return v;
}

/* ---- the GED ------------------------------------------------------------------------------ */

#define GED_SPEC "ged,selectors=3,slot-mask=0x5"

static void expect_same_ged_state(struct vdm_device *px, struct vdm_device *tw)
{
	struct vdm_ged_bus_state a, b;
	uint32_t bsel;

	for (bsel = 0; bsel < 4; bsel++) {
		memset(&a, 0xaa, sizeof(a));
		memset(&b, 0x55, sizeof(b));
		assert_int_equal(vdm_ged_query(px, bsel, &a), vdm_ged_query(tw, bsel, &b));
		if (bsel < 3) {
			assert_int_equal(a.slots, b.slots);
			assert_int_equal(a.up, b.up);
			assert_int_equal(a.down, b.down);
		}
	}
	assert_int_equal(vdm_ged_pending_events(px), vdm_ged_pending_events(tw));
	assert_int_equal(vdm_ged_num_selectors(px), vdm_ged_num_selectors(tw));
}

/* The guest's side: a 32-bit register access to region `r` of both. */
static void guest_write_both(struct vdm_device *px, struct vdm_device *tw, uint32_t r,
			     uint64_t off, uint32_t v)
{
	assert_int_equal(vdm_bar_write(px, r, off, 4, v), 0); /* posted */
	vdm_bar_write(tw, r, off, 4, v);
}

static void guest_read_both(struct vdm_device *px, struct vdm_device *tw, uint32_t r,
			    uint64_t off)
{
	uint64_t a = 1, b = 2;

	assert_int_equal(vdm_bar_read(px, r, off, 4, &a), vdm_bar_read(tw, r, off, 4, &b));
	assert_int_equal(a, b);
}

static void ged_host_api_answers_the_same_in_process_and_in_a_devhost(void **state)
{
	struct itest_rec r;
	struct twin t;
	struct vdm_device *px = spawn_builtin(&r, GED_SPEC);
	/* { op, bsel, slot } in the order a VMM might issue them, valid and not */
	static const struct {
		char op;
		uint32_t a, b;
	} script[] = {
		{ 's', 1, 0x5 }, { 's', 2, 0x1 }, { 's', 3, 0x1 }, { 'a', 1, 0 }, { 'a', 1, 1 },
		{ 'a', 1, 2 },   { 'a', 2, 2 },   { 'a', 7, 0 },   { 'a', 1, 32 }, { 'u', 2, 0 },
		{ 'u', 0, 0 },   { 'p', 0, 0 },   { 'a', 0xffffffff, 0 }, { 's', 1, 0x1 },
		{ 'u', 1, 0 },   { 'p', 0, 0 },
	};
	uint64_t px_edges = 0;
	unsigned i;
	int a, b;

	(void)state;
	twin_create(&t, GED_SPEC);
	assert_int_equal(vdm_ged_num_selectors(px), 3);
	expect_same_ged_state(px, t.dev);
	for (i = 0; i < sizeof(script) / sizeof(script[0]); i++) {
		switch (script[i].op) {
		case 's':
			a = vdm_ged_set_slots(px, script[i].a, script[i].b);
			b = vdm_ged_set_slots(t.dev, script[i].a, script[i].b);
			break;
		case 'a':
			a = vdm_ged_hot_add(px, script[i].a, script[i].b);
			b = vdm_ged_hot_add(t.dev, script[i].a, script[i].b);
			break;
		case 'u':
			a = vdm_ged_unplug_request(px, script[i].a, script[i].b);
			b = vdm_ged_unplug_request(t.dev, script[i].a, script[i].b);
			break;
		default:
			a = vdm_ged_power_button(px);
			b = vdm_ged_power_button(t.dev);
			break;
		}
		if (a != b)
			fail_msg("step %u (%c %u %u): devhost %d, in-process %d", i, script[i].op,
				 script[i].a, script[i].b, a, b);
		expect_same_ged_state(px, t.dev);
		px_edges += irqfd_edges(px);
		assert_int_equal(px_edges, t.irq_edges); /* one irqfd write per edge */
	}
	assert_true(t.irq_edges >= 5);
	/* what the guest then reads agrees too: ESEL (read-clears), and each selector's PCIU,
	 * PCID, HPEN */
	guest_read_both(px, t.dev, VDM_GED_REGION_SEL, 0);
	assert_int_equal(vdm_ged_pending_events(px), 0);
	for (i = 0; i < 3; i++) {
		guest_write_both(px, t.dev, VDM_GED_REGION_PCIHP, VDM_PCIHP_BNUM, i);
		guest_read_both(px, t.dev, VDM_GED_REGION_PCIHP, VDM_PCIHP_PCIU);
		guest_read_both(px, t.dev, VDM_GED_REGION_PCIHP, VDM_PCIHP_PCID);
		guest_read_both(px, t.dev, VDM_GED_REGION_PCIHP, VDM_PCIHP_HPEN);
	}
	expect_same_ged_state(px, t.dev);
	assert_int_equal(r.nev, 0);
	vdm_device_destroy(px);
	vdm_device_destroy(t.dev);
}

static void ged_ejects_reach_the_vmm_once_each_through_the_log_ring(void **state)
{
	struct itest_rec r;
	struct twin t;
	struct vdm_device *px = spawn_builtin(&r, GED_SPEC);
	int k;

	(void)state;
	twin_create(&t, GED_SPEC);
	assert_int_equal(vdm_ged_hot_add(px, 2, 0), vdm_ged_hot_add(t.dev, 2, 0));
	assert_int_equal(vdm_ged_unplug_request(px, 2, 0), vdm_ged_unplug_request(t.dev, 2, 0));
	/* _EJ0: BNUM = 2, B0EJ = slot 0 */
	guest_write_both(px, t.dev, VDM_GED_REGION_PCIHP, VDM_PCIHP_BNUM, 2);
	guest_write_both(px, t.dev, VDM_GED_REGION_PCIHP, VDM_PCIHP_B0EJ, 1u << 0);
	guest_read_both(px, t.dev, VDM_GED_REGION_PCIHP, VDM_PCIHP_BNUM); /* writes done */
	assert_int_equal(r.nejects, 0); /* not inside the write: through vdm_proxy_poll */
	for (k = 0; k < 3; k++)
		assert_int_equal(vdm_proxy_poll(px), 1);
	assert_int_equal(r.nejects, 1);
	assert_int_equal(r.eject_bsel, 2);
	assert_int_equal(r.eject_slot, 0);
	assert_int_equal(t.nejects, 1);
	/* a slot that does not exist (bit 1; the mask is 0x5) ejects nothing; slot 2 does */
	guest_write_both(px, t.dev, VDM_GED_REGION_PCIHP, VDM_PCIHP_B0EJ, 1u << 1);
	guest_write_both(px, t.dev, VDM_GED_REGION_PCIHP, VDM_PCIHP_B0EJ, 1u << 2);
	guest_read_both(px, t.dev, VDM_GED_REGION_PCIHP, VDM_PCIHP_BNUM);
	for (k = 0; k < 3; k++)
		vdm_proxy_poll(px);
	assert_int_equal(r.nejects, 2);
	assert_int_equal(t.nejects, 2);
	assert_int_equal(r.eject_slot, 2);
	assert_int_equal(t.eject_slot, 2);
	expect_same_ged_state(px, t.dev);
	vdm_device_destroy(px);
	vdm_device_destroy(t.dev);
}

/* ---- the root port ------------------------------------------------------------------------- */

#define RP_SPEC "pcie-root-port,slot=5,chassis=2"

static void expect_same_config(struct vdm_device *px, struct vdm_device *tw)
{
	uint32_t off, a, b;

	for (off = 0; off < 0x200; off += 4) {
		a = 1, b = 2;
		assert_int_equal(vdm_cfg_read(px, off, 4, &a), vdm_cfg_read(tw, off, 4, &b));
		if (a != b)
			fail_msg("config %#x: devhost %#x, in-process %#x", off, a, b);
	}
}

static void root_port_presence_works_in_a_devhost_as_in_process(void **state)
{
	struct itest_rec r;
	struct twin t;
	struct vdm_device *px = spawn_builtin(&r, RP_SPEC);
	unsigned cap;
	uint32_t sta = 0;

	(void)state;
	twin_create(&t, RP_SPEC);
	cap = vdm_root_port_pcie_cap(px);
	assert_true(cap >= 0x40);
	assert_int_equal(cap, vdm_root_port_pcie_cap(t.dev));
	expect_same_config(px, t.dev);
	assert_int_equal(vdm_root_port_set_presence(px, true, false), 0);
	assert_int_equal(vdm_root_port_set_presence(t.dev, true, false), 0);
	expect_same_config(px, t.dev);
	vdm_cfg_read(px, cap + VDM_PCI_EXP_SLTSTA, 2, &sta);
	assert_true(sta & VDM_PCI_EXP_SLTSTA_PDS);
	/* removal with events, then a reset: presence is physical and survives */
	assert_int_equal(vdm_root_port_set_presence(px, false, true), 0);
	assert_int_equal(vdm_root_port_set_presence(t.dev, false, true), 0);
	expect_same_config(px, t.dev);
	assert_int_equal(vdm_root_port_set_presence(px, true, true), 0);
	assert_int_equal(vdm_root_port_set_presence(t.dev, true, true), 0);
	vdm_device_reset(px);
	vdm_device_reset(t.dev);
	expect_same_config(px, t.dev);
	vdm_cfg_read(px, cap + VDM_PCI_EXP_SLTSTA, 2, &sta);
	assert_true(sta & VDM_PCI_EXP_SLTSTA_PDS);
	/* the firmware path: windows and bus numbers through config writes */
	assert_int_equal(vdm_pci_bridge_set_buses(px, 0, 3, 4), 0);
	assert_int_equal(vdm_pci_bridge_set_buses(t.dev, 0, 3, 4), 0);
	assert_int_equal(vdm_pci_bridge_set_window(px, VDM_PCI_WINDOW_PREF, 0x800000000ull,
						   0x40000000ull), 0);
	assert_int_equal(vdm_pci_bridge_set_window(t.dev, VDM_PCI_WINDOW_PREF, 0x800000000ull,
						   0x40000000ull), 0);
	expect_same_config(px, t.dev);
	assert_int_equal(r.nev, 0);
	vdm_device_destroy(px);
	vdm_device_destroy(t.dev);
}

/* ---- refusals ------------------------------------------------------------------------------- */

static void host_apis_refuse_devices_of_other_types_without_calling_them(void **state)
{
	struct itest_rec r1, r2;
	struct vdm_device *td = spawn_builtin(&r1, "testdev");
	struct vdm_device *ged = spawn_builtin(&r2, GED_SPEC);
	struct vdm_ged_bus_state st;
	uint64_t res = 99;

	(void)state;
	assert_int_equal(vdm_ged_hot_add(td, 0, 0), -EINVAL);
	assert_int_equal(vdm_ged_query(td, 0, &st), -EINVAL);
	assert_int_equal(vdm_ged_num_selectors(td), 0);
	assert_int_equal(vdm_root_port_set_presence(td, true, false), -EINVAL);
	assert_int_equal(vdm_root_port_pcie_cap(td), 0);
	assert_int_equal(vdm_root_port_set_presence(ged, true, false), -EINVAL);
	/* sent anyway, an op of another family is unknown to the device: -EOPNOTSUPP, no result,
	 * and the device stays healthy */
	assert_int_equal(vdm_device_control(ged, VDM_ROOT_PORT_CTL_SET_PRESENCE, 1, 0, &res),
			 -EOPNOTSUPP);
	assert_int_equal(res, 0);
	assert_int_equal(vdm_device_control(td, VDM_GED_CTL_POWER_BUTTON, 0, 0, &res),
			 -EOPNOTSUPP);
	assert_int_equal(vdm_proxy_ping(td), 0);
	assert_int_equal(vdm_proxy_fault(ged), VDM_RING_FAULT_NONE);
	assert_int_equal(vdm_ged_num_selectors(ged), 3);
	assert_int_equal(r1.nev + r2.nev, 0);
	vdm_device_destroy(td);
	vdm_device_destroy(ged);
}

static int old_control_called;

static int old_control(struct vdm_device *dev, uint32_t op, uint32_t a, uint32_t b,
		       uint64_t *res)
{
	(void)dev, (void)op, (void)a, (void)b;
	*res = 1;
	old_control_called++;
	return 0;
}

static void an_abi_1_0_ops_table_has_no_control_even_if_memory_follows_it(void **state)
{
	/* A 1.0 plugin's table ends before `control`; whatever follows it in memory is not
	 * a handler.  (Here it is one, to prove it is never called.) */
	struct vdm_device_ops ops = { VDM_STRUCT_HEAD(struct vdm_device_ops),
				      .control = old_control };
	struct vdm_device_type type = { VDM_STRUCT_HEAD(struct vdm_device_type), .name = "ged" };
	struct vdm_device dev;
	uint64_t res = 5;

	(void)state;
	ops.struct_size = offsetof(struct vdm_device_ops, control);
	memset(&dev, 0, sizeof(dev));
	dev.ops = &ops;
	dev.type = &type;
	assert_false(vdm_device_has_control(&dev));
	assert_int_equal(vdm_device_control(&dev, VDM_GED_CTL_POWER_BUTTON, 0, 0, &res),
			 -EOPNOTSUPP);
	assert_int_equal(res, 0);
	assert_int_equal(vdm_ged_power_button(&dev), -EINVAL);
	assert_int_equal(old_control_called, 0);
	ops.struct_size = sizeof(ops);
	assert_int_equal(vdm_device_control(&dev, VDM_GED_CTL_POWER_BUTTON, 0, 0, &res), 0);
	assert_int_equal(old_control_called, 1);
}

static void control_requests_and_replies_are_checked_field_by_field(void **state)
{
	struct vdm_ring_entry q = { .seq = 4, .kind = VDM_RING_CONTROL,
				    .offset = VDM_GED_CTL_HOT_ADD, .data = 1ull << 32 | 2 };
	struct vdm_ring_entry r;

	(void)state;
	assert_int_equal(vdm_ring_check_request(&q, 4), VDM_RING_FAULT_NONE);
	r = q, r.offset = 1ull << 32;
	assert_int_equal(vdm_ring_check_request(&r, 4), VDM_RING_FAULT_ECHO);
	r = q, r.region = 1;
	assert_int_equal(vdm_ring_check_request(&r, 4), VDM_RING_FAULT_ECHO);
	r = q, r.size = 4;
	assert_int_equal(vdm_ring_check_request(&r, 4), VDM_RING_FAULT_SIZE);
#define REPLY(field, val, fault)                                                               \
	do {                                                                                   \
		r = q;                                                                         \
		r.kind |= VDM_RING_KIND_RESPONSE;                                              \
		r.data = 0;                                                                    \
		r.field = val;                                                                 \
		assert_int_equal(vdm_ring_check_response(&q, &r), fault);                      \
	} while (0)
	REPLY(data, UINT64_MAX, VDM_RING_FAULT_NONE); /* a result's range is the op's to judge */
	REPLY(status, -95, VDM_RING_FAULT_NONE);
	REPLY(status, 3, VDM_RING_FAULT_STATUS);
	REPLY(offset, VDM_GED_CTL_UNPLUG_REQUEST, VDM_RING_FAULT_ECHO);
	REPLY(size, 1, VDM_RING_FAULT_SIZE);
	REPLY(kind, VDM_RING_RESET | VDM_RING_KIND_RESPONSE, VDM_RING_FAULT_KIND);
#undef REPLY
	r = q, r.kind |= VDM_RING_KIND_RESPONSE, r.status = -22, r.data = 0x1234;
	assert_int_equal(vdm_ring_check_response(&q, &r), VDM_RING_FAULT_DATA);
}

static void results_out_of_range_are_refused_and_the_device_keeps_serving(void **state)
{
	struct itest_rec r1, r2;
	struct vdm_device *ged = spawn_liar(&r1, "ged,lie=1");
	struct vdm_device *rp = spawn_liar(&r2, "pcie-root-port,lie=1");
	struct vdm_ged_bus_state st = { 11, 22, 33 };

	(void)state;
	assert_int_equal(vdm_ged_num_selectors(ged), 0);          /* said 100000 */
	assert_int_equal(vdm_ged_query(ged, 0, &st), -EIO);       /* up bits outside slots */
	assert_int_equal(st.slots, 11);                           /* nothing passed on */
	assert_int_equal(vdm_ged_pending_events(ged), 0);         /* undefined event bits */
	assert_int_equal(vdm_ged_hot_add(ged, 0, 0), -EIO);       /* a result from a void op */
	assert_int_equal(vdm_root_port_pcie_cap(rp), 0);          /* 0x41 */
	assert_int_equal(vdm_root_port_set_presence(rp, true, false), -EIO);
	/* the reply itself was well-formed: nobody is failed or killed */
	assert_int_equal(vdm_proxy_fault(ged), VDM_RING_FAULT_NONE);
	assert_int_equal(vdm_proxy_fault(rp), VDM_RING_FAULT_NONE);
	assert_int_equal(vdm_proxy_ping(ged), 0);
	assert_int_equal(r1.nev + r2.nev, 0);
	vdm_device_destroy(ged);
	vdm_device_destroy(rp);
}

static void forged_or_missing_control_replies_fail_the_device_once(void **state)
{
	static const struct {
		int lie;
		uint32_t kind, fault;
	} cases[] = {
		{ LIE_RING_REFUSED_WITH_DATA, VDM_PROXY_EV_PROTOCOL, VDM_RING_FAULT_DATA },
		{ LIE_RING_OTHER_OP, VDM_PROXY_EV_PROTOCOL, VDM_RING_FAULT_ECHO },
		{ LIE_RING_POSITIVE_STATUS, VDM_PROXY_EV_PROTOCOL, VDM_RING_FAULT_STATUS },
		{ LIE_HANG, VDM_PROXY_EV_HUNG, VDM_RING_FAULT_TIMEOUT },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct itest_rec r;
		const struct vdm_proxy_event *ev;
		struct vdm_device *ged;
		char spec[32];
		uint64_t t0, v = 0;

		snprintf(spec, sizeof(spec), "ged,lie=%d", cases[i].lie);
		ged = spawn_liar(&r, spec);
		assert_int_equal(vdm_ged_hot_add(ged, 0, 0), -EIO);
		ev = itest_find_event(&r, cases[i].kind);
		if (!ev)
			fail_msg("%s: no event of kind %u (%d events)", spec, cases[i].kind, r.nev);
		assert_int_equal(ev->fault, cases[i].fault);
		assert_int_equal(vdm_proxy_fault(ged), cases[i].fault);
		/* failed for good, and fast: all-ones, -EIO, no second fault event */
		t0 = itest_now_ms();
		assert_int_equal(vdm_ged_power_button(ged), -EIO);
		assert_int_equal(vdm_ged_num_selectors(ged), 0);
		assert_int_equal(vdm_bar_read(ged, 0, 0, 4, &v), -EIO);
		assert_true(v == UINT64_MAX);
		assert_true(itest_now_ms() - t0 < 100);
		itest_wait_exit(ged, 2000); /* killed */
		assert_non_null(itest_find_event(&r, VDM_PROXY_EV_EXITED));
		assert_int_equal(r.nev, 2);
		vdm_device_destroy(ged);
	}
	assert_int_equal(itest_count_children(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ged_host_api_answers_the_same_in_process_and_in_a_devhost),
		cmocka_unit_test(ged_ejects_reach_the_vmm_once_each_through_the_log_ring),
		cmocka_unit_test(root_port_presence_works_in_a_devhost_as_in_process),
		cmocka_unit_test(host_apis_refuse_devices_of_other_types_without_calling_them),
		cmocka_unit_test(an_abi_1_0_ops_table_has_no_control_even_if_memory_follows_it),
		cmocka_unit_test(control_requests_and_replies_are_checked_field_by_field),
		cmocka_unit_test(results_out_of_range_are_refused_and_the_device_keeps_serving),
		cmocka_unit_test(forged_or_missing_control_replies_fail_the_device_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
