/* kvm_probe_arm64: says whether this arm64 machine's /dev/kvm runs guests as vdm's arm64 machine
 * needs (vGICv3, PSCI 0.2): creates a VM and a vCPU and runs six guest instructions to MMIO exits. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#if !defined(__aarch64__)
#error "kvm_probe_arm64 is an aarch64 program: build it with aarch64-linux-gnu-gcc"
#endif

#define GUEST_RAM 0x40000000ull /* where QEMU's virt and vdm's arm64 machine put RAM */
#define GUEST_RAM_SIZE 0x10000ull
#define PROBE_MMIO 0x09000000ull /* unmapped: every access is an MMIO exit */
#define PROBE_VALUE 0x42u
#define PROBE_READ 0x1234u

/* The guest code, assembled by the cross assembler: a store, a load and a store that depends on
 * the load, each to unmapped guest-physical memory (an MMIO exit with a valid syndrome), then a
 * branch to itself.  With the MMU off, data accesses are Device memory: nothing is cached. */
__asm__(".pushsection .rodata\n"
	".balign 4\n"
	".globl probe_code\n"
	".hidden probe_code\n"
	"probe_code:\n"
	"	movz x0, #0x42\n"
	"	movz x1, #0x0900, lsl #16\n" /* x1 = PROBE_MMIO */
	"	str w0, [x1]\n"              /* exit 1: write 0x42 to PROBE_MMIO */
	"	ldr w2, [x1, #4]\n"          /* exit 2: read PROBE_MMIO + 4 (the VMM answers 0x1234) */
	"	add w2, w2, #1\n"
	"	str w2, [x1, #8]\n"          /* exit 3: write 0x1235 to PROBE_MMIO + 8 */
	"1:	b 1b\n"
	"2:\n"
	".balign 4\n"
	".globl probe_code_len\n"
	".hidden probe_code_len\n"
	"probe_code_len:\n"
	"	.word 2b - probe_code\n" /* computed here: C may not subtract two objects' addresses */
	".popsection\n");
/* Hidden: the references are PC-relative, not through GOT entries of asm-local labels. */
extern const uint32_t probe_code[] __attribute__((visibility("hidden")));
extern const uint32_t probe_code_len __attribute__((visibility("hidden")));

/* An exit the guest code must produce, in order. */
struct want {
	uint64_t addr;
	int is_write;
	uint32_t value; /* written by the guest, or given to its read */
};

static void on_alarm(int sig)
{
	(void)sig; /* only interrupts KVM_RUN (EINTR) when the guest code loops without exiting */
}

/* Prints the CPU's MIDR fields (implementer, part) and the machine name from uname. */
static void print_cpu(void)
{
	char line[256], impl[32] = "?", part[32] = "?";
	struct utsname u;
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "CPU implementer : %31s", impl) == 1)
			continue;
		if (sscanf(line, "CPU part : %31s", part) == 1)
			break;
	}
	if (f)
		fclose(f);
	if (uname(&u) != 0)
		strcpy(u.machine, "?");
	printf("kvm_probe_arm64: machine %s; cpu implementer %s part %s\n", u.machine, impl, part);
}

/* The kernel's own line about the mode KVM started in ("VHE mode initialized successfully",
 * "Hyp mode initialized successfully", "Protected nVHE mode..."), from the kernel log;
 * "unknown" when the log no longer holds it or cannot be read. */
static void kvm_mode(char *out, size_t n)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf, *p, *end;

	snprintf(out, n, "unknown");
	if (len <= 0 || !(buf = malloc((size_t)len + 1)))
		return;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	if (len > 0) {
		buf[len] = '\0';
		for (p = strstr(buf, "kvm ["); p; p = strstr(p + 1, "kvm [")) {
			end = strchr(p, '\n');
			if (end)
				*end = '\0';
			if (strstr(p, "mode initialized")) {
				char *msg = strstr(p, "]: ");

				snprintf(out, n, "%s", msg ? msg + 3 : p);
				break;
			}
			if (end)
				*end = '\n';
		}
	}
	free(buf);
}

#define CORE_REG(name) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
			KVM_REG_ARM_CORE_REG(name))

static int set_pc(int vcpu, uint64_t pc)
{
	struct kvm_one_reg reg = { .id = CORE_REG(regs.pc), .addr = (uintptr_t)&pc };

	return ioctl(vcpu, KVM_SET_ONE_REG, &reg);
}

