/* arm64 VM and vCPU set-up for vmm-example: the in-kernel vGICv3 at the machine's addresses,
 * vCPUs initialised for KVM's preferred target with PSCI 0.2, entry registers and dumps. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "../arch.h"

#define CORE_REG(x) \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(x))
#define PSTATE_EL1H_DAIF 0x3c5u /* EL1 with SP_EL1, debug/SError/IRQ/FIQ masked */
#define PSTATE_I 0x80u
#define VGIC_NR_IRQS 128u /* 32 private + 96 SPIs: the machine's SPIs are all below 64 */

static int set_attr(int fd, uint32_t group, uint64_t attr, const void *val)
{
	struct kvm_device_attr a = { .group = group, .attr = attr, .addr = (uintptr_t)val };

	return ioctl(fd, KVM_SET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

unsigned arch_guest_phys_bits(int kvm_fd)
{
	(void)kvm_fd;
	return 40; /* KVM_CREATE_VM with type 0 */
}

int arch_vm_init(struct arch_vm *a, int vm_fd, const struct vdm_mach_desc *d, char *err,
		 size_t err_len)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	uint64_t dist = d->gicd.base, redist = d->gicr.base;
	uint32_t nr = VGIC_NR_IRQS;
	int e;

	a->vm_fd = vm_fd;
	a->vgic_fd = -1;
	if (ioctl(vm_fd, KVM_CREATE_DEVICE, &cd) < 0) {
		e = -errno;
		snprintf(err, err_len, "KVM_CREATE_DEVICE (vGICv3): %s: this KVM has no GICv3 "
			 "emulation (QEMU: -M virt,gic-version=3)", strerror(errno));
		return e;
	}
	if ((e = set_attr((int)cd.fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST,
			  &dist)) ||
	    (e = set_attr((int)cd.fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST,
			  &redist)) ||
	    (e = set_attr((int)cd.fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr))) {
		snprintf(err, err_len, "vGICv3 at 0x%llx/0x%llx: %s", (unsigned long long)dist,
			 (unsigned long long)redist, strerror(-e));
		close((int)cd.fd);
		return e;
	}
	a->vgic_fd = (int)cd.fd;
	return 0;
}

void arch_vm_destroy(struct arch_vm *a)
{
	if (a->vgic_fd >= 0)
		close(a->vgic_fd);
	a->vgic_fd = -1;
}

int arch_vm_finalize(struct arch_vm *a, char *err, size_t err_len)
{
	int e = set_attr(a->vgic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);

	if (e)
		snprintf(err, err_len, "vGICv3 init: %s", strerror(-e));
	return e;
}

int arch_vcpu_init(const struct arch_vm *a, int kvm_fd, int vcpu_fd, unsigned index,
		   unsigned ncpus, char *err, size_t err_len)
{
	struct kvm_vcpu_init init;
	int e;

	(void)kvm_fd;
	(void)ncpus;
	memset(&init, 0, sizeof(init));
	if (ioctl(a->vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0) {
		e = -errno;
		snprintf(err, err_len, "vCPU %u: KVM_ARM_PREFERRED_TARGET: %s", index,
			 strerror(errno));
		return e;
	}
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (index > 0)
		init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	if (ioctl(vcpu_fd, KVM_ARM_VCPU_INIT, &init) < 0) {
		e = -errno;
		snprintf(err, err_len, "vCPU %u: KVM_ARM_VCPU_INIT (target %u, PSCI 0.2): %s", index,
			 init.target, strerror(errno));
		return e;
	}
	return 0;
}

static int set_reg(int vcpu_fd, uint64_t id, uint64_t v)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)&v };

	return ioctl(vcpu_fd, KVM_SET_ONE_REG, &r) < 0 ? -errno : 0;
}

static int get_reg(int vcpu_fd, uint64_t id, uint64_t *v)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)v };

	return ioctl(vcpu_fd, KVM_GET_ONE_REG, &r) < 0 ? -errno : 0;
}

int arch_vcpu_enter(int vcpu_fd, const struct arch_entry *e, char *err, size_t err_len)
{
	int rc;

	if ((rc = set_reg(vcpu_fd, CORE_REG(regs.pstate), PSTATE_EL1H_DAIF)) ||
	    (rc = set_reg(vcpu_fd, CORE_REG(regs.regs[0]), e->x0)) ||
	    (rc = set_reg(vcpu_fd, CORE_REG(regs.regs[1]), 0)) ||
	    (rc = set_reg(vcpu_fd, CORE_REG(regs.regs[2]), 0)) ||
	    (rc = set_reg(vcpu_fd, CORE_REG(regs.regs[3]), 0)) ||
	    (rc = set_reg(vcpu_fd, CORE_REG(regs.pc), e->pc)))
		snprintf(err, err_len, "KVM_SET_ONE_REG (entry at 0x%llx): %s",
			 (unsigned long long)e->pc, strerror(-rc));
	return rc;
}

void arch_vcpu_dump(int vcpu_fd, char *buf, size_t len)
{
	uint64_t pc = 0, sp = 0, pstate = 0, x;
	size_t n;

	get_reg(vcpu_fd, CORE_REG(regs.pc), &pc);
	get_reg(vcpu_fd, CORE_REG(sp_el1), &sp);
	get_reg(vcpu_fd, CORE_REG(regs.pstate), &pstate);
	n = (size_t)snprintf(buf, len, "PC %016llx SP_EL1 %016llx PSTATE %08llx",
			     (unsigned long long)pc, (unsigned long long)sp,
			     (unsigned long long)pstate);
	for (int i = 0; i < 31 && n < len; i++) {
		x = 0;
		get_reg(vcpu_fd, CORE_REG(regs.regs[i]), &x);
		n += (size_t)snprintf(buf + n, len - n, "%sX%d %016llx", i % 4 ? " " : "\n", i,
				      (unsigned long long)x);
	}
}

bool arch_vcpu_dead_halt(int vcpu_fd)
{
	struct kvm_mp_state mp;
	uint64_t pstate = 0;

	return ioctl(vcpu_fd, KVM_GET_MP_STATE, &mp) == 0 && mp.mp_state == KVM_MP_STATE_HALTED &&
	       get_reg(vcpu_fd, CORE_REG(regs.pstate), &pstate) == 0 && (pstate & PSTATE_I);
}

void arch_host_quirks(char *msg, size_t len)
{
	if (len)
		msg[0] = 0;
}
