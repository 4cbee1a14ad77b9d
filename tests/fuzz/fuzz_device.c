/* libFuzzer target: every device type of libvdm (the host bridge, which the VMM adds itself,
 * and each built-in type) through libvdm-fuzz's runner: what vdm-fuzz does to a plugin. */
#include <stdio.h>

#include <vdm/builtin.h>
#include <vdm/devices.h>
#include <vdm/ged.h>
#include <vdm/root_port.h>

#include "fuzz_input.h"

/*
 * Input: byte 0 picks the type (pcie-host-bridge, then the built-in types in their order),
 * the rest is the runner's op stream (fuzz/README.md): config reads/writes of any shape and
 * naturally aligned ones, BAR programming and sizing, region accesses of any shape and to
 * registers, resets, host-control calls (the GED's and the root port's families).
 * Invariants (abort on violation): everything libvdm-fuzz checks for a plugin: the pci.h
 * access contract, read-only identity fields, BAR sizing equal to the declaration after
 * any traffic, reset back to the power-on image, undeclared regions refused with all-ones,
 * interrupts only on declared lines, host control as device.h says, the VDM_PURE_*
 * promises.  Device-specific behaviour has its own target (fuzz_testdev, fuzz_root_port,
 * fuzz_ged); this one keeps every type, and the runner itself, to the common rules.
 */

#define DEV_MAX_TYPES 8

static const struct vdm_device_type *dev_pick_type(uint8_t b)
{
	const struct vdm_device_type *const *types, *all[DEV_MAX_TYPES];
	size_t n, i, k = 0;

	all[k++] = &vdm_host_bridge_type;
	types = vdm_builtin_types(&n);
	for (i = 0; i < n && k < DEV_MAX_TYPES; i++)
		all[k++] = types[i];
	return all[b % k];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vdm_fuzz_config cfg = { VDM_STRUCT_HEAD(struct vdm_fuzz_config) };
	struct vdm_fuzz *fz;
	char err[512];
	int r;

	if (!size)
		return 0;
	cfg.type = dev_pick_type(data[0]);
	cfg.spec = ""; /* default properties */
	cfg.sink = fuzz_sink();
	cfg.num_families = 2;
	cfg.families[0] = VDM_GED_CTL_FAMILY;
	cfg.families[1] = VDM_ROOT_PORT_CTL_FAMILY;
	r = vdm_fuzz_open(&cfg, &fz, err, sizeof(err));
	FUZZ_CHECK(r == 0, "%s with default properties: %d (%s)", cfg.type->name, r, err);
	if (r)
		return 0;
	vdm_fuzz_run(fz, data + 1, size - 1);
	vdm_fuzz_close(fz);
	return 0;
}
