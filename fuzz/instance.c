/* The device a runner fuzzes: loaded and created in this process (vdm_plugin_load, or a
 * built-in type) or started in a vdm-devhost through the proxy, with the host's callbacks. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <vdm/builtin.h>

#include "fuzz_int.h"

static int errf(char *err, size_t len, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int errf(char *err, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* ---- host callbacks ------------------------------------------------------------------- */

static void on_irq(void *opaque, uint32_t line, uint32_t level)
{
	struct vdm_fuzz *fz = opaque;
	uint32_t n = fz->dev ? fz->dev->res.num_irqs : VDM_MAX_IRQS;

	VDM_FUZZ_CHECK(&fz->sink, VDM_FUZZ_INV_INTERRUPT, line < n && level <= 1,
		       "set_irq(line %u, level %u): the device declares %u interrupt line(s), "
		       "levels are 0 and 1", line, level, n);
	if (line < VDM_MAX_IRQS && level == 1)
		fz->irq_edges[line]++;
}

static void on_log(void *opaque, uint32_t level, const char *msg)
{
	struct vdm_fuzz *fz = opaque;

	/* The device host's own word for a line beyond the irqfds it has (all VDM_MAX_IRQS). */
	VDM_FUZZ_CHECK(&fz->sink, VDM_FUZZ_INV_INTERRUPT,
		       !(fz->cfg.sandbox && strncmp(msg, "irq line ", 9) == 0 &&
			 strstr(msg, "raised but")),
		       "%s (the device declares %u interrupt line(s))", msg,
		       fz->dev ? fz->dev->res.num_irqs : 0);
	if (fz->cfg.trace) {
		char line[320];

		snprintf(line, sizeof(line), "device log (%u): %s", level, msg);
		fz->cfg.trace(fz->cfg.trace_opaque, line);
	}
}

static void on_eject(void *opaque, uint32_t bus_sel, uint32_t slot)
{
	(void)opaque; /* a hotplug controller's request: nothing to check without a machine */
	(void)bus_sel;
	(void)slot;
}

static void on_event(void *opaque, const struct vdm_proxy_event *ev)
{
	struct vdm_fuzz *fz = opaque;

	if (fz->host_failed)
		return;
	fz->host_failed = true;
	snprintf(fz->host_event, sizeof(fz->host_event), "%s", ev->text);
}

/* ---- set-up --------------------------------------------------------------------------- */

/* The type's name: the spec up to its first comma. */
static void spec_type_name(struct vdm_fuzz *fz)
{
	const char *s = fz->spec ? fz->spec : "";
	size_t n = strcspn(s, ",");

	if (n >= sizeof(fz->type_name))
		n = sizeof(fz->type_name) - 1;
	memcpy(fz->type_name, s, n);
	fz->type_name[n] = 0;
}

