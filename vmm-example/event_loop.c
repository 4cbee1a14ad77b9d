/* Event loop: one-shot io_uring POLL_ADDs re-armed after each callback, POLL_REMOVE on
 * unwatch, generation-tagged user_data so stale completions are ignored; poll(2) fallback. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liburing.h>

#include "event_loop.h"

#define REMOVE_TAG UINT64_MAX /* user_data of POLL_REMOVE requests */
#define EV_SQ_ENTRIES 64      /* submission queue: a batch, not every watch */
#define EV_REAP_BATCH 64      /* completions taken out per round (on the stack) */

struct ev_watch {
	int fd;
	uint32_t events;
	ev_fd_fn fn;
	void *opaque;
	bool active;
	bool armed;  /* a POLL_ADD for (slot, gen) is in flight */
	uint32_t gen; /* bumped on every watch/unwatch of the slot */
};

struct ev_loop {
	struct io_uring ring;
	bool uring;
	struct ev_watch w[EV_MAX_WATCHES];
};

int ev_loop_create(struct ev_loop **out, char *err, size_t err_len)
{
	struct ev_loop *l = calloc(1, sizeof(*l));
	int rc;

	*out = NULL;
	if (!l) {
		snprintf(err, err_len, "event loop: out of memory");
		return -ENOMEM;
	}
	{
		/* A small submission queue (arm() and ev_unwatch submit when it is full) and a
		 * completion queue with room for every watch's poll and its removal: a queue of
		 * 2 * EV_MAX_WATCHES for both (4096 SQEs: 256 KiB) was 404 KiB of the VMM's
		 * memory, measured; now about 70 KiB. */
		struct io_uring_params params = { .flags = IORING_SETUP_CQSIZE,
						  .cq_entries = 2 * EV_MAX_WATCHES };

		rc = io_uring_queue_init_params(EV_SQ_ENTRIES, &l->ring, &params);
		if (rc == -EINVAL) /* a kernel before 5.5: no CQSIZE */
			rc = io_uring_queue_init(2 * EV_MAX_WATCHES, &l->ring, 0);
	}
	l->uring = rc == 0; /* else: ENOSYS, EPERM (seccomp, io_uring_disabled): use poll(2) */
	*out = l;
	return 0;
}

void ev_loop_destroy(struct ev_loop *l)
{
	if (!l)
		return;
	if (l->uring)
		io_uring_queue_exit(&l->ring); /* cancels every poll in flight */
	free(l);
}

const char *ev_loop_backend(const struct ev_loop *l)
{
	return l->uring ? "io_uring" : "poll";
}

int ev_watch_fd(struct ev_loop *l, int fd, uint32_t events, ev_fd_fn fn, void *opaque)
{
	int i;

	if (fd < 0 || !fn)
		return -EINVAL;
	for (i = 0; i < EV_MAX_WATCHES; i++) {
		struct ev_watch *w = &l->w[i];

		if (w->active || w->armed)
			continue;
		w->fd = fd;
		w->events = events;
		w->fn = fn;
		w->opaque = opaque;
		w->active = true;
		w->gen++;
		return i;
	}
	return -ENOSPC;
}

void ev_watch_set_events(struct ev_loop *l, int id, uint32_t events)
{
	if (id >= 0 && id < EV_MAX_WATCHES && l->w[id].active)
		l->w[id].events = events;
}

static uint64_t tag(const struct ev_loop *l, int i)
{
	return (uint64_t)l->w[i].gen << 32 | (uint32_t)i;
}

void ev_unwatch(struct ev_loop *l, int id)
{
	struct ev_watch *w;

	if (id < 0 || id >= EV_MAX_WATCHES || !l->w[id].active)
		return;
	w = &l->w[id];
	w->active = false;
	if (l->uring && w->armed) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&l->ring);

		if (!sqe) { /* queue full: push what is queued, then there is room */
			io_uring_submit(&l->ring);
			sqe = io_uring_get_sqe(&l->ring);
		}
		if (sqe) {
			io_uring_prep_poll_remove(sqe, tag(l, id));
			io_uring_sqe_set_data64(sqe, REMOVE_TAG);
			io_uring_submit(&l->ring);
		}
		/* The slot stays `armed` (not reusable) until the cancelled poll completes, so
		 * its completion can never be taken for a new watch's. */
	}
	w->gen++;
	if (!l->uring)
		w->armed = false;
}

