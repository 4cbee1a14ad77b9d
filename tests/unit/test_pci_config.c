/* Unit tests for the PCI config-space core (devices/pci/config.c, caps.c, decode.c): masks,
 * W1C, BAR sizing, capability lists, hostile accesses, reset, and the VMM-side decoders. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vdm/pci.h>

static const struct vdm_device_ops fn_ops = {
	VDM_STRUCT_HEAD(struct vdm_device_ops),
	.cfg_read = vdm_pci_function_cfg_read,
	.cfg_write = vdm_pci_function_cfg_write,
};

/* A bare function: 8086:1234, class 0x0b4001, rev 7, subsystem 1af4:0042, pin INTB. */
static struct vdm_pci_function *make_fn(uint8_t header_type, bool express)
{
	struct vdm_pci_ids ids = { .vendor = 0x8086, .device = 0x1234, .class_code = 0x0b4001,
				   .revision = 7, .header_type = header_type, .int_pin = 2,
				   .express = express, .subsys_vendor = 0x1af4,
				   .subsys_id = 0x0042 };
	struct vdm_pci_function *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	vdm_device_init(&f->dev, &fn_ops, NULL, NULL);
	assert_int_equal(vdm_pci_config_init(&f->cfg, &ids), 0);
	return f;
}

/* Finish building: seal and publish resources, as a device's create() does. */
static void finish(struct vdm_pci_function *f)
{
	vdm_pci_config_seal(&f->cfg);
	vdm_pci_config_fill_resources(&f->cfg, &f->dev.res);
}

static uint32_t rd(struct vdm_pci_function *f, uint32_t off, uint32_t size)
{
	uint32_t v = 0xdeadbeef;

	assert_int_equal(vdm_cfg_read(&f->dev, off, size, &v), 0);
	return v;
}

static void wr(struct vdm_pci_function *f, uint32_t off, uint32_t size, uint32_t v)
{
	assert_int_equal(vdm_cfg_write(&f->dev, off, size, v), 0);
}

static void type0_header_reads_ids_class_subsystem_and_pin(void **state)
{
	struct vdm_pci_function *f = make_fn(VDM_PCI_HEADER_TYPE_NORMAL, false);

	finish(f);
	assert_int_equal(rd(f, 0, 4), 0x12348086);
	assert_int_equal(rd(f, VDM_PCI_REVISION_ID, 4), 0x0b400107);
	assert_int_equal(rd(f, VDM_PCI_HEADER_TYPE, 1), 0);
	assert_int_equal(rd(f, VDM_PCI_SUBSYSTEM_VENDOR_ID, 4), 0x00421af4);
	assert_int_equal(rd(f, VDM_PCI_INTERRUPT_PIN, 1), 2);
	assert_int_equal(rd(f, VDM_PCI_COMMAND, 4), 0); /* command 0, status 0 (no caps) */
	assert_int_equal(rd(f, VDM_PCI_CAPABILITY_LIST, 1), 0);
	assert_int_equal(f->dev.res.bus_kind, VDM_BUS_PCI_ENDPOINT);
	assert_int_equal(f->dev.res.num_irqs, 1);
	free(f);
}

static void all_ones_writes_change_only_writable_header_bits(void **state)
{
	struct vdm_pci_function *f = make_fn(VDM_PCI_HEADER_TYPE_NORMAL, false);
	uint32_t off;

	finish(f);
	for (off = 0; off < VDM_PCI_STD_HEADER_SIZE; off += 4)
		wr(f, off, 4, 0xffffffff);
	assert_int_equal(rd(f, 0, 4), 0x12348086);
	/* command: IO MEM MASTER SERR INTX_DISABLE only; status error bits were 0, stay 0 */
	assert_int_equal(rd(f, VDM_PCI_COMMAND, 4), 0x00000507);
	assert_int_equal(rd(f, VDM_PCI_REVISION_ID, 4), 0x0b400107);
	/* cache line RW, latency timer 0, header type 0, BIST 0 */
	assert_int_equal(rd(f, VDM_PCI_CACHE_LINE_SIZE, 4), 0x000000ff);
	for (off = VDM_PCI_BAR0; off < 0x28; off += 4) /* no BARs declared */
		assert_int_equal(rd(f, off, 4), 0);
	assert_int_equal(rd(f, VDM_PCI_SUBSYSTEM_VENDOR_ID, 4), 0x00421af4);
	assert_int_equal(rd(f, VDM_PCI_ROM_ADDRESS, 4), 0);
	assert_int_equal(rd(f, VDM_PCI_CAPABILITY_LIST, 4), 0);
	assert_int_equal(rd(f, VDM_PCI_INTERRUPT_LINE, 4), 0x000002ff);
	/* the device-specific area outside capabilities is read-only zero */
	for (off = 0x40; off < 0x100; off += 4) {
		wr(f, off, 4, 0xffffffff);
		assert_int_equal(rd(f, off, 4), 0);
	}
	free(f);
}

