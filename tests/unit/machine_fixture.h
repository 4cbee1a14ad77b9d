/* Shared by the unit tests of libvdm-machine's assembly and hotplug (no KVM): one machine per
 * test program, built from vmm-example-style arguments, its devices by id, config reads. */
#ifndef VDM_TEST_MACHINE_FIXTURE_H
#define VDM_TEST_MACHINE_FIXTURE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vdm/hotplug.h>
#include <vdm/machine.h>

/* Included by one file per test program: these are that program's machine. */
static struct vdm_machine *m;
static char err[512];

#define D (vdm_machine_desc(m))

/*
 * A machine as vmm-example would build it (512 MiB, one CPU, 40 address bits, ACPI hotplug
 * on, 2 free hotplug ports, devices in this process) from "--device SPEC",
 * "--hotplug-ports N", "--acpi-hotplug on|off" and "--preserve-config auto|on|off"
 * (anything else is ignored).  Returns what create, add or realize returned (reason in err);
 * m is set whenever create succeeded.
 */
static inline int build_machine(int argc, char **argv)
{
	struct vdm_machine_config cfg = { .struct_size = sizeof(cfg) };
	int i, rc;

	cfg.arch = VDM_ARCH_X86_64;
	cfg.ram_size = UINT64_C(512) << 20;
	cfg.phys_bits = 40;
	cfg.num_cpus = 1;
	cfg.acpi_pci_hotplug = true;
	cfg.hotplug_ports = 2;
	for (i = 0; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "--hotplug-ports"))
			cfg.hotplug_ports = (uint32_t)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--acpi-hotplug"))
			cfg.acpi_pci_hotplug = !strcmp(argv[++i], "on");
		else if (!strcmp(argv[i], "--preserve-config") && !strcmp(argv[i + 1], "on"))
			cfg.preserve_policy = VDM_PRESERVE_ON;
		else if (!strcmp(argv[i], "--preserve-config") && !strcmp(argv[i + 1], "off"))
			cfg.preserve_policy = VDM_PRESERVE_OFF;
	}
	err[0] = 0;
	m = NULL;
	rc = vdm_machine_create(&cfg, &m, err, sizeof(err));
	for (i = 0; !rc && i + 1 < argc; i++)
		if (!strcmp(argv[i], "--device"))
			rc = vdm_machine_add_spec(m, argv[++i], err, sizeof(err));
	return rc ? rc : vdm_machine_realize(m, err, sizeof(err));
}

#define BUILD(...)                                                                             \
	build_machine((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)),               \
		      (char *[]){ __VA_ARGS__ })

static inline void destroy_machine(void)
{
	vdm_machine_destroy(m);
	m = NULL;
}

/* The device with `id` (the test fails when there is none). */
static inline struct vdm_machine_dev_info dev_by_id(const char *id)
{
	struct vdm_machine_dev_info info;
	int i = vdm_machine_find(m, id);

	assert_true(i >= 0);
	assert_int_equal(vdm_machine_device(m, (size_t)i, &info), 0);
	return info;
}

/* The GED. */
static inline struct vdm_machine_dev_info ged(void)
{
	struct vdm_machine_dev_info info;
	int i = vdm_machine_ged(m);

	assert_true(i >= 0);
	assert_int_equal(vdm_machine_device(m, (size_t)i, &info), 0);
	return info;
}

/* A config read of bus:dev.fn through the machine's host bridge. */
static inline uint32_t cfg(int bus, int dev, int fn, uint32_t reg, uint32_t size)
{
	uint32_t v;

	vdm_pci_host_cfg_read(vdm_machine_pci_host(m), (uint8_t)bus, (uint8_t)(dev << 3 | fn), reg,
			      size, &v);
	return v;
}

#endif /* VDM_TEST_MACHINE_FIXTURE_H */
