/* The KVM VM of vmm-example: /dev/kvm, guest RAM slots, the in-kernel irqchip, interrupt
 * lines and irqfds, the PIO/MMIO buses with every device, and how a run is stopped. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include <vdm/layout.h>
#include "machine.h"
#include "machine_sandbox.h"
#include <vdm/pci_host.h>
#include "vmm.h"
#include "x86/arch.h"

#define UNHANDLED_LOG_MAX 8
#define DEBUG_PORT 0x80 /* POST codes and Linux's io_delay: accepted silently */

uint64_t vmm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int vmm_open_kvm(struct vmm *v, char *err, size_t err_len)
{
	int ver, e;

	memset(v, 0, sizeof(*v));
	v->kvm_fd = v->vm_fd = v->wake_fd = -1;
	v->ram.memfd = -1;
	v->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (v->kvm_fd < 0) {
		e = -errno;
		snprintf(err, err_len, "/dev/kvm: %s", strerror(errno));
		return e;
	}
	ver = ioctl(v->kvm_fd, KVM_GET_API_VERSION, 0);
	if (ver != KVM_API_VERSION) {
		snprintf(err, err_len, "/dev/kvm: API version %d, need %d", ver, KVM_API_VERSION);
		return -ENOTSUP;
	}
	return 0;
}

static int need_cap(struct vmm *v, int cap, const char *name, char *err, size_t err_len)
{
	if (ioctl(v->kvm_fd, KVM_CHECK_EXTENSION, cap) > 0)
		return 0;
	snprintf(err, err_len, "this KVM lacks %s", name);
	return -ENOTSUP;
}

void vmm_irq_line(struct vmm *v, uint32_t gsi, uint32_t level)
{
	struct kvm_irq_level l = { .irq = gsi, .level = level };

	if (v->vm_fd >= 0)
		ioctl(v->vm_fd, KVM_IRQ_LINE, &l);
}

int vmm_irqfd(struct vmm *v, int fd, uint32_t gsi, int resample_fd)
{
	struct kvm_irqfd f = { .fd = (uint32_t)fd, .gsi = gsi };

	if (resample_fd >= 0) {
		f.flags = KVM_IRQFD_FLAG_RESAMPLE;
		f.resamplefd = (uint32_t)resample_fd;
	}
	return ioctl(v->vm_fd, KVM_IRQFD, &f) < 0 ? -errno : 0;
}

static void machine_irq_sink(void *opaque, uint32_t gsi, uint32_t level)
{
	vmm_irq_line(opaque, gsi, level);
}

static void serial_irq(void *opaque, uint32_t level)
{
	struct vmm *v = opaque;

	vmm_irq_line(v, v->m->desc.serial_gsi, level);
}

static void power_event(void *opaque, enum power_event ev)
{
	struct vmm *v = opaque;

	if (ev == POWER_OFF)
		vmm_stop(v, VMM_EXIT_POWEROFF, NULL);
	else
		vmm_stop(v, VMM_EXIT_RESET, "guest requested a reset (FADT reset register); "
			 "vmm-example does not reboot guests");
}

static void sink_read(void *opaque, uint64_t offset, uint32_t size, uint64_t *value)
{
	*value = bus_ones(size);
}

static void sink_write(void *opaque, uint64_t offset, uint32_t size, uint64_t value)
{
}

static int add(struct bus *b, uint64_t base, uint64_t size, const struct bus_handler *h,
	       char *err, size_t err_len)
{
	int e = bus_add(b, base, size, h);

	if (e)
		snprintf(err, err_len, "%s at 0x%llx+0x%llx: %s", h->name, (unsigned long long)base,
			 (unsigned long long)size, e == -EEXIST ? "overlaps another device"
								: strerror(-e));
	return e;
}

static int wire_buses(struct vmm *v, char *err, size_t err_len)
{
	struct machine *m = v->m;
	const struct vdm_mach_desc *d = &m->desc;
	const struct bus_handler com1 = { "COM1", serial_read, serial_write, &v->serial };
	const struct bus_handler pwr = { "power", power_ctl_read, power_ctl_write, &v->power };
	const struct bus_handler pmtmr = { "pm-timer", power_pmtmr_read, NULL, &v->power };
	const struct bus_handler cf8 = {"pci-cf8", vdm_pci_host_cf8_read, vdm_pci_host_cf8_write,
					m->pci};
	const struct bus_handler cfc = {"pci-cfc", vdm_pci_host_cfc_read, vdm_pci_host_cfc_write,
					m->pci};
	const struct bus_handler ecam = {"pci-ecam", vdm_pci_host_ecam_read,
					 vdm_pci_host_ecam_write, m->pci};
	const struct bus_handler dbg = { "debug-port", sink_read, sink_write, NULL };
	unsigned i, r;
	int e;

	if ((e = add(&v->pio, d->serial_port, 8, &com1, err, err_len)) ||
	    (e = add(&v->pio, d->power_port, 1, &pwr, err, err_len)) ||
	    (e = add(&v->pio, d->power_port + POWER_PMTMR_OFFSET, 4, &pmtmr, err, err_len)) ||
	    (e = add(&v->pio, 0xcf8, 4, &cf8, err, err_len)) ||
	    (e = add(&v->pio, 0xcfc, 4, &cfc, err, err_len)) ||
	    (e = add(&v->pio, DEBUG_PORT, 1, &dbg, err, err_len)) ||
	    (e = add(&v->mmio, d->ecam.base, d->ecam.size, &ecam, err, err_len)))
		return e;
	for (i = 0; i < m->ndevs; i++) {
		struct machine_dev *md = &m->devs[i];

		if (md->fn >= 0 || !md->dev)
			continue;
		for (r = 0; r < VDM_MAX_REGIONS; r++) {
			const struct vdm_region_decl *rd = &md->dev->res.regions[r];
			struct bus_handler h = { md->dev->type->name, machine_platform_read,
						 machine_platform_write, &md->rctx[r] };

			if (rd->kind == VDM_REGION_NONE || !rd->size)
				continue;
			e = add(rd->kind == VDM_REGION_IO ? &v->pio : &v->mmio, md->region_base[r],
				rd->size, &h, err, err_len);
			if (e)
				return e;
		}
	}
	return 0;
}