static void status_error_bits_clear_on_write_one_and_keep_on_write_zero(void **state)
{
	struct vdm_pci_function *f = make_fn(VDM_PCI_HEADER_TYPE_NORMAL, true);

	assert_true(vdm_pci_config_add_cap(&f->cfg, 0x09, 4) >= 0);
	finish(f);
	vdm_pci_config_set16(&f->cfg, VDM_PCI_STATUS,
			     VDM_PCI_STATUS_ERROR_BITS | VDM_PCI_STATUS_CAP_LIST);
	wr(f, VDM_PCI_STATUS, 2, 0);
	assert_int_equal(rd(f, VDM_PCI_STATUS, 2), 0xf910);
	wr(f, VDM_PCI_STATUS, 2, VDM_PCI_STATUS_PARITY | VDM_PCI_STATUS_CAP_LIST);
	assert_int_equal(rd(f, VDM_PCI_STATUS, 2), 0xf810);
	/* a byte write to the status high byte clears only the bits it names */
	wr(f, VDM_PCI_STATUS + 1, 1, 0x20); /* REC_MASTER_ABORT */
	assert_int_equal(rd(f, VDM_PCI_STATUS, 2), 0xd810);
	/* a command-register dword write with status bits set clears them too */
	wr(f, VDM_PCI_COMMAND, 4, 0xffff0002);
	assert_int_equal(rd(f, VDM_PCI_COMMAND, 4), 0x00100002);
	free(f);
}

static void assert_bar(struct vdm_pci_function *f, unsigned bar, uint32_t all_ones_readback)
{
	uint32_t off = VDM_PCI_BAR0 + 4 * bar;

	wr(f, off, 4, 0xffffffff);
	assert_int_equal(rd(f, off, 4), all_ones_readback);
}

static void bar_sizing_returns_size_mask_with_type_bits(void **state)
{
	struct vdm_pci_function *f = make_fn(VDM_PCI_HEADER_TYPE_NORMAL, false);

	assert_int_equal(vdm_pci_config_add_bar(&f->cfg, 0, VDM_REGION_IO, 0, 256), 0);
	assert_int_equal(vdm_pci_config_add_bar(&f->cfg, 1, VDM_REGION_MEM32, 0, 4096), 0);
	assert_int_equal(vdm_pci_config_add_bar(&f->cfg, 2, VDM_REGION_MEM32,
						VDM_REGION_PREFETCHABLE, 1 << 20), 0);
	assert_int_equal(vdm_pci_config_add_bar(&f->cfg, 3, VDM_REGION_MEM64,
						VDM_REGION_PREFETCHABLE, 4 << 20), 0);
	finish(f);
	/* before sizing: only the type bits */
	assert_int_equal(rd(f, 0x10, 4), 0x1);
	assert_int_equal(rd(f, 0x14, 4), 0x0);
	assert_int_equal(rd(f, 0x18, 4), 0x8);
	assert_int_equal(rd(f, 0x1c, 4), 0xc);
	assert_int_equal(rd(f, 0x20, 4), 0x0);
	assert_bar(f, 0, 0xffffff01);
	assert_bar(f, 1, 0xfffff000);
	assert_bar(f, 2, 0xfff00008);
	assert_bar(f, 3, 0xffc0000c);
	assert_bar(f, 4, 0xffffffff); /* upper dword of a 4 MiB 64-bit BAR: all writable */
	assert_bar(f, 5, 0);          /* unused */
	/* writing 0 back restores the type bits only */
	wr(f, 0x1c, 4, 0);
	assert_int_equal(rd(f, 0x1c, 4), 0xc);
	assert_int_equal(f->dev.res.regions[3].kind, VDM_REGION_MEM64);
	assert_int_equal(f->dev.res.regions[3].size, 4 << 20);
	assert_int_equal(f->dev.res.regions[3].flags, VDM_REGION_PREFETCHABLE);
	assert_int_equal(f->dev.res.regions[4].kind, VDM_REGION_NONE);
	free(f);
}

