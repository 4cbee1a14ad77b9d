/* Unit tests for the VMM's event loop (vmm-example/event_loop.c): readiness callbacks through
 * io_uring, re-arming, unwatch with a poll in flight (no stale callback, slot reuse), limits. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cmocka.h>

#include "event_loop.h"

struct hits {
	int n;
	uint32_t revents;
	struct ev_loop *l;
	int unwatch_id; /* >= 0: the callback unwatches this id */
	bool drain;
};

static void on_ready(void *opaque, int fd, uint32_t revents)
{
	struct hits *h = opaque;
	uint64_t v;

	h->n++;
	h->revents = revents;
	if (h->drain && read(fd, &v, sizeof(v)) < 0)
		(void)0;
	if (h->unwatch_id >= 0) {
		ev_unwatch(h->l, h->unwatch_id);
		h->unwatch_id = -1;
	}
}

static void ready_fds_run_their_callback_each_time(void **state)
{
	struct ev_loop *l;
	char err[128];
	int fd = eventfd(0, EFD_NONBLOCK), id;
	struct hits h = { .unwatch_id = -1, .drain = true };
	uint64_t one = 1;

	(void)state;
	assert_int_equal(ev_loop_create(&l, err, sizeof(err)), 0);
	printf("backend: %s\n", ev_loop_backend(l));
	h.l = l;
	id = ev_watch_fd(l, fd, POLLIN, on_ready, &h);
	assert_true(id >= 0);
	assert_int_equal(ev_loop_run_once(l, 0), 0); /* nothing ready */
	assert_int_equal(h.n, 0);
	assert_int_equal(write(fd, &one, sizeof(one)), 8);
	assert_int_equal(ev_loop_run_once(l, 1000), 1);
	assert_int_equal(h.n, 1);
	assert_true(h.revents & POLLIN);
	assert_int_equal(ev_loop_run_once(l, 20), 0); /* drained: timeout, no call */
	assert_int_equal(write(fd, &one, sizeof(one)), 8);
	assert_int_equal(ev_loop_run_once(l, 1000), 1); /* re-armed */
	assert_int_equal(h.n, 2);
	ev_unwatch(l, id);
	assert_int_equal(ev_loop_num_watches(l), 0);
	assert_int_equal(write(fd, &one, sizeof(one)), 8);
	ev_loop_run_once(l, 20);
	assert_int_equal(h.n, 2); /* unwatched: never again */
	ev_loop_destroy(l);
	close(fd);
}

static void unwatching_inside_a_callback_stops_the_other_watch(void **state)
{
	struct ev_loop *l;
	char err[128];
	int a = eventfd(1, EFD_NONBLOCK), b = eventfd(1, EFD_NONBLOCK), ida, idb, idc;
	struct hits ha = { .drain = true }, hb = { .unwatch_id = -1, .drain = true };

	(void)state;
	assert_int_equal(ev_loop_create(&l, err, sizeof(err)), 0);
	ha.l = hb.l = l;
	/* both ready at once; whichever runs first unwatches b (a's callback does) */
	ida = ev_watch_fd(l, a, POLLIN, on_ready, &ha);
	idb = ev_watch_fd(l, b, POLLIN, on_ready, &hb);
	ha.unwatch_id = idb;
	for (int i = 0; i < 5; i++)
		ev_loop_run_once(l, 20);
	assert_int_equal(ha.n, 1);
	assert_true(hb.n <= 1);
	/* b's slot is free again once its cancelled poll came back: reuse it */
	idc = ev_watch_fd(l, b, POLLIN, on_ready, &hb);
	assert_true(idc >= 0);
	assert_int_equal(ev_loop_num_watches(l), 2);
	ev_unwatch(l, ida);
	ev_unwatch(l, idc);
	ev_loop_destroy(l);
	close(a);
	close(b);
}

static void watches_are_bounded_and_bad_ones_refused(void **state)
{
	struct ev_loop *l;
	char err[128];
	struct hits h = { .unwatch_id = -1 };
	int fd = eventfd(0, EFD_NONBLOCK), i;

	(void)state;
	assert_int_equal(ev_loop_create(&l, err, sizeof(err)), 0);
	assert_int_equal(ev_watch_fd(l, -1, POLLIN, on_ready, &h), -EINVAL);
	assert_int_equal(ev_watch_fd(l, fd, POLLIN, NULL, &h), -EINVAL);
	for (i = 0; i < EV_MAX_WATCHES; i++)
		assert_true(ev_watch_fd(l, fd, POLLIN, on_ready, &h) >= 0);
	assert_int_equal(ev_watch_fd(l, fd, POLLIN, on_ready, &h), -ENOSPC);
	ev_unwatch(l, 12345); /* unknown: ignored */
	ev_loop_destroy(l);
	close(fd);
}

/* Every watch in use, all ready at once: far more polls than the submission queue holds
 * (they go in batches) and more completions than one reaping batch; each callback runs
 * exactly once per round. */
static void every_watch_fires_when_more_are_ready_than_a_queue_batch(void **state)
{
	struct ev_loop *l;
	char err[128];
	struct hits h = { .unwatch_id = -1 }; /* no drain: the fd stays ready */
	int fd = eventfd(1, EFD_NONBLOCK), i, ran = 0;

	(void)state;
	assert_int_equal(ev_loop_create(&l, err, sizeof(err)), 0);
	for (i = 0; i < EV_MAX_WATCHES; i++)
		assert_true(ev_watch_fd(l, fd, POLLIN, on_ready, &h) >= 0);
	for (i = 0; i < 10 && ran < EV_MAX_WATCHES; i++)
		ran += ev_loop_run_once(l, 1000);
	assert_int_equal(ran, EV_MAX_WATCHES);
	assert_int_equal(h.n, EV_MAX_WATCHES);
	/* and again: every poll was re-armed */
	for (i = 0, ran = 0; i < 10 && ran < EV_MAX_WATCHES; i++)
		ran += ev_loop_run_once(l, 1000);
	assert_int_equal(h.n, 2 * EV_MAX_WATCHES);
	ev_loop_destroy(l);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ready_fds_run_their_callback_each_time),
		cmocka_unit_test(unwatching_inside_a_callback_stops_the_other_watch),
		cmocka_unit_test(watches_are_bounded_and_bad_ones_refused),
		cmocka_unit_test(every_watch_fires_when_more_are_ready_than_a_queue_batch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
