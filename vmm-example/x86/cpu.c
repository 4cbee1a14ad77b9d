/* x86 VM and vCPU set-up through KVM: interrupt controllers and GSI routing, CPUID, MSRs,
 * LAPIC LINT pins, the long-mode entry state and register dumps. */
#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "arch.h"
#include "vcpu_cpuid.h"

#define TSS_ADDR 0xfffbd000u         /* 3 pages, below the identity-map page */
#define IDENTITY_MAP_ADDR 0xfffbc000u /* VMX real-mode identity page table */
#define IOAPIC_PINS 24

#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_MTRR_DEF_TYPE 0x2ff

#define X86_CR0_PE (1u << 0)
#define X86_CR0_MP (1u << 1)
#define X86_CR0_ET (1u << 4)
#define X86_CR0_NE (1u << 5)
#define X86_CR0_WP (1u << 16)
#define X86_CR0_PG (1u << 31)
#define X86_CR4_PAE (1u << 5)
#define X86_CR4_OSFXSR (1u << 9)
#define X86_CR4_OSXMMEXCPT (1u << 10)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define EFER_NXE (1u << 11)

static struct kvm_cpuid2 *supported_cpuid(int kvm_fd)
{
	uint32_t n = 128;

	for (;;) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

		if (!c)
			return NULL;
		c->nent = n;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG || n >= 4096)
			return NULL;
		n *= 2;
	}
}

unsigned arch_guest_phys_bits(int kvm_fd)
{
	unsigned a, b, c, d, bits = 36;

	if (kvm_fd >= 0) {
		struct kvm_cpuid2 *cp = supported_cpuid(kvm_fd);
		struct kvm_cpuid_entry2 *e =
			cp ? x86_cpuid_find(cp->entries, cp->nent, 0x80000008, 0) : NULL;

		if (e && (e->eax & 0xff))
			bits = e->eax & 0xff;
		free(cp);
		return bits;
	}
	if (__get_cpuid(0x80000000, &a, &b, &c, &d) && a >= 0x80000008 &&
	    __get_cpuid(0x80000008, &a, &b, &c, &d) && (a & 0xff))
		bits = a & 0xff;
	return bits;
}

bool arch_has_1g_pages(int kvm_fd)
{
	struct kvm_cpuid2 *cp = supported_cpuid(kvm_fd);
	struct kvm_cpuid_entry2 *e = cp ? x86_cpuid_find(cp->entries, cp->nent, 0x80000001, 0) : NULL;
	bool r = e && (e->edx & (1u << 26));

	free(cp);
	return r;
}

