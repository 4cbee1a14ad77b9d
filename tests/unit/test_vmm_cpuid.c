/* Unit tests for vmm-example's CPUID shaping (vmm-example/x86/vcpu_cpuid.c): APIC ids, the
 * one-package topology leaves, and untouched KVM paravirt leaves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "x86/vcpu_cpuid.h"

static struct kvm_cpuid_entry2 tab[16];
static uint32_t ntab;

static void add(uint32_t fn, uint32_t idx, bool sig, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	struct kvm_cpuid_entry2 *e = &tab[ntab++];

	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = idx;
	e->flags = sig ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
	e->eax = a;
	e->ebx = b;
	e->ecx = c;
	e->edx = d;
}

static void fill(void)
{
	ntab = 0;
	add(1, 0, false, 0x00a00f11, 0x12345800, 0x00000001, 0x178bfbff);
	add(4, 0, true, 0x1c004121, 0, 0, 0);   /* L1d */
	add(4, 3, true, 0x1c03c163, 0, 0, 0);   /* L3 */
	add(0xb, 0, true, 1, 2, 0x100, 7);
	add(0xb, 1, true, 4, 16, 0x201, 7);
	add(0xb, 2, true, 0, 0, 2, 7);
	add(0x40000000, 0, false, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d);
	add(0x40000001, 0, false, 0x01007afb, 0, 0, 0);
	add(0x80000008, 0, false, 0x3028, 0, 0x0000700f, 0);
	add(0x8000001e, 0, false, 9, 0x0109, 0x0101, 0);
}

static void apic_id_and_package_size_go_into_leaf_1(void **state)
{
	struct kvm_cpuid_entry2 *e;

	(void)state;
	fill();
	x86_cpuid_patch(tab, ntab, 3, 4);
	e = x86_cpuid_find(tab, ntab, 1, 0);
	assert_int_equal(e->ebx >> 24, 3);
	assert_int_equal((e->ebx >> 16) & 0xff, 4);
	assert_int_equal(e->ebx & 0xffff, 0x5800); /* CLFLUSH size and brand kept */
	assert_true(e->edx & (1u << 28));
	assert_true(e->ecx & (1u << 31));
	fill();
	x86_cpuid_patch(tab, ntab, 0, 1);
	e = x86_cpuid_find(tab, ntab, 1, 0);
	assert_int_equal(e->ebx >> 16, 1);
	assert_false(e->edx & (1u << 28));
}

static void topology_leaves_describe_one_package_of_cores(void **state)
{
	struct kvm_cpuid_entry2 *e;

	(void)state;
	fill();
	x86_cpuid_patch(tab, ntab, 5, 6);
	e = x86_cpuid_find(tab, ntab, 0xb, 0);
	assert_int_equal(e->eax, 0);
	assert_int_equal(e->ebx, 1);
	assert_int_equal(e->ecx, 0x100);
	assert_int_equal(e->edx, 5);
	e = x86_cpuid_find(tab, ntab, 0xb, 1);
	assert_int_equal(e->eax, 3); /* 6 cores need 3 bits */
	assert_int_equal(e->ebx, 6);
	assert_int_equal(e->ecx, 0x201);
	assert_int_equal(e->edx, 5);
	e = x86_cpuid_find(tab, ntab, 0xb, 2);
	assert_int_equal(e->ebx, 0);
	assert_int_equal(e->ecx & 0xff00, 0);
	e = x86_cpuid_find(tab, ntab, 4, 0);
	assert_int_equal(e->eax >> 26, 5);
	assert_int_equal((e->eax >> 14) & 0xfff, 0);
	assert_int_equal(e->eax & 0x3fff, 0x0121);
	e = x86_cpuid_find(tab, ntab, 4, 3);
	assert_int_equal((e->eax >> 14) & 0xfff, 5); /* L3 shared by all six */
	e = x86_cpuid_find(tab, ntab, 0x80000008, 0);
	assert_int_equal(e->ecx & 0xff, 5);
	assert_int_equal((e->ecx >> 12) & 0xf, 3);
	assert_int_equal(e->eax, 0x3028); /* address sizes untouched */
	e = x86_cpuid_find(tab, ntab, 0x8000001e, 0);
	assert_int_equal(e->eax, 5);
	assert_int_equal(e->ebx & 0xff, 5);
}

static void kvm_paravirt_leaves_stay_as_kvm_offers_them(void **state)
{
	struct kvm_cpuid_entry2 *e;

	(void)state;
	fill();
	x86_cpuid_patch(tab, ntab, 1, 2);
	e = x86_cpuid_find(tab, ntab, 0x40000000, 0);
	assert_int_equal(e->eax, 0x40000001);
	assert_int_equal(e->ebx, 0x4b4d564b); /* "KVMK" */
	e = x86_cpuid_find(tab, ntab, 0x40000001, 0);
	assert_int_equal(e->eax, 0x01007afb); /* kvmclock bits kept */
	assert_null(x86_cpuid_find(tab, ntab, 0x1f, 0));
	assert_int_equal(x86_id_bits(1), 0);
	assert_int_equal(x86_id_bits(2), 1);
	assert_int_equal(x86_id_bits(5), 3);
	assert_int_equal(x86_id_bits(64), 6);
}

static void hiding_xsave_drops_leaf_0xd_and_the_features_that_need_it(void **state)
{
	struct kvm_cpuid_entry2 *e;
	uint32_t n;

	(void)state;
	fill();
	tab[0].ecx |= (1u << 26) | (1u << 28) | (1u << 12);
	n = ntab;
	x86_cpuid_hide_xsave(tab, &n);
	assert_int_equal(n, ntab - 0); /* fill() has no leaf 0xd rows... */
	add(0xd, 0, true, 0x207, 0xa88, 0xa88, 0);
	add(0xd, 1, true, 5, 0, 0, 0);
	n = ntab;
	x86_cpuid_hide_xsave(tab, &n);
	assert_int_equal(n, ntab - 2);
	assert_null(x86_cpuid_find(tab, n, 0xd, 0));
	e = x86_cpuid_find(tab, n, 1, 0);
	assert_int_equal(e->ecx & ((1u << 26) | (1u << 27) | (1u << 28) | (1u << 12)), 0);
	assert_int_equal(e->ecx & 1, 1); /* SSE3 stays */
	e = x86_cpuid_find(tab, n, 7, 0);
	assert_null(e); /* fill() has no leaf 7: nothing invented */
	assert_non_null(x86_cpuid_find(tab, n, 0x40000001, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(apic_id_and_package_size_go_into_leaf_1),
		cmocka_unit_test(topology_leaves_describe_one_package_of_cores),
		cmocka_unit_test(kvm_paravirt_leaves_stay_as_kvm_offers_them),
		cmocka_unit_test(hiding_xsave_drops_leaf_0xd_and_the_features_that_need_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
