/* libFuzzer target: the "ged" device (event selector + PCI hotplug registers) driven by guest
 * register accesses interleaved with the host hotplug API, compared with a model. */
#include <errno.h>
#include <string.h>

#include <vdm/ged.h>
#include <vdm/props.h>

#include "fuzz_input.h"

/*
 * Input: how to create (parsed "selectors=N,slot-mask=M" or hand-built props, with N also
 * out of range), then ops: guest reads/writes of any region/offset/size, and host calls
 * hot_add, unplug_request, set_slots, power_button, query, reset, and raw host-control calls
 * (GED op codes and any other op); selectors and slots are mostly valid, sometimes not.  Invariants (abort on violation):
 *  - create succeeds exactly for 1..256 selectors; the parser refuses the others;
 *  - every guest read returns what ged.h's register map says for the model's state
 *    (read-to-clear ESEL and PCIU, sticky PCID, HPEN, BNUM, PIDX 0, reserved 0); bad
 *    accesses read all-ones and return -EINVAL;
 *  - host calls return 0 exactly for a valid selector/slot, else -EINVAL and change nothing;
 *    control ops return what ged.h documents (unknown ops -EOPNOTSUPP, result 0);
 *  - every accepted event pulses line 0 once (1 then 0); nothing else touches the line;
 *  - eject(bsel, slot) runs exactly for B0EJ writes whose lowest set bit names an existing
 *    slot of the selected bus;
 *  - vdm_ged_query: up and down only hold slots that exist, and match the model;
 *  - reset clears events, up, down, BNUM and keeps selectors and slot masks.
 */

#define GED_MAX_OPS 1024
#define GED_NSEL_MAX VDM_GED_MAX_SELECTORS

struct ged_model {
	uint32_t nsel, bnum, events;
	uint32_t slots[GED_NSEL_MAX], up[GED_NSEL_MAX], down[GED_NSEL_MAX];
};

struct ged_state {
	struct vdm_device *dev;
	struct ged_model m;
	/* interrupt line: pulses seen, level now, pulses the model expects */
	uint32_t pulses, level, want_pulses;
	/* eject callbacks: how many, and the last one */
	uint32_t ejects, want_ejects, eject_bsel, eject_slot;
	bool bad_callback;
};

static void ged_cb_set_irq(void *opaque, uint32_t line, uint32_t level)
{
	struct ged_state *s = opaque;

	if (line != 0 || level > 1 || level == s->level)
		s->bad_callback = true;
	if (s->level == 1 && level == 0)
		s->pulses++;
	s->level = level;
}

static void ged_cb_eject(void *opaque, uint32_t bsel, uint32_t slot)
{
	struct ged_state *s = opaque;

	s->ejects++;
	s->eject_bsel = bsel;
	s->eject_slot = slot;
}

static void ged_cb_log(void *opaque, uint32_t level, const char *msg)
{
	(void)opaque;
	(void)level;
	(void)msg;
}

/* ---- creation ---------------------------------------------------------------------------- */

static uint64_t ged_pick_nsel(struct vdm_fuzz_in *f)
{
	uint8_t b = vdm_fuzz_u8(f);

	if (b < 0x80)
		return 1 + b % 8;
	if (b < 0xe0)
		return 1 + vdm_fuzz_u8(f); /* 1..256 */
	if (b < 0xf0)
		return (b & 1) ? 0 : 257;
	return vdm_fuzz_u64(f);
}

static struct vdm_device *ged_create(struct ged_state *s, struct vdm_fuzz_in *f)
{
	const struct vdm_host host = { VDM_STRUCT_HEAD(struct vdm_host), .opaque = s,
				       .set_irq = ged_cb_set_irq, .log = ged_cb_log,
				       .eject = ged_cb_eject };
	struct vdm_prop_values pv;
	struct vdm_device *dev = NULL;
	uint8_t how = vdm_fuzz_u8(f);
	uint64_t nsel = ged_pick_nsel(f);
	uint32_t mask = (how & 4) ? vdm_fuzz_u32(f) : 1u << (vdm_fuzz_u8(f) % 32);
	bool ok = nsel >= 1 && nsel <= GED_NSEL_MAX;
	char text[96], err[160] = "";
	uint32_t i;
	int r;

