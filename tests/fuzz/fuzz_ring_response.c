/* libFuzzer target: the VMM side of the shared-memory ring (include/vdm/ring.h) against a
 * hostile device side, plus the pure checks (vdm_ring_check_*) on arbitrary entries. */
#include <errno.h>
#include <string.h>

#include <vdm/devices.h>
#include <vdm/ring.h>

#include "fuzz_input.h"

/*
 * Input: byte 0 bit 7 picks the mode.
 *  - Pure mode: arbitrary request/response/log/header bytes through vdm_ring_check_*.
 *    Invariants: an accepted request/response/READY/layout has every property ring.h
 *    lists; a response mirrored from a valid request (data within the access, status 0 or
 *    a negative errno) is accepted; a checked log entry is sanitised (terminated, printable,
 *    zero-padded, level <= 3) and faults exactly for a bad kind or level.
 *  - Client mode: a vdm_ring_client over an exact-size mapping with the in-memory
 *    transport, whose pump plays the device side: an honest one (the real ring server
 *    serving a testdev) and hostile steps (corrupted or extra responses, random header
 *    words, log entries, a silent device).  The VMM side issues calls, posts, wait_ready,
 *    log reads and fail().  Invariants: while the device side stayed honest every call
 *    succeeds with exactly what a twin testdev called directly returns; a success is only
 *    ever a response ring.h allows (status range, a read's value within the access or
 *    all-ones when refused, RESET 0/0, PING echoed, a refused CONTROL 0); a failure gives -EIO, all-ones and a fault; the first fault sticks
 *    and every later call fails the same way; log entries come out sanitised; nothing is
 *    read or written outside the mapping (ASan).
 */

#define RR_MAX_OPS 256
#define RR_MAX_ERRNO 4095

/* ---- pure mode --------------------------------------------------------------------------- */

static bool rr_sync(uint32_t kind)
{
	return kind == VDM_RING_CFG_READ || kind == VDM_RING_BAR_READ || kind == VDM_RING_RESET ||
	       kind == VDM_RING_PING || kind == VDM_RING_CONTROL;
}

static bool rr_size_ok(uint32_t kind, uint32_t size)
{
	if (kind == VDM_RING_CFG_READ || kind == VDM_RING_CFG_WRITE)
		return size == 1 || size == 2 || size == 4;
	if (kind == VDM_RING_BAR_READ || kind == VDM_RING_BAR_WRITE)
		return size == 1 || size == 2 || size == 4 || size == 8;
	return size == 0;
}

/* Would ring.h call this request valid? (independent of vdm_ring_check_request) */
static bool rr_request_ok(const struct vdm_ring_entry *q, uint32_t expect_seq)
{
	uint32_t k = q->kind;
	bool cfg = k == VDM_RING_CFG_READ || k == VDM_RING_CFG_WRITE;
	bool bar = k == VDM_RING_BAR_READ || k == VDM_RING_BAR_WRITE;
	bool ctl = k == VDM_RING_RESET || k == VDM_RING_PING || k == VDM_RING_SHUTDOWN;
	bool host = k == VDM_RING_CONTROL; /* op in offset (32 bits), arguments in data */

	if (q->seq != expect_seq || !(cfg || bar || ctl || host) || !rr_size_ok(k, q->size) ||
	    q->region >= VDM_MAX_REGIONS || q->flags || q->status || q->reserved)
		return false;
	if (cfg)
		return q->region == 0 && q->offset < 4096 && q->offset + q->size <= 4096;
	if (ctl)
		return q->region == 0 && q->offset == 0 && (k == VDM_RING_PING || q->data == 0);
	if (host)
		return q->region == 0 && q->offset <= UINT32_MAX;
	return true;
}

/* The response an honest device gives to `q` with `data` and `status`. */
static void rr_mirror(const struct vdm_ring_entry *q, uint64_t data, int32_t status,
		      struct vdm_ring_entry *r)
{
	memset(r, 0, sizeof(*r));
	r->seq = q->seq;
	r->kind = (uint8_t)(q->kind | VDM_RING_KIND_RESPONSE);
	r->size = q->size;
	r->region = q->region;
	r->offset = q->offset;
	r->data = data;
	r->status = status;
}

