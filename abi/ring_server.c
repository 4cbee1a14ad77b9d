/* The device end of the ring: take checked requests, run them against the device's ops,
 * publish responses and log lines, and wake the VMM only when it sleeps. */
#define _GNU_SOURCE /* ppoll */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vdm/device.h>

#include "ring_int.h"

#define DEFAULT_SPIN_NS 50000u
#define MIRROR_QUIET_NS 2000000u /* the VMM quiet this long: refresh the read mirror */
#define MAX_ERRNO 4095

struct vdm_ring_server {
	struct vdm_ring_header *h;
	struct vdm_ring_entry *req;
	struct vdm_ring_entry *rsp;
	struct vdm_ring_log *log;
	uint32_t doorbell;
	uint32_t req_cons; /* private copies of our own indices */
	uint32_t rsp_prod;
	uint32_t log_prod;
	uint32_t expect_seq;
	struct ring_spin spin;
	struct vdm_ring_server_config cfg;
	size_t size;                  /* of the mapping */
	/* read mirror (wire 1.2) */
	struct vdm_device *mirror_dev; /* NULL: no mirror kept */
	uint32_t mirror_map;           /* VDM_PURE_* bits of the copies kept */
	uint32_t last_seq;             /* id of the last request noted */
	bool mirror_stale;             /* a request since the last refresh may have changed dev */
};

int vdm_ring_server_new(void *mem, size_t size, const struct vdm_ring_server_config *cfg,
			struct vdm_ring_server **out)
{
	struct vdm_ring_server *s;
	char *base = mem;

	if (!mem || !cfg || !out)
		return -EINVAL;
	if (vdm_ring_check_layout(mem, size))
		return -EPROTO;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->h = mem;
	s->doorbell = le32toh(s->h->doorbell);
	if (s->doorbell == VDM_RING_DOORBELL_EVENTFD && (cfg->req_efd < 0 || cfg->rsp_efd < 0)) {
		free(s);
		return -EINVAL;
	}
	s->req = (struct vdm_ring_entry *)(base + VDM_RING_REQ_OFFSET);
	s->rsp = (struct vdm_ring_entry *)(base + VDM_RING_RSP_OFFSET);
	s->log = (struct vdm_ring_log *)(base + VDM_RING_LOG_OFFSET);
	s->cfg = *cfg;
	ring_spin_init(&s->spin, cfg->spin_ns ? cfg->spin_ns : DEFAULT_SPIN_NS);
	s->expect_seq = 1;
	s->size = size;
	*out = s;
	return 0;
}

void vdm_ring_server_free(struct vdm_ring_server *s)
{
	free(s);
}

void vdm_ring_server_set_spin(struct vdm_ring_server *s, uint32_t spin_ns)
{
	ring_spin_init(&s->spin, spin_ns ? spin_ns : DEFAULT_SPIN_NS);
}

void vdm_ring_server_set_fds(struct vdm_ring_server *s, int req_efd, int rsp_efd,
			     int notify_efd)
{
	s->cfg.req_efd = req_efd;
	s->cfg.rsp_efd = rsp_efd;
	s->cfg.notify_efd = notify_efd;
}

static void count(uint32_t *word)
{
	ring_store(word, ring_peek(word) + 1);
}

void vdm_ring_server_count_write_error(struct vdm_ring_server *s)
{
	count(&s->h->write_errors);
}

/* Wake the VMM if it sleeps for `what` (or for anything when what is 0). */
static void kick_vmm(struct vdm_ring_server *s, uint32_t what)
{
	uint32_t waiting;

	ring_fence();
	waiting = ring_peek(&s->h->vmm_waiting);
	if (!waiting || (what && waiting != what))
		return;
	if (s->doorbell == VDM_RING_DOORBELL_FUTEX)
		vdm__ring_futex_bump(&s->h->rsp_bell);
	else if (s->doorbell == VDM_RING_DOORBELL_EVENTFD)
		vdm__ring_efd_kick(s->cfg.rsp_efd);
}