static void big_64bit_bars_size_through_the_upper_dword(void **state)
{
	static const struct {
		uint64_t size;
		uint32_t lo, hi;
	} cases[] = {
		{ 1ull << 30, 0xc000000c, 0xffffffff },
		{ 1ull << 32, 0x0000000c, 0xffffffff },
		{ 64ull << 30, 0x0000000c, 0xfffffff0 },
		{ 1ull << 46, 0x0000000c, 0xffffc000 },
		{ 1ull << 63, 0x0000000c, 0x80000000 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vdm_pci_function *f = make_fn(VDM_PCI_HEADER_TYPE_NORMAL, false);
		uint64_t addr;

		assert_int_equal(vdm_pci_config_add_bar(&f->cfg, 2, VDM_REGION_MEM64,
							VDM_REGION_PREFETCHABLE, cases[i].size),
				 0);
		finish(f);
		assert_bar(f, 2, cases[i].lo);
		assert_bar(f, 3, cases[i].hi);
		/* program it at 2 * size (or size for 2^63) and read the address back */
		addr = cases[i].size == 1ull << 63 ? cases[i].size : cases[i].size * 2;
		assert_int_equal(vdm_pci_set_bar_address(&f->dev, 2, addr), 0);
		assert_int_equal(vdm_pci_bar_address(&f->dev, 2, &addr), 0);
		assert_true(addr == (cases[i].size == 1ull << 63 ? cases[i].size
								 : cases[i].size * 2));
		free(f);
	}
}

static void bar_declarations_outside_the_rules_are_refused(void **state)
{
	struct vdm_pci_function *f = make_fn(VDM_PCI_HEADER_TYPE_NORMAL, false);
	struct vdm_pci_function *b = make_fn(VDM_PCI_HEADER_TYPE_BRIDGE, true);
	struct vdm_pci_config *c = &f->cfg;

	assert_int_equal(vdm_pci_config_add_bar(c, 0, VDM_REGION_MEM32, 0, 3000), -EINVAL);
	assert_int_equal(vdm_pci_config_add_bar(c, 0, VDM_REGION_IO, 0, 512), -EINVAL);
	assert_int_equal(vdm_pci_config_add_bar(c, 0, VDM_REGION_IO, 0, 2), -EINVAL);
	assert_int_equal(vdm_pci_config_add_bar(c, 0, VDM_REGION_IO, VDM_REGION_PREFETCHABLE, 16),
			 -EINVAL);
	assert_int_equal(vdm_pci_config_add_bar(c, 0, VDM_REGION_MEM32, 0, 8), -EINVAL);
	assert_int_equal(vdm_pci_config_add_bar(c, 0, VDM_REGION_MEM32, 0, 1ull << 32), -EINVAL);
	assert_int_equal(vdm_pci_config_add_bar(c, 5, VDM_REGION_MEM64, 0, 4096), -EINVAL);
	assert_int_equal(vdm_pci_config_add_bar(c, 6, VDM_REGION_MEM32, 0, 4096), -EINVAL);
	assert_int_equal(vdm_pci_config_add_bar(c, 0, 99, 0, 4096), -EINVAL);
	assert_int_equal(vdm_pci_config_add_bar(c, 0, VDM_REGION_MEM32, 0x80, 4096), -EINVAL);
	assert_int_equal(vdm_pci_config_add_bar(c, 2, VDM_REGION_MEM64, 0, 4096), 0);
	assert_int_equal(vdm_pci_config_add_bar(c, 3, VDM_REGION_MEM32, 0, 4096), -EBUSY);
	assert_int_equal(vdm_pci_config_add_bar(c, 1, VDM_REGION_MEM64, 0, 4096), -EBUSY);
	assert_int_equal(vdm_pci_config_add_bar(&b->cfg, 2, VDM_REGION_MEM32, 0, 4096), -EINVAL);
	assert_int_equal(vdm_pci_config_add_bar(&b->cfg, 1, VDM_REGION_MEM64, 0, 4096), -EINVAL);
	free(f);
	free(b);
}

static void narrow_accesses_inside_a_dword_see_little_endian_bytes(void **state)
{
	struct vdm_pci_function *f = make_fn(VDM_PCI_HEADER_TYPE_NORMAL, false);

	finish(f);
	assert_int_equal(rd(f, 0, 1), 0x86);
	assert_int_equal(rd(f, 1, 1), 0x80);
	assert_int_equal(rd(f, 1, 2), 0x3480);
	assert_int_equal(rd(f, 2, 2), 0x1234);
	assert_int_equal(rd(f, 3, 1), 0x12);
	/* 2-byte write at 0x3c+1 lands on pin (RO) and 0x3e (RO 0 for type 0): no change */
	wr(f, VDM_PCI_INTERRUPT_LINE + 1, 2, 0xffff);
	assert_int_equal(rd(f, VDM_PCI_INTERRUPT_LINE, 4), 0x00000200);
	wr(f, VDM_PCI_INTERRUPT_LINE, 1, 0x0b);
	assert_int_equal(rd(f, VDM_PCI_INTERRUPT_LINE, 2), 0x020b);
	/* a 2-byte write to the command register's high byte + status low byte */
	wr(f, VDM_PCI_COMMAND + 1, 2, 0xff05);
	assert_int_equal(rd(f, VDM_PCI_COMMAND, 4), 0x00000500);
	free(f);
}

static void bad_sizes_read_all_ones_and_write_nothing(void **state)
{
	static const uint32_t sizes[] = { 0, 3, 5, 8, 16, 0xffffffffu };
	struct vdm_pci_function *f = make_fn(VDM_PCI_HEADER_TYPE_NORMAL, true);
	uint8_t before[VDM_PCI_CFG_EXP_SIZE];
	size_t i;
	uint32_t v;

	finish(f);
	memcpy(before, f->cfg.cfg, sizeof(before));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		v = 0;
		assert_int_equal(vdm_cfg_read(&f->dev, VDM_PCI_COMMAND, sizes[i], &v), -EINVAL);
		assert_int_equal(v, 0xffffffff);
		assert_int_equal(vdm_cfg_write(&f->dev, VDM_PCI_COMMAND, sizes[i], 0xffffffff),
				 -EINVAL);
		assert_int_equal(vdm_cfg_write(&f->dev, VDM_PCI_INTERRUPT_LINE, sizes[i], 0x55),
				 -EINVAL);
	}
	assert_memory_equal(before, f->cfg.cfg, sizeof(before));
	free(f);
}

