/* Unit tests for the x86 memory map (vmm-example/firmware/vdm_layout.c): RAM split around
 * the hole, apertures from phys-bits, ECAM reserved, and precise -m / phys-bits errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>

#include <cmocka.h>

#include <vdm/layout.h>

#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)

static void check_range(struct vdm_range r, uint64_t base, uint64_t size)
{
	assert_int_equal(r.base, base);
	assert_int_equal(r.size, size);
}

static bool overlap(struct vdm_range a, struct vdm_range b)
{
	return a.size && b.size && a.base < vdm_range_end(b) && b.base < vdm_range_end(a);
}

/* Nothing the guest sees as RAM or reserved overlaps an aperture, ECAM, APICs or platform. */
static void check_no_overlaps(const struct vdm_mach_desc *m)
{
	const struct vdm_range dev[] = {
		m->pci_mem32, m->pci_mem64, m->platform_mmio,
		{ m->ioapic_base, 0x1000 }, { m->lapic_base, 0x1000 },
	};

	for (uint32_t i = 0; i < m->num_ram; i++) {
		for (size_t d = 0; d < sizeof(dev) / sizeof(dev[0]); d++)
			assert_false(overlap(m->ram[i], dev[d]));
		assert_false(overlap(m->ram[i], m->ecam));
		if (i)
			assert_true(m->ram[i].base >= vdm_range_end(m->ram[i - 1]));
	}
	for (size_t d = 0; d < sizeof(dev) / sizeof(dev[0]); d++)
		assert_false(overlap(m->ecam, dev[d]));
	assert_false(overlap(m->pci_mem32, m->pci_mem64));
	assert_true(m->ged_base >= m->platform_mmio.base);
	assert_true(m->pcihp_base + m->pcihp_size <= vdm_range_end(m->platform_mmio));
	assert_true(m->ged_base + 4 <= m->pcihp_base);
}

static void one_gib_guest_has_low_ram_only_and_aperture_from_4g(void **state)
{
	struct vdm_mach_desc m;
	char err[256] = "";

	memset(&m, 0, sizeof(m));
	assert_int_equal(vdm_x86_layout(&m, GIB, 40, err, sizeof(err)), 0);
	assert_int_equal(m.num_ram, 2);
	check_range(m.ram[0], 0, 0xA0000);
	check_range(m.ram[1], MIB, GIB - MIB);
	check_range(m.pci_mem32, 0xC0000000, 0x28000000);
	check_range(m.ecam, 0xE8000000, 0x10000000);
	assert_int_equal(m.num_reserved, 1);
	check_range(m.reserved[0], 0xE8000000, 0x10000000);
	/* 40 bits: up to the AMD HyperTransport range at 1012G */
	check_range(m.pci_mem64, 4 * GIB, 0xFD00000000 - 4 * GIB);
	check_range(m.pci_io, 0x1000, 0xF000);
	assert_int_equal(m.bus_start, 0);
	assert_int_equal(m.bus_end, 255);
	assert_int_equal(m.ioapic_base, 0xFEC00000);
	assert_int_equal(m.lapic_base, 0xFEE00000);
	assert_int_equal(m.serial_port, 0x3f8);
	assert_int_equal(m.pcihp_size, 0x18);
	check_no_overlaps(&m);
}

static void eight_gib_guest_splits_ram_around_the_hole(void **state)
{
	struct vdm_mach_desc m;
	char err[256] = "";

	memset(&m, 0, sizeof(m));
	assert_int_equal(vdm_x86_layout(&m, 8 * GIB, 39, err, sizeof(err)), 0);
	assert_int_equal(m.num_ram, 3);
	check_range(m.ram[1], MIB, 3 * GIB - MIB);
	check_range(m.ram[2], 4 * GIB, 5 * GIB);
	assert_int_equal(vdm_layout_ram_total(&m), 8 * GIB - (MIB - 0xA0000));
	check_range(m.pci_mem64, 9 * GIB, (UINT64_C(1) << 39) - 9 * GIB);
	check_no_overlaps(&m);
}

static void ram_just_over_3g_starts_aperture_at_the_next_gib(void **state)
{
	struct vdm_mach_desc m;

	memset(&m, 0, sizeof(m));
	assert_int_equal(vdm_x86_layout(&m, 3 * GIB + MIB, 36, NULL, 0), 0);
	assert_int_equal(m.num_ram, 3);
	check_range(m.ram[2], 4 * GIB, MIB);
	check_range(m.pci_mem64, 5 * GIB, 64 * GIB - 5 * GIB);
	memset(&m, 0, sizeof(m));
	assert_int_equal(vdm_x86_layout(&m, 3 * GIB, 36, NULL, 0), 0);
	assert_int_equal(m.num_ram, 2);
	check_range(m.pci_mem64, 4 * GIB, 60 * GIB);
}

static void wide_guest_puts_aperture_above_1t_capped_at_2_to_48(void **state)
{
	struct vdm_mach_desc m;

	memset(&m, 0, sizeof(m));
	assert_int_equal(vdm_x86_layout(&m, 16 * GIB, 46, NULL, 0), 0);
	check_range(m.pci_mem64, UINT64_C(1) << 40, (UINT64_C(1) << 46) - (UINT64_C(1) << 40));
	memset(&m, 0, sizeof(m));
	assert_int_equal(vdm_x86_layout(&m, 16 * GIB, 52, NULL, 0), 0);
	check_range(m.pci_mem64, UINT64_C(1) << 40, (UINT64_C(1) << 48) - (UINT64_C(1) << 40));
	check_no_overlaps(&m);
}

