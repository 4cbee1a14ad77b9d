/* Helpers shared by the integration tests (see itest_common.h). */
#include <dirent.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "itest_common.h"

const char *itest_devhost(void)
{
	const char *p = getenv("VDM_DEVHOST");

	if (!p)
		fail_msg("VDM_DEVHOST is not set (run through ctest)");
	return p;
}

const char *itest_plugin_path(const char *name)
{
	static char buf[4096];
	const char *dir = getenv("VDM_ITEST_PLUGINS");

	if (!dir)
		fail_msg("VDM_ITEST_PLUGINS is not set (run through ctest)");
	snprintf(buf, sizeof(buf), "%s/%s.so", dir, name);
	return buf;
}

static void rec_log(void *opaque, uint32_t level, const char *msg)
{
	struct itest_rec *r = opaque;

	if (r->nlogs < ITEST_MAX_LOGS) {
		snprintf(r->logs[r->nlogs], sizeof(r->logs[0]), "%s", msg);
		r->log_level[r->nlogs++] = level;
	}
}

static void rec_eject(void *opaque, uint32_t bsel, uint32_t slot)
{
	struct itest_rec *r = opaque;

	r->eject_bsel = bsel;
	r->eject_slot = slot;
	r->nejects++;
}

static void rec_event(void *opaque, const struct vdm_proxy_event *ev)
{
	struct itest_rec *r = opaque;

	if (getenv("ITEST_VERBOSE"))
		fprintf(stderr, "event: %s\n", ev->text);
	if (r->nev < ITEST_MAX_EVENTS)
		r->ev[r->nev++] = *ev;
}

void itest_rec_init(struct itest_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->host = (struct vdm_host){ VDM_STRUCT_HEAD(struct vdm_host), .opaque = r,
				     .log = rec_log, .eject = rec_eject };
}

void itest_config(struct vdm_proxy_config *cfg, struct itest_rec *r, const char *spec)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->struct_size = sizeof(*cfg);
	cfg->abi_version = VDM_ABI_VERSION;
	cfg->devhost = itest_devhost();
	cfg->plugin = itest_plugin_path("itest_plugin");
	cfg->spec = spec;
	cfg->timeout_ms = 300;
	cfg->host = &r->host;
	cfg->on_event = rec_event;
	cfg->opaque = r;
}

struct vdm_device *itest_spawn(struct vdm_proxy_config *cfg)
{
	struct vdm_device *dev = NULL;
	char err[512] = "";
	int rc = vdm_proxy_spawn(cfg, &dev, err, sizeof(err));

	if (rc)
		fail_msg("vdm_proxy_spawn(%s): %d: %s", cfg->spec, rc, err);
	return dev;
}

void itest_wait_exit(struct vdm_device *dev, int ms)
{
	struct pollfd p = { .fd = vdm_proxy_pidfd(dev), .events = POLLIN };

	assert_int_equal(poll(&p, 1, ms), 1);
	assert_int_equal(vdm_proxy_poll(dev), 0);
}

const struct vdm_proxy_event *itest_find_event(const struct itest_rec *r, uint32_t kind)
{
	int i;

	for (i = 0; i < r->nev; i++)
		if (r->ev[i].kind == kind)
			return &r->ev[i];
	return NULL;
}

uint64_t itest_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int itest_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own fd */
}

int itest_count_children(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;
	pid_t me = getpid();

	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[300], buf[512], *p;
		FILE *f;
		int ppid;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
		    sscanf(p + 2, "%*c %d", &ppid) == 1 && ppid == me)
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

unsigned itest_slowdown(void)
{
	const char *v = getenv("VDM_ITEST_SLOWDOWN");
	long n = v ? strtol(v, NULL, 10) : 1;

	return n >= 1 && n <= 1000 ? (unsigned)n : 1;
}
