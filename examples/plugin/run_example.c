/* An out-of-tree host for the example plugin: runs it in a sandboxed vdm-devhost through the
 * proxy, or loads it into this process, drives its registers, and prints what it sees. */
/*
 * Build:  cc $(pkg-config --cflags vdm-sandbox) run_example.c $(pkg-config --libs vdm-sandbox)
 * Run:    ./run-example DEVHOST ./example_plugin.so start=5   (DEVHOST "-": the installed one)
 *         ./run-example --in-process ./example_plugin.so start=5
 */
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <vdm/plugin.h>
#include <vdm/props.h>
#include <vdm/proxy.h>

static void on_log(void *opaque, uint32_t level, const char *msg)
{
	(void)opaque;
	printf("device log (%u): %s\n", level, msg);
}

static void on_irq(void *opaque, uint32_t line, uint32_t level)
{
	uint64_t *edges = opaque;

	*edges += line == 0 && level;
}

/* The plugin in this process: its vdm_* calls resolve to the libvdm this program links. */
static int create_in_process(const char *plugin, const char *props, struct vdm_host *host,
			     struct vdm_plugin_handle **h, struct vdm_device **dev)
{
	const struct vdm_device_type *t;
	struct vdm_prop_values pv;
	char err[512];

	if (vdm_plugin_load(plugin, h, err, sizeof(err)) ||
	    !(t = vdm_plugin_find_type(*h, "example-counter")) ||
	    vdm_props_parse_args(props, t, NULL, 0, &pv, err, sizeof(err)) ||
	    t->create(&pv, host, dev, err, sizeof(err))) {
		fprintf(stderr, "run-example: %s\n", err);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct vdm_host host = { VDM_STRUCT_HEAD(struct vdm_host), .log = on_log };
	struct vdm_proxy_config cfg = { VDM_STRUCT_HEAD(struct vdm_proxy_config) };
	struct vdm_plugin_handle *h = NULL;
	bool in_process = argc == 4 && !strcmp(argv[1], "--in-process");
	struct vdm_device *dev;
	char spec[256], err[512];
	uint64_t v, edges = 0;
	uint32_t id = 0, bar = 0;
	struct pollfd p;

	if (argc != 4) {
		fprintf(stderr, "usage: %s DEVHOST|-|--in-process PLUGIN PROPS\n", argv[0]);
		return 2;
	}
	if (in_process) {
		host.set_irq = on_irq;
		host.opaque = &edges;
		if (create_in_process(argv[2], argv[3], &host, &h, &dev))
			return 1;
	} else {
		snprintf(spec, sizeof(spec), "example-counter,%s", argv[3]);
		cfg.devhost = strcmp(argv[1], "-") ? argv[1] : NULL; /* "-": found from libvdm */
		if (!cfg.devhost) {
			char path[4096];

			if (vdm_proxy_devhost_path(path, sizeof(path), err, sizeof(err))) {
				fprintf(stderr, "run-example: %s\n", err);
				return 1;
			}
			printf("devhost %s\n", path);
		}
		cfg.plugin = argv[2];
		cfg.spec = spec;
		cfg.host = &host;
		if (vdm_proxy_spawn(&cfg, &dev, err, sizeof(err))) {
			fprintf(stderr, "run-example: %s\n", err);
			return 1;
		}
	}
	vdm_cfg_read(dev, 0, 4, &id);
	if (in_process)
		printf("ids %04x:%04x, in-process\n", id & 0xffff, id >> 16);
	else
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
	if (!in_process) {
		p = (struct pollfd){ .fd = vdm_proxy_irqfd(dev, 0), .events = POLLIN };
		if (poll(&p, 1, 1000) == 1 && read(p.fd, &edges, sizeof(edges)) != sizeof(edges))
			edges = 0;
	}
	printf("irq edges %llu\n", (unsigned long long)edges);
	if (!in_process)
		vdm_proxy_poll(dev);
	vdm_device_destroy(dev);
	if (h)
		vdm_plugin_unload(h);
	return 0;
}
