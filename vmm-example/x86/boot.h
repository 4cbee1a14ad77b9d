/* x86 boot internals: the low-memory map vmm-example uses, bzImage setup-header parsing,
 * boot_params/e820 construction and identity page tables.  Pure functions, unit-tested. */
#ifndef VMM_X86_BOOT_H
#define VMM_X86_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <asm/bootparam.h>

struct vdm_mach_desc;

/* Low memory (all inside the e820 RAM entry [0, 0xA0000)). */
#define X86_GDT_ADDR 0x500u
#define X86_BOOT_PARAMS_ADDR 0x7000u
#define X86_LINUX_STACK 0x8ff0u
#define X86_PML4_ADDR 0x9000u
#define X86_PT_ADDR 0xa000u        /* PDPTs / PDs follow the PML4 */
#define X86_PT_MAX_PAGES 64u       /* up to 0x4a000 */
#define X86_CMDLINE_ADDR 0x50000u
#define X86_CMDLINE_MAX 0x10000u   /* up to 0x60000 */
#define X86_PAYLOAD_STACK 0x8f000u /* PAYLOAD.md */
#define X86_KERNEL_ADDR 0x100000u  /* protected-mode kernel / payload load address */

/* What the bzImage's setup header says (Documentation/arch/x86/boot.rst). */
struct x86_bzimage {
	uint16_t version;          /* boot protocol, e.g. 0x020f */
	uint32_t setup_len;        /* real-mode part: (setup_sects + 1) * 512 */
	const uint8_t *pm;         /* protected-mode kernel inside the image */
	size_t pm_len;
	const uint8_t *hdr;        /* setup header bytes, from 0x1f1 */
	size_t hdr_len;
	uint8_t loadflags;
	uint16_t xloadflags;
	uint32_t initrd_addr_max;  /* highest byte address an initrd may occupy */
	uint32_t cmdline_size;     /* max command line length, without the NUL */
	uint32_t kernel_alignment;
	uint64_t pref_address;
	uint32_t init_size;        /* bytes the kernel needs from its load address */
};

/*
 * Check and parse a bzImage.  Refuses (-EINVAL, reason in err) anything that is not a
 * bzImage with boot protocol >= 2.12 and a 64-bit entry point (XLF_KERNEL_64).
 */
int x86_bzimage_parse(const uint8_t *img, size_t len, struct x86_bzimage *k, char *err,
		      size_t err_len);

/* e820 table from the machine description (RAM type 1, reserved type 2), sorted by
 * address.  Returns the number of entries written (at most max). */
unsigned x86_e820_build(const struct vdm_mach_desc *m, struct boot_e820_entry *tab,
			unsigned max);

/*
 * Fill the zero page: the kernel's setup header, loader id, command line, initrd, e820,
 * RSDP.  cmdline_addr/initrd_addr 0 = none.
 */
void x86_boot_params_fill(struct boot_params *bp, const struct x86_bzimage *k,
			  const struct vdm_mach_desc *m, uint64_t cmdline_addr,
			  uint64_t initrd_addr, uint64_t initrd_size, uint64_t rsdp);

/*
 * Where the initrd goes: as high as possible, page aligned, ending at or below
 * min(initrd_addr_max, low_ram_end - 1) and starting at or above `floor`.  Returns the
 * address, or 0 when it does not fit.
 */
uint64_t x86_initrd_addr(uint64_t size, uint64_t initrd_addr_max, uint64_t low_ram_end,
			 uint64_t floor);

/*
 * Identity page tables at X86_PML4_ADDR in `mem` (guest-physical 0 == mem[0]): 1 GiB pages
 * covering [0, map_bytes) (map_bytes <= X86_PT_MAX_PAGES * 512 GiB), or with one_gig false
 * 2 MiB pages covering [0, 4 GiB).  Returns the CR3 value, or 0 if map_bytes is too big.
 */
uint64_t x86_page_tables(uint8_t *mem, bool one_gig, uint64_t map_bytes);

/* A flat GDT at X86_GDT_ADDR: 64-bit code at code_sel, data at code_sel + 8.  Returns the
 * limit (size - 1). */
uint16_t x86_gdt(uint8_t *mem, uint16_t code_sel);

#endif /* VMM_X86_BOOT_H */
