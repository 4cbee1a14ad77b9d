/* x86 boot protocols: Linux bzImage 64-bit entry (Documentation/arch/x86/boot.rst) and
 * vmm-example's flat payloads (PAYLOAD.md): loading, zero page, e820, page tables, GDT. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../memory.h"
#include "arch.h"
#include "boot.h"
#include "pvh.h"
#include <vdm/machine_desc.h>

#define SETUP_HDR_OFF 0x1f1
#define BOOT_FLAG_OFF 0x1fe
#define HDRS_OFF 0x202
#define HDRS_MAGIC 0x53726448u /* "HdrS" */
#define GIB (UINT64_C(1) << 30)
#define MIB (UINT64_C(1) << 20)

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int x86_bzimage_parse(const uint8_t *img, size_t len, struct x86_bzimage *k, char *err,
		      size_t err_len)
{
	uint32_t setup_sects;
	size_t hdr_end;

	memset(k, 0, sizeof(*k));
	if (len < 0x268 || rd16(img + BOOT_FLAG_OFF) != 0xaa55 || rd32(img + HDRS_OFF) != HDRS_MAGIC) {
		snprintf(err, err_len, "not a bzImage (no 0xAA55 boot flag / \"HdrS\" setup header)");
		return -EINVAL;
	}
	k->version = rd16(img + 0x206);
	if (k->version < 0x020c) {
		snprintf(err, err_len, "boot protocol %u.%02u is too old: need 2.12 or later "
			 "(a 64-bit kernel from Linux 3.8 on)", k->version >> 8, k->version & 0xff);
		return -EINVAL;
	}
	k->loadflags = img[0x211];
	k->xloadflags = rd16(img + 0x236);
	if (!(k->xloadflags & XLF_KERNEL_64) || !(k->loadflags & LOADED_HIGH)) {
		snprintf(err, err_len, "this bzImage has no 64-bit entry point (XLF_KERNEL_64 clear): "
			 "use an x86_64 kernel");
		return -EINVAL;
	}
	setup_sects = img[SETUP_HDR_OFF];
	if (setup_sects == 0)
		setup_sects = 4;
	k->setup_len = (setup_sects + 1) * 512;
	if (k->setup_len >= len) {
		snprintf(err, err_len, "bzImage truncated: setup (%u bytes) covers the whole %zu-byte file",
			 k->setup_len, len);
		return -EINVAL;
	}
	hdr_end = HDRS_OFF + img[0x201];
	if (hdr_end > len)
		hdr_end = len;
	if (hdr_end - SETUP_HDR_OFF > sizeof(struct setup_header))
		hdr_end = SETUP_HDR_OFF + sizeof(struct setup_header);
	k->hdr = img + SETUP_HDR_OFF;
	k->hdr_len = hdr_end - SETUP_HDR_OFF;
	k->pm = img + k->setup_len;
	k->pm_len = len - k->setup_len;
	k->initrd_addr_max = rd32(img + 0x22c);
	k->kernel_alignment = rd32(img + 0x230);
	k->cmdline_size = rd32(img + 0x238);
	k->pref_address = (uint64_t)rd32(img + 0x258) | (uint64_t)rd32(img + 0x25c) << 32;
	k->init_size = rd32(img + 0x260);
	return 0;
}

unsigned x86_e820_build(const struct vdm_mach_desc *m, struct boot_e820_entry *tab,
			unsigned max)
{
	unsigned n = 0, i, j;

	for (i = 0; i < m->num_ram && i < VDM_MACH_MAX_RAM && n < max; i++)
		if (m->ram[i].size)
			tab[n++] = (struct boot_e820_entry){ m->ram[i].base, m->ram[i].size, 1 };
	for (i = 0; i < m->num_reserved && i < VDM_MACH_MAX_RESERVED && n < max; i++)
		if (m->reserved[i].size)
			tab[n++] = (struct boot_e820_entry){ m->reserved[i].base,
							    m->reserved[i].size, 2 };
	for (i = 1; i < n; i++) { /* insertion sort by address */
		struct boot_e820_entry t = tab[i];

		for (j = i; j > 0 && tab[j - 1].addr > t.addr; j--)
			tab[j] = tab[j - 1];
		tab[j] = t;
	}
	return n;
}

