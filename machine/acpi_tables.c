/* ACPI static tables, the parts every architecture shares: RSDP, XSDT, MCFG, the layout (sizes
 * first, then each table in place with its pointers and checksums), the dump.  ACPI 6.3 §5.2. */
#include <vdm/acpi_tables.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vdm/dsdt.h>

#include "acpi_int.h"

#define RSDP_LEN 36
#define MCFG_LEN (ACPI_HDR_LEN + 8 + 16)

int vdm__acpi_say(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

uint8_t vdm_acpi_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)(0x100 - sum);
}

void vdm__acpi_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	char table_id[9];

	memcpy(t, sig, 4);
	vdm__acpi_wle(t, 4, len, 4);
	vdm__acpi_w8(t, 8, rev);
	memcpy(t + 10, VDM_ACPI_OEM_ID, 6);
	snprintf(table_id, sizeof(table_id), "VDM%-5s", sig); /* "VDMFACP " */
	memcpy(t + 16, table_id, 8);
	vdm__acpi_wle(t, 24, 1, 4); /* OEM revision */
	memcpy(t + 28, "VDM ", 4);
	vdm__acpi_wle(t, 32, 1, 4); /* creator revision */
}

void vdm__acpi_finish(uint8_t *t, uint32_t len)
{
	t[9] = 0;
	t[9] = vdm_acpi_checksum(t, len);
}

static void build_rsdp(uint8_t *t, uint64_t xsdt_gpa)
{
	memcpy(t, "RSD PTR ", 8);
	memcpy(t + 9, VDM_ACPI_OEM_ID, 6);
	vdm__acpi_w8(t, 15, 2);            /* revision: ACPI 2.0+ */
	vdm__acpi_wle(t, 16, 0, 4);        /* RSDT address: none, XSDT only */
	vdm__acpi_wle(t, 20, RSDP_LEN, 4); /* length */
	vdm__acpi_wle(t, 24, xsdt_gpa, 8);
	t[8] = vdm_acpi_checksum(t, 20);        /* ACPI 1.0 part */
	t[32] = vdm_acpi_checksum(t, RSDP_LEN); /* whole structure */
}

static void build_xsdt(uint8_t *t, uint32_t len, const uint64_t *entries, unsigned n)
{
	vdm__acpi_header(t, "XSDT", len, 1);
	for (unsigned i = 0; i < n; i++)
		vdm__acpi_wle(t, ACPI_HDR_LEN + 8 * i, entries[i], 8);
	vdm__acpi_finish(t, len);
}

uint32_t vdm__acpi_mcfg_len(const struct vdm_mach_desc *m)
{
	(void)m;
	return MCFG_LEN;
}

/* MCFG (PCI Firmware spec 3.2 §4.1.2): the base address is that of bus 0 of the segment,
 * even when the range starts higher. */
void vdm__acpi_mcfg(uint8_t *t, uint32_t len, const struct vdm_mach_desc *m, uint64_t dsdt_gpa)
{
	(void)dsdt_gpa;
	vdm__acpi_header(t, "MCFG", len, 1);
	vdm__acpi_wle(t, 44, m->ecam.base - ((uint64_t)m->bus_start << 20), 8);
	vdm__acpi_wle(t, 52, m->segment, 2);
	vdm__acpi_w8(t, 54, m->bus_start);
	vdm__acpi_w8(t, 55, m->bus_end);
	vdm__acpi_finish(t, len);
}

static const struct vdm__acpi_arch *acpi_arch(uint32_t arch)
{
	switch (arch) {
	case VDM_ARCH_X86_64:
		return &vdm__acpi_x86;
	case VDM_ARCH_ARM64:
		return &vdm__acpi_arm64;
	default:
		return NULL;
	}
}

/* What every architecture needs; then the architecture's own checks. */
static int check_machine(const struct vdm__acpi_arch *a, const struct vdm_mach_desc *m,
			 uint64_t base_gpa, char *err, size_t err_len)
{
	uint64_t buses;

	if (m->num_cpus == 0 || m->num_cpus > a->max_cpus)
		return vdm__acpi_say(err, err_len, "num_cpus=%u: the MADT describes 1 to %u CPUs",
				     m->num_cpus, a->max_cpus);
	if (base_gpa % VDM_ACPI_ALIGN)
		return vdm__acpi_say(err, err_len,
				     "ACPI base 0x%llx: must be %u-byte aligned (the RSDP is there)",
				     (unsigned long long)base_gpa, VDM_ACPI_ALIGN);
	if (m->bus_end < m->bus_start)
		return vdm__acpi_say(err, err_len, "PCI buses %u..%u: end below start",
				     m->bus_start, m->bus_end);
	buses = (uint64_t)m->bus_end - m->bus_start + 1;
	if (m->ecam.size < (buses << 20))
		return vdm__acpi_say(err, err_len,
				     "ECAM size 0x%llx: buses %u..%u need 0x%llx (1 MiB per bus)",
				     (unsigned long long)m->ecam.size, m->bus_start, m->bus_end,
				     (unsigned long long)(buses << 20));
	if (m->ecam.base < ((uint64_t)m->bus_start << 20))
		return vdm__acpi_say(err, err_len, "ECAM base 0x%llx: below bus %u's offset",
				     (unsigned long long)m->ecam.base, m->bus_start);
	return a->check(m, err, err_len);
}

