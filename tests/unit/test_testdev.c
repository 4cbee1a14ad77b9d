/* Unit tests for pci-testdev (devices/testdev.c): QEMU's 1b36:0005 identity, BAR sizing with
 * and without membar, the kvm-unit-tests protocol on BAR0/BAR1, reset and hostile input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <vdm/builtin.h>
#include <vdm/devices.h>
#include <vdm/pci.h>
#include <vdm/props.h>

static struct vdm_device *create(const char *args)
{
	struct vdm_prop_values pv;
	struct vdm_device *d = NULL;
	char err[256];

	assert_int_equal(vdm_props_parse_args(args, &vdm_testdev_type, NULL, 0, &pv, err,
					      sizeof(err)),
			 0);
	assert_int_equal(vdm_testdev_type.create(&pv, NULL, &d, err, sizeof(err)), 0);
	assert_non_null(d);
	return d;
}

static uint32_t cfg(struct vdm_device *d, uint32_t off, uint32_t size)
{
	uint32_t v = 0xdeadbeef;

	assert_int_equal(vdm_cfg_read(d, off, size, &v), 0);
	return v;
}

static void cfg_wr(struct vdm_device *d, uint32_t off, uint32_t size, uint32_t v)
{
	assert_int_equal(vdm_cfg_write(d, off, size, v), 0);
}

static uint64_t bar(struct vdm_device *d, uint32_t b, uint64_t off, uint32_t size)
{
	uint64_t v = 0xdeadbeef;

	assert_int_equal(vdm_bar_read(d, b, off, size, &v), 0);
	return v;
}

static void bar_wr(struct vdm_device *d, uint32_t b, uint64_t off, uint32_t size, uint64_t v)
{
	assert_int_equal(vdm_bar_write(d, b, off, size, v), 0);
}

static uint32_t size_bar(struct vdm_device *d, unsigned n)
{
	cfg_wr(d, VDM_PCI_BAR0 + 4 * n, 4, 0xffffffff);
	return cfg(d, VDM_PCI_BAR0 + 4 * n, 4);
}

static void identity_matches_qemu_pci_testdev(void **state)
{
	struct vdm_device *d = create("");

	assert_int_equal(cfg(d, VDM_PCI_VENDOR_ID, 2), 0x1b36);
	assert_int_equal(cfg(d, VDM_PCI_DEVICE_ID, 2), 0x0005);
	assert_int_equal(cfg(d, VDM_PCI_REVISION_ID, 1), 0);
	/* QEMU's class: base class 0x00, sub-class 0xff, prog-if 0 (PCI_CLASS_OTHERS = 0xff in
	 * QEMU's 16-bit class_id: the sub-class byte), i.e. class code 0x00ff00 */
	assert_int_equal(cfg(d, VDM_PCI_REVISION_ID, 4), 0x00ff0000);
	assert_int_equal(cfg(d, VDM_PCI_CLASS_DEVICE, 1), 0xff); /* sub-class */
	assert_int_equal(cfg(d, VDM_PCI_CLASS_DEVICE + 1, 1), 0x00); /* base class */
	assert_int_equal(cfg(d, VDM_PCI_HEADER_TYPE, 1), 0);
	assert_int_equal(cfg(d, VDM_PCI_SUBSYSTEM_VENDOR_ID, 2), 0x1af4);
	assert_int_equal(cfg(d, VDM_PCI_SUBSYSTEM_ID, 2), 0x1100);
	assert_int_equal(cfg(d, VDM_PCI_INTERRUPT_PIN, 1), 0);
	assert_int_equal(cfg(d, VDM_PCI_STATUS, 2), 0); /* no capability list */
	assert_int_equal(cfg(d, VDM_PCI_CAPABILITY_LIST, 1), 0);
	assert_int_equal(cfg(d, VDM_PCI_ROM_ADDRESS, 4), 0);
	/* conventional PCI: nothing past 256 */
	assert_int_equal(cfg(d, 0x100, 4), 0xffffffff);
	assert_string_equal(d->type->name, "pci-testdev"); /* QEMU's name */
	assert_int_equal(d->res.bus_kind, VDM_BUS_PCI_ENDPOINT);
	assert_int_equal(d->res.num_irqs, 0);
	assert_int_equal(d->res.regions[0].kind, VDM_REGION_MEM32);
	assert_int_equal(d->res.regions[0].size, 4096);
	assert_int_equal(d->res.regions[0].flags, 0);
	assert_int_equal(d->res.regions[1].kind, VDM_REGION_IO);
	assert_int_equal(d->res.regions[1].size, 256);
	assert_int_equal(d->res.regions[2].kind, VDM_REGION_NONE);
	assert_ptr_equal(vdm_builtin_find("pci-testdev"), &vdm_testdev_type);
	assert_ptr_equal(vdm_builtin_find("testdev"), &vdm_testdev_type); /* former name */
	vdm_device_destroy(d);
}