static void accesses_crossing_a_dword_are_invalid_and_have_no_effect(void **state)
{
	static const struct {
		uint32_t off, size;
	} cases[] = { { 0x3d, 4 }, { 0x3e, 4 }, { 0x3f, 4 }, { 0x3f, 2 }, { 0x0b, 2 },
		      { 0x05, 4 } };
	struct vdm_pci_function *f = make_fn(VDM_PCI_HEADER_TYPE_NORMAL, true);
	uint8_t before[VDM_PCI_CFG_EXP_SIZE];
	size_t i;
	uint32_t v;

	finish(f);
	memcpy(before, f->cfg.cfg, sizeof(before));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(vdm_cfg_read(&f->dev, cases[i].off, cases[i].size, &v), -EINVAL);
		assert_int_equal(v, 0xffffffff);
		assert_int_equal(vdm_cfg_write(&f->dev, cases[i].off, cases[i].size, 0xffffffff),
				 -EINVAL);
	}
	assert_memory_equal(before, f->cfg.cfg, sizeof(before));
	free(f);
}

static void offsets_at_and_past_4096_read_all_ones_and_drop_writes(void **state)
{
	struct vdm_pci_function *f = make_fn(VDM_PCI_HEADER_TYPE_NORMAL, true);
	uint8_t before[VDM_PCI_CFG_EXP_SIZE];
	uint32_t off, v;

	finish(f);
	memcpy(before, f->cfg.cfg, sizeof(before));
	assert_int_equal(rd(f, 4094, 2), 0); /* the last valid word */
	assert_int_equal(rd(f, 4095, 1), 0);
	assert_int_equal(rd(f, 4092, 4), 0);
	for (off = 4096; off <= 5000; off++) {
		assert_int_equal(vdm_cfg_read(&f->dev, off, 1, &v), -ERANGE);
		assert_int_equal(v, 0xffffffff);
		assert_int_equal(vdm_cfg_write(&f->dev, off, 1, 0xff), -ERANGE);
	}
	assert_int_equal(vdm_cfg_read(&f->dev, 0xffffffff, 1, &v), -ERANGE);
	assert_int_equal(vdm_cfg_read(&f->dev, 4095, 2, &v), -ERANGE); /* runs past the end */
	assert_int_equal(v, 0xffffffff);
	assert_int_equal(vdm_cfg_read(&f->dev, 4094, 4, &v), -ERANGE);
	assert_int_equal(vdm_cfg_write(&f->dev, 4094, 4, 0xffffffff), -ERANGE);
	assert_memory_equal(before, f->cfg.cfg, sizeof(before));
	free(f);
}

