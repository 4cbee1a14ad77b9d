/* The x86_64 guest-physical memory map from RAM size and guest phys-bits (see vdm_layout.h
 * for the picture).  Pure arithmetic: no KVM, no allocation. */
#include <vdm/layout.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define GIB (UINT64_C(1) << 30)
#define TIB (UINT64_C(1) << 40)

/*
 * Why these places:
 *  - RAM stops at 3 GiB below 4 GiB and the 32-bit PCI aperture is CH's 640 MiB at
 *    0xC0000000, so the hole is the one stock Linux guests already boot with (facts §5.3).
 *  - ECAM covers all 256 buses (256 MiB).  A smaller ECAM sized to the buses in use would
 *    save address space we do not need below 4 GiB, but would tie MCFG/_CRS to today's
 *    bus count: a guest that renumbers buses, or a bridge hot-added behind a root port with
 *    bus-reserve, would land on bus numbers with no config space.  It stays below 4 GiB
 *    (Linux ignores MCFG above 4 GiB without a recent DMI year) and is e820 RESERVED (Linux
 *    accepts MMCONFIG only if firmware reserved it).
 *  - Platform MMIO sits above ECAM and below the IOAPIC, outside every PCI aperture, so
 *    Linux's e820 clipping of _CRS windows never touches it.
 *  - I/O ports below 0x1000 stay legacy (COM1 0x3f8, CF8/CFC, 0x600 power); PCI gets
 *    [0x1000, 0x10000): SeaBIOS and Linux never hand out I/O below 0x1000 either.
 */

