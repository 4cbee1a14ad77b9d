/* Unit tests for libvdm-machine's assembly and hot-add (machine/machine*.c, hotplug.c), without
 * KVM: the device set from device specs, firmware programming read back from config space, BAR
 * routing of what was programmed, GED selectors, and clear errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vdm/builtin.h>
#include <vdm/ged.h>

#include "machine_fixture.h"
#include "machine_int.h"

static char *topology(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	vdm_machine_print_topology(m, f);
	fclose(f);
	return buf;
}

static void default_machine_has_two_free_hotplug_ports_and_a_ged(void **state)
{
	struct vdm_ged_bus_state st;
	struct vdm_machine_dev_info g;
	char *t;

	(void)state;
	assert_int_equal(BUILD("--print-topology"), 0);
	assert_int_equal(D->num_root_ports, 2);
	/* 00:00.0 is a host bridge: Linux's type-1 sanity check needs class 0x0600 on bus 0 */
	assert_int_equal(cfg(0, 0, 0, 0, 4), 0x00081b36u);
	assert_int_equal(cfg(0, 0, 0, 0x0a, 2), 0x0600);
	assert_int_equal(cfg(0, 1, 0, 0, 4), 0x000c1b36u);
	assert_int_equal(cfg(0, 2, 0, 0, 4), 0x000c1b36u);
	assert_int_equal(cfg(0, 3, 0, 0, 4), 0xffffffffu);
	assert_int_equal(cfg(0, 1, 0, 0x18, 4) & 0xffffff, 0x010100);
	assert_int_equal(cfg(0, 2, 0, 0x18, 4) & 0xffffff, 0x020200);
	/* empty hotplug ports: default 64-bit prefetchable window programmed */
	assert_true(D->root_ports[0].pref.size == (UINT64_C(64) << 30));
	assert_true(D->root_ports[0].mem.size == (UINT64_C(2) << 20));
	g = ged();
	assert_string_equal(g.dev->type->name, "acpi-ged");
	assert_true(g.region_base[0] == D->ged_base);
	assert_true(g.region_base[1] == D->pcihp_base);
	assert_int_equal(vdm_ged_num_selectors(g.dev), 3);
	assert_int_equal(vdm_ged_query(g.dev, 0, &st), 0);
	assert_int_equal(st.slots, 0);
	assert_int_equal(vdm_ged_query(g.dev, 2, &st), 0);
	assert_int_equal(st.slots, 1);
	t = topology();
	assert_non_null(strstr(t, "pci 00:01.0 1b36:000c class 060400 pcie-root-port id=rp0 parent=pcie.0"));
	assert_non_null(strstr(t, "pci 00:02.0 buses primary=00 secondary=02 subordinate=02\n"));
	{
		char want[128];
		struct vdm_range pf = D->root_ports[0].pref;

		snprintf(want, sizeof(want), "pci 00:01.0 window pref [0x%llx-0x%llx] size 0x1000000000\n",
			 (unsigned long long)pf.base, (unsigned long long)(pf.base + pf.size - 1));
		assert_non_null(strstr(t, want));
	}
	assert_non_null(strstr(t, "platform acpi-ged id=ged0 region0 mem32 [0xfe000000-0xfe000003]\n"));
	assert_non_null(strstr(t, "machine hotplug   acpi=on dsm5=0\n"));
	free(t);
	destroy_machine();
}

