/* Host KVM detection: /dev/kvm, the CPU's VMX/SVM flags and the KVM module that is loaded,
 * turned into one line that tells the user what this host can run. */
#if defined(__x86_64__)
#include <cpuid.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "host_kvm_check.h"

bool host_cpuinfo_has_flag(const char *line, const char *flag)
{
	size_t n = strlen(flag);
	const char *p = line;

	while ((p = strstr(p, flag)) != NULL) {
		bool start = p == line || p[-1] == ' ' || p[-1] == '\t' || p[-1] == ':';
		bool end = p[n] == '\0' || p[n] == ' ' || p[n] == '\n' || p[n] == '\t';

		if (start && end)
			return true;
		p += n;
	}
	return false;
}

void host_kvm_probe(struct host_kvm_facts *f)
{
	static const char *const mods[] = { "kvm_intel", "kvm_amd", "kvm_pvm" };
	unsigned a, b, c, d, i;
	char line[4096];
	FILE *fp;
	int fd;

	memset(f, 0, sizeof(*f));
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(f->dev_kvm_err, sizeof(f->dev_kvm_err), "/dev/kvm: %s", strerror(errno));
	} else {
		int v = ioctl(fd, KVM_GET_API_VERSION, 0);

		if (v == KVM_API_VERSION)
			f->dev_kvm_ok = true;
		else
			snprintf(f->dev_kvm_err, sizeof(f->dev_kvm_err), "/dev/kvm: API version %d", v);
		close(fd);
	}
	fp = fopen("/proc/cpuinfo", "r");
	while (fp && fgets(line, sizeof(line), fp)) {
		if (strncmp(line, "flags", 5) == 0) {
			f->cpu_vmx = host_cpuinfo_has_flag(line, "vmx");
			f->cpu_svm = host_cpuinfo_has_flag(line, "svm");
			break;
		}
	}
	if (fp)
		fclose(fp);
#if defined(__x86_64__)
	if (!f->cpu_vmx && !f->cpu_svm) { /* no cpuinfo (sandbox): ask the CPU */
		if (__get_cpuid(1, &a, &b, &c, &d))
			f->cpu_vmx = c & (1u << 5);
		if (__get_cpuid(0x80000001, &a, &b, &c, &d))
			f->cpu_svm = c & (1u << 2);
	}
#else
	(void)a;
	(void)b;
	(void)c;
	(void)d;
	f->arm64 = true;
#endif
	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		snprintf(line, sizeof(line), "/sys/module/%s", mods[i]);
		if (access(line, F_OK) == 0) {
			snprintf(f->module, sizeof(f->module), "%s", mods[i]);
			break;
		}
	}
}

enum host_kvm_kind host_kvm_classify(const struct host_kvm_facts *f, char *msg, size_t len)
{
	const char *hw = f->arm64 ? "arm64 EL2" : f->cpu_vmx ? "vmx" : f->cpu_svm ? "svm" : NULL;
	const char *mod = f->module[0] ? f->module : "no kvm module";

	if (!f->dev_kvm_ok) {
		snprintf(msg, len, "no /dev/kvm: this host has no usable KVM (%s; CPU %s; %s); run it "
			 "through scripts/nested-run.sh",
			 f->dev_kvm_err[0] ? f->dev_kvm_err : "/dev/kvm unusable",
			 f->arm64 ? "is arm64" : hw ? (f->cpu_vmx ? "has vmx" : "has svm")
						    : "has no vmx/svm", mod);
		return HOST_KVM_NONE;
	}
	if (hw) {
		snprintf(msg, len, "KVM: hardware virtualisation (%s, %s): stock guests run", hw, mod);
		return HOST_KVM_HARDWARE;
	}
	snprintf(msg, len, "KVM: %s without vmx/svm: guest code is emulated, stock Linux cannot "
		 "boot here (payloads still can); for Linux use scripts/nested-run.sh", mod);
	return HOST_KVM_EMULATING;
}