void x86_boot_params_fill(struct boot_params *bp, const struct x86_bzimage *k,
			  const struct vdm_mach_desc *m, uint64_t cmdline_addr,
			  uint64_t initrd_addr, uint64_t initrd_size, uint64_t rsdp)
{
	memset(bp, 0, sizeof(*bp));
	memcpy(&bp->hdr, k->hdr, k->hdr_len);
	bp->hdr.type_of_loader = 0xff; /* "undefined" boot loader */
	bp->hdr.loadflags |= CAN_USE_HEAP;
	bp->hdr.heap_end_ptr = 0xfe00;
	bp->hdr.vid_mode = 0xffff; /* "normal" */
	bp->hdr.code32_start = X86_KERNEL_ADDR;
	bp->hdr.cmd_line_ptr = (uint32_t)cmdline_addr;
	bp->ext_cmd_line_ptr = (uint32_t)(cmdline_addr >> 32);
	bp->hdr.ramdisk_image = (uint32_t)initrd_addr;
	bp->ext_ramdisk_image = (uint32_t)(initrd_addr >> 32);
	bp->hdr.ramdisk_size = (uint32_t)initrd_size;
	bp->ext_ramdisk_size = (uint32_t)(initrd_size >> 32);
	bp->acpi_rsdp_addr = rsdp;
	bp->e820_entries = (uint8_t)x86_e820_build(m, bp->e820_table, E820_MAX_ENTRIES_ZEROPAGE);
}

uint64_t x86_initrd_addr(uint64_t size, uint64_t initrd_addr_max, uint64_t low_ram_end,
			 uint64_t floor)
{
	uint64_t top = low_ram_end;
	uint64_t addr;

	if (initrd_addr_max && initrd_addr_max < UINT64_MAX && initrd_addr_max + 1 < top)
		top = initrd_addr_max + 1;
	if (size == 0 || size > top)
		return 0;
	addr = (top - size) & ~UINT64_C(0xfff);
	return addr >= floor ? addr : 0;
}

static void put64(uint8_t *mem, uint64_t addr, uint64_t v)
{
	memcpy(mem + addr, &v, sizeof(v));
}

uint64_t x86_page_tables(uint8_t *mem, bool one_gig, uint64_t map_bytes)
{
	const uint64_t pte = 0x83; /* present, writable, page size */
	uint64_t i, pages;

	if (one_gig) {
		uint64_t gigs = (map_bytes + GIB - 1) / GIB;

		pages = (gigs + 511) / 512;
		if (map_bytes == 0 || pages > X86_PT_MAX_PAGES)
			return 0;
		memset(mem + X86_PML4_ADDR, 0, 4096);
		memset(mem + X86_PT_ADDR, 0, pages * 4096);
		for (i = 0; i < pages; i++)
			put64(mem, X86_PML4_ADDR + i * 8, (X86_PT_ADDR + i * 4096) | 3);
		for (i = 0; i < gigs; i++)
			put64(mem, X86_PT_ADDR + i * 8, (i * GIB) | pte);
		return X86_PML4_ADDR;
	}
	/* 2 MiB pages for [0, 4 GiB): one PDPT, four page directories. */
	memset(mem + X86_PML4_ADDR, 0, 4096);
	memset(mem + X86_PT_ADDR, 0, 5 * 4096);
	put64(mem, X86_PML4_ADDR, X86_PT_ADDR | 3);
	for (i = 0; i < 4; i++)
		put64(mem, X86_PT_ADDR + i * 8, (X86_PT_ADDR + (i + 1) * 4096) | 3);
	for (i = 0; i < 4 * 512; i++)
		put64(mem, X86_PT_ADDR + 4096 + i * 8, (i << 21) | pte);
	return X86_PML4_ADDR;
}

uint16_t x86_gdt(uint8_t *mem, uint16_t code_sel)
{
	const uint64_t code64 = UINT64_C(0x00af9b000000ffff); /* P, DPL0, exec/read, L, G */
	const uint64_t data = UINT64_C(0x00cf93000000ffff);   /* P, DPL0, read/write, D, G */
	unsigned n = code_sel / 8 + 2;

	memset(mem + X86_GDT_ADDR, 0, n * 8);
	put64(mem, X86_GDT_ADDR + code_sel, code64);
	put64(mem, X86_GDT_ADDR + code_sel + 8, data);
	return (uint16_t)(n * 8 - 1);
}

