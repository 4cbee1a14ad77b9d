/* CPUID shaping for vmm-example's vCPUs: APIC ids and a one-package topology on top of
 * what KVM_GET_SUPPORTED_CPUID offers.  Pure functions, unit-tested. */
#ifndef VMM_X86_VCPU_CPUID_H
#define VMM_X86_VCPU_CPUID_H

#include <stdint.h>

#include <linux/kvm.h>

/*
 * Rewrite the topology-bearing leaves of `e[0..n)` for the vCPU with APIC id `apic_id` in
 * a machine of `ncpus` single-threaded cores in one package:
 *   1:          EBX[31:24] APIC id, EBX[23:16] ncpus, EDX.HTT when ncpus > 1, ECX.HYPERVISOR
 *   4:          EAX[31:26] cores - 1, EAX[25:14] sharing (0, or ncpus - 1 for level >= 3)
 *   0xB, 0x1F:  SMT level (1 thread), core level (ncpus), EDX = x2APIC id
 *   0x80000008: ECX NC = ncpus - 1, ApicIdSize
 *   0x8000001E: EAX extended APIC id, EBX compute unit = APIC id
 * Other leaves (including the KVM paravirt leaves 0x40000000.. that kvmclock needs) stay
 * as KVM offered them.
 */
void x86_cpuid_patch(struct kvm_cpuid_entry2 *e, uint32_t n, uint32_t apic_id, uint32_t ncpus);

/*
 * Hide XSAVE and everything that needs it (AVX, AVX2, FMA, F16C, PKU, leaf 0xD): for hosts
 * whose KVM cannot follow the guest's XCR0 (QEMU TCG's SVM does not intercept XSETBV, so
 * KVM in the L1 guest reports XSAVE sizes for a stale XCR0 and Linux warns "XSAVE
 * consistency problem").  The guest then uses FXSAVE.
 */
void x86_cpuid_hide_xsave(struct kvm_cpuid_entry2 *e, uint32_t *n);

/* Find leaf/subleaf (subleaf ignored for leaves without a significant index); NULL if absent. */
struct kvm_cpuid_entry2 *x86_cpuid_find(struct kvm_cpuid_entry2 *e, uint32_t n,
					uint32_t function, uint32_t index);

/* Bits needed to hold ids 0..count-1 (0 for count <= 1). */
uint32_t x86_id_bits(uint32_t count);

#endif /* VMM_X86_VCPU_CPUID_H */
