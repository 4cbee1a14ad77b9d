/* Unit tests for vmm-example's host KVM classification (vmm-example/host_kvm_check.c):
 * hardware KVM, an emulating kvm_pvm, and no /dev/kvm each get their own message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "host_kvm_check.h"

static void no_dev_kvm_points_at_nested_run(void **state)
{
	struct host_kvm_facts f = { .dev_kvm_ok = false, .module = "kvm_pvm" };
	char msg[256];

	(void)state;
	snprintf(f.dev_kvm_err, sizeof(f.dev_kvm_err), "/dev/kvm: No such file or directory");
	assert_int_equal(host_kvm_classify(&f, msg, sizeof(msg)), HOST_KVM_NONE);
	assert_string_equal(msg, "no /dev/kvm: this host has no usable KVM (/dev/kvm: No such file "
				 "or directory; CPU has no vmx/svm; kvm_pvm); run it through "
				 "scripts/nested-run.sh");
}

static void svm_or_vmx_runs_stock_guests(void **state)
{
	struct host_kvm_facts f = { .dev_kvm_ok = true, .cpu_svm = true, .module = "kvm_amd" };
	char msg[256];

	(void)state;
	assert_int_equal(host_kvm_classify(&f, msg, sizeof(msg)), HOST_KVM_HARDWARE);
	assert_string_equal(msg, "KVM: hardware virtualisation (svm, kvm_amd): stock guests run");
	f.cpu_svm = false;
	f.cpu_vmx = true;
	snprintf(f.module, sizeof(f.module), "kvm_intel");
	assert_int_equal(host_kvm_classify(&f, msg, sizeof(msg)), HOST_KVM_HARDWARE);
	assert_non_null(strstr(msg, "(vmx, kvm_intel)"));
}

static void pvm_without_vmx_svm_says_linux_cannot_boot(void **state)
{
	struct host_kvm_facts f = { .dev_kvm_ok = true, .module = "kvm_pvm" };
	char msg[256];

	(void)state;
	assert_int_equal(host_kvm_classify(&f, msg, sizeof(msg)), HOST_KVM_EMULATING);
	assert_non_null(strstr(msg, "kvm_pvm without vmx/svm"));
	assert_non_null(strstr(msg, "stock Linux cannot boot here (payloads still can)"));
}

static void cpuinfo_flags_match_whole_words(void **state)
{
	(void)state;
	assert_true(host_cpuinfo_has_flag("flags\t\t: fpu vme svm lm\n", "svm"));
	assert_true(host_cpuinfo_has_flag("flags\t\t: fpu vmx\n", "vmx"));
	assert_false(host_cpuinfo_has_flag("flags\t\t: fpu svm_lock lm\n", "svm"));
	assert_false(host_cpuinfo_has_flag("flags\t\t: fpu nvmx\n", "vmx"));
	assert_false(host_cpuinfo_has_flag("flags\t\t: fpu\n", "svm"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_dev_kvm_points_at_nested_run),
		cmocka_unit_test(svm_or_vmx_runs_stock_guests),
		cmocka_unit_test(pvm_without_vmx_svm_says_linux_cannot_boot),
		cmocka_unit_test(cpuinfo_flags_match_whole_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