/* ring.h: a read's value is in the low `size` bytes, or all-ones of 16/32/64 bits when the
 * read was refused (status < 0). */
static bool rr_read_value_ok(uint32_t size, uint64_t data, int32_t status)
{
	if (!(data & ~vdm_fuzz_ones(size)))
		return true;
	return status < 0 && (data == 0xffff || data == 0xffffffffu || data == UINT64_MAX);
}

static void rr_check_accepted(const struct vdm_ring_entry *q, const struct vdm_ring_entry *r)
{
	FUZZ_CHECK(r->seq == q->seq && rr_sync(q->kind) &&
			   r->kind == (q->kind | VDM_RING_KIND_RESPONSE) && r->size == q->size &&
			   r->region == q->region && r->offset == q->offset && !r->flags &&
			   !r->reserved,
		   "accepted response seq %u kind %#x size %u region %u to request seq %u kind "
		   "%#x size %u region %u",
		   r->seq, r->kind, r->size, r->region, q->seq, q->kind, q->size, q->region);
	FUZZ_CHECK(r->status <= 0 && r->status >= -RR_MAX_ERRNO, "accepted status %d", r->status);
	FUZZ_CHECK(q->kind != VDM_RING_CFG_READ || r->data <= UINT32_MAX,
		   "accepted config data %#llx", (unsigned long long)r->data);
	/* F4 (fixed in cfcb1aa): a handled read's value fits the access; a refused one may be
	 * all-ones of 16, 32 or 64 bits. */
	if (q->kind == VDM_RING_CFG_READ || q->kind == VDM_RING_BAR_READ)
		FUZZ_CHECK(rr_read_value_ok(q->size, r->data, r->status),
			   "accepted a %u-byte read answering %#llx with status %d", q->size,
			   (unsigned long long)r->data, r->status);
	FUZZ_CHECK(q->kind != VDM_RING_RESET || (!r->data && !r->status),
		   "accepted RESET data %#llx status %d", (unsigned long long)r->data, r->status);
	FUZZ_CHECK(q->kind != VDM_RING_PING || (r->data == q->data && !r->status),
		   "accepted PING data %#llx for %#llx", (unsigned long long)r->data,
		   (unsigned long long)q->data);
	FUZZ_CHECK(q->kind != VDM_RING_CONTROL || !r->status || !r->data,
		   "accepted a refused CONTROL (status %d) with result %#llx", r->status,
		   (unsigned long long)r->data);
}

