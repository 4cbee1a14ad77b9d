/* kvm_probe: says whether this machine's /dev/kvm can run stock (unmodified) guest kernels.
 * Opens /dev/kvm, checks the API version, creates a VM and a vCPU, runs four guest instructions. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROBE_PORT 0x10
#define PROBE_VALUE 0x42

/* Whether the space-separated word list LIST (ending in a newline) holds WORD. */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = strstr(list, word); p; p = strstr(p + 1, word)) {
		bool starts = p == list || p[-1] == ' ' || p[-1] == '\t' || p[-1] == ':';
		bool ends = p[n] == ' ' || p[n] == '\n' || p[n] == '\0';

		if (starts && ends)
			return true;
	}
	return false;
}

/* The CPU's hardware-virtualisation flag from /proc/cpuinfo: "vmx", "svm" or "" when neither. */
static const char *cpu_virt_flag(void)
{
	static char line[8192];
	const char *found = "";
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return "";
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5) != 0)
			continue;
		if (has_word(line, "vmx"))
			found = "vmx";
		else if (has_word(line, "svm"))
			found = "svm";
		break;
	}
	fclose(f);
	return found;
}

/* Which KVM module serves /dev/kvm, from /sys/module: "kvm_intel", "kvm_amd", "kvm_pvm" or "". */
static const char *kvm_module(void)
{
	static const char *const names[] = { "kvm_intel", "kvm_amd", "kvm_pvm" };
	char path[64];
	struct stat st;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "/sys/module/%s", names[i]);
		if (stat(path, &st) == 0)
			return names[i];
	}
	return "";
}

/* Runs "mov al, 0x42; out 0x10, al; hlt" in real mode at guest address 0 and checks the exits
 * KVM reports.  Returns NULL on success or a description of what went wrong. */
static const char *run_guest_code(int kvm, int vm)
{
	static const uint8_t code[] = { 0xb0, PROBE_VALUE, 0xe6, PROBE_PORT, 0xf4 };
	static char why[160];
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run = MAP_FAILED;
	const char *err = NULL;
	size_t mem_size = 0x1000;
	int vcpu = -1, run_size, seen_out = 0;
	void *mem;

	mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return "mmap of guest memory failed";
	memcpy(mem, code, sizeof(code));
	memset(&region, 0, sizeof(region));
	region.memory_size = mem_size;
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		err = "KVM_SET_USER_MEMORY_REGION failed";
		goto out;
	}
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0) {
		err = "KVM_CREATE_VCPU failed";
		goto out;
	}
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (int)sizeof(*run)) {
		err = "KVM_GET_VCPU_MMAP_SIZE failed";
		goto out;
	}
	run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED) {
		err = "mmap of the vCPU's kvm_run failed";
		goto out;
	}
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) {
		err = "KVM_GET_SREGS failed";
		goto out;
	}
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0) {
		err = "KVM_SET_SREGS failed";
		goto out;
	}
	memset(&regs, 0, sizeof(regs));
	regs.rip = 0;
	regs.rflags = 0x2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0) {
		err = "KVM_SET_REGS failed";
		goto out;
	}
	for (int i = 0; i < 4; i++) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			snprintf(why, sizeof(why), "KVM_RUN failed: %s", strerror(errno));
			err = why;
			goto out;
		}
		if (run->exit_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_OUT &&
		    run->io.port == PROBE_PORT && run->io.size == 1) {
			uint8_t v = *((uint8_t *)run + run->io.data_offset);

			if (v != PROBE_VALUE) {
				snprintf(why, sizeof(why), "guest wrote 0x%02x to port 0x%x, expected 0x%02x",
					 v, PROBE_PORT, PROBE_VALUE);
				err = why;
				goto out;
			}
			seen_out = 1;
			continue;
		}
		if (run->exit_reason == KVM_EXIT_HLT) {
			if (!seen_out)
				err = "guest halted without its port write";
			goto out;
		}
		snprintf(why, sizeof(why), "unexpected exit reason %u", run->exit_reason);
		err = why;
		goto out;
	}
	err = "guest did not halt within 4 exits";
out:
	if (run != MAP_FAILED)
		munmap(run, (size_t)run_size);
	if (vcpu >= 0)
		close(vcpu);
	munmap(mem, mem_size);
	return err;
}

static const char *yes_no(int kvm, long cap)
{
	return ioctl(kvm, KVM_CHECK_EXTENSION, cap) > 0 ? "yes" : "no";
}

int main(void)
{
	const char *flag = cpu_virt_flag(), *module = kvm_module(), *err;
	bool caps_ok;
	int kvm, vm, api;

	printf("kvm_probe: cpu virtualisation flag: %s; kvm module: %s\n", *flag ? flag : "none",
	       *module ? module : "none");
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		printf("kvm_probe: RESULT: not usable: cannot open /dev/kvm: %s\n", strerror(errno));
		return 1;
	}
	api = ioctl(kvm, KVM_GET_API_VERSION, 0);
	printf("kvm_probe: KVM_GET_API_VERSION = %d\n", api);
	if (api != KVM_API_VERSION) {
		printf("kvm_probe: RESULT: not usable: API version %d, expected %d\n", api,
		       KVM_API_VERSION);
		return 1;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		printf("kvm_probe: RESULT: not usable: KVM_CREATE_VM failed: %s\n", strerror(errno));
		return 1;
	}
	printf("kvm_probe: KVM_CREATE_VM ok\n");
	printf("kvm_probe: KVM_CAP_IRQCHIP=%s KVM_CAP_IRQFD=%s KVM_CAP_IOEVENTFD=%s\n",
	       yes_no(kvm, KVM_CAP_IRQCHIP), yes_no(kvm, KVM_CAP_IRQFD),
	       yes_no(kvm, KVM_CAP_IOEVENTFD));
	caps_ok = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) > 0 &&
		  ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD) > 0 &&
		  ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD) > 0;
	err = run_guest_code(kvm, vm);
	if (err)
		printf("kvm_probe: guest code: %s\n", err);
	else
		printf("kvm_probe: guest code ran: out 0x%x <- 0x%02x, then hlt\n", PROBE_PORT,
		       PROBE_VALUE);
	close(vm);
	close(kvm);

	if (err) {
		printf("kvm_probe: RESULT: not usable: the vCPU does not run guest code\n");
		return 1;
	}
	if (!caps_ok) {
		printf("kvm_probe: RESULT: not usable: a capability above is missing\n");
		return 1;
	}
	if (!*flag || strcmp(module, "kvm_pvm") == 0) {
		printf("kvm_probe: RESULT: not usable for stock guests: %s (guest code is "
		       "instruction-emulated; stock kernels do not boot)\n",
		       !*flag ? "the CPU has no vmx/svm" : "kvm_pvm serves /dev/kvm");
		return 1;
	}
	printf("kvm_probe: RESULT: usable for stock guests (%s, %s)\n", flag, module);
	return 0;
}
