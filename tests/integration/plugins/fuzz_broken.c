/* A deliberately broken device plugin for the fuzz driver's tests: "broken-oob" reads past its
 * register file in a BAR handler, "broken-bar" resizes its BAR when a register is written. */
/*
 * Built from an installed vdm the way a plugin author builds (tests/integration/
 * test_fuzz_install.sh): `cc -shared -fPIC $(pkg-config --cflags vdm)`, plus vdm-fuzz's
 * plugin_cflags for the in-process run.  Config space is the PCI core's (pci.h, resolved from
 * the host like every vdm_* helper), so it obeys pci.h and each type has exactly one bug:
 *
 * broken-oob  BAR0 is 16 MiB of 32-bit MMIO; its first 16 dwords are registers.  bar_read
 *             checks the offset against the BAR's size, not the register file's: a read
 *             past 0x40 reads past the heap block (ASan: heap-buffer-overflow; in a device
 *             host without ASan, far enough, SIGSEGV).
 * broken-bar  BAR0 is 4 KiB; writing the PAGE_SIZE register (0x08) with low bits 1..3 also
 *             changes the BAR's write mask, so BAR sizing no longer gives the declared 4 KiB.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vdm/abi.h>
#include <vdm/device.h>
#include <vdm/pci.h>
#include <vdm/props.h>

#define NREGS 16
#define REG_PAGE_SIZE 0x08

struct broken {
	struct vdm_pci_function f; /* head and config space (pci.h): first */
	uint64_t bar_size;
	int resizes;     /* broken-bar */
	uint32_t *regs;  /* NREGS registers */
};

static int refuse(uint64_t *value, uint32_t size, int rc)
{
	*value = size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
	return rc;
}

static int bar_read(struct vdm_device *dev, uint32_t bar, uint64_t off, uint32_t size,
		    uint64_t *value)
{
	struct broken *b = (struct broken *)dev;

	if (bar != 0 || size != 4 || (off & 3))
		return refuse(value, size, -EINVAL);
	if (off >= b->bar_size)
		return refuse(value, size, -ERANGE);
	if (!b->resizes)
		*value = b->regs[off / 4]; /* THE BUG: bounded by the BAR, not by NREGS */
	else
		*value = off / 4 < NREGS ? b->regs[off / 4] : 0;
	return 0;
}

static int bar_write(struct vdm_device *dev, uint32_t bar, uint64_t off, uint32_t size,
		     uint64_t value)
{
	struct broken *b = (struct broken *)dev;

	if (bar != 0 || size != 4 || (off & 3))
		return -EINVAL;
	if (off >= b->bar_size)
		return -ERANGE;
	if (off / 4 < NREGS)
		b->regs[off / 4] = (uint32_t)value;
	if (b->resizes && off == REG_PAGE_SIZE && (value & 3))
		/* THE BUG: the page size leaks into BAR0's address mask (a resizable BAR done
		 * wrong): sizing now reads back 8, 16 or 32 KiB instead of the declared 4. */
		vdm_pci_config_set_wmask(&b->f.cfg, VDM_PCI_BAR0, 4,
					 ~(uint32_t)((b->bar_size << (value & 3)) - 1));
	return 0;
}

static void reset(struct vdm_device *dev)
{
	struct broken *b = (struct broken *)dev;

	vdm_pci_config_reset(&b->f.cfg);
	memset(b->regs, 0, NREGS * sizeof(*b->regs));
}

static void destroy(struct vdm_device *dev)
{
	struct broken *b = (struct broken *)dev;

	free(b->regs);
	free(b);
}

static const struct vdm_device_ops broken_ops = {
	VDM_STRUCT_HEAD(struct vdm_device_ops),
	.cfg_read = vdm_pci_function_cfg_read,
	.cfg_write = vdm_pci_function_cfg_write,
	.bar_read = bar_read,
	.bar_write = bar_write,
	.reset = reset,
	.destroy = destroy,
};

static int create_broken(const struct vdm_device_type *type, const struct vdm_host *host,
			 struct vdm_device **out, uint64_t bar_size, int resizes)
{
	const struct vdm_pci_ids ids = { .vendor = 0x1b36, .device = 0x00f0 + resizes,
					 .class_code = 0xff0000, .header_type = 0 };
	struct broken *b = calloc(1, sizeof(*b));

	if (!b || !(b->regs = calloc(NREGS, sizeof(*b->regs)))) {
		free(b);
		return -ENOMEM;
	}
	vdm_device_init(&b->f.dev, &broken_ops, type, host);
	b->bar_size = bar_size;
	b->resizes = resizes;
	if (vdm_pci_config_init(&b->f.cfg, &ids) ||
	    vdm_pci_config_add_bar(&b->f.cfg, 0, VDM_REGION_MEM32, 0, bar_size)) {
		destroy(&b->f.dev);
		return -EINVAL;
	}
	vdm_pci_config_seal(&b->f.cfg);
	vdm_pci_config_fill_resources(&b->f.cfg, &b->f.dev.res);
	*out = &b->f.dev;
	return 0;
}

static int create_oob(const struct vdm_prop_values *props, const struct vdm_host *host,
		      struct vdm_device **out, char *err, size_t err_len);
static int create_bar(const struct vdm_prop_values *props, const struct vdm_host *host,
		      struct vdm_device **out, char *err, size_t err_len);

static const struct vdm_device_type oob_type = {
	VDM_STRUCT_HEAD(struct vdm_device_type),
	.name = "broken-oob",
	.summary = "test plugin: BAR0 reads past its 16 registers",
	.bus_kind = VDM_BUS_PCI_ENDPOINT,
	.create = create_oob,
};

static const struct vdm_device_type bar_type = {
	VDM_STRUCT_HEAD(struct vdm_device_type),
	.name = "broken-bar",
	.summary = "test plugin: BAR0 changes size after a register write",
	.bus_kind = VDM_BUS_PCI_ENDPOINT,
	.create = create_bar,
};

static int create_oob(const struct vdm_prop_values *props, const struct vdm_host *host,
		      struct vdm_device **out, char *err, size_t err_len)
{
	(void)props;
	(void)err;
	(void)err_len;
	return create_broken(&oob_type, host, out, 16u << 20, 0);
}

static int create_bar(const struct vdm_prop_values *props, const struct vdm_host *host,
		      struct vdm_device **out, char *err, size_t err_len)
{
	(void)props;
	(void)err;
	(void)err_len;
	return create_broken(&bar_type, host, out, 4096, 1);
}

static const struct vdm_device_type *const types[] = { &oob_type, &bar_type };

static const struct vdm_plugin plugin = {
	VDM_STRUCT_HEAD(struct vdm_plugin),
	.name = "fuzz-broken",
	.types = types,
	.num_types = 2,
};

VDM_PLUGIN_ENTRY(host_abi_version)
{
	return vdm_abi_compatible(host_abi_version) ? &plugin : NULL;
}