static void rr_pure(struct vdm_fuzz_in *f)
{
	struct vdm_ring_entry q, r, m;
	struct vdm_ring_log in, out;
	uint8_t hdr[VDM_RING_MIN_SIZE];
	uint32_t expect = vdm_fuzz_u32(f), i, prod = vdm_fuzz_u32(f), cons = vdm_fuzz_u32(f), n;
	uint64_t data;
	int32_t status;
	enum vdm_ring_fault fault;

	for (i = 0; i < sizeof(q); i++)
		((uint8_t *)&q)[i] = vdm_fuzz_u8(f);
	for (i = 0; i < sizeof(r); i++)
		((uint8_t *)&r)[i] = vdm_fuzz_u8(f);
	if (vdm_fuzz_u8(f) & 1) /* often the expected seq, so the rest of the checks run */
		expect = q.seq;

	fault = vdm_ring_check_request(&q, expect);
	FUZZ_CHECK((fault == VDM_RING_FAULT_NONE) == rr_request_ok(&q, expect),
		   "check_request says %d for kind %#x size %u region %u offset %#llx", fault,
		   q.kind, q.size, q.region, (unsigned long long)q.offset);
	if (vdm_ring_check_response(&q, &r) == VDM_RING_FAULT_NONE)
		rr_check_accepted(&q, &r);
	if (rr_sync(q.kind) && rr_request_ok(&q, q.seq)) {
		/* An honest answer is never refused. */
		data = vdm_fuzz_u64(f);
		if (q.kind == VDM_RING_CFG_READ || q.kind == VDM_RING_BAR_READ)
			data &= vdm_fuzz_ones(q.size);
		status = (vdm_fuzz_u8(f) & 1) ? -(int32_t)(1 + vdm_fuzz_u16(f) % RR_MAX_ERRNO) : 0;
		if (q.kind == VDM_RING_RESET)
			data = 0, status = 0;
		if (q.kind == VDM_RING_PING)
			data = q.data, status = 0;
		if (q.kind == VDM_RING_CONTROL && status)
			data = 0;
		rr_mirror(&q, data, status, &m);
		fault = vdm_ring_check_response(&q, &m);
		FUZZ_CHECK(fault == VDM_RING_FAULT_NONE,
			   "honest response (kind %#x data %#llx status %d) refused: %d", q.kind,
			   (unsigned long long)data, status, fault);
	}
	fault = vdm_ring_check_ready(&r);
	FUZZ_CHECK(fault != VDM_RING_FAULT_NONE ||
			   (r.seq == 0 && r.kind == (VDM_RING_READY | VDM_RING_KIND_RESPONSE) &&
			    !r.size && !r.region && !r.flags && !r.offset && !r.data && !r.status &&
			    !r.reserved),
		   "READY check accepted a non-READY entry");

	FUZZ_CHECK((vdm_ring_check_indices(prod, cons, 16) == VDM_RING_FAULT_NONE) ==
			   (prod - cons <= 16),
		   "check_indices(%u, %u, 16) wrong", prod, cons);
	FUZZ_CHECK(vdm_ring_fault_str((enum vdm_ring_fault)vdm_fuzz_u32(f)) != NULL,
		   "fault_str NULL");

	for (i = 0; i < sizeof(in); i++)
		((uint8_t *)&in)[i] = vdm_fuzz_u8(f);
	if (vdm_fuzz_u8(f) & 1) { /* mostly-valid entries too */
		in.kind = 1 + vdm_fuzz_u8(f) % 2;
		in.level = vdm_fuzz_u8(f) % 5;
	}
	fault = vdm_ring_check_log(&in, &out);
	FUZZ_CHECK((fault == VDM_RING_FAULT_NONE) ==
			   ((in.kind == VDM_RING_LOG_LINE || in.kind == VDM_RING_LOG_EJECT) &&
			    in.level <= VDM_LOG_DEBUG),
		   "check_log says %d for kind %u level %u", fault, in.kind, in.level);
	FUZZ_CHECK(out.level <= VDM_LOG_DEBUG && out.arg0 == in.arg0 && out.arg1 == in.arg1,
		   "sanitised log entry: level %u", out.level);
	n = (uint32_t)strnlen(out.text, VDM_RING_LOG_TEXT);
	FUZZ_CHECK(n < VDM_RING_LOG_TEXT, "sanitised log text not terminated");
	for (i = 0; i < VDM_RING_LOG_TEXT; i++)
		FUZZ_CHECK(i < n ? (out.text[i] >= 0x20 && out.text[i] <= 0x7e) : out.text[i] == 0,
			   "sanitised log text byte %u is %#x", i, (unsigned char)out.text[i]);

	/* Layout: what format writes is accepted; whatever is accepted is that layout. */
	n = VDM_RING_MIN_SIZE + vdm_fuzz_u16(f);
	FUZZ_CHECK(vdm_ring_format(hdr, sizeof(hdr), VDM_RING_DOORBELL_NONE) == 0, "format failed");
	FUZZ_CHECK(vdm_ring_check_layout(hdr, sizeof(hdr)) == VDM_RING_FAULT_NONE,
		   "formatted layout refused");
	for (i = vdm_fuzz_u8(f) % 8; i > 0; i--) {
		uint32_t at = vdm_fuzz_u8(f) % VDM_RING_HEADER_SIZE; /* fields in input order */

		hdr[at] = vdm_fuzz_u8(f);
	}
	if (vdm_ring_check_layout(hdr, sizeof(hdr)) == VDM_RING_FAULT_NONE) {
		const struct vdm_ring_header *h = (const void *)hdr;

		FUZZ_CHECK(h->magic == VDM_RING_MAGIC && h->req_offset == VDM_RING_REQ_OFFSET &&
				   h->req_entries == VDM_RING_REQ_ENTRIES &&
				   h->rsp_offset == VDM_RING_RSP_OFFSET &&
				   h->rsp_entries == VDM_RING_RSP_ENTRIES &&
				   h->log_offset == VDM_RING_LOG_OFFSET &&
				   h->log_entries == VDM_RING_LOG_ENTRIES &&
				   h->total_size >= VDM_RING_MIN_SIZE && h->total_size <= sizeof(hdr) &&
				   h->doorbell >= VDM_RING_DOORBELL_FUTEX &&
				   h->doorbell <= VDM_RING_DOORBELL_NONE,
			   "check_layout accepted a different layout");
	}
	FUZZ_CHECK(vdm_ring_check_layout(hdr, n > sizeof(hdr) ? sizeof(hdr) - 1 : n - 1) ==
			   VDM_RING_FAULT_LAYOUT,
		   "layout accepted for a mapping smaller than the minimum");
}

