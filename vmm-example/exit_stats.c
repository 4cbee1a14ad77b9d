/* --stats: per-vCPU exit counters (no locks: each vCPU thread owns its array) and the table
 * printed at the end of a run, with KVM's own vCPU counters read from KVM_GET_STATS_FD. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include <vdm/machine_desc.h>

#include "exit_stats.h"

#define PFX "vmm-example: stats: "
#define TOP_PORTS 24

static int in(const struct vdm_range *r, uint64_t a)
{
	return r->size && a >= r->base && a - r->base < r->size;
}

enum exit_region exit_stats_region(const struct vdm_mach_desc *d, uint64_t addr)
{
	if (!d)
		return EXIT_REGION_OTHER;
	if (in(&d->ecam, addr))
		return EXIT_REGION_ECAM;
	if (in(&d->platform_mmio, addr))
		return EXIT_REGION_PLATFORM;
	if (in(&d->uart_mmio, addr))
		return EXIT_REGION_UART;
	if (in(&d->pci_mem32, addr))
		return EXIT_REGION_PCI_MEM32;
	if (in(&d->pci_mem64, addr))
		return EXIT_REGION_PCI_MEM64;
	if ((d->lapic_base && addr - d->lapic_base < 0x1000) ||
	    (d->ioapic_base && addr - d->ioapic_base < 0x1000) || in(&d->gicd, addr) ||
	    in(&d->gicr, addr))
		return EXIT_REGION_IRQCHIP;
	return EXIT_REGION_OTHER;
}

static void add(struct exit_count *c, uint64_t ns)
{
	c->n++;
	c->ns += ns;
}

void exit_stats_record_kind(struct exit_stats *s, enum exit_kind k, uint64_t ns)
{
	add(&s->kind[k], ns);
}

void exit_stats_record(struct exit_stats *s, const struct kvm_run *r, uint64_t ns)
{
	switch (r->exit_reason) {
	case KVM_EXIT_IO:
		add(&s->kind[EXIT_KIND_PIO], ns);
		add(&s->port[r->io.port], ns);
		s->pio_accesses += r->io.count;
		break;
	case KVM_EXIT_MMIO:
		add(&s->kind[EXIT_KIND_MMIO], ns);
		add(&s->region[exit_stats_region(s->desc, r->mmio.phys_addr)], ns);
		break;
	case KVM_EXIT_HLT:
		add(&s->kind[EXIT_KIND_HLT], ns);
		break;
	case KVM_EXIT_INTR:
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		add(&s->kind[EXIT_KIND_INTR], ns);
		break;
	default:
		add(&s->kind[EXIT_KIND_OTHER], ns);
		break;
	}
}

const char *exit_stats_port_name(const struct vdm_mach_desc *d, uint16_t p)
{
	if (d && d->serial_port && p >= d->serial_port && p < d->serial_port + 8)
		return "COM1 (console UART)";
	if (p >= 0xcf8 && p <= 0xcff)
		return "PCI config CF8/CFC (legacy mechanism #1)";
	if (d && d->pm_timer_port && p >= d->pm_timer_port && p < d->pm_timer_port + 4)
		return "ACPI PM timer";
	if (d && d->power_port && p == d->power_port)
		return "ACPI sleep control/reset";
	if (p == 0x70 || p == 0x71)
		return "CMOS RTC";
	if (p == 0x80)
		return "debug port (io_delay, POST)";
	if (p >= 0x40 && p <= 0x43)
		return "PIT (in-kernel normally)";
	if (p == 0x61)
		return "PC speaker / PIT gate";
	if (p == 0x20 || p == 0x21 || p == 0xa0 || p == 0xa1)
		return "PIC (in-kernel normally)";
	if (p == 0x60 || p == 0x64)
		return "i8042 keyboard controller probe";
	if (p == 0x2e || p == 0x2f || p == 0x4e || p == 0x4f)
		return "Super I/O probe";
	if ((p >= 0x2f8 && p <= 0x2ff) || (p >= 0x3e8 && p <= 0x3ef) || (p >= 0x2e8 && p <= 0x2ef))
		return "COM2-4 probe";
	if (p >= 0x378 && p <= 0x37f)
		return "parallel port probe";
	if ((p >= 0x1f0 && p <= 0x1f7) || p == 0x3f6 || (p >= 0x170 && p <= 0x177) || p == 0x376)
		return "IDE probe";
	if (p < 0x20 || (p >= 0x80 && p <= 0x9f) || (p >= 0xc0 && p <= 0xdf))
		return "ISA DMA controller probe";
	if (p >= 0x3b0 && p <= 0x3df)
		return "VGA probe";
	return "";
}

static const char *const kind_names[EXIT_KIND_N] = {
	[EXIT_KIND_PIO] = "port I/O",
	[EXIT_KIND_MMIO] = "MMIO",
	[EXIT_KIND_HLT] = "HLT (to the VMM)",
	[EXIT_KIND_INTR] = "interrupted (signal, irq window)",
	[EXIT_KIND_OTHER] = "other",
};

static const char *const region_names[EXIT_REGION_N] = {
	[EXIT_REGION_ECAM] = "ECAM (PCI config, MCFG)",
	[EXIT_REGION_PLATFORM] = "platform MMIO (GED, PCI hotplug)",
	[EXIT_REGION_PCI_MEM32] = "PCI 32-bit BARs",
	[EXIT_REGION_PCI_MEM64] = "PCI 64-bit BARs",
	[EXIT_REGION_UART] = "UART",
	[EXIT_REGION_IRQCHIP] = "interrupt controller",
	[EXIT_REGION_OTHER] = "elsewhere (no device)",
};

static void row(FILE *out, const char *group, const char *what, const struct exit_count *c)
{
	fprintf(out, PFX "| %s | %s | %llu | %.3f | %.2f |\n", group, what,
		(unsigned long long)c->n, (double)c->ns / 1e6,
		c->n ? (double)c->ns / (double)c->n / 1e3 : 0.0);
}

/* KVM's vCPU counters worth showing (the rest are internal to its MMU and scheduler). */
static const char *const kvm_names[] = {
	"exits", "io_exits", "mmio_exits", "halt_exits", "halt_wait_ns", "halt_successful_poll",
	"irq_exits", "irq_window_exits", "nmi_window_exits", "signal_exits", "request_irq_exits",
	"irq_injections", "nmi_injections", "insn_emulation", "insn_emulation_fail", "hypercalls",
	"pf_taken", "pf_emulate", "l1d_flush", "req_event", "preemption_reported",
	"notify_window_exits",
};

