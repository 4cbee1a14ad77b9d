/* bench_ring: round trips/s and p50/p99 latency of one device register read, in-process,
 * over the ring (spin-then-futex and eventfd-only doorbells), and over a socketpair. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <vdm/props.h>
#include <vdm/proxy.h>
#include <vdm/ring.h>

#include "itest_dev.h"

struct result {
	const char *name;
	double ops_per_s;
	double p50_ns, p99_ns;
};

typedef int (*op_fn)(void *ctx);

static long iters = 200000;
static int pin;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Throughput from an untimed loop, then latency percentiles from a timed one. */
static struct result run(const char *name, op_fn op, void *ctx, long n)
{
	struct result r = { name, 0, 0, 0 };
	uint32_t *lat = malloc(sizeof(*lat) * (size_t)n);
	uint64_t t0, t1;
	long i;

	if (!lat)
		exit(1);
	for (i = 0; i < n / 10; i++) /* warm up: caches, the device side's spin */
		if (op(ctx))
			goto broken;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (op(ctx))
			goto broken;
	t1 = now_ns();
	r.ops_per_s = (double)n * 1e9 / (double)(t1 - t0);
	for (i = 0; i < n; i++) {
		uint64_t a = now_ns();

		if (op(ctx))
			goto broken;
		lat[i] = (uint32_t)(now_ns() - a);
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp_u32);
	r.p50_ns = lat[n / 2];
	r.p99_ns = lat[n * 99 / 100];
	free(lat);
	return r;
broken:
	fprintf(stderr, "bench_ring: %s: an operation failed after %ld: %s\n", name, i,
		vdm_device_is_proxy(ctx) ? vdm_ring_fault_str(vdm_proxy_fault(ctx)) : "socket");
	exit(1);
}

/* Median cost of one clock_gettime, included in every latency sample. */
static uint32_t timer_overhead_ns(void)
{
	static uint32_t d[10001];
	int i;

	for (i = 0; i < 10001; i++) {
		uint64_t a = now_ns();

		d[i] = (uint32_t)(now_ns() - a);
	}
	qsort(d, 10001, sizeof(d[0]), cmp_u32);
	return d[5000];
}

/* ---- the operation: read BAR 0 offset 0x10, 4 bytes ---- */

static int dev_read(void *ctx)
{
	uint64_t v;

	return vdm_bar_read(ctx, 0, 0x10, 4, &v);
}

static int dev_write(void *ctx)
{
	return vdm_bar_write(ctx, 0, 0x10, 4, 0x1234);
}

/* ---- socketpair baseline: the same 32-byte entry, the same device, another process ---- */

struct sock_ctx {
	int fd;
	uint32_t seq;
};

static void sock_server(int fd, struct vdm_device *dev)
{
	struct vdm_ring_entry e;
	uint64_t data;
	int32_t status;

	while (recv(fd, &e, sizeof(e), 0) == (ssize_t)sizeof(e)) {
		if (vdm_ring_dispatch(dev, &e, &data, &status) <= 0)
			continue;
		e.kind |= VDM_RING_KIND_RESPONSE;
		e.data = data;
		e.status = status;
		if (send(fd, &e, sizeof(e), 0) != (ssize_t)sizeof(e))
			break;
	}
	_exit(0);
}

static int sock_read(void *ctx)
{
	struct sock_ctx *s = ctx;
	struct vdm_ring_entry q = { .seq = ++s->seq, .kind = VDM_RING_BAR_READ, .size = 4,
				    .offset = 0x10 }, a;

	if (send(s->fd, &q, sizeof(q), 0) != (ssize_t)sizeof(q) ||
	    recv(s->fd, &a, sizeof(a), 0) != (ssize_t)sizeof(a))
		return -EIO;
	/* judge the answer as the ring client does */
	return vdm_ring_check_response(&q, &a) ? -EIO : 0;
}

static void pin_to(pid_t pid, int cpu)
{
	cpu_set_t set;

	if (!pin)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(pid, sizeof(set), &set))
		perror("sched_setaffinity");
}

