/* The narrow architecture interface of vmm-example, arm64 implementation (arm64/): the VM's
 * vGICv3, vCPUs with PSCI, the arm64 Image boot with the UEFI hand-off (ACPI) or a device tree. */
#ifndef VMM_ARM64_ARCH_H
#define VMM_ARM64_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vdm/machine_desc.h>

struct guest_ram;

/* The machine libvdm-machine builds for this architecture. */
#define ARCH_VDM_ARCH VDM_ARCH_ARM64

/* RAM in one piece (the arm64 map has no hole below 4 GiB to go around). */
#define ARCH_RAM_LOW_LIMIT UINT64_MAX

/* Where the boot vCPU starts and what it holds (filled by arch_load_linux). */
struct arch_entry {
	uint64_t pc; /* the Image's first instruction */
	uint64_t x0; /* the device tree */
};

/* What the arch keeps per VM: the vGIC's device fd. */
struct arch_vm {
	int vm_fd;
	int vgic_fd; /* -1 until arch_vm_init */
};

/* Guest IPA bits: what KVM_CREATE_VM gives without asking for more (40). */
unsigned arch_guest_phys_bits(int kvm_fd);

/* Before any vCPU: the vGICv3 (distributor and redistributors where the machine has them,
 * 128 interrupt lines).  0 or -errno with err. */
int arch_vm_init(struct arch_vm *a, int vm_fd, const struct vdm_mach_desc *d, char *err,
		 size_t err_len);

/* After every vCPU exists: initialise the vGIC (KVM needs the vCPUs first).  0 or -errno. */
int arch_vm_finalize(struct arch_vm *a, char *err, size_t err_len);

/* Close what arch_vm_init opened. */
void arch_vm_destroy(struct arch_vm *a);

/* KVM_IRQ_LINE's field for GIC interrupt `intid` (an SPI: type SPI, the INTID); KVM_IRQFD's
 * GSI for it (SPIs are numbered from 0 = INTID 32). */
static inline uint32_t arch_irq_line(uint32_t intid)
{
	return (1u << 24) | intid; /* KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT */
}
static inline uint32_t arch_irqfd_gsi(uint32_t intid)
{
	return intid - 32;
}

/* Per-vCPU set-up: KVM_ARM_VCPU_INIT with the preferred target and PSCI 0.2; every vCPU but
 * the first starts powered off (the guest brings it up with PSCI CPU_ON). */
int arch_vcpu_init(const struct arch_vm *a, int kvm_fd, int vcpu_fd, unsigned index,
		   unsigned ncpus, char *err, size_t err_len);

/*
 * Load an arm64 Image (+ initrd, cmdline) per Documentation/arm64/booting.rst and put the
 * hand-off in the firmware area at the top of RAM: with ACPI (dt_boot false) the UEFI system
 * table and memory map (vdm/efi.h) and a device tree holding only /chosen (efi=noruntime is
 * added to the command line); with dt_boot, the machine's whole device tree.  Fills *e.
 */
int arch_load_linux(const struct guest_ram *ram, const struct vdm_mach_desc *m,
		    const uint8_t *kernel, size_t kernel_len, const uint8_t *initrd,
		    size_t initrd_len, const char *cmdline, uint64_t rsdp, bool dt_boot,
		    struct arch_entry *e, char *err, size_t err_len);

/* Flat test payloads are x86 code: refused with -ENOTSUP. */
int arch_load_payload(const struct guest_ram *ram, const struct vdm_mach_desc *m,
		      const uint8_t *image, size_t len, uint64_t rsdp, unsigned phys_bits,
		      struct arch_entry *e, char *err, size_t err_len);
static inline bool arch_has_1g_pages(int kvm_fd)
{
	(void)kvm_fd;
	return false;
}

/* No host quirks to work around on arm64 (msg = ""). */
void arch_host_quirks(char *msg, size_t len);

/* Put the boot vCPU at the entry: PC, X0 = device tree, EL1h with DAIF masked. */
int arch_vcpu_enter(int vcpu_fd, const struct arch_entry *e, char *err, size_t err_len);

/* Registers of a vCPU as text, for crash reports (PC, SP, PSTATE, X0..X30). */
void arch_vcpu_dump(int vcpu_fd, char *buf, size_t len);

/* A vCPU in WFI with every interrupt masked can never wake; KVM handles WFI in the kernel, so
 * this reads the vCPU's PSTATE and MP state: true only when halted with DAIF.I set. */
bool arch_vcpu_dead_halt(int vcpu_fd);

#endif /* VMM_ARM64_ARCH_H */
