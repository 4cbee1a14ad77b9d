/* Command-line parsing for vmm-example: accepts -opt, --opt, "opt value" and "opt=value";
 * validates files, sizes and --device specs up front so a bad input never reaches KVM. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vdm/builtin.h>
#include <vdm/device.h>

#include <vdm/machine.h>
#include "monitor.h"
#include "options.h"
#include "spare_pool.h"


enum opt_id {
	OPT_MEM, OPT_SMP, OPT_KERNEL, OPT_INITRD, OPT_APPEND, OPT_PAYLOAD, OPT_DEVICE,
	OPT_PRESERVE, OPT_ACPI_HP, OPT_HP_PORTS, OPT_DUMP_ACPI, OPT_DUMP_DTB, OPT_TOPOLOGY,
	OPT_TIMEOUT, OPT_MEM_BACKEND, OPT_TEST_GED, OPT_TEST_HOT_ADD, OPT_MONITOR, OPT_QMP, OPT_HELP,
	OPT_IN_PROCESS, OPT_SPARE, OPT_BOOT, OPT_STATS, OPT_CF8,
};

struct opt_def {
	const char *name;
	const char *alias;
	enum opt_id id;
	const char *arg; /* NULL = flag */
};

static const struct opt_def opts[] = {
	{ "m", "memory", OPT_MEM, "SIZE" },
	{ "smp", NULL, OPT_SMP, "N" },
	{ "kernel", NULL, OPT_KERNEL, "FILE" },
	{ "initrd", NULL, OPT_INITRD, "FILE" },
	{ "append", NULL, OPT_APPEND, "CMDLINE" },
	{ "payload", NULL, OPT_PAYLOAD, "FILE" },
	{ "device", NULL, OPT_DEVICE, "SPEC" },
	{ "preserve-config", NULL, OPT_PRESERVE, "auto|on|off" },
	{ "acpi-hotplug", NULL, OPT_ACPI_HP, "on|off" },
	{ "hotplug-ports", NULL, OPT_HP_PORTS, "N" },
	{ "dump-acpi", NULL, OPT_DUMP_ACPI, "DIR" },
	{ "dump-dtb", NULL, OPT_DUMP_DTB, "FILE" },
	{ "print-topology", NULL, OPT_TOPOLOGY, NULL },
	{ "timeout", NULL, OPT_TIMEOUT, "SECONDS" },
	{ "memory-backend", NULL, OPT_MEM_BACKEND, "memfd|anon" },
	{ "payload-test-ged", NULL, OPT_TEST_GED, NULL },
	{ "test-hot-add", NULL, OPT_TEST_HOT_ADD, "SECONDS:SPEC" },
	{ "monitor", NULL, OPT_MONITOR, "unix:PATH" },
	{ "qmp", NULL, OPT_QMP, "unix:PATH" },
	{ "help", "h", OPT_HELP, NULL },
	{ "in-process", NULL, OPT_IN_PROCESS, NULL },
	{ "spare-devhosts", NULL, OPT_SPARE, "N" },
	{ "boot", NULL, OPT_BOOT, "acpi|dt" },
	{ "stats", NULL, OPT_STATS, NULL },
	{ "pci-cf8", NULL, OPT_CF8, "on|off" },
};

