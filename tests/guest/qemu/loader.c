/* Test-only multiboot loader, 64-bit part: copies the payload module to 0x100000, finds the
 * RSDP, moves q35's ACPI PM block off port 0x600 so isa-debug-exit there ends QEMU. */
#include <stdint.h>

#include "../lib/io.h"

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
};

struct mb_module {
	uint32_t start, end, string, reserved;
};

void loader_main(uint32_t mbi_pa, uint64_t *args);

static void say(const char *s)
{
	while (*s)
		outb(0x3f8, (uint8_t)*s++);
}

static void die(const char *s)
{
	say("loader: ");
	say(s);
	say("\n");
	outb(0x600, 0x01);
	for (;;)
		__asm__ volatile("cli; hlt");
}

static uint64_t find_rsdp(void)
{
	for (uint64_t p = 0xe0000; p < 0x100000; p += 16) {
		uint8_t sum = 0;

		if (mem32(p) != 0x20445352 || mem32(p + 4) != 0x20525450) /* "RSD PTR " */
			continue;
		for (unsigned i = 0; i < 20; i++)
			sum = (uint8_t)(sum + mem8(p + i));
		if (!sum)
			return p;
	}
	return 0;
}

void loader_main(uint32_t mbi_pa, uint64_t *args)
{
	const struct mb_info *mbi = (const struct mb_info *)(uintptr_t)mbi_pa;
	const struct mb_module *mod;
	volatile uint8_t *dst = (volatile uint8_t *)0x100000;

	if (!(mbi->flags & (1u << 3)) || mbi->mods_count < 1)
		die("no payload module (use -initrd payload.bin)");
	if (!(mbi->flags & 1u))
		die("no memory size in multiboot info");
	mod = (const struct mb_module *)(uintptr_t)mbi->mods_addr;
	if (mod->end <= mod->start || mod->end - mod->start > 0x200000)
		die("payload module missing or larger than 2 MiB");
	for (uint32_t i = 0; i < mod->end - mod->start; i++)
		dst[i] = *(const volatile uint8_t *)(uintptr_t)(mod->start + i);

	/* q35: ICH9 LPC (00:1f.0) PMBASE at config 0x40 -> 0xb000, so port 0x600 is left to
	 * isa-debug-exit and the payload's power-off/reset writes end QEMU with 105/3. */
	outl(0xcf8, 0x8000f840);
	if ((inl(0xcfc) & ~0x7fu) == 0x600) {
		outl(0xcf8, 0x8000f840);
		outl(0xcfc, 0xb001);
	}
	args[0] = find_rsdp();
	args[1] = ((uint64_t)mbi->mem_upper << 10) + 0x100000;
}