static void endpoint_without_bus_gets_its_own_port_and_programmed_bars(void **state)
{
	struct vdm_machine_dev_info td, rp;
	uint64_t bar2, v;
	uint32_t cmd;

	(void)state;
	assert_int_equal(BUILD("--device", "testdev,id=td,membar=1G", "--hotplug-ports", "0"), 0);
	td = dev_by_id("td");
	assert_string_not_equal(td.parent_id, VDM_MACHINE_ROOT_BUS);
	rp = dev_by_id(td.parent_id);
	assert_string_equal(rp.dev->type->name, "pcie-root-port");
	assert_int_equal(D->num_root_ports, 1);
	assert_int_equal(cfg(1, 0, 0, 0, 4), 0x00051b36u);
	cmd = cfg(1, 0, 0, 4, 2);
	assert_int_equal(cmd & 7, 7); /* IO, MEM, MASTER */
	bar2 = (cfg(1, 0, 0, 0x18, 4) & ~0xfu) | (uint64_t)cfg(1, 0, 0, 0x1c, 4) << 32;
	assert_true(bar2 >= D->root_ports[0].pref.base);
	assert_true(bar2 + (UINT64_C(1) << 30) <= vdm_range_end(D->root_ports[0].pref));
	assert_true(bar2 % (UINT64_C(1) << 30) == 0);
	/* what firmware programmed is routed: the BAR reaches the device */
	assert_true(vdm_pci_host_mmio_read(vdm_machine_pci_host(m), bar2 + 0x10, 4, &v));
	assert_true(vdm_pci_host_mmio_read(vdm_machine_pci_host(m), cfg(1, 0, 0, 0x10, 4) & ~0xfu, 1, &v));
	assert_true(vdm_pci_host_pio_read(vdm_machine_pci_host(m), cfg(1, 0, 0, 0x14, 4) & ~0x3u, 1, &v));
	/* an occupied port shows presence; the slot has the port's device number as _SUN */
	assert_int_equal(D->root_ports[0].slot, rp.devfn >> 3);
	destroy_machine();
}

static void explicit_reserves_and_bus_ids_are_honoured(void **state)
{
	(void)state;
	assert_int_equal(BUILD("--device", "testdev,bus=rpa,id=t1,membar=4M", "--device",
			       "pcie-root-port,id=rpa,pref64-reserve=2G,addr=7",
			       "--hotplug-ports", "1"), 0);
	assert_int_equal(D->num_root_ports, 2);
	/* user ports come first in desc.root_ports; the free port fills slot 1 */
	assert_string_equal(D->root_ports[0].id, "rpa");
	assert_int_equal(D->root_ports[0].devfn, 7 << 3);
	assert_string_equal(D->root_ports[1].id, "rp0");
	assert_int_equal(D->root_ports[1].devfn, 1 << 3);
	/* bus numbers go in devfn order */
	assert_int_equal(D->root_ports[1].secondary_bus, 1);
	assert_int_equal(D->root_ports[0].secondary_bus, 2);
	assert_true(D->root_ports[0].pref.size == (UINT64_C(2) << 30));
	assert_int_equal(cfg(2, 0, 0, 0, 4), 0x00051b36u);
	assert_int_equal(cfg(0, 7, 0, 0x19, 1), 2);
	destroy_machine();
}

static void bad_device_sets_are_refused_with_a_reason(void **state)
{
	(void)state;
	assert_int_equal(BUILD("--device", "testdev,bus=nope"), -EINVAL);
	assert_string_equal(err, "--device testdev,bus=nope: bus=nope: no pcie-root-port with "
				 "id=nope (or use bus=pcie.0)");
	destroy_machine();
	assert_int_equal(BUILD("--device", "pcie-root-port,id=a", "--device", "testdev,bus=a",
			       "--device", "testdev,bus=a"), -EBUSY);
	assert_non_null(strstr(err, "bus=a already holds"));
	destroy_machine();
	assert_int_equal(BUILD("--device", "testdev,id=x", "--device", "testdev,id=x"), -EINVAL);
	assert_string_equal(err, "--device testdev,id=x: id=x is already taken");
	destroy_machine();
	assert_int_equal(BUILD("--device", "pcie-root-port,addr=3", "--device",
			       "pcie-root-port,addr=3"), -EBUSY);
	assert_string_equal(err, "--device pcie-root-port,addr=3: addr=3 is taken on the root bus");
	destroy_machine();
	assert_int_equal(BUILD("--hotplug-ports", "249"), -ENOSPC);
	assert_string_equal(err, "too many pcie-root-ports (at most 248); use fewer hotplug ports");
	destroy_machine();
	assert_int_equal(BUILD("--device", "ged,selectors=1", "--hotplug-ports", "1"), -EINVAL);
	assert_non_null(strstr(err, "needs selectors=2 or more"));
	destroy_machine();
}

