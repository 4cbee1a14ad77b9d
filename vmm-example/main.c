/* vmm-example's main(): parse the command line, say what KVM this host has, build the
 * machine, optionally dump or list it, load Linux or a payload, run, report. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vdm/builtin.h>
#include <vdm/hotplug.h>
#include <vdm/machine.h>

#include "exit_stats.h"
#include "host_kvm_check.h"
#include "monitor.h"
#include "options.h"
#include "vmm.h"
#include "vmm_machine.h"
#include "arch.h"

#define MAX_IMAGE (UINT64_C(1) << 31)
#ifndef ARCH_HAS_PVH
#define ARCH_HAS_PVH 0 /* the default guest's kernel is its "vmlinuz" only */
#endif
#ifndef ARCH_LINUX_CMDLINE_EXTRA
#define ARCH_LINUX_CMDLINE_EXTRA "" /* NAME=VALUE added to Linux's command line */
#endif

/*
 * Map a whole input file read-only (kernel, initrd, payload): its page-cache pages, with no
 * buffer to fault in and fill first (a 65 MB vmlinux took 0.6 s that way under nested KVM).
 * *len 0: an empty file, *buf a 1-byte dummy.  Release with unmap_whole.
 */
static int map_whole(const char *opt, const char *path, uint8_t **buf, size_t *len, char *err,
		     size_t err_len)
{
	struct stat st;
	void *p;
	int fd, e;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		e = -errno;
		snprintf(err, err_len, "--%s %s: %s", opt, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return e;
	}
	if ((uint64_t)st.st_size > MAX_IMAGE) {
		snprintf(err, err_len, "--%s %s: %lld bytes is too big", opt, path,
			 (long long)st.st_size);
		close(fd);
		return -EFBIG;
	}
	if (st.st_size == 0) {
		close(fd);
		*buf = calloc(1, 1);
		return *buf ? 0 : -ENOMEM;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	e = errno;
	close(fd);
	if (p == MAP_FAILED) {
		snprintf(err, err_len, "--%s %s: cannot map it: %s", opt, path, strerror(e));
		return -e;
	}
	*buf = p;
	*len = (size_t)st.st_size;
	return 0;
}

static void unmap_whole(uint8_t *buf, size_t len)
{
	if (buf && len)
		munmap(buf, len);
	else
		free(buf);
}

/* Each device host costs the VMM a few fds (pidfd, eventfds, its start-up socket): with
 * hundreds of devices the usual soft limit of 1024 is too low, so take what the hard limit
 * allows.  Not an error when it cannot be raised: device_add then says which fd failed. */
static void raise_fd_limit(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

/* Paths of the default guest (no --kernel, no --payload). */
struct default_guest {
	char kernel[PATH_MAX], initrd[PATH_MAX];
};

/* Build dir/name into out; 0 when it is a regular file, else errno (ENAMETOOLONG, EISDIR...). */
static int guest_file(const char *dir, const char *name, char *out, size_t len)
{
	struct stat st;
	int n = snprintf(out, len, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= len)
		return ENAMETOOLONG;
	return stat(out, &st) < 0 ? errno : S_ISREG(st.st_mode) ? 0 : EISDIR;
}

static int default_guest_missing(const char *path, int e, char *err, size_t err_len)
{
	snprintf(err, err_len, "no --kernel given and the default guest is missing (%.600s: %s): build "
		 "it with scripts/build-initramfs.sh " VMM_DEFAULT_GUEST_ARGS " (scripts/run.sh does that), or "
		 "give --kernel FILE or --payload FILE", path,
		 e == EISDIR ? "not a regular file" : strerror(e));
	return e == ENAMETOOLONG ? -ENAMETOOLONG : -ENOENT;
}

/*
 * Point o->kernel (and o->initrd unless given) at the default guest: the folder
 * $VDM_CACHE_DIR/VMM_DEFAULT_GUEST, or the one compiled in (<source tree>/.cache/...).
 * x86_64: its uncompressed "vmlinux" (PVH entry, no in-guest decompression) when there, else
 * the bzImage "vmlinuz" with a note saying what is lost; other architectures: "vmlinuz".
 */
static int use_default_guest(struct vmm_options *o, struct default_guest *g, char *err,
			     size_t err_len)
{
	const char *cache = getenv("VDM_CACHE_DIR");
	char dir[PATH_MAX];
	int rc, e;

	if (cache && *cache)
		rc = snprintf(dir, sizeof(dir), "%s/" VMM_DEFAULT_GUEST, cache);
	else
		rc = snprintf(dir, sizeof(dir), "%s", VMM_DEFAULT_GUEST_DIR);
	if (rc < 0 || (size_t)rc >= sizeof(dir)) {
		snprintf(err, err_len, "VDM_CACHE_DIR: path too long");
		return -ENAMETOOLONG;
	}
	e = ARCH_HAS_PVH ? guest_file(dir, "vmlinux", g->kernel, sizeof(g->kernel)) : ENOENT;
	if (e) {
		e = guest_file(dir, "vmlinuz", g->kernel, sizeof(g->kernel));
		if (e)
			return default_guest_missing(g->kernel, e, err, err_len);
		if (ARCH_HAS_PVH)
			fprintf(stderr, "vmm-example: the default guest has no uncompressed kernel "
				"(%s/vmlinux): booting the bzImage %s, which decompresses itself "
				"first (seconds slower); scripts/build-initramfs.sh default-guest "
				"links the vmlinux when scripts/fetch-guest-kernel.sh could unpack it\n",
				dir, g->kernel);
	}
	o->kernel = g->kernel;
	if (!o->initrd) {
		e = guest_file(dir, "initrd", g->initrd, sizeof(g->initrd));
		if (e)
			return default_guest_missing(g->initrd, e, err, err_len);
		o->initrd = g->initrd;
	}
	return 0;
}

/* True when the kernel command line `cl` has a parameter starting with `name` ("panic="). */
static bool cmdline_has(const char *cl, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = cl; (p = strstr(p, name)) != NULL; p += n)
		if (p == cl || p[-1] == ' ')
			return true;
	return false;
}

/*
 * The command line Linux gets: --append (or the default) plus, unless it sets them,
 * reboot=acpi (x86 Linux on a HW-reduced ACPI machine without EFI otherwise reboots through
 * "EFI" and then the real-mode BIOS reset vector, which does not exist here: see reboot_init()
 * in arch/x86/kernel/reboot.c) and panic=-1 (a panic reboots at once).  A reboot writes the FADT
 * reset register, which ends the run: vmm-example does not restart guests.  Plus the arch's
 * ARCH_LINUX_CMDLINE_EXTRA unless the command line has a parameter of that name (x86:
 * pci=noearly, see x86/arch.h).
 */
static char *linux_cmdline(const struct vmm_options *o)
{
	const char *base = o->append ? o->append : VMM_DEFAULT_CMDLINE;
	const char *extra = ARCH_LINUX_CMDLINE_EXTRA;
	const char *eq = strchr(extra, '=');
	size_t n = strlen(base);
	char *cl = malloc(n + sizeof(" reboot=acpi panic=-1 ") + strlen(extra));
	char name[32];

	if (!cl)
		return NULL;
	memcpy(cl, base, n + 1);
	if (!cmdline_has(base, "reboot="))
		strcat(cl, *cl ? " reboot=acpi" : "reboot=acpi");
	if (!cmdline_has(base, "panic="))
		strcat(cl, *cl ? " panic=-1" : "panic=-1");
	if (*extra && eq && (size_t)(eq - extra) + 2 <= sizeof(name)) {
		snprintf(name, sizeof(name), "%.*s", (int)(eq - extra + 1), extra);
		if (!cmdline_has(base, name)) {
			strcat(cl, " ");
			strcat(cl, extra);
		}
	}
	return cl;
}

static int load_guest(struct vmm *v, struct vmm_machine *vm, const struct vmm_options *o,
		      char *err, size_t err_len)
{
	const struct vdm_mach_desc *desc = vdm_machine_desc(vm->m);
	uint8_t *img = NULL, *initrd = NULL;
	size_t img_len = 0, initrd_len = 0, acpi_len = 0;
	const uint8_t *acpi = NULL;
	uint64_t acpi_gpa = 0, rsdp = 0;
	struct arch_entry e;
	char *cmdline = NULL;
	int rc;

	if (vdm_machine_acpi(vm->m, &acpi, &acpi_len, &acpi_gpa, &rsdp) == 0 &&
	    guest_ram_write(&v->ram, acpi_gpa, acpi, acpi_len)) {
		snprintf(err, err_len, "ACPI tables at 0x%llx do not fit in RAM",
			 (unsigned long long)acpi_gpa);
		return -EFAULT;
	}
	rc = map_whole(o->payload ? "payload" : "kernel", o->payload ? o->payload : o->kernel,
			&img, &img_len, err, err_len);
	if (!rc && o->initrd)
		rc = map_whole("initrd", o->initrd, &initrd, &initrd_len, err, err_len);
	if (!rc && o->payload) {
		if (!arch_has_1g_pages(v->kvm_fd)) {
			snprintf(err, err_len, "--payload: this KVM offers no 1 GiB pages (CPUID "
				 "pdpe1gb), which the payload contract needs");
			rc = -ENOTSUP;
		} else {
			rc = arch_load_payload(&v->ram, desc, img, img_len, rsdp, vm->phys_bits, &e,
					       err, err_len);
		}
	} else if (!rc && !(cmdline = linux_cmdline(o))) {
		snprintf(err, err_len, "out of memory");
		rc = -ENOMEM;
	} else if (!rc) {
		char why[512];

		rc = arch_load_linux(&v->ram, desc, img, img_len, initrd, initrd_len, cmdline, rsdp,
				     o->dt_boot, &e, why, sizeof(why));
		if (rc && strncmp(why, "--", 2)) /* name the file unless the text names an option */
			snprintf(err, err_len, "--kernel %s: %s", o->kernel, why);
		else if (rc)
			snprintf(err, err_len, "%s", why);
	}
	free(cmdline);
	unmap_whole(img, img_len);
	unmap_whole(initrd, initrd_len);
	if (rc)
		return rc;
	return arch_vcpu_enter(v->vcpus[0].fd, &e, err, err_len);
}

/* Say what a hot-add of a test hook did. */
static void report_hot_add(struct vdm_machine *m, int rc, const char *what, const char *spec,
			   const char *warn, const char *err)
{
	struct vdm_machine_dev_info info;

	if (warn[0])
		fprintf(stderr, "vmm-example: %s: warning: %s\n", what, warn);
	if (rc < 0)
		fprintf(stderr, "vmm-example: %s: %s\n", what, err);
	else if (vdm_machine_device(m, (size_t)rc, &info) == 0)
		fprintf(stderr, "vmm-example: %s: hot-added %s (%s) behind %s\n", what, info.id,
			spec, info.parent_id);
}

/* The state of the test hooks (one run, one of each). */
struct test_hooks {
	struct vdm_machine *m;
	const struct vmm_options *o;
	bool done;
};

/* --payload-test-ged: hot-add a testdev once the payload has read the GED selector. */
static void test_ged_tick(struct vmm *v, void *opaque)
{
	struct test_hooks *th = opaque;
	struct vdm_machine_dev_info ged;
	char err[512], warn[512];
	int g = vdm_machine_ged(th->m), rc;

	(void)v;
	if (th->done || g < 0 || vdm_machine_device(th->m, (size_t)g, &ged) ||
	    !ged.guest_reads[0])
		return;
	th->done = true;
	rc = vdm_machine_hot_add_spec(th->m, "testdev", VDM_HOT_ADD_NO_FIT_CHECK, warn,
				      sizeof(warn), err, sizeof(err));
	report_hot_add(th->m, rc, "--payload-test-ged", "testdev", warn, err);
}

/* --test-hot-add SECONDS:SPEC */
static void test_hot_add_tick(struct vmm *v, void *opaque)
{
	struct test_hooks *th = opaque;
	const struct vmm_options *o = th->o;
	char err[512], warn[512];
	int rc;

	if (th->done ||
	    vmm_now_ns() - v->t_start_ns < (uint64_t)o->test_hot_add_after * 1000000000u)
		return;
	th->done = true;
	rc = vdm_machine_hot_add(th->m, o->test_hot_add.type, &o->test_hot_add.props,
				 o->test_hot_add.spec, VDM_HOT_ADD_NO_FIT_CHECK, warn,
				 sizeof(warn), err, sizeof(err));
	report_hot_add(th->m, rc, "--test-hot-add", o->test_hot_add.spec, warn, err);
}

static void summary(struct vmm *v, int status, uint64_t t0)
{
	uint64_t exits = 0;
	char unh[768];
	unsigned i;

	for (i = 0; i < v->ncpus; i++)
		exits += atomic_load(&v->vcpus[i].exits);
	fprintf(stderr,
		"vmm-example: exit status %d; set-up %.1f ms, guest ran %.3f s; %llu exits, "
		"unhandled: %llu port, %llu mmio\n",
		status, (double)(v->t_start_ns - t0) / 1e6,
		(double)(v->t_end_ns - v->t_start_ns) / 1e9, (unsigned long long)exits,
		(unsigned long long)atomic_load(&v->unhandled_pio),
		(unsigned long long)atomic_load(&v->unhandled_mmio));
	vmm_unhandled_summary(v, unh, sizeof(unh));
	if (unh[0])
		fprintf(stderr, "vmm-example: unhandled accesses (first addresses): %s\n", unh);
}

/* --stats: one zeroed counter array per vCPU (about 1 MiB each: every port has a slot). */
static int stats_start(struct vmm *v, const struct vdm_mach_desc *desc)
{
	unsigned i;

	for (i = 0; i < v->ncpus; i++) {
		v->vcpus[i].stats = calloc(1, sizeof(struct exit_stats));
		if (!v->vcpus[i].stats)
			return -ENOMEM;
		v->vcpus[i].stats->desc = desc;
	}
	return 0;
}

static void stats_print(struct vmm *v)
{
	struct exit_stats *s[VMM_MAX_CPUS];
	int fds[VMM_MAX_CPUS];
	unsigned i;

	for (i = 0; i < v->ncpus; i++) {
		s[i] = v->vcpus[i].stats;
		fds[i] = v->vcpus[i].fd;
	}
	exit_stats_print(stderr, s, fds, v->ncpus, v->t_end_ns - v->t_start_ns);
}

static void stats_free(struct vmm *v)
{
	unsigned i;

	for (i = 0; i < v->ncpus; i++) {
		free(v->vcpus[i].stats);
		v->vcpus[i].stats = NULL;
	}
}

int main(int argc, char **argv)
{
	static struct vmm_machine vm;
	static struct vmm v;
	static struct default_guest guest;
	struct test_hooks hooks = { .o = NULL };
	struct vmm_options *o = calloc(1, sizeof(*o));
	struct host_kvm_facts facts;
	enum host_kvm_kind kind;
	char err[1024], msg[512];
	uint64_t t0 = vmm_now_ns();
	bool run;
	int rc, status;

	if (!o) {
		fprintf(stderr, "vmm-example: out of memory\n");
		return VMM_EXIT_HOST;
	}
	raise_fd_limit();
	if (vmm_options_parse(argc, argv, o, err, sizeof(err))) {
		fprintf(stderr, "vmm-example: %s\n", err);
		free(o);
		return VMM_EXIT_USAGE;
	}
	if (o->help) {
		vmm_options_usage(stdout, "vmm-example");
		free(o);
		return 0;
	}
	/* Inspection actions alone run without a guest; anything else boots one. */
	run = o->kernel || o->payload || o->initrd || o->append ||
	      !(o->dump_acpi || o->dump_dtb || o->print_topology);
	v.kvm_fd = v.vm_fd = v.wake_fd = -1;
	if (run) {
		host_kvm_probe(&facts);
		kind = host_kvm_classify(&facts, msg, sizeof(msg));
		fprintf(stderr, "vmm-example: %s\n", msg);
		if (kind == HOST_KVM_NONE) {
			free(o);
			return VMM_EXIT_HOST;
		}
		if (kind == HOST_KVM_EMULATING && !o->payload) {
			/* Measured: the decompressor crawls for minutes, then KVM fails. */
			fprintf(stderr, "vmm-example: not booting Linux on an emulating KVM (it would "
				"crawl for minutes and then fail); use scripts/run.sh or "
				"scripts/nested-run.sh\n");
			free(o);
			return VMM_EXIT_HOST;
		}
		if (!o->kernel && !o->payload &&
		    use_default_guest(o, &guest, err, sizeof(err)) < 0) {
			fprintf(stderr, "vmm-example: %s\n", err);
			free(o);
			return VMM_EXIT_USAGE;
		}
		arch_host_quirks(msg, sizeof(msg));
		if (msg[0])
			fprintf(stderr, "vmm-example: %s\n", msg);
		rc = vmm_open_kvm(&v, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "vmm-example: %s\n", err);
			free(o);
			return VMM_EXIT_HOST;
		}
	}
	rc = vmm_machine_build(&vm, o, arch_guest_phys_bits(run ? v.kvm_fd : -1),
			       o->kernel ? (o->append ? o->append : VMM_DEFAULT_CMDLINE) : NULL, err,
			       sizeof(err));
	if (vm.m && vdm_machine_warnings(vm.m)[0])
		fputs(vdm_machine_warnings(vm.m), stderr);
	if (rc) {
		fprintf(stderr, "vmm-example: %s\n", err);
		status = rc == -ENOMEM ? VMM_EXIT_HOST : VMM_EXIT_USAGE;
		goto out;
	}
	if (o->print_topology) {
		vdm_machine_print_topology(vm.m, stdout);
		fflush(stdout);
	}
	if ((o->dump_acpi && (rc = vdm_machine_dump_acpi(vm.m, o->dump_acpi, err, sizeof(err)))) ||
	    (o->dump_dtb && (rc = vmm_machine_dump_dtb(&vm, o->dump_dtb, err, sizeof(err))))) {
		fprintf(stderr, "vmm-example: %s\n", err);
		status = rc == -ENOMEM ? VMM_EXIT_HOST : VMM_EXIT_USAGE; /* a bad path is bad input */
		goto out;
	}
	status = 0;
	if (!run)
		goto out;
	rc = vmm_create(&v, &vm, o->mem, o->ram_shared, o->smp, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "vmm-example: %s\n", err);
		status = VMM_EXIT_HOST;
		goto out;
	}
	rc = load_guest(&v, &vm, o, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "vmm-example: %s\n", err);
		status = (rc == -EINVAL || rc == -E2BIG || rc == -ENOMEM) ? VMM_EXIT_USAGE
									  : VMM_EXIT_HOST;
		goto out;
	}
	/* The dead-halt watchdog (vCPU 0 halted with interrupts off) ends a payload's run and
	 * also catches a Linux that stops early with cli; hlt (a corrupt kernel image makes the
	 * bzImage decompressor do that, silently): a bounded exit instead of a hang. */
	v.watch_dead_halt = true;
	v.no_cf8 = o->no_cf8;
	hooks.m = vm.m;
	hooks.o = o;
	if (o->payload_test_ged) {
		v.tick = test_ged_tick;
		v.tick_opaque = &hooks;
	} else if (o->test_hot_add.type) {
		v.tick = test_hot_add_tick;
		v.tick_opaque = &hooks;
	}
	rc = monitor_start(&v, &vm, o->monitor_path, o->qmp_path, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "vmm-example: %s\n", err);
		status = rc == -ENOMEM ? VMM_EXIT_HOST : VMM_EXIT_USAGE;
		goto out;
	}
	if (o->stats && (rc = stats_start(&v, vdm_machine_desc(vm.m)))) {
		fprintf(stderr, "vmm-example: --stats: out of memory for the counters\n");
		status = VMM_EXIT_HOST;
		goto out;
	}
	status = vmm_run(&v, o->timeout);
	summary(&v, status, t0);
	if (o->stats)
		stats_print(&v);
	if (status == VMM_EXIT_RESET && !o->payload)
		fprintf(stderr, "vmm-example: the Linux guest rebooted: after a kernel panic (look for "
			"'Kernel panic' above; panic=-1 turns a panic into a reboot) or a reboot "
			"command\n");
	if (status == VMM_EXIT_GUEST_CRASH && !o->payload && atomic_load(&vm.console_bytes) == 0)
		fprintf(stderr, "vmm-example: --kernel %s stopped before printing anything: a corrupt "
			"or truncated bzImage? (its decompressor halts silently on bad data)\n",
			o->kernel);
out:
	stats_free(&v);
	monitor_stop(&v); /* before the vCPUs' fds go: no eject can arrive after this */
	vmm_destroy(&v);
	vmm_machine_destroy(&vm);
	free(o);
	return status;
}
