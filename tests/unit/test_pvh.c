/* Unit tests for the x86 PVH boot (vmm-example/x86/pvh.c): a vmlinux ELF's segments and
 * PHYS32_ENTRY note, the hvm_start_info (version 1: command line, initrd module, RSDP, memory
 * map), the 32-bit entry registers, and the refusals that name what is missing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vdm/layout.h>
#include <vdm/machine_desc.h>

#include "memory.h"
#include "x86/arch.h"
#include "x86/pvh.h"

#define MIB (UINT64_C(1) << 20)

static void put(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* A tiny vmlinux: one PT_LOAD of 16 bytes (+ 16 of bss) at 16 MiB, one PT_NOTE holding a Xen
 * note of another type and then PHYS32_ENTRY = 0x1000008 (when `with_entry`). */
static size_t make_elf(uint8_t *img, bool with_entry)
{
	const size_t ph = 64, note = 256, data = 512;
	uint8_t *n = img + note;

	memset(img, 0, 1024);
	memcpy(img, "\177ELF", 4);
	img[4] = 2; /* ELFCLASS64 */
	img[5] = 1; /* little-endian */
	img[6] = 1;
	put(img + 16, 2, 2);  /* ET_EXEC */
	put(img + 18, 62, 2); /* EM_X86_64 */
	put(img + 32, ph, 8); /* e_phoff */
	put(img + 54, 56, 2); /* e_phentsize */
	put(img + 56, 2, 2);  /* e_phnum */
	put(img + ph, 1, 4);  /* PT_LOAD */
	put(img + ph + 8, data, 8);
	put(img + ph + 24, 0x1000000, 8); /* p_paddr */
	put(img + ph + 32, 16, 8);        /* p_filesz */
	put(img + ph + 40, 32, 8);        /* p_memsz */
	put(img + ph + 56, 4, 4);         /* PT_NOTE */
	put(img + ph + 56 + 8, note, 8);
	put(img + ph + 56 + 32, 44, 8);
	put(n, 4, 4); /* "Xen", type 6 (XEN_ELFNOTE_GUEST_OS), "linux\0\0\0" */
	put(n + 4, 8, 4);
	put(n + 8, 6, 4);
	memcpy(n + 12, "Xen", 4);
	memcpy(n + 16, "linux", 6);
	put(n + 24, 4, 4);
	put(n + 28, 4, 4);
	put(n + 32, with_entry ? 18 : 7, 4);
	memcpy(n + 36, "Xen", 4);
	put(n + 40, 0x1000008, 4);
	memset(img + data, 0xab, 16);
	return 1024;
}

static void a_vmlinux_boots_at_its_pvh_entry_with_a_start_info(void **state)
{
	static uint8_t img[1024], initrd[4096];
	struct vdm_mach_desc m;
	struct guest_ram ram;
	struct arch_entry e;
	uint8_t *mem, *si;
	char err[256];
	uint64_t memmap;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(vdm_x86_layout(&m, 128 * MIB, 40, err, sizeof(err)), 0);
	assert_int_equal(guest_ram_create(&ram, 128 * MIB, 0, VDM_LAYOUT_HOLE_START, true, err,
					  sizeof(err)), 0);
	memset(initrd, 0x5a, sizeof(initrd));
	assert_int_equal(arch_load_linux(&ram, &m, img, make_elf(img, true), initrd,
					 sizeof(initrd), "console=ttyS0", 0xe0000, false, &e, err,
					 sizeof(err)), 0);
	mem = ram.host;
	/* the segment at its physical address, its bss zeroed */
	assert_int_equal(mem[0x1000000], 0xab);
	assert_int_equal(mem[0x100000f], 0xab);
	assert_int_equal(mem[0x1000010], 0);
	/* 32-bit protected mode at the note's entry, EBX = the start info */
	assert_true(e.prot32);
	assert_true(e.rip == 0x1000008);
	assert_true(e.rbx == X86_PVH_START_INFO_ADDR);
	si = mem + X86_PVH_START_INFO_ADDR;
	assert_int_equal(get(si, 4), 0x336ec578u);
	assert_int_equal(get(si + 4, 4), 1);
	assert_int_equal(get(si + 12, 4), 1); /* one module: the initrd */
	assert_string_equal((char *)mem + get(si + 24, 8), "console=ttyS0");
	assert_true(get(si + 32, 8) == 0xe0000);
	assert_true(get(mem + get(si + 16, 8) + 8, 8) == sizeof(initrd));
	assert_int_equal(mem[get(mem + get(si + 16, 8), 8)], 0x5a);
	assert_true(get(mem + get(si + 16, 8), 8) >= 0x1000020); /* above the kernel */
	/* the memory map: RAM from 0 first, then the rest of e820 */
	memmap = get(si + 40, 8);
	assert_true(get(si + 48, 4) >= 2);
	assert_int_equal(get(mem + memmap, 8), 0);
	assert_int_equal(get(mem + memmap + 16, 4), 1);
	guest_ram_destroy(&ram);
}

static void a_vmlinux_without_a_pvh_note_or_garbage_is_refused_by_name(void **state)
{
	static uint8_t img[1024];
	struct vdm_mach_desc m;
	struct guest_ram ram;
	struct arch_entry e;
	char err[256];

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(vdm_x86_layout(&m, 64 * MIB, 40, err, sizeof(err)), 0);
	assert_int_equal(guest_ram_create(&ram, 64 * MIB, 0, VDM_LAYOUT_HOLE_START, true, err,
					  sizeof(err)), 0);
	assert_int_equal(arch_load_linux(&ram, &m, img, make_elf(img, false), NULL, 0, "", 0,
					 false, &e, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)"));
	memset(img, 0x11, sizeof(img));
	assert_int_equal(arch_load_linux(&ram, &m, img, sizeof(img), NULL, 0, "", 0, false, &e,
					 err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "neither a bzImage"));
	assert_non_null(strstr(err, "nor an ELF vmlinux with a PVH entry"));
	make_elf(img, true);
	put(img + 64 + 8, 4096, 8); /* the segment's data past the end of the file */
	assert_int_equal(arch_load_linux(&ram, &m, img, 1024, NULL, 0, "", 0, false, &e, err,
					 sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "outside the file"));
	guest_ram_destroy(&ram);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_vmlinux_boots_at_its_pvh_entry_with_a_start_info),
		cmocka_unit_test(a_vmlinux_without_a_pvh_note_or_garbage_is_refused_by_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
