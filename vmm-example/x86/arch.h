/* The narrow architecture interface of vmm-example, x86_64 implementation (x86/): VM and
 * vCPU set-up, CPUID/MSRs, the boot protocols (Linux bzImage, flat payload) and register
 * dumps.  The machine core calls only these; arm64/arch.h declares the same functions. */
#ifndef VMM_X86_ARCH_H
#define VMM_X86_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct guest_ram;
struct vdm_mach_desc;

#include <vdm/machine_desc.h>

/* The machine libvdm-machine builds for this architecture. */
#define ARCH_VDM_ARCH VDM_ARCH_X86_64

/* arch_load_linux also takes an uncompressed vmlinux ELF (PVH entry): the default guest's
 * "vmlinux" is preferred over its bzImage "vmlinuz". */
#define ARCH_HAS_PVH 1

/* Added to Linux's command line unless it has a pci= parameter: Linux's early PCI quirks
 * (arch/x86/kernel/early-quirks.c: chipset fixes for Intel, AMD, NVIDIA and ATI hardware this
 * machine does not have) scan all 256 buses through 0xCF8/0xCFC before the PCI core runs,
 * 16k port exits per boot; pci=noearly skips them (BENCHMARKS.md, boot breakdown). */
#define ARCH_LINUX_CMDLINE_EXTRA "pci=noearly"

/* RAM below the 32-bit hole at most (the rest goes above 4 GiB). */
#define ARCH_RAM_LOW_LIMIT UINT64_C(0xC0000000)

/* Guest-physical area where the ACPI tables go (RSDP first, 16-byte aligned, inside the
 * legacy RSDP scan window 0xE0000..0xFFFFF). */
#define ARCH_ACPI_BASE UINT64_C(0xE0000)
#define ARCH_ACPI_SIZE UINT64_C(0x20000)

/* Where the boot vCPU starts and what it holds (filled by arch_load_*). */
struct arch_entry {
	bool prot32; /* 32-bit protected mode, no paging (the PVH entry); else long mode */
	uint64_t rip, rsp, rsi, rdi, rbx;
	uint64_t cr3;
	uint16_t code_sel, data_sel;
	uint64_t gdt_base;
	uint16_t gdt_limit;
};

/* Physical address bits the guest will see (CPUID 0x80000008 EAX[7:0] as KVM offers it, or
 * the host CPU's when kvm_fd < 0). */
unsigned arch_guest_phys_bits(int kvm_fd);

/* What the arch keeps per VM (x86: the VM's fd only). */
struct arch_vm {
	int vm_fd;
};

/* Per-VM set-up done before any vCPU exists: TSS and identity-map pages, the in-kernel
 * interrupt controllers and the GSI routing (GSI n -> IOAPIC pin n).  0 or -errno. */
int arch_vm_init(struct arch_vm *a, int vm_fd, const struct vdm_mach_desc *d, char *err,
		 size_t err_len);

/* Per-VM set-up once every vCPU exists (x86: nothing), and its teardown. */
static inline int arch_vm_finalize(struct arch_vm *a, char *why, size_t why_len)
{
	(void)a;
	(void)why;
	(void)why_len;
	return 0;
}
static inline void arch_vm_destroy(struct arch_vm *a)
{
	(void)a;
}

/* The machine's interrupt number `gsi` as KVM_IRQ_LINE's and KVM_IRQFD's fields take it
 * (x86: the IOAPIC pin, as is). */
static inline uint32_t arch_irq_line(uint32_t gsi)
{
	return gsi;
}
static inline uint32_t arch_irqfd_gsi(uint32_t gsi)
{
	return gsi;
}

/*
 * Per-vCPU set-up: CPUID (KVM's supported set with APIC id, topology for `ncpus` and the
 * KVM paravirt leaves kept so kvmclock works), MSRs, LAPIC LINT0/LINT1.
 */
int arch_vcpu_init(const struct arch_vm *a, int kvm_fd, int vcpu_fd, unsigned index,
		   unsigned ncpus, char *err, size_t err_len);

/* Load Linux (+ initrd, cmdline) and fill *e.  `kernel` is told apart by its content: an
 * uncompressed vmlinux ELF boots through its PVH entry (no decompressor runs; x86/pvh.h),
 * a bzImage through the 64-bit boot protocol; anything else is refused naming both.
 * `dt_boot` (a device-tree boot) is for arm64 and is refused here. */
int arch_load_linux(const struct guest_ram *ram, const struct vdm_mach_desc *m,
		    const uint8_t *kernel, size_t kernel_len, const uint8_t *initrd,
		    size_t initrd_len, const char *cmdline, uint64_t rsdp, bool dt_boot,
		    struct arch_entry *e, char *err, size_t err_len);

/* Load a flat payload per vmm-example/PAYLOAD.md; fill *e.  `pdpe1gb`: 1 GiB pages usable. */
int arch_load_payload(const struct guest_ram *ram, const struct vdm_mach_desc *m,
		      const uint8_t *image, size_t len, uint64_t rsdp, unsigned phys_bits,
		      struct arch_entry *e, char *err, size_t err_len);

/* True when KVM offers 1 GiB pages to the guest. */
bool arch_has_1g_pages(int kvm_fd);

/*
 * Host quirks the vCPUs work around, as one line for the user ("" when none).  Now: under
 * QEMU TCG's emulated SVM (the nested set-up of scripts/nested-run.sh) XSAVE is hidden
 * from the guest because TCG does not intercept XSETBV.
 */
void arch_host_quirks(char *msg, size_t len);

/* Put the boot vCPU at the entry point (long mode, flat segments, registers). */
int arch_vcpu_enter(int vcpu_fd, const struct arch_entry *e, char *err, size_t err_len);

/* Registers of a vCPU as text, for crash reports (RIP, RSP, CR0/2/3/4, EFER, segments, GPRs). */
void arch_vcpu_dump(int vcpu_fd, char *buf, size_t len);

/* True when the vCPU sits in HLT with interrupts disabled (it can never wake up). */
bool arch_vcpu_dead_halt(int vcpu_fd);

#endif /* VMM_X86_ARCH_H */
