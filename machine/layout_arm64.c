/* The arm64 machine's guest-physical map (layout.h): GICv3, PL011, platform MMIO, the PCI
 * apertures with a memory-mapped I/O window, RAM from 1 GiB with firmware tables at its top. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <vdm/layout.h>

#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)
#define RAM_MAX (VDM_ARM64_ECAM_BASE - VDM_ARM64_RAM_BASE - GIB) /* 255 GiB */

static int say(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int say(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int vdm_arm64_layout(struct vdm_mach_desc *m, uint64_t ram_size, unsigned ipa_bits, char *err,
		     size_t err_len)
{
	uint64_t top, fw;
	char a[32], b[32];

	if (ipa_bits < 40 || ipa_bits > VDM_LAYOUT_MAX_PHYS_BITS)
		return say(err, err_len, "ipa-bits=%u: must be 40..%u (KVM's IPA size)", ipa_bits,
			   VDM_LAYOUT_MAX_PHYS_BITS);
	if (ram_size & (2 * MIB - 1))
		return say(err, err_len, "-m %s: RAM size must be a multiple of 2M on arm64",
			   vdm_fmt_size(a, sizeof(a), ram_size));
	if (ram_size < VDM_LAYOUT_MIN_RAM + VDM_ARM64_FW_SIZE)
		return say(err, err_len, "-m %s: too small, at least -m %s is needed",
			   vdm_fmt_size(a, sizeof(a), ram_size),
			   vdm_fmt_size(b, sizeof(b), VDM_LAYOUT_MIN_RAM + VDM_ARM64_FW_SIZE));
	if (ram_size > RAM_MAX)
		return say(err, err_len, "-m %s: too large, the arm64 map holds at most -m %s",
			   vdm_fmt_size(a, sizeof(a), ram_size), vdm_fmt_size(b, sizeof(b), RAM_MAX));
	top = ipa_bits < VDM_LAYOUT_MAX_TOP_BITS ? UINT64_C(1) << ipa_bits
						 : UINT64_C(1) << VDM_LAYOUT_MAX_TOP_BITS;
	if (top < VDM_ARM64_MEM64_BASE + VDM_LAYOUT_MIN_MEM64)
		return say(err, err_len, "ipa-bits=%u: no room for the 64-bit PCI aperture", ipa_bits);

	memset(m->ram, 0, sizeof(m->ram));
	m->ram[0] = (struct vdm_range){ VDM_ARM64_RAM_BASE, ram_size };
	m->num_ram = 1;
	fw = VDM_ARM64_RAM_BASE + ram_size - VDM_ARM64_FW_SIZE;
	m->num_reserved = 1;
	m->reserved[0] = (struct vdm_range){ fw, VDM_ARM64_FW_SIZE };
	m->acpi = (struct vdm_range){ fw, VDM_ARM64_FW_SIZE / 2 };

	m->gicd = (struct vdm_range){ VDM_ARM64_GICD_BASE, VDM_ARM64_GICD_SIZE };
	m->gicr = (struct vdm_range){ VDM_ARM64_GICR_BASE,
				      VDM_ARM64_GICR_CPU_SIZE * VDM_ARM64_MAX_CPUS };
	m->timer_ppi[0] = 29; /* EL1 secure */
	m->timer_ppi[1] = 30; /* EL1 non-secure */
	m->timer_ppi[2] = 27; /* virtual */
	m->timer_ppi[3] = 26; /* EL2 */
	m->intx_gsi_base = VDM_ARM64_INTX_INTID;
	m->intx_gsis = 4;

	m->segment = 0;
	m->bus_start = 0;
	m->bus_end = 255;
	m->ecam = (struct vdm_range){ VDM_ARM64_ECAM_BASE, 256 * MIB };
	/* Ports 0..0xFFFF as QEMU's virt: Linux numbers the first host bridge's ports from 0, so
	 * bus port p is Linux's port p and windows at 0x1000 and up are ones it hands out. */
	m->pci_io = (struct vdm_range){ 0, 0x10000 };
	m->pci_io_cpu_base = VDM_ARM64_PIO_CPU_BASE;
	m->pci_mem32 = (struct vdm_range){ VDM_ARM64_MEM32_BASE,
					   VDM_ARM64_PIO_CPU_BASE - VDM_ARM64_MEM32_BASE };
	m->pci_mem64 = (struct vdm_range){ VDM_ARM64_MEM64_BASE, top - VDM_ARM64_MEM64_BASE };

	m->platform_mmio = (struct vdm_range){ VDM_ARM64_PLATFORM_BASE, MIB };
	m->ged_base = VDM_ARM64_PLATFORM_BASE + VDM_LAYOUT_GED_OFFSET;
	m->ged_gsi = VDM_ARM64_GED_INTID;
	m->pcihp_base = VDM_ARM64_PLATFORM_BASE + VDM_LAYOUT_PCIHP_OFFSET;
	m->pcihp_size = 0x18;

	m->uart_mmio = (struct vdm_range){ VDM_ARM64_UART_BASE, 0x1000 };
	m->serial_gsi = VDM_ARM64_UART_INTID;
	m->arch = VDM_ARCH_ARM64;
	return 0;
}
