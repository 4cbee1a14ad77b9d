/* The VMM end of the ring: publish requests, wait (always bounded) for answers, and judge
 * every byte the device side wrote before believing it. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vdm/device.h>

#include "ring_int.h"

#define DEFAULT_SPIN_NS 20000u
#define DEFAULT_TIMEOUT_MS 1000u
#define SLEEP_SLICE_NS 10000000ull /* re-check the device process this often while asleep */

struct vdm_ring_client {
	struct vdm_ring_header *h;
	struct vdm_ring_entry *req;
	struct vdm_ring_entry *rsp;
	struct vdm_ring_log *log;
	uint32_t req_prod; /* private copies: never read back from shared memory */
	uint32_t rsp_cons;
	uint32_t log_cons;
	uint32_t seq;
	int fault; /* enum vdm_ring_fault, atomic */
	struct ring_spin spin; /* FUTEX mode; budget 0 otherwise */
	uint64_t timeout_ns;
	struct vdm_ring_client_config cfg;
	size_t size;         /* of the mapping */
	uint32_t mirror_map; /* read mirrors the device announced at READY (VDM_PURE_* bits) */
	uint64_t mirror_reads; /* answered from the mirror: every MIRROR_ALIVE_EVERY-th one
				* checks that the device process lives */
	struct vdm_ring_client_stats stats;
	/* Write-through config copy (wire 1.3), when the device published its masks: our own
	 * memory, taken at READY (and again after a request that may change config otherwise,
	 * once the mirror is current); NULL without one. */
	struct cfg_copy {
		uint8_t cfg[VDM_RING_MIRROR_BYTES];
		uint8_t wmask[VDM_RING_MIRROR_BYTES];
		uint8_t w1cmask[VDM_RING_MIRROR_BYTES];
		bool valid;
	} *copy;
};

/* One thread counts (the one that owns the client), another may read (vdm_ring_client_stats):
 * relaxed atomic loads and stores, no locked instruction.  Returns the value before. */
static inline uint64_t stat_add(uint64_t *counter, uint64_t n)
{
	uint64_t v = __atomic_load_n(counter, __ATOMIC_RELAXED);

	__atomic_store_n(counter, v + n, __ATOMIC_RELAXED);
	return v;
}

#define MIRROR_ALIVE_EVERY 64u

int vdm_ring_client_new(void *mem, size_t size, const struct vdm_ring_client_config *cfg,
			struct vdm_ring_client **out)
{
	struct vdm_ring_client *c;
	char *base = mem;

	if (!mem || !cfg || !out || size < VDM_RING_MIN_SIZE)
		return -EINVAL;
	if (cfg->doorbell == VDM_RING_DOORBELL_EVENTFD && (cfg->req_efd < 0 || cfg->rsp_efd < 0))
		return -EINVAL;
	if (cfg->doorbell == VDM_RING_DOORBELL_NONE && !cfg->pump)
		return -EINVAL;
	if (cfg->doorbell != VDM_RING_DOORBELL_FUTEX && cfg->doorbell != VDM_RING_DOORBELL_EVENTFD &&
	    cfg->doorbell != VDM_RING_DOORBELL_NONE)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	/* The layout is ours (we formatted it): take offsets from our constants, not from
	 * the shared header the device could have rewritten. */
	c->h = mem;
	c->req = (struct vdm_ring_entry *)(base + VDM_RING_REQ_OFFSET);
	c->rsp = (struct vdm_ring_entry *)(base + VDM_RING_RSP_OFFSET);
	c->log = (struct vdm_ring_log *)(base + VDM_RING_LOG_OFFSET);
	c->cfg = *cfg;
	c->size = size;
	ring_spin_init(&c->spin, cfg->doorbell == VDM_RING_DOORBELL_FUTEX
					 ? (cfg->spin_ns ? cfg->spin_ns : DEFAULT_SPIN_NS)
					 : 0);
	c->timeout_ns = (uint64_t)(cfg->timeout_ms ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS) *
			1000000ull;
	*out = c;
	return 0;
}

void vdm_ring_client_free(struct vdm_ring_client *c)
{
	if (c)
		free(c->copy);
	free(c);
}

/* ---- write-through config copy ---- */

/* The device's config mirror, byte by byte (it may be writing it: no torn-word worry, each
 * byte is taken once), into our copy. */