void vmm_options_usage(FILE *out, const char *prog)
{
	size_t n, i;
	const struct vdm_device_type *const *types = vdm_builtin_types(&n);

	fprintf(out,
		"usage: %s [options]   (options take -x or --x, and 'x VALUE' or 'x=VALUE')\n"
		"\n"
		"A thin KVM machine (x86_64 or arm64, as built) that is its guest's firmware: it places every BAR and\n"
		"bridge window, writes ACPI tables (HW-reduced, MCFG, GED hotplug) and boots Linux\n"
		"or a flat test payload.\n"
		"\n"
		"What to run (with no --kernel and no --payload: the default guest, unless only\n"
		"--dump-acpi/--dump-dtb/--print-topology are asked for, which then run alone):\n"
		"  --kernel FILE          Linux kernel, told apart by its content.  x86_64: an\n"
		"                         uncompressed vmlinux ELF with a PVH entry note (entered\n"
		"                         directly, nothing to decompress: the fast boot) or a\n"
		"                         bzImage (boot protocol >= 2.12, 64-bit entry; it first\n"
		"                         decompresses itself); arm64: the uncompressed Image.\n"
		"                         Anything else is refused before the guest starts.\n"
		"                         Default: the default guest's Debian kernel in\n"
		"                         " VMM_DEFAULT_GUEST_DIR "/\n"
		"                         ($VDM_CACHE_DIR/" VMM_DEFAULT_GUEST "/ if set; made by\n"
		"                         scripts/build-initramfs.sh " VMM_DEFAULT_GUEST_ARGS "\n"
		"                         or scripts/run.sh):\n"
		"                         its vmlinux when there (x86_64), else its vmlinuz\n"
		"  --initrd FILE          initramfs (default with the default kernel: the default\n"
		"                         guest's busybox initramfs: PCI listing, then a shell)\n"
		"  --append CMDLINE       kernel command line (default \"" VMM_DEFAULT_CMDLINE "\");\n"
		"                         reboot=acpi and panic=-1 are added unless it sets them, so\n"
		"                         a guest reboot or kernel panic ends the run (exit status 1);\n"
		"                         x86: pci=noearly too, unless it has a pci= (skips Linux's\n"
		"                         early chipset quirks, a scan of 256 buses by port I/O)\n"
		"  --payload FILE         flat binary loaded at 1 MiB and entered in long mode\n"
		"                         (contract: vmm-example/PAYLOAD.md)\n"
		"\n"
		"Machine:\n"
		"  -m, --memory SIZE      guest RAM; plain numbers are MiB, or 512M, 2G (default 512M,\n"
		"                         at least 32M, a multiple of 1M)\n"
		"  --memory-backend memfd|anon\n"
		"                         memfd (default): RAM another process can map; anon: private\n"
		"                         memory with transparent huge pages, much faster under\n"
		"                         nested KVM when the host's shmem THP is off\n"
		"  --smp N                vCPUs, 1..%d (default 1)\n"
		"  --device SPEC          add a device, repeatable: TYPE[,prop=value...]\n"
		"                         every type also takes id=NAME, bus=ROOTPORT-ID, addr=SLOT\n"
		"  --hotplug-ports N      free pcie-root-ports for hotplug besides those the devices\n"
		"                         need (default %d)\n"
		"  --acpi-hotplug on|off  ACPI PCI hotplug through the GED (default on)\n"
		"  --preserve-config auto|on|off\n"
		"                         host bridge _DSM function 5: on = 0 (keep firmware's BARs),\n"
		"                         off = 1 (OS may reassign), auto = on iff ACPI hotplug is on\n"
		"                         (aliases: preserve = on, reassign = off)\n"
		"  --timeout SECONDS      stop the guest after this much wall time (exit status 3)\n"
		"  --boot acpi|dt         arm64: boot Linux with ACPI (default; the VMM hands over\n"
		"                         EFI tables, no firmware runs) or the device tree alone\n"
		"  --pci-cf8 on|off       x86: the legacy PCI configuration ports 0xCF8/0xCFC\n"
		"                         (default on).  off: they read as all-ones, Linux finds\n"
		"                         no mechanism #1 and reaches config space only through\n"
		"                         ECAM (MCFG): one MMIO exit per access instead of two\n"
		"                         port exits (BENCHMARKS.md, boot breakdown)\n"
		"  --in-process           run the root ports, the GED and every device inside this\n"
		"                         process (embedding, debugging, comparison); by default\n"
		"                         each runs sandboxed in its own vdm-devhost process\n"
		"                         ($VDM_DEVHOST, else found beside this program or installed)\n"
		"  --spare-devhosts N     keep N device hosts (0..%d, default 2) started and locked\n"
		"                         down ahead of device_add, which then only creates its\n"
		"                         device; a taken one is replaced once the guest is done\n"
		"                         with what it was given\n"
		"\n"
		"Control (while the guest runs):\n"
		"  --monitor unix:PATH    human monitor on a UNIX socket (also Ctrl-A c on a terminal):\n"
		"                         device_add SPEC, device_del ID, info pci, info devices, quit\n"
		"  --qmp unix:PATH        QMP (JSON): qmp_capabilities, device_add, device_del,\n"
		"                         query-pci, human-monitor-command, quit; DEVICE_DELETED events\n"
		"\n"
		"Inspection (work without /dev/kvm when nothing is run):\n"
		"  --print-topology       print bus:dev.fn, ids, BARs and bridge windows at start\n"
		"  --dump-acpi DIR        write the ACPI tables into DIR: rsdp.dat xsdt.dat facp.dat\n"
		"                         apic.dat mcfg.dat dsdt.aml (for iasl -d, acpiexec)\n"
		"  --dump-dtb FILE        write the machine's flattened device tree\n"
		"  --stats                at the end of the run, print (stderr, lines starting\n"
		"                         'vmm-example: stats:') the guest's exits to the VMM: count\n"
		"                         and handling time by kind, port I/O by port, MMIO by\n"
		"                         region, and KVM's own counters of each vCPU (in-kernel\n"
		"                         exits, time halted).  Off: one untaken branch per exit\n"
		"  -h, --help             this text\n"
		"\n"
		"Test hooks:\n"
		"  --payload-test-ged     with --payload: once the guest first reads the GED event\n"
		"                         selector, hot-add a pci-testdev into the first empty hotplug\n"
		"                         root port and raise the GED PCI hotplug event\n"
		"  --test-hot-add SECONDS:SPEC\n"
		"                         after SECONDS of guest run, hot-add the PCI endpoint SPEC\n"
		"                         (as --device; bus=ROOTPORT or the first empty hotplug port)\n"
		"                         through ACPI hotplug, e.g. 30:pci-testdev,membar=1G,bus=rp0\n"
		"\n"
		"Device types (QEMU's names):\n",
		prog, VMM_MAX_CPUS, VMM_DEFAULT_HOTPLUG_PORTS, SPARE_POOL_MAX);
	for (i = 0; i < n; i++) {
		const char *old_name = vdm_props_type_old_name(types[i]->name);
		uint32_t p;

		fprintf(out, "  %-16s %s\n", types[i]->name, types[i]->summary ? types[i]->summary : "");
		if (old_name) /* QEMU's names are the types' names; vdm's former ones still work */
			fprintf(out, "      (also accepted as %s)\n", old_name);
		for (p = 0; p < types[i]->num_props; p++)
			fprintf(out, "      %-16s %s\n", types[i]->props_schema[p].name,
				types[i]->props_schema[p].help ? types[i]->props_schema[p].help : "");
	}
	fprintf(out,
		"\n"
		"Console: COM1 (0x3F8, IRQ 4) is stdin/stdout.  To quit: 'poweroff -f' in the guest's\n"
		"shell, or Ctrl-A x when stdin is a terminal (Ctrl-A Ctrl-A sends one Ctrl-A; Ctrl-C\n"
		"goes to the guest; Ctrl-A c switches to the monitor and back).  Hot-plug into a\n"
		"running guest: device_add in the monitor (--monitor, --qmp, Ctrl-A c).\n"
		"Without VMX/SVM (no usable /dev/kvm), run it through scripts/nested-run.sh.\n"
		"Exit status: 0 guest powered off, 1 guest asked for a reset, 2 bad command line,\n"
		"3 guest crashed or hung (triple fault, KVM internal error, entry failure,\n"
		"dead halt, --timeout), 4 host problem (no usable /dev/kvm, out of memory).\n");
}