/* An uncompressed vmlinux through its PVH entry: segments at their physical addresses, the
 * initrd above them, the hvm_start_info in low memory. */
static int load_pvh(const struct guest_ram *ram, const struct vdm_mach_desc *m,
		    const uint8_t *kernel, size_t kernel_len, const uint8_t *initrd,
		    size_t initrd_len, const char *cmdline, uint64_t rsdp, struct arch_entry *e,
		    char *err, size_t err_len)
{
	uint8_t *mem = guest_ram_ptr(ram, 0, ram->low_size);
	uint64_t low_end = ram->low_size, initrd_addr = 0;
	size_t cl_len = strlen(cmdline);
	struct x86_pvh k;
	unsigned i;
	int ret;

	ret = x86_pvh_parse(kernel, kernel_len, &k, err, err_len);
	if (ret)
		return ret;
	if (!mem || k.end > low_end) {
		snprintf(err, err_len, "-m: this kernel needs %llu MiB of RAM below the 32-bit hole, "
			 "the machine has %llu MiB there", (unsigned long long)((k.end + MIB - 1) / MIB),
			 (unsigned long long)(low_end / MIB));
		return -ENOMEM;
	}
	for (i = 0; i < k.nsegs; i++)
		if (k.seg[i].paddr < X86_KERNEL_ADDR) {
			snprintf(err, err_len, "ELF segment at 0x%llx: below 1 MiB, where the boot "
				 "structures are", (unsigned long long)k.seg[i].paddr);
			return -EINVAL;
		}
	if (cl_len >= X86_CMDLINE_MAX) {
		snprintf(err, err_len, "--append: the command line is %zu bytes, at most %u", cl_len,
			 X86_CMDLINE_MAX - 1);
		return -E2BIG;
	}
	if (initrd_len) {
		initrd_addr = x86_initrd_addr(initrd_len, UINT32_MAX, low_end,
					      (k.end + 0xfff) & ~UINT64_C(0xfff));
		if (!initrd_addr) {
			snprintf(err, err_len, "--initrd: %zu MiB does not fit above the kernel (up to "
				 "%llu MiB); give the machine more memory with -m",
				 initrd_len / MIB + 1, (unsigned long long)(k.end / MIB));
			return -ENOMEM;
		}
		memcpy(mem + initrd_addr, initrd, initrd_len);
	}
	for (i = 0; i < k.nsegs; i++) {
		memcpy(mem + k.seg[i].paddr, k.seg[i].data, k.seg[i].filesz);
		memset(mem + k.seg[i].paddr + k.seg[i].filesz, 0, k.seg[i].memsz - k.seg[i].filesz);
	}
	memcpy(mem + X86_CMDLINE_ADDR, cmdline, cl_len + 1);
	x86_pvh_start_info(mem, m, X86_CMDLINE_ADDR, initrd_addr, initrd_len, rsdp);
	memset(e, 0, sizeof(*e));
	e->prot32 = true;
	e->code_sel = 0x10;
	e->data_sel = 0x18;
	e->rip = k.entry;
	e->rbx = X86_PVH_START_INFO_ADDR;
	return 0;
}

int arch_load_linux(const struct guest_ram *ram, const struct vdm_mach_desc *m,
		    const uint8_t *kernel, size_t kernel_len, const uint8_t *initrd,
		    size_t initrd_len, const char *cmdline, uint64_t rsdp, bool dt_boot,
		    struct arch_entry *e, char *err, size_t err_len)
{
	uint8_t *mem = guest_ram_ptr(ram, 0, ram->low_size);
	uint64_t low_end = ram->low_size, need, base, initrd_addr = 0;
	size_t cl_len = strlen(cmdline);
	struct x86_bzimage k;
	int ret;

