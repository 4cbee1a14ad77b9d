/* Unit tests for vmm-example's x86 boot code (vmm-example/x86/boot.c): bzImage header
 * checks, the zero page (loader, cmdline, initrd, e820, RSDP), initrd placement, identity
 * page tables, GDT, and the entry state of Linux and payload boots. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vdm/machine_desc.h>
#include <vdm/layout.h>
#include "memory.h"
#include "x86/arch.h"
#include "x86/boot.h"

#define MIB (UINT64_C(1) << 20)
#define IMG_LEN 0x10000

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* A bzImage-shaped buffer: 3 setup sectors + header, protocol 2.15, 64-bit entry. */
static uint8_t *fake_bzimage(void)
{
	uint8_t *img = calloc(1, IMG_LEN);
	size_t i;

	img[0x1f1] = 3;
	put16(img + 0x1fe, 0xaa55);
	img[0x201] = 0x6a; /* header ends at 0x26c */
	memcpy(img + 0x202, "HdrS", 4);
	put16(img + 0x206, 0x020f);
	img[0x211] = 0x01;                  /* LOADED_HIGH */
	put32(img + 0x214, 0x100000);       /* code32_start */
	put32(img + 0x22c, 0x7fffffff);     /* initrd_addr_max */
	put32(img + 0x230, 0x200000);       /* kernel_alignment */
	img[0x234] = 1;                     /* relocatable */
	put16(img + 0x236, 0x3);            /* XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G */
	put32(img + 0x238, 2047);           /* cmdline_size */
	put32(img + 0x258, 0x1000000);      /* pref_address */
	put32(img + 0x260, 0x2000000);      /* init_size */
	for (i = 2048; i < IMG_LEN; i++)
		img[i] = (uint8_t)(i * 7);
	return img;
}

