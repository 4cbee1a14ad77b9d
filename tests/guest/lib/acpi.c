/* Guest payload runtime: RSDP discovery (RDI and legacy scan), XSDT walk with checksums,
 * and decoding of the FADT, MADT and MCFG fields the payloads need (ACPI 6.x layouts). */
#include "acpi.h"

#include "io.h"
#include "rt.h"

#define MAX_TABLE_LEN (16u << 20) /* refuse absurd lengths rather than walk forever */

int acpi_checksum_ok(uint64_t pa, uint32_t len)
{
	uint8_t sum = 0;

	for (uint32_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + mem8(pa + i));
	return sum == 0;
}

static int sig_is(uint64_t pa, const char *sig, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (mem8(pa + i) != (uint8_t)sig[i])
			return 0;
	return 1;
}

static int rsdp_valid(uint64_t pa)
{
	if (!sig_is(pa, "RSD PTR ", 8) || !acpi_checksum_ok(pa, 20))
		return 0;
	if (mem8(pa + 15) >= 2) {
		uint32_t len = mem32(pa + 20);

		if (len < 36 || len > 4096 || !acpi_checksum_ok(pa, len))
			return 0;
	}
	return 1;
}

static uint64_t scan_range(uint64_t start, uint64_t end)
{
	for (uint64_t p = start; p + 20 <= end; p += 16)
		if (rsdp_valid(p))
			return p;
	return 0;
}

uint64_t acpi_scan_rsdp(void)
{
	uint64_t ebda = (uint64_t)mem16(0x40e) << 4;
	uint64_t p = 0;

	if (ebda >= 0x400 && ebda < 0xa0000)
		p = scan_range(ebda, ebda + 1024);
	if (!p)
		p = scan_range(0xe0000, 0x100000);
	return p;
}

uint32_t acpi_table_len(uint64_t pa)
{
	return mem32(pa + 4);
}

#define FADT_PM_TMR_BLK 76
#define FADT_X_PM_TMR_BLK 208 /* GAS: the 64-bit address at +4 */

uint16_t acpi_pm_timer_port(const struct acpi_info *a)
{
	uint16_t port = 0;

	if (!a->fadt)
		return 0;
	if (acpi_table_len(a->fadt) >= FADT_X_PM_TMR_BLK + 12 &&
	    mem8(a->fadt + FADT_X_PM_TMR_BLK) == 1)
		port = (uint16_t)mem64(a->fadt + FADT_X_PM_TMR_BLK + 4);
	else
		port = (uint16_t)mem32(a->fadt + FADT_PM_TMR_BLK);
	if (!port && a->sleep_ctl.space == 1)
		port = (uint16_t)(a->sleep_ctl.address + 8);
	return port;
}