static void read_only_registers_survive_all_ones_writes(void **state)
{
	struct vdm_device *d = create("");
	uint32_t off;

	for (off = 0; off < 0x100; off += 4)
		cfg_wr(d, off, 4, 0xffffffff);
	assert_int_equal(cfg(d, 0x00, 4), 0x00051b36);
	assert_int_equal(cfg(d, 0x04, 4), 0x00000507); /* command writable bits, status 0 */
	assert_int_equal(cfg(d, 0x08, 4), 0x00ff0000);
	assert_int_equal(cfg(d, 0x0c, 4), 0x000000ff); /* cache line RW only */
	assert_int_equal(cfg(d, 0x10, 4), 0xfffff000); /* BAR0: 4 KiB MMIO32 */
	assert_int_equal(cfg(d, 0x14, 4), 0xffffff01); /* BAR1: 256 B I/O */
	for (off = 0x18; off < 0x28; off += 4)
		assert_int_equal(cfg(d, off, 4), 0);
	assert_int_equal(cfg(d, 0x2c, 4), 0x11001af4);
	assert_int_equal(cfg(d, 0x30, 4), 0);
	assert_int_equal(cfg(d, 0x34, 4), 0);
	assert_int_equal(cfg(d, 0x3c, 4), 0x000000ff); /* line RW, pin 0 */
	for (off = 0x40; off < 0x100; off += 4)
		assert_int_equal(cfg(d, off, 4), 0);
	vdm_device_destroy(d);
}

