/* Payload mmio_bench: the cost of one guest access to a device model, in TSC cycles and PM
 * timer time: testdev BAR0 reads (MMIO), its config space and the host bridge's (ECAM). */
#include "lib/io.h"
#include "lib/pci.h"
#include "lib/probe.h"
#include "lib/rt.h"

#define T_DATA 8 /* pci-testdev header: data u32 of the selected test (facts 1.3) */
#define CHUNK 1000u
#define FAST_NS 20000u /* below this per access (a fast KVM): a million reads, else 100k */
#define PM_HZ 3579545u

static struct probe mach;

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static uint32_t pm_now(void)
{
	return inl(mach.pm_port) & mach.pm_mask;
}

enum what { TESTDEV_BAR0, TESTDEV_CFG, HOST_BRIDGE_CFG };

static const char *const names[] = { "testdev-bar0-mmio", "testdev-config-ecam",
				     "host-bridge-config-ecam" };

struct result {
	uint64_t reads, cycles, pm_ticks;
	uint32_t last;
};

/* `n` reads of `w` in chunks, the PM timer read (and its wrap undone) once per chunk. */
static void run(enum what w, uint64_t bar0, uint16_t td, uint64_t n, struct result *r)
{
	uint32_t pm0 = pm_now(), v = 0;
	uint64_t t0 = rdtsc(), done = 0;

	r->pm_ticks = 0;
	while (done < n) {
		for (unsigned i = 0; i < CHUNK; i++) {
			if (w == TESTDEV_BAR0)
				v = mmio_read32(bar0 + T_DATA);
			else if (w == TESTDEV_CFG)
				v = pci_cfg_read32(td, PCI_VENDOR_ID);
			else
				v = pci_cfg_read32(0, PCI_VENDOR_ID);
		}
		done += CHUNK;
		{
			uint32_t pm1 = pm_now();

			r->pm_ticks += (pm1 - pm0) & mach.pm_mask;
			pm0 = pm1;
		}
	}
	r->cycles = rdtsc() - t0;
	r->reads = done;
	r->last = v;
}

static void report(enum what w, const struct result *r)
{
	uint64_t ns10 = r->pm_ticks * 10000000000ull / PM_HZ / r->reads; /* tenths of ns */

	rt_printf("PAYLOAD: mmio_bench what=%s reads=%lu cycles=%lu cycles_per_read=%lu "
		  "ns_per_read=%lu.%lu value=0x%x\n",
		  names[w], r->reads, r->cycles, r->cycles / r->reads, ns10 / 10, ns10 % 10,
		  r->last);
}

void payload_main(void)
{
	struct pci_bar bars[6];
	struct result cal, r;
	uint16_t td;
	uint64_t n, ns;

	if (probe_machine(&mach, "mmio_bench"))
		return;
	td = probe_find(&mach, 0x00051b36);
	if (!rt_check(td != 0xffff, "testdev-found", "functions=%u", mach.nfuncs))
		return;
	pci_size_bars(td, 6, bars);
	if (!rt_check(bars[0].kind == BAR_MEM32 && bars[0].addr &&
		      (pci_cfg_read16(td, PCI_COMMAND) & PCI_CMD_MEM),
		      "testdev-bar0-decoded", "bdf=" PCI_BDF_FMT " bar0=%s:0x%lx cmd=0x%x",
		      PCI_BDF_ARGS(td), pci_bar_kind_name(&bars[0]), bars[0].addr,
		      pci_cfg_read16(td, PCI_COMMAND)))
		return;

	/* Warm up, then pick the count from what one chunk costs. */
	run(TESTDEV_BAR0, bars[0].addr, td, CHUNK, &cal);
	ns = cal.pm_ticks * 1000000000ull / PM_HZ / cal.reads;
	n = ns < FAST_NS ? 1000000 : 100000;
	rt_printf("PAYLOAD: mmio_bench bdf=" PCI_BDF_FMT " bar0=0x%lx pm_port=0x%x pm_bits=%u "
		  "calibration_ns_per_read=%lu reads=%lu\n",
		  PCI_BDF_ARGS(td), bars[0].addr, mach.pm_port, mach.pm_mask == 0xffffffffu ? 32 : 24, ns, n);

	run(TESTDEV_BAR0, bars[0].addr, td, n, &r);
	report(TESTDEV_BAR0, &r);
	rt_check(r.last != 0xffffffffu, "testdev-bar0-answers", "value=0x%x", r.last);
	run(TESTDEV_CFG, bars[0].addr, td, n / 4, &r);
	report(TESTDEV_CFG, &r);
	rt_check(r.last == 0x00051b36u, "testdev-config-answers", "value=0x%x", r.last);
	run(HOST_BRIDGE_CFG, bars[0].addr, td, n / 4, &r);
	report(HOST_BRIDGE_CFG, &r);
	rt_check(r.last == 0x00081b36u, "host-bridge-config-answers", "value=0x%x", r.last);
}