int arch_vm_init(struct arch_vm *a, int vm_fd, const struct vdm_mach_desc *d, char *err,
		 size_t err_len)
{
	(void)d;
	a->vm_fd = vm_fd;
	uint64_t idmap = IDENTITY_MAP_ADDR;
	struct kvm_irq_routing *rt;
	unsigned i;
	int e;

	if (ioctl(vm_fd, KVM_SET_TSS_ADDR, (unsigned long)TSS_ADDR) < 0) {
		e = -errno;
		snprintf(err, err_len, "KVM_SET_TSS_ADDR: %s", strerror(errno));
		return e;
	}
	if (ioctl(vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0) {
		e = -errno;
		snprintf(err, err_len, "KVM_SET_IDENTITY_MAP_ADDR: %s", strerror(errno));
		return e;
	}
	if (ioctl(vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		e = -errno;
		snprintf(err, err_len, "KVM_CREATE_IRQCHIP: %s", strerror(errno));
		return e;
	}
	/* GSI n drives IOAPIC pin n only.  The guest is hardware-reduced ACPI (no 8259), so
	 * the PIC gets no routes: nothing can reach the CPU through a stray ExtINT. */
	rt = calloc(1, sizeof(*rt) + IOAPIC_PINS * sizeof(rt->entries[0]));
	if (!rt) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	rt->nr = IOAPIC_PINS;
	for (i = 0; i < IOAPIC_PINS; i++) {
		rt->entries[i].gsi = i;
		rt->entries[i].type = KVM_IRQ_ROUTING_IRQCHIP;
		rt->entries[i].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		rt->entries[i].u.irqchip.pin = i;
	}
	e = ioctl(vm_fd, KVM_SET_GSI_ROUTING, rt) < 0 ? -errno : 0;
	if (e)
		snprintf(err, err_len, "KVM_SET_GSI_ROUTING: %s", strerror(-e));
	free(rt);
	return e;
}

static int set_msrs(int vcpu_fd)
{
	/* struct kvm_msrs ends in a flexible array: a union gives it room for two entries
	 * (a struct member after it would be a GNU extension clang refuses under -Werror). */
	union {
		struct kvm_msrs h;
		uint8_t room[sizeof(struct kvm_msrs) + 2 * sizeof(struct kvm_msr_entry)];
	} m;

	memset(&m, 0, sizeof(m));
	m.h.nmsrs = 2;
	m.h.entries[0].index = MSR_IA32_MISC_ENABLE;
	m.h.entries[0].data = 1; /* fast strings */
	m.h.entries[1].index = MSR_MTRR_DEF_TYPE;
	m.h.entries[1].data = (1u << 11) | 6; /* MTRRs enabled, default type write-back */
	return ioctl(vcpu_fd, KVM_SET_MSRS, &m) == 2 ? 0 : -EIO;
}

static int set_lint(int vcpu_fd)
{
	struct kvm_lapic_state l;
	uint32_t *lvt0 = (uint32_t *)&l.regs[0x350], *lvt1 = (uint32_t *)&l.regs[0x360];

	if (ioctl(vcpu_fd, KVM_GET_LAPIC, &l) < 0)
		return -errno;
	/* As a PC BIOS leaves them: LINT0 = ExtINT, LINT1 = NMI. */
	*lvt0 = (*lvt0 & ~0x700u) | (7u << 8);
	*lvt1 = (*lvt1 & ~0x700u) | (4u << 8);
	return ioctl(vcpu_fd, KVM_SET_LAPIC, &l) < 0 ? -errno : 0;
}

/* QEMU's TCG advertises itself in the hypervisor leaf as "TCGTCGTCGTCG". */
static bool host_is_tcg(void)
{
	unsigned a, sig[3];

	__cpuid(0x40000000, a, sig[0], sig[1], sig[2]);
	(void)a;
	return !memcmp(sig, "TCGTCGTCGTCG", 12);
}

void arch_host_quirks(char *msg, size_t len)
{
	if (host_is_tcg())
		snprintf(msg, len, "host is QEMU TCG: XSAVE/AVX hidden from the guest (TCG's SVM "
			 "does not intercept XSETBV, so KVM cannot size the guest's XSAVE state)");
	else if (len)
		msg[0] = 0;
}

int arch_vcpu_init(const struct arch_vm *a, int kvm_fd, int vcpu_fd, unsigned index,
		   unsigned ncpus, char *err, size_t err_len)
{
	(void)a;
	struct kvm_cpuid2 *cp = supported_cpuid(kvm_fd);
	int e;

	if (!cp) {
		snprintf(err, err_len, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		return -EIO;
	}
	x86_cpuid_patch(cp->entries, cp->nent, index, ncpus);
	if (host_is_tcg())
		x86_cpuid_hide_xsave(cp->entries, &cp->nent);
	e = ioctl(vcpu_fd, KVM_SET_CPUID2, cp) < 0 ? -errno : 0;
	free(cp);
	if (e) {
		snprintf(err, err_len, "vCPU %u: KVM_SET_CPUID2: %s", index, strerror(-e));
		return e;
	}
	e = set_msrs(vcpu_fd);
	if (e) {
		snprintf(err, err_len, "vCPU %u: KVM_SET_MSRS (MISC_ENABLE, MTRRdefType) failed", index);
		return e;
	}
	e = set_lint(vcpu_fd);
	if (e)
		snprintf(err, err_len, "vCPU %u: LAPIC LINT set-up: %s", index, strerror(-e));
	return e;
}

static void flat_seg(struct kvm_segment *s, uint16_t sel, bool code)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffffu;
	s->selector = sel;
	s->type = code ? 0xb : 0x3; /* execute/read accessed, or read/write accessed */
	s->present = 1;
	s->s = 1;
	s->l = code;
	s->db = !code;
	s->g = 1;
}

int arch_vcpu_enter(int vcpu_fd, const struct arch_entry *e, char *err, size_t err_len)
{
	struct kvm_sregs sr;
	struct kvm_regs r;

	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sr) < 0) {
		snprintf(err, err_len, "KVM_GET_SREGS: %s", strerror(errno));
		return -errno;
	}
	flat_seg(&sr.cs, e->code_sel, true);
	flat_seg(&sr.ds, e->data_sel, false);
	if (e->prot32) { /* PVH: flat 32-bit segments, paging off (the kernel loads its GDT) */
		sr.cs.l = 0;
		sr.cs.db = 1;
	}
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	sr.gdt.base = e->gdt_base;
	sr.gdt.limit = e->gdt_limit;
	sr.idt.base = 0;
	sr.idt.limit = 0;
	if (e->prot32) {
		sr.cr0 = X86_CR0_PE | X86_CR0_ET;
		sr.cr3 = 0;
		sr.cr4 = 0;
		sr.efer = 0;
	} else {
		sr.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP |
			 X86_CR0_PG;
		sr.cr3 = e->cr3;
		sr.cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
		sr.efer = EFER_LME | EFER_LMA | EFER_NXE;
	}
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sr) < 0) {
		snprintf(err, err_len, "KVM_SET_SREGS (%s entry): %s",
			 e->prot32 ? "32-bit PVH" : "long mode", strerror(errno));
		return -errno;
	}
	memset(&r, 0, sizeof(r));
	r.rflags = 0x2;
	r.rip = e->rip;
	r.rsp = e->rsp;
	r.rsi = e->rsi;
	r.rdi = e->rdi;
	r.rbx = e->rbx;
	if (ioctl(vcpu_fd, KVM_SET_REGS, &r) < 0) {
		snprintf(err, err_len, "KVM_SET_REGS: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

void arch_vcpu_dump(int vcpu_fd, char *buf, size_t len)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	if (ioctl(vcpu_fd, KVM_GET_REGS, &r) < 0 || ioctl(vcpu_fd, KVM_GET_SREGS, &s) < 0) {
		snprintf(buf, len, "  (registers unavailable: %s)", strerror(errno));
		return;
	}
	snprintf(buf, len,
		 "  RIP=%016llx RSP=%016llx RFLAGS=%08llx\n"
		 "  CR0=%08llx CR2=%016llx CR3=%016llx CR4=%08llx EFER=%08llx\n"
		 "  CS=%04x base=%llx l=%u db=%u  DS=%04x base=%llx  SS=%04x base=%llx\n"
		 "  FS base=%llx GS base=%llx GDT=%llx/%x IDT=%llx/%x\n"
		 "  RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n"
		 "  RSI=%016llx RDI=%016llx RBP=%016llx R8 =%016llx\n"
		 "  R9 =%016llx R10=%016llx R11=%016llx R12=%016llx\n"
		 "  R13=%016llx R14=%016llx R15=%016llx",
		 r.rip, r.rsp, r.rflags, s.cr0, s.cr2, s.cr3, s.cr4, s.efer, s.cs.selector,
		 s.cs.base, s.cs.l, s.cs.db, s.ds.selector, s.ds.base, s.ss.selector, s.ss.base,
		 s.fs.base, s.gs.base, s.gdt.base, s.gdt.limit, s.idt.base, s.idt.limit, r.rax,
		 r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.r8, r.r9, r.r10, r.r11, r.r12, r.r13,
		 r.r14, r.r15);
	if (s.cs.base == 0xffff0000u && r.rip == 0xfff0) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "\n  (reset state: KVM on AMD SVM re-initialises a vCPU on "
			 "a triple fault, so the faulting registers are lost)");
	}
}

bool arch_vcpu_dead_halt(int vcpu_fd)
{
	struct kvm_mp_state mp;
	struct kvm_regs r;

	if (ioctl(vcpu_fd, KVM_GET_MP_STATE, &mp) < 0 || mp.mp_state != KVM_MP_STATE_HALTED)
		return false;
	if (ioctl(vcpu_fd, KVM_GET_REGS, &r) < 0)
		return false;
	return !(r.rflags & 0x200); /* IF clear: only NMI/INIT/SMI could wake it */
}
