/* vmm-example's machine: the libvdm-machine config from the options (sizes, policy, the sandbox
 * backend, callbacks into the running VM), every --device added, realized, its FDT kept. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vdm/fdt.h>

#include "arch.h"
#include "vmm.h"
#include "vmm_machine.h"

#define FDT_MAX (64u << 10)

static void on_irq(void *opaque, uint32_t gsi, uint32_t level)
{
	struct vmm_machine *vm = opaque;

	if (vm->v)
		vmm_irq_line(vm->v, gsi, level);
}

static void on_log(void *opaque, const char *who, uint32_t level, const char *msg)
{
	static const char *const lv[] = { "error", "warning", "info", "debug" };

	(void)opaque;
	if (level > VDM_LOG_INFO)
		return;
	fprintf(stderr, "vmm-example: [%s] %s: %s\n", who, lv[level & 3], msg);
}

/* The guest's UART output goes to our standard output a line at a time (a vCPU thread, the
 * UART's lock held); a line still open wakes the event loop, which writes it when due. */
static void on_console(void *opaque, const uint8_t *buf, size_t len)
{
	struct vmm_machine *vm = opaque;

	atomic_fetch_add(&vm->console_bytes, len);
	if (console_out_put(&vm->console, buf, len) && vm->v)
		vmm_wake_loop(vm->v);
}

static void on_power(void *opaque, enum vdm_machine_power_event ev)
{
	struct vmm_machine *vm = opaque;

	if (!vm->v)
		return;
	if (ev == VDM_MACHINE_POWER_OFF)
		vmm_stop(vm->v, VMM_EXIT_POWEROFF, NULL);
	else
		vmm_stop(vm->v, VMM_EXIT_RESET, "guest requested a reset (FADT reset register); "
			 "vmm-example does not reboot guests");
}

/* The guest ejected a slot (a vCPU, inside its write): wake the monitor's event loop. */
static void on_eject_pending(void *opaque)
{
	struct vmm_machine *vm = opaque;
	uint64_t one = 1;

	if (vm->eject_fd >= 0 && write(vm->eject_fd, &one, sizeof(one)) < 0)
		(void)0; /* counter full: a wake-up is pending anyway */
}

int vmm_machine_build(struct vmm_machine *vm, const struct vmm_options *o, unsigned phys_bits,
		      const char *bootargs, char *err, size_t err_len)
{
	struct vdm_machine_config cfg = { .struct_size = sizeof(cfg) };
	struct vdm_fdt_boot boot = { .bootargs = bootargs };
	char why[512];
	unsigned i;
	int rc;

	memset(vm, 0, sizeof(*vm));
	vm->eject_fd = -1;
	console_out_init(&vm->console, STDOUT_FILENO);
	vm->phys_bits = phys_bits;
	machine_sandbox_init(&vm->sb, o->in_process, o->spare_devhosts, true);
	cfg.arch = ARCH_VDM_ARCH;
	cfg.ram_size = o->mem;
	cfg.phys_bits = phys_bits;
	cfg.num_cpus = o->smp;
	cfg.acpi_pci_hotplug = o->acpi_hotplug;
	cfg.preserve_policy = o->preserve;
	cfg.hotplug_ports = o->hotplug_ports;
	machine_sandbox_backend(&vm->sb, &cfg.backend);
	cfg.set_irq = on_irq;
	cfg.log = on_log;
	cfg.console_out = on_console;
	cfg.power = on_power;
	cfg.eject_pending = on_eject_pending;
	cfg.opaque = vm;
	rc = vdm_machine_create(&cfg, &vm->m, err, err_len);
	if (rc)
		return rc;
	for (i = 0; i < o->num_devices; i++) {
		rc = vdm_machine_add(vm->m, o->devices[i].type, &o->devices[i].props,
				     o->devices[i].spec, err, err_len);
		if (rc)
			return rc;
	}
	rc = vdm_machine_realize(vm->m, err, err_len);
	if (rc)
		return rc;
	vm->fdt = calloc(1, FDT_MAX);
	if (!vm->fdt) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	rc = vdm_machine_fdt(vm->m, &boot, vm->fdt, FDT_MAX, why, sizeof(why));
	if (rc) {
		snprintf(err, err_len, "device tree: %s", why);
		return rc;
	}
	/* fdt_totalsize: big-endian u32 at offset 4 of the header */
	vm->fdt_len = (size_t)vm->fdt[4] << 24 | (size_t)vm->fdt[5] << 16 |
		      (size_t)vm->fdt[6] << 8 | vm->fdt[7];
	return 0;
}

void vmm_machine_destroy(struct vmm_machine *vm)
{
	console_out_destroy(&vm->console);
	machine_sandbox_fini(&vm->sb);
	vdm_machine_destroy(vm->m);
	vm->m = NULL;
	free(vm->fdt);
	vm->fdt = NULL;
}

int vmm_machine_dump_dtb(const struct vmm_machine *vm, const char *path, char *err,
			 size_t err_len)
{
	const uint8_t *p = vm->fdt;
	size_t len = vm->fdt_len;
	int fd, e;

	if (!vm->fdt) {
		snprintf(err, err_len, "--dump-dtb: no device tree was built");
		return -ENOENT;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		e = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return e;
	}
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			e = -errno;
			snprintf(err, err_len, "%s: %s", path, strerror(errno));
			close(fd);
			return e;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) < 0) {
		e = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return e;
	}
	return 0;
}

int vmm_machine_dev(const struct vmm_machine *vm, const char *id,
		    struct vdm_machine_dev_info *out)
{
	int i = vdm_machine_find(vm->m, id);

	return i < 0 ? i : vdm_machine_device(vm->m, (size_t)i, out);
}