/* ---- client mode ------------------------------------------------------------------------- */

struct rr {
	struct vdm_fuzz_in *f;
	uint8_t *mem;
	size_t size;
	struct vdm_ring_header *h;
	struct vdm_ring_client *c;
	struct vdm_ring_server *srv;
	struct vdm_device *dev, *twin;
	bool dirty;     /* the device side misbehaved, or we sent what a proxy never sends */
	bool shutdown;  /* the honest server saw SHUTDOWN: it serves no more */
	bool served;    /* the current pump ran the honest server */
	enum vdm_ring_fault fault; /* first fault seen */
};

static struct vdm_ring_entry *rr_rsp_slot(struct rr *s, uint32_t i)
{
	return (struct vdm_ring_entry *)(s->mem + VDM_RING_RSP_OFFSET) +
	       (i & (VDM_RING_RSP_ENTRIES - 1));
}

static void rr_pump_step(struct rr *s)
{
	struct vdm_fuzz_in *f = s->f;
	struct vdm_ring_entry *e;
	struct vdm_ring_log *lg;
	uint32_t *words = (uint32_t *)(void *)s->h, i, n;
	int r;

	switch (vdm_fuzz_u8(f) % 12) {
	case 0: case 1: case 2: case 3: case 4: /* honest: the real server runs the testdev */
		if (s->shutdown)
			break;
		s->served = true;
		r = vdm_ring_server_serve_pending(s->srv, s->dev);
		if (r == -ESHUTDOWN)
			s->shutdown = true;
		else
			FUZZ_CHECK(r >= 0 || s->dirty, "honest ring, yet the server says %d", r);
		break;
	case 5: /* flip one byte of the newest response */
		e = rr_rsp_slot(s, le32toh(s->h->rsp_prod) - 1);
		i = vdm_fuzz_u8(f) % sizeof(*e);
		((uint8_t *)e)[i] ^= (uint8_t)(1u << (vdm_fuzz_u8(f) % 8));
		s->dirty = true;
		break;
	case 6: /* a response of random bytes, and rsp_prod moved by 0..3 */
		e = rr_rsp_slot(s, le32toh(s->h->rsp_prod));
		for (i = 0; i < sizeof(*e); i++)
			((uint8_t *)e)[i] = vdm_fuzz_u8(f);
		s->h->rsp_prod = htole32(le32toh(s->h->rsp_prod) + vdm_fuzz_u8(f) % 4);
		s->dirty = true;
		break;
	case 7: /* any header word, including the VMM's own line and the layout */
		i = vdm_fuzz_u8(f) % (VDM_RING_HEADER_SIZE / 4);
		words[i] = vdm_fuzz_u32(f);
		s->dirty = true;
		break;
	case 8: /* a log entry, valid or not */
		lg = (struct vdm_ring_log *)(s->mem + VDM_RING_LOG_OFFSET) +
		     (le32toh(s->h->log_prod) & (VDM_RING_LOG_ENTRIES - 1));
		for (i = 0; i < sizeof(*lg); i++)
			((uint8_t *)lg)[i] = vdm_fuzz_u8(f);
		if (vdm_fuzz_u8(f) & 1) {
			lg->kind = 1 + vdm_fuzz_u8(f) % 2;
			lg->level = vdm_fuzz_u8(f) % 4;
			memcpy(lg->text, "log line", 9);
		} else {
			s->dirty = true;
		}
		n = vdm_fuzz_u8(f) < 0xf0 ? 1 : vdm_fuzz_u32(f);
		/* One entry into a full log ring overwrites an unread one: what the real server
		 * never does (it drops and counts), so the client may call the ring torn. */
		if (n != 1 || le32toh(s->h->log_prod) - le32toh(s->h->log_cons) >= VDM_RING_LOG_ENTRIES)
			s->dirty = true;
		s->h->log_prod = htole32(le32toh(s->h->log_prod) + n);
		break;
	case 9: /* READY out of turn (the honest one is covered by the integration tests) */
		s->dirty = true;
		vdm_ring_server_ready(s->srv);
		break;
	case 10: /* the device side says nothing this time (hung) */
		s->dirty = true;
		break;
	default: /* log lines through the real server (honest) */
		vdm_ring_server_log(s->srv, VDM_RING_LOG_LINE, vdm_fuzz_u8(f) % 4, 0, 0,
				    (vdm_fuzz_u8(f) & 1) ? "a line\twith\x01control" : "plain");
		break;
	}
}