static void conventional_function_extended_range_reads_all_ones(void **state)
{
	struct vdm_pci_function *f = make_fn(VDM_PCI_HEADER_TYPE_NORMAL, false);
	struct vdm_pci_function *e = make_fn(VDM_PCI_HEADER_TYPE_NORMAL, true);
	uint32_t id = 0;

	finish(f);
	finish(e);
	assert_int_equal(rd(f, 0x100, 4), 0xffffffff);
	assert_int_equal(rd(f, 0x100, 2), 0xffff);
	assert_int_equal(rd(f, 0xfff, 1), 0xff);
	wr(f, 0x100, 4, 0); /* accepted, dropped */
	assert_int_equal(rd(f, 0x100, 4), 0xffffffff);
	assert_int_equal(rd(f, 0xff, 1), 0);
	/* an Express function without extended capabilities: header 0 at 0x100 */
	assert_int_equal(rd(e, 0x100, 4), 0);
	assert_int_equal(vdm_pci_find_ext_cap(&e->dev, VDM_PCI_EXT_CAP_ID_ACS, &id), -ENOENT);
	assert_int_equal(vdm_pci_config_add_ext_cap(&f->cfg, 1, 1, 8), -EINVAL);
	free(f);
	free(e);
}

static void capability_list_chains_from_0x34_and_ends(void **state)
{
	struct vdm_pci_function *f = make_fn(VDM_PCI_HEADER_TYPE_NORMAL, true);
	struct vdm_pcie_cap_params p = { .port_type = VDM_PCI_EXP_TYPE_ENDPOINT };
	uint32_t off = 0, ptr, n = 0;
	int a, b, c;

	a = vdm_pci_config_add_cap(&f->cfg, VDM_PCI_CAP_ID_VNDR, 6);
	b = vdm_pci_config_add_pcie_cap(&f->cfg, &p);
	c = vdm_pci_config_add_cap(&f->cfg, VDM_PCI_CAP_ID_VNDR, 8);
	finish(f);
	assert_int_equal(a, 0x40);
	assert_int_equal(b, 0x48); /* 0x40 + 6 rounded up to a dword */
	assert_int_equal(c, 0x48 + VDM_PCI_EXP_SIZEOF_V2);
	assert_true(rd(f, VDM_PCI_STATUS, 2) & VDM_PCI_STATUS_CAP_LIST);
	/* newest first, as QEMU links them: 0x34 -> c -> b -> a -> end */
	assert_int_equal(rd(f, VDM_PCI_CAPABILITY_LIST, 1), (uint32_t)c);
	assert_int_equal(rd(f, (uint32_t)c + 1, 1), (uint32_t)b);
	assert_int_equal(rd(f, (uint32_t)b + 1, 1), (uint32_t)a);
	assert_int_equal(rd(f, (uint32_t)a + 1, 1), 0);
	for (ptr = rd(f, VDM_PCI_CAPABILITY_LIST, 1); ptr; ptr = rd(f, ptr + 1, 1))
		n++;
	assert_int_equal(n, 3);
	assert_int_equal(vdm_pci_find_cap(&f->dev, VDM_PCI_CAP_ID_VNDR, &off), 0);
	assert_int_equal(off, (uint32_t)c);
	assert_int_equal(vdm_pci_find_cap(&f->dev, VDM_PCI_CAP_ID_VNDR, &off), 0);
	assert_int_equal(off, 0x40);
	assert_int_equal(vdm_pci_find_cap(&f->dev, VDM_PCI_CAP_ID_VNDR, &off), -ENOENT);
	off = 0;
	assert_int_equal(vdm_pci_find_cap(&f->dev, VDM_PCI_CAP_ID_EXP, &off), 0);
	assert_int_equal(off, (uint32_t)b);
	/* PCIe v2 endpoint: flags, RBER, error enables RW, DEVSTA W1C */
	assert_int_equal(rd(f, off + VDM_PCI_EXP_FLAGS, 2), 0x0002);
	assert_int_equal(rd(f, off + VDM_PCI_EXP_DEVCAP, 4), VDM_PCI_EXP_DEVCAP_RBER);
	wr(f, off + VDM_PCI_EXP_DEVCTL, 2, 0xffff);
	assert_int_equal(rd(f, off + VDM_PCI_EXP_DEVCTL, 2), 0x000f);
	free(f);
}

