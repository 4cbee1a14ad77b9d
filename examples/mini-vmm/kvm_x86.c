/* mini-vmm's KVM half: the VM, its RAM and in-kernel irqchip, one vCPU with the CPUID KVM
 * supports, and the Linux boot protocol's 32-bit entry (no page tables needed). */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kvm_x86.h"

#define TSS_ADDR 0xfffbd000u    /* three pages KVM needs on Intel, below the 4 GiB top */
#define IDMAP_ADDR 0xfffbc000u
#define ZERO_PAGE 0x7000u       /* struct boot_params */
#define CMDLINE_ADDR 0x20000u
#define KERNEL_ADDR 0x100000u   /* where the protected-mode kernel is loaded */
#define MAX_CPUID 256

static int fail(char *err, size_t len, int rc, const char *what)
{
	snprintf(err, len, "%s: %s", what, strerror(-rc));
	return rc;
}

/* Under QEMU TCG's emulated SVM (the nested set-up here) KVM cannot size the guest's XSAVE
 * state (TCG does not intercept XSETBV): the guest must not see XSAVE or AVX. */
static void hide_xsave_under_tcg(struct kvm_cpuid2 *c)
{
	unsigned a, s[3], i, j;

	__cpuid(0x40000000, a, s[0], s[1], s[2]);
	if (memcmp(s, "TCGTCGTCGTCG", 12))
		return;
	for (i = j = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 e = c->entries[i];

		if (e.function == 0xd)
			continue;
		if (e.function == 1) /* FMA, XSAVE, OSXSAVE, AVX, F16C */
			e.ecx &= ~(1u << 12 | 1u << 26 | 1u << 27 | 1u << 28 | 1u << 29);
		if (e.function == 7 && e.index == 0) { /* AVX2, AVX-512, PKU */
			e.ebx &= ~(1u << 5 | 1u << 16 | 1u << 17 | 1u << 21 | 1u << 26 | 1u << 27 |
				   1u << 28 | 1u << 30 | 1u << 31);
			e.ecx &= ~(1u << 3 | 1u << 4);
		}
		c->entries[j++] = e;
	}
	c->nent = j;
}

/* GSI n drives IOAPIC pin n only: the machine is hardware-reduced ACPI (no 8259), so the PIC
 * gets no routes and nothing reaches the CPU through a stray ExtINT. */
static int route_gsis_to_ioapic(struct mini_kvm *k)
{
	struct kvm_irq_routing *rt = calloc(1, sizeof(*rt) + 24 * sizeof(rt->entries[0]));
	int rc = 0;

	if (!rt)
		return -ENOMEM;
	rt->nr = 24;
	for (uint32_t i = 0; i < 24; i++) {
		rt->entries[i].gsi = i;
		rt->entries[i].type = KVM_IRQ_ROUTING_IRQCHIP;
		rt->entries[i].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		rt->entries[i].u.irqchip.pin = i;
	}
	if (ioctl(k->vm, KVM_SET_GSI_ROUTING, rt) < 0)
		rc = -errno;
	free(rt);
	return rc;
}

static int setup_vcpu(struct mini_kvm *k)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + MAX_CPUID * sizeof(c->entries[0]));
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[2];
	} msrs = { .h.nmsrs = 2 };
	struct kvm_lapic_state l;
	int rc = 0;

	if (!c)
		return -ENOMEM;
	c->nent = MAX_CPUID;
	if (ioctl(k->kvm, KVM_GET_SUPPORTED_CPUID, c) < 0)
		rc = -errno;
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == 1) /* "under a hypervisor": Linux then finds kvmclock */
			c->entries[i].ecx |= 1u << 31;
	hide_xsave_under_tcg(c);
	if (!rc && ioctl(k->vcpu, KVM_SET_CPUID2, c) < 0)
		rc = -errno;
	free(c);
	/* As firmware leaves them: fast strings on, MTRRs on with write-back default. */
	msrs.e[0].index = 0x1a0; /* IA32_MISC_ENABLE */
	msrs.e[0].data = 1;
	msrs.e[1].index = 0x2ff; /* MTRRdefType */
	msrs.e[1].data = 1u << 11 | 6;
	if (!rc && ioctl(k->vcpu, KVM_SET_MSRS, &msrs) != 2)
		rc = -EIO;
	/* LINT0 ExtINT, LINT1 NMI, as a PC BIOS leaves the local APIC. */
	if (!rc && ioctl(k->vcpu, KVM_GET_LAPIC, &l) == 0) {
		uint32_t *lvt0 = (uint32_t *)&l.regs[0x350], *lvt1 = (uint32_t *)&l.regs[0x360];

		*lvt0 = (*lvt0 & ~0x700u) | 7u << 8;
		*lvt1 = (*lvt1 & ~0x700u) | 4u << 8;
		if (ioctl(k->vcpu, KVM_SET_LAPIC, &l) < 0)
			rc = -errno;
	}
	return rc;
}