static int prepare_sandbox(struct vdm_fuzz *fz, char *err, size_t len)
{
	char path[4096];
	unsigned i;
	int r;

	if (fz->cfg.type)
		return errf(err, len, -EINVAL, "a device type given by pointer runs in-process "
			    "only: name a built-in type or a plugin to run it sandboxed");
	if (!fz->devhost) {
		r = vdm_proxy_devhost_path(path, sizeof(path), err, len);
		if (r)
			return r;
	}
	for (i = 0; i < VDM_MAX_IRQS; i++) {
		fz->irqfds[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (fz->irqfds[i] < 0)
			return errf(err, len, -errno, "eventfd for interrupt line %u: %s", i,
				    strerror(errno));
	}
	spec_type_name(fz);
	return 0;
}

static int prepare_in_process(struct vdm_fuzz *fz, char *err, size_t len)
{
	const struct vdm_device_type *const *types;
	const struct vdm_plugin *info;
	size_t ntypes;
	int r;

	if (fz->cfg.type) {
		fz->type = fz->cfg.type;
		r = vdm_props_parse_args(fz->spec ? fz->spec : "", fz->type, NULL, 0, &fz->props,
					 err, len);
	} else {
		if (!fz->spec || !fz->spec[0])
			return errf(err, len, -EINVAL, "no device spec: give \"type,key=value,...\"");
		if (fz->plugin) {
			r = vdm_plugin_load(fz->plugin, &fz->plugin_h, err, len);
			if (r)
				return r;
			info = vdm_plugin_info(fz->plugin_h);
			types = info->types;
			ntypes = info->num_types;
		} else {
			types = vdm_builtin_types(&ntypes);
		}
		r = vdm_props_parse(fz->spec, types, ntypes, NULL, 0, &fz->type, &fz->props, err,
				    len);
	}
	if (r)
		return r;
	snprintf(fz->type_name, sizeof(fz->type_name), "%s", fz->type->name);
	return 0;
}

int vdm__fuzz_prepare(struct vdm_fuzz *fz, char *err, size_t err_len)
{
	const struct vdm_host host = { VDM_STRUCT_HEAD(struct vdm_host), .opaque = fz,
				       .set_irq = on_irq, .log = on_log, .eject = on_eject };
	unsigned i;

	fz->host = host;
	for (i = 0; i < VDM_MAX_IRQS; i++)
		fz->irqfds[i] = -1;
	return fz->cfg.sandbox ? prepare_sandbox(fz, err, err_len)
			       : prepare_in_process(fz, err, err_len);
}

void vdm__fuzz_unprepare(struct vdm_fuzz *fz)
{
	unsigned i;

	for (i = 0; i < VDM_MAX_IRQS; i++)
		if (fz->irqfds[i] >= 0)
			close(fz->irqfds[i]);
	if (fz->plugin_h)
		vdm_plugin_unload(fz->plugin_h);
	fz->plugin_h = NULL;
}

/* ---- one device ----------------------------------------------------------------------- */

static int create_sandboxed(struct vdm_fuzz *fz, char *err, size_t len)
{
	struct vdm_proxy_config pc = { VDM_STRUCT_HEAD(struct vdm_proxy_config) };
	uint64_t drain;
	unsigned i;

	for (i = 0; i < VDM_MAX_IRQS; i++)
		while (read(fz->irqfds[i], &drain, sizeof(drain)) == sizeof(drain))
			;
	pc.devhost = fz->devhost;
	pc.plugin = fz->plugin;
	pc.spec = fz->spec;
	/* Twice the proxy's default: a loaded machine must not look like a hung device. */
	pc.timeout_ms = fz->cfg.timeout_ms ? fz->cfg.timeout_ms : 2000;
	pc.num_irqfds = VDM_MAX_IRQS;
	memcpy(pc.irqfds, fz->irqfds, sizeof(pc.irqfds));
	pc.host = &fz->host;
	pc.on_event = on_event;
	pc.opaque = fz;
	return vdm_proxy_spawn(&pc, &fz->dev, err, len);
}

int vdm__fuzz_create(struct vdm_fuzz *fz, char *err, size_t err_len)
{
	int r;

	fz->dev = NULL;
	fz->host_failed = false;
	fz->host_event[0] = 0;
	memset(fz->irq_edges, 0, sizeof(fz->irq_edges));
	if (fz->cfg.sandbox)
		return create_sandboxed(fz, err, err_len);
	if (err_len)
		err[0] = 0;
	r = fz->type->create(&fz->props, &fz->host, &fz->dev, err, err_len);
	if (r == 0 && !fz->dev)
		r = -EINVAL;
	if (r && err_len && !err[0])
		snprintf(err, err_len, "%s: create() returned %d and no reason", fz->type_name, r);
	if (r)
		fz->dev = NULL;
	return r;
}

void vdm__fuzz_destroy(struct vdm_fuzz *fz)
{
	vdm_device_destroy(fz->dev);
	fz->dev = NULL;
}

void vdm__fuzz_sync(struct vdm_fuzz *fz)
{
	if (fz->cfg.sandbox && fz->dev)
		vdm_proxy_ping(fz->dev); /* posted writes, and what they raised, have landed */
}

void vdm__fuzz_after_op(struct vdm_fuzz *fz, bool light)
{
	enum vdm_ring_fault fault;
	uint64_t n;
	unsigned i;

	if (!fz->cfg.sandbox || !fz->dev)
		return;
	if (!light)
		vdm_proxy_poll(fz->dev); /* the device host's log; its exit */
	fault = vdm_proxy_fault(fz->dev);
	if (fault != VDM_RING_FAULT_NONE || fz->host_failed) {
		/* The sink names the device host's event; say what the proxy saw otherwise. */
		vdm_fuzz_fail(&fz->sink, VDM_FUZZ_INV_DEVICE_HOST, "the proxy failed the device: %s",
			      vdm_ring_fault_str(fault));
		return;
	}
	for (i = 0; !light && i < VDM_MAX_IRQS; i++) {
		if (read(fz->irqfds[i], &n, sizeof(n)) != sizeof(n))
			continue;
		fz->irq_edges[i] += n;
		VDM_FUZZ_CHECK(&fz->sink, VDM_FUZZ_INV_INTERRUPT, i < fz->dev->res.num_irqs,
			       "the device raised interrupt line %u (%llu edge(s)): it declares %u "
			       "line(s)", i, (unsigned long long)n, fz->dev->res.num_irqs);
	}
}