static void endpoints_on_the_root_bus_take_bus_pcie0(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(BUILD("--device", "testdev,bus=pcie.0,addr=9,id=r", "--hotplug-ports", "0"), 0);
	assert_int_equal(D->num_root_ports, 0);
	assert_int_equal(cfg(0, 9, 0, 0, 4), 0x00051b36u);
	assert_true(vdm_pci_host_mmio_read(vdm_machine_pci_host(m), cfg(0, 9, 0, 0x10, 4) & ~0xfu, 4, &v));
	destroy_machine();
}

static void hot_add_fills_empty_hotplug_ports_and_raises_the_ged_event(void **state)
{
	const struct vdm_device_type *t;
	struct vdm_prop_values pv;
	struct vdm_ged_bus_state st;
	struct vdm_machine_dev_info g;
	char warn[256], why[256];
	int a, b;

	(void)state;
	assert_int_equal(BUILD("--hotplug-ports", "2"), 0);
	g = ged();
	assert_int_equal(vdm_props_parse("testdev,membar=4M", (const struct vdm_device_type *const[]){
						 vdm_builtin_find("testdev") }, 1, vdm_machine_props,
					 vdm_machine_num_props, &t, &pv, why, sizeof(why)), 0);
	assert_int_equal(cfg(1, 0, 0, 0, 4), 0xffffffffu);
	a = vdm_machine_hot_add(m, t, &pv, "td-a", VDM_HOT_ADD_NO_FIT_CHECK, warn, sizeof(warn), err,
				sizeof(err));
	assert_true(a >= 0);
	/* default hotplug ports open a 4 KiB I/O window, so testdev's I/O BAR1 fits too */
	assert_null(strstr(warn, "does not fit"));
	assert_int_equal(cfg(1, 0, 0, 0, 4), 0x00051b36u);
	assert_int_equal(cfg(1, 0, 0, 0x10, 4) & ~0xfu, 0); /* BARs left to the guest */
	assert_int_equal(cfg(1, 0, 0, 4, 2) & 3, 0);
	assert_int_equal(vdm_ged_pending_events(g.dev) & VDM_GED_EVT_PCI_HOTPLUG,
			 VDM_GED_EVT_PCI_HOTPLUG);
	assert_int_equal(vdm_ged_query(g.dev, D->root_ports[0].bsel, &st), 0);
	assert_int_equal(st.up, 1);
	b = vdm_machine_hot_add(m, t, &pv, "td-b", VDM_HOT_ADD_NO_FIT_CHECK, warn, sizeof(warn), err,
				sizeof(err));
	assert_true(b >= 0);
	assert_int_equal(cfg(2, 0, 0, 0, 4), 0x00051b36u);
	assert_int_equal(vdm_machine_hot_add(m, t, &pv, "td-c", VDM_HOT_ADD_NO_FIT_CHECK, warn, sizeof(warn), err,
				sizeof(err)),
			 -ENOSPC);
	assert_string_equal(err, "td-c: no empty hotplug-capable root port (the machine needs more "
				 "hotplug ports)");
	assert_int_equal(vdm_props_parse("testdev,bus=rp0", (const struct vdm_device_type *const[]){
						 vdm_builtin_find("testdev") }, 1, vdm_machine_props,
					 vdm_machine_num_props, &t, &pv, why, sizeof(why)), 0);
	assert_int_equal(vdm_machine_hot_add(m, t, &pv, "td-d", VDM_HOT_ADD_NO_FIT_CHECK, warn, sizeof(warn), err,
				sizeof(err)),
			 -EBUSY);
	assert_string_equal(err, "td-d: root port rp0 is occupied");
	destroy_machine();
}

