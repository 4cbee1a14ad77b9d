/* An out-of-tree host for the example plugin: starts it in a sandboxed vdm-devhost through
 * the proxy, drives its registers, and prints what it sees. */
/*
 * Build:  cc $(pkg-config --cflags vdm) run_example.c $(pkg-config --libs vdm) -o run-example
 * Run:    ./run-example $(pkg-config --variable=devhost vdm) ./example_plugin.so start=5
 */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <vdm/proxy.h>

static void on_log(void *opaque, uint32_t level, const char *msg)
{
	(void)opaque;
	printf("device log (%u): %s\n", level, msg);
}

int main(int argc, char **argv)
{
	struct vdm_host host = { VDM_STRUCT_HEAD(struct vdm_host), .log = on_log };
	struct vdm_proxy_config cfg = { VDM_STRUCT_HEAD(struct vdm_proxy_config) };
	struct vdm_device *dev;
	char spec[256], err[512];
	uint64_t v, edges = 0;
	uint32_t id = 0, bar = 0;
	struct pollfd p;

	if (argc != 4) {
		fprintf(stderr, "usage: %s DEVHOST PLUGIN PROPS\n", argv[0]);
		return 2;
	}
	snprintf(spec, sizeof(spec), "example-counter,%s", argv[3]);
	cfg.devhost = argv[1];
	cfg.plugin = argv[2];
	cfg.spec = spec;
	cfg.host = &host;
	if (vdm_proxy_spawn(&cfg, &dev, err, sizeof(err))) {
		fprintf(stderr, "run-example: %s\n", err);
		return 1;
	}
	vdm_cfg_read(dev, 0, 4, &id);
	printf("ids %04x:%04x, pid %d\n", id & 0xffff, id >> 16, vdm_proxy_pid(dev));
	vdm_cfg_write(dev, 0x10, 4, 0xffffffffu);
	vdm_cfg_read(dev, 0x10, 4, &bar);
	printf("bar0 sizing mask %08x (size %u)\n", bar, ~(bar & ~0xfu) + 1);
	vdm_bar_read(dev, 0, 0x0c, 4, &v);
	printf("magic %08llx\n", (unsigned long long)v);
	vdm_bar_write(dev, 0, 0x00, 4, 0xcafe);
	vdm_bar_read(dev, 0, 0x00, 4, &v);
	printf("scratch %llx\n", (unsigned long long)v);
	vdm_bar_write(dev, 0, 0x08, 4, 1);
	vdm_bar_write(dev, 0, 0x08, 4, 1);
	vdm_bar_read(dev, 0, 0x04, 4, &v);
	printf("counter %llu\n", (unsigned long long)v);
	p = (struct pollfd){ .fd = vdm_proxy_irqfd(dev, 0), .events = POLLIN };
	if (poll(&p, 1, 1000) == 1 && read(p.fd, &edges, sizeof(edges)) != sizeof(edges))
		edges = 0;
	printf("irq edges %llu\n", (unsigned long long)edges);
	vdm_proxy_poll(dev);
	vdm_device_destroy(dev);
	return 0;
}