static void publish_rsp(struct vdm_ring_server *s, const struct vdm_ring_entry *e)
{
	uint32_t cons = ring_load(&s->h->rsp_cons);

	/* A VMM that lets the response ring fill is broken; drop rather than overwrite. */
	if (vdm_ring_check_indices(s->rsp_prod, cons, VDM_RING_RSP_ENTRIES) ||
	    s->rsp_prod - cons >= VDM_RING_RSP_ENTRIES) {
		count(&s->h->bad_requests);
		return;
	}
	memcpy(&s->rsp[s->rsp_prod & (VDM_RING_RSP_ENTRIES - 1)], e, sizeof(*e));
	ring_store(&s->h->rsp_prod, ++s->rsp_prod);
	kick_vmm(s, 0);
}

void vdm_ring_server_respond(struct vdm_ring_server *s, const struct vdm_ring_entry *req,
			     uint64_t data, int32_t status)
{
	struct vdm_ring_entry e = { 0 };

	/* A sloppy handler must not get an honest device host disowned: keep the status in
	 * the range the VMM accepts and a handled read's value in the access's bytes; a
	 * refused read with a value of no recognisable width reads all-ones. */
	if (status > 0)
		status = 0;
	else if (status < -MAX_ERRNO)
		status = -EINVAL;
	if (req->kind == VDM_RING_CFG_READ || req->kind == VDM_RING_BAR_READ) {
		uint64_t ones = req->size >= 8 ? UINT64_MAX : (1ull << (8 * req->size)) - 1;

		if (status == 0)
			data &= ones;
		else if (data > ones && data != 0xffff && data != UINT32_MAX && data != UINT64_MAX)
			data = UINT64_MAX;
		if (req->kind == VDM_RING_CFG_READ && data > UINT32_MAX)
			data = UINT32_MAX;
	} else if (req->kind == VDM_RING_CONTROL && status < 0) {
		data = 0; /* a refused control carries no result */
	}
	e.seq = req->seq;
	e.kind = (uint8_t)(req->kind | VDM_RING_KIND_RESPONSE);
	e.size = req->size;
	e.region = req->region;
	e.offset = req->offset;
	e.data = htole64(data);
	e.status = (int32_t)htole32((uint32_t)status);
	publish_rsp(s, &e);
}

void vdm_ring_server_ready(struct vdm_ring_server *s)
{
	struct vdm_ring_entry e = { .kind = VDM_RING_READY | VDM_RING_KIND_RESPONSE };

	ring_store(&s->h->dev_state, VDM_RING_DEV_SERVING);
	publish_rsp(s, &e);
}

void vdm_ring_server_log(struct vdm_ring_server *s, uint32_t kind, uint32_t level,
			 uint32_t arg0, uint32_t arg1, const char *text)
{
	struct vdm_ring_log e = { 0 };
	uint32_t cons = ring_load(&s->h->log_cons);

	if (vdm_ring_check_indices(s->log_prod, cons, VDM_RING_LOG_ENTRIES) ||
	    s->log_prod - cons >= VDM_RING_LOG_ENTRIES) {
		count(&s->h->log_dropped);
		return;
	}
	e.kind = htole32(kind);
	e.level = htole32(level);
	e.arg0 = htole32(arg0);
	e.arg1 = htole32(arg1);
	if (text)
		strncpy(e.text, text, sizeof(e.text) - 1);
	memcpy(&s->log[s->log_prod & (VDM_RING_LOG_ENTRIES - 1)], &e, sizeof(e));
	ring_store(&s->h->log_prod, ++s->log_prod);
	if (s->cfg.notify_efd >= 0)
		vdm__ring_efd_kick(s->cfg.notify_efd);
}

/* Wait for the request eventfd (non-blocking: the VMM's end must never block on it) and
 * consume it.  0, or -EIO when the fd is broken. */
static int efd_wait(int efd, uint64_t timeout_ns)
{
	struct timespec ts = { .tv_sec = (time_t)(timeout_ns / 1000000000ull),
			       .tv_nsec = (long)(timeout_ns % 1000000000ull) };
	struct pollfd p = { .fd = efd, .events = POLLIN };
	uint64_t v;

	if (ppoll(&p, 1, timeout_ns ? &ts : NULL, NULL) < 0)
		return errno == EINTR ? 0 : -EIO;
	if (p.revents & (POLLERR | POLLNVAL))
		return -EIO;
	if (read(efd, &v, sizeof(v)) < 0 && errno != EAGAIN && errno != EINTR)
		return -EIO;
	return 0;
}