static void copy_take_mirror(struct vdm_ring_client *c)
{
	const uint8_t *src = (const uint8_t *)c->h + vdm_ring_mirror_offset(VDM_RING_MIRROR_CFG);

	for (uint32_t i = 0; i < VDM_RING_MIRROR_BYTES; i++)
		c->copy->cfg[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	c->copy->valid = true;
}

/* A request goes out: keep the copy what the device will have once it has done it. */
static void copy_note(struct vdm_ring_client *c, uint32_t kind, uint64_t offset, uint32_t size,
		      uint64_t data)
{
	struct cfg_copy *cp = c->copy;

	if (!cp || !cp->valid)
		return;
	switch (kind) {
	case VDM_RING_CFG_WRITE:
		/* device.h VDM_PURE_CFG_WRITES: inside one dword, byte by byte; else nothing */
		if (offset >= VDM_RING_MIRROR_BYTES || (offset & 3) + size > 4)
			return;
		for (uint32_t i = 0; i < size; i++) {
			uint32_t o = (uint32_t)offset + i;
			uint8_t b = (uint8_t)(data >> (8 * i)), w = cp->wmask[o];

			cp->cfg[o] = (uint8_t)(((cp->cfg[o] & ~w) | (b & w)) & ~(b & cp->w1cmask[o]));
		}
		return;
	case VDM_RING_CFG_READ:
	case VDM_RING_BAR_READ:
	case VDM_RING_BAR_WRITE:
	case VDM_RING_PING:
		return; /* config unchanged, by the promise */
	default:
		cp->valid = false; /* RESET, CONTROL, SHUTDOWN: until the mirror is current */
		return;
	}
}

enum vdm_ring_fault vdm_ring_client_fault(const struct vdm_ring_client *c)
{
	return (enum vdm_ring_fault)__atomic_load_n(&c->fault, __ATOMIC_ACQUIRE);
}

bool vdm_ring_client_fail(struct vdm_ring_client *c, enum vdm_ring_fault fault)
{
	int none = VDM_RING_FAULT_NONE;
	bool won = __atomic_compare_exchange_n(&c->fault, &none, (int)fault, false,
					       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);

	/* Wake a caller asleep in client_wait (possibly on another thread). */
	if (won && c->cfg.doorbell == VDM_RING_DOORBELL_FUTEX)
		vdm__ring_futex_bump(&c->h->rsp_bell);
	else if (won && c->cfg.doorbell == VDM_RING_DOORBELL_EVENTFD)
		vdm__ring_efd_kick(c->cfg.rsp_efd);
	return won;
}

void vdm_ring_client_device_counters(const struct vdm_ring_client *c, uint32_t *log_dropped,
				     uint32_t *bad_requests, uint32_t *write_errors)
{
	if (log_dropped)
		*log_dropped = ring_peek(&c->h->log_dropped);
	if (bad_requests)
		*bad_requests = ring_peek(&c->h->bad_requests);
	if (write_errors)
		*write_errors = ring_peek(&c->h->write_errors);
}

/* Conditions a wait ends on: 1 met, 0 not yet, -1 a fault was recorded. */
static int rsp_ready(struct vdm_ring_client *c)
{
	uint32_t prod = ring_load(&c->h->rsp_prod);

	if (vdm_ring_check_indices(prod, c->rsp_cons, VDM_RING_RSP_ENTRIES)) {
		vdm_ring_client_fail(c, VDM_RING_FAULT_INDEX);
		return -1;
	}
	return prod != c->rsp_cons;
}

static int space_ready(struct vdm_ring_client *c)
{
	uint32_t cons = ring_load(&c->h->req_cons);

	if (vdm_ring_check_indices(c->req_prod, cons, VDM_RING_REQ_ENTRIES)) {
		vdm_ring_client_fail(c, VDM_RING_FAULT_INDEX);
		return -1;
	}
	return c->req_prod - cons < VDM_RING_REQ_ENTRIES;
}

static bool peer_dead(const struct vdm_ring_client *c)
{
	struct pollfd p = { .fd = c->cfg.pidfd, .events = POLLIN };

	return c->cfg.pidfd >= 0 && poll(&p, 1, 0) > 0;
}

/* Sleep until woken, `slice_ns` passes, or (eventfd mode) the device process exits. */
static void sleep_once(struct vdm_ring_client *c, uint32_t bell, uint64_t slice_ns)
{
	if (c->cfg.doorbell == VDM_RING_DOORBELL_FUTEX) {
		vdm__ring_futex_wait(&c->h->rsp_bell, bell, slice_ns);
	} else {
		struct pollfd p[2] = { { .fd = c->cfg.rsp_efd, .events = POLLIN },
				       { .fd = c->cfg.pidfd, .events = POLLIN } };
		int ms = (int)((slice_ns + 999999) / 1000000);
		uint64_t v;

		if (poll(p, c->cfg.pidfd >= 0 ? 2 : 1, ms) > 0 && (p[0].revents & POLLIN) &&
		    read(c->cfg.rsp_efd, &v, sizeof(v)) < 0) {
			/* nothing to do: the caller re-checks the ring either way */
		}
	}
}

/*
 * Wait for `ready` with the bound the config gives: spin (futex mode), then sleep in
 * slices, checking after each slice that the device process still lives.  Returns 0 when
 * ready, -EIO when a fault ended the wait (recorded in c->fault).
 */
static int client_wait(struct vdm_ring_client *c, int (*ready)(struct vdm_ring_client *),
		       uint32_t what)
{
	uint64_t start = ring_now_ns(), now = start, deadline = start + c->timeout_ns;
	int r;
	unsigned int i = 0;

	for (;;) {
		r = ready(c);
		if (r) {
			if (i)
				ring_spin_won(&c->spin);
			return r > 0 ? 0 : -EIO;
		}
		if (vdm_ring_client_fault(c))
			return -EIO;
		if (now - start >= c->spin.budget_ns)
			break;
		ring_relax();
		if ((++i & 63) == 0)
			now = ring_now_ns();
	}
	ring_spin_lost(&c->spin);
	if (c->cfg.doorbell == VDM_RING_DOORBELL_NONE) {
		/* In-memory transport: the pump runs the server to completion; whatever is
		 * not there afterwards will never come. */
		c->cfg.pump(c->cfg.pump_opaque);
		r = ready(c);
		if (r)
			return r > 0 ? 0 : -EIO;
		vdm_ring_client_fail(c, VDM_RING_FAULT_TIMEOUT);
		return -EIO;
	}
	for (;;) {
		uint32_t bell = ring_load(&c->h->rsp_bell);

		ring_store(&c->h->vmm_waiting, what);
		ring_fence();
		r = ready(c);
		if (!r && !vdm_ring_client_fault(c)) {
			now = ring_now_ns();
			if (now >= deadline) {
				ring_store(&c->h->vmm_waiting, 0);
				vdm_ring_client_fail(c, VDM_RING_FAULT_TIMEOUT);
				return -EIO;
			}
			sleep_once(c, bell, deadline - now < SLEEP_SLICE_NS ? deadline - now
									    : SLEEP_SLICE_NS);
			r = ready(c);
		}
		ring_store(&c->h->vmm_waiting, 0);
		if (r)
			return r > 0 ? 0 : -EIO;
		if (vdm_ring_client_fault(c))
			return -EIO;
		if (peer_dead(c)) {
			vdm_ring_client_fail(c, VDM_RING_FAULT_DEAD);
			return -EIO;
		}
	}
}

static void kick_device(struct vdm_ring_client *c)
{
	ring_fence();
	if (!ring_peek(&c->h->dev_waiting))
		return;
	if (c->cfg.doorbell == VDM_RING_DOORBELL_FUTEX)
		vdm__ring_futex_bump(&c->h->req_bell);
	else if (c->cfg.doorbell == VDM_RING_DOORBELL_EVENTFD)
		vdm__ring_efd_kick(c->cfg.req_efd);
}

static int publish(struct vdm_ring_client *c, uint32_t kind, uint32_t region, uint64_t offset,
		   uint32_t size, uint64_t data, struct vdm_ring_entry *e)
{
	int r = space_ready(c);

	if (r == 0)
		r = client_wait(c, space_ready, RING_WAIT_SPACE) ? -1 : 1;
	if (r < 0)
		return -EIO;
	copy_note(c, kind, offset, size, data);
	memset(e, 0, sizeof(*e));
	e->seq = htole32(++c->seq);
	e->kind = (uint8_t)kind;
	e->size = (uint8_t)size;
	e->region = (uint8_t)region;
	e->offset = htole64(offset);
	e->data = htole64(data);
	memcpy(&c->req[c->req_prod & (VDM_RING_REQ_ENTRIES - 1)], e, sizeof(*e));
	ring_store(&c->h->req_prod, ++c->req_prod);
	kick_device(c);
	return 0;
}

/* Take the one response the device owes, copy it out, then judge the copy. */
static int take_response(struct vdm_ring_client *c, const struct vdm_ring_entry *req,
			 struct vdm_ring_entry *rsp, bool ready_msg)
{
	uint32_t prod;
	enum vdm_ring_fault f;

	if (client_wait(c, rsp_ready, RING_WAIT_RESPONSE))
		return -EIO;
	prod = ring_load(&c->h->rsp_prod);
	if (prod - c->rsp_cons != 1) {
		vdm_ring_client_fail(c, vdm_ring_check_indices(prod, c->rsp_cons,
							       VDM_RING_RSP_ENTRIES)
						? VDM_RING_FAULT_INDEX
						: VDM_RING_FAULT_UNSOLICITED);
		return -EIO;
	}
	memcpy(rsp, &c->rsp[c->rsp_cons & (VDM_RING_RSP_ENTRIES - 1)], sizeof(*rsp));
	ring_store(&c->h->rsp_cons, ++c->rsp_cons);
	f = ready_msg ? vdm_ring_check_ready(rsp) : vdm_ring_check_response(req, rsp);
	if (f) {
		vdm_ring_client_fail(c, f);
		return -EIO;
	}
	return 0;
}

int vdm_ring_client_call(struct vdm_ring_client *c, uint32_t kind, uint32_t region,
			 uint64_t offset, uint32_t size, uint64_t data, uint64_t *value,
			 int32_t *status)
{
	struct vdm_ring_entry req, rsp;
	uint64_t t0;

	*value = UINT64_MAX;
	*status = -EIO;
	if (kind != VDM_RING_CFG_READ && kind != VDM_RING_BAR_READ && kind != VDM_RING_RESET &&
	    kind != VDM_RING_PING && kind != VDM_RING_CONTROL)
		return -EINVAL;
	if (vdm_ring_client_fault(c))
		return -EIO;
	/* Nothing may be waiting in the response ring before we ask. */
	if (ring_load(&c->h->rsp_prod) != c->rsp_cons) {
		vdm_ring_client_fail(c, VDM_RING_FAULT_UNSOLICITED);
		return -EIO;
	}
	t0 = ring_now_ns();
	stat_add(&c->stats.calls, 1);
	if (publish(c, kind, region, offset, size, data, &req) ||
	    take_response(c, &req, &rsp, false)) {
		stat_add(&c->stats.call_ns, ring_now_ns() - t0);
		return -EIO;
	}
	stat_add(&c->stats.call_ns, ring_now_ns() - t0);
	*value = le64toh(rsp.data);
	*status = (int32_t)le32toh((uint32_t)rsp.status);
	return 0;
}

int vdm_ring_client_post(struct vdm_ring_client *c, uint32_t kind, uint32_t region,
			 uint64_t offset, uint32_t size, uint64_t data)
{
	struct vdm_ring_entry req;

	if (kind != VDM_RING_CFG_WRITE && kind != VDM_RING_BAR_WRITE && kind != VDM_RING_SHUTDOWN)
		return -EINVAL;
	if (vdm_ring_client_fault(c))
		return -EIO;
	stat_add(&c->stats.posts, 1);
	return publish(c, kind, region, offset, size, data, &req);
}

void vdm_ring_client_stats(const struct vdm_ring_client *c, struct vdm_ring_client_stats *out)
{
	/* (another thread may be counting meanwhile: each counter is read whole) */
	out->calls = __atomic_load_n(&c->stats.calls, __ATOMIC_RELAXED);
	out->call_ns = __atomic_load_n(&c->stats.call_ns, __ATOMIC_RELAXED);
	out->posts = __atomic_load_n(&c->stats.posts, __ATOMIC_RELAXED);
	out->mirror_reads = __atomic_load_n(&c->mirror_reads, __ATOMIC_RELAXED);
}

void vdm_ring_client_set_timeout(struct vdm_ring_client *c, uint32_t timeout_ms)
{
	c->timeout_ns = (uint64_t)(timeout_ms ? timeout_ms : DEFAULT_TIMEOUT_MS) * 1000000ull;
}

int vdm_ring_client_wait_ready(struct vdm_ring_client *c, uint32_t timeout_ms)
{
	struct vdm_ring_entry rsp;
	uint64_t saved = c->timeout_ns;
	int rc;

	if (vdm_ring_client_fault(c))
		return -EIO;
	if (timeout_ms)
		c->timeout_ns = (uint64_t)timeout_ms * 1000000ull;
	rc = take_response(c, NULL, &rsp, true);
	c->timeout_ns = saved;
	/* The device wrote its mirror map (and masks) before READY; later changes are not
	 * looked at. */
	if (rc == 0 && c->size >= VDM_RING_MIRROR_END)
		c->mirror_map = ring_load(&c->h->mirror_map) & VDM_PURE_ALL;
	if (!(c->mirror_map & VDM_PURE_CFG) || c->size < VDM_RING_MASKS_END)
		c->mirror_map &= ~VDM_PURE_CFG_WRITES;
	if (rc == 0 && (c->mirror_map & VDM_PURE_CFG_WRITES) && !c->copy) {
		c->copy = malloc(sizeof(*c->copy));
		if (!c->copy) {
			c->mirror_map &= ~VDM_PURE_CFG_WRITES; /* round trips instead */
			return rc;
		}
		memcpy(c->copy->wmask, (const uint8_t *)c->h + VDM_RING_MASKS_OFFSET,
		       VDM_RING_MIRROR_BYTES);
		memcpy(c->copy->w1cmask,
		       (const uint8_t *)c->h + VDM_RING_MASKS_OFFSET + VDM_RING_MIRROR_BYTES,
		       VDM_RING_MIRROR_BYTES);
		copy_take_mirror(c); /* current: READY comes after the first fill */
	}
	return rc;
}

uint32_t vdm_ring_client_mirror_map(const struct vdm_ring_client *c)
{
	return c->mirror_map;
}

const uint8_t *vdm_ring_client_cfg_wmask(const struct vdm_ring_client *c)
{
	return c->copy ? c->copy->wmask : NULL;
}

const uint8_t *vdm_ring_client_cfg_w1cmask(const struct vdm_ring_client *c)
{
	return c->copy ? c->copy->w1cmask : NULL;
}

int vdm_ring_client_mirror_read(struct vdm_ring_client *c, uint32_t space, uint64_t offset,
				uint32_t size, uint64_t *value)
{
	const uint8_t *src;
	uint64_t v = 0;

	if ((space >= VDM_MAX_REGIONS && space != VDM_RING_MIRROR_CFG) ||
	    !(c->mirror_map & (1u << space)))
		return -EINVAL;
	if ((size != 1 && size != 2 && size != 4 && size != 8) ||
	    (space == VDM_RING_MIRROR_CFG && size == 8) || offset % size ||
	    offset >= VDM_RING_MIRROR_BYTES || offset + size > VDM_RING_MIRROR_BYTES)
		return -EINVAL;
	if (vdm_ring_client_fault(c))
		return -EAGAIN; /* the ring answers all-ones and -EIO */
	/* Config space of a device that promised VDM_PURE_CFG_WRITES: our own copy knows the
	 * writes still in flight.  (Liveness: as for the mirror, below.) */
	if (space == VDM_RING_MIRROR_CFG && c->copy && c->copy->valid) {
		src = c->copy->cfg + offset;
		goto answer;
	}
	/* Current only if the device has seen (and, for writes, applied) everything we sent;
	 * the acquire orders the copy's bytes after it. */
	if (ring_load(&c->h->mirror_seq) != c->seq)
		return -EAGAIN;
	if (space == VDM_RING_MIRROR_CFG && c->copy) {
		copy_take_mirror(c); /* current again after a reset or control */
		src = c->copy->cfg + offset;
		goto answer;
	}
	src = (const uint8_t *)c->h + vdm_ring_mirror_offset(space) + offset;
answer:
	/* A dead device's copy must not outlive it for long: the owner's event loop fails the
	 * client as soon as the pidfd fires, and without one every 64th answer polls the pidfd
	 * itself (a system call on every read would cost more than the copy saves). */
	if (stat_add(&c->mirror_reads, 1) % MIRROR_ALIVE_EVERY == 0 && peer_dead(c)) {
		vdm_ring_client_fail(c, VDM_RING_FAULT_DEAD);
		return -EAGAIN;
	}
	for (uint32_t i = 0; i < size; i++)
		v |= (uint64_t)__atomic_load_n(&src[i], __ATOMIC_RELAXED) << (8 * i);
	*value = v;
	return 0;
}

int vdm_ring_client_log_next(struct vdm_ring_client *c, struct vdm_ring_log *out)
{
	uint32_t prod = ring_load(&c->h->log_prod);
	enum vdm_ring_fault f;

	if (vdm_ring_check_indices(prod, c->log_cons, VDM_RING_LOG_ENTRIES)) {
		vdm_ring_client_fail(c, VDM_RING_FAULT_INDEX);
		return -EIO;
	}
	if (prod == c->log_cons)
		return 0;
	f = vdm_ring_check_log(&c->log[c->log_cons & (VDM_RING_LOG_ENTRIES - 1)], out);
	ring_store(&c->h->log_cons, ++c->log_cons);
	if (f) {
		vdm_ring_client_fail(c, f);
		return -EIO;
	}
	return 1;
}
