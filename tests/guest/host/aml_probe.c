/* Host-side check of the payloads' AML scanner: reads a DSDT file (vmm-example --dump-acpi)
 * and prints what the ged payload would find there; --robust also scans damaged copies. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/ged_find.h"

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

static const char *space(uint8_t s)
{
	return s == 0 ? "mem" : s == 1 ? "io" : "other";
}

/* Every truncation and every single-byte corruption (three values) of the table, each in an
 * exactly-sized heap copy so ASan sees any read past the end.  Only "no crash" is checked:
 * damaged AML may legitimately yield anything. */
static unsigned robust(const uint8_t *tab, uint32_t len)
{
	static const uint8_t vals[] = { 0x00, 0xff, 0x5b };
	static struct ged_find g;
	unsigned runs = 0;

	for (uint32_t cut = 36; cut <= len; cut++) {
		uint8_t *copy = malloc(cut);
		struct aml a = { copy, cut };

		memcpy(copy, tab, cut);
		ged_find(&a, &g);
		free(copy);
		runs++;
	}
	for (uint32_t i = 36; i < len; i++) {
		for (unsigned k = 0; k < sizeof(vals); k++) {
			uint8_t *copy = malloc(len);
			struct aml a = { copy, len };

			memcpy(copy, tab, len);
			copy[i] = vals[k];
			ged_find(&a, &g);
			free(copy);
			runs++;
		}
	}
	return runs;
}

int main(int argc, char **argv)
{
	static struct ged_find g;
	const char *path = argc > 1 ? argv[argc - 1] : NULL;
	int do_robust = argc == 3 && !strcmp(argv[1], "--robust");
	const char *missing;
	uint8_t *tab;
	size_t n = 0;
	struct aml a;

	if (!path || (argc == 3 && !do_robust) || argc > 3) {
		fprintf(stderr, "usage: %s [--robust] DSDT.dat\n", argv[0]);
		return 2;
	}
	tab = read_file(path, &n);
	if (!tab || n < 36) {
		fprintf(stderr, "aml_probe: %s: cannot read a table of at least 36 bytes\n", path);
		return 2;
	}
	a.p = tab;
	a.len = (uint32_t)tab[4] | (uint32_t)tab[5] << 8 | (uint32_t)tab[6] << 16 |
		(uint32_t)tab[7] << 24;
	if (a.len < 36 || a.len > n) {
		fprintf(stderr, "aml_probe: %s: header length %u but file has %zu bytes\n", path, a.len,
			n);
		return 2;
	}
	missing = ged_find(&a, &g);
	if (missing) {
		printf("ged missing=\"%s\"\n", missing);
	} else {
		printf("ged gsi=%u edge=%d low=%d selector=%s:0x%llx region=%s field=%s bits=%u "
		       "access=%u bit_offset=%u esel=%s:0x%llx objects=%u skipped=%u\n",
		       g.gsi, g.edge, g.active_low, space(g.sel_region->space),
		       (unsigned long long)g.sel_addr, g.sel_region->name, g.sel_field->name,
		       g.sel_field->bit_width, g.sel_field->access, g.sel_field->bit_offset,
		       g.esel_named ? space(g.esel_space) : "none", (unsigned long long)g.esel_addr,
		       g.ix.n, g.ix.skipped);
		if (g.have_pcihp)
			printf("pcihp base=%s:0x%llx bnum=%s:0x%llx\n", space(g.pcihp_space),
			       (unsigned long long)g.pcihp_base,
			       g.have_bnum ? space(g.bnum_space) : "none",
			       (unsigned long long)g.bnum_addr);
		for (unsigned i = 0; i < g.nbsel; i++)
			printf("bsel value=%u adr=0x%llx\n", g.bsel[i].value,
			       (unsigned long long)g.bsel[i].adr);
	}
	if (do_robust)
		printf("robust runs=%u\n", robust(tab, a.len));
	free(tab);
	return 0;
}