	memset(&pv, 0, sizeof(pv));
	if (how & 1) {
		snprintf(text, sizeof(text), "selectors=%llu,slot-mask=%#x", (unsigned long long)nsel,
			 mask);
		r = vdm_props_parse_args((how & 2) ? text : strchr(text, ',') + 1, &vdm_ged_type,
					 NULL, 0, &pv, err, sizeof(err));
		if (!(how & 2))
			nsel = 1, ok = true; /* only slot-mask given: the default selector count */
		FUZZ_CHECK((r == 0) == ok, "parser returned %d (%s) for %s", r, err, text);
		if (r)
			return NULL;
	} else if (how & 2) {
		/* Hand-built props bypass the parser: create() must check them. */
		pv.count = 2;
		pv.v[0].desc = &vdm_ged_type.props_schema[0];
		pv.v[0].num = nsel;
		pv.v[1].desc = &vdm_ged_type.props_schema[1];
		pv.v[1].num = mask;
	} else {
		nsel = 1; /* no properties: 1 selector, slot-mask 0x1 */
		mask = 1;
		ok = true;
	}
	r = vdm_ged_type.create(&pv, &host, &dev, err, sizeof(err));
	FUZZ_CHECK((r == 0) == ok, "create with %llu selectors returned %d (%s)",
		   (unsigned long long)nsel, r, err);
	if (r) {
		FUZZ_CHECK(dev == NULL && err[0], "failed create left a device or no message");
		return NULL;
	}
	s->m.nsel = (uint32_t)nsel;
	for (i = 0; i < s->m.nsel; i++)
		s->m.slots[i] = mask;
	return dev;
}

/* ---- guest accesses ---------------------------------------------------------------------- */

static bool ged_access_ok(uint32_t region, uint64_t off, uint32_t size)
{
	uint64_t len = region == VDM_GED_REGION_SEL ? VDM_GED_SEL_SIZE
		       : region == VDM_GED_REGION_PCIHP ? VDM_PCIHP_REGION_SIZE : 0;

	return size == 4 && !(off & 3) && off < len;
}

/* What the register map says a read returns; applies the model's read side effects. */
static uint32_t ged_model_read(struct ged_model *m, uint32_t region, uint32_t off)
{
	bool sel = m->bnum < m->nsel;
	uint32_t v;

	if (region == VDM_GED_REGION_SEL) {
		v = m->events;
		m->events = 0;
		return v;
	}
	switch (off) {
	case VDM_PCIHP_PCIU:
		if (!sel)
			return 0;
		v = m->up[m->bnum];
		m->up[m->bnum] = 0;
		return v;
	case VDM_PCIHP_PCID:
		return sel ? m->down[m->bnum] : 0;
	case VDM_PCIHP_HPEN:
		return sel ? m->slots[m->bnum] : 0;
	case VDM_PCIHP_BNUM:
		return m->bnum;
	default: /* B0EJ, PIDX, reserved */
		return 0;
	}
}

static void ged_guest_read(struct ged_state *s, uint32_t region, uint64_t off, uint32_t size)
{
	bool ok = ged_access_ok(region, off, size);
	uint64_t v = 0x5a5a5a5a5a5a5a5aull, want;
	int r = vdm_bar_read(s->dev, region, off, size, &v);

	FUZZ_CHECK(r == (ok ? 0 : -EINVAL), "read region=%u off=%#llx size=%u returned %d",
		   region, (unsigned long long)off, size, r);
	if (!ok) {
		FUZZ_CHECK((v & vdm_fuzz_ones(size)) == vdm_fuzz_ones(size),
			   "refused read region=%u off=%#llx size=%u gave %#llx", region,
			   (unsigned long long)off, size, (unsigned long long)v);
		return;
	}
	want = ged_model_read(&s->m, region, (uint32_t)off);
	FUZZ_CHECK(v == want, "read region=%u off=%#llx gave %#llx, register map says %#llx",
		   region, (unsigned long long)off, (unsigned long long)v, (unsigned long long)want);
}