static void membar_sizes_as_64bit_prefetchable_bar2(void **state)
{
	static const struct {
		const char *args;
		uint64_t size;
		uint32_t lo, hi;
	} cases[] = {
		{ "membar=4M", 4ull << 20, 0xffc0000c, 0xffffffff },
		{ "membar=1G", 1ull << 30, 0xc000000c, 0xffffffff },
		{ "membar=64G", 64ull << 30, 0x0000000c, 0xfffffff0 },
		{ "membar=64T", 1ull << 46, 0x0000000c, 0xffffc000 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vdm_device *d = create(cases[i].args);

		assert_int_equal(cfg(d, 0x18, 4), 0x0000000c); /* type: 64-bit, prefetchable */
		assert_int_equal(cfg(d, 0x1c, 4), 0);
		assert_int_equal(size_bar(d, 2), cases[i].lo);
		assert_int_equal(size_bar(d, 3), cases[i].hi);
		assert_int_equal(size_bar(d, 0), 0xfffff000); /* BAR0/1 unchanged by membar */
		assert_int_equal(size_bar(d, 1), 0xffffff01);
		assert_int_equal(size_bar(d, 4), 0);
		assert_int_equal(d->res.regions[2].kind, VDM_REGION_MEM64);
		assert_true(d->res.regions[2].size == cases[i].size);
		assert_int_equal(d->res.regions[2].flags, VDM_REGION_PREFETCHABLE);
		assert_int_equal(d->res.regions[3].kind, VDM_REGION_NONE);
		/* the VMM places it above 4 GiB and reads the address back */
		assert_int_equal(vdm_pci_set_bar_address(d, 2, cases[i].size * 16), 0);
		{
			uint64_t a;

			assert_int_equal(vdm_pci_bar_address(d, 2, &a), 0);
			assert_true(a == cases[i].size * 16);
		}
		vdm_device_destroy(d);
	}
}

static void absent_bar2_reads_zero_and_stays_zero(void **state)
{
	struct vdm_device *d = create("membar=0");
	uint64_t v;

	assert_int_equal(d->res.regions[2].kind, VDM_REGION_NONE);
	assert_int_equal(cfg(d, 0x18, 4), 0);
	assert_int_equal(size_bar(d, 2), 0);
	assert_int_equal(size_bar(d, 3), 0);
	assert_int_equal(vdm_bar_read(d, 2, 0, 4, &v), -EINVAL);
	assert_true(v == UINT64_MAX);
	assert_int_equal(vdm_bar_write(d, 2, 0, 4, 1), -EINVAL);
	vdm_device_destroy(d);
}

static void membar_reads_zero_and_drops_writes(void **state)
{
	struct vdm_device *d = create("membar=64G");
	uint64_t v;

	bar_wr(d, 2, 0, 8, 0x1122334455667788ull);
	assert_true(bar(d, 2, 0, 8) == 0);
	assert_true(bar(d, 2, (64ull << 30) - 8, 8) == 0);
	bar_wr(d, 2, (64ull << 30) - 1, 1, 0xff);
	assert_true(bar(d, 2, (64ull << 30) - 1, 1) == 0);
	assert_int_equal(vdm_bar_read(d, 2, (64ull << 30) - 4, 8, &v), -ERANGE);
	assert_true(v == UINT64_MAX);
	assert_int_equal(vdm_bar_read(d, 2, 64ull << 30, 1, &v), -ERANGE);
	vdm_device_destroy(d);
}

/* What kvm-unit-tests' pci_testdev_one() does for one test; returns the name read. */
static void run_test_like_kvm_unit_tests(struct vdm_device *d, uint32_t b, uint8_t i,
					 uint32_t want_off, uint8_t want_data,
					 const char *want_name)
{
	char name[64];
	uint32_t width, data, offset, k;

	bar_wr(d, b, 0, 1, i);                    /* select */
	assert_true(bar(d, b, 12, 4) == 0);       /* count starts at 0 */
	width = (uint32_t)bar(d, b, 1, 1);        /* width */
	assert_int_equal(width, 1);
	data = (uint32_t)bar(d, b, 8, 4);         /* data as u32 */
	offset = (uint32_t)bar(d, b, 4, 4);       /* offset */
	assert_int_equal(data, want_data);
	assert_int_equal(offset, want_off);
	assert_int_equal(bar(d, b, 0, 1), b * 3 + i); /* header.test: the global index */
	for (k = 0; k < 16; k++)
		bar_wr(d, b, offset, width, data);
	assert_true(bar(d, b, 12, 4) == 16);
	for (k = 0; k < sizeof(name); k++) {
		name[k] = (char)bar(d, b, 16 + k, 1);
		if (!name[k])
			break;
	}
	assert_string_equal(name, want_name);
}

static void protocol_runs_every_test_like_kvm_unit_tests(void **state)
{
	struct vdm_device *d = create("");

	run_test_like_kvm_unit_tests(d, 0, 0, 0x800, 0xfa, "mmio-no-eventfd");
	run_test_like_kvm_unit_tests(d, 0, 1, 0x801, 0xce, "mmio-wildcard-eventfd");
	run_test_like_kvm_unit_tests(d, 0, 2, 0x802, 0xfa, "mmio-datamatch-eventfd");
	run_test_like_kvm_unit_tests(d, 1, 0, 0x83, 0xfa, "portio-no-eventfd");
	run_test_like_kvm_unit_tests(d, 1, 1, 0x84, 0xce, "portio-wildcard-eventfd");
	run_test_like_kvm_unit_tests(d, 1, 2, 0x85, 0xfa, "portio-datamatch-eventfd");
	/* test 3 does not exist: width reads 0, so the driver stops scanning */
	bar_wr(d, 0, 0, 1, 3);
	assert_true(bar(d, 0, 1, 1) == 0);
	bar_wr(d, 1, 0, 1, 3);
	assert_true(bar(d, 1, 1, 1) == 0);
	vdm_device_destroy(d);
}

static void matching_tests_ignore_wrong_data_and_wildcard_counts_any_value(void **state)
{
	struct vdm_device *d = create("");

	/* test 0 (no-eventfd): only the byte 0xfa at 0x800 counts */
	bar_wr(d, 0, 0, 1, 0);
	bar_wr(d, 0, 0x800, 1, 0xfb);
	bar_wr(d, 0, 0x800, 1, 0x00);
	bar_wr(d, 0, 0x801, 1, 0xfa);     /* wrong offset */
	bar_wr(d, 0, 0x800, 2, 0xfa00);   /* its byte at 0x800 is 0x00 */
	bar_wr(d, 0, 0x7ff, 1, 0xfa);
	assert_true(bar(d, 0, 12, 4) == 0);
	bar_wr(d, 0, 0x800, 4, 0x000000fa); /* split into bytes: 0xfa lands on 0x800 (QEMU) */
	bar_wr(d, 0, 0x7fe, 4, 0x00fa0000); /* byte 2 of this write lands on 0x800 */
	assert_true(bar(d, 0, 12, 4) == 2);
	/* test 2 (datamatch): same rule */
	bar_wr(d, 0, 0, 1, 2);
	bar_wr(d, 0, 0x802, 1, 0xce);
	bar_wr(d, 0, 0x802, 1, 0xfa);
	assert_true(bar(d, 0, 12, 4) == 1);
	/* test 1 (wildcard): any value at 0x801 */
	bar_wr(d, 0, 0, 1, 1);
	bar_wr(d, 0, 0x801, 1, 0x00);
	bar_wr(d, 0, 0x801, 1, 0x55);
	bar_wr(d, 0, 0x801, 1, 0xce);
	bar_wr(d, 0, 0x802, 1, 0xce);
	assert_true(bar(d, 0, 12, 4) == 3);
	/* the same rules on the I/O BAR */
	bar_wr(d, 1, 0, 1, 0);
	bar_wr(d, 1, 0x83, 1, 0x12);
	bar_wr(d, 1, 0x83, 1, 0xfa);
	assert_true(bar(d, 1, 12, 4) == 1);
	bar_wr(d, 1, 0, 1, 1);
	bar_wr(d, 1, 0x84, 1, 0x12);
	assert_true(bar(d, 1, 12, 4) == 1);
	vdm_device_destroy(d);
}

static void header_reads_past_the_buffer_or_without_a_test_are_zero(void **state)
{
	struct vdm_device *d = create("");
	uint64_t off;

	for (off = 0; off < 4096; off += 4) /* nothing selected yet */
		assert_true(bar(d, 0, off, 4) == 0);
	for (off = 0; off < 256; off++)
		assert_true(bar(d, 1, off, 1) == 0);
	bar_wr(d, 0, 0, 1, 0); /* "mmio-no-eventfd": 16 + 15 + NUL = 32 bytes */
	assert_true(bar(d, 0, 16, 8) == 0x2d6f6e2d6f696d6dull); /* "mmio-no-" */
	assert_true(bar(d, 0, 30, 1) == 'd');
	assert_true(bar(d, 0, 31, 1) == 0);
	for (off = 32; off < 4096; off += 8)
		assert_true(bar(d, 0, off, 8) == 0);
	/* header fields read as little-endian words */
	assert_true(bar(d, 0, 0, 8) == 0x0000080000000100ull);
	assert_true(bar(d, 0, 2, 2) == 0);
	/* writes into the header other than 'test' change nothing */
	bar_wr(d, 0, 4, 4, 0x12345678);
	bar_wr(d, 0, 12, 4, 0x12345678);
	assert_true(bar(d, 0, 4, 4) == 0x800);
	assert_true(bar(d, 0, 12, 4) == 0);
	vdm_device_destroy(d);
}

static void one_current_test_for_the_whole_device_and_reselect_zeroes_count(void **state)
{
	struct vdm_device *d = create("");

	bar_wr(d, 0, 0, 1, 0);
	bar_wr(d, 0, 0x800, 1, 0xfa);
	assert_true(bar(d, 0, 12, 4) == 1);
	bar_wr(d, 1, 0, 1, 2); /* selecting on BAR1 replaces the BAR0 test (as in QEMU) */
	assert_true(bar(d, 0, 4, 4) == 0x85);
	bar_wr(d, 0, 0x800, 1, 0xfa);
	assert_true(bar(d, 1, 12, 4) == 0);
	bar_wr(d, 0, 0, 1, 0);
	assert_true(bar(d, 0, 12, 4) == 0); /* count restarts when a test starts */
	bar_wr(d, 0, 0, 1, 0xff);           /* >= 3: stop */
	assert_true(bar(d, 0, 4, 4) == 0);
	bar_wr(d, 0, 0x800, 1, 0xfa);
	bar_wr(d, 0, 0, 1, 0);
	assert_true(bar(d, 0, 12, 4) == 0);
	vdm_device_destroy(d);
}

static void reset_stops_the_test_and_restores_config(void **state)
{
	struct vdm_device *d = create("membar=1G");

	bar_wr(d, 0, 0, 1, 1);
	bar_wr(d, 0, 0x801, 1, 0);
	assert_int_equal(vdm_pci_set_bar_address(d, 2, 1ull << 40), 0);
	cfg_wr(d, VDM_PCI_COMMAND, 2, VDM_PCI_COMMAND_MEMORY | VDM_PCI_COMMAND_IO);
	vdm_device_reset(d);
	assert_true(bar(d, 0, 1, 1) == 0);  /* no test */
	assert_true(bar(d, 0, 12, 4) == 0);
	assert_int_equal(cfg(d, VDM_PCI_COMMAND, 2), 0);
	assert_int_equal(cfg(d, 0x18, 4), 0x0c);
	assert_int_equal(cfg(d, 0x1c, 4), 0);
	assert_int_equal(size_bar(d, 2), 0xc000000c); /* still sizes after reset */
	vdm_device_destroy(d);
}

static void hostile_bar_accesses_read_all_ones_and_change_nothing(void **state)
{
	static const uint32_t bad_sizes[] = { 0, 3, 5, 6, 7, 16, 0xffffffffu };
	struct vdm_device *d = create("membar=4M");
	uint64_t v;
	size_t i;

	bar_wr(d, 0, 0, 1, 0);
	for (i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		assert_int_equal(vdm_bar_read(d, 0, 0, bad_sizes[i], &v), -EINVAL);
		assert_true(v == UINT64_MAX);
		assert_int_equal(vdm_bar_write(d, 0, 0x800, bad_sizes[i], 0xfa), -EINVAL);
	}
	assert_int_equal(vdm_bar_read(d, 0, 4096, 1, &v), -ERANGE);
	assert_int_equal(vdm_bar_read(d, 0, 4093, 4, &v), -ERANGE);
	assert_int_equal(vdm_bar_read(d, 1, 256, 1, &v), -ERANGE);
	assert_int_equal(vdm_bar_read(d, 1, UINT64_MAX, 1, &v), -ERANGE);
	assert_int_equal(vdm_bar_read(d, 1, UINT64_MAX - 2, 4, &v), -ERANGE);
	assert_int_equal(vdm_bar_write(d, 0, UINT64_MAX - 1, 8, 0), -ERANGE);
	assert_int_equal(vdm_bar_read(d, 3, 0, 4, &v), -EINVAL);
	assert_int_equal(vdm_bar_read(d, 6, 0, 4, &v), -EINVAL);
	assert_int_equal(vdm_bar_write(d, 0xffffffffu, 0, 4, 0), -EINVAL);
	assert_true(bar(d, 0, 12, 4) == 0); /* none of the above counted */
	assert_true(bar(d, 1, 252, 4) == 0); /* the last dword of BAR1 is in range */
	vdm_device_destroy(d);
}

static void bad_membar_values_are_refused_with_the_fix(void **state)
{
	struct vdm_prop_values pv;
	struct vdm_device *d = (struct vdm_device *)&pv;
	char err[256];

	assert_int_not_equal(vdm_props_parse_args("membar=3M", &vdm_testdev_type, NULL, 0, &pv,
						  err, sizeof(err)),
			     0);
	assert_non_null(strstr(err, "membar=3M"));
	assert_non_null(strstr(err, "power of two"));
	assert_int_not_equal(vdm_props_parse_args("membar=128T", &vdm_testdev_type, NULL, 0,
						  &pv, err, sizeof(err)),
			     0);
	assert_non_null(strstr(err, "membar=128T"));
	/* hand-built values the parser would have refused are still refused by create() */
	memset(&pv, 0, sizeof(pv));
	pv.count = 1;
	pv.v[0].desc = &vdm_testdev_type.props_schema[0];
	pv.v[0].num = 8;
	snprintf(pv.v[0].str, sizeof(pv.v[0].str), "8");
	assert_int_equal(vdm_testdev_type.create(&pv, NULL, &d, err, sizeof(err)), -EINVAL);
	assert_null(d);
	assert_non_null(strstr(err, "membar=8"));
	pv.v[0].num = 3 << 20;
	assert_int_equal(vdm_testdev_type.create(&pv, NULL, &d, err, sizeof(err)), -EINVAL);
	pv.v[0].num = 1ull << 47;
	assert_int_equal(vdm_testdev_type.create(&pv, NULL, &d, err, sizeof(err)), -EINVAL);
	pv.v[0].num = 16;
	assert_int_equal(vdm_testdev_type.create(&pv, NULL, &d, err, sizeof(err)), 0);
	assert_int_equal(size_bar(d, 2), 0xfffffffc);
	vdm_device_destroy(d);
	assert_int_equal(vdm_testdev_type.create(NULL, NULL, &d, err, sizeof(err)), 0);
	assert_int_equal(d->res.regions[2].kind, VDM_REGION_NONE);
	vdm_device_destroy(d);
}

static uint64_t rng_state = 0x0123456789abcdefull;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

static void random_storm_over_config_and_bars_keeps_identity_and_sizes(void **state)
{
	struct vdm_device *d = create("membar=64G");
	uint32_t n, v;
	uint64_t v64;

	for (n = 0; n < 300000; n++) {
		uint32_t sel = rng() % 4, size = rng() % 10, off = rng() % 4200;

		if (sel == 0)
			(void)vdm_cfg_write(d, off, size, rng());
		else if (sel == 1)
			(void)vdm_cfg_read(d, off, size, &v);
		else if (sel == 2)
			(void)vdm_bar_write(d, rng() % 4, off, size, (uint64_t)rng() << 32 | rng());
		else
			(void)vdm_bar_read(d, rng() % 4, off, size, &v64);
	}
	assert_int_equal(cfg(d, 0, 4), 0x00051b36);
	assert_int_equal(cfg(d, 8, 4), 0x00ff0000);
	assert_int_equal(cfg(d, 0x2c, 4), 0x11001af4);
	assert_int_equal(cfg(d, VDM_PCI_STATUS, 2), 0);
	assert_int_equal(cfg(d, VDM_PCI_CAPABILITY_LIST, 1), 0);
	assert_int_equal(size_bar(d, 0), 0xfffff000);
	assert_int_equal(size_bar(d, 1), 0xffffff01);
	assert_int_equal(size_bar(d, 2), 0x0000000c);
	assert_int_equal(size_bar(d, 3), 0xfffffff0);
	assert_int_equal(size_bar(d, 4), 0);
	/* the protocol still works afterwards */
	run_test_like_kvm_unit_tests(d, 1, 2, 0x85, 0xfa, "portio-datamatch-eventfd");
	vdm_device_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(identity_matches_qemu_pci_testdev),
		cmocka_unit_test(read_only_registers_survive_all_ones_writes),
		cmocka_unit_test(membar_sizes_as_64bit_prefetchable_bar2),
		cmocka_unit_test(absent_bar2_reads_zero_and_stays_zero),
		cmocka_unit_test(membar_reads_zero_and_drops_writes),
		cmocka_unit_test(protocol_runs_every_test_like_kvm_unit_tests),
		cmocka_unit_test(matching_tests_ignore_wrong_data_and_wildcard_counts_any_value),
		cmocka_unit_test(header_reads_past_the_buffer_or_without_a_test_are_zero),
		cmocka_unit_test(one_current_test_for_the_whole_device_and_reselect_zeroes_count),
		cmocka_unit_test(reset_stops_the_test_and_restores_config),
		cmocka_unit_test(hostile_bar_accesses_read_all_ones_and_change_nothing),
		cmocka_unit_test(bad_membar_values_are_refused_with_the_fix),
		cmocka_unit_test(random_storm_over_config_and_bars_keeps_identity_and_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