static void rr_pump(void *opaque)
{
	struct rr *s = opaque;
	unsigned n = 1 + vdm_fuzz_u8(s->f) % 3;

	s->served = false;
	while (n--)
		rr_pump_step(s);
	if (!s->served)
		s->dirty = true; /* asked to run and never served: a hung device */
}

/* The fault stays the first one: record it, or check it did not change. */
static void rr_check_fault(struct rr *s)
{
	enum vdm_ring_fault now = vdm_ring_client_fault(s->c);

	if (s->fault == VDM_RING_FAULT_NONE)
		s->fault = now;
	FUZZ_CHECK(now == s->fault, "client fault changed from %d to %d", s->fault, now);
	FUZZ_CHECK(now == VDM_RING_FAULT_NONE || s->dirty,
		   "honest device side, yet the client failed: %s", vdm_ring_fault_str(now));
}

static void rr_call(struct rr *s)
{
	static const uint32_t kinds[] = { VDM_RING_CFG_READ, VDM_RING_BAR_READ, VDM_RING_RESET,
					  VDM_RING_PING };
	struct vdm_fuzz_in *f = s->f;
	uint8_t b = vdm_fuzz_u8(f);
	uint32_t kind = b < 0xf0 ? kinds[b % 4] : vdm_fuzz_u8(f), region = 0, size = 0;
	uint64_t off = 0, data = 0, value = 0x5a5a, want = 0;
	int32_t status = 77, want_st = 0;
	uint32_t v32 = UINT32_MAX;
	bool was_failed = s->fault != VDM_RING_FAULT_NONE, twin_ok = !s->dirty;
	struct vdm_ring_entry q;
	int r;

	switch (kind) {
	case VDM_RING_CFG_READ:
		size = 1u << (vdm_fuzz_u8(f) % 3);
		off = vdm_fuzz_u16(f) % 4096;
		if (off + size > 4096)
			off = 4096 - size;
		break;
	case VDM_RING_BAR_READ:
		region = vdm_fuzz_u8(f) % VDM_MAX_REGIONS;
		size = 1u << (vdm_fuzz_u8(f) % 4);
		off = vdm_fuzz_offset(f, 4096);
		break;
	case VDM_RING_PING:
		data = vdm_fuzz_u64(f);
		break;
	case VDM_RING_CONTROL: /* (only through the any-kind byte: seeds keep their meaning) */
		off = vdm_fuzz_u32(f);
		data = vdm_fuzz_u64(f);
		break;
	default:
		break;
	}
	if (vdm_fuzz_u8(f) == 0xff) { /* now and then something a proxy would never send */
		size = vdm_fuzz_u8(f);
		region = vdm_fuzz_u8(f);
	}
	memset(&q, 0, sizeof(q));
	q.kind = (uint8_t)kind;
	q.size = (uint8_t)size;
	q.region = (uint8_t)region;
	q.offset = off;
	q.data = data;
	q.seq = 1; /* any: only the shape is judged here */
	if (rr_sync(kind) && !rr_request_ok(&q, 1))
		s->dirty = true; /* an honest server answers it with all-ones: may fault */

	/* What the device says when called directly (the twin sees every request too). */
	switch (kind) {
	case VDM_RING_CFG_READ:
		want_st = vdm_cfg_read(s->twin, (uint32_t)off, size, &v32);
		want = v32;
		break;
	case VDM_RING_BAR_READ:
		want = UINT64_MAX;
		want_st = vdm_bar_read(s->twin, region, off, size, &want);
		break;
	case VDM_RING_RESET:
		vdm_device_reset(s->twin);
		break;
	case VDM_RING_PING:
		want = data;
		break;
	case VDM_RING_CONTROL: /* the testdev has no control op: -EOPNOTSUPP, result 0 */
		want_st = vdm_device_control(s->twin, (uint32_t)off, (uint32_t)data,
					     (uint32_t)(data >> 32), &want);
		break;
	default:
		break;
	}

	/* The proxy's way: a read inside a pure space's declared size tries the device's read
	 * mirror first.  From an honest device side the copy equals the device, or is refused
	 * as stale (ring.h). */
	if ((kind == VDM_RING_CFG_READ ||
	     (kind == VDM_RING_BAR_READ && region < VDM_MAX_REGIONS &&
	      off < s->dev->res.regions[region].size &&
	      size <= s->dev->res.regions[region].size - off))) {
		uint32_t space = kind == VDM_RING_CFG_READ ? VDM_RING_MIRROR_CFG : region;

		r = vdm_ring_client_mirror_read(s->c, space, off, size, &value);
		FUZZ_CHECK(r == 0 || r == -EAGAIN || r == -EINVAL, "mirror_read returned %d", r);
		FUZZ_CHECK(r != 0 || !was_failed, "a failed client answered from the mirror");
		if (r == 0) {
			if (twin_ok && !s->dirty)
				FUZZ_CHECK(value == want && want_st == 0,
					   "honest mirror: space %u off %#llx size %u gave %#llx, "
					   "the device directly %#llx/%d",
					   space, (unsigned long long)off, size,
					   (unsigned long long)value, (unsigned long long)want, want_st);
			return;
		}
		value = 0x5a5a;
	}
	r = vdm_ring_client_call(s->c, kind, region, off, size, data, &value, &status);
	if (!rr_sync(kind)) {
		FUZZ_CHECK(r == -EINVAL && value == UINT64_MAX && status == -EIO,
			   "call with posted/unknown kind %#x returned %d", kind, r);
		return;
	}
	if (r) {
		FUZZ_CHECK(r == -EIO && value == UINT64_MAX && status == -EIO &&
				   vdm_ring_client_fault(s->c) != VDM_RING_FAULT_NONE,
			   "failed call: %d, value %#llx, status %d, fault %d", r,
			   (unsigned long long)value, status, vdm_ring_client_fault(s->c));
		rr_check_fault(s);
		return;
	}
	FUZZ_CHECK(!was_failed, "a call succeeded after the client failed");
	/* Only what ring.h allows gets through. */
	FUZZ_CHECK(status <= 0 && status >= -RR_MAX_ERRNO, "call returned status %d", status);
	FUZZ_CHECK(kind != VDM_RING_CFG_READ || value <= UINT32_MAX, "config value %#llx",
		   (unsigned long long)value);
	FUZZ_CHECK(kind != VDM_RING_RESET || (!value && !status), "RESET gave %#llx/%d",
		   (unsigned long long)value, status);
	FUZZ_CHECK(kind != VDM_RING_PING || (value == data && !status), "PING echoed %#llx",
		   (unsigned long long)value);
	FUZZ_CHECK(kind != VDM_RING_CONTROL || !status || !value, "refused CONTROL gave %#llx",
		   (unsigned long long)value);
	if (kind == VDM_RING_CFG_READ || kind == VDM_RING_BAR_READ)
		FUZZ_CHECK(rr_read_value_ok(size, value, status),
			   "a %u-byte read through the ring returned %#llx with status %d", size,
			   (unsigned long long)value, status);
	if (twin_ok && !s->dirty)
		FUZZ_CHECK(value == want && status == want_st,
			   "honest ring: kind %u region %u off %#llx size %u gave %#llx/%d, the "
			   "device directly %#llx/%d",
			   kind, region, (unsigned long long)off, size, (unsigned long long)value,
			   status, (unsigned long long)want, want_st);
}