static void hot_add_warns_when_the_guest_cannot_fit_the_bars(void **state)
{
	const struct vdm_device_type *t;
	struct vdm_prop_values pv;
	char warn[512], why[256];

	(void)state;
	assert_int_equal(BUILD("--device", "pcie-root-port,id=small,pref64-reserve=0,mem-reserve=0",
			       "--hotplug-ports", "0"), 0);
	assert_int_equal(vdm_props_parse("testdev,membar=4M", (const struct vdm_device_type *const[]){
						 vdm_builtin_find("testdev") }, 1, vdm_machine_props,
					 vdm_machine_num_props, &t, &pv, why, sizeof(why)), 0);
	assert_true(vdm_machine_hot_add(m, t, &pv, "td", VDM_HOT_ADD_NO_FIT_CHECK, warn, sizeof(warn), err,
				sizeof(err)) >= 0);
	assert_non_null(strstr(warn, "td: does not fit the windows firmware gave small ("));
	destroy_machine();
}

static void hot_add_is_refused_when_the_guest_shrank_the_ports_windows(void **state)
{
	struct vdm_pci_host *h;
	char warn[512];

	(void)state;
	assert_int_equal(BUILD("--hotplug-ports", "2"), 0);
	h = vdm_machine_pci_host(m);
	/* The guest re-sizes rp0's 64-bit prefetchable window to 2 MiB at 0x8000000000 (as arm64
	 * Linux does when _DSM 5 lets it) and its memory window to 1 MiB. */
	vdm_pci_host_cfg_write(h, 0, 1 << 3, 0x24, 4, 0x00110001u);
	vdm_pci_host_cfg_write(h, 0, 1 << 3, 0x28, 4, 0x80);
	vdm_pci_host_cfg_write(h, 0, 1 << 3, 0x2c, 4, 0x80);
	vdm_pci_host_cfg_write(h, 0, 1 << 3, 0x20, 4, 0x10001000u);
	assert_int_equal(vdm_machine_hot_add_spec(m, "testdev,id=big,membar=4M", 0, warn,
						  sizeof(warn), err, sizeof(err)),
			 -ENOSPC);
	assert_non_null(strstr(err, "testdev,id=big,membar=4M: BAR 2 (4M) does not fit rp0's "
				    "prefetchable window as the guest has it now (2M at "
				    "0x8000000000): the guest re-sized the windows firmware gave"));
	assert_non_null(strstr(err, "; nothing was added"));
	assert_true(vdm_machine_find(m, "big") < 0);
	/* a BAR that fits the guest's window is added; then, without the check, the big one */
	err[0] = 0;
	vdm_machine_hot_add_spec(m, "testdev,id=small,bus=rp0,membar=1M", 0, warn, sizeof(warn),
				 err, sizeof(err));
	assert_string_equal(err, "");
	assert_null(strstr(warn, "does not fit"));
	assert_string_equal(dev_by_id("small").parent_id, "rp0");
	vdm_pci_host_cfg_write(h, 0, 2 << 3, 0x24, 4, 0x00310021u);
	vdm_pci_host_cfg_write(h, 0, 2 << 3, 0x28, 4, 0x80);
	vdm_pci_host_cfg_write(h, 0, 2 << 3, 0x2c, 4, 0x80);
	assert_true(vdm_machine_hot_add_spec(m, "testdev,id=big,bus=rp1,membar=4M",
					     VDM_HOT_ADD_NO_FIT_CHECK, warn, sizeof(warn), err,
					     sizeof(err)) >= 0);
	assert_non_null(strstr(warn, "BAR 2 (4M) does not fit rp1's prefetchable window as the "
				     "guest has it now (2M at 0x8000200000)"));
	destroy_machine();
}

