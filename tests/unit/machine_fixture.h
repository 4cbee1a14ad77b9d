/* Shared by the unit tests that build a vmm-example machine without KVM: one machine per test
 * program, built from options as on the command line, its devices by id, and config reads. */
#ifndef VDM_TEST_MACHINE_FIXTURE_H
#define VDM_TEST_MACHINE_FIXTURE_H

#include <stdint.h>
#include <string.h>

#include "machine.h"
#include "options.h"
#include <vdm/pci_host.h>

/* Included by one file per test program: these are that program's machine. */
static struct vmm_options o;
static struct machine m;
static char err[512];

/* machine_build() from "vmm-example" followed by the given options (which must parse);
 * evaluates to its return code, with the reason in err. */
#define BUILD(...)                                                                             \
	({                                                                                     \
		char *argv_[] = { "vmm-example", __VA_ARGS__ };                                \
		assert_int_equal(vmm_options_parse((int)(sizeof(argv_) / sizeof(argv_[0])),    \
						   argv_, &o, err, sizeof(err)), 0);            \
		machine_build(&m, &o, 40, err, sizeof(err));                                   \
	})

/* The device with `id` (the test fails when there is none). */
static inline struct machine_dev *dev_by_id(const char *id)
{
	int i = machine_find_dev(&m, id);

	assert_true(i >= 0);
	return &m.devs[i];
}

/* A config read of bus:dev.fn through the machine's host bridge. */
static inline uint32_t cfg(int bus, int dev, int fn, uint32_t reg, uint32_t size)
{
	uint32_t v;

	vdm_pci_host_cfg_read(m.pci, (uint8_t)bus, (uint8_t)(dev << 3 | fn), reg, size, &v);
	return v;
}

#endif /* VDM_TEST_MACHINE_FIXTURE_H */
