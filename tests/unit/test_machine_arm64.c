/* Unit tests for the arm64 machine (machine/arch_arm64.c) end to end, without KVM: its map and
 * tables, the PL011 console, ECAM and the PCI I/O window, a hot-add and eject through MMIO only. */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include <vdm/acpi_tables.h>
#include <vdm/fdt.h>
#include <vdm/ged.h>
#include <vdm/hotplug.h>
#include <vdm/layout.h>
#include <vdm/machine.h>

/* What the machine gave its VMM: interrupt lines, console bytes, eject notices. */
struct host {
	uint32_t level[1024];
	unsigned raised[1024];
	char out[64];
	size_t nout;
	unsigned ejects;
};

static void set_irq(void *opaque, uint32_t gsi, uint32_t level)
{
	struct host *h = opaque;

	assert_true(gsi < 1024);
	if (level && !h->level[gsi])
		h->raised[gsi]++;
	h->level[gsi] = level;
}

static void console_out(void *opaque, const uint8_t *buf, size_t len)
{
	struct host *h = opaque;

	for (size_t i = 0; i < len && h->nout < sizeof(h->out); i++)
		h->out[h->nout++] = (char)buf[i];
}

static void eject_pending(void *opaque)
{
	struct host *h = opaque;

	h->ejects++;
}

static struct vdm_machine *m;
static struct host host;
static char err[512];

#define D (vdm_machine_desc(m))

/* An arm64 machine (512 MiB, 2 CPUs, 40 IPA bits, ACPI hotplug, 2 free hotplug ports) with
 * the device `spec` (or none), realized. */
static void build(const char *spec)
{
	struct vdm_machine_config cfg = { .struct_size = sizeof(cfg) };

	memset(&host, 0, sizeof(host));
	cfg.arch = VDM_ARCH_ARM64;
	cfg.ram_size = UINT64_C(512) << 20;
	cfg.phys_bits = 40;
	cfg.num_cpus = 2;
	cfg.acpi_pci_hotplug = true;
	cfg.hotplug_ports = 2;
	cfg.set_irq = set_irq;
	cfg.console_out = console_out;
	cfg.eject_pending = eject_pending;
	cfg.opaque = &host;
	if (vdm_machine_create(&cfg, &m, err, sizeof(err)))
		fail_msg("create: %s", err);
	if (spec && vdm_machine_add_spec(m, spec, err, sizeof(err)))
		fail_msg("add %s: %s", spec, err);
	if (vdm_machine_realize(m, err, sizeof(err)))
		fail_msg("realize: %s", err);
}

static uint64_t mmio_rd(uint64_t addr, uint32_t size)
{
	uint64_t v = 0;

	if (!vdm_machine_mmio_read(m, addr, size, &v))
		fail_msg("MMIO read at 0x%llx: nobody decodes it", (unsigned long long)addr);
	return v;
}

static void mmio_wr(uint64_t addr, uint32_t size, uint64_t v)
{
	if (!vdm_machine_mmio_write(m, addr, size, v))
		fail_msg("MMIO write at 0x%llx: nobody decodes it", (unsigned long long)addr);
}

/* Config space through the ECAM, as the guest reaches it (no CF8/CFC on arm64). */
static uint64_t ecam(unsigned bus, unsigned dev, unsigned reg)
{
	return D->ecam.base + ((uint64_t)bus << 20 | dev << 15 | reg);
}

static void the_machine_has_the_arm64_map_tables_and_no_pc_ports(void **state)
{
	const uint8_t *blob;
	size_t len;
	uint64_t gpa, rsdp, v;
	char fdt[65536];
	int node, cpus = 0;

	(void)state;
	build(NULL);
	assert_int_equal(D->arch, VDM_ARCH_ARM64);
	assert_true(D->gicd.base == VDM_ARM64_GICD_BASE);
	assert_true(D->uart_mmio.base == VDM_ARM64_UART_BASE);
	assert_int_equal(D->num_cpus, 2);
	/* the tables go at desc.acpi, inside RAM, in the reserved firmware area */
	assert_int_equal(vdm_machine_acpi(m, &blob, &len, &gpa, &rsdp), 0);
	assert_true(gpa == D->acpi.base && rsdp == gpa);
	assert_true(gpa >= D->ram[0].base && gpa + len <= vdm_range_end(D->ram[0]));
	assert_true(gpa >= D->reserved[0].base && gpa + len <= vdm_range_end(D->reserved[0]));
	assert_memory_equal(blob, "RSD PTR ", 8);
	assert_non_null(memmem(blob, len, "GTDT", 4));
	assert_non_null(memmem(blob, len, "SPCR", 4));
	assert_non_null(memmem(blob, len, "ARMH0011", 8));
	/* the device tree of the same machine */
	assert_int_equal(vdm_machine_fdt(m, NULL, fdt, sizeof(fdt), err, sizeof(err)), 0);
	fdt_for_each_subnode(node, fdt, fdt_path_offset(fdt, "/cpus"))
		cpus++;
	assert_int_equal(cpus, 2);
	assert_true(fdt_path_offset(fdt, "/intc@8000000") >= 0);
	/* no PC legacy: no CF8/CFC, COM1, power port or PM timer in I/O space */
	assert_false(vdm_machine_pio_read(m, 0xcf8, 4, &v));
	assert_false(vdm_machine_pio_read(m, 0x3f8, 1, &v));
	assert_false(vdm_machine_pio_read(m, 0x600, 1, &v));
	assert_false(vdm_machine_pio_read(m, 0x608, 4, &v));
	/* the GIC is KVM's: the machine does not decode it */
	assert_false(vdm_machine_mmio_read(m, D->gicd.base, 4, &v));
	vdm_machine_destroy(m);
}