static void parse_rejects_what_is_not_a_64bit_bzimage(void **state)
{
	uint8_t *img = fake_bzimage();
	struct x86_bzimage k;
	char err[256];

	(void)state;
	assert_int_equal(x86_bzimage_parse(img, 0x200, &k, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "not a bzImage (no 0xAA55 boot flag / \"HdrS\" setup header)");
	memcpy(img + 0x202, "HdrX", 4);
	assert_int_equal(x86_bzimage_parse(img, IMG_LEN, &k, err, sizeof(err)), -EINVAL);
	memcpy(img + 0x202, "HdrS", 4);
	put16(img + 0x206, 0x020a);
	assert_int_equal(x86_bzimage_parse(img, IMG_LEN, &k, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "boot protocol 2.10 is too old"));
	put16(img + 0x206, 0x020f);
	put16(img + 0x236, 0);
	assert_int_equal(x86_bzimage_parse(img, IMG_LEN, &k, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no 64-bit entry point"));
	put16(img + 0x236, 1);
	img[0x1f1] = 200; /* setup larger than the file */
	assert_int_equal(x86_bzimage_parse(img, IMG_LEN, &k, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "truncated"));
	free(img);
}

static void parse_reads_the_setup_header(void **state)
{
	uint8_t *img = fake_bzimage();
	struct x86_bzimage k;
	char err[256];

	(void)state;
	assert_int_equal(x86_bzimage_parse(img, IMG_LEN, &k, err, sizeof(err)), 0);
	assert_int_equal(k.version, 0x020f);
	assert_int_equal(k.setup_len, 4 * 512);
	assert_true(k.pm == img + 2048);
	assert_int_equal(k.pm_len, IMG_LEN - 2048);
	assert_int_equal(k.hdr_len, 0x26c - 0x1f1);
	assert_int_equal(k.initrd_addr_max, 0x7fffffff);
	assert_int_equal(k.cmdline_size, 2047);
	assert_true(k.pref_address == 0x1000000);
	assert_int_equal(k.init_size, 0x2000000);
	img[0x1f1] = 0; /* 0 setup sectors means 4 */
	assert_int_equal(x86_bzimage_parse(img, IMG_LEN, &k, err, sizeof(err)), 0);
	assert_int_equal(k.setup_len, 5 * 512);
	free(img);
}

static void e820_lists_ram_and_reserved_sorted(void **state)
{
	struct vdm_mach_desc m;
	struct boot_e820_entry t[16];
	char err[256];
	unsigned n, i;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(vdm_x86_layout(&m, UINT64_C(6) << 30, 40, err, sizeof(err)), 0);
	n = x86_e820_build(&m, t, 16);
	assert_int_equal(n, 4);
	assert_true(t[0].addr == 0 && t[0].size == 0xa0000 && t[0].type == 1);
	assert_true(t[1].addr == MIB && t[1].size == 0xc0000000 - MIB && t[1].type == 1);
	assert_true(t[2].addr == 0xe8000000 && t[2].size == 0x10000000 && t[2].type == 2);
	assert_true(t[3].addr == (UINT64_C(1) << 32) && t[3].size == (UINT64_C(3) << 30) &&
		    t[3].type == 1);
	for (i = 1; i < n; i++)
		assert_true(t[i - 1].addr + t[i - 1].size <= t[i].addr);
	assert_int_equal(x86_e820_build(&m, t, 2), 2);
}

static void initrd_goes_high_below_its_limit_and_above_the_kernel(void **state)
{
	(void)state;
	/* below the end of RAM, page aligned */
	assert_true(x86_initrd_addr(0x1800, 0x7fffffff, 0x20000000, 0x3000000) == 0x1fffe000);
	/* initrd_addr_max is the last byte it may use */
	assert_true(x86_initrd_addr(0x1000, 0x0fffffff, 0x20000000, 0) == 0x0ffff000);
	/* does not fit above the kernel */
	assert_true(x86_initrd_addr(0x1000000, 0x7fffffff, 0x3800000, 0x3000000) == 0);
	assert_true(x86_initrd_addr(0, 0x7fffffff, 0x20000000, 0) == 0);
}

static void linux_boot_loads_kernel_zero_page_cmdline_initrd_and_tables(void **state)
{
	uint8_t *img = fake_bzimage(), initrd[0x3000];
	struct vdm_mach_desc m;
	struct guest_ram ram;
	struct arch_entry e;
	struct boot_params *bp;
	uint8_t *mem;
	char err[256];
	uint64_t pde;

	(void)state;
	memset(initrd, 0x5a, sizeof(initrd));
	memset(&m, 0, sizeof(m));
	assert_int_equal(vdm_x86_layout(&m, 128 * MIB, 40, err, sizeof(err)), 0);
	assert_int_equal(guest_ram_create(&ram, 128 * MIB, 0, VDM_LAYOUT_HOLE_START, true, err, sizeof(err)), 0);
	assert_int_equal(arch_load_linux(&ram, &m, img, IMG_LEN, initrd, sizeof(initrd),
					 "console=ttyS0 quiet", 0xe0000, false, &e, err, sizeof(err)),
			 0);
	mem = ram.host;
	assert_memory_equal(mem + 0x100000, img + 2048, IMG_LEN - 2048);
	assert_string_equal((char *)mem + X86_CMDLINE_ADDR, "console=ttyS0 quiet");
	bp = (struct boot_params *)(mem + X86_BOOT_PARAMS_ADDR);
	assert_int_equal(bp->hdr.type_of_loader, 0xff);
	assert_int_equal(bp->hdr.boot_flag, 0xaa55);
	assert_int_equal(bp->hdr.header, 0x53726448);
	assert_true(bp->hdr.loadflags & 0x80); /* CAN_USE_HEAP */
	assert_int_equal(bp->hdr.cmd_line_ptr, X86_CMDLINE_ADDR);
	assert_int_equal(bp->hdr.ramdisk_size, sizeof(initrd));
	assert_int_equal(bp->hdr.ramdisk_image, 128 * MIB - 0x3000);
	assert_memory_equal(mem + bp->hdr.ramdisk_image, initrd, sizeof(initrd));
	assert_true(bp->acpi_rsdp_addr == 0xe0000);
	assert_int_equal(bp->e820_entries, 3);
	assert_true(bp->e820_table[1].addr == MIB && bp->e820_table[1].type == 1);
	/* entry state per boot.rst's 64-bit protocol */
	assert_true(e.rip == 0x100200 && e.rsi == X86_BOOT_PARAMS_ADDR);
	assert_int_equal(e.code_sel, 0x10);
	assert_int_equal(e.data_sel, 0x18);
	assert_true(get64(mem + X86_GDT_ADDR + 0x10) == UINT64_C(0x00af9b000000ffff));
	assert_true(get64(mem + X86_GDT_ADDR + 0x18) == UINT64_C(0x00cf93000000ffff));
	assert_int_equal(e.gdt_limit, 4 * 8 - 1);
	/* 2 MiB identity pages over 4 GiB: PML4 -> PDPT -> 4 PDs */
	assert_true(e.cr3 == X86_PML4_ADDR);
	assert_true(get64(mem + X86_PML4_ADDR) == (X86_PT_ADDR | 3));
	pde = get64(mem + X86_PT_ADDR + 4096 + 8 * (3 * 512 + 7)); /* 3G + 7 * 2M */
	assert_true(pde == (((UINT64_C(3) << 30) + (UINT64_C(7) << 21)) | 0x83));
	guest_ram_destroy(&ram);
	free(img);
}

static void linux_boot_refuses_too_little_ram_and_long_cmdlines(void **state)
{
	uint8_t *img = fake_bzimage();
	char longline[3000], err[256];
	struct vdm_mach_desc m;
	struct guest_ram ram;
	struct arch_entry e;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(vdm_x86_layout(&m, 32 * MIB, 40, err, sizeof(err)), 0);
	assert_int_equal(guest_ram_create(&ram, 32 * MIB, 0, VDM_LAYOUT_HOLE_START, true, err, sizeof(err)), 0);
	put32(img + 0x260, 0x4000000); /* init_size 64M: needs 80M from 16M */
	assert_int_equal(arch_load_linux(&ram, &m, img, IMG_LEN, NULL, 0, "", 0, false, &e, err,
					 sizeof(err)), -ENOMEM);
	assert_string_equal(err, "-m: this kernel needs 80 MiB of RAM below the 32-bit hole, the "
				 "machine has 32 MiB there");
	put32(img + 0x260, 0x100000);
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = 0;
	assert_int_equal(arch_load_linux(&ram, &m, img, IMG_LEN, NULL, 0, longline, 0, false, &e, err,
					 sizeof(err)), -E2BIG);
	assert_string_equal(err, "--append: the command line is 2999 bytes, this kernel takes at most 2047");
	guest_ram_destroy(&ram);
	free(img);
}

static void payload_boot_maps_1g_pages_and_sets_contract_registers(void **state)
{
	static const uint8_t code[] = { 0xe6, 0x80, 0xf4 };
	struct vdm_mach_desc m;
	struct guest_ram ram;
	struct arch_entry e;
	uint8_t *mem;
	char err[256];

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(vdm_x86_layout(&m, 64 * MIB, 40, err, sizeof(err)), 0);
	assert_int_equal(guest_ram_create(&ram, 64 * MIB, 0, VDM_LAYOUT_HOLE_START, true, err, sizeof(err)), 0);
	assert_int_equal(arch_load_payload(&ram, &m, code, sizeof(code), 0xe0000, 40, &e, err,
					   sizeof(err)), 0);
	mem = ram.host;
	assert_memory_equal(mem + 0x100000, code, sizeof(code));
	assert_true(e.rip == 0x100000 && e.rsp == 0x8f000 && e.rdi == 0xe0000);
	assert_true(e.rsi == 64 * MIB);
	assert_int_equal(e.code_sel, 0x08);
	assert_int_equal(e.data_sel, 0x10);
	assert_true(get64(mem + X86_GDT_ADDR + 8) == UINT64_C(0x00af9b000000ffff));
	/* 2^40 bytes = 1024 GiB = two PDPTs */
	assert_true(get64(mem + X86_PML4_ADDR) == (X86_PT_ADDR | 3));
	assert_true(get64(mem + X86_PML4_ADDR + 8) == ((X86_PT_ADDR + 4096) | 3));
	assert_true(get64(mem + X86_PML4_ADDR + 16) == 0);
	assert_true(get64(mem + X86_PT_ADDR + 8 * 3) == ((UINT64_C(3) << 30) | 0x83));
	assert_true(get64(mem + X86_PT_ADDR + 8 * 1023) == ((UINT64_C(1023) << 30) | 0x83));
	assert_int_equal(arch_load_payload(&ram, &m, code, 0, 0, 40, &e, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "--payload: the file is empty");
	guest_ram_destroy(&ram);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_rejects_what_is_not_a_64bit_bzimage),
		cmocka_unit_test(parse_reads_the_setup_header),
		cmocka_unit_test(e820_lists_ram_and_reserved_sorted),
		cmocka_unit_test(initrd_goes_high_below_its_limit_and_above_the_kernel),
		cmocka_unit_test(linux_boot_loads_kernel_zero_page_cmdline_initrd_and_tables),
		cmocka_unit_test(linux_boot_refuses_too_little_ram_and_long_cmdlines),
		cmocka_unit_test(payload_boot_maps_1g_pages_and_sets_contract_registers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