static int fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int check_file(const char *opt, const char *path, char *err, size_t len)
{
	struct stat st;

	if (!*path)
		return fail(err, len, "--%s: empty file name", opt);
	if (stat(path, &st) < 0)
		return fail(err, len, "--%s %s: %s", opt, path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(err, len, "--%s %s: not a regular file", opt, path);
	if (access(path, R_OK) < 0)
		return fail(err, len, "--%s %s: %s", opt, path, strerror(errno));
	return 0;
}

static int parse_uint(const char *opt, const char *v, unsigned lo, unsigned hi, unsigned *out,
		      char *err, size_t len)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(v, &end, 10);
	if (!*v || *end || errno || *v == '-' || x < lo || x > hi)
		return fail(err, len, "--%s %s: expected a whole number from %u to %u", opt, v, lo, hi);
	*out = (unsigned)x;
	return 0;
}

static int parse_mem(const char *v, uint64_t *out, char *err, size_t len)
{
	const char *p = v;
	uint64_t x;

	while (*p >= '0' && *p <= '9')
		p++;
	if (*v && !*p) { /* plain number: MiB, as QEMU */
		if (p - v > 7)
			return fail(err, len, "-m %s: too large (at most 1T)", v);
		x = strtoull(v, NULL, 10) << 20;
	} else if (vdm_parse_size(v, &x) < 0) {
		return fail(err, len, "-m %s: not a size (examples: 512, 512M, 2G)", v);
	}
	if (x % (UINT64_C(1) << 20))
		return fail(err, len, "-m %s: must be a multiple of 1M", v);
	if (x < VMM_MIN_MEM)
		return fail(err, len, "-m %s: too small, the machine needs at least 32M", v);
	if (x > VMM_MAX_MEM)
		return fail(err, len, "-m %s: too large (at most 1T)", v);
	*out = x;
	return 0;
}