/* Sleep until the VMM publishes more than `cons`.  Returns 0, or -EIO when the doorbell
 * itself is broken (a bad fd: nothing more can wake us). */
static int server_sleep(struct vdm_ring_server *s, uint64_t timeout_ns)
{
	uint32_t bell = ring_load(&s->h->req_bell);
	int rc = 0;

	ring_store(&s->h->dev_waiting, 1);
	ring_fence();
	if (ring_load(&s->h->req_prod) == s->req_cons) {
		if (s->doorbell == VDM_RING_DOORBELL_FUTEX)
			rc = vdm__ring_futex_wait(&s->h->req_bell, bell, timeout_ns);
		else
			rc = efd_wait(s->cfg.req_efd, timeout_ns);
	}
	ring_store(&s->h->dev_waiting, 0);
	return rc ? -EIO : 0;
}

int vdm_ring_server_next(struct vdm_ring_server *s, struct vdm_ring_entry *req, bool block)
{
	uint64_t spin_start = 0;
	unsigned int i = 0;
	bool quiet_waited = false;

	for (;;) {
		uint32_t prod = ring_load(&s->h->req_prod);
		enum vdm_ring_fault f;

		if (vdm_ring_check_indices(prod, s->req_cons, VDM_RING_REQ_ENTRIES))
			return -EPROTO;
		if (prod != s->req_cons) {
			if (spin_start)
				ring_spin_won(&s->spin);
			memcpy(req, &s->req[s->req_cons & (VDM_RING_REQ_ENTRIES - 1)], sizeof(*req));
			ring_store(&s->h->req_cons, ++s->req_cons);
			kick_vmm(s, RING_WAIT_SPACE);
			f = vdm_ring_check_request(req, s->expect_seq);
			s->expect_seq = le32toh(req->seq) + 1;
			if (!f)
				return 1;
			count(&s->h->bad_requests);
			if (req->kind == VDM_RING_CFG_READ || req->kind == VDM_RING_BAR_READ ||
			    req->kind == VDM_RING_RESET || req->kind == VDM_RING_PING ||
			    req->kind == VDM_RING_CONTROL)
				vdm_ring_server_respond(s, req, UINT64_MAX, -EINVAL);
			continue;
		}
		if (!block || s->doorbell == VDM_RING_DOORBELL_NONE)
			return 0;
		/* (after the quiet period the VMM has been idle for 2 ms: no second spin) */
		if (s->doorbell == VDM_RING_DOORBELL_FUTEX && !quiet_waited) {
			if (!spin_start)
				spin_start = ring_now_ns();
			if ((++i & 63) || ring_now_ns() - spin_start < s->spin.budget_ns) {
				ring_relax();
				continue;
			}
			ring_spin_lost(&s->spin);
		}
		/* About to sleep with a stale read mirror.  A guest's accesses can come far apart
		 * (each is a VM exit; under nested virtualisation ~100 µs), so "no request while
		 * spinning" is not yet "the burst is over": first wait up to MIRROR_QUIET_NS for
		 * one (futex mode), and refresh only when none came; a refresh costs thousands of
		 * device reads, and the CPU it takes is often the guest's. */
		if (s->mirror_dev && (s->mirror_stale ||
				      ring_peek(&s->h->mirror_seq) != s->last_seq)) {
			if (s->mirror_stale && s->doorbell == VDM_RING_DOORBELL_FUTEX && !quiet_waited) {
				quiet_waited = true;
				if (server_sleep(s, MIRROR_QUIET_NS))
					return -EIO;
				continue;
			}
			vdm_ring_server_mirror_idle(s);
			spin_start = 0;
			continue;
		}
		if (server_sleep(s, 0))
			return -EIO;
		spin_start = 0;
	}
}

