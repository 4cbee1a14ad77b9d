/* The EFI system table, configuration table and memory map a VMM hands an arm64 kernel in
 * place of firmware (vdm/efi.h); offsets follow UEFI 2.9 §4.3 (system table) and §7.2. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <vdm/efi.h>

#define SYSTAB_SIZE 120u
#define SYSTAB_SIGNATURE UINT64_C(0x5453595320494249) /* "IBI SYST" */
#define SYSTAB_REVISION ((2u << 16) | 90u)           /* UEFI 2.9 */
#define CFG_ENTRY_SIZE 24u
#define RT_PROPERTIES_SIZE 8u
#define MAX_DESCS 32u

/* {8868e871-e4f1-11d3-bc22-0080c73c8881}: ACPI 2.0+ RSDP */
static const uint8_t acpi20_guid[16] = { 0x71, 0xe8, 0x68, 0x88, 0xf1, 0xe4, 0xd3, 0x11,
					 0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81 };
/* {eb66918a-7eef-402a-842e-931d21c38ae9}: EFI_RT_PROPERTIES_TABLE */
static const uint8_t rt_properties_guid[16] = { 0x8a, 0x91, 0x66, 0xeb, 0xef, 0x7e, 0x2a, 0x40,
						0x84, 0x2e, 0x93, 0x1d, 0x21, 0xc3, 0x8a, 0xe9 };
static const char vendor[] = "vdm";

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

static void wle(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* CRC-32 (IEEE 802.3, reflected), what UEFI table headers carry. */
static uint32_t crc32(const uint8_t *p, size_t len)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

struct desc {
	uint64_t base, size;
	uint32_t type;
};

/* The memory map: every RAM range, reserved pieces inside it as ACPI reclaim memory. */
static int memory_map(const struct vdm_mach_desc *m, struct desc *d, unsigned *n)
{
	*n = 0;
	for (uint32_t i = 0; i < m->num_ram; i++) {
		uint64_t pos = m->ram[i].base, end = vdm_range_end(m->ram[i]);

		while (pos < end) {
			uint64_t next = end, rend = 0;

			/* the reserved range starting first at or after pos */
			for (uint32_t r = 0; r < m->num_reserved; r++) {
				uint64_t b = m->reserved[r].base, e = vdm_range_end(m->reserved[r]);

				if (e <= pos || b >= end || !m->reserved[r].size)
					continue;
				if ((b > pos ? b : pos) < next) {
					next = b > pos ? b : pos;
					rend = e < end ? e : end;
				}
			}
			if (*n + 2 > MAX_DESCS)
				return -EINVAL;
			if (next > pos)
				d[(*n)++] = (struct desc){ pos, next - pos, VDM_EFI_CONVENTIONAL_MEMORY };
			if (next < end) {
				d[(*n)++] = (struct desc){ next, rend - next, VDM_EFI_ACPI_RECLAIM_MEMORY };
				pos = rend;
			} else {
				pos = end;
			}
		}
	}
	return 0;
}

static int inside_reserved(const struct vdm_mach_desc *m, uint64_t gpa, uint64_t len)
{
	for (uint32_t r = 0; r < m->num_reserved; r++)
		if (gpa >= m->reserved[r].base && gpa + len <= vdm_range_end(m->reserved[r]))
			return 1;
	return 0;
}

int vdm_efi_build(const struct vdm_mach_desc *m, uint64_t rsdp, uint64_t gpa, uint8_t *buf,
		  size_t cap, struct vdm_efi_layout *out, char *err, size_t err_len)
{
	const size_t vendor_off = SYSTAB_SIZE, cfg_off = vendor_off + 8 * 2 /* "vdm\0" in UTF-16 */;
	const size_t rt_off = cfg_off + 2 * CFG_ENTRY_SIZE, mmap_off = rt_off + RT_PROPERTIES_SIZE;
	struct desc d[MAX_DESCS];
	unsigned n, i;

	memset(out, 0, sizeof(*out));
	if (gpa % 8)
		return say(err, err_len, "EFI tables at 0x%llx: must be 8-byte aligned",
			   (unsigned long long)gpa);
	if (memory_map(m, d, &n))
		return say(err, err_len, "EFI memory map: more than %u ranges to describe",
			   MAX_DESCS);
	out->size = mmap_off + (size_t)n * VDM_EFI_MMAP_DESC_SIZE;
	if (!inside_reserved(m, gpa, out->size))
		return say(err, err_len, "EFI tables at 0x%llx (+%zu): not inside a reserved "
			   "firmware range, where Linux keeps them", (unsigned long long)gpa,
			   out->size);
	if (!buf || cap < out->size)
		return -ENOSPC;
	memset(buf, 0, out->size);
	/* the system table: header, vendor, no console, no services, the config table */
	wle(buf + 0, SYSTAB_SIGNATURE, 8);
	wle(buf + 8, SYSTAB_REVISION, 4);
	wle(buf + 12, SYSTAB_SIZE, 4);            /* header size: the whole table */
	wle(buf + 24, gpa + vendor_off, 8);       /* FirmwareVendor (UTF-16) */
	wle(buf + 32, 1, 4);                      /* FirmwareRevision */
	wle(buf + 104, 2, 8);                     /* NumberOfTableEntries */
	wle(buf + 112, gpa + cfg_off, 8);         /* ConfigurationTable */
	for (i = 0; i < sizeof(vendor); i++)
		wle(buf + vendor_off + 2 * i, (uint8_t)vendor[i], 2);
	memcpy(buf + cfg_off, acpi20_guid, 16);
	wle(buf + cfg_off + 16, rsdp, 8);
	memcpy(buf + cfg_off + CFG_ENTRY_SIZE, rt_properties_guid, 16);
	wle(buf + cfg_off + CFG_ENTRY_SIZE + 16, gpa + rt_off, 8);
	wle(buf + rt_off, 1, 2);                  /* version */
	wle(buf + rt_off + 2, RT_PROPERTIES_SIZE, 2);
	wle(buf + rt_off + 4, 0, 4);              /* RuntimeServicesSupported: none */
	wle(buf + 16, crc32(buf, SYSTAB_SIZE), 4); /* CRC32 of the header (CRC field 0) */
	for (i = 0; i < n; i++) {
		uint8_t *e = buf + mmap_off + (size_t)i * VDM_EFI_MMAP_DESC_SIZE;

		wle(e + 0, d[i].type, 4);
		wle(e + 8, d[i].base, 8);             /* PhysicalStart */
		wle(e + 16, 0, 8);                    /* VirtualStart */
		wle(e + 24, d[i].size >> 12, 8);      /* NumberOfPages (4 KiB) */
		wle(e + 32, VDM_EFI_MEMORY_WB, 8);    /* Attribute */
	}
	out->systab_gpa = gpa;
	out->mmap_gpa = gpa + mmap_off;
	out->mmap_size = n * VDM_EFI_MMAP_DESC_SIZE;
	out->mmap_desc_size = VDM_EFI_MMAP_DESC_SIZE;
	out->mmap_desc_ver = VDM_EFI_MMAP_DESC_VER;
	return 0;
}