static void largest_ram_for_36_bits_is_62g_and_63g_is_refused_with_the_limit(void **state)
{
	struct vdm_mach_desc m;
	char err[256] = "";

	memset(&m, 0, sizeof(m));
	assert_int_equal(vdm_x86_layout(&m, 62 * GIB, 36, err, sizeof(err)), 0);
	check_range(m.pci_mem64, 63 * GIB, GIB);
	check_no_overlaps(&m);
	assert_int_equal(vdm_x86_layout(&m, 63 * GIB, 36, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "-m 63G: too large for a guest with 36 physical address bits"));
	assert_non_null(strstr(err, "use at most -m 62G"));
}

static void ram_may_not_reach_the_hypertransport_hole_on_wide_guests(void **state)
{
	struct vdm_mach_desc m;
	char err[256] = "";

	memset(&m, 0, sizeof(m));
	assert_int_equal(vdm_x86_layout(&m, 1011 * GIB, 48, err, sizeof(err)), 0);
	check_range(m.ram[2], 4 * GIB, 1008 * GIB);
	assert_int_equal(vdm_x86_layout(&m, 1011 * GIB + MIB, 48, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "HyperTransport"));
	assert_non_null(strstr(err, "use at most -m 1011G"));
}

static void bad_sizes_and_phys_bits_are_refused_with_the_value(void **state)
{
	struct vdm_mach_desc m;
	char err[256] = "";

	memset(&m, 0, sizeof(m));
	assert_int_equal(vdm_x86_layout(&m, GIB + 4096, 40, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "-m 1048580K: RAM size must be a multiple of 1M");
	assert_int_equal(vdm_x86_layout(&m, MIB, 40, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "-m 1M: too small, at least -m 2M is needed");
	assert_int_equal(vdm_x86_layout(&m, GIB, 35, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "phys-bits=35: must be 36..52");
	assert_int_equal(vdm_x86_layout(&m, GIB, 53, err, sizeof(err)), -EINVAL);
	assert_int_equal(m.num_ram, 0); /* untouched on error */
	assert_int_equal(vdm_x86_layout(&m, 2 * MIB, 36, err, sizeof(err)), 0);
	check_range(m.ram[1], MIB, MIB);
}

static void every_ram_size_up_to_the_limit_keeps_the_map_disjoint(void **state)
{
	for (unsigned bits = 36; bits <= 41; bits++) {
		for (uint64_t ram = 2 * MIB; ram < (UINT64_C(1) << bits); ram = ram * 3 / 2 + MIB) {
			struct vdm_mach_desc m;
			int ret;

			memset(&m, 0, sizeof(m));
			ram &= ~(MIB - 1);
			ret = vdm_x86_layout(&m, ram, bits, NULL, 0);
			if (ret) {
				assert_int_equal(ret, -EINVAL);
				continue;
			}
			check_no_overlaps(&m);
			assert_true(m.pci_mem64.size >= GIB);
			assert_true(vdm_range_end(m.pci_mem64) <= (UINT64_C(1) << bits));
			assert_true(vdm_range_end(m.ram[m.num_ram - 1]) <= m.pci_mem64.base);
			assert_int_equal(vdm_layout_ram_total(&m),
					 ram - (ram > MIB ? MIB - 0xA0000 : 0));
		}
	}
}

static void sizes_print_in_the_largest_exact_unit(void **state)
{
	char b[32];

	assert_string_equal(vdm_fmt_size(b, sizeof(b), 0), "0");
	assert_string_equal(vdm_fmt_size(b, sizeof(b), 256), "256");
	assert_string_equal(vdm_fmt_size(b, sizeof(b), 4096), "4K");
	assert_string_equal(vdm_fmt_size(b, sizeof(b), 64 * GIB), "64G");
	assert_string_equal(vdm_fmt_size(b, sizeof(b), 3 * MIB), "3M");
	assert_string_equal(vdm_fmt_size(b, sizeof(b), UINT64_C(1) << 40), "1T");
	assert_string_equal(vdm_fmt_size(b, sizeof(b), 1536), "0x600");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_gib_guest_has_low_ram_only_and_aperture_from_4g),
		cmocka_unit_test(eight_gib_guest_splits_ram_around_the_hole),
		cmocka_unit_test(ram_just_over_3g_starts_aperture_at_the_next_gib),
		cmocka_unit_test(wide_guest_puts_aperture_above_1t_capped_at_2_to_48),
		cmocka_unit_test(largest_ram_for_36_bits_is_62g_and_63g_is_refused_with_the_limit),
		cmocka_unit_test(ram_may_not_reach_the_hypertransport_hole_on_wide_guests),
		cmocka_unit_test(bad_sizes_and_phys_bits_are_refused_with_the_value),
		cmocka_unit_test(every_ram_size_up_to_the_limit_keeps_the_map_disjoint),
		cmocka_unit_test(sizes_print_in_the_largest_exact_unit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
