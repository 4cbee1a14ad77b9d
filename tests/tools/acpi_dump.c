/* Tool-check helper: builds the ACPI tables of a few sample machines and writes each table to
 * OUTDIR/<machine>/ (rsdp.dat ... dsdt.aml) for iasl and acpiexec (acpi_check.sh); with
 * --arch arm64 the arm64 machines, and their device trees (vm.dtb, chosen.dtb) for dtc. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <vdm/acpi_tables.h>
#include <vdm/efi.h>
#include <vdm/fdt.h>
#include <vdm/machine_desc.h>
#include <vdm/layout.h>

/*
 * Machines (acpi_check.sh hard-codes what each must answer):
 *   hp-auto    ACPI hotplug on,  preserve auto  -> _DSM 5 = 0, _OSC grants 0x1E
 *   nohp-auto  ACPI hotplug off, preserve auto  -> _DSM 5 = 1, _OSC grants 0x1F
 *   nohp-on    ACPI hotplug off, preserve on    -> _DSM 5 = 0
 *   hp-off     ACPI hotplug on,  preserve off   -> _DSM 5 = 1
 * The hp-* machines also advertise a PM timer at power_port + 8 (as vmm-example has).
 * Every machine: 2 GiB RAM, 40 phys bits (vdm_x86_layout), 4 CPUs, root ports
 *   S10 (00:02.0, slot 1, BSEL 1, hotplug), S18 (00:03.0, slot 2, BSEL 2, hotplug),
 *   S21 (00:04.1, slot 3, no hotplug).
 * --arch arm64: the same four, laid out by vdm_arm64_layout (2 GiB, 40 IPA bits), tables at
 * desc.acpi; each also gets vm.dtb (the machine's device tree, an initrd and bootargs) and
 * chosen.dtb (the /chosen-only tree of an ACPI boot, sample EFI values).
 */
static const struct sample {
	const char *name;
	int hotplug;
	enum vdm_preserve_policy policy;
} samples[] = {
	{ "hp-auto", 1, VDM_PRESERVE_AUTO },
	{ "nohp-auto", 0, VDM_PRESERVE_AUTO },
	{ "nohp-on", 0, VDM_PRESERVE_ON },
	{ "hp-off", 1, VDM_PRESERVE_OFF },
};

static int build_machine(struct vdm_mach_desc *m, const struct sample *s, uint32_t arch,
			 char *err, size_t err_len)
{
	static const struct {
		const char *id;
		uint8_t devfn;
		uint16_t slot;
		uint32_t bsel;
		int hotplug;
	} ports[] = {
		{ "rp1", 0x10, 1, 1, 1 },
		{ "rp2", 0x18, 2, 2, 1 },
		{ "rp3", 0x21, 3, 0, 0 },
	};
	int rc;

	memset(m, 0, sizeof(*m));
	rc = arch == VDM_ARCH_ARM64 ? vdm_arm64_layout(m, 2ull << 30, 40, err, err_len)
				    : vdm_x86_layout(m, 2ull << 30, 40, err, err_len);
	if (rc)
		return rc;
	m->num_cpus = 4;
	m->acpi_pci_hotplug = s->hotplug;
	if (s->hotplug && arch == VDM_ARCH_X86_64)
		m->pm_timer_port = (uint16_t)(m->power_port + 8);
	m->preserve_policy = s->policy;
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		struct vdm_mach_root_port *rp = &m->root_ports[m->num_root_ports++];

		snprintf(rp->id, sizeof(rp->id), "%s", ports[i].id);
		rp->devfn = ports[i].devfn;
		rp->secondary_bus = rp->subordinate_bus = (uint8_t)(i + 1);
		rp->chassis = (uint16_t)(i + 1);
		rp->slot = ports[i].slot;
		rp->bsel = ports[i].bsel;
		rp->hotplug = ports[i].hotplug;
	}
	return 0;
}

static int write_blob(const char *dir, const char *name, const void *p, size_t len, char *err,
		      size_t err_len)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f)) {
		snprintf(err, err_len, "%s/%s: %s", dir, name, strerror(errno));
		return -EIO;
	}
	return 0;
}