static void ged_guest_write(struct ged_state *s, uint32_t region, uint64_t off, uint32_t size,
			    uint64_t v)
{
	bool ok = ged_access_ok(region, off, size);
	struct ged_model *m = &s->m;
	uint32_t val = (uint32_t)v, slot;
	int r = vdm_bar_write(s->dev, region, off, size, v);

	FUZZ_CHECK(r == (ok ? 0 : -EINVAL), "write region=%u off=%#llx size=%u returned %d",
		   region, (unsigned long long)off, size, r);
	if (!ok || region != VDM_GED_REGION_PCIHP)
		return;
	if (off == VDM_PCIHP_BNUM) {
		m->bnum = val;
	} else if (off == VDM_PCIHP_B0EJ && m->bnum < m->nsel && val) {
		slot = (uint32_t)__builtin_ctz(val);
		if (m->slots[m->bnum] & (1u << slot)) {
			m->up[m->bnum] &= ~(1u << slot);
			m->down[m->bnum] &= ~(1u << slot);
			s->want_ejects++;
			FUZZ_CHECK(s->ejects == s->want_ejects && s->eject_bsel == m->bnum &&
					   s->eject_slot == slot,
				   "B0EJ %#x on bus %u: eject callbacks %u (want %u), last %u/%u", val,
				   m->bnum, s->ejects, s->want_ejects, s->eject_bsel, s->eject_slot);
		}
	}
	FUZZ_CHECK(s->ejects == s->want_ejects, "write off=%#llx value %#x ejected something",
		   (unsigned long long)off, val);
}

/* ---- host calls -------------------------------------------------------------------------- */

static uint32_t ged_pick_bsel(struct ged_state *s, struct vdm_fuzz_in *f)
{
	uint8_t b = vdm_fuzz_u8(f);

	if (b < 0xc0)
		return b % (s->m.nsel + 1); /* mostly valid, one past the end too */
	return b < 0xf0 ? vdm_fuzz_u8(f) : vdm_fuzz_u32(f);
}

static uint32_t ged_pick_slot(struct vdm_fuzz_in *f)
{
	uint8_t b = vdm_fuzz_u8(f);

	return b < 0xf0 ? b % 34 : vdm_fuzz_u32(f);
}

static bool ged_slot_exists(const struct ged_model *m, uint32_t bsel, uint32_t slot)
{
	return bsel < m->nsel && slot < 32 && (m->slots[bsel] & (1u << slot));
}

static void ged_host_event(struct ged_state *s, int rc, bool ok, uint32_t evt, const char *what)
{
	FUZZ_CHECK(rc == (ok ? 0 : -EINVAL), "%s returned %d, want %d", what, rc,
		   ok ? 0 : -EINVAL);
	if (!ok)
		return;
	s->m.events |= evt;
	s->want_pulses++;
}

static void ged_check_query(struct ged_state *s, uint32_t bsel)
{
	struct vdm_ged_bus_state st = { 0xdead, 0xbeef, 0xf00d };
	int r = vdm_ged_query(s->dev, bsel, &st);

	if (bsel >= s->m.nsel) {
		FUZZ_CHECK(r == -EINVAL, "query(%u) of %u selectors returned %d", bsel, s->m.nsel, r);
		return;
	}
	FUZZ_CHECK(r == 0, "query(%u) returned %d", bsel, r);
	FUZZ_CHECK(!(st.up & ~st.slots) && !(st.down & ~st.slots),
		   "selector %u: up %#x / down %#x hold slots outside %#x", bsel, st.up, st.down,
		   st.slots);
	FUZZ_CHECK(st.slots == s->m.slots[bsel] && st.up == s->m.up[bsel] &&
			   st.down == s->m.down[bsel],
		   "selector %u: device %#x/%#x/%#x, model %#x/%#x/%#x", bsel, st.slots, st.up,
		   st.down, s->m.slots[bsel], s->m.up[bsel], s->m.down[bsel]);
}

static void ged_check_all(struct ged_state *s)
{
	uint32_t i;

	for (i = 0; i < s->m.nsel; i++)
		ged_check_query(s, i);
	ged_check_query(s, s->m.nsel);
	FUZZ_CHECK(vdm_ged_num_selectors(s->dev) == s->m.nsel, "num_selectors %u, model %u",
		   vdm_ged_num_selectors(s->dev), s->m.nsel);
}

/* A host-control call (device.h ABI 1.1) straight to the device: GED op codes 0..9 of its
 * family (0 and 9 unknown), or any op at all; results and errors as ged.h documents. */
