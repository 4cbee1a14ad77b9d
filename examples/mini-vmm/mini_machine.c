/* mini-vmm's whole hotplug path on libvdm-machine: the machine's config and callbacks, a
 * backend that sandboxes every PCI endpoint, exits handed to the machine, and the hot-add,
 * unplug and eject steps taken between exits. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <vdm/proxy.h>

#include "mini_machine.h"

static void on_irq(void *opaque, uint32_t gsi, uint32_t level)
{
	struct mini *mv = opaque;

	mini_kvm_irq(&mv->kvm, gsi, level);
}

static void on_log(void *opaque, const char *who, uint32_t level, const char *msg)
{
	(void)opaque;
	if (level <= VDM_LOG_INFO)
		fprintf(stderr, "mini-vmm: [%s] %s\n", who, msg);
}

static void check_trigger(struct mini_trigger *t, const char *line)
{
	if (t->when && !t->done && !t->due && strstr(line, t->when))
		t->due = true;
}

/* The guest's UART: to our stdout, and line by line past the triggers. */
static void on_console(void *opaque, const uint8_t *buf, size_t len)
{
	struct mini *mv = opaque;

	if (write(STDOUT_FILENO, buf, len) < 0)
		(void)0; /* stdout gone: the guest runs on */
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n' && mv->line_len + 1 < sizeof(mv->line)) {
			mv->line[mv->line_len++] = (char)buf[i];
			continue;
		}
		mv->line[mv->line_len] = 0;
		check_trigger(&mv->add, mv->line);
		check_trigger(&mv->del, mv->line);
		mv->line_len = 0;
	}
}

static void on_power(void *opaque, enum vdm_machine_power_event ev)
{
	struct mini *mv = opaque;

	mv->stop = true;
	mv->status = ev == VDM_MACHINE_POWER_OFF ? 0 : 1;
}

static void on_eject_pending(void *opaque)
{
	struct mini *mv = opaque;

	mv->eject_pending = true;
}

/* Backend: a PCI endpoint runs in its own vdm-devhost (found beside libvdm-sandbox); the root
 * port and the GED run here. */
static int create_device(void *opaque, const struct vdm_device_type *t,
			 const struct vdm_prop_values *props, const struct vdm_host *host,
			 struct vdm_device **out, char *err, size_t err_len)
{
	struct vdm_proxy_config cfg = { VDM_STRUCT_HEAD(struct vdm_proxy_config) };
	char spec[512];

	(void)opaque;
	if (t->bus_kind != VDM_BUS_PCI_ENDPOINT)
		return t->create(props, host, out, err, err_len);
	if (vdm_machine_type_spec(t, props, spec, sizeof(spec))) {
		snprintf(err, err_len, "%s: properties too long", t->name);
		return -E2BIG;
	}
	cfg.spec = spec;
	cfg.host = host;
	return vdm_proxy_spawn(&cfg, out, err, err_len);
}

int mini_machine_create(struct mini *mv, uint64_t ram, unsigned phys_bits, char *err,
			size_t len)
{
	struct vdm_machine_config cfg = { .struct_size = sizeof(cfg) };
	int rc;

	cfg.arch = VDM_ARCH_X86_64;
	cfg.ram_size = ram;
	cfg.phys_bits = phys_bits;
	cfg.num_cpus = 1;
	cfg.acpi_pci_hotplug = true;
	cfg.preserve_policy = VDM_PRESERVE_AUTO;
	cfg.backend.create_device = create_device;
	cfg.set_irq = on_irq;
	cfg.log = on_log;
	cfg.console_out = on_console;
	cfg.power = on_power;
	cfg.eject_pending = on_eject_pending;
	cfg.opaque = mv;
	rc = vdm_machine_create(&cfg, &mv->m, err, len);
	if (!rc)
		rc = vdm_machine_add_spec(mv->m, "pcie-root-port,id=rp1", err, len);
	if (!rc)
		rc = vdm_machine_realize(mv->m, err, len);
	return rc;
}

void mini_machine_pio(struct mini *mv, uint16_t port, uint32_t size, bool write, uint8_t *data)
{
	uint64_t v = 0;

	if (write) {
		memcpy(&v, data, size);
		vdm_machine_pio_write(mv->m, port, size, v);
	} else {
		vdm_machine_pio_read(mv->m, port, size, &v); /* all-ones where nothing answers */
		memcpy(data, &v, size);
	}
}

void mini_machine_mmio(struct mini *mv, uint64_t addr, uint32_t size, bool write,
		       uint8_t *data)
{
	uint64_t v = 0;

	if (write) {
		memcpy(&v, data, size);
		vdm_machine_mmio_write(mv->m, addr, size, v);
	} else {
		vdm_machine_mmio_read(mv->m, addr, size, &v);
		memcpy(data, &v, size);
	}
}

void mini_machine_step(struct mini *mv)
{
	char warn[512], err[512];
	struct vdm_machine_dev_info info;
	struct vdm_machine_eject ev;
	int rc;

	if (mv->add.due) {
		mv->add.due = false;
		mv->add.done = true;
		rc = vdm_machine_hot_add_spec(mv->m, mv->add.what, 0, warn, sizeof(warn), err,
					      sizeof(err));
		if (rc < 0)
			fprintf(stderr, "mini-vmm: hot-add failed: %s\n", err);
		else if (vdm_machine_device(mv->m, (size_t)rc, &info) == 0)
			fprintf(stderr, "mini-vmm: hot-added %s behind %s, device host pid %d%s%s\n",
				mv->add.what, info.parent_id,
				vdm_device_is_proxy(info.dev) ? vdm_proxy_pid(info.dev) : -1,
				warn[0] ? "; " : "", warn);
	}
	if (mv->del.due) {
		mv->del.due = false;
		mv->del.done = true;
		rc = vdm_machine_unplug_request(mv->m, mv->del.what, err, sizeof(err));
		if (rc)
			fprintf(stderr, "mini-vmm: unplug failed: %s\n", err);
		else
			fprintf(stderr, "mini-vmm: asked the guest to eject %s\n", mv->del.what);
	}
	while (mv->eject_pending) {
		mv->eject_pending = false;
		while (vdm_machine_process_eject(mv->m, &ev) > 0)
			fprintf(stderr, "mini-vmm: the guest ejected %s; it is gone\n",
				ev.id[0] ? ev.id : "an empty slot");
	}
}