	if (dt_boot) {
		snprintf(err, err_len, "--boot dt: x86 guests boot with ACPI and the zero page only");
		return -EINVAL;
	}
	if (x86_is_elf(kernel, kernel_len))
		return load_pvh(ram, m, kernel, kernel_len, initrd, initrd_len, cmdline, rsdp, e, err,
				err_len);
	ret = x86_bzimage_parse(kernel, kernel_len, &k, err, err_len);
	if (ret) {
		if (strstr(err, "not a bzImage"))
			snprintf(err, err_len, "neither a bzImage (no 0xAA55 boot flag / \"HdrS\" "
				 "setup header) nor an ELF vmlinux with a PVH entry");
		return ret;
	}
	/* The decompressor runs at max(load address, pref_address) and needs init_size. */
	base = k.pref_address > X86_KERNEL_ADDR ? k.pref_address : X86_KERNEL_ADDR;
	need = base + k.init_size;
	if (need < X86_KERNEL_ADDR + k.pm_len)
		need = X86_KERNEL_ADDR + k.pm_len;
	if (!mem || need > low_end) {
		snprintf(err, err_len, "-m: this kernel needs %llu MiB of RAM below the 32-bit hole, "
			 "the machine has %llu MiB there",
			 (unsigned long long)((need + MIB - 1) / MIB),
			 (unsigned long long)(low_end / MIB));
		return -ENOMEM;
	}
	if (cl_len >= X86_CMDLINE_MAX || (k.cmdline_size && cl_len > k.cmdline_size)) {
		snprintf(err, err_len, "--append: the command line is %zu bytes, this kernel takes at "
			 "most %u", cl_len, k.cmdline_size ? k.cmdline_size : X86_CMDLINE_MAX - 1);
		return -E2BIG;
	}
	if (initrd_len) {
		initrd_addr = x86_initrd_addr(initrd_len, k.initrd_addr_max ? k.initrd_addr_max
									      : 0x37ffffff,
					      low_end, (need + 0xfff) & ~UINT64_C(0xfff));
		if (!initrd_addr) {
			snprintf(err, err_len, "--initrd: %zu MiB does not fit between the kernel "
				 "(up to %llu MiB) and the initrd limit; give the machine more "
				 "memory with -m", initrd_len / MIB + 1,
				 (unsigned long long)(need / MIB));
			return -ENOMEM;
		}
		memcpy(mem + initrd_addr, initrd, initrd_len);
	}
	memcpy(mem + X86_KERNEL_ADDR, k.pm, k.pm_len);
	memcpy(mem + X86_CMDLINE_ADDR, cmdline, cl_len + 1);
	x86_boot_params_fill((struct boot_params *)(mem + X86_BOOT_PARAMS_ADDR), &k, m,
			     X86_CMDLINE_ADDR, initrd_addr, initrd_len, rsdp);
	memset(e, 0, sizeof(*e));
	e->cr3 = x86_page_tables(mem, false, 4 * GIB);
	e->code_sel = 0x10; /* __BOOT_CS, __BOOT_DS per boot.rst */
	e->data_sel = 0x18;
	e->gdt_base = X86_GDT_ADDR;
	e->gdt_limit = x86_gdt(mem, e->code_sel);
	e->rip = X86_KERNEL_ADDR + 0x200; /* 64-bit entry: startup_64 */
	e->rsi = X86_BOOT_PARAMS_ADDR;
	e->rsp = X86_LINUX_STACK;
	return 0;
}

int arch_load_payload(const struct guest_ram *ram, const struct vdm_mach_desc *m,
		      const uint8_t *image, size_t len, uint64_t rsdp, unsigned phys_bits,
		      struct arch_entry *e, char *err, size_t err_len)
{
	uint8_t *mem = guest_ram_ptr(ram, 0, ram->low_size);
	uint64_t map = phys_bits >= 64 ? UINT64_MAX : UINT64_C(1) << phys_bits;
	const uint64_t max_map = (uint64_t)X86_PT_MAX_PAGES * 512 * GIB;

	(void)m;
	if (len == 0) {
		snprintf(err, err_len, "--payload: the file is empty");
		return -EINVAL;
	}
	if (!mem || len > ram->low_size - X86_KERNEL_ADDR) {
		snprintf(err, err_len, "--payload: %zu bytes do not fit in RAM from 1 MiB to %llu MiB",
			 len, (unsigned long long)(ram->low_size / MIB));
		return -ENOMEM;
	}
	memcpy(mem + X86_KERNEL_ADDR, image, len);
	memset(e, 0, sizeof(*e));
	e->cr3 = x86_page_tables(mem, true, map < max_map ? map : max_map);
	e->code_sel = 0x08;
	e->data_sel = 0x10;
	e->gdt_base = X86_GDT_ADDR;
	e->gdt_limit = x86_gdt(mem, e->code_sel);
	e->rip = X86_KERNEL_ADDR;
	e->rsp = X86_PAYLOAD_STACK;
	e->rdi = rsdp;
	e->rsi = ram->low_size;
	return 0;
}