static void sig_str(uint64_t pa, char out[5])
{
	for (unsigned i = 0; i < 4; i++) {
		uint8_t c = mem8(pa + i);

		out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	out[4] = 0;
}

/* Header sanity + checksum; prints the "table" line. */
static int check_table(uint64_t pa, const char *expect_sig, int verbose)
{
	char sig[5];
	uint32_t len;
	int ok;

	if (!pa)
		return rt_check(0, "table-present", "sig=%s addr=0", expect_sig ? expect_sig : "?");
	sig_str(pa, sig);
	len = acpi_table_len(pa);
	if (len < 36 || len > MAX_TABLE_LEN)
		return rt_check(0, "table-length", "sig=%s addr=0x%lx len=%u", sig, pa, len);
	ok = acpi_checksum_ok(pa, len);
	if (verbose)
		rt_printf("PAYLOAD: table sig=%s addr=0x%lx len=%u rev=%u csum=%s\n", sig, pa, len,
			  mem8(pa + 8), ok ? "ok" : "FAIL");
	if (!ok)
		rt_check(0, "table-checksum", "sig=%s addr=0x%lx", sig, pa);
	if (expect_sig && !sig_is(pa, expect_sig, 4))
		return rt_check(0, "table-signature", "addr=0x%lx want=%s got=%s", pa, expect_sig,
				sig);
	return ok;
}

static void read_gas(uint64_t pa, struct acpi_gas *g)
{
	g->space = mem8(pa);
	g->bit_width = mem8(pa + 1);
	g->bit_offset = mem8(pa + 2);
	g->access_size = mem8(pa + 3);
	g->address = mem64(pa + 4);
}

static const char *space_name(uint8_t space)
{
	return space == 0 ? "mem" : space == 1 ? "io" : "other";
}

static void load_fadt(struct acpi_info *a, int verbose)
{
	uint64_t f = a->fadt;
	uint32_t len = acpi_table_len(f);
	uint64_t dsdt32 = mem32(f + 40), xdsdt = len >= 148 ? mem64(f + 140) : 0;

	a->fadt_flags = len >= 116 ? mem32(f + 112) : 0;
	if (len >= 129) {
		read_gas(f + 116, &a->reset_reg);
		a->reset_value = mem8(f + 128);
	}
	if (len >= 268) {
		read_gas(f + 244, &a->sleep_ctl);
		read_gas(f + 256, &a->sleep_sts);
	}
	/* X_DSDT wins when set; if both are set they must agree (ACPI 6.x 5.2.9). */
	a->dsdt = xdsdt ? xdsdt : dsdt32;
	if (xdsdt && dsdt32)
		rt_check(xdsdt == dsdt32, "fadt-dsdt-agree", "dsdt=0x%lx x_dsdt=0x%lx", dsdt32,
			 xdsdt);
	if (verbose)
		rt_printf("PAYLOAD: fadt rev=%u len=%u flags=0x%x hw_reduced=%u dsdt=0x%lx "
			  "reset=%s:0x%lx/0x%x sleep_ctl=%s:0x%lx sleep_sts=%s:0x%lx\n",
			  mem8(f + 8), len, a->fadt_flags,
			  (a->fadt_flags & FADT_HW_REDUCED_ACPI) ? 1 : 0, a->dsdt,
			  space_name(a->reset_reg.space), a->reset_reg.address, a->reset_value,
			  space_name(a->sleep_ctl.space), a->sleep_ctl.address,
			  space_name(a->sleep_sts.space), a->sleep_sts.address);
}

static void load_madt(struct acpi_info *a, int verbose)
{
	uint64_t m = a->madt;
	uint32_t len = acpi_table_len(m);

	a->lapic_base = mem32(m + 36);
	for (uint32_t off = 44; off + 2 <= len;) {
		uint8_t type = mem8(m + off), elen = mem8(m + off + 1);
		uint64_t e = m + off;

		if (elen < 2 || off + elen > len) {
			rt_check(0, "madt-entry-length", "offset=%u type=%u len=%u", off, type, elen);
			break;
		}
		switch (type) {
		case 0: /* Processor Local APIC */
		case 9: /* Processor Local x2APIC */
			a->num_lapics++;
			break;
		case 1: /* I/O APIC */
			if (a->num_ioapics < ACPI_MAX_IOAPICS && elen >= 12) {
				struct acpi_ioapic *io = &a->ioapic[a->num_ioapics++];

				io->id = mem8(e + 2);
				io->address = mem32(e + 4);
				io->gsi_base = mem32(e + 8);
				if (verbose)
					rt_printf("PAYLOAD: madt ioapic id=%u addr=0x%x gsi_base=%u\n",
						  io->id, io->address, io->gsi_base);
			}
			break;
		case 2: /* Interrupt Source Override */
			if (verbose && elen >= 10)
				rt_printf("PAYLOAD: madt iso bus=%u irq=%u gsi=%u flags=0x%x\n",
					  mem8(e + 2), mem8(e + 3), mem32(e + 4), mem16(e + 8));
			break;
		case 5: /* Local APIC Address Override */
			if (elen >= 12)
				a->lapic_base = mem64(e + 4);
			break;
		default:
			break;
		}
		off += elen;
	}
	if (verbose)
		rt_printf("PAYLOAD: madt lapic=0x%lx cpus=%u ioapics=%u\n", a->lapic_base,
			  a->num_lapics, a->num_ioapics);
}

static void load_mcfg(struct acpi_info *a, int verbose)
{
	uint64_t m = a->mcfg;
	uint32_t len = acpi_table_len(m);

	for (uint32_t off = 44; off + 16 <= len && a->num_mcfg < ACPI_MAX_MCFG; off += 16) {
		struct acpi_mcfg_entry *e = &a->mcfg_entry[a->num_mcfg++];

		e->base = mem64(m + off);
		e->segment = mem16(m + off + 8);
		e->bus_start = mem8(m + off + 10);
		e->bus_end = mem8(m + off + 11);
		if (verbose)
			rt_printf("PAYLOAD: mcfg base=0x%lx segment=%u bus_start=%u bus_end=%u\n",
				  e->base, e->segment, e->bus_start, e->bus_end);
		rt_check(e->bus_start <= e->bus_end && e->base && !(e->base & 0xfffff),
			 "mcfg-entry", "base=0x%lx buses=%u-%u", e->base, e->bus_start,
			 e->bus_end);
	}
	rt_check((len - 44) % 16 == 0 && a->num_mcfg > 0, "mcfg-length", "len=%u entries=%u",
		 len, a->num_mcfg);
}

uint64_t acpi_find(const struct acpi_info *a, const char *sig, unsigned n)
{
	if (!memcmp(sig, "DSDT", 4))
		return n == 0 ? a->dsdt : 0;
	for (unsigned i = 0; i < a->num_tables; i++)
		if (a->table[i] && sig_is(a->table[i], sig, 4) && n-- == 0)
			return a->table[i];
	return 0;
}

int acpi_load(struct acpi_info *a, uint64_t rsdp, int verbose)
{
	uint64_t root;
	uint32_t len, entry;

	memset(a, 0, sizeof(*a));
	a->rsdp = rsdp;
	a->rsdp_scan = acpi_scan_rsdp();
	if (!rt_check(rsdp && rsdp_valid(rsdp), "rsdp-valid", "rdi=0x%lx", rsdp))
		return -1;
	a->rsdp_rev = mem8(rsdp + 15);
	a->rsdt = mem32(rsdp + 16);
	a->xsdt = a->rsdp_rev >= 2 ? mem64(rsdp + 24) : 0;
	if (verbose)
		rt_printf("PAYLOAD: rsdp addr=0x%lx rev=%u xsdt=0x%lx rsdt=0x%lx scan=0x%lx\n", rsdp,
			  a->rsdp_rev, a->xsdt, a->rsdt, a->rsdp_scan);
	rt_check(a->rsdp_scan == rsdp, "rsdp-scan-matches-rdi", "rdi=0x%lx scan=0x%lx", rsdp,
		 a->rsdp_scan);
	/* Walk the XSDT (ACPI 2.0+); an RSDT-only firmware (QEMU's own pc/q35 tables) is
	 * walked through its RSDT.  Whether vmm-example must provide an XSDT is for the host-side
	 * comparison to judge: the payload checks validity, not policy. */
	if (a->xsdt) {
		root = a->xsdt;
		entry = 8;
		if (!check_table(root, "XSDT", verbose))
			return -1;
		if (a->rsdt)
			check_table(a->rsdt, "RSDT", verbose);
	} else {
		root = a->rsdt;
		entry = 4;
		if (!check_table(root, "RSDT", verbose))
			return -1;
	}
	len = acpi_table_len(root);
	rt_check((len - 36) % entry == 0, "root-table-length", "len=%u entry=%u", len, entry);
	for (uint32_t off = 36; off + entry <= len && a->num_tables < ACPI_MAX_TABLES;
	     off += entry) {
		uint64_t t = entry == 8 ? mem64(root + off) : mem32(root + off);

		a->table[a->num_tables++] = t;
		check_table(t, NULL, verbose);
	}
	a->fadt = acpi_find(a, "FACP", 0);
	a->madt = acpi_find(a, "APIC", 0);
	a->mcfg = acpi_find(a, "MCFG", 0);
	if (!rt_check(a->fadt && a->madt, "tables-have-facp-apic", "facp=0x%lx apic=0x%lx",
		      a->fadt, a->madt))
		return -1;
	load_fadt(a, verbose);
	if (!check_table(a->dsdt, "DSDT", verbose))
		return -1;
	load_madt(a, verbose);
	if (a->mcfg)
		load_mcfg(a, verbose);
	return 0;
}