/* Field 39 of /proc/<pid>/stat: the CPU the process last ran on. */
static int last_cpu(pid_t pid)
{
	char path[64], buf[1024], *p;
	int cpu = -1, field;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')'))) {
		for (field = 2; p && field < 39; field++)
			p = strchr(p + 1, ' ');
		if (p)
			cpu = atoi(p + 1);
	}
	fclose(f);
	return cpu;
}

/* Where the two ends ran: co-located ends cannot profit from spinning. */
static void placement(const char *what, pid_t dev_pid)
{
	printf("%s: bench on CPU %d, device process on CPU %d\n", what, sched_getcpu(),
	       last_cpu(dev_pid));
}

static struct vdm_device *spawn(uint32_t doorbell)
{
	struct vdm_proxy_config cfg = { VDM_STRUCT_HEAD(struct vdm_proxy_config) };
	struct vdm_device *dev;
	char err[512];

	cfg.devhost = getenv("VDM_DEVHOST") ? getenv("VDM_DEVHOST") : BENCH_DEVHOST;
	cfg.plugin = BENCH_PLUGIN;
	cfg.spec = "itest-dev";
	cfg.doorbell = doorbell;
	cfg.cpu_mask = pin ? 1u << 1 : 0;
	if (vdm_proxy_spawn(&cfg, &dev, err, sizeof(err))) {
		fprintf(stderr, "bench_ring: %s\n", err);
		exit(1);
	}
	return dev;
}

int main(int argc, char **argv)
{
	struct result res[8];
	struct vdm_device *local, *px;
	struct sock_ctx sc = { -1, 0 };
	struct vdm_prop_values pv = { 0 };
	int sv[2], nres = 0, i, opt;
	pid_t child;

	while ((opt = getopt(argc, argv, "n:p")) != -1) {
		if (opt == 'n')
			iters = atol(optarg);
		else if (opt == 'p')
			pin = 1;
		else {
			fprintf(stderr, "usage: bench_ring [-n ITERATIONS] [-p (pin: us CPU 0, "
					"device CPU 1)]\n");
			return 2;
		}
	}
	if (iters < 1000)
		iters = 1000;
	pin_to(0, 0);
	if (itest_dev_create(&itest_dev_type, &pv, NULL, &local))
		return 1;

	res[nres++] = run("in-process call", dev_read, local, iters);

	px = spawn(VDM_RING_DOORBELL_FUTEX);
	res[nres++] = run("ring, spin then futex", dev_read, px, iters);
	res[nres++] = run("ring, posted write (no reply)", dev_write, px, iters);
	placement("after the futex-doorbell rows", vdm_proxy_pid(px));
	vdm_device_destroy(px);

	px = spawn(VDM_RING_DOORBELL_EVENTFD);
	res[nres++] = run("ring, eventfd only", dev_read, px, iters / 4);
	placement("after the eventfd row", vdm_proxy_pid(px));
	vdm_device_destroy(px);

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		return 1;
	child = fork();
	if (child == 0) {
		close(sv[0]);
		pin_to(0, 1);
		sock_server(sv[1], local);
	}
	close(sv[1]);
	sc.fd = sv[0];
	res[nres++] = run("UNIX socketpair request/response", sock_read, &sc, iters / 4);
	close(sc.fd);
	waitpid(child, NULL, 0);
	vdm_device_destroy(local);

	printf("\n| path | round trips/s | p50 | p99 | p50 vs in-process | vs socketpair p50 |\n");
	printf("|---|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < nres; i++)
		printf("| %s | %.0f | %.2f us | %.2f us | %.1fx | %.2fx |\n", res[i].name,
		       res[i].ops_per_s, res[i].p50_ns / 1000, res[i].p99_ns / 1000,
		       res[i].p50_ns / res[0].p50_ns, res[nres - 1].p50_ns / res[i].p50_ns);
	printf("\n(each latency sample includes ~%u ns of clock_gettime; %ld iterations, %ld for "
	       "the eventfd and socketpair rows%s)\n", timer_overhead_ns(), iters, iters / 4,
	       pin ? "; pinned: bench CPU 0, device CPU 1" : "");
	return 0;
}