static void rr_post(struct rr *s)
{
	struct vdm_fuzz_in *f = s->f;
	uint8_t b = vdm_fuzz_u8(f);
	uint32_t kind = b < 0x80 ? VDM_RING_CFG_WRITE : b < 0xf8 ? VDM_RING_BAR_WRITE
			: b < 0xfc ? VDM_RING_SHUTDOWN : vdm_fuzz_u8(f);
	uint32_t region = 0, size = 0;
	uint64_t off = 0, data = 0;
	bool was_failed = s->fault != VDM_RING_FAULT_NONE;
	int r;

	if (kind == VDM_RING_CFG_WRITE) {
		size = 1u << (vdm_fuzz_u8(f) % 3);
		off = vdm_fuzz_u16(f) % 4096;
		if (off + size > 4096)
			off = 4096 - size;
		data = vdm_fuzz_u32(f);
		vdm_cfg_write(s->twin, (uint32_t)off, size, (uint32_t)data);
	} else if (kind == VDM_RING_BAR_WRITE) {
		region = vdm_fuzz_u8(f) % VDM_MAX_REGIONS;
		size = 1u << (vdm_fuzz_u8(f) % 4);
		off = vdm_fuzz_offset(f, 4096);
		data = vdm_fuzz_u64(f);
		vdm_bar_write(s->twin, region, off, size, data);
	} else if (kind == VDM_RING_SHUTDOWN) {
		s->dirty = true; /* the device goes away: later calls time out */
	}
	r = vdm_ring_client_post(s->c, kind, region, off, size, data);
	if (kind != VDM_RING_CFG_WRITE && kind != VDM_RING_BAR_WRITE && kind != VDM_RING_SHUTDOWN) {
		FUZZ_CHECK(r == -EINVAL, "post of kind %#x returned %d", kind, r);
		return;
	}
	FUZZ_CHECK(r == 0 || r == -EIO, "post returned %d", r);
	FUZZ_CHECK(!(r == 0 && was_failed), "a post succeeded after the client failed");
	if (r)
		rr_check_fault(s);
}

