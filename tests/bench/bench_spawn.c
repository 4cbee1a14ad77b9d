/* bench_spawn: how long vdm_proxy_spawn() takes to give back a ready testdev, and where that
 * time goes (the device host's own start-up log): in a new device host and in a spare. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vdm/abi.h>
#include <vdm/proxy.h>

#define MAX_RUNS 200

/* Phases: the VMM's whole call, then the steps the devhost's "start-up us: main T step N
 * ..." debug line names (a new one: wait, device, jail, filter, seccomp+mirror; a spare:
 * armed, which happened before the call, then wait, device, hello). */
enum phase { P_TOTAL, P_EXEC, P_FIRST_STEP };
#define P_COUNT (P_FIRST_STEP + 7)
static const char *const phase_names[P_COUNT] = {
	"spawn total", "clone+exec to main", "armed", "wait", "device", "jail", "filter",
	"seccomp+mirror", "hello",
};
static const char *const phase_text[P_COUNT] = {
	"spawn total", "clone+exec to main", "arm (spare, before)", "wait for set-up",
	"create device", "lock-down", "build filter", "seccomp+mirror", "answer hello",
};

struct capture {
	unsigned long long main_at, step[P_COUNT];
	int seen;
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void on_log(void *opaque, uint32_t level, const char *msg)
{
	struct capture *c = opaque;
	char name[32];
	unsigned long long v;
	int used;

	(void)level;
	if (sscanf(msg, "start-up us: main %llu%n", &c->main_at, &used) != 1)
		return;
	for (msg += used; sscanf(msg, " %31s %llu%n", name, &v, &used) == 2; msg += used)
		for (int p = P_FIRST_STEP; p < P_COUNT; p++)
			if (!strcmp(name, phase_names[p]))
				c->step[p] = v;
	c->seen = 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Spawn and destroy `runs` testdevs, each in a new device host or (settle_ms > 0) in a
 * spare started settle_ms before (`expect`: one that made that very device while it
 * waited); fill med[] with the median of each phase in ms. */
static int measure(const char *devhost, int runs, unsigned settle_ms, bool expect,
		   double med[P_COUNT])
{
	static double samples[P_COUNT][MAX_RUNS];
	struct capture cap;
	struct vdm_host host = { VDM_STRUCT_HEAD(struct vdm_host), .opaque = &cap, .log = on_log };
	int i, p;

	for (i = 0; i < runs; i++) {
		struct vdm_proxy_config cfg = { VDM_STRUCT_HEAD(struct vdm_proxy_config),
						.devhost = devhost, .spec = "testdev,membar=4M",
						.host = &host };
		struct vdm_device *dev;
		char err[256];
		uint64_t t0, t1;
		int rc;

		memset(&cap, 0, sizeof(cap));
		if (settle_ms) {
			rc = vdm_proxy_spare_start_expecting(devhost, 0, 0, expect ? cfg.spec : NULL,
							     &cfg.spare, err, sizeof(err));
			if (rc) {
				fprintf(stderr, "bench_spawn: spare %d: %s\n", i, err);
				return -1;
			}
			usleep(settle_ms * 1000u); /* it loads and locks down meanwhile */
		}
		t0 = mono_us();
		rc = vdm_proxy_spawn(&cfg, &dev, err, sizeof(err));
		t1 = mono_us();
		if (rc) {
			fprintf(stderr, "bench_spawn: run %d: %s\n", i, err);
			return -1;
		}
		vdm_proxy_poll(dev);
		vdm_device_destroy(dev);
		if (!cap.seen) {
			fprintf(stderr, "bench_spawn: run %d: no start-up timing line in the device "
				"log\n", i);
			return -1;
		}
		samples[P_TOTAL][i] = (double)(t1 - t0) / 1000;
		/* a spare's main ran before t0: its exec cost nothing here */
		samples[P_EXEC][i] = cap.main_at > t0 ? (double)(cap.main_at - t0) / 1000 : 0;
		for (p = P_FIRST_STEP; p < P_COUNT; p++)
			samples[p][i] = (double)cap.step[p] / 1000;
	}
	for (p = 0; p < P_COUNT; p++)
		med[p] = median(samples[p], runs);
	return 0;
}

int main(int argc, char **argv)
{
	const char *devhost = BENCH_DEVHOST;
	double cold[P_COUNT], spare[P_COUNT], made[P_COUNT];
	int runs = argc > 1 ? atoi(argv[1]) : 20, p;
	unsigned settle;

	if (runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "usage: bench_spawn [RUNS 1..%d]\n", MAX_RUNS);
		return 2;
	}
	if (measure(devhost, runs, 0, false, cold))
		return 1;
	/* Give each spare three cold start-ups' time to get ready (at least 50 ms). */
	settle = (unsigned)(cold[P_TOTAL] * 3) > 50 ? (unsigned)(cold[P_TOTAL] * 3) : 50;
	if (measure(devhost, runs, settle, false, spare) ||
	    measure(devhost, runs, settle, true, made))
		return 1;
	printf("bench_spawn: testdev,membar=4M, %d runs each, medians in ms (spares settled "
	       "%u ms)\n", runs, settle);
	printf("  %-20s %8s %8s %8s\n", "phase", "new", "spare", "expected");
	for (p = 0; p < P_COUNT; p++)
		printf("  %-20s %8.2f %8.2f %8.2f\n", phase_text[p], cold[p], spare[p], made[p]);
	printf("RESULT spawn from a spare / new device host: %.2fx (%.2f / %.2f ms)\n",
	       spare[P_TOTAL] / cold[P_TOTAL], spare[P_TOTAL], cold[P_TOTAL]);
	printf("RESULT spawn from a spare that made the device / new device host: %.2fx "
	       "(%.2f / %.2f ms)\n", made[P_TOTAL] / cold[P_TOTAL], made[P_TOTAL], cold[P_TOTAL]);
	return 0;
}
