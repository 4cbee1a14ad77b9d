/* The monitor's executor over the running machine: device_add / device_del through the
 * machine's hotplug controller, info pci (its topology), info devices, quit. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vdm/builtin.h>
#include <vdm/hotplug.h>
#include <vdm/machine.h>
#include <vdm/proxy.h>

#include "machine_sandbox.h"
#include "monitor_int.h"
#include "options.h"
#include "vmm.h"
#include "vmm_machine.h"

static int ex_device_add(void *opaque, const char *spec, bool fit_check, char *id_out,
			 size_t id_len, char *msg, size_t msg_len)
{
	struct monitor *mon = opaque;
	struct vdm_machine *m = mon->m;
	const struct vdm_device_type *t;
	struct vdm_machine_dev_info info;
	struct vdm_prop_values pv;
	char why[320], warn[512];
	uint64_t t0;
	int rc;

	rc = vdm_machine_parse_spec(spec, &t, &pv, why, sizeof(why));
	if (rc < 0) {
		snprintf(msg, msg_len, "device_add %s: %s", spec, why);
		return rc;
	}
	if (vdm_props_num(&pv, "addr", 0) != 0) {
		snprintf(msg, msg_len, "device_add %s: addr= must be 0 behind a root port (its bus "
			 "has device 0 only)", spec);
		return -EINVAL;
	}
	t0 = vmm_now_ns();
	rc = vdm_machine_hot_add(m, t, &pv, spec, fit_check ? 0 : VDM_HOT_ADD_NO_FIT_CHECK, warn,
				 sizeof(warn), why, sizeof(why));
	if (rc < 0) {
		/* A refused fit: say how to let the guest try anyway. */
		snprintf(msg, msg_len, "device_add %s%s", why,
			 rc == -ENOSPC && strstr(why, "nothing was added")
				 ? " (x-fit-check=off lets the guest try)" : "");
		return rc;
	}
	vdm_machine_device(m, (size_t)rc, &info);
	if (id_len)
		snprintf(id_out, id_len, "%s", info.id);
	snprintf(msg, msg_len, "device_add: %s (%s) added behind %s%s%s", info.id, t->name,
		 info.parent_id, warn[0] ? "; warning: " : "", warn);
	/* (how long the device and its process took to start, the guest not counted) */
	fprintf(stderr, "vmm-example: monitor: %s (%.1f ms)\n", msg,
		(double)(vmm_now_ns() - t0) / 1e6);
	return 0;
}

static int ex_device_del(void *opaque, const char *id, char *msg, size_t msg_len)
{
	struct monitor *mon = opaque;
	int rc = vdm_machine_unplug_request(mon->m, id, msg, msg_len);

	if (rc)
		return rc;
	machine_sandbox_spare_soon(&mon->vm->sb); /* the guest is done with what it was given */
	snprintf(msg, msg_len, "device_del: unplug of %s requested; it is removed when the guest "
		 "ejects it", id);
	return 0;
}

static void ex_info_pci(void *opaque, struct mon_buf *out)
{
	struct monitor *mon = opaque;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f) {
		mon_buf_printf(out, "error: out of memory\n");
		return;
	}
	vdm_machine_print_topology(mon->m, f);
	fclose(f);
	mon_buf_put(out, text, len);
	free(text);
}

static const char *state_name(const struct vdm_machine_dev_info *d)
{
	if (d->dev && vdm_device_is_proxy(d->dev) && vdm_proxy_fault(d->dev) != VDM_RING_FAULT_NONE)
		return "failed";
	return d->state == VDM_MACHINE_DEV_EJECTING ? "ejecting" : "running";
}

void monitor_info_devices(struct vmm_machine *vm, struct mon_buf *out)
{
	struct vdm_machine_dev_info d;
	int pids[8];
	unsigned n, k;
	size_t i;

	mon_buf_printf(out, "%-16s %-16s %-10s %-12s %s\n", "ID", "TYPE", "LOCATION", "PROCESS",
		       "STATE");
	for (i = 0; i < vdm_machine_num_devices(vm->m); i++) {
		char loc[16], proc[24];

		if (vdm_machine_device(vm->m, i, &d) || !d.dev)
			continue;
		if (d.pci_fn >= 0)
			snprintf(loc, sizeof(loc), "%02x:%02x.%u", d.bus < 0 ? 0xff : d.bus,
				 d.devfn >> 3, d.devfn & 7);
		else
			snprintf(loc, sizeof(loc), "platform");
		if (vdm_device_is_proxy(d.dev))
			snprintf(proc, sizeof(proc), "pid %d", vdm_proxy_pid(d.dev));
		else
			snprintf(proc, sizeof(proc), "in-process");
		mon_buf_printf(out, "%-16s %-16s %-10s %-12s %s\n", d.id, d.type->name, loc, proc,
			       state_name(&d));
	}
	n = machine_sandbox_spare_pids(&vm->sb, pids, 8);
	for (k = 0; k < n; k++) {
		char proc[24];

		snprintf(proc, sizeof(proc), "pid %d", pids[k]);
		mon_buf_printf(out, "%-16s %-16s %-10s %-12s %s\n", "-", "(spare devhost)", "-", proc,
			       k ? "ready after the one above" : "ready for device_add");
	}
}

static void ex_info_devices(void *opaque, struct mon_buf *out)
{
	struct monitor *mon = opaque;

	monitor_info_devices(mon->vm, out);
}

static void ex_query_pci(void *opaque, struct mon_buf *out)
{
	struct monitor *mon = opaque;

	monitor_query_pci(mon->m, out);
}

static void ex_quit(void *opaque)
{
	struct monitor *mon = opaque;

	vmm_stop(mon->v, VMM_EXIT_POWEROFF, "quit (monitor)");
}

void monitor_exec_init(struct monitor *mon)
{
	mon->ops.opaque = mon;
	mon->ops.device_add = ex_device_add;
	mon->ops.device_del = ex_device_del;
	mon->ops.info_pci = ex_info_pci;
	mon->ops.info_devices = ex_info_devices;
	mon->ops.query_pci = ex_query_pci;
	mon->ops.quit = ex_quit;
}
