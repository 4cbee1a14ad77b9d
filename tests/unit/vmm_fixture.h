/* Shared by the unit tests that build vmm-example's machine without KVM (the sandbox backend,
 * the monitor): one machine per test program, built from options as on the command line. */
#ifndef VDM_TEST_VMM_FIXTURE_H
#define VDM_TEST_VMM_FIXTURE_H

#include <stdint.h>
#include <string.h>

#include <vdm/machine.h>

#include "options.h"
#include "vmm_machine.h"

/* Included by one file per test program: these are that program's machine. */
static struct vmm_options o;
static struct vmm_machine vm;
static char err[512];

#define D (vdm_machine_desc(vm.m))

/* vmm_machine_build() from "vmm-example" followed by the given options (which must parse);
 * evaluates to its return code, with the reason in err. */
#define BUILD(...)                                                                             \
	({                                                                                     \
		char *argv_[] = { "vmm-example", __VA_ARGS__ };                                \
		assert_int_equal(vmm_options_parse((int)(sizeof(argv_) / sizeof(argv_[0])),    \
						   argv_, &o, err, sizeof(err)), 0);            \
		vmm_machine_build(&vm, &o, 40, NULL, err, sizeof(err));                        \
	})

/* The device with `id` (the test fails when there is none). */
static inline struct vdm_machine_dev_info dev_by_id(const char *id)
{
	struct vdm_machine_dev_info info;

	assert_int_equal(vmm_machine_dev(&vm, id, &info), 0);
	return info;
}

/* The GED. */
static inline struct vdm_machine_dev_info ged(void)
{
	struct vdm_machine_dev_info info;
	int i = vdm_machine_ged(vm.m);

	assert_true(i >= 0);
	assert_int_equal(vdm_machine_device(vm.m, (size_t)i, &info), 0);
	return info;
}

/* A config read of bus:dev.fn through the machine's host bridge. */
static inline uint32_t cfg(int bus, int dev, int fn, uint32_t reg, uint32_t size)
{
	uint32_t v;

	vdm_pci_host_cfg_read(vdm_machine_pci_host(vm.m), (uint8_t)bus, (uint8_t)(dev << 3 | fn),
			      reg, size, &v);
	return v;
}

#endif /* VDM_TEST_VMM_FIXTURE_H */