static void kick_handler(int sig)
{
	(void)sig; /* only interrupts KVM_RUN */
}

static int create_vcpus(struct vmm *v, unsigned ncpus, char *err, size_t err_len)
{
	unsigned i;
	int e;

	v->run_size = ioctl(v->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (v->run_size <= 0) {
		snprintf(err, err_len, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		return -EIO;
	}
	for (i = 0; i < ncpus; i++) {
		struct vcpu *c = &v->vcpus[i];

		c->v = v;
		c->index = i;
		c->fd = ioctl(v->vm_fd, KVM_CREATE_VCPU, (unsigned long)i);
		if (c->fd < 0) {
			e = -errno;
			snprintf(err, err_len, "KVM_CREATE_VCPU %u: %s", i, strerror(errno));
			return e;
		}
		v->ncpus = i + 1;
		c->run = mmap(NULL, (size_t)v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
		if (c->run == MAP_FAILED) {
			c->run = NULL;
			e = -errno;
			snprintf(err, err_len, "mmap of vCPU %u's kvm_run: %s", i, strerror(errno));
			return e;
		}
		e = arch_vcpu_init(v->kvm_fd, c->fd, i, ncpus, err, err_len);
		if (e)
			return e;
	}
	return 0;
}

int vmm_create(struct vmm *v, struct machine *m, uint64_t mem, bool ram_shared, unsigned ncpus,
	       char *err, size_t err_len)
{
	struct sigaction sa;
	int e;

	v->m = m;
	bus_init(&v->pio);
	bus_init(&v->mmio);
	pthread_mutex_init(&v->stop_lock, NULL);
	pthread_mutex_init(&v->unh_lock, NULL);
	serial_init(&v->serial, STDOUT_FILENO, serial_irq, v);
	power_init(&v->power, m->desc.reset_value, m->desc.s5_slp_typ, power_event, v);
	if ((e = need_cap(v, KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP", err, err_len)) ||
	    (e = need_cap(v, KVM_CAP_IRQFD, "KVM_CAP_IRQFD", err, err_len)) ||
	    (e = need_cap(v, KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", err, err_len)) ||
	    (e = need_cap(v, KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT", err, err_len)))
		return e;
	v->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (v->wake_fd < 0) {
		e = -errno;
		snprintf(err, err_len, "eventfd: %s", strerror(errno));
		return e;
	}
	v->vm_fd = ioctl(v->kvm_fd, KVM_CREATE_VM, 0);
	if (v->vm_fd < 0) {
		e = -errno;
		snprintf(err, err_len, "KVM_CREATE_VM: %s", strerror(errno));
		return e;
	}
	e = guest_ram_create(&v->ram, mem, VDM_LAYOUT_HOLE_START, ram_shared, err, err_len);
	if (e)
		return e;
	e = guest_ram_map_kvm(&v->ram, v->vm_fd);
	if (e) {
		snprintf(err, err_len, "KVM_SET_USER_MEMORY_REGION: %s", strerror(-e));
		return e;
	}
	e = arch_vm_init(v->vm_fd, err, err_len);
	if (e)
		return e;
	e = machine_sandbox_connect_irqs(m, v, err, err_len); /* needs the irqchip */
	if (e)
		return e;
	e = wire_buses(v, err, err_len);
	if (e)
		return e;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler; /* no SA_RESTART: KVM_RUN must return EINTR */
	sigaction(SIGUSR1, &sa, NULL);
	e = create_vcpus(v, ncpus, err, err_len);
	if (e)
		return e;
	m->irq_opaque = v;
	m->irq = machine_irq_sink;
	return 0;
}

void vmm_destroy(struct vmm *v)
{
	unsigned i;

	if (v->m) {
		v->m->irq = NULL;
		v->m->irq_opaque = NULL;
	}
	for (i = 0; i < v->ncpus; i++) {
		if (v->vcpus[i].run)
			munmap(v->vcpus[i].run, (size_t)v->run_size);
		if (v->vcpus[i].fd >= 0)
			close(v->vcpus[i].fd);
	}
	v->ncpus = 0;
	if (v->vm_fd >= 0)
		close(v->vm_fd);
	if (v->kvm_fd >= 0)
		close(v->kvm_fd);
	if (v->wake_fd >= 0)
		close(v->wake_fd);
	v->vm_fd = v->kvm_fd = v->wake_fd = -1;
	guest_ram_destroy(&v->ram);
	bus_destroy(&v->pio);
	bus_destroy(&v->mmio);
	serial_destroy(&v->serial);
}

static void unhandled(struct vmm *v, const char *space, uint64_t addr, uint32_t size, bool write,
		      uint64_t value)
{
	bool mmio = space[0] == 'm';
	uint32_t n;
	unsigned i;

	atomic_fetch_add(mmio ? &v->unhandled_mmio : &v->unhandled_pio, 1);
	pthread_mutex_lock(&v->unh_lock);
	for (i = 0; i < v->n_unh; i++)
		if (v->unh[i].addr == addr && v->unh[i].mmio == mmio)
			break;
	if (i < v->n_unh) {
		v->unh[i].count++;
	} else if (v->n_unh < sizeof(v->unh) / sizeof(v->unh[0])) {
		v->unh[i].addr = addr;
		v->unh[i].mmio = mmio;
		v->unh[i].count = 1;
		v->n_unh++;
	}
	pthread_mutex_unlock(&v->unh_lock);
	n = atomic_fetch_add(&v->unhandled_logged, 1);
	if (n < UNHANDLED_LOG_MAX) {
		if (write)
			fprintf(stderr, "vmm-example: unhandled %s write 0x%llx size %u value 0x%llx%s\n",
				space, (unsigned long long)addr, size, (unsigned long long)value,
				n + 1 == UNHANDLED_LOG_MAX ? " (further ones only counted)" : "");
		else
			fprintf(stderr, "vmm-example: unhandled %s read 0x%llx size %u -> all-ones%s\n",
				space, (unsigned long long)addr, size,
				n + 1 == UNHANDLED_LOG_MAX ? " (further ones only counted)" : "");
	}
}

void vmm_unhandled_summary(struct vmm *v, char *buf, size_t len)
{
	size_t pos = 0;
	unsigned i;

	buf[0] = 0;
	pthread_mutex_lock(&v->unh_lock);
	for (i = 0; i < v->n_unh && pos + 40 < len; i++)
		pos += (size_t)snprintf(buf + pos, len - pos, "%s%s 0x%llx x%llu", i ? ", " : "",
					v->unh[i].mmio ? "mmio" : "port",
					(unsigned long long)v->unh[i].addr,
					(unsigned long long)v->unh[i].count);
	pthread_mutex_unlock(&v->unh_lock);
}

void vmm_pio(struct vmm *v, uint64_t port, uint32_t size, bool write, uint64_t *value)
{
	if (write) {
		if (!bus_write(&v->pio, port, size, *value) &&
		    !vdm_pci_host_pio_write(v->m->pci, port, size, *value))
			unhandled(v, "port", port, size, true, *value);
	} else if (!bus_read(&v->pio, port, size, value) &&
		   !vdm_pci_host_pio_read(v->m->pci, port, size, value)) {
		unhandled(v, "port", port, size, false, 0);
	}
}

void vmm_mmio(struct vmm *v, uint64_t addr, uint32_t size, bool write, uint64_t *value)
{
	if (write) {
		if (!bus_write(&v->mmio, addr, size, *value) &&
		    !vdm_pci_host_mmio_write(v->m->pci, addr, size, *value))
			unhandled(v, "mmio", addr, size, true, *value);
	} else if (!bus_read(&v->mmio, addr, size, value) &&
		   !vdm_pci_host_mmio_read(v->m->pci, addr, size, value)) {
		unhandled(v, "mmio", addr, size, false, 0);
	}
}

void vmm_stop(struct vmm *v, int status, const char *why)
{
	uint64_t one = 1;
	unsigned i;

	pthread_mutex_lock(&v->stop_lock);
	if (atomic_load(&v->stopping)) {
		pthread_mutex_unlock(&v->stop_lock);
		return;
	}
	v->status = status;
	v->t_end_ns = vmm_now_ns();
	atomic_store(&v->stopping, true);
	if (why)
		fprintf(stderr, "vmm-example: %s\n", why);
	for (i = 0; i < v->ncpus; i++) {
		struct vcpu *c = &v->vcpus[i];

		if (c->run)
			c->run->immediate_exit = 1;
		if (c->thread_started && !pthread_equal(c->thread, pthread_self()))
			pthread_kill(c->thread, SIGUSR1);
	}
	pthread_mutex_unlock(&v->stop_lock);
	if (v->wake_fd >= 0 && write(v->wake_fd, &one, sizeof(one)) < 0)
		(void)0; /* the main loop also polls the flag */
}