/* The vCPU's pc and pstate, for a message about where the guest code went. */
static void where(int vcpu, char *out, size_t n)
{
	uint64_t pc = 0, pstate = 0;
	struct kvm_one_reg r1 = { .id = CORE_REG(regs.pc), .addr = (uintptr_t)&pc };
	struct kvm_one_reg r2 = { .id = CORE_REG(regs.pstate), .addr = (uintptr_t)&pstate };

	if (ioctl(vcpu, KVM_GET_ONE_REG, &r1) < 0 || ioctl(vcpu, KVM_GET_ONE_REG, &r2) < 0)
		snprintf(out, n, "pc unknown: KVM_GET_ONE_REG failed: %s", strerror(errno));
	else
		snprintf(out, n, "pc 0x%llx pstate 0x%llx", (unsigned long long)pc,
			 (unsigned long long)pstate);
}

/* Runs the guest code on a fresh vCPU of VM and checks its three MMIO exits.  Returns NULL on
 * success or what went wrong. */
static const char *run_guest_code(int kvm, int vm)
{
	static const struct want wants[] = {
		{ PROBE_MMIO, 1, PROBE_VALUE },
		{ PROBE_MMIO + 4, 0, PROBE_READ },
		{ PROBE_MMIO + 8, 1, PROBE_READ + 1 },
	};
	static char why[200];
	size_t code_len = probe_code_len;
	struct kvm_userspace_memory_region region = { 0 };
	struct kvm_vcpu_init init;
	struct kvm_run *run = MAP_FAILED;
	const char *err = NULL;
	int vcpu = -1, run_size = 0;
	void *mem;

	mem = mmap(NULL, GUEST_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return "mmap of guest memory failed";
	if (code_len == 0 || code_len > GUEST_RAM_SIZE) {
		munmap(mem, GUEST_RAM_SIZE);
		return "the probe's guest code has a bad length (a build problem)";
	}
	memcpy(mem, probe_code, code_len);
	region.guest_phys_addr = GUEST_RAM;
	region.memory_size = GUEST_RAM_SIZE;
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		snprintf(why, sizeof(why), "KVM_SET_USER_MEMORY_REGION failed: %s", strerror(errno));
		err = why;
		goto out;
	}
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0) {
		snprintf(why, sizeof(why), "KVM_CREATE_VCPU failed: %s", strerror(errno));
		err = why;
		goto out;
	}
	memset(&init, 0, sizeof(init));
	if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init) < 0) {
		snprintf(why, sizeof(why), "KVM_ARM_PREFERRED_TARGET failed: %s", strerror(errno));
		err = why;
		goto out;
	}
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(vcpu, KVM_ARM_VCPU_INIT, &init) < 0) {
		snprintf(why, sizeof(why), "KVM_ARM_VCPU_INIT (target %u, PSCI 0.2) failed: %s",
			 init.target, strerror(errno));
		err = why;
		goto out;
	}
	printf("kvm_probe_arm64: KVM_ARM_VCPU_INIT ok (preferred target %u, PSCI 0.2)\n",
	       init.target);
	if (set_pc(vcpu, GUEST_RAM) < 0) {
		snprintf(why, sizeof(why), "KVM_SET_ONE_REG (pc) failed: %s", strerror(errno));
		err = why;
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
	for (size_t i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
		const struct want *w = &wants[i];
		uint32_t v = 0;

		alarm(10);
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			int e = errno;
			char at[96];

			where(vcpu, at, sizeof(at));
			snprintf(why, sizeof(why), "KVM_RUN before exit %zu failed: %s%s; %s", i + 1,
				 strerror(e),
				 e == EINTR ? " (no exit within 10 s: the guest code loops)" : "", at);
			err = why;
			goto out;
		}
		alarm(0);
		if (run->exit_reason != KVM_EXIT_MMIO) {
			snprintf(why, sizeof(why), "exit %zu: reason %u, expected KVM_EXIT_MMIO (%u)",
				 i + 1, run->exit_reason, KVM_EXIT_MMIO);
			err = why;
			goto out;
		}
		if (run->mmio.phys_addr != w->addr || run->mmio.len != 4 ||
		    !run->mmio.is_write != !w->is_write) {
			snprintf(why, sizeof(why),
				 "exit %zu: %s of %u bytes at 0x%llx, expected a 4-byte %s at 0x%llx",
				 i + 1, run->mmio.is_write ? "write" : "read", run->mmio.len,
				 (unsigned long long)run->mmio.phys_addr,
				 w->is_write ? "write" : "read", (unsigned long long)w->addr);
			err = why;
			goto out;
		}
		if (w->is_write) {
			memcpy(&v, run->mmio.data, sizeof(v));
			if (v != w->value) {
				snprintf(why, sizeof(why), "exit %zu: guest wrote 0x%x, expected 0x%x",
					 i + 1, v, w->value);
				err = why;
				goto out;
			}
		} else {
			v = w->value;
			memcpy(run->mmio.data, &v, sizeof(v));
		}
		printf("kvm_probe_arm64: exit %zu: MMIO %s 0x%llx %s 0x%x\n", i + 1,
		       w->is_write ? "write" : "read", (unsigned long long)w->addr,
		       w->is_write ? "<-" : "->", v);
	}
