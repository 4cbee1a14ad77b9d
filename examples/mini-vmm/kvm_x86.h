/* mini-vmm's KVM half: one VM with guest RAM at address 0 and the in-kernel interrupt
 * controllers, one vCPU set up to enter a bzImage at its 32-bit entry point. */
#ifndef MINI_KVM_X86_H
#define MINI_KVM_X86_H

#include <stddef.h>
#include <stdint.h>

#include <vdm/machine_desc.h>

struct kvm_run;

struct mini_kvm {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	uint8_t *ram;
	uint64_t ram_size;
};

/* /dev/kvm, a VM with `ram_size` bytes of RAM at guest address 0 (at most 3 GiB: one slot
 * below the PCI hole), an IOAPIC/PIC/LAPIC in the kernel, one vCPU.  0 or -errno (err). */
int mini_kvm_create(struct mini_kvm *k, uint64_t ram_size, char *err, size_t len);
void mini_kvm_destroy(struct mini_kvm *k);

/* Guest physical address bits KVM gives the guest (CPUID 0x80000008). */
unsigned mini_kvm_phys_bits(struct mini_kvm *k);

/*
 * Load a bzImage and its initrd per the Linux x86 boot protocol (2.14+: the RSDP goes in the
 * zero page), with the memory map of `desc`, and point the vCPU at the 32-bit entry.
 * 0 or -errno (err).
 */
int mini_kvm_load_linux(struct mini_kvm *k, const struct vdm_mach_desc *desc,
			const uint8_t *kernel, size_t kernel_len, const uint8_t *initrd,
			size_t initrd_len, const char *cmdline, uint64_t rsdp, char *err,
			size_t len);

/* Drive interrupt `gsi` to `level` (KVM_IRQ_LINE). */
void mini_kvm_irq(struct mini_kvm *k, uint32_t gsi, uint32_t level);

#endif /* MINI_KVM_X86_H */
