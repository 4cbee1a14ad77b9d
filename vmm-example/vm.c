/* The KVM VM of vmm-example: /dev/kvm, guest RAM slots, the in-kernel irqchip, interrupt
 * lines and irqfds, where exits go (the machine first), and how a run is stopped. */
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
#include <vdm/machine.h>

#include "machine_sandbox.h"
#include "vmm.h"
#include "vmm_machine.h"
#include "arch.h"

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
	struct kvm_irq_level l = { .irq = arch_irq_line(gsi), .level = level };

	if (v->vm_fd >= 0)
		ioctl(v->vm_fd, KVM_IRQ_LINE, &l);
}

int vmm_irqfd(struct vmm *v, int fd, uint32_t gsi, int resample_fd)
{
	struct kvm_irqfd f = { .fd = (uint32_t)fd, .gsi = arch_irqfd_gsi(gsi) };

	if (resample_fd >= 0) {
		f.flags = KVM_IRQFD_FLAG_RESAMPLE;
		f.resamplefd = (uint32_t)resample_fd;
	}
	return ioctl(v->vm_fd, KVM_IRQFD, &f) < 0 ? -errno : 0;
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
		e = arch_vcpu_init(&v->arch, v->kvm_fd, c->fd, i, ncpus, err, err_len);
		if (e)
			return e;
	}
	return 0;
}

int vmm_create(struct vmm *v, struct vmm_machine *vm, uint64_t mem, bool ram_shared,
	       unsigned ncpus, char *err, size_t err_len)
{
	struct sigaction sa;
	int e;

	v->vm = vm;
	v->m = vm->m;
	pthread_mutex_init(&v->stop_lock, NULL);
	pthread_mutex_init(&v->unh_lock, NULL);
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
	e = guest_ram_create(&v->ram, mem, vdm_machine_desc(v->m)->ram[0].base,
			     ARCH_RAM_LOW_LIMIT, ram_shared, err, err_len);
	if (e)
		return e;
	e = guest_ram_map_kvm(&v->ram, v->vm_fd);
	if (e) {
		snprintf(err, err_len, "KVM_SET_USER_MEMORY_REGION: %s", strerror(-e));
		return e;
	}
	e = arch_vm_init(&v->arch, v->vm_fd, vdm_machine_desc(v->m), err, err_len);
	if (e)
		return e;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler; /* no SA_RESTART: KVM_RUN must return EINTR */
	sigaction(SIGUSR1, &sa, NULL);
	e = create_vcpus(v, ncpus, err, err_len);
	if (!e)
		e = arch_vm_finalize(&v->arch, err, err_len);
	/* Needs the irqchip complete: arm64 KVM refuses an irqfd (EAGAIN) before its vGIC is
	 * initialised, which needs the vCPUs. */
	if (!e)
		e = machine_sandbox_connect_irqs(v->m, v, err, err_len);
	if (e)
		return e;
	vm->v = v; /* interrupts, power and console now reach this VM */
	return 0;
}

void vmm_destroy(struct vmm *v)
{
	unsigned i;

	if (v->vm)
		v->vm->v = NULL;
	for (i = 0; i < v->ncpus; i++) {
		if (v->vcpus[i].run)
			munmap(v->vcpus[i].run, (size_t)v->run_size);
		if (v->vcpus[i].fd >= 0)
			close(v->vcpus[i].fd);
	}
	v->ncpus = 0;
	if (v->vm_fd >= 0) {
		arch_vm_destroy(&v->arch);
		close(v->vm_fd);
	}
	if (v->kvm_fd >= 0)
		close(v->kvm_fd);
	if (v->wake_fd >= 0)
		close(v->wake_fd);
	v->vm_fd = v->kvm_fd = v->wake_fd = -1;
	guest_ram_destroy(&v->ram);
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
	if (v->no_cf8 && port >= 0xcf8 && port < 0xd00) { /* no mechanism #1: all-ones, quietly */
		if (!write)
			*value = size >= 8 ? UINT64_MAX : (UINT64_C(1) << (8 * size)) - 1;
		return;
	}
	if (write ? vdm_machine_pio_write(v->m, port, size, *value)
		  : vdm_machine_pio_read(v->m, port, size, value))
		return;
	if (port == DEBUG_PORT && size == 1) {
		*value = write ? *value : 0xff; /* POST codes and Linux's io_delay: accepted */
		return;
	}
	unhandled(v, "port", port, size, write, write ? *value : 0);
}

void vmm_mmio(struct vmm *v, uint64_t addr, uint32_t size, bool write, uint64_t *value)
{
	if (write ? vdm_machine_mmio_write(v->m, addr, size, *value)
		  : vdm_machine_mmio_read(v->m, addr, size, value))
		return;
	unhandled(v, "mmio", addr, size, write, write ? *value : 0);
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

void vmm_wake_loop(struct vmm *v)
{
	uint64_t one = 1;

	if (v->wake_fd >= 0 && write(v->wake_fd, &one, sizeof(one)) < 0)
		(void)0; /* counter full: a wake-up is pending anyway */
}