static void create_refuses_what_the_arm64_map_cannot_hold(void **state)
{
	struct vdm_machine_config cfg = { .struct_size = sizeof(cfg) };

	(void)state;
	cfg.arch = VDM_ARCH_ARM64;
	cfg.ram_size = UINT64_C(512) << 20;
	cfg.phys_bits = 40;
	cfg.num_cpus = VDM_ARM64_MAX_CPUS + 1;
	assert_int_equal(vdm_machine_create(&cfg, &m, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "machine config: 124 CPUs: give 1 to 123");
	assert_null(m);
	cfg.num_cpus = VDM_ARM64_MAX_CPUS;
	assert_int_equal(vdm_machine_create(&cfg, &m, err, sizeof(err)), 0);
	vdm_machine_destroy(m);
	cfg.num_cpus = 1;
	cfg.ram_size = UINT64_C(513) << 20;
	assert_int_equal(vdm_machine_create(&cfg, &m, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "multiple of 2M on arm64"));
	cfg.arch = 9;
	assert_int_equal(vdm_machine_create(&cfg, &m, err, sizeof(err)), -ENOTSUP);
	assert_non_null(strstr(err, "arch 9 is not built into this libvdm-machine (x86_64 = 0, "
				    "arm64 = 1)"));
}

static void the_pl011_is_the_console_with_its_spi(void **state)
{
	const uint64_t uart = VDM_ARM64_UART_BASE;
	const uint32_t spi = VDM_ARM64_UART_INTID;

	(void)state;
	build(NULL);
	mmio_wr(uart, 4, 'o'); /* UARTDR */
	mmio_wr(uart, 2, 'k');
	assert_int_equal(host.nout, 2);
	assert_memory_equal(host.out, "ok", 2);
	assert_int_equal(mmio_rd(uart + 0xfe0, 4), 0x11); /* PeriphID0: a PL011 */
	mmio_wr(uart + 0x38, 4, 0x50); /* IMSC: RX, RT */
	assert_int_equal(host.level[spi], 0);
	assert_int_equal(vdm_machine_console_in(m, (const uint8_t *)"xy", 2), 2);
	assert_int_equal(host.level[spi], 1);
	assert_int_equal(vdm_machine_console_space(m), 1024 - 2);
	assert_int_equal(mmio_rd(uart, 4), 'x');
	assert_int_equal(mmio_rd(uart, 4), 'y');
	assert_int_equal(host.level[spi], 0);
	assert_int_equal(mmio_rd(uart + 0x18, 4) & 0x10, 0x10); /* FR: RX FIFO empty */
	vdm_machine_destroy(m);
}

static void ecam_and_the_pci_io_window_reach_the_devices(void **state)
{
	uint64_t io;

	(void)state;
	build("testdev,id=t0,membar=4M");
	assert_int_equal(mmio_rd(ecam(0, 0, 0), 4), 0x00081b36); /* the host bridge */
	assert_int_equal(mmio_rd(ecam(0, 1, 0), 4), 0x000c1b36); /* rp0 */
	assert_int_equal(mmio_rd(ecam(1, 0, 0), 4), 0x00051b36); /* t0 behind it */
	/* firmware gave t0's I/O BAR a PCI port inside the port's window; the CPU reaches port p
	 * at pci_io_cpu_base + p.  The testdev protocol through it: start I/O test 0 (global
	 * test 3, offset 128 + 3), write its data there, read the count back. */
	io = D->pci_io_cpu_base + (mmio_rd(ecam(1, 0, 0x14), 4) & ~UINT64_C(3));
	assert_true(io - D->pci_io_cpu_base >= D->pci_io.base &&
		    io - D->pci_io_cpu_base < vdm_range_end(D->pci_io));
	mmio_wr(io, 1, 0);
	assert_int_equal(mmio_rd(io + 1, 1), 1);   /* width */
	assert_int_equal(mmio_rd(io + 4, 4), 131); /* offset */
	mmio_wr(io + 131, 1, 0xfa);
	assert_int_equal(mmio_rd(io + 12, 4), 1);  /* count */
	/* the window covers all 64 KiB of ports; an empty port reads all-ones */
	assert_int_equal(mmio_rd(D->pci_io_cpu_base + 0xfff0, 2), 0xffff);
	assert_int_equal(mmio_rd(D->pci_io_cpu_base + 0xcf8, 4), 0xffffffffu);
	vdm_machine_destroy(m);
}

static void hot_add_and_eject_run_through_the_ged_and_ecam_in_mmio(void **state)
{
	const uint32_t ged = VDM_ARM64_GED_INTID;
	const uint64_t hp = VDM_ARM64_PLATFORM_BASE + VDM_LAYOUT_PCIHP_OFFSET;
	struct vdm_machine_eject ev;
	struct vdm_mach_root_port rp;
	char warn[256] = "";
	uint64_t bar2, v;
	unsigned bus;

	(void)state;
	build(NULL);
	rp = D->root_ports[0];
	bus = rp.secondary_bus;
	assert_true(rp.hotplug && rp.pref.size >= (UINT64_C(1) << 30));
	assert_int_equal(mmio_rd(ecam(bus, 0, 0), 4), 0xffffffffu);

	/* the VMM hot-adds; the guest sees the GED's SPI and runs _EVT */
	assert_true(vdm_machine_hot_add_spec(m, "testdev,id=t1,bus=rp0,membar=1G", 0, warn,
					     sizeof(warn), err, sizeof(err)) >= 0);
	assert_int_equal(host.raised[ged], 1);
	assert_int_equal(host.level[ged], 0); /* a pulse: the GIC sees the edge */
	assert_int_equal(mmio_rd(D->ged_base, 4), VDM_GED_EVT_PCI_HOTPLUG); /* ESEL */
	assert_int_equal(mmio_rd(D->ged_base, 4), 0);                       /* read clears */
	/* PCNT: BNUM := BSEL, PCIU says slot 0 came */
	assert_true(D->pcihp_base == hp);
	mmio_wr(hp + VDM_PCIHP_BNUM, 4, rp.bsel);
	assert_int_equal(mmio_rd(hp + VDM_PCIHP_PCIU, 4), 1);
	assert_int_equal(mmio_rd(hp + VDM_PCIHP_PCIU, 4), 0);
	/* acpiphp scans the slot and assigns the 1G BAR inside the window firmware gave rp0 */
	assert_int_equal(mmio_rd(ecam(bus, 0, 0), 4), 0x00051b36);
	mmio_wr(ecam(bus, 0, 0x18), 4, (uint32_t)rp.pref.base);
	mmio_wr(ecam(bus, 0, 0x1c), 4, (uint32_t)(rp.pref.base >> 32));
	mmio_wr(ecam(bus, 0, 0x04), 2, 0x0006); /* memory decode, bus master */
	bar2 = (mmio_rd(ecam(bus, 0, 0x18), 4) & ~UINT64_C(0xf)) |
	       mmio_rd(ecam(bus, 0, 0x1c), 4) << 32;
	assert_true(bar2 == rp.pref.base);
	assert_true(vdm_machine_mmio_read(m, bar2 + (UINT64_C(1) << 30) - 4, 4, &v));

	/* device_del: Eject Request through the GED, then the guest's _EJ0 writes B0EJ */
	assert_int_equal(vdm_machine_unplug_request(m, "t1", err, sizeof(err)), 0);
	assert_int_equal(host.raised[ged], 2);
	assert_int_equal(mmio_rd(D->ged_base, 4), VDM_GED_EVT_PCI_HOTPLUG);
	mmio_wr(hp + VDM_PCIHP_BNUM, 4, rp.bsel);
	assert_int_equal(mmio_rd(hp + VDM_PCIHP_PCID, 4), 1);
	assert_int_equal(host.ejects, 0);
	mmio_wr(hp + VDM_PCIHP_B0EJ, 4, 1);
	assert_int_equal(host.ejects, 1);
	assert_int_equal(vdm_machine_process_eject(m, &ev), 1);
	assert_string_equal(ev.id, "t1");
	assert_true(ev.requested);
	assert_int_equal(ev.bus_sel, rp.bsel);
	assert_int_equal(vdm_machine_process_eject(m, &ev), 0);
	assert_int_equal(mmio_rd(ecam(bus, 0, 0), 4), 0xffffffffu);
	assert_false(vdm_machine_mmio_read(m, bar2, 4, &v));
	vdm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_machine_has_the_arm64_map_tables_and_no_pc_ports),
		cmocka_unit_test(create_refuses_what_the_arm64_map_cannot_hold),
		cmocka_unit_test(the_pl011_is_the_console_with_its_spi),
		cmocka_unit_test(ecam_and_the_pci_io_window_reach_the_devices),
		cmocka_unit_test(hot_add_and_eject_run_through_the_ged_and_ecam_in_mmio),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