static int wanted(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(kvm_names) / sizeof(kvm_names[0]); i++)
		if (!strcmp(name, kvm_names[i]))
			return (int)i;
	return -1;
}

/* KVM's counters of one vCPU into vals[] (indexed like kvm_names; UINT64_MAX = absent).
 * 0, or -errno (KVM older than 5.14: no stats fd). */
static int kvm_vcpu_counters(int vcpu_fd, uint64_t *vals)
{
	struct kvm_stats_header h;
	size_t dsz, i;
	uint8_t *descs = NULL;
	int fd, rc = 0;

	for (i = 0; i < sizeof(kvm_names) / sizeof(kvm_names[0]); i++)
		vals[i] = UINT64_MAX;
	fd = ioctl(vcpu_fd, KVM_GET_STATS_FD, NULL);
	if (fd < 0)
		return -errno;
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || h.num_desc > 4096 ||
	    h.name_size > 4096) {
		rc = -EIO;
		goto out;
	}
	dsz = sizeof(struct kvm_stats_desc) + h.name_size;
	descs = malloc(dsz * h.num_desc);
	if (!descs || pread(fd, descs, dsz * h.num_desc, h.desc_offset) != (ssize_t)(dsz * h.num_desc)) {
		rc = descs ? -EIO : -ENOMEM;
		goto out;
	}
	for (i = 0; i < h.num_desc; i++) {
		struct kvm_stats_desc *d = (struct kvm_stats_desc *)(descs + i * dsz);
		uint64_t v;
		int w;

		d->name[h.name_size - 1] = 0;
		w = wanted(d->name);
		if (w < 0 || d->size < 1 ||
		    pread(fd, &v, sizeof(v), (off_t)h.data_offset + d->offset) != (ssize_t)sizeof(v))
			continue;
		vals[w] = v;
	}
out:
	free(descs);
	close(fd);
	return rc;
}

struct port_row {
	uint16_t port;
	struct exit_count c;
};

static int by_ns_desc(const void *a, const void *b)
{
	const struct port_row *x = a, *y = b;

	return x->c.ns < y->c.ns ? 1 : x->c.ns > y->c.ns ? -1 : (int)x->port - (int)y->port;
}

