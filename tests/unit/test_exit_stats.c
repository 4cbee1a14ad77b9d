/* Unit tests for vmm-example --stats (vmm-example/exit_stats.c): exits counted by kind, port
 * and MMIO region of the machine, and the table a user reads at the end of a run. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/kvm.h>

#include <vdm/machine_desc.h>
#include "exit_stats.h"

static struct vdm_mach_desc desc(void)
{
	struct vdm_mach_desc d;

	memset(&d, 0, sizeof(d));
	d.ecam = (struct vdm_range){ 0xb0000000, 0x10000000 };
	d.pci_mem32 = (struct vdm_range){ 0xc0000000, 0x20000000 };
	d.pci_mem64 = (struct vdm_range){ UINT64_C(0x8000000000), UINT64_C(0x1000000000) };
	d.platform_mmio = (struct vdm_range){ 0xfed00000, 0x1000 };
	d.lapic_base = 0xfee00000;
	d.ioapic_base = 0xfec00000;
	d.serial_port = 0x3f8;
	d.power_port = 0x600;
	d.pm_timer_port = 0x608;
	return d;
}

static void regions_follow_the_machine(void **state)
{
	struct vdm_mach_desc d = desc();

	(void)state;
	assert_int_equal(exit_stats_region(&d, 0xb0000000), EXIT_REGION_ECAM);
	assert_int_equal(exit_stats_region(&d, 0xbfffffff), EXIT_REGION_ECAM);
	assert_int_equal(exit_stats_region(&d, 0xc0001000), EXIT_REGION_PCI_MEM32);
	assert_int_equal(exit_stats_region(&d, UINT64_C(0x8000000010)), EXIT_REGION_PCI_MEM64);
	assert_int_equal(exit_stats_region(&d, 0xfed00004), EXIT_REGION_PLATFORM);
	assert_int_equal(exit_stats_region(&d, 0xfee00300), EXIT_REGION_IRQCHIP);
	assert_int_equal(exit_stats_region(&d, 0xfec00010), EXIT_REGION_IRQCHIP);
	assert_int_equal(exit_stats_region(&d, 0x1000), EXIT_REGION_OTHER);
	assert_int_equal(exit_stats_region(NULL, 0xb0000000), EXIT_REGION_OTHER);
}

static void ports_are_named(void **state)
{
	struct vdm_mach_desc d = desc();

	(void)state;
	assert_string_equal(exit_stats_port_name(&d, 0x3fd), "COM1 (console UART)");
	assert_string_equal(exit_stats_port_name(&d, 0xcfc), "PCI config CF8/CFC (legacy mechanism #1)");
	assert_string_equal(exit_stats_port_name(&d, 0x608), "ACPI PM timer");
	assert_string_equal(exit_stats_port_name(&d, 0x600), "ACPI sleep control/reset");
	assert_string_equal(exit_stats_port_name(&d, 0x80), "debug port (io_delay, POST)");
	assert_string_equal(exit_stats_port_name(&d, 0x4e), "Super I/O probe");
	assert_string_equal(exit_stats_port_name(&d, 0x5000), "");
}

static void io(struct exit_stats *s, uint16_t port, uint32_t count, uint64_t ns)
{
	struct kvm_run r;

	memset(&r, 0, sizeof(r));
	r.exit_reason = KVM_EXIT_IO;
	r.io.port = port;
	r.io.size = 1;
	r.io.count = count;
	exit_stats_record(s, &r, ns);
}

static void mmio(struct exit_stats *s, uint64_t addr, uint64_t ns)
{
	struct kvm_run r;

	memset(&r, 0, sizeof(r));
	r.exit_reason = KVM_EXIT_MMIO;
	r.mmio.phys_addr = addr;
	r.mmio.len = 4;
	exit_stats_record(s, &r, ns);
}

/* Two vCPUs' counters summed into one table, busiest port first, string I/O said. */
static void the_table_sums_vcpus_and_sorts_ports_by_time(void **state)
{
	struct vdm_mach_desc d = desc();
	struct exit_stats *s[2] = { calloc(1, sizeof(struct exit_stats)),
				    calloc(1, sizeof(struct exit_stats)) };
	struct kvm_run hlt;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_non_null(s[0]);
	assert_non_null(s[1]);
	s[0]->desc = s[1]->desc = &d;
	io(s[0], 0xcf8, 1, 1000);
	io(s[0], 0xcfc, 1, 3000);
	io(s[1], 0xcfc, 1, 5000);
	io(s[1], 0x3f8, 16, 20000); /* rep outsb: one exit, 16 bytes */
	mmio(s[0], 0xb0008000, 7000);
	mmio(s[1], 0xc0000010, 2000);
	memset(&hlt, 0, sizeof(hlt));
	hlt.exit_reason = KVM_EXIT_HLT;
	exit_stats_record(s[1], &hlt, 500);
	exit_stats_record_kind(s[0], EXIT_KIND_INTR, 100);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	exit_stats_print(f, s, NULL, 2, 2500000000u);
	fclose(f);
	assert_non_null(strstr(text, "vmm-example: stats: guest ran 2.500 s on 2 vCPU(s); 8 exits "
				     "reached the VMM"));
	assert_non_null(strstr(text, "| kind | port I/O | 4 | 0.029 | 7.25 |\n"));
	assert_non_null(strstr(text, "| kind | MMIO | 2 | 0.009 | 4.50 |\n"));
	assert_non_null(strstr(text, "| kind | HLT (to the VMM) | 1 | 0.001 | 0.50 |\n"));
	assert_non_null(strstr(text, "| kind | interrupted (signal, irq window) | 1 |"));
	assert_non_null(strstr(text, "| MMIO | ECAM (PCI config, MCFG) | 1 | 0.007 | 7.00 |\n"));
	assert_non_null(strstr(text, "| MMIO | PCI 32-bit BARs | 1 | 0.002 | 2.00 |\n"));
	assert_non_null(strstr(text, "| port | 0x0cfc PCI config CF8/CFC (legacy mechanism #1) | 2 | "
				     "0.008 | 4.00 |\n"));
	/* by total time: COM1 (20 us) before 0xcfc (8 us) before 0xcf8 (1 us) */
	assert_true(strstr(text, "0x03f8 COM1") < strstr(text, "0x0cfc"));
	assert_true(strstr(text, "0x0cfc") < strstr(text, "0x0cf8"));
	assert_non_null(strstr(text, "port I/O: 19 accesses in 4 exits (string I/O)"));
	assert_null(strstr(text, "KVM counters")); /* no vCPU fds given */
	free(text);
	free(s[0]);
	free(s[1]);
}

/* A vCPU fd that is not one: the table says KVM's counters are unavailable and why. */
static void kvm_counters_unavailable_is_said(void **state)
{
	struct vdm_mach_desc d = desc();
	struct exit_stats *s[1] = { calloc(1, sizeof(struct exit_stats)) };
	int fds[1] = { -1 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_non_null(s[0]);
	s[0]->desc = &d;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	exit_stats_print(f, s, fds, 1, 1000000000u);
	fclose(f);
	assert_non_null(strstr(text, "0 exits reached the VMM"));
	assert_non_null(strstr(text, "vCPU 0: KVM's own counters unavailable (KVM_GET_STATS_FD: "));
	free(text);
	free(s[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(regions_follow_the_machine),
		cmocka_unit_test(ports_are_named),
		cmocka_unit_test(the_table_sums_vcpus_and_sorts_ports_by_time),
		cmocka_unit_test(kvm_counters_unavailable_is_said),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
