/* x86 PVH boot: the vmlinux ELF's load segments and PHYS32_ENTRY note, and the hvm_start_info
 * (Xen's arch-x86/hvm/start_info.h layout, version 1) that Linux's pvh_start_xen reads. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <asm/bootparam.h>

#include <vdm/machine_desc.h>

#include "boot.h"
#include "pvh.h"

#define PT_LOAD 1
#define PT_NOTE 4
#define EM_X86_64 62
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define HVM_START_MAGIC 0x336ec578u
#define START_INFO_SIZE 56u
#define MODLIST_SIZE 32u
#define MEMMAP_ENTRY_SIZE 24u

static uint64_t le(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void put(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Find the Xen PHYS32_ENTRY note in [n, n + len). */
static int find_entry_note(const uint8_t *n, uint64_t len, uint32_t *entry)
{
	uint64_t off = 0;

	while (off + 12 <= len) {
		uint64_t namesz = le(n + off, 4), descsz = le(n + off + 4, 4);
		uint32_t type = (uint32_t)le(n + off + 8, 4);
		uint64_t name = off + 12, desc = name + ((namesz + 3) & ~UINT64_C(3));

		if (desc + descsz > len || desc < name)
			return -1;
		if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 && !memcmp(n + name, "Xen", 4) &&
		    descsz >= 4) {
			*entry = (uint32_t)le(n + desc, 4);
			return 0;
		}
		off = desc + ((descsz + 3) & ~UINT64_C(3));
	}
	return -1;
}

int x86_pvh_parse(const uint8_t *img, size_t len, struct x86_pvh *k, char *err, size_t err_len)
{
	uint64_t phoff, phentsize, phnum, i;
	bool have_entry = false;

	memset(k, 0, sizeof(*k));
	if (len < 64 || !x86_is_elf(img, len) || img[4] != 2 || img[5] != 1 ||
	    le(img + 18, 2) != EM_X86_64) {
		snprintf(err, err_len, "not an x86-64 little-endian ELF64 vmlinux");
		return -EINVAL;
	}
	phoff = le(img + 32, 8);
	phentsize = le(img + 54, 2);
	phnum = le(img + 56, 2);
	if (phentsize < 56 || phoff > len || phnum > (len - phoff) / phentsize) {
		snprintf(err, err_len, "ELF program headers outside the file (truncated vmlinux?)");
		return -EINVAL;
	}
	for (i = 0; i < phnum; i++) {
		const uint8_t *ph = img + phoff + i * phentsize;
		uint32_t type = (uint32_t)le(ph, 4);
		uint64_t off = le(ph + 8, 8), paddr = le(ph + 24, 8);
		uint64_t filesz = le(ph + 32, 8), memsz = le(ph + 40, 8);

		if (off > len || filesz > len - off) {
			snprintf(err, err_len, "ELF segment %llu lies outside the file (truncated "
				 "vmlinux?)", (unsigned long long)i);
			return -EINVAL;
		}
		if (type == PT_NOTE && !have_entry)
			have_entry = find_entry_note(img + off, filesz, &k->entry) == 0;
		if (type != PT_LOAD || !memsz)
			continue;
		if (k->nsegs == X86_PVH_MAX_SEGS || memsz < filesz || paddr + memsz < paddr) {
			snprintf(err, err_len, "ELF load segment %llu: too many, or its sizes are "
				 "inconsistent", (unsigned long long)i);
			return -EINVAL;
		}
		k->seg[k->nsegs].paddr = paddr;
		k->seg[k->nsegs].filesz = filesz;
		k->seg[k->nsegs].memsz = memsz;
		k->seg[k->nsegs].data = img + off;
		k->nsegs++;
		if (paddr + memsz > k->end)
			k->end = paddr + memsz;
	}
	if (!have_entry) {
		snprintf(err, err_len, "no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY): build the kernel "
			 "with CONFIG_PVH=y, or boot its bzImage");
		return -EINVAL;
	}
	if (!k->nsegs) {
		snprintf(err, err_len, "no loadable segment in this ELF");
		return -EINVAL;
	}
	return 0;
}

void x86_pvh_start_info(uint8_t *mem, const struct vdm_mach_desc *m, uint64_t cmdline_addr,
			uint64_t initrd_addr, uint64_t initrd_size, uint64_t rsdp)
{
	uint8_t *si = mem + X86_PVH_START_INFO_ADDR;
	uint64_t modlist = X86_PVH_START_INFO_ADDR + START_INFO_SIZE;
	uint64_t memmap = modlist + MODLIST_SIZE;
	struct boot_e820_entry e820[X86_PVH_MAX_MEMMAP];
	unsigned n = x86_e820_build(m, e820, X86_PVH_MAX_MEMMAP), i;

	memset(si, 0, START_INFO_SIZE + MODLIST_SIZE + n * MEMMAP_ENTRY_SIZE);
	put(si + 0, HVM_START_MAGIC, 4);
	put(si + 4, 1, 4); /* version 1: with the memory map */
	put(si + 8, 0, 4); /* flags */
	put(si + 12, initrd_size ? 1 : 0, 4);
	put(si + 16, initrd_size ? modlist : 0, 8);
	put(si + 24, cmdline_addr, 8);
	put(si + 32, rsdp, 8);
	put(si + 40, memmap, 8);
	put(si + 48, n, 4);
	put(mem + modlist, initrd_addr, 8);
	put(mem + modlist + 8, initrd_size, 8);
	for (i = 0; i < n; i++) {
		uint8_t *e = mem + memmap + (uint64_t)i * MEMMAP_ENTRY_SIZE;

		put(e, e820[i].addr, 8);
		put(e + 8, e820[i].size, 8);
		put(e + 16, e820[i].type, 4);
	}
}
