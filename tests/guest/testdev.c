/* Payload testdev: finds every 1b36:0005 on any bus, runs the pci-testdev protocol on BAR0
 * (MMIO) and BAR1 (port I/O) exactly as kvm-unit-tests' pci_testdev_one(), reads BAR2. */
#include "lib/acpi.h"
#include "lib/io.h"
#include "lib/pci.h"
#include "lib/rt.h"

#define MAX_FUNCS 256
#define MAX_TESTS 8 /* QEMU has 3 per BAR; stop runaway devices */
#define NR_WRITES 16

/* pci-testdev header (facts 1.3): test u8 @0 (W), width u8 @1, offset u32 @4, data u32 @8,
 * count u32 @12, name @16. */
#define T_TEST 0
#define T_WIDTH 1
#define T_OFFSET 4
#define T_DATA 8
#define T_COUNT 12
#define T_NAME 16

struct bar_ops {
	const char *label; /* "mem" / "io" as kvm-unit-tests prints */
	const char *name_prefix;
	uint64_t base;
	int io;
};

static struct acpi_info acpi;
static uint16_t bdfs[MAX_FUNCS];
static unsigned nfuncs;

static uint8_t rd8(const struct bar_ops *o, uint32_t off)
{
	return o->io ? inb((uint16_t)(o->base + off)) : mmio_read8(o->base + off);
}

static uint32_t rd32(const struct bar_ops *o, uint32_t off)
{
	return o->io ? inl((uint16_t)(o->base + off)) : mmio_read32(o->base + off);
}

static void wr(const struct bar_ops *o, uint32_t off, uint32_t v, unsigned width)
{
	uint64_t a = o->base + off;

	if (o->io) {
		if (width == 1)
			outb((uint16_t)a, (uint8_t)v);
		else if (width == 2)
			outw((uint16_t)a, (uint16_t)v);
		else
			outl((uint16_t)a, v);
	} else {
		if (width == 1)
			mmio_write8(a, (uint8_t)v);
		else if (width == 2)
			mmio_write16(a, (uint16_t)v);
		else
			mmio_write32(a, v);
	}
}

/* One test as pci_testdev_one(): 1 = passed, 0 = failed, -1 = no such test (end of list). */
static int run_one(const struct bar_ops *o, uint16_t bdf, unsigned nr)
{
	uint32_t count0, count, data, off;
	uint8_t width;
	char name[64];
	unsigned n = 0;
	int ok;

	wr(o, T_TEST, nr, 1);
	count0 = rd32(o, T_COUNT);
	width = rd8(o, T_WIDTH);
	if (width != 1 && width != 2 && width != 4)
		return -1;
	data = rd32(o, T_DATA);
	off = rd32(o, T_OFFSET);
	for (unsigned i = 0; i < NR_WRITES; i++)
		wr(o, off, data, width);
	count = rd32(o, T_COUNT);
	/* 0: an ioeventfd consumed the writes in the kernel; 16: the device counted them. */
	ok = count0 == 0 && (count == 0 || count == NR_WRITES);

	while (n + 1 < sizeof(name)) {
		char c = (char)rd8(o, T_NAME + n);

		if (!c)
			break;
		name[n++] = (c >= 0x20 && c < 0x7f && c != ' ') ? c : '?';
	}
	name[n] = 0;
	rt_printf("PAYLOAD: testdev %s %s %s count=%u bdf=" PCI_BDF_FMT
		  " test=%u width=%u offset=0x%x data=0x%x count_before=%u\n",
		  o->label, n ? name : "(noname)", ok ? "ok" : "FAIL", count, PCI_BDF_ARGS(bdf), nr,
		  width, off, data, count0);
	if (!ok)
		rt_count_failure();
	rt_expect(n && !memcmp(name, o->name_prefix, strlen(o->name_prefix)), "testdev-name",
		  "%s test=%u name=%s want prefix %s", o->label, nr, name, o->name_prefix);
	return ok;
}

static void run_bar(const struct bar_ops *o, uint16_t bdf)
{
	unsigned passed = 0, nr;

	for (nr = 0; nr < MAX_TESTS; nr++) {
		int r = run_one(o, bdf, nr);

		if (r < 0)
			break;
		passed += (unsigned)r;
	}
	rt_check(nr >= 3 && passed == nr, "testdev-bar-tests", PCI_BDF_FMT " %s tests=%u passed=%u",
		 PCI_BDF_ARGS(bdf), o->label, nr, passed);
}

/* Decoding on in the device and in every bridge above it (firmware should have done it;
 * say so when it did not). */
