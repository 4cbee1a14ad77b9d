/* libFuzzer target: every PCI device type of libvdm with default properties (the host bridge,
 * which the VMM adds itself, and each built-in PCI type) through the generic PCI checks. */
#include <errno.h>
#include <string.h>

#include <vdm/builtin.h>
#include <vdm/devices.h>
#include <vdm/pci.h>

#include "fuzz_pci.h"

/*
 * Input: byte 0 picks the type (pcie-host-bridge, then the built-in types whose bus is PCI),
 * the rest is ops: config reads/writes of any shape, BAR programming and sizing, accesses
 * to regions the type does not declare, host-control calls, resets.  Invariants (abort on
 * violation): the pci.h access contract, read-only header fields, BAR sizing equal to the
 * declaration after any traffic, reset back to the power-on image, undeclared regions
 * refused with all-ones, a type without a control handler refusing every op with
 * -EOPNOTSUPP and result 0.  Device-specific behaviour has its own target (fuzz_testdev,
 * fuzz_root_port); this one makes sure no PCI type escapes the common rules.
 */

#define PF_MAX_OPS 256

static const struct vdm_device_type *pf_pick_type(uint8_t b)
{
	const struct vdm_device_type *const *types, *pci[8];
	size_t n, i, k = 0;

	pci[k++] = &vdm_host_bridge_type;
	types = vdm_builtin_types(&n);
	for (i = 0; i < n && k < 8; i++)
		if (types[i]->bus_kind == VDM_BUS_PCI_ENDPOINT ||
		    types[i]->bus_kind == VDM_BUS_PCI_BRIDGE)
			pci[k++] = types[i];
	return pci[b % k];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct vdm_device_type *t;
	struct vdm_device *dev = NULL;
	struct fzpci *p;
	struct fz f;
	char err[200] = "";
	int n, r;

	fz_init(&f, data, size);
	t = pf_pick_type(fz_u8(&f));
	r = t->create(NULL, NULL, &dev, err, sizeof(err));
	FUZZ_CHECK(r == 0 && dev, "%s with default properties: %d (%s)", t->name, r, err);
	FUZZ_CHECK(dev->type == t && dev->res.bus_kind == t->bus_kind,
		   "%s declares bus kind %u", t->name, dev->res.bus_kind);
	p = malloc(sizeof(*p));
	if (!p) {
		vdm_device_destroy(dev);
		return 0;
	}
	fzpci_init(p, dev, vdm_pci_function_of(dev)->cfg.size);
	for (n = 0; n < PF_MAX_OPS && fz_more(&f); n++) {
		uint8_t op = fz_u8(&f);

		if (fzpci_generic_op(p, op % 8, &f)) {
			fzpci_check_ro(p);
			continue;
		}
		switch (op % 8) {
		case 5: { /* a region access: declared ones are the device's own business */
			uint32_t region = fz_u8(&f) % 8, sz = fz_access_size(&f);
			uint64_t off = fz_offset(&f, 4096), v = 0x5a5a;

			if (region < VDM_MAX_REGIONS && dev->res.regions[region].kind != VDM_REGION_NONE)
				break;
			r = (op & 0x80) ? vdm_bar_write(dev, region, off, sz, fz_u64(&f))
					: vdm_bar_read(dev, region, off, sz, &v);
			FUZZ_CHECK(r < 0 && ((op & 0x80) || (v & fz_ones(sz)) == fz_ones(sz)),
				   "%s: access to undeclared region %u returned %d, %#llx", t->name,
				   region, r, (unsigned long long)v);
			break;
		}
		case 6:
			if (!vdm_device_has_control(dev)) {
				uint32_t ctl = fz_u32(&f), a = fz_u32(&f);
				uint64_t res = 0;

				r = vdm_device_control(dev, ctl, a, 0, &res);
				FUZZ_CHECK(r == -EOPNOTSUPP && res == 0, "%s: control %#x returned %d",
					   t->name, ctl, r);
			}
			break;
		default: /* 7: reset */
			vdm_device_reset(dev);
			if (t != &vdm_root_port_type) /* presence survives: fuzz_root_port checks it */
				fzpci_check_space(p, p->power_on, "after reset");
			break;
		}
		fzpci_check_ro(p);
	}
	fzpci_check_bars(p);
	vdm_device_destroy(dev);
	free(p);
	return 0;
}