/* A flattened device tree's totalsize (big-endian, header offset 4). */
static size_t fdt_size(const void *blob)
{
	const uint8_t *p = blob;

	return (size_t)p[4] << 24 | (size_t)p[5] << 16 | (size_t)p[6] << 8 | p[7];
}

/* The arm64 machine's two device trees: vm.dtb and chosen.dtb (sample EFI values). */
static int dump_fdts(const struct vdm_mach_desc *m, const char *dir, char *err, size_t err_len)
{
	static char blob[65536];
	const struct vdm_fdt_boot boot = { .bootargs = "console=ttyAMA0 earlycon",
					   .initrd_start = 0x48000000,
					   .initrd_end = 0x48100000 };
	const struct vdm_efi_layout uefi = { .systab_gpa = m->reserved[0].base + 0x100000,
					   .mmap_gpa = m->reserved[0].base + 0x101000,
					   .mmap_size = 6 * 40, .mmap_desc_size = 40,
					   .mmap_desc_ver = 1 };
	int rc = vdm_fdt_build(m, &boot, blob, sizeof(blob), err, err_len);

	if (!rc)
		rc = write_blob(dir, "vm.dtb", blob, fdt_size(blob), err, err_len);
	if (!rc)
		rc = vdm_efi_fdt(&uefi, &boot, blob, sizeof(blob), err, err_len);
	if (!rc)
		rc = write_blob(dir, "chosen.dtb", blob, fdt_size(blob), err, err_len);
	return rc;
}

static int dump_one(const struct sample *s, uint32_t arch, const char *outdir)
{
	struct vdm_mach_desc m;
	struct vdm_acpi_layout l;
	char err[256], dir[4096];
	uint64_t base;
	uint8_t *buf;
	int rc;

	if (build_machine(&m, s, arch, err, sizeof(err))) {
		fprintf(stderr, "acpi_dump: %s: %s\n", s->name, err);
		return 1;
	}
	/* x86: 0xA0000, where the VMM puts them (the legacy hole below 1 MiB); arm64: the
	 * firmware area at the top of RAM. */
	base = arch == VDM_ARCH_ARM64 ? m.acpi.base : 0xa0000;
	rc = vdm_acpi_build(&m, base, NULL, 0, &l, err, sizeof(err));
	if (rc != -ENOSPC) {
		fprintf(stderr, "acpi_dump: %s: sizing: %s\n", s->name, err);
		return 1;
	}
	buf = malloc(l.size);
	if (!buf) {
		fprintf(stderr, "acpi_dump: out of memory\n");
		return 1;
	}
	rc = vdm_acpi_build(&m, base, buf, l.size, &l, err, sizeof(err));
	if (!rc) {
		snprintf(dir, sizeof(dir), "%s/%s", outdir, s->name);
		if (mkdir(dir, 0755) && errno != EEXIST) {
			rc = -errno;
			snprintf(err, sizeof(err), "mkdir: %s", strerror(-rc));
		} else {
			rc = vdm_acpi_dump(&l, buf, dir, err, sizeof(err));
		}
		if (!rc && arch == VDM_ARCH_ARM64)
			rc = dump_fdts(&m, dir, err, sizeof(err));
	}
	free(buf);
	if (rc) {
		fprintf(stderr, "acpi_dump: %s: %s\n", s->name, err);
		return 1;
	}
	printf("%s: %zu bytes of tables, _DSM 5 = %u\n", s->name, l.size,
	       vdm_mach_dsm5_value(&m));
	return 0;
}

int main(int argc, char **argv)
{
	uint32_t arch = VDM_ARCH_X86_64;
	int fails = 0;

	if (argc == 4 && !strcmp(argv[1], "--arch") && !strcmp(argv[2], "arm64")) {
		arch = VDM_ARCH_ARM64;
		argv += 2;
		argc -= 2;
	}
	if (argc != 2) {
		fprintf(stderr,
			"usage: %s [--arch arm64] OUTDIR   (writes OUTDIR/<machine>/*.dat, dsdt.aml; "
			"arm64 also vm.dtb, chosen.dtb)\n",
			argv[0]);
		return 2;
	}
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		fails += dump_one(&samples[i], arch, argv[1]);
	return fails ? 1 : 0;
}
