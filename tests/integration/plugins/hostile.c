/* Test plugin "itest-hostile": itest-dev plus one attack on its jail or on the VMM, chosen by
 * its `attack` property; the hostile-plugin suite (test_hostile.c) drives each one. */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <vdm/abi.h>
#include <vdm/props.h>

#include "devhost.h" /* sandbox/devhost.h: a hostile plugin knows its host's layout */
#include "itest_dev.h"
#include "itest_hostile.h"

struct hostile {
	struct vdm_device_ops ops; /* the device's ops: itest-dev's with two wrapped */
	const struct vdm_device_ops *inner;
	char attack[VDM_PROP_STR_MAX];
};

static struct hostile *hostile_of(struct vdm_device *dev)
{
	return (struct hostile *)(uintptr_t)dev->ops;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	uint32_t word = 0;

	/* futex with a timeout: the one way to sleep the serving filter allows */
	syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
}

/* A thread that tries, every 20 ms, to reach the VMM's abstract socket. */
static void *escape_thread(void *arg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	(void)arg;
	memcpy(sa.sun_path + 1, HOSTILE_SOCKET_NAME, strlen(HOSTILE_SOCKET_NAME));
	for (;;) {
		int s = socket(AF_UNIX, SOCK_STREAM, 0);

		if (s >= 0) {
			connect(s, (struct sockaddr *)&sa,
				(socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
					    strlen(HOSTILE_SOCKET_NAME)));
			close(s);
		}
		sleep_ms(20);
	}
	return NULL;
}

static int hostile_bar_read(struct vdm_device *dev, uint32_t bar, uint64_t off, uint32_t size,
			    uint64_t *value)
{
	struct hostile *h = hostile_of(dev);
	struct devhost *dh = dev->host.opaque;

	if (strcmp(h->attack, "slow") == 0)
		sleep_ms(900);
	if (bar == 0 && off == HOSTILE_REG_ACT && strcmp(h->attack, "printf") == 0) {
		int n = 0, e = 0;

		for (int i = 0; i < 1000; i++)
			n = printf("hostile: printf from a handler, line %d\n", i);
		if (fflush(stdout))
			e = errno;
		*value = (uint64_t)(uint32_t)e << 32 | (uint32_t)n;
		return 0;
	}
	if (bar == 0 && off == HOSTILE_REG_ACT && strcmp(h->attack, "saturate") == 0) {
		uint64_t most = 0xfffffffffffffffeull;

		/* the VMM's response doorbell, kept full (the VMM reads it while it waits): its
		 * next write there would block */
		for (;;) {
			if (write(dh->rsp_efd, &most, sizeof(most)) < 0) {
				/* EAGAIN: still full */
			}
			sleep_ms(1);
		}
	}
	return h->inner->bar_read(dev, bar, off, size, value);
}

static int hostile_bar_write(struct vdm_device *dev, uint32_t bar, uint64_t off, uint32_t size,
			     uint64_t value)
{
	struct hostile *h = hostile_of(dev);

	if (bar == 0 && off == HOSTILE_REG_ACT && strcmp(h->attack, "spin") == 0) {
		volatile uint64_t n = 0;

		for (;;) /* a posted write that never ends, burning a CPU */
			n++;
	}
	if (bar == 0 && off == HOSTILE_REG_ACT && strcmp(h->attack, "flood") == 0) {
		struct timespec t0, t;
		uint64_t i = 0;

		/* log as fast as it can for `value` ms */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do {
			for (int j = 0; j < 64; j++, i++)
				vdm_device_log(dev, VDM_LOG_INFO, "hostile: flood line %llu",
					       (unsigned long long)i);
			clock_gettime(CLOCK_MONOTONIC, &t);
		} while ((uint64_t)(t.tv_sec - t0.tv_sec) * 1000 +
				 (uint64_t)(t.tv_nsec - t0.tv_nsec) / 1000000 < value);
		return 0;
	}
	return h->inner->bar_write(dev, bar, off, size, value);
}

