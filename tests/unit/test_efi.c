/* Unit tests for the UEFI hand-off (machine/efi.c): the system table's header, CRC and
 * configuration table (ACPI 2.0 RSDP, no runtime services), and the memory map of the arm64
 * machine (RAM conventional, the firmware area ACPI reclaim), plus refusals. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include <vdm/efi.h>
#include <vdm/fdt.h>
#include <vdm/layout.h>

static uint64_t rd(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Reference CRC-32 (bitwise, IEEE) to check the header's field against. */
static uint32_t crc(const uint8_t *p, size_t n)
{
	uint32_t c = ~0u;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
	}
	return ~c;
}

static void the_system_table_points_at_the_rsdp_and_offers_no_runtime_services(void **state)
{
	struct vdm_mach_desc m;
	struct vdm_efi_layout l;
	uint8_t buf[VDM_EFI_MAX_SIZE], hdr[120];
	uint64_t fw, cfg, rt;
	char err[256];

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(vdm_arm64_layout(&m, UINT64_C(512) << 20, 40, err, sizeof(err)), 0);
	fw = m.reserved[0].base;
	assert_int_equal(vdm_efi_build(&m, m.acpi.base, fw + 0x100000, buf, sizeof(buf), &l, err,
				       sizeof(err)), 0);
	assert_true(l.systab_gpa == fw + 0x100000);
	assert_memory_equal(buf, "IBI SYST", 8);
	assert_int_equal(rd(buf + 8, 4) >> 16, 2); /* UEFI 2.x */
	assert_int_equal(rd(buf + 12, 4), 120);
	memcpy(hdr, buf, sizeof(hdr));
	memset(hdr + 16, 0, 4);
	assert_int_equal(rd(buf + 16, 4), crc(hdr, sizeof(hdr)));
	assert_int_equal(rd(buf + 88, 8), 0); /* RuntimeServices */
	assert_int_equal(rd(buf + 96, 8), 0); /* BootServices */
	assert_int_equal(rd(buf + 104, 8), 2);
	cfg = rd(buf + 112, 8) - l.systab_gpa;
	/* {8868e871-e4f1-11d3-bc22-0080c73c8881} -> the RSDP */
	assert_int_equal(rd(buf + cfg, 4), 0x8868e871u);
	assert_true(rd(buf + cfg + 16, 8) == m.acpi.base);
	/* {eb66918a-7eef-402a-842e-931d21c38ae9} -> version 1, 8 bytes, nothing supported */
	assert_int_equal(rd(buf + cfg + 24, 4), 0xeb66918au);
	rt = rd(buf + cfg + 40, 8) - l.systab_gpa;
	assert_int_equal(rd(buf + rt, 2), 1);
	assert_int_equal(rd(buf + rt + 2, 2), 8);
	assert_int_equal(rd(buf + rt + 4, 4), 0);
	/* the vendor string is UTF-16 */
	assert_int_equal(rd(buf + rd(buf + 24, 8) - l.systab_gpa, 2), 'v');
}

static void the_memory_map_is_ram_with_the_firmware_area_as_acpi_reclaim(void **state)
{
	struct vdm_mach_desc m;
	struct vdm_efi_layout l;
	uint8_t buf[VDM_EFI_MAX_SIZE];
	const uint8_t *e;
	char err[256];

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(vdm_arm64_layout(&m, UINT64_C(512) << 20, 40, err, sizeof(err)), 0);
	assert_int_equal(vdm_efi_build(&m, m.acpi.base, m.reserved[0].base + 0x100000, buf,
				       sizeof(buf), &l, err, sizeof(err)), 0);
	assert_int_equal(l.mmap_desc_size, 48);
	assert_int_equal(l.mmap_desc_ver, 1);
	assert_int_equal(l.mmap_size, 2 * 48);
	e = buf + (l.mmap_gpa - l.systab_gpa);
	assert_int_equal(rd(e, 4), VDM_EFI_CONVENTIONAL_MEMORY);
	assert_true(rd(e + 8, 8) == VDM_ARM64_RAM_BASE);
	assert_true(rd(e + 24, 8) == ((UINT64_C(510) << 20) >> 12));
	assert_true(rd(e + 32, 8) == VDM_EFI_MEMORY_WB);
	e += 48;
	assert_int_equal(rd(e, 4), VDM_EFI_ACPI_RECLAIM_MEMORY);
	assert_true(rd(e + 8, 8) == m.reserved[0].base);
	assert_true(rd(e + 24, 8) == (VDM_ARM64_FW_SIZE >> 12));
	assert_true(l.size <= VDM_EFI_MAX_SIZE);
}