static void rr_logs(struct rr *s)
{
	struct vdm_ring_log out;
	unsigned guard = 0, i;
	int r;

	while ((r = vdm_ring_client_log_next(s->c, &out)) == 1 && guard++ < 64) {
		FUZZ_CHECK((out.kind == VDM_RING_LOG_LINE || out.kind == VDM_RING_LOG_EJECT) &&
				   out.level <= VDM_LOG_DEBUG,
			   "log_next gave kind %u level %u", out.kind, out.level);
		for (i = 0; i < VDM_RING_LOG_TEXT && out.text[i]; i++)
			FUZZ_CHECK(out.text[i] >= 0x20 && out.text[i] <= 0x7e,
				   "log_next text byte %#x", (unsigned char)out.text[i]);
		FUZZ_CHECK(i < VDM_RING_LOG_TEXT, "log_next text not terminated");
	}
	FUZZ_CHECK(r == 1 || r == 0 || r == -EIO, "log_next returned %d", r);
	if (r < 0)
		rr_check_fault(s);
}

static void rr_client(struct vdm_fuzz_in *f)
{
	struct rr *s = calloc(1, sizeof(*s));
	const struct vdm_ring_server_config scfg = { .req_efd = -1, .rsp_efd = -1,
						     .notify_efd = -1 };
	struct vdm_ring_client_config ccfg = { .doorbell = VDM_RING_DOORBELL_NONE, .timeout_ms = 1,
					       .pidfd = -1, .req_efd = -1, .rsp_efd = -1,
					       .pump = rr_pump };
	char err[128];
	uint32_t a, b, c;
	int n, r;
	bool won;

	if (!s)
		return;
	s->f = f;
	s->size = vdm_ring_mapping_size();
	s->mem = malloc(s->size); /* exact size: ASan sees any access past the mapping */
	ccfg.pump_opaque = s;
	if (!s->mem || vdm_ring_format(s->mem, s->size, VDM_RING_DOORBELL_NONE))
		goto out;
	s->h = (struct vdm_ring_header *)(void *)s->mem;
	r = vdm_ring_server_new(s->mem, s->size, &scfg, &s->srv);
	FUZZ_CHECK(r == 0, "server_new on a fresh mapping: %d", r);
	r = vdm_ring_client_new(s->mem, s->size, &ccfg, &s->c);
	FUZZ_CHECK(r == 0, "client_new: %d", r);
	if (vdm_testdev_type.create(NULL, NULL, &s->dev, err, sizeof(err)) ||
	    vdm_testdev_type.create(NULL, NULL, &s->twin, err, sizeof(err)))
		goto out;
	vdm_ring_server_mirror_setup(s->srv, s->dev); /* the honest server keeps its mirror */
	for (n = 0; n < RR_MAX_OPS && vdm_fuzz_more(f); n++) {
		switch (vdm_fuzz_u8(f) % 8) {
		case 0: case 1: case 2:
			rr_call(s);
			break;
		case 3: case 4:
			rr_post(s);
			break;
		case 5:
			if (vdm_fuzz_u8(f) >= 16) {
				rr_call(s);
				break;
			}
			/* Waiting for a READY the device may never send: a timeout is fair. */
			r = vdm_ring_client_wait_ready(s->c, 0);
			if (r)
				s->dirty = true;
			FUZZ_CHECK(r == 0 || r == -EIO, "wait_ready returned %d", r);
			rr_check_fault(s);
			break;
		case 6:
			rr_logs(s);
			break;
		default:
			if (vdm_fuzz_u8(f) & 1) {
				vdm_ring_client_device_counters(s->c, &a, &b, &c);
				break;
			}
			/* The owner's event loop declares the device failed. */
			s->dirty = true;
			won = vdm_ring_client_fail(s->c,
						   (enum vdm_ring_fault)(1 + vdm_fuzz_u8(f) % 13));
			FUZZ_CHECK(won == (s->fault == VDM_RING_FAULT_NONE),
				   "fail() won %d with an earlier fault %d", won, s->fault);
			rr_check_fault(s);
			break;
		}
		rr_check_fault(s);
	}
out:
	vdm_device_destroy(s->dev);
	vdm_device_destroy(s->twin);
	if (s->c)
		vdm_ring_client_free(s->c);
	if (s->srv)
		vdm_ring_server_free(s->srv);
	free(s->mem);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vdm_fuzz_in f;

	vdm_fuzz_in_init(&f, data, size);
	if (vdm_fuzz_u8(&f) & 0x80)
		rr_pure(&f);
	else
		rr_client(&f);
	return 0;
}