static void capability_space_runs_out_with_enospc(void **state)
{
	struct vdm_pci_function *f = make_fn(VDM_PCI_HEADER_TYPE_NORMAL, false);
	int i, r = 0;

	for (i = 0; i < 100 && r >= 0; i++)
		r = vdm_pci_config_add_cap(&f->cfg, VDM_PCI_CAP_ID_VNDR, 16);
	assert_int_equal(r, -ENOSPC);
	assert_int_equal(i, 13); /* 12 caps of 16 bytes fit in 0x40..0xff */
	assert_int_equal(vdm_pci_config_add_cap(&f->cfg, 1, 1), -EINVAL);
	free(f);
}

static void extended_capabilities_chain_from_0x100(void **state)
{
	struct vdm_pci_function *f = make_fn(VDM_PCI_HEADER_TYPE_NORMAL, true);
	uint32_t off = 0;
	int a, b;

	a = vdm_pci_config_add_ext_cap(&f->cfg, 0x0001, 2, 0x48);
	b = vdm_pci_config_add_ext_cap(&f->cfg, VDM_PCI_EXT_CAP_ID_ACS, 1, 8);
	finish(f);
	assert_int_equal(a, 0x100);
	assert_int_equal(b, 0x148);
	assert_int_equal(rd(f, 0x100, 4), 0x14820001);
	assert_int_equal(rd(f, 0x148, 4), 0x0001000d);
	assert_int_equal(vdm_pci_find_ext_cap(&f->dev, VDM_PCI_EXT_CAP_ID_ACS, &off), 0);
	assert_int_equal(off, 0x148);
	off = 0;
	assert_int_equal(vdm_pci_find_ext_cap(&f->dev, 0x0002, &off), -ENOENT);
	assert_int_equal(vdm_pci_config_add_ext_cap(&f->cfg, 1, 1, 4000), -ENOSPC);
	free(f);
}

static void cyclic_or_wild_capability_pointers_end_the_walk(void **state)
{
	struct vdm_pci_function *f = make_fn(VDM_PCI_HEADER_TYPE_NORMAL, true);
	uint32_t off = 0;

	finish(f);
	/* hand-craft a self-loop at 0x40 and a self-loop at 0x100 */
	vdm_pci_config_set16(&f->cfg, VDM_PCI_STATUS, VDM_PCI_STATUS_CAP_LIST);
	vdm_pci_config_set8(&f->cfg, VDM_PCI_CAPABILITY_LIST, 0x43); /* low bits ignored */
	vdm_pci_config_set8(&f->cfg, 0x40, VDM_PCI_CAP_ID_VNDR);
	vdm_pci_config_set8(&f->cfg, 0x41, 0x40);
	vdm_pci_config_set32(&f->cfg, 0x100, 0x1000000du);
	assert_int_equal(vdm_pci_find_cap(&f->dev, VDM_PCI_CAP_ID_EXP, &off), -ENOENT);
	off = 0;
	assert_int_equal(vdm_pci_find_cap(&f->dev, VDM_PCI_CAP_ID_VNDR, &off), 0);
	assert_int_equal(off, 0x40);
	off = 0;
	assert_int_equal(vdm_pci_find_ext_cap(&f->dev, 0x0001, &off), -ENOENT);
	/* a pointer into the header ends the list */
	vdm_pci_config_set8(&f->cfg, 0x41, 0x10);
	off = 0x40;
	assert_int_equal(vdm_pci_find_cap(&f->dev, VDM_PCI_CAP_ID_VNDR, &off), -ENOENT);
	free(f);
}

static void reset_restores_the_power_on_image(void **state)
{
	struct vdm_pci_function *f = make_fn(VDM_PCI_HEADER_TYPE_NORMAL, false);
	uint64_t addr;

	assert_int_equal(vdm_pci_config_add_bar(&f->cfg, 0, VDM_REGION_MEM32, 0, 4096), 0);
	finish(f);
	assert_int_equal(vdm_pci_set_bar_address(&f->dev, 0, 0xfe000000), 0);
	wr(f, VDM_PCI_COMMAND, 2, VDM_PCI_COMMAND_MEMORY);
	wr(f, VDM_PCI_INTERRUPT_LINE, 1, 11);
	vdm_pci_config_reset(&f->cfg);
	assert_int_equal(vdm_pci_bar_address(&f->dev, 0, &addr), 0);
	assert_true(addr == 0);
	assert_int_equal(rd(f, VDM_PCI_COMMAND, 2), 0);
	assert_int_equal(rd(f, VDM_PCI_INTERRUPT_LINE, 1), 0);
	assert_int_equal(rd(f, 0, 4), 0x12348086);
	/* masks survive a reset: the BAR still sizes */
	assert_bar(f, 0, 0xfffff000);
	free(f);
}