int mini_kvm_create(struct mini_kvm *k, uint64_t ram_size, char *err, size_t len)
{
	struct kvm_userspace_memory_region slot = { .guest_phys_addr = 0 };
	uint64_t idmap = IDMAP_ADDR;
	int run_size;

	memset(k, 0, sizeof(*k));
	k->kvm = k->vm = k->vcpu = -1;
	if (ram_size > (UINT64_C(3) << 30))
		return fail(err, len, -EINVAL, "RAM above 3 GiB (mini-vmm has one RAM slot)");
	k->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (k->kvm < 0)
		return fail(err, len, -errno, "/dev/kvm");
	k->vm = ioctl(k->kvm, KVM_CREATE_VM, 0);
	if (k->vm < 0)
		return fail(err, len, -errno, "KVM_CREATE_VM");
	k->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (k->ram == MAP_FAILED) {
		k->ram = NULL;
		return fail(err, len, -errno, "guest RAM");
	}
	k->ram_size = ram_size;
	slot.memory_size = ram_size;
	slot.userspace_addr = (uintptr_t)k->ram;
	if (ioctl(k->vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		return fail(err, len, -errno, "KVM_SET_USER_MEMORY_REGION");
	if (ioctl(k->vm, KVM_SET_TSS_ADDR, (unsigned long)TSS_ADDR) < 0 ||
	    ioctl(k->vm, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0 ||
	    ioctl(k->vm, KVM_CREATE_IRQCHIP, 0) < 0)
		return fail(err, len, -errno, "KVM TSS, identity map or irqchip");
	if (route_gsis_to_ioapic(k))
		return fail(err, len, -errno, "KVM_SET_GSI_ROUTING");
	k->vcpu = ioctl(k->vm, KVM_CREATE_VCPU, 0);
	run_size = ioctl(k->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (k->vcpu < 0 || run_size <= 0)
		return fail(err, len, -errno, "KVM_CREATE_VCPU");
	k->run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, k->vcpu, 0);
	if (k->run == MAP_FAILED) {
		k->run = NULL;
		return fail(err, len, -errno, "mmap of kvm_run");
	}
	return setup_vcpu(k) ? fail(err, len, -EIO, "vCPU CPUID, MSRs or LAPIC") : 0;
}

void mini_kvm_destroy(struct mini_kvm *k)
{
	if (k->vcpu >= 0)
		close(k->vcpu);
	if (k->vm >= 0)
		close(k->vm);
	if (k->kvm >= 0)
		close(k->kvm);
	if (k->ram)
		munmap(k->ram, k->ram_size);
}

unsigned mini_kvm_phys_bits(struct mini_kvm *k)
{
	unsigned a, b, c, d;

	(void)k;
	__cpuid(0x80000008, a, b, c, d);
	return a & 0xff;
}

void mini_kvm_irq(struct mini_kvm *k, uint32_t gsi, uint32_t level)
{
	struct kvm_irq_level l = { .irq = gsi, .level = level };

	ioctl(k->vm, KVM_IRQ_LINE, &l);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* The e820 table of boot_params (0x2d0, count at 0x1e8): RAM and reserved ranges. */
static void e820(uint8_t *bp, const struct vdm_mach_desc *d)
{
	uint32_t i, n = 0;

	for (i = 0; i < d->num_ram + d->num_reserved && n < 128; i++, n++) {
		const struct vdm_range *r = i < d->num_ram ? &d->ram[i] : &d->reserved[i - d->num_ram];
		uint8_t *e = bp + 0x2d0 + 20 * n;

		memcpy(e, &r->base, 8);
		memcpy(e + 8, &r->size, 8);
		put32(e + 16, i < d->num_ram ? 1 : 2);
	}
	bp[0x1e8] = (uint8_t)n;
}

int mini_kvm_load_linux(struct mini_kvm *k, const struct vdm_mach_desc *desc,
			const uint8_t *kernel, size_t kernel_len, const uint8_t *initrd,
			size_t initrd_len, const char *cmdline, uint64_t rsdp, char *err,
			size_t len)
{
	uint8_t *bp = k->ram + ZERO_PAGE;
	struct kvm_segment cs = { .limit = 0xffffffff, .selector = 0x10, .type = 11,
				  .present = 1, .db = 1, .s = 1, .g = 1 };
	struct kvm_segment ds = cs;
	struct kvm_sregs sr;
	struct kvm_regs r = { .rflags = 2, .rsi = ZERO_PAGE };
	uint32_t setup, initrd_max, initrd_addr;
	uint16_t version;

	if (kernel_len < 0x264 || memcmp(kernel + 0x202, "HdrS", 4))
		return fail(err, len, -EINVAL, "--kernel: not a bzImage (no HdrS header)");
	memcpy(&version, kernel + 0x206, 2);
	if (version < 0x20e)
		return fail(err, len, -EINVAL, "--kernel: boot protocol before 2.14");
	setup = (kernel[0x1f1] ? kernel[0x1f1] : 4) + 1u;
	if ((uint64_t)setup * 512 >= kernel_len ||
	    KERNEL_ADDR + kernel_len - setup * 512 > k->ram_size)
		return fail(err, len, -EINVAL, "--kernel: truncated, or too big for the RAM");
	memcpy(&initrd_max, kernel + 0x22c, 4);
	initrd_max = initrd_max < k->ram_size - 1 ? initrd_max : (uint32_t)(k->ram_size - 1);
	initrd_addr = (uint32_t)((initrd_max + 1 - initrd_len) & ~0xfffu);
	if (initrd_len && (initrd_len > initrd_max || initrd_addr < KERNEL_ADDR + kernel_len))
		return fail(err, len, -E2BIG, "--initrd: does not fit below the kernel's limit");
	if (strlen(cmdline) >= 0x10000)
		return fail(err, len, -E2BIG, "--append: command line too long");
	memcpy(k->ram + KERNEL_ADDR, kernel + setup * 512, kernel_len - setup * 512);
	memcpy(k->ram + initrd_addr, initrd, initrd_len);
	memcpy(k->ram + CMDLINE_ADDR, cmdline, strlen(cmdline) + 1);
	memset(bp, 0, 4096);
	memcpy(bp + 0x1f1, kernel + 0x1f1, 0x202 + kernel[0x201] - 0x1f1); /* setup header */
	bp[0x210] = 0xff;       /* type_of_loader: undefined */
	bp[0x211] |= 0x80;      /* loadflags: CAN_USE_HEAP */
	put32(bp + 0x228, CMDLINE_ADDR);
	put32(bp + 0x218, initrd_len ? initrd_addr : 0);
	put32(bp + 0x21c, (uint32_t)initrd_len);
	memcpy(bp + 0x070, &rsdp, 8); /* acpi_rsdp_addr */
	e820(bp, desc);
	if (ioctl(k->vcpu, KVM_GET_SREGS, &sr) < 0)
		return fail(err, len, -errno, "KVM_GET_SREGS");
	ds.type = 3;
	ds.selector = 0x18;
	sr.cs = cs;
	sr.ds = sr.es = sr.fs = sr.gs = sr.ss = ds;
	sr.cr0 = 0x11; /* PE | ET: protected mode, no paging, caches on (32-bit entry) */
	memcpy(&setup, kernel + 0x214, 4); /* code32_start */
	r.rip = setup;
	if (ioctl(k->vcpu, KVM_SET_SREGS, &sr) < 0 || ioctl(k->vcpu, KVM_SET_REGS, &r) < 0)
		return fail(err, len, -errno, "KVM_SET_SREGS/REGS");
	return 0;
}
