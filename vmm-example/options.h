/* vmm-example's command line: QEMU-style options parsed into one struct, with every bad
 * input turned into a single line naming the value and the fix. */
#ifndef VMM_OPTIONS_H
#define VMM_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <vdm/props.h>

#define VMM_MAX_DEVICE_OPTS 64
#define VMM_MIN_MEM (UINT64_C(32) << 20)
#define VMM_MAX_MEM (UINT64_C(1) << 40)
#define VMM_MAX_CPUS 64
#define VMM_DEFAULT_MEM (UINT64_C(512) << 20)
#define VMM_DEFAULT_HOTPLUG_PORTS 2
/* The default guest (kernel "vmlinuz", initramfs "initrd") is the folder VMM_DEFAULT_GUEST
 * made by scripts/build-initramfs.sh default-guest [--arch arm64], under $VDM_CACHE_DIR or the
 * source tree's .cache (CMake sets VMM_DEFAULT_GUEST_DIR to the latter). */
#if defined(__aarch64__)
#define VMM_DEFAULT_CMDLINE "console=ttyAMA0"
#define VMM_DEFAULT_GUEST "default-guest-arm64"
#define VMM_DEFAULT_GUEST_ARGS "default-guest --arch arm64"
#else
#define VMM_DEFAULT_CMDLINE "console=ttyS0"
#define VMM_DEFAULT_GUEST "default-guest"
#define VMM_DEFAULT_GUEST_ARGS "default-guest"
#endif
#ifndef VMM_DEFAULT_GUEST_DIR
#define VMM_DEFAULT_GUEST_DIR ".cache/" VMM_DEFAULT_GUEST
#endif

/* One --device: its type and the validated properties (the type's own and
 * vdm_machine_props: id, bus, addr). */
struct vmm_device_opt {
	const struct vdm_device_type *type;
	struct vdm_prop_values props;
	const char *spec; /* as given, for messages */
};

struct vmm_options {
	uint64_t mem;  /* bytes */
	unsigned smp;
	const char *kernel, *initrd, *append, *payload;
	struct vmm_device_opt devices[VMM_MAX_DEVICE_OPTS];
	unsigned num_devices;
	unsigned preserve;      /* enum vdm_preserve_policy */
	bool acpi_hotplug;      /* ACPI PCI hotplug through the GED (default on) */
	unsigned hotplug_ports; /* free pcie-root-ports added for hotplug */
	const char *dump_acpi;  /* directory */
	const char *dump_dtb;   /* file */
	bool print_topology;
	unsigned timeout;       /* seconds of wall clock, 0 = none */
	bool ram_shared;        /* --memory-backend memfd (default) vs anon */
	bool payload_test_ged;  /* test hook: hot-add a testdev once the GED selector is read */
	/* test hook --test-hot-add SECONDS:SPEC: hot-add SPEC after SECONDS of guest run */
	unsigned test_hot_add_after;
	struct vmm_device_opt test_hot_add; /* .type NULL = none */
	const char *monitor_path; /* --monitor unix:PATH (the human monitor), NULL = none */
	const char *qmp_path;     /* --qmp unix:PATH, NULL = none */
	bool in_process;          /* --in-process: devices in the VMM, not in vdm-devhosts */
	bool dt_boot;             /* --boot dt (arm64): no ACPI, the device tree alone */
	unsigned spare_devhosts;  /* --spare-devhosts N: device hosts ready for device_add (2) */
	bool stats;               /* --stats: count exits, print the table at the end */
	bool no_cf8;              /* --pci-cf8 off: no legacy 0xCF8/0xCFC config ports */
	bool help;
};

/*
 * Parse argv[1..argc) into *o (defaults first).  Files named by --kernel, --initrd and
 * --payload must be readable regular files; --dump-acpi must be a directory.
 * Returns 0, or -EINVAL with one line in err (no program name, no newline).
 */
int vmm_options_parse(int argc, char *const argv[], struct vmm_options *o, char *err,
		      size_t err_len);

/* The --help text. */
void vmm_options_usage(FILE *out, const char *prog);

#endif /* VMM_OPTIONS_H */