static void bar_programming_helpers_check_alignment_and_range(void **state)
{
	struct vdm_pci_function *f = make_fn(VDM_PCI_HEADER_TYPE_NORMAL, false);
	uint64_t addr;

	assert_int_equal(vdm_pci_config_add_bar(&f->cfg, 0, VDM_REGION_MEM32, 0, 4096), 0);
	assert_int_equal(vdm_pci_config_add_bar(&f->cfg, 1, VDM_REGION_IO, 0, 256), 0);
	assert_int_equal(vdm_pci_config_add_bar(&f->cfg, 2, VDM_REGION_MEM64, 0, 1 << 20), 0);
	finish(f);
	assert_int_equal(vdm_pci_set_bar_address(&f->dev, 0, 0xfebff800), -EINVAL);
	assert_int_equal(vdm_pci_set_bar_address(&f->dev, 0, 0xfffff000), 0);
	assert_int_equal(vdm_pci_set_bar_address(&f->dev, 0, 0x100000000ull), -EINVAL);
	assert_int_equal(vdm_pci_set_bar_address(&f->dev, 1, 0xc100), 0);
	assert_int_equal(rd(f, 0x14, 4), 0xc101);
	assert_int_equal(vdm_pci_bar_address(&f->dev, 1, &addr), 0);
	assert_true(addr == 0xc100);
	assert_int_equal(vdm_pci_set_bar_address(&f->dev, 2, 0x8000100000ull), 0);
	assert_int_equal(rd(f, 0x18, 4), 0x00100004);
	assert_int_equal(rd(f, 0x1c, 4), 0x80);
	assert_int_equal(vdm_pci_bar_address(&f->dev, 3, &addr), -EINVAL); /* upper half */
	assert_int_equal(vdm_pci_bar_address(&f->dev, 4, &addr), -EINVAL); /* absent */
	assert_int_equal(vdm_pci_set_bar_address(&f->dev, 9, 0), -EINVAL);
	free(f);
}

static void bridge_header_starts_with_every_window_closed(void **state)
{
	struct vdm_pci_function *b = make_fn(VDM_PCI_HEADER_TYPE_BRIDGE, true);
	struct vdm_pci_bridge br;

	finish(b);
	assert_int_equal(b->dev.res.bus_kind, VDM_BUS_PCI_BRIDGE);
	assert_int_equal(vdm_pci_bridge_read(&b->dev, &br), 0);
	assert_false(br.io.open);
	assert_false(br.mem.open);
	assert_false(br.pref.open);
	assert_false(br.io32);
	assert_true(br.pref64);
	assert_int_equal(br.primary, 0);
	assert_int_equal(br.secondary, 0);
	assert_int_equal(br.subordinate, 0);
	free(b);
}

static void bridge_decoder_reads_32bit_io_and_64bit_prefetchable_windows(void **state)
{
	uint8_t hdr[64] = { 0 };
	struct vdm_pci_bridge br;

	hdr[VDM_PCI_IO_BASE] = 0x21;  /* 32-bit I/O, base 0x2000 */
	hdr[VDM_PCI_IO_LIMIT] = 0x31; /* limit 0x3fff */
	hdr[VDM_PCI_IO_BASE_UPPER16] = 0x01;
	hdr[VDM_PCI_IO_LIMIT_UPPER16] = 0x01;
	hdr[VDM_PCI_MEMORY_BASE] = 0x00;
	hdr[VDM_PCI_MEMORY_BASE + 1] = 0xfe; /* 0xfe000000 */
	hdr[VDM_PCI_MEMORY_LIMIT] = 0x10;
	hdr[VDM_PCI_MEMORY_LIMIT + 1] = 0xfe; /* 0xfe1fffff */
	hdr[VDM_PCI_PREF_MEMORY_BASE] = 0x01;
	hdr[VDM_PCI_PREF_MEMORY_LIMIT] = 0xf1;
	hdr[VDM_PCI_PREF_MEMORY_LIMIT + 1] = 0xff;
	hdr[VDM_PCI_PREF_BASE_UPPER32] = 0x80;
	hdr[VDM_PCI_PREF_LIMIT_UPPER32] = 0x8f;
	hdr[VDM_PCI_PRIMARY_BUS] = 0;
	hdr[VDM_PCI_SECONDARY_BUS] = 3;
	hdr[VDM_PCI_SUBORDINATE_BUS] = 7;
	vdm_pci_bridge_decode(hdr, &br);
	assert_true(br.io32);
	assert_true(br.io.open && br.io.base == 0x12000 && br.io.limit == 0x13fff);
	assert_true(br.mem.open && br.mem.base == 0xfe000000 && br.mem.limit == 0xfe1fffff);
	assert_true(br.pref64);
	assert_true(br.pref.open && br.pref.base == 0x8000000000ull &&
		    br.pref.limit == 0x8fffffffffull);
	assert_int_equal(br.secondary, 3);
	assert_int_equal(br.subordinate, 7);
}