static void ged_control_op(struct ged_state *s, struct vdm_fuzz_in *f)
{
	struct ged_model *m = &s->m;
	uint8_t b = vdm_fuzz_u8(f);
	uint32_t op = b < 0xc0 ? VDM_CONTROL_OP(VDM_GED_CTL_FAMILY, b % 10) : vdm_fuzz_u32(f);
	uint32_t a0 = ged_pick_bsel(s, f);
	uint32_t a1 = (vdm_fuzz_u8(f) & 1) ? ged_pick_slot(f) : vdm_fuzz_u32(f);
	uint64_t res = 0, want_res = 0;
	int want = 0, r;
	bool event = false;
	uint32_t evt = 0;

	switch (op) {
	case VDM_GED_CTL_NUM_SELECTORS:
		want_res = m->nsel;
		break;
	case VDM_GED_CTL_SET_SLOTS:
		if (a0 >= m->nsel) {
			want = -EINVAL;
			break;
		}
		m->slots[a0] = a1;
		m->up[a0] &= a1;
		m->down[a0] &= a1;
		break;
	case VDM_GED_CTL_HOT_ADD:
	case VDM_GED_CTL_UNPLUG_REQUEST:
		if (!ged_slot_exists(m, a0, a1)) {
			want = -EINVAL;
			break;
		}
		if (op == VDM_GED_CTL_HOT_ADD)
			m->up[a0] |= 1u << a1;
		else
			m->down[a0] |= 1u << a1;
		event = true;
		evt = VDM_GED_EVT_PCI_HOTPLUG;
		break;
	case VDM_GED_CTL_POWER_BUTTON:
		event = true;
		evt = VDM_GED_EVT_PWR_DOWN;
		break;
	case VDM_GED_CTL_QUERY_SLOTS:
	case VDM_GED_CTL_QUERY_PENDING:
		if (a0 >= m->nsel) {
			want = -EINVAL;
			break;
		}
		want_res = op == VDM_GED_CTL_QUERY_SLOTS ? m->slots[a0]
							 : m->up[a0] | (uint64_t)m->down[a0] << 32;
		break;
	case VDM_GED_CTL_PENDING_EVENTS:
		want_res = m->events;
		break;
	default:
		want = -EOPNOTSUPP;
		break;
	}
	r = vdm_device_control(s->dev, op, a0, a1, &res);
	FUZZ_CHECK(r == want && res == want_res,
		   "control %#x (%u, %u) returned %d result %#llx, ged.h says %d %#llx", op, a0, a1,
		   r, (unsigned long long)res, want, (unsigned long long)want_res);
	if (event) {
		m->events |= evt;
		s->want_pulses++;
	}
}

