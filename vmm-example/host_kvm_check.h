/* What kind of KVM this host has: one that runs stock guests (VMX/SVM), one that can only
 * emulate (kvm_pvm without VMX/SVM: payloads yes, stock Linux no), or none. */
#ifndef VMM_HOST_KVM_CHECK_H
#define VMM_HOST_KVM_CHECK_H

#include <stdbool.h>
#include <stddef.h>

enum host_kvm_kind {
	HOST_KVM_NONE = 0,      /* no usable /dev/kvm */
	HOST_KVM_HARDWARE = 1,  /* VMX or SVM: stock guests run */
	HOST_KVM_EMULATING = 2, /* /dev/kvm works, but without VMX/SVM (e.g. kvm_pvm) */
};

struct host_kvm_facts {
	bool dev_kvm_ok;      /* /dev/kvm opened and answered KVM_GET_API_VERSION == 12 */
	char dev_kvm_err[64]; /* why not, e.g. "No such file or directory" */
	bool cpu_vmx, cpu_svm;
	bool arm64;           /* an arm64 host: KVM there always has the virtualisation
			       * extensions (EL2) under it */
	char module[32];      /* kvm_intel, kvm_amd, kvm_pvm, or "" */
};

/* Gather the facts from /dev/kvm, /proc/cpuinfo (or CPUID) and /sys/module. */
void host_kvm_probe(struct host_kvm_facts *f);

/* Classify, and write the one-line startup message into msg.  Pure (unit-tested). */
enum host_kvm_kind host_kvm_classify(const struct host_kvm_facts *f, char *msg, size_t len);

/* Whether a /proc/cpuinfo "flags" line names `flag` as a whole word. */
bool host_cpuinfo_has_flag(const char *flags_line, const char *flag);

#endif /* VMM_HOST_KVM_CHECK_H */
