/* The spare pool's starter thread: takes one request at a time, runs
 * vdm_proxy_spare_start_expecting (clone, execve, arming) and leaves the result to collect. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spare_pool.h"
#include "spare_starter.h"

enum starter_state { IDLE, REQUESTED, RUNNING, DONE };

struct spare_starter {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cv; /* a request or stop for the thread; a result for a waiter */
	enum starter_state state;
	bool stop;
	/* the request */
	char devhost[PATH_MAX];
	char expect[SPARE_POOL_SPEC_MAX];
	uint32_t flags;
	/* the result */
	struct vdm_proxy_spare *spare;
	int rc;
	char err[256];
};

static void *starter_main(void *arg)
{
	struct spare_starter *st = arg;

	pthread_mutex_lock(&st->lock);
	for (;;) {
		char devhost[PATH_MAX], expect[SPARE_POOL_SPEC_MAX], err[256] = "";
		struct vdm_proxy_spare *s = NULL;
		uint32_t flags;
		int rc;

		while (st->state != REQUESTED && !st->stop)
			pthread_cond_wait(&st->cv, &st->lock);
		if (st->stop)
			break;
		memcpy(devhost, st->devhost, sizeof(devhost));
		memcpy(expect, st->expect, sizeof(expect));
		flags = st->flags;
		st->state = RUNNING;
		pthread_mutex_unlock(&st->lock);
		rc = vdm_proxy_spare_start_expecting(devhost[0] ? devhost : NULL, 0, flags, expect,
						     &s, err, sizeof(err));
		pthread_mutex_lock(&st->lock);
		st->spare = s;
		st->rc = rc;
		memcpy(st->err, err, sizeof(err));
		st->state = DONE;
		pthread_cond_broadcast(&st->cv);
	}
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

int spare_starter_new(struct spare_starter **out)
{
	struct spare_starter *st = calloc(1, sizeof(*st));
	int rc;

	*out = NULL;
	if (!st)
		return -ENOMEM;
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->cv, NULL);
	rc = pthread_create(&st->thread, NULL, starter_main, st);
	if (rc) {
		pthread_cond_destroy(&st->cv);
		pthread_mutex_destroy(&st->lock);
		free(st);
		return -rc;
	}
	pthread_setname_np(st->thread, "spare-starter");
	*out = st;
	return 0;
}

bool spare_starter_request(struct spare_starter *st, const char *devhost, uint32_t flags,
			   const char *expect_spec)
{
	bool taken = false;

	pthread_mutex_lock(&st->lock);
	if (st->state == IDLE && strlen(devhost ? devhost : "") < sizeof(st->devhost)) {
		snprintf(st->devhost, sizeof(st->devhost), "%s", devhost ? devhost : "");
		snprintf(st->expect, sizeof(st->expect), "%s", expect_spec ? expect_spec : "");
		st->flags = flags;
		st->state = REQUESTED;
		pthread_cond_broadcast(&st->cv);
		taken = true;
	}
	pthread_mutex_unlock(&st->lock);
	return taken;
}

bool spare_starter_busy(const struct spare_starter *st)
{
	struct spare_starter *m = (struct spare_starter *)st; /* the lock only */
	bool busy;

	pthread_mutex_lock(&m->lock);
	busy = m->state != IDLE;
	pthread_mutex_unlock(&m->lock);
	return busy;
}

int spare_starter_collect(struct spare_starter *st, bool wait, struct vdm_proxy_spare **out,
			  int *rc, char *err, size_t err_len)
{
	int got = 0;

	*out = NULL;
	*rc = 0;
	pthread_mutex_lock(&st->lock);
	while (wait && (st->state == REQUESTED || st->state == RUNNING))
		pthread_cond_wait(&st->cv, &st->lock);
	if (st->state == DONE) {
		*out = st->spare;
		*rc = st->rc;
		if (err_len)
			snprintf(err, err_len, "%s", st->err);
		st->spare = NULL;
		st->state = IDLE;
		got = 1;
	}
	pthread_mutex_unlock(&st->lock);
	return got;
}

void spare_starter_free(struct spare_starter *st)
{
	struct vdm_proxy_spare *s;
	int rc;

	if (!st)
		return;
	spare_starter_collect(st, true, &s, &rc, NULL, 0);
	vdm_proxy_spare_free(s);
	pthread_mutex_lock(&st->lock);
	st->stop = true;
	pthread_cond_broadcast(&st->cv);
	pthread_mutex_unlock(&st->lock);
	pthread_join(st->thread, NULL);
	pthread_cond_destroy(&st->cv);
	pthread_mutex_destroy(&st->lock);
	free(st);
}