int vdm_ring_dispatch(struct vdm_device *dev, const struct vdm_ring_entry *req, uint64_t *data,
		      int32_t *status)
{
	uint64_t off = le64toh(req->offset), in = le64toh(req->data);
	uint32_t v32 = UINT32_MAX;

	*data = 0;
	*status = 0;
	switch (req->kind) {
	case VDM_RING_CFG_READ:
		*status = vdm_cfg_read(dev, (uint32_t)off, req->size, &v32);
		*data = v32;
		return 1;
	case VDM_RING_CFG_WRITE:
		*status = vdm_cfg_write(dev, (uint32_t)off, req->size, (uint32_t)in);
		return 0;
	case VDM_RING_BAR_READ:
		*data = UINT64_MAX;
		*status = vdm_bar_read(dev, req->region, off, req->size, data);
		return 1;
	case VDM_RING_BAR_WRITE:
		*status = vdm_bar_write(dev, req->region, off, req->size, in);
		return 0;
	case VDM_RING_RESET:
		vdm_device_reset(dev);
		return 1;
	case VDM_RING_PING:
		*data = in;
		return 1;
	case VDM_RING_CONTROL:
		*status = vdm_device_control(dev, (uint32_t)off, (uint32_t)in, (uint32_t)(in >> 32),
					     data);
		return 1;
	case VDM_RING_SHUTDOWN:
		return -ESHUTDOWN;
	default:
		*data = UINT64_MAX;
		*status = -EINVAL;
		return 1;
	}
}

/* ---- read mirror ---------------------------------------------------------------------- */

#define MIRROR_CHECK_EVERY 16 /* dwords copied between looks at the request ring */

static bool request_pending(const struct vdm_ring_server *s)
{
	return ring_load(&s->h->req_prod) != s->req_cons;
}

/* Bytes of `space` the copy holds: its first VDM_RING_MIRROR_BYTES, or less for a smaller
 * region. */
static uint32_t mirror_bytes(const struct vdm_device *dev, uint32_t space)
{
	uint64_t size;

	if (space == VDM_RING_MIRROR_CFG)
		return VDM_RING_MIRROR_BYTES;
	size = dev->res.regions[space].size;
	return size < VDM_RING_MIRROR_BYTES ? (uint32_t)size : VDM_RING_MIRROR_BYTES;
}

/* Copy one space through the device's own read handler, dword by dword (or narrower for a
 * region under 4 bytes).  Returns false when a request arrived first (the copy stays stale
 * and the caller keeps serving). */
static bool mirror_fill(struct vdm_ring_server *s, uint32_t space)
{
	uint8_t *dst = (uint8_t *)s->h + vdm_ring_mirror_offset(space);
	uint32_t n = mirror_bytes(s->mirror_dev, space), step = n < 4 ? n : 4, off;

	for (off = 0; off < n; off += step) {
		uint64_t v = UINT64_MAX;
		uint32_t v32 = UINT32_MAX;

		if (off && (off / step) % MIRROR_CHECK_EVERY == 0 && request_pending(s))
			return false;
		if (space == VDM_RING_MIRROR_CFG) {
			vdm_cfg_read(s->mirror_dev, off, 4, &v32);
			v = v32;
		} else {
			vdm_bar_read(s->mirror_dev, space, off, step, &v);
		}
		for (uint32_t i = 0; i < step; i++)
			__atomic_store_n(&dst[off + i], (uint8_t)(v >> (8 * i)), __ATOMIC_RELAXED);
	}
	return true;
}

static bool mirror_refresh(struct vdm_ring_server *s)
{
	for (uint32_t space = 0; space <= VDM_RING_MIRROR_CFG; space++)
		if ((s->mirror_map & (1u << space)) && !mirror_fill(s, space))
			return false;
	return true;
}

