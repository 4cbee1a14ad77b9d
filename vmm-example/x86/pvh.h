/* The x86 PVH boot of an uncompressed vmlinux ELF (its XEN_ELFNOTE_PHYS32_ENTRY note): no
 * decompressor runs, the kernel starts in 32-bit protected mode with an hvm_start_info. */
#ifndef VMM_X86_PVH_H
#define VMM_X86_PVH_H

#include <stddef.h>
#include <stdint.h>

struct vdm_mach_desc;

#define X86_PVH_MAX_SEGS 8
#define X86_PVH_START_INFO_ADDR 0x6000u /* hvm_start_info, then the module and memory maps */
#define X86_PVH_MAX_MEMMAP 64u

/* What the ELF says: where each PT_LOAD goes and the 32-bit entry point. */
struct x86_pvh {
	uint32_t entry; /* XEN_ELFNOTE_PHYS32_ENTRY: physical address of the PVH entry */
	unsigned nsegs;
	struct {
		uint64_t paddr, filesz, memsz;
		const uint8_t *data;
	} seg[X86_PVH_MAX_SEGS];
	uint64_t end; /* highest byte (exclusive) any segment occupies */
};

/* True when `img` starts like an ELF file. */
static inline int x86_is_elf(const uint8_t *img, size_t len)
{
	return len >= 4 && img[0] == 0x7f && img[1] == 'E' && img[2] == 'L' && img[3] == 'F';
}

/*
 * Parse a vmlinux: a little-endian ELF64 for x86-64 with at most X86_PVH_MAX_SEGS PT_LOAD
 * segments inside the file and a Xen PHYS32_ENTRY note.  0, or -EINVAL with the reason
 * (naming what is missing: "no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY): build the kernel
 * with CONFIG_PVH=y, or boot its bzImage").
 */
int x86_pvh_parse(const uint8_t *img, size_t len, struct x86_pvh *k, char *err, size_t err_len);

/*
 * Fill the hvm_start_info (version 1) at X86_PVH_START_INFO_ADDR in `mem` (guest-physical 0 ==
 * mem[0]): the command line at cmdline_addr, the initrd as module 0 (initrd_size 0: none),
 * the RSDP, and the e820 memory map of `m`.
 */
void x86_pvh_start_info(uint8_t *mem, const struct vdm_mach_desc *m, uint64_t cmdline_addr,
			uint64_t initrd_addr, uint64_t initrd_size, uint64_t rsdp);

#endif /* VMM_X86_PVH_H */