static void say(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

const char *vdm_fmt_size(char *buf, size_t len, uint64_t v)
{
	static const char units[] = "KMGTPE";

	if (!v) {
		snprintf(buf, len, "0");
		return buf;
	}
	for (int i = 5; i >= 0; i--) {
		unsigned shift = 10u * (unsigned)(i + 1);

		if (!(v & ((UINT64_C(1) << shift) - 1))) {
			snprintf(buf, len, "%" PRIu64 "%c", v >> shift, units[i]);
			return buf;
		}
	}
	if (v < 1024)
		snprintf(buf, len, "%" PRIu64, v);
	else
		snprintf(buf, len, "0x%" PRIx64, v);
	return buf;
}

static void add_ram(struct vdm_mach_desc *m, uint64_t base, uint64_t size)
{
	m->ram[m->num_ram].base = base;
	m->ram[m->num_ram].size = size;
	m->num_ram++;
}

uint64_t vdm_layout_ram_total(const struct vdm_mach_desc *m)
{
	uint64_t sum = 0;

	for (uint32_t i = 0; i < m->num_ram && i < VDM_MACH_MAX_RAM; i++)
		sum += m->ram[i].size;
	return sum;
}

/* Largest -m that still leaves a VDM_LAYOUT_MIN_MEM64 aperture; sets *why. */
static uint64_t max_ram(unsigned phys_bits, const char **why)
{
	uint64_t top;

	if (phys_bits > 40) {
		/* RAM above 4 GiB must end before the HyperTransport hole; the aperture then
		 * starts at 1 TiB and is at least 1 TiB big. */
		*why = "RAM above 4 GiB may not reach the AMD HyperTransport range at 1012G";
		return VDM_LAYOUT_HT_HOLE_START - GIB;
	}
	top = UINT64_C(1) << phys_bits;
	if (top > VDM_LAYOUT_HT_HOLE_START)
		top = VDM_LAYOUT_HT_HOLE_START;
	*why = "RAM plus a 1G 64-bit PCI aperture must fit under the guest's address limit";
	/* need: round_up_1G(ram + 1G) + MIN_MEM64 <= top */
	return ((top - VDM_LAYOUT_MIN_MEM64) & ~(GIB - 1)) - GIB;
}

int vdm_x86_layout(struct vdm_mach_desc *m, uint64_t ram_size, unsigned phys_bits, char *err,
		   size_t err_len)
{
	char a[32], b[32];
	const char *why;
	uint64_t low_end, high_end, limit, ap_start, ap_end;

	if (phys_bits < VDM_LAYOUT_MIN_PHYS_BITS || phys_bits > VDM_LAYOUT_MAX_PHYS_BITS) {
		say(err, err_len, "phys-bits=%u: must be %u..%u", phys_bits,
		    VDM_LAYOUT_MIN_PHYS_BITS, VDM_LAYOUT_MAX_PHYS_BITS);
		return -EINVAL;
	}
	if (ram_size & ((UINT64_C(1) << 20) - 1)) {
		say(err, err_len, "-m %s: RAM size must be a multiple of 1M",
		    vdm_fmt_size(a, sizeof(a), ram_size));
		return -EINVAL;
	}
	if (ram_size < VDM_LAYOUT_MIN_RAM) {
		say(err, err_len, "-m %s: too small, at least -m %s is needed",
		    vdm_fmt_size(a, sizeof(a), ram_size),
		    vdm_fmt_size(b, sizeof(b), VDM_LAYOUT_MIN_RAM));
		return -EINVAL;
	}
	limit = max_ram(phys_bits, &why);
	if (ram_size > limit) {
		say(err, err_len,
		    "-m %s: too large for a guest with %u physical address bits (%s); use at most -m %s",
		    vdm_fmt_size(a, sizeof(a), ram_size), phys_bits, why,
		    vdm_fmt_size(b, sizeof(b), limit));
		return -EINVAL;
	}

	low_end = ram_size < VDM_LAYOUT_HOLE_START ? ram_size : VDM_LAYOUT_HOLE_START;
	high_end = ram_size > VDM_LAYOUT_HOLE_START
			   ? VDM_LAYOUT_4G + (ram_size - VDM_LAYOUT_HOLE_START)
			   : VDM_LAYOUT_4G;
	ap_start = (high_end + GIB - 1) & ~(GIB - 1);
	if (phys_bits > 40) {
		unsigned bits = phys_bits < VDM_LAYOUT_MAX_TOP_BITS ? phys_bits
								   : VDM_LAYOUT_MAX_TOP_BITS;

		if (ap_start < TIB)
			ap_start = TIB;
		ap_end = UINT64_C(1) << bits;
	} else {
		ap_end = UINT64_C(1) << phys_bits;
		if (ap_end > VDM_LAYOUT_HT_HOLE_START)
			ap_end = VDM_LAYOUT_HT_HOLE_START;
	}

	m->num_ram = 0;
	add_ram(m, 0, VDM_LAYOUT_LOW_RAM_END);
	if (low_end > VDM_LAYOUT_HIGH_MEM_START)
		add_ram(m, VDM_LAYOUT_HIGH_MEM_START, low_end - VDM_LAYOUT_HIGH_MEM_START);
	if (high_end > VDM_LAYOUT_4G)
		add_ram(m, VDM_LAYOUT_4G, high_end - VDM_LAYOUT_4G);

	m->ecam.base = VDM_LAYOUT_ECAM_BASE;
	m->ecam.size = VDM_LAYOUT_ECAM_SIZE;
	m->segment = 0;
	m->bus_start = 0;
	m->bus_end = 255;
	m->num_reserved = 1;
	m->reserved[0] = m->ecam;

	m->lapic_base = VDM_LAYOUT_LAPIC_BASE;
	m->ioapic_base = VDM_LAYOUT_IOAPIC_BASE;
	m->ioapic_pins = 24;

	m->pci_io.base = VDM_LAYOUT_PCI_IO_BASE;
	m->pci_io.size = VDM_LAYOUT_PCI_IO_SIZE;
	m->pci_mem32.base = VDM_LAYOUT_MEM32_BASE;
	m->pci_mem32.size = VDM_LAYOUT_MEM32_SIZE;
	m->pci_mem64.base = ap_start;
	m->pci_mem64.size = ap_end - ap_start;

	m->platform_mmio.base = VDM_LAYOUT_PLATFORM_BASE;
	m->platform_mmio.size = VDM_LAYOUT_PLATFORM_SIZE;
	m->ged_base = VDM_LAYOUT_PLATFORM_BASE + VDM_LAYOUT_GED_OFFSET;
	m->ged_gsi = 5;
	m->pcihp_base = VDM_LAYOUT_PLATFORM_BASE + VDM_LAYOUT_PCIHP_OFFSET;
	m->pcihp_size = 0x18;

	m->serial_port = 0x3f8;
	m->serial_gsi = 4;
	m->power_port = 0x600;
	m->reset_value = 1;
	m->s5_slp_typ = 5;
	m->intx_gsi_base = 16; /* IOAPIC pins 16..23, the pci host's default rule */
	m->intx_gsis = 8;
	m->acpi.base = VDM_LAYOUT_ACPI_BASE;
	m->acpi.size = VDM_LAYOUT_ACPI_SIZE;
	m->arch = VDM_ARCH_X86_64;
	return 0;
}