void exit_stats_print(FILE *out, struct exit_stats *const *s, const int *vcpu_fds, unsigned n,
		      uint64_t run_ns)
{
	struct exit_count kind[EXIT_KIND_N] = { { 0, 0 } }, region[EXIT_REGION_N] = { { 0, 0 } };
	struct exit_count total = { 0, 0 }, rest = { 0, 0 };
	struct port_row *ports = calloc(65536, sizeof(*ports));
	const struct vdm_mach_desc *d = n ? s[0]->desc : NULL;
	uint64_t accesses = 0;
	unsigned i, k, nports = 0;

	for (i = 0; i < n; i++) {
		for (k = 0; k < EXIT_KIND_N; k++) {
			kind[k].n += s[i]->kind[k].n;
			kind[k].ns += s[i]->kind[k].ns;
			total.n += s[i]->kind[k].n;
			total.ns += s[i]->kind[k].ns;
		}
		for (k = 0; k < EXIT_REGION_N; k++) {
			region[k].n += s[i]->region[k].n;
			region[k].ns += s[i]->region[k].ns;
		}
		accesses += s[i]->pio_accesses;
	}
	fprintf(out, PFX "guest ran %.3f s on %u vCPU(s); %llu exits reached the VMM, handled in "
		"%.3f s in all (the time from KVM_RUN's return to the next KVM_RUN)\n",
		(double)run_ns / 1e9, n, (unsigned long long)total.n, (double)total.ns / 1e9);
	fprintf(out, PFX "| kind | what | exits | total ms | mean us |\n");
	fprintf(out, PFX "|---|---|---:|---:|---:|\n");
	for (k = 0; k < EXIT_KIND_N; k++)
		if (kind[k].n)
			row(out, "kind", kind_names[k], &kind[k]);
	for (k = 0; k < EXIT_REGION_N; k++)
		if (region[k].n)
			row(out, "MMIO", region_names[k], &region[k]);
	if (ports) {
		for (k = 0; k < 65536; k++) {
			struct exit_count c = { 0, 0 };

			for (i = 0; i < n; i++) {
				c.n += s[i]->port[k].n;
				c.ns += s[i]->port[k].ns;
			}
			if (c.n)
				ports[nports++] = (struct port_row){ (uint16_t)k, c };
		}
		qsort(ports, nports, sizeof(*ports), by_ns_desc);
		for (k = 0; k < nports; k++) {
			char what[96];
			const char *name = exit_stats_port_name(d, ports[k].port);

			if (k >= TOP_PORTS) {
				rest.n += ports[k].c.n;
				rest.ns += ports[k].c.ns;
				continue;
			}
			snprintf(what, sizeof(what), "0x%04x%s%s", ports[k].port, *name ? " " : "",
				 name);
			row(out, "port", what, &ports[k].c);
		}
		if (rest.n) {
			char what[48];

			snprintf(what, sizeof(what), "%u other ports", nports - TOP_PORTS);
			row(out, "port", what, &rest);
		}
		free(ports);
	}
	if (accesses != kind[EXIT_KIND_PIO].n)
		fprintf(out, PFX "port I/O: %llu accesses in %llu exits (string I/O)\n",
			(unsigned long long)accesses, (unsigned long long)kind[EXIT_KIND_PIO].n);
	for (i = 0; vcpu_fds && i < n; i++) {
		uint64_t vals[sizeof(kvm_names) / sizeof(kvm_names[0])];
		char line[1024];
		size_t pos = 0, j;
		int rc = kvm_vcpu_counters(vcpu_fds[i], vals);

		if (rc) {
			fprintf(out, PFX "vCPU %u: KVM's own counters unavailable (KVM_GET_STATS_FD: "
				"%s; Linux 5.14 or later has them)\n", i, strerror(-rc));
			continue;
		}
		for (j = 0; j < sizeof(kvm_names) / sizeof(kvm_names[0]) && pos < sizeof(line) - 64; j++)
			if (vals[j] != UINT64_MAX && vals[j])
				pos += (size_t)snprintf(line + pos, sizeof(line) - pos, " %s=%llu",
							kvm_names[j], (unsigned long long)vals[j]);
		fprintf(out, PFX "vCPU %u KVM counters (in-kernel exits included):%s\n", i, line);
	}
}
