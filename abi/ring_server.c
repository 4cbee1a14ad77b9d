/* The device end of the ring: take checked requests, run them against the device's ops,
 * publish responses and log lines, and wake the VMM only when it sleeps. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vdm/device.h>

#include "ring_int.h"

#define DEFAULT_SPIN_NS 50000u
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
	*out = s;
	return 0;
}

void vdm_ring_server_free(struct vdm_ring_server *s)
{
	free(s);
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

/* Sleep until the VMM publishes more than `cons`.  Returns 0, or -EIO when the doorbell
 * itself is broken (a bad fd: nothing more can wake us). */
static int server_sleep(struct vdm_ring_server *s)
{
	uint32_t bell = ring_load(&s->h->req_bell);
	uint64_t v;
	int rc = 0;

	ring_store(&s->h->dev_waiting, 1);
	ring_fence();
	if (ring_load(&s->h->req_prod) == s->req_cons) {
		if (s->doorbell == VDM_RING_DOORBELL_FUTEX)
			rc = vdm__ring_futex_wait(&s->h->req_bell, bell, 0);
		else if (read(s->cfg.req_efd, &v, sizeof(v)) < 0 && errno != EINTR)
			rc = -EIO;
	}
	ring_store(&s->h->dev_waiting, 0);
	return rc ? -EIO : 0;
}

int vdm_ring_server_next(struct vdm_ring_server *s, struct vdm_ring_entry *req, bool block)
{
	uint64_t spin_start = 0;
	unsigned int i = 0;

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
		if (s->doorbell == VDM_RING_DOORBELL_FUTEX) {
			if (!spin_start)
				spin_start = ring_now_ns();
			if ((++i & 63) || ring_now_ns() - spin_start < s->spin.budget_ns) {
				ring_relax();
				continue;
			}
			ring_spin_lost(&s->spin);
		}
		if (server_sleep(s))
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
		if (r)
			vdm_ring_server_respond(s, &req, data, status);
		else if (status < 0)
			vdm_ring_server_count_write_error(s);
		n++;
	}
	return r < 0 ? r : n;
}