/* Storm: random writes of every size at every offset, then per-byte invariants. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

static void random_write_storm_keeps_read_only_bits(void **state)
{
	struct vdm_pci_function *f = make_fn(VDM_PCI_HEADER_TYPE_NORMAL, true);
	struct vdm_pcie_cap_params p = { .port_type = VDM_PCI_EXP_TYPE_ENDPOINT };
	uint32_t i, n, v;

	assert_int_equal(vdm_pci_config_add_bar(&f->cfg, 0, VDM_REGION_MEM64, 0, 1ull << 36), 0);
	assert_true(vdm_pci_config_add_pcie_cap(&f->cfg, &p) > 0);
	assert_true(vdm_pci_config_add_msi_cap(&f->cfg) > 0);
	assert_true(vdm_pci_config_add_ext_cap(&f->cfg, VDM_PCI_EXT_CAP_ID_ACS, 1, 8) > 0);
	finish(f);
	for (n = 0; n < 200000; n++) {
		uint32_t off = rng() % 4200, size = rng() % 6;

		(void)vdm_cfg_write(&f->dev, off, size, rng());
		if ((n & 7) == 0)
			(void)vdm_cfg_read(&f->dev, off, size, &v);
	}
	for (i = 0; i < VDM_PCI_CFG_EXP_SIZE; i++) {
		uint8_t ro = (uint8_t)~(f->cfg.wmask[i] | f->cfg.w1cmask[i]);

		assert_int_equal(f->cfg.cfg[i] & ro, f->cfg.power_on[i] & ro);
		/* a W1C bit never becomes 1 from a guest write */
		assert_int_equal(f->cfg.cfg[i] & f->cfg.w1cmask[i] & ~f->cfg.power_on[i], 0);
	}
	assert_int_equal(rd(f, 0, 4), 0x12348086);
	assert_bar(f, 0, 0x00000004);
	assert_bar(f, 1, 0xfffffff0);
	n = 0;
	for (v = rd(f, VDM_PCI_CAPABILITY_LIST, 1); v && n < 10; v = rd(f, v + 1, 1))
		n++;
	assert_int_equal(n, 2);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(type0_header_reads_ids_class_subsystem_and_pin),
		cmocka_unit_test(all_ones_writes_change_only_writable_header_bits),
		cmocka_unit_test(status_error_bits_clear_on_write_one_and_keep_on_write_zero),
		cmocka_unit_test(bar_sizing_returns_size_mask_with_type_bits),
		cmocka_unit_test(big_64bit_bars_size_through_the_upper_dword),
		cmocka_unit_test(bar_declarations_outside_the_rules_are_refused),
		cmocka_unit_test(narrow_accesses_inside_a_dword_see_little_endian_bytes),
		cmocka_unit_test(bad_sizes_read_all_ones_and_write_nothing),
		cmocka_unit_test(accesses_crossing_a_dword_are_invalid_and_have_no_effect),
		cmocka_unit_test(offsets_at_and_past_4096_read_all_ones_and_drop_writes),
		cmocka_unit_test(conventional_function_extended_range_reads_all_ones),
		cmocka_unit_test(capability_list_chains_from_0x34_and_ends),
		cmocka_unit_test(capability_space_runs_out_with_enospc),
		cmocka_unit_test(extended_capabilities_chain_from_0x100),
		cmocka_unit_test(cyclic_or_wild_capability_pointers_end_the_walk),
		cmocka_unit_test(reset_restores_the_power_on_image),
		cmocka_unit_test(bar_programming_helpers_check_alignment_and_range),
		cmocka_unit_test(bridge_header_starts_with_every_window_closed),
		cmocka_unit_test(bridge_decoder_reads_32bit_io_and_64bit_prefetchable_windows),
		cmocka_unit_test(random_write_storm_keeps_read_only_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