/* What the create-time attacks achieved, in BAR 0 at HOSTILE_REG_RESULT. */
static int64_t attack_at_create(const char *attack, const struct vdm_prop_values *props)
{
	if (strcmp(attack, "thread") == 0) {
		pthread_t t;
		int rc = pthread_create(&t, NULL, escape_thread, NULL);

		return rc; /* 0 would mean a thread runs */
	}
	if (strcmp(attack, "fork") == 0) {
		pid_t pid = fork(); /* a child left behind, with the VMM's privileges once */

		if (pid == 0)
			for (;;)
				sleep_ms(1000);
		return pid < 0 ? -errno : pid;
	}
	if (strcmp(attack, "signal") == 0) /* the VMM, by the pid it was given */
		return kill((pid_t)vdm_props_num(props, "pid", 1), SIGUSR2) ? -errno : 0;
	if (strcmp(attack, "procmem") == 0) {
		char path[64];
		uint64_t addr = vdm_props_num(props, "addr", 0);
		int fd;

		snprintf(path, sizeof(path), "/proc/%u/mem", (unsigned)vdm_props_num(props, "pid", 1));
		fd = open(path, O_RDWR);
		if (fd < 0)
			return -errno;
		if (pwrite(fd, "PWNED", 6, (off_t)addr) != 6)
			return -errno;
		return 0;
	}
	return 0;
}

static const struct vdm_prop_desc hostile_props[] = {
	{ .name = "attack", .type = VDM_PROP_STRING, .help = "which attack (test_hostile.c)" },
	{ .name = "pid", .type = VDM_PROP_U32, .help = "procmem, signal: the VMM's pid" },
	{ .name = "addr", .type = VDM_PROP_SIZE, .help = "procmem: address to overwrite" },
};

static int hostile_create(const struct vdm_prop_values *props, const struct vdm_host *host,
			  struct vdm_device **out, char *err, size_t err_len);

static const struct vdm_device_type hostile_type = {
	VDM_STRUCT_HEAD(struct vdm_device_type),
	.name = "itest-hostile",
	.summary = "itest-dev that attacks its jail or the VMM (attack=...)",
	.props_schema = hostile_props,
	.num_props = sizeof(hostile_props) / sizeof(hostile_props[0]),
	.bus_kind = VDM_BUS_PCI_ENDPOINT,
	.create = hostile_create,
};

static int hostile_create(const struct vdm_prop_values *props, const struct vdm_host *host,
			  struct vdm_device **out, char *err, size_t err_len)
{
	struct hostile *h = calloc(1, sizeof(*h));
	struct itest_dev *d;
	int64_t result;
	int rc;

	(void)err;
	(void)err_len;
	if (!h)
		return -ENOMEM;
	snprintf(h->attack, sizeof(h->attack), "%s", vdm_props_str(props, "attack", ""));
	result = attack_at_create(h->attack, props);
	rc = itest_dev_create(&hostile_type, props, host, out);
	if (rc) {
		free(h);
		return rc;
	}
	d = (struct itest_dev *)*out;
	memcpy(d->bar0 + HOSTILE_REG_RESULT, &result, sizeof(result));
	h->inner = d->dev.ops;
	h->ops = *d->dev.ops;
	h->ops.bar_read = hostile_bar_read;
	h->ops.bar_write = hostile_bar_write;
	d->dev.ops = &h->ops;
	return 0;
}

static const struct vdm_device_type *const types[] = { &hostile_type };

static const struct vdm_plugin plugin = {
	VDM_STRUCT_HEAD(struct vdm_plugin),
	.name = "itest-hostile",
	.types = types,
	.num_types = 1,
};

VDM_PLUGIN_ENTRY(host_abi_version)
{
	(void)host_abi_version;
	return &plugin;
}
