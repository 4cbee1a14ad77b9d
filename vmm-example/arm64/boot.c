/* The arm64 Linux boot (Documentation/arm64/booting.rst): the Image at a 2 MiB-aligned base +
 * text_offset, the initrd at the top of usable RAM, and in the firmware area either the UEFI
 * hand-off (system table, memory map, a /chosen-only device tree) or the machine's device tree. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vdm/efi.h>
#include <vdm/fdt.h>

#include "../arch.h"
#include "../memory.h"

#define MIB (UINT64_C(1) << 20)
#define IMAGE_MAGIC 0x644d5241u /* "ARM\x64" at offset 0x38 */
#define EFI_OFFSET MIB          /* in the firmware area: ACPI below, then these */
#define DTB_OFFSET (MIB + MIB / 2)
#define DTB_MAX (MIB / 2)

static uint64_t le(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* The command line for an ACPI boot: the user's, with efi=noruntime unless efi= is there. */
static char *acpi_cmdline(const char *cmdline)
{
	size_t n = strlen(cmdline);
	char *cl = malloc(n + sizeof(" efi=noruntime"));

	if (!cl)
		return NULL;
	memcpy(cl, cmdline, n + 1);
	if (!strstr(cmdline, "efi="))
		strcat(cl, n ? " efi=noruntime" : "efi=noruntime");
	return cl;
}

int arch_load_linux(const struct guest_ram *ram, const struct vdm_mach_desc *m,
		    const uint8_t *kernel, size_t kernel_len, const uint8_t *initrd,
		    size_t initrd_len, const char *cmdline, uint64_t rsdp, bool dt_boot,
		    struct arch_entry *e, char *err, size_t err_len)
{
	uint64_t text_offset, image_size, load, fw = m->reserved[0].base, top, initrd_gpa = 0;
	struct vdm_fdt_boot boot = { .bootargs = cmdline };
	struct vdm_efi_layout efi;
	uint8_t efi_buf[VDM_EFI_MAX_SIZE];
	void *dst, *dtb;
	char why[256], *cl = NULL;
	int rc;

	if (kernel_len < 64 || le(kernel + 0x38, 4) != IMAGE_MAGIC) {
		snprintf(err, err_len, "not an arm64 Image (no \"ARM\\x64\" magic at 0x38)%s",
			 kernel_len >= 2 && kernel[0] == 0x1f && kernel[1] == 0x8b
				 ? ": it is gzip-compressed; give the uncompressed Image" : "");
		return -EINVAL;
	}
	text_offset = le(kernel + 0x08, 8);
	image_size = le(kernel + 0x10, 8);
	if (!image_size) { /* before Linux 3.17: the defaults the boot protocol names */
		text_offset = 0x80000;
		image_size = kernel_len;
	}
	if (le(kernel + 0x18, 8) & 1) {
		snprintf(err, err_len, "a big-endian Image: this machine runs little-endian guests");
		return -EINVAL;
	}
	if (!m->num_reserved || fw < ram->base || image_size < kernel_len) {
		snprintf(err, err_len, "no firmware area or a bad image_size %llu",
			 (unsigned long long)image_size);
		return -EINVAL;
	}
	load = ram->base + text_offset; /* RAM starts 2 MiB aligned */
	top = fw - initrd_len;
	top &= ~UINT64_C(0xfff);
	if (load + image_size > fw || (initrd_len && top < load + image_size + 2 * MIB)) {
		snprintf(err, err_len, "-m: the kernel (%llu MiB with its bss) and the initrd (%zu "
			 "MiB) do not fit in %llu MiB of RAM", (unsigned long long)(image_size / MIB),
			 initrd_len / MIB, (unsigned long long)(ram->size / MIB));
		return -ENOMEM;
	}
	if (guest_ram_write(ram, load, kernel, kernel_len) ||
	    (initrd_len && guest_ram_write(ram, top, initrd, initrd_len))) {
		snprintf(err, err_len, "kernel or initrd outside RAM");
		return -EFAULT;
	}
	if (initrd_len) {
		initrd_gpa = top;
		boot.initrd_start = initrd_gpa;
		boot.initrd_end = initrd_gpa + initrd_len;
	}
	dtb = guest_ram_ptr(ram, fw + DTB_OFFSET, DTB_MAX);
	if (!dtb) {
		snprintf(err, err_len, "firmware area at 0x%llx is not RAM", (unsigned long long)fw);
		return -EFAULT;
	}
	if (dt_boot) {
		rc = vdm_fdt_build(m, &boot, dtb, DTB_MAX, why, sizeof(why));
	} else {
		rc = vdm_efi_build(m, rsdp, fw + EFI_OFFSET, efi_buf, sizeof(efi_buf), &efi, why,
				   sizeof(why));
		dst = guest_ram_ptr(ram, fw + EFI_OFFSET, efi.size);
		if (!rc && dst)
			memcpy(dst, efi_buf, efi.size);
		cl = acpi_cmdline(cmdline);
		boot.bootargs = cl;
		if (!rc)
			rc = cl ? vdm_efi_fdt(&efi, &boot, dtb, DTB_MAX, why, sizeof(why)) : -ENOMEM;
	}
	free(cl);
	if (rc) {
		snprintf(err, err_len, "%s: %s", dt_boot ? "device tree" : "UEFI hand-off", why);
		return rc;
	}
	e->pc = load;
	e->x0 = fw + DTB_OFFSET;
	return 0;
}

int arch_load_payload(const struct guest_ram *ram, const struct vdm_mach_desc *m,
		      const uint8_t *image, size_t len, uint64_t rsdp, unsigned phys_bits,
		      struct arch_entry *e, char *err, size_t err_len)
{
	(void)ram;
	(void)m;
	(void)image;
	(void)len;
	(void)rsdp;
	(void)phys_bits;
	(void)e;
	snprintf(err, err_len, "--payload: the test payloads are x86 code; boot Linux on arm64");
	return -ENOTSUP;
}