out:
	alarm(0);
	if (run != MAP_FAILED)
		munmap(run, (size_t)run_size);
	if (vcpu >= 0)
		close(vcpu);
	munmap(mem, GUEST_RAM_SIZE);
	return err;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct kvm_create_device gic = { .type = KVM_DEV_TYPE_ARM_VGIC_V3,
					 .flags = KVM_CREATE_DEVICE_TEST };
	const char *err;
	char mode[160];
	int kvm, vm, api, ipa, psci, gic_ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART: KVM_RUN returns EINTR */
	print_cpu();
	printf("kvm_probe_arm64: VDM_NESTED=%s VDM_NESTED_ARCH=%s\n",
	       getenv("VDM_NESTED") ? getenv("VDM_NESTED") : "unset",
	       getenv("VDM_NESTED_ARCH") ? getenv("VDM_NESTED_ARCH") : "unset");
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		printf("kvm_probe_arm64: RESULT: not usable: cannot open /dev/kvm: %s\n",
		       strerror(errno));
		return 1;
	}
	api = ioctl(kvm, KVM_GET_API_VERSION, 0);
	printf("kvm_probe_arm64: KVM_GET_API_VERSION = %d\n", api);
	if (api != KVM_API_VERSION) {
		printf("kvm_probe_arm64: RESULT: not usable: API version %d, expected %d\n", api,
		       KVM_API_VERSION);
		return 1;
	}
	kvm_mode(mode, sizeof(mode));
	printf("kvm_probe_arm64: kernel: kvm %s\n", mode);
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		printf("kvm_probe_arm64: RESULT: not usable: KVM_CREATE_VM failed: %s\n",
		       strerror(errno));
		return 1;
	}
	ipa = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE);
	psci = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PSCI_0_2) > 0;
	gic_ok = ioctl(vm, KVM_CREATE_DEVICE, &gic) == 0;
	printf("kvm_probe_arm64: KVM_CAP_ARM_VM_IPA_SIZE=%d KVM_CAP_ARM_PSCI_0_2=%s "
	       "KVM_CAP_IRQFD=%s KVM_CAP_IOEVENTFD=%s vGICv3=%s\n", ipa, psci ? "yes" : "no",
	       ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD) > 0 ? "yes" : "no",
	       ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD) > 0 ? "yes" : "no",
	       gic_ok ? "yes" : "no");
	err = run_guest_code(kvm, vm);
	if (err)
		printf("kvm_probe_arm64: guest code: %s\n", err);
	else
		printf("kvm_probe_arm64: guest code ran: three MMIO exits as written\n");
	close(vm);
	close(kvm);
	if (err) {
		printf("kvm_probe_arm64: RESULT: not usable: the vCPU does not run guest code\n");
		return 1;
	}
	if (!gic_ok || !psci) {
		printf("kvm_probe_arm64: RESULT: not usable: %s missing\n",
		       !gic_ok ? "the in-kernel vGICv3" : "PSCI 0.2");
		return 1;
	}
	printf("kvm_probe_arm64: RESULT: usable arm64 KVM (vGICv3, PSCI 0.2, %d-bit IPA; %s)\n",
	       ipa, mode);
	return 0;
}