static void ged_op(struct ged_state *s, struct vdm_fuzz_in *f)
{
	uint8_t raw = vdm_fuzz_u8(f), op = raw % 12;
	struct ged_model *m = &s->m;
	uint32_t region, size, bsel, slot, mask, i;
	uint64_t off;
	uint8_t b;
	int r;

	if (raw >= 0xf4)
		op = 12;
	switch (op) {
	case 0: /* guest read, any shape */
	case 1: /* guest write, any shape */
		b = vdm_fuzz_u8(f);
		region = b < 0xf0 ? b % 3 : vdm_fuzz_u32(f);
		off = vdm_fuzz_offset(f, region ? VDM_PCIHP_REGION_SIZE : VDM_GED_SEL_SIZE);
		size = vdm_fuzz_access_size(f);
		if (op == 0)
			ged_guest_read(s, region, off, size);
		else
			ged_guest_write(s, region, off, size, vdm_fuzz_u64(f));
		break;
	case 2: /* guest read of a register, well-formed */
		b = vdm_fuzz_u8(f);
		ged_guest_read(s, b & 1, (b & 1) ? (b >> 1) % 8 * 4 : 0, 4);
		break;
	case 3: /* guest writes BNUM */
		ged_guest_write(s, VDM_GED_REGION_PCIHP, VDM_PCIHP_BNUM, 4, ged_pick_bsel(s, f));
		break;
	case 4: /* guest writes B0EJ: one slot bit mostly */
		b = vdm_fuzz_u8(f);
		ged_guest_write(s, VDM_GED_REGION_PCIHP, VDM_PCIHP_B0EJ, 4,
				b < 0xe0 ? 1u << (b % 32) : vdm_fuzz_u32(f));
		break;
	case 5:
		bsel = ged_pick_bsel(s, f);
		slot = ged_pick_slot(f);
		r = vdm_ged_hot_add(s->dev, bsel, slot);
		if (ged_slot_exists(m, bsel, slot))
			m->up[bsel] |= 1u << slot;
		ged_host_event(s, r, ged_slot_exists(m, bsel, slot), VDM_GED_EVT_PCI_HOTPLUG,
			       "hot_add");
		break;
	case 6:
		bsel = ged_pick_bsel(s, f);
		slot = ged_pick_slot(f);
		r = vdm_ged_unplug_request(s->dev, bsel, slot);
		if (ged_slot_exists(m, bsel, slot))
			m->down[bsel] |= 1u << slot;
		ged_host_event(s, r, ged_slot_exists(m, bsel, slot), VDM_GED_EVT_PCI_HOTPLUG,
			       "unplug_request");
		break;
	case 7:
		bsel = ged_pick_bsel(s, f);
		b = vdm_fuzz_u8(f);
		mask = b < 0x80 ? 1u << (b % 32) : b < 0xc0 ? 0 : vdm_fuzz_u32(f);
		r = vdm_ged_set_slots(s->dev, bsel, mask);
		FUZZ_CHECK(r == (bsel < m->nsel ? 0 : -EINVAL), "set_slots(%u) returned %d", bsel, r);
		if (bsel < m->nsel) {
			m->slots[bsel] = mask;
			m->up[bsel] &= mask;
			m->down[bsel] &= mask;
		}
		break;
	case 8:
		ged_host_event(s, vdm_ged_power_button(s->dev), true, VDM_GED_EVT_PWR_DOWN,
			       "power_button");
		break;
	case 9:
		ged_check_query(s, ged_pick_bsel(s, f));
		FUZZ_CHECK(vdm_ged_pending_events(s->dev) == m->events, "pending events %#x, model %#x",
			   vdm_ged_pending_events(s->dev), m->events);
		break;
	case 10:
		vdm_device_reset(s->dev);
		m->events = 0;
		m->bnum = 0;
		for (i = 0; i < m->nsel; i++)
			m->up[i] = m->down[i] = 0;
		ged_check_all(s);
		break;
	case 12:
		ged_control_op(s, f);
		break;
	default: /* 11: the guest's _EVT + PCNT sequence for one selector */
		ged_guest_read(s, VDM_GED_REGION_SEL, 0, 4);
		ged_guest_write(s, VDM_GED_REGION_PCIHP, VDM_PCIHP_BNUM, 4, ged_pick_bsel(s, f));
		ged_guest_read(s, VDM_GED_REGION_PCIHP, VDM_PCIHP_PCIU, 4);
		ged_guest_read(s, VDM_GED_REGION_PCIHP, VDM_PCIHP_PCID, 4);
		break;
	}
	FUZZ_CHECK(!s->bad_callback && s->level == 0 && s->pulses == s->want_pulses,
		   "interrupt line: %u pulses (model %u), level %u, bad call %d", s->pulses,
		   s->want_pulses, s->level, s->bad_callback);
	FUZZ_CHECK(s->ejects == s->want_ejects, "%u ejects, model %u", s->ejects, s->want_ejects);
}

/* The host API on something that is not a GED refuses politely. */
static void ged_check_foreign(struct ged_state *s)
{
	struct vdm_device fake;
	struct vdm_ged_bus_state st;

	memcpy(&fake, s->dev, sizeof(fake));
	fake.type = NULL;
	FUZZ_CHECK(vdm_ged_num_selectors(&fake) == 0 && vdm_ged_pending_events(&fake) == 0 &&
			   vdm_ged_hot_add(&fake, 0, 0) == -EINVAL &&
			   vdm_ged_unplug_request(&fake, 0, 0) == -EINVAL &&
			   vdm_ged_set_slots(&fake, 0, 1) == -EINVAL &&
			   vdm_ged_power_button(&fake) == -EINVAL &&
			   vdm_ged_query(&fake, 0, &st) == -EINVAL && vdm_ged_num_selectors(NULL) == 0,
		   "GED host API accepted a device that is not a GED");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ged_state *s = calloc(1, sizeof(*s));
	struct vdm_fuzz_in f;
	int n;

	if (!s)
		return 0;
	vdm_fuzz_in_init(&f, data, size);
	s->dev = ged_create(s, &f);
	if (!s->dev) {
		free(s);
		return 0;
	}
	FUZZ_CHECK(s->dev->res.bus_kind == VDM_BUS_PLATFORM && s->dev->res.num_irqs == 1 &&
			   s->dev->res.regions[0].size == VDM_GED_SEL_SIZE &&
			   s->dev->res.regions[1].size == VDM_PCIHP_REGION_SIZE,
		   "GED declares the wrong resources");
	ged_check_all(s);
	for (n = 0; n < GED_MAX_OPS && vdm_fuzz_more(&f); n++)
		ged_op(s, &f);
	ged_check_all(s);
	ged_check_foreign(s);
	vdm_device_destroy(s->dev);
	free(s);
	return 0;
}