static void tables_outside_the_firmware_area_or_misaligned_are_refused(void **state)
{
	struct vdm_mach_desc m;
	struct vdm_efi_layout l;
	uint8_t buf[VDM_EFI_MAX_SIZE];
	char err[256];

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(vdm_arm64_layout(&m, UINT64_C(512) << 20, 40, err, sizeof(err)), 0);
	assert_int_equal(vdm_efi_build(&m, 0, VDM_ARM64_RAM_BASE, buf, sizeof(buf), &l, err,
				       sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not inside a reserved firmware range"));
	assert_int_equal(vdm_efi_build(&m, 0, m.reserved[0].base + 4, buf, sizeof(buf), &l, err,
				       sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "8-byte aligned"));
	assert_int_equal(vdm_efi_build(&m, 0, m.reserved[0].base, buf, 16, &l, err, sizeof(err)),
			 -ENOSPC);
}

static uint64_t prop64(const void *fdt, int node, const char *name)
{
	int len;
	const fdt64_t *p = fdt_getprop(fdt, node, name, &len);

	assert_non_null(p);
	assert_int_equal(len, 8);
	return fdt64_ld(p); /* (properties are 4-byte aligned) */
}

static uint32_t prop32(const void *fdt, int node, const char *name)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, name, &len);

	assert_non_null(p);
	assert_int_equal(len, 4);
	return fdt32_ld(p);
}

static void the_stub_tree_holds_only_chosen_with_the_uefi_properties(void **state)
{
	struct vdm_efi_layout l = { .systab_gpa = 0x5fe00000, .mmap_gpa = 0x5fe000c0,
				    .mmap_size = 96, .mmap_desc_size = 48, .mmap_desc_ver = 1 };
	struct vdm_fdt_boot boot = { .bootargs = "console=ttyAMA0 efi=noruntime",
				     .initrd_start = 0x48000000, .initrd_end = 0x48100000 };
	static uint8_t fdt[4096];
	char err[256];
	int chosen, n = 0;

	(void)state;
	assert_int_equal(vdm_efi_fdt(&l, &boot, fdt, sizeof(fdt), err, sizeof(err)), 0);
	assert_int_equal(fdt_check_header(fdt), 0);
	/* nothing at depth 1 but /chosen: what makes arm64 Linux take ACPI */
	for (int node = fdt_first_subnode(fdt, 0); node >= 0; node = fdt_next_subnode(fdt, node))
		n++;
	assert_int_equal(n, 1);
	chosen = fdt_path_offset(fdt, "/chosen");
	assert_true(chosen > 0);
	assert_true(prop64(fdt, chosen, "linux,uefi-system-table") == 0x5fe00000);
	assert_true(prop64(fdt, chosen, "linux,uefi-mmap-start") == 0x5fe000c0);
	assert_int_equal(prop32(fdt, chosen, "linux,uefi-mmap-size"), 96);
	assert_int_equal(prop32(fdt, chosen, "linux,uefi-mmap-desc-size"), 48);
	assert_int_equal(prop32(fdt, chosen, "linux,uefi-mmap-desc-ver"), 1);
	assert_int_equal(prop32(fdt, chosen, "linux,uefi-secure-boot"), 2); /* Debian needs it */
	assert_true(prop64(fdt, chosen, "linux,initrd-start") == 0x48000000);
	assert_true(prop64(fdt, chosen, "linux,initrd-end") == 0x48100000);
	assert_string_equal(fdt_getprop(fdt, chosen, "bootargs", NULL), boot.bootargs);
	assert_int_equal(vdm_efi_fdt(&l, &boot, fdt, 64, err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "FDT_ERR_NOSPACE"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_system_table_points_at_the_rsdp_and_offers_no_runtime_services),
		cmocka_unit_test(the_memory_map_is_ram_with_the_firmware_area_as_acpi_reclaim),
		cmocka_unit_test(tables_outside_the_firmware_area_or_misaligned_are_refused),
		cmocka_unit_test(the_stub_tree_holds_only_chosen_with_the_uefi_properties),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