static void a_machine_of_128_hotplug_ports_packs_them_into_multifunction_slots(void **state)
{
	const struct vdm_mach_root_port *last;
	char warn[512];
	int rc;

	(void)state;
	assert_int_equal(BUILD("--hotplug-ports", "128"), 0);
	assert_int_equal(D->num_root_ports, 128);
	/* 16 slots of 8 functions: 00:01.0 .. 00:10.7, function 0 says "multifunction" */
	assert_int_equal(D->root_ports[0].devfn, 1 << 3);
	assert_int_equal(D->root_ports[127].devfn, 16 << 3 | 7);
	assert_int_equal(cfg(0, 1, 0, 0x0e, 1), 0x81); /* type 1 header, multifunction */
	assert_int_equal(cfg(0, 1, 0, 0x0c, 4) >> 16 & 0xff, 0x81);
	assert_int_equal(cfg(0, 16, 7, 0, 4), 0x000c1b36u);
	assert_int_equal(cfg(0, 16, 7, 0x0e, 1), 0x01);
	/* every port its own bus, in devfn order */
	last = &D->root_ports[127];
	assert_int_equal(last->secondary_bus, 128);
	assert_int_equal(cfg(0, 16, 7, 0x19, 1), 128);
	/* hot-add into the last port: the guest finds the device on its bus */
	rc = vdm_machine_hot_add_spec(m, "testdev,id=t,bus=rp127,membar=4M", 0, warn, sizeof(warn),
				      err, sizeof(err));
	assert_true(rc >= 0);
	assert_int_equal(cfg(128, 0, 0, 0, 4), 0x00051b36u);
	assert_string_equal(dev_by_id("t").parent_id, "rp127");
	destroy_machine();
}

/* Naming 248 generated ports (rp0..rp247) takes work in proportion to ports x devices, not
 * ports x ports x devices: a search per candidate number made a 248-port machine compare
 * 5.1 million ids (seconds of a nested VMM's set-up); now about one per port and device. */
static void naming_hundreds_of_ports_compares_each_id_a_bounded_number_of_times(void **state)
{
	const uint64_t n = 248;
	char id[16];

	(void)state;
	assert_int_equal(BUILD("--hotplug-ports", "248"), 0);
	assert_int_equal(D->num_root_ports, n);
	for (unsigned i = 0; i < n; i += 31) {
		snprintf(id, sizeof(id), "rp%u", i);
		assert_string_equal(dev_by_id(id).id, id);
	}
	assert_string_equal(dev_by_id("rp247").id, "rp247");
	assert_true(vdm_machine_find(m, "rp248") < 0);
	print_message("%llu id comparisons for %llu ports\n",
		      (unsigned long long)m->id_compares, (unsigned long long)n);
	assert_true(m->id_compares <= 3 * n * n);
	destroy_machine();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_machine_has_two_free_hotplug_ports_and_a_ged),
		cmocka_unit_test(endpoint_without_bus_gets_its_own_port_and_programmed_bars),
		cmocka_unit_test(explicit_reserves_and_bus_ids_are_honoured),
		cmocka_unit_test(bad_device_sets_are_refused_with_a_reason),
		cmocka_unit_test(endpoints_on_the_root_bus_take_bus_pcie0),
		cmocka_unit_test(hot_add_fills_empty_hotplug_ports_and_raises_the_ged_event),
		cmocka_unit_test(hot_add_warns_when_the_guest_cannot_fit_the_bars),
		cmocka_unit_test(hot_add_is_refused_when_the_guest_shrank_the_ports_windows),
		cmocka_unit_test(a_machine_of_128_hotplug_ports_packs_them_into_multifunction_slots),
		cmocka_unit_test(naming_hundreds_of_ports_compares_each_id_a_bounded_number_of_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
