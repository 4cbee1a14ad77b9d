/* CPUID leaves that describe which CPU a vCPU is and how the package is built; values per
 * the Intel SDM vol. 2A (CPUID) and AMD APM vol. 3 (CPUID Fn8000_0008/001E). */
#include <stddef.h>

#include "vcpu_cpuid.h"

uint32_t x86_id_bits(uint32_t count)
{
	uint32_t b = 0;

	while (count > 1 && (UINT32_C(1) << b) < count)
		b++;
	return b;
}

struct kvm_cpuid_entry2 *x86_cpuid_find(struct kvm_cpuid_entry2 *e, uint32_t n,
					uint32_t function, uint32_t index)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (e[i].function != function)
			continue;
		if (!(e[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e[i].index == index)
			return &e[i];
	}
	return NULL;
}

static void topo_leaf(struct kvm_cpuid_entry2 *c, uint32_t apic_id, uint32_t ncpus)
{
	uint32_t core_bits = x86_id_bits(ncpus);

	switch (c->index) {
	case 0: /* SMT level: one thread per core */
		c->eax = 0;
		c->ebx = 1;
		c->ecx = (1u << 8) | 0;
		break;
	case 1: /* core level: every vCPU is a core of the one package */
		c->eax = core_bits;
		c->ebx = ncpus;
		c->ecx = (2u << 8) | 1;
		break;
	default: /* invalid level: ends the enumeration */
		c->eax = 0;
		c->ebx = 0;
		c->ecx = c->index & 0xff;
		break;
	}
	c->edx = apic_id;
}

void x86_cpuid_patch(struct kvm_cpuid_entry2 *e, uint32_t n, uint32_t apic_id, uint32_t ncpus)
{
	uint32_t i;

	if (ncpus == 0)
		ncpus = 1;
	for (i = 0; i < n; i++) {
		struct kvm_cpuid_entry2 *c = &e[i];

		switch (c->function) {
		case 1:
			c->ebx = (c->ebx & 0x0000ffffu) | (apic_id << 24) |
				 ((ncpus > 255 ? 255 : ncpus) << 16);
			if (ncpus > 1)
				c->edx |= 1u << 28; /* HTT: EBX[23:16] is valid */
			else
				c->edx &= ~(1u << 28);
			c->ecx |= 1u << 31; /* running under a hypervisor */
			break;
		case 4: {
			uint32_t level = (c->eax >> 5) & 7;
			uint32_t sharing = level >= 3 ? ncpus - 1 : 0;

			if ((c->eax & 0x1f) == 0) /* no more caches */
				break;
			c->eax = (c->eax & 0x3fffu) | ((sharing & 0xfff) << 14) |
				 (((ncpus - 1) & 0x3f) << 26);
			break;
		}
		case 0xb:
		case 0x1f:
			topo_leaf(c, apic_id, ncpus);
			break;
		case 0x80000008:
			c->ecx = (c->ecx & ~0xf0ffu) | ((ncpus - 1) & 0xff) |
				 ((ncpus > 1 ? x86_id_bits(ncpus) : 0) << 12);
			break;
		case 0x8000001e:
			c->eax = apic_id;
			c->ebx = (c->ebx & ~0xffffu) | (apic_id & 0xff);
			c->ecx = 0;
			break;
		default:
			break;
		}
	}
}

void x86_cpuid_hide_xsave(struct kvm_cpuid_entry2 *e, uint32_t *n)
{
	uint32_t i, j;

	for (i = 0, j = 0; i < *n; i++) {
		struct kvm_cpuid_entry2 c = e[i];

		if (c.function == 0xd)
			continue; /* no XSAVE state enumeration at all */
		if (c.function == 1)
			/* FMA 12, XSAVE 26, OSXSAVE 27, AVX 28, F16C 29 */
			c.ecx &= ~((1u << 12) | (1u << 26) | (1u << 27) | (1u << 28) | (1u << 29));
		if (c.function == 7 && c.index == 0) {
			c.ebx &= ~((1u << 5) | (1u << 16) | (1u << 17) | (1u << 21) | (1u << 26) |
				   (1u << 27) | (1u << 28) | (1u << 30) | (1u << 31)); /* AVX2, AVX-512 */
			c.ecx &= ~((1u << 3) | (1u << 4)); /* PKU, OSPKE */
		}
		e[j++] = c;
	}
	*n = j;
}