void vdm_ring_server_mirror_setup(struct vdm_ring_server *s, struct vdm_device *dev)
{
	uint32_t map;

	if (s->size < VDM_RING_MIRROR_END)
		return;
	/* (again, for another device, before READY: nothing of the first one stays) */
	s->mirror_dev = NULL;
	s->mirror_map = 0;
	s->mirror_stale = false;
	ring_store(&s->h->mirror_map, 0);
	if (!dev)
		return;
	map = vdm_device_pure_reads(dev);
	if (dev->res.bus_kind == VDM_BUS_PLATFORM || !dev->ops->cfg_read)
		map &= ~VDM_PURE_CFG;
	for (uint32_t i = 0; i < VDM_MAX_REGIONS; i++)
		if (dev->res.regions[i].kind == VDM_REGION_NONE || !dev->res.regions[i].size)
			map &= ~VDM_PURE_REGION(i);
	if (!(map & VDM_PURE_CFG) || s->size < VDM_RING_MASKS_END)
		map &= ~VDM_PURE_CFG_WRITES;
	if (!map)
		return;
	if (map & VDM_PURE_CFG_WRITES) { /* constant: written once, before READY */
		memcpy((uint8_t *)s->h + VDM_RING_MASKS_OFFSET, dev->res.cfg_wmask,
		       VDM_RING_MIRROR_BYTES);
		memcpy((uint8_t *)s->h + VDM_RING_MASKS_OFFSET + VDM_RING_MIRROR_BYTES,
		       dev->res.cfg_w1cmask, VDM_RING_MIRROR_BYTES);
	}
	s->mirror_dev = dev;
	s->mirror_map = map;
	/* Config space now: the VMM takes its write-through copy from it at READY.  The regions
	 * (thousands of handler calls for a few BARs) only once READY is out and the VMM
	 * quiet: until then mirror_seq names no request, so the VMM asks the device. */
	if (map & VDM_PURE_CFG)
		mirror_fill(s, VDM_RING_MIRROR_CFG); /* nothing can be pending before READY */
	if (map & ~(VDM_PURE_CFG | VDM_PURE_CFG_WRITES)) {
		s->mirror_stale = true;
		ring_store(&s->h->mirror_seq, UINT32_MAX);
	} else {
		ring_store(&s->h->mirror_seq, 0);
	}
	ring_store(&s->h->mirror_map, map);
}

/* Requests after which the copies are still current: a read of a mirrored space (pure by
 * the device's promise) and PING. */
static bool request_keeps_mirror(const struct vdm_ring_server *s, const struct vdm_ring_entry *req)
{
	switch (req->kind) {
	case VDM_RING_PING:
		return true;
	case VDM_RING_CFG_READ:
		return s->mirror_map & VDM_PURE_CFG;
	case VDM_RING_BAR_READ:
		return req->region < VDM_MAX_REGIONS && (s->mirror_map & VDM_PURE_REGION(req->region));
	default:
		return false;
	}
}

void vdm_ring_server_mirror_note(struct vdm_ring_server *s, const struct vdm_ring_entry *req)
{
	if (!s->mirror_dev)
		return;
	s->last_seq = le32toh(req->seq);
	if (request_keeps_mirror(s, req)) {
		if (!s->mirror_stale)
			ring_store(&s->h->mirror_seq, s->last_seq); /* before the response goes out */
		return;
	}
	s->mirror_stale = true;
}

void vdm_ring_server_mirror_idle(struct vdm_ring_server *s)
{
	if (!s->mirror_dev || request_pending(s))
		return;
	if (s->mirror_stale) {
		if (!mirror_refresh(s))
			return;
		s->mirror_stale = false;
	}
	if (ring_peek(&s->h->mirror_seq) != s->last_seq)
		ring_store(&s->h->mirror_seq, s->last_seq);
}

int vdm_ring_server_serve_pending(struct vdm_ring_server *s, struct vdm_device *dev)
{
	struct vdm_ring_entry req;
	uint64_t data;
	int32_t status;
	int n = 0, r;

	while ((r = vdm_ring_server_next(s, &req, false)) == 1) {
		r = vdm_ring_dispatch(dev, &req, &data, &status);
		if (r < 0)
			return r;
		vdm_ring_server_mirror_note(s, &req);
		if (r)
			vdm_ring_server_respond(s, &req, data, status);
		else if (status < 0)
			vdm_ring_server_count_write_error(s);
		n++;
	}
	if (r == 0)
		vdm_ring_server_mirror_idle(s);
	return r < 0 ? r : n;
}