static void enable_path(uint16_t bdf, uint16_t want)
{
	for (unsigned guard = 0; guard < 32; guard++) {
		uint16_t cmd = pci_cfg_read16(bdf, PCI_COMMAND);
		uint8_t bus = PCI_BUS(bdf);
		int found = 0;

		if ((cmd & want) != want) {
			pci_cfg_write16(bdf, PCI_COMMAND, cmd | want);
			rt_printf("PAYLOAD: testdev enabled-decode bdf=" PCI_BDF_FMT
				  " cmd=0x%04x->0x%04x\n",
				  PCI_BDF_ARGS(bdf), cmd, pci_cfg_read16(bdf, PCI_COMMAND));
		}
		if (bus == acpi.mcfg_entry[0].bus_start)
			return;
		for (unsigned i = 0; i < nfuncs && !found; i++) {
			if ((pci_cfg_read8(bdfs[i], PCI_HEADER_TYPE) & 0x7f) != 1)
				continue;
			if (pci_cfg_read8(bdfs[i], PCI_PRIMARY_BUS + 1) == bus) {
				bdf = bdfs[i];
				found = 1;
			}
		}
		if (!rt_check(found, "testdev-parent-bridge", "bus=0x%02x", bus))
			return;
		want = PCI_CMD_MEM | PCI_CMD_IO;
	}
}

static void run_testdev(uint16_t bdf)
{
	struct pci_bar bars[6];
	uint16_t cmd = pci_cfg_read16(bdf, PCI_COMMAND);

	pci_size_bars(bdf, 6, bars);
	rt_printf("PAYLOAD: testdev found bdf=" PCI_BDF_FMT " cmd=0x%04x bar0=%s:0x%lx/0x%lx "
		  "bar1=%s:0x%lx/0x%lx bar2=%s:0x%lx/0x%lx\n",
		  PCI_BDF_ARGS(bdf), cmd, pci_bar_kind_name(&bars[0]), bars[0].addr, bars[0].size,
		  pci_bar_kind_name(&bars[1]), bars[1].addr, bars[1].size,
		  pci_bar_kind_name(&bars[2]), bars[2].addr, bars[2].size);
	if (!rt_check(bars[0].kind == BAR_MEM32 && bars[1].kind == BAR_IO && bars[0].addr &&
		      bars[1].addr,
		      "testdev-bars", PCI_BDF_FMT " bar0=%s bar1=%s", PCI_BDF_ARGS(bdf),
		      pci_bar_kind_name(&bars[0]), pci_bar_kind_name(&bars[1])))
		return;
	enable_path(bdf, PCI_CMD_MEM | PCI_CMD_IO);

	struct bar_ops mem = { "mem", "mmio-", bars[0].addr, 0 };
	struct bar_ops io = { "io", "portio-", bars[1].addr, 1 };

	run_bar(&mem, bdf);
	run_bar(&io, bdf);

	if (bars[2].kind != BAR_NONE) {
		/* Unbacked in QEMU and here: the reads only prove the address routes somewhere
		 * without a fault or a hang; the values are not part of the contract. */
		uint32_t first = mmio_read32(bars[2].addr);
		uint32_t last = mmio_read32(bars[2].addr + bars[2].size - 4);

		rt_printf("PAYLOAD: testdev bar2 bdf=" PCI_BDF_FMT
			  " kind=%s addr=0x%lx size=0x%lx first=0x%x last=0x%x\n",
			  PCI_BDF_ARGS(bdf), pci_bar_kind_name(&bars[2]), bars[2].addr, bars[2].size,
			  first, last);
	}
}

void payload_main(void)
{
	unsigned found = 0;
	const struct acpi_mcfg_entry *m;

	rt_printf("PAYLOAD: start name=testdev rdi=0x%lx rsi=0x%lx\n", rt_boot_rdi, rt_boot_rsi);
	if (acpi_load(&acpi, rt_boot_rdi, 0) < 0)
		return;
	if (!rt_check(acpi.num_mcfg > 0, "mcfg-present", "mcfg=0x%lx", acpi.mcfg))
		return;
	m = &acpi.mcfg_entry[0];
	pci_ecam_init(m->base, m->bus_start, m->bus_end);
	nfuncs = pci_scan_tree(bdfs, MAX_FUNCS);
	for (unsigned i = 0; i < nfuncs; i++) {
		if (pci_cfg_read32(bdfs[i], PCI_VENDOR_ID) != 0x00051b36)
			continue;
		found++;
		run_testdev(bdfs[i]);
	}
	rt_check(found > 0, "testdev-found", "count=%u", found);
}