unsigned ev_loop_num_watches(const struct ev_loop *l)
{
	unsigned n = 0;

	for (int i = 0; i < EV_MAX_WATCHES; i++)
		n += l->w[i].active;
	return n;
}

static int run_poll(struct ev_loop *l, int timeout_ms)
{
	struct pollfd p[EV_MAX_WATCHES];
	int idx[EV_MAX_WATCHES], gen[EV_MAX_WATCHES];
	int n = 0, rc, ran = 0;

	for (int i = 0; i < EV_MAX_WATCHES; i++) {
		if (!l->w[i].active)
			continue;
		p[n].fd = l->w[i].fd;
		p[n].events = (short)l->w[i].events;
		p[n].revents = 0;
		idx[n] = i;
		gen[n++] = (int)l->w[i].gen;
	}
	rc = poll(p, (nfds_t)n, timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	for (int k = 0; k < n; k++) {
		struct ev_watch *w = &l->w[idx[k]];

		if (!p[k].revents || !w->active || (int)w->gen != gen[k])
			continue;
		w->fn(w->opaque, w->fd, (uint32_t)p[k].revents);
		ran++;
	}
	return ran;
}

static void arm(struct ev_loop *l)
{
	for (int i = 0; i < EV_MAX_WATCHES; i++) {
		struct ev_watch *w = &l->w[i];
		struct io_uring_sqe *sqe;

		if (!w->active || w->armed)
			continue;
		sqe = io_uring_get_sqe(&l->ring);
		if (!sqe) {
			io_uring_submit(&l->ring);
			sqe = io_uring_get_sqe(&l->ring);
			if (!sqe)
				return;
		}
		io_uring_prep_poll_add(sqe, w->fd, w->events);
		io_uring_sqe_set_data64(sqe, tag(l, i));
		w->armed = true;
	}
}

int ev_loop_run_once(struct ev_loop *l, int timeout_ms)
{
	struct __kernel_timespec ts;
	struct io_uring_cqe *cqe;
	unsigned head, seen = 0;
	int rc, ran = 0;

	if (!l->uring)
		return run_poll(l, timeout_ms);
	arm(l);
	ts.tv_sec = timeout_ms > 0 ? timeout_ms / 1000 : 0;
	ts.tv_nsec = timeout_ms > 0 ? (long long)(timeout_ms % 1000) * 1000000 : 0;
	rc = io_uring_submit_and_wait_timeout(&l->ring, &cqe, timeout_ms == 0 ? 0 : 1,
					      timeout_ms < 0 ? NULL : &ts, NULL);
	if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
		return rc;
	/* Take completions out a batch at a time, then run their callbacks (which may unwatch,
	 * queueing new SQEs); again while more are waiting. */
	for (;;) {
		struct {
			uint64_t data;
			int res;
		} done[EV_REAP_BATCH];
		unsigned n = 0;

		seen = 0;
		io_uring_for_each_cqe(&l->ring, head, cqe) {
			if (n == EV_REAP_BATCH)
				break;
			done[n].data = io_uring_cqe_get_data64(cqe);
			done[n++].res = cqe->res;
			seen++;
		}
		io_uring_cq_advance(&l->ring, seen);
		if (!n)
			break;
		for (unsigned k = 0; k < n; k++) {
			uint64_t d = done[k].data;
			uint32_t i = (uint32_t)d, gen = (uint32_t)(d >> 32);
			struct ev_watch *w;

			if (d == REMOVE_TAG || d == LIBURING_UDATA_TIMEOUT || i >= EV_MAX_WATCHES)
				continue;
			w = &l->w[i];
			if (w->gen == gen || !w->active)
				w->armed = false; /* this slot's poll (current or cancelled) is done */
			else if (w->gen != gen)
				continue;
			if (!w->active || w->gen != gen)
				continue;
			w->fn(w->opaque, w->fd, done[k].res < 0 ? POLLERR : (uint32_t)done[k].res);
			ran++;
		}
	}
	return ran;
}