static size_t align_up(size_t v)
{
	return (v + VDM_ACPI_ALIGN - 1) & ~(size_t)(VDM_ACPI_ALIGN - 1);
}

static void add_ref(struct vdm_acpi_layout *l, const char *sig, size_t *off, uint32_t len)
{
	struct vdm_acpi_table_ref *r = &l->tables[l->num_tables++];

	memcpy(r->sig, sig, 5);
	r->offset = (uint32_t)*off;
	r->len = len;
	r->gpa = l->base_gpa + *off;
	*off = align_up(*off + len);
}

int vdm_acpi_layout(const struct vdm_mach_desc *m, const uint8_t *dsdt_aml, size_t dsdt_len,
		    uint64_t base_gpa, uint8_t *buf, size_t cap, struct vdm_acpi_layout *out,
		    char *err, size_t err_len)
{
	const struct vdm__acpi_arch *a = acpi_arch(m->arch);
	uint64_t xsdt_entries[VDM_ACPI_MAX_TABLES];
	const struct vdm_acpi_table_ref *dsdt;
	size_t off = 0;
	unsigned i;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!a)
		return vdm__acpi_say(err, err_len,
				     "arch %u: no ACPI tables for it (x86_64 = %u, arm64 = %u)",
				     m->arch, VDM_ARCH_X86_64, VDM_ARCH_ARM64);
	rc = check_machine(a, m, base_gpa, err, err_len);
	if (rc)
		return rc;
	if (dsdt_len > UINT32_MAX - ACPI_HDR_LEN - VDM_ACPI_ALIGN || (dsdt_len && !dsdt_aml))
		return vdm__acpi_say(err, err_len, "DSDT body of %zu bytes: missing or too large",
				     dsdt_len);
	out->base_gpa = base_gpa;
	out->rsdp_gpa = base_gpa;
	add_ref(out, "RSDP", &off, RSDP_LEN);
	add_ref(out, "XSDT", &off, ACPI_HDR_LEN + 8 * a->num_tables);
	for (i = 0; i < a->num_tables; i++)
		add_ref(out, a->tables[i].sig, &off, a->tables[i].len(m));
	add_ref(out, "DSDT", &off, (uint32_t)(ACPI_HDR_LEN + dsdt_len));
	dsdt = &out->tables[out->num_tables - 1];
	out->size = dsdt->offset + dsdt->len;
	if (base_gpa + out->size < base_gpa)
		return vdm__acpi_say(err, err_len, "ACPI base 0x%llx: %zu bytes of tables wrap around",
				     (unsigned long long)base_gpa, out->size);
	if (!buf || cap < out->size) {
		if (err && err_len)
			snprintf(err, err_len, "ACPI tables need %zu bytes, the buffer has %zu",
				 out->size, buf ? cap : 0);
		return -ENOSPC;
	}

	memset(buf, 0, out->size);
	for (i = 0; i < a->num_tables; i++)
		xsdt_entries[i] = out->tables[2 + i].gpa;
	build_rsdp(buf + out->tables[0].offset, out->tables[1].gpa);
	build_xsdt(buf + out->tables[1].offset, out->tables[1].len, xsdt_entries, a->num_tables);
	for (i = 0; i < a->num_tables; i++)
		a->tables[i].build(buf + out->tables[2 + i].offset, out->tables[2 + i].len, m,
				   dsdt->gpa);
	vdm__acpi_header(buf + dsdt->offset, "DSDT", dsdt->len, 2);
	if (dsdt_len)
		memcpy(buf + dsdt->offset + ACPI_HDR_LEN, dsdt_aml, dsdt_len);
	vdm__acpi_finish(buf + dsdt->offset, dsdt->len);
	return 0;
}

int vdm_acpi_build(const struct vdm_mach_desc *m, uint64_t base_gpa, uint8_t *buf, size_t cap,
		   struct vdm_acpi_layout *out, char *err, size_t err_len)
{
	uint8_t *aml;
	size_t len;
	int rc = vdm_dsdt_build(m, &aml, &len, err, err_len);

	if (rc) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	rc = vdm_acpi_layout(m, aml, len, base_gpa, buf, cap, out, err, err_len);
	free(aml);
	return rc;
}

static int write_file(const char *path, const uint8_t *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int rc = 0;

	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) && !rc)
		rc = -errno;
	return rc;
}

int vdm_acpi_dump(const struct vdm_acpi_layout *l, const uint8_t *buf, const char *dir,
		  char *err, size_t err_len)
{
	for (unsigned i = 0; i < l->num_tables; i++) {
		const struct vdm_acpi_table_ref *r = &l->tables[i];
		bool aml = !strcmp(r->sig, "DSDT");
		char path[4096], name[5];
		int rc;

		for (int k = 0; k < 4; k++)
			name[k] = (char)(r->sig[k] | 0x20); /* lower case */
		name[4] = 0;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s.%s", dir, name,
				     aml ? "aml" : "dat") >= sizeof(path)) {
			vdm__acpi_say(err, err_len, "--dump-acpi %s: path too long", dir);
			return -ENAMETOOLONG;
		}
		rc = write_file(path, buf + r->offset, r->len);
		if (rc) {
			if (err && err_len)
				snprintf(err, err_len, "%s: %s", path, strerror(-rc));
			return rc;
		}
	}
	return 0;
}
