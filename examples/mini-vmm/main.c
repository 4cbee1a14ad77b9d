/* mini-vmm: a minimal x86_64 KVM VMM on libvdm-machine: one vCPU, one root port, Linux booted
 * through its 32-bit entry, a sandboxed device hot-plugged and unplugged on console cues. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "mini_machine.h"

static const char usage[] =
	"usage: mini-vmm --kernel BZIMAGE [--initrd FILE] [--append CMDLINE] [-m MIB]\n"
	"                [--hot-add-when TEXT SPEC] [--unplug-when TEXT ID] [--timeout S]\n"
	"Boots Linux with one pcie-root-port (rp1) and a GED; when a line the guest prints\n"
	"contains TEXT, hot-adds SPEC (e.g. testdev,id=t1,bus=rp1,membar=1G, sandboxed) or asks\n"
	"the guest to eject ID.  Exit status: 0 guest powered off, 1 reset, 2 usage, 3 guest\n"
	"crash, 4 host error, 124 --timeout.\n";

static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1; /* KVM_RUN returns EINTR */
}

static uint8_t *read_file(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && fstat(fd, &st) == 0 && (buf = malloc((size_t)st.st_size + 1)) &&
	    read(fd, buf, (size_t)st.st_size) == st.st_size) {
		*len = (size_t)st.st_size;
	} else {
		fprintf(stderr, "mini-vmm: %s: %s\n", path, strerror(errno ? errno : EIO));
		free(buf);
		buf = NULL;
	}
	if (fd >= 0)
		close(fd);
	return buf;
}

/* Run the vCPU until the guest powers off or resets (0, 1), crashes (3) or time runs out. */
static int run(struct mini *mv)
{
	struct kvm_run *r = mv->kvm.run;

	while (!mv->stop) {
		if (ioctl(mv->kvm.vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR && timed_out)
				return 124;
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fprintf(stderr, "mini-vmm: KVM_RUN: %s\n", strerror(errno));
			return 4;
		}
		switch (r->exit_reason) {
		case KVM_EXIT_IO:
			for (uint32_t i = 0; i < r->io.count; i++)
				mini_machine_pio(mv, r->io.port, r->io.size,
						 r->io.direction == KVM_EXIT_IO_OUT,
						 (uint8_t *)r + r->io.data_offset + i * r->io.size);
			break;
		case KVM_EXIT_MMIO:
			mini_machine_mmio(mv, r->mmio.phys_addr, r->mmio.len, r->mmio.is_write,
					  r->mmio.data);
			break;
		case KVM_EXIT_SHUTDOWN:
			fprintf(stderr, "mini-vmm: the guest triple-faulted\n");
			return 3;
		default:
			fprintf(stderr, "mini-vmm: unexpected exit %u\n", r->exit_reason);
			return 4;
		}
		mini_machine_step(mv);
	}
	return mv->status;
}

int main(int argc, char **argv)
{
	static struct mini mv;
	const char *kernel = NULL, *initrd = NULL, *append = "console=ttyS0";
	uint8_t *kimg = NULL, *iimg = NULL;
	size_t klen = 0, ilen = 0, acpi_len;
	unsigned mib = 512, timeout = 0;
	uint64_t acpi_gpa, rsdp;
	const uint8_t *acpi;
	struct sigaction sa = { .sa_flags = 0 };
	char err[512];
	int i, status = 4;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool two = !strcmp(a, "--hot-add-when") || !strcmp(a, "--unplug-when");

		if (i + 1 + two >= argc) {
			fputs(usage, stderr);
			return 2;
		}
		if (!strcmp(a, "--kernel"))
			kernel = argv[++i];
		else if (!strcmp(a, "--initrd"))
			initrd = argv[++i];
		else if (!strcmp(a, "--append"))
			append = argv[++i];
		else if (!strcmp(a, "-m"))
			mib = (unsigned)atoi(argv[++i]);
		else if (!strcmp(a, "--timeout"))
			timeout = (unsigned)atoi(argv[++i]);
		else if (two) {
			struct mini_trigger *t = !strcmp(a, "--hot-add-when") ? &mv.add : &mv.del;

			t->when = argv[++i];
			t->what = argv[++i];
		} else
			i = argc; /* unknown: usage below */
	}
	if (!kernel || i > argc || mib < 64 || mib > 3072) {
		fputs(usage, stderr);
		return 2;
	}
	if (!(kimg = read_file(kernel, &klen)) || (initrd && !(iimg = read_file(initrd, &ilen))))
		goto out;
	if (mini_kvm_create(&mv.kvm, (uint64_t)mib << 20, err, sizeof(err)) ||
	    mini_machine_create(&mv, (uint64_t)mib << 20, mini_kvm_phys_bits(&mv.kvm), err,
				sizeof(err)) ||
	    vdm_machine_acpi(mv.m, &acpi, &acpi_len, &acpi_gpa, &rsdp) ||
	    mini_kvm_load_linux(&mv.kvm, vdm_machine_desc(mv.m), kimg, klen, iimg, ilen, append,
				rsdp, err, sizeof(err))) {
		fprintf(stderr, "mini-vmm: %s\n", err);
		goto out;
	}
	memcpy(mv.kvm.ram + acpi_gpa, acpi, acpi_len); /* the firmware's tables */
	sa.sa_handler = on_alarm; /* no SA_RESTART: KVM_RUN must return EINTR */
	sigaction(SIGALRM, &sa, NULL);
	alarm(timeout);
	status = run(&mv);
	fprintf(stderr, "mini-vmm: exit status %d\n", status);
out:
	vdm_machine_destroy(mv.m);
	mini_kvm_destroy(&mv.kvm);
	free(kimg);
	free(iimg);
	return status;
}