static int parse_device_into(struct vmm_device_opt *d, const char *spec, char *err, size_t len)
{
	size_t ntypes;
	const struct vdm_device_type *const *types = vdm_builtin_types(&ntypes);
	char why[256];
	int rc;

	memset(d, 0, sizeof(*d));
	rc = vdm_props_parse(spec, types, ntypes, vdm_machine_props, vdm_machine_num_props, &d->type,
			     &d->props, why, sizeof(why));
	if (rc < 0)
		return fail(err, len, "--device %s: %s", spec, why);
	d->spec = spec;
	return 0;
}

static int parse_device(struct vmm_options *o, const char *spec, char *err, size_t len)
{
	int rc;

	if (o->num_devices >= VMM_MAX_DEVICE_OPTS)
		return fail(err, len, "--device %s: too many devices (at most %d)", spec,
			    VMM_MAX_DEVICE_OPTS);
	rc = parse_device_into(&o->devices[o->num_devices], spec, err, len);
	if (rc == 0)
		o->num_devices++;
	return rc;
}

static int parse_preserve(const char *v, unsigned *out, char *err, size_t len)
{
	if (!strcmp(v, "auto"))
		*out = VDM_PRESERVE_AUTO;
	else if (!strcmp(v, "on") || !strcmp(v, "preserve"))
		*out = VDM_PRESERVE_ON;
	else if (!strcmp(v, "off") || !strcmp(v, "reassign"))
		*out = VDM_PRESERVE_OFF;
	else
		return fail(err, len, "--preserve-config %s: expected auto, on or off", v);
	return 0;
}

static int parse_onoff(const char *opt, const char *v, bool *out, char *err, size_t len)
{
	if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		*out = false;
	else
		return fail(err, len, "--%s %s: expected on or off", opt, v);
	return 0;
}

static const struct opt_def *find_opt(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if (strlen(opts[i].name) == n && !strncmp(opts[i].name, name, n))
			return &opts[i];
		if (opts[i].alias && strlen(opts[i].alias) == n && !strncmp(opts[i].alias, name, n))
			return &opts[i];
	}
	return NULL;
}

static int apply(struct vmm_options *o, const struct opt_def *d, const char *v, char *err,
		 size_t len)
{
	struct stat st;

	switch (d->id) {
	case OPT_MEM:
		return parse_mem(v, &o->mem, err, len);
	case OPT_SMP:
		return parse_uint("smp", v, 1, VMM_MAX_CPUS, &o->smp, err, len);
	case OPT_KERNEL:
		o->kernel = v;
		return check_file("kernel", v, err, len);
	case OPT_INITRD:
		o->initrd = v;
		return check_file("initrd", v, err, len);
	case OPT_APPEND:
		o->append = v;
		return 0;
	case OPT_PAYLOAD:
		o->payload = v;
		return check_file("payload", v, err, len);
	case OPT_DEVICE:
		return parse_device(o, v, err, len);
	case OPT_PRESERVE:
		return parse_preserve(v, &o->preserve, err, len);
	case OPT_ACPI_HP:
		return parse_onoff("acpi-hotplug", v, &o->acpi_hotplug, err, len);
	case OPT_HP_PORTS:
		return parse_uint("hotplug-ports", v, 0, VDM_MACH_MAX_ROOT_PORTS, &o->hotplug_ports,
				  err, len);
	case OPT_DUMP_ACPI:
		if (stat(v, &st) < 0 || !S_ISDIR(st.st_mode))
			return fail(err, len, "--dump-acpi %s: not an existing directory", v);
		o->dump_acpi = v;
		return 0;
	case OPT_DUMP_DTB:
		if (!*v)
			return fail(err, len, "--dump-dtb: empty file name");
		o->dump_dtb = v;
		return 0;
	case OPT_TOPOLOGY:
		o->print_topology = true;
		return 0;
	case OPT_TIMEOUT:
		return parse_uint("timeout", v, 0, 86400 * 365, &o->timeout, err, len);
	case OPT_MEM_BACKEND:
		if (!strcmp(v, "memfd"))
			o->ram_shared = true;
		else if (!strcmp(v, "anon"))
			o->ram_shared = false;
		else
			return fail(err, len, "--memory-backend %s: expected memfd or anon", v);
		return 0;
	case OPT_TEST_HOT_ADD: {
		const char *colon = strchr(v, ':');
		char secs[16];
		size_t n = colon ? (size_t)(colon - v) : 0;
		int rc;

		if (!colon || n == 0 || n >= sizeof(secs))
			return fail(err, len, "--test-hot-add %s: expected SECONDS:SPEC", v);
		memcpy(secs, v, n);
		secs[n] = 0;
		rc = parse_uint("test-hot-add", secs, 0, 86400, &o->test_hot_add_after, err, len);
		if (rc)
			return rc;
		rc = parse_device_into(&o->test_hot_add, colon + 1, err, len);
		if (rc)
			return rc;
		if (o->test_hot_add.type->bus_kind != VDM_BUS_PCI_ENDPOINT)
			return fail(err, len, "--test-hot-add %s: only PCI endpoints can be hot-added", v);
		return 0;
	}
	case OPT_MONITOR:
		return monitor_parse_address("monitor", v, &o->monitor_path, err, len);
	case OPT_QMP:
		return monitor_parse_address("qmp", v, &o->qmp_path, err, len);
	case OPT_TEST_GED:
		o->payload_test_ged = true;
		return 0;
	case OPT_STATS:
		o->stats = true;
		return 0;
	case OPT_CF8: {
		bool on;
		int rc = parse_onoff("pci-cf8", v, &on, err, len);

		o->no_cf8 = !on;
		return rc;
	}
	case OPT_HELP:
		o->help = true;
		return 0;
	case OPT_IN_PROCESS:
		o->in_process = true;
		return 0;
	case OPT_SPARE:
		return parse_uint("spare-devhosts", v, 0, SPARE_POOL_MAX, &o->spare_devhosts, err,
				  len);
	case OPT_BOOT:
		if (strcmp(v, "acpi") && strcmp(v, "dt"))
			return fail(err, len, "--boot %s: expected acpi (ACPI tables; arm64 through "
				    "the UEFI hand-off) or dt (arm64: the device tree alone)", v);
		o->dt_boot = !strcmp(v, "dt");
		return 0;
	}
	return fail(err, len, "internal: unhandled option");
}

int vmm_options_parse(int argc, char *const argv[], struct vmm_options *o, char *err,
		      size_t err_len)
{
	int i, rc;

	/* Everything but the device table, whose entries are cleared one by one as --device
	 * fills them (parse_device_into): clearing all 64 (168 KiB) kept every page of it resident
	 * for the whole run, memory outside guest RAM that no default machine uses. */
	memset(o, 0, offsetof(struct vmm_options, devices));
	memset(&o->num_devices, 0, sizeof(*o) - offsetof(struct vmm_options, num_devices));
	o->mem = VMM_DEFAULT_MEM;
	o->smp = 1;
	o->preserve = VDM_PRESERVE_AUTO;
	o->acpi_hotplug = true;
	o->spare_devhosts = 2;
	o->ram_shared = true;
	o->hotplug_ports = VMM_DEFAULT_HOTPLUG_PORTS;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *name, *eq, *val;
		const struct opt_def *d;
		size_t n;

		if (a[0] != '-' || !a[1])
			return fail(err, err_len, "unexpected argument '%s' (options start with '-'; "
				    "see --help)", a);
		name = a + (a[1] == '-' ? 2 : 1);
		eq = strchr(name, '=');
		n = eq ? (size_t)(eq - name) : strlen(name);
		d = find_opt(name, n);
		if (!d)
			return fail(err, err_len, "unknown option '%s' (see --help)", a);
		if (!d->arg) {
			if (eq)
				return fail(err, err_len, "option '%.*s' takes no value", (int)n, name);
			val = NULL;
		} else if (eq) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			return fail(err, err_len, "option '%s' needs a value (%s)", a, d->arg);
		}
		rc = apply(o, d, val, err, err_len);
		if (rc)
			return rc;
	}
	if (o->help)
		return 0;
	if (o->kernel && o->payload)
		return fail(err, err_len, "--kernel and --payload exclude each other: give one");
	if (o->payload_test_ged && !o->payload)
		return fail(err, err_len, "--payload-test-ged needs --payload");
	if ((o->initrd || o->append) && o->payload)
		return fail(err, err_len, "%s is for a Linux kernel, not --payload",
			    o->initrd ? "--initrd" : "--append");
	return 0;
}
