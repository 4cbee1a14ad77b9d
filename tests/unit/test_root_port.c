/* Unit tests for pcie-root-port (devices/root_port.c): identity, bridge registers and windows,
 * PCIe/slot/MSI-X/SSVID/AER/ACS capabilities at QEMU's offsets, the Red Hat reserve
 * capability, the MSI-X table in BAR0, hostile input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <vdm/builtin.h>
#include <vdm/devices.h>
#include <vdm/pci.h>
#include <vdm/props.h>

#include <vdm/root_port.h>

/* QEMU 7.2's pcie-root-port, capabilities added SSVID, MSI-X, Express, reserve (each first
 * in the chain): 0x34 -> [RHCAP ->] EXP -> MSIX -> SSVID; extended AER -> ACS. */
#define SSVID 0x40 /* 8 bytes */
#define MSIX 0x48  /* 12 bytes */
#define EXP 0x54   /* 0x3c bytes */
#define RHCAP 0x90 /* 32 bytes */
#define AER 0x100
#define ACS 0x148 /* 0x100 + 0x48 */

static int try_create(const char *args, struct vdm_device **d, char *err, size_t len)
{
	struct vdm_prop_values pv;
	int r = vdm_props_parse_args(args, &vdm_root_port_type, NULL, 0, &pv, err, len);

	*d = NULL;
	if (r)
		return r;
	return vdm_root_port_type.create(&pv, NULL, d, err, len);
}

static struct vdm_device *create(const char *args)
{
	struct vdm_device *d;
	char err[256] = "";
	int r = try_create(args, &d, err, sizeof(err));

	if (r)
		fail_msg("create(%s): %d %s", args, r, err);
	return d;
}

static uint32_t cfg(struct vdm_device *d, uint32_t off, uint32_t size)
{
	uint32_t v = 0xdeadbeef;

	assert_int_equal(vdm_cfg_read(d, off, size, &v), 0);
	return v;
}

static void wr(struct vdm_device *d, uint32_t off, uint32_t size, uint32_t v)
{
	assert_int_equal(vdm_cfg_write(d, off, size, v), 0);
}

static void identity_matches_qemu_pcie_root_port(void **state)
{
	struct vdm_device *d = create("");
	uint32_t i;

	assert_int_equal(cfg(d, 0, 4), 0x000c1b36);
	assert_int_equal(cfg(d, VDM_PCI_REVISION_ID, 4), 0x06040000);
	assert_int_equal(cfg(d, VDM_PCI_HEADER_TYPE, 1), 1);
	assert_int_equal(cfg(d, VDM_PCI_STATUS, 2), VDM_PCI_STATUS_CAP_LIST);
	assert_int_equal(cfg(d, VDM_PCI_CAPABILITY_LIST, 1), EXP);
	assert_int_equal(cfg(d, VDM_PCI_INTERRUPT_PIN, 1), 0); /* QEMU: 1, on purpose */
	assert_int_equal(d->res.bus_kind, VDM_BUS_PCI_BRIDGE);
	assert_int_equal(d->res.num_irqs, 0);
	/* BAR0: the MSI-X table, 4 KiB of 32-bit memory (QEMU's exclusive MSI-X BAR) */
	assert_int_equal(d->res.regions[0].kind, VDM_REGION_MEM32);
	assert_int_equal(d->res.regions[0].size, 4096);
	assert_int_equal(d->res.regions[0].flags, 0);
	for (i = 1; i < VDM_MAX_REGIONS; i++)
		assert_int_equal(d->res.regions[i].kind, VDM_REGION_NONE);
	assert_ptr_equal(vdm_builtin_find("pcie-root-port"), &vdm_root_port_type);
	assert_int_equal(vdm_root_port_pcie_cap(d), EXP);
	vdm_device_destroy(d);
}

static void type1_header_after_all_ones_writes(void **state)
{
	struct vdm_device *d = create("");
	uint32_t off;

	for (off = 0; off < 0x40; off += 4)
		wr(d, off, 4, 0xffffffff);
	assert_int_equal(cfg(d, 0x00, 4), 0x000c1b36);
	assert_int_equal(cfg(d, 0x04, 4), 0x00100507); /* status: CAP_LIST only */
	assert_int_equal(cfg(d, 0x08, 4), 0x06040000);
	assert_int_equal(cfg(d, 0x0c, 4), 0x000100ff); /* cache line RW, header type 1 */
	assert_int_equal(cfg(d, 0x10, 4), 0xfffff000); /* BAR0: 4 KiB, 32-bit memory */
	assert_int_equal(cfg(d, 0x14, 4), 0);          /* no BAR1 */
	assert_int_equal(cfg(d, 0x18, 4), 0x00ffffff); /* buses RW, sec latency 0 */
	assert_int_equal(cfg(d, 0x1c, 4), 0x0000f0f0); /* 16-bit I/O, sec status 0 */
	assert_int_equal(cfg(d, 0x20, 4), 0xfff0fff0);
	assert_int_equal(cfg(d, 0x24, 4), 0xfff1fff1); /* 64-bit prefetchable */
	assert_int_equal(cfg(d, 0x28, 4), 0xffffffff);
	assert_int_equal(cfg(d, 0x2c, 4), 0xffffffff);
	assert_int_equal(cfg(d, 0x30, 4), 0);          /* I/O upper 16 bits: RO (16-bit) */
	assert_int_equal(cfg(d, 0x34, 4), EXP);
	assert_int_equal(cfg(d, 0x38, 4), 0);          /* no expansion ROM */
	/* line RW, pin 0, bridge control PARITY SERR ISA VGA VGA16 BUS_RESET */
	assert_int_equal(cfg(d, 0x3c, 4), 0x005f00ff);
	vdm_device_destroy(d);
}

static void secondary_status_error_bits_are_rw1c(void **state)
{
	struct vdm_device *d = create("");
	struct vdm_pci_function *f = vdm_pci_function_of(d);

	vdm_pci_config_set16(&f->cfg, VDM_PCI_SEC_STATUS, 0xf900);
	wr(d, VDM_PCI_SEC_STATUS, 2, 0);
	assert_int_equal(cfg(d, VDM_PCI_SEC_STATUS, 2), 0xf900);
	wr(d, VDM_PCI_SEC_STATUS, 2, 0x4000); /* Received System Error */
	assert_int_equal(cfg(d, VDM_PCI_SEC_STATUS, 2), 0xb900);
	wr(d, VDM_PCI_IO_BASE, 4, 0xffff0000); /* dword write over I/O base/limit + status */
	assert_int_equal(cfg(d, VDM_PCI_IO_BASE, 4), 0);
	vdm_device_destroy(d);
}

static void bus_numbers_and_windows_round_trip(void **state)
{
	struct vdm_device *d = create("");
	struct vdm_pci_bridge b;

	assert_int_equal(vdm_pci_bridge_set_buses(d, 0, 3, 9), 0);
	assert_int_equal(vdm_pci_bridge_set_window(d, VDM_PCI_WINDOW_IO, 0x2000, 0x3000), 0);
	assert_int_equal(vdm_pci_bridge_set_window(d, VDM_PCI_WINDOW_MEM, 0xfe000000, 2 << 20),
			 0);
	assert_int_equal(vdm_pci_bridge_set_window(d, VDM_PCI_WINDOW_PREF, 0x8000000000ull,
						   64ull << 30),
			 0);
	/* the raw registers, as a guest reads them */
	assert_int_equal(cfg(d, 0x18, 4), 0x00090300);
	assert_int_equal(cfg(d, 0x1c, 2), 0x4020);
	assert_int_equal(cfg(d, 0x20, 4), 0xfe10fe00);
	assert_int_equal(cfg(d, 0x24, 4), 0xfff10001);
	assert_int_equal(cfg(d, 0x28, 4), 0x80);
	assert_int_equal(cfg(d, 0x2c, 4), 0x8f);
	assert_int_equal(vdm_pci_bridge_read(d, &b), 0);
	assert_int_equal(b.secondary, 3);
	assert_int_equal(b.subordinate, 9);
	assert_true(b.io.open && b.io.base == 0x2000 && b.io.limit == 0x4fff);
	assert_true(b.mem.open && b.mem.base == 0xfe000000 && b.mem.limit == 0xfe1fffff);
	assert_true(b.pref.open && b.pref.base == 0x8000000000ull &&
		    b.pref.limit == 0x8fffffffffull);
	/* the guest moves the memory window with a dword write; the decoder follows */
	wr(d, VDM_PCI_MEMORY_BASE, 4, 0xc0f0c000);
	assert_int_equal(vdm_pci_bridge_read(d, &b), 0);
	assert_true(b.mem.base == 0xc0000000 && b.mem.limit == 0xc0ffffff);
	/* closing */
	assert_int_equal(vdm_pci_bridge_set_window(d, VDM_PCI_WINDOW_PREF, 0, 0), 0);
	assert_int_equal(vdm_pci_bridge_set_window(d, VDM_PCI_WINDOW_IO, 0, 0), 0);
	assert_int_equal(vdm_pci_bridge_read(d, &b), 0);
	assert_false(b.pref.open);
	assert_false(b.io.open);
	assert_true(b.mem.open);
	/* out of the decoders' reach or off-granularity */
	assert_int_equal(vdm_pci_bridge_set_window(d, VDM_PCI_WINDOW_IO, 0x10000, 0x1000),
			 -EINVAL);
	assert_int_equal(vdm_pci_bridge_set_window(d, VDM_PCI_WINDOW_IO, 0xf000, 0x2000),
			 -EINVAL);
	assert_int_equal(vdm_pci_bridge_set_window(d, VDM_PCI_WINDOW_IO, 0x1800, 0x1000),
			 -EINVAL);
	assert_int_equal(vdm_pci_bridge_set_window(d, VDM_PCI_WINDOW_MEM, 0xfff00000,
						   2 << 20),
			 -EINVAL);
	assert_int_equal(vdm_pci_bridge_set_window(d, VDM_PCI_WINDOW_MEM, 0xe0080000,
						   1 << 20),
			 -EINVAL);
	assert_int_equal(vdm_pci_bridge_set_window(d, VDM_PCI_WINDOW_PREF, UINT64_MAX - 0xfffff,
						   2 << 20),
			 -EINVAL);
	assert_int_equal(vdm_pci_bridge_set_window(d, 7, 0, 0), -EINVAL);
	vdm_device_destroy(d);
}

static void reset_closes_windows_and_clears_bus_numbers(void **state)
{
	struct vdm_device *d = create("");
	struct vdm_pci_bridge b;

	assert_int_equal(vdm_pci_bridge_set_buses(d, 0, 1, 1), 0);
	assert_int_equal(vdm_pci_bridge_set_window(d, VDM_PCI_WINDOW_MEM, 0xfe000000, 1 << 20),
			 0);
	wr(d, VDM_PCI_COMMAND, 2, VDM_PCI_COMMAND_MEMORY | VDM_PCI_COMMAND_MASTER);
	vdm_device_reset(d);
	assert_int_equal(vdm_pci_bridge_read(d, &b), 0);
	assert_int_equal(b.secondary, 0);
	assert_int_equal(b.subordinate, 0);
	assert_false(b.io.open || b.mem.open || b.pref.open);
	assert_int_equal(b.command, 0);
	vdm_device_destroy(d);
}

static void io_reserve_zero_makes_the_io_window_read_only(void **state)
{
	struct vdm_device *d = create("io-reserve=0");
	struct vdm_pci_bridge b;

	assert_int_equal(vdm_pci_bridge_set_window(d, VDM_PCI_WINDOW_IO, 0x1000, 0x1000), -EIO);
	wr(d, VDM_PCI_IO_BASE, 2, 0x1010);
	assert_int_equal(cfg(d, VDM_PCI_IO_BASE, 2), 0x00f0);
	wr(d, VDM_PCI_COMMAND, 2, 0x7);
	assert_int_equal(cfg(d, VDM_PCI_COMMAND, 2), 0x6); /* COMMAND.IO is read-only */
	assert_int_equal(vdm_pci_bridge_read(d, &b), 0);
	assert_false(b.io.open);
	assert_int_equal(vdm_pci_bridge_set_window(d, VDM_PCI_WINDOW_MEM, 0xfe000000, 1 << 20),
			 0);
	vdm_device_destroy(d);
	/* any other io-reserve leaves it writable */
	d = create("io-reserve=4K");
	wr(d, VDM_PCI_COMMAND, 2, 0x7);
	assert_int_equal(cfg(d, VDM_PCI_COMMAND, 2), 0x7);
	assert_int_equal(vdm_pci_bridge_set_window(d, VDM_PCI_WINDOW_IO, 0x1000, 0x1000), 0);
	vdm_device_destroy(d);
}

static void capability_list_without_reserves_is_exp_msix_ssvid(void **state)
{
	struct vdm_device *d = create("");
	static const uint8_t want[] = { VDM_PCI_CAP_ID_EXP, VDM_PCI_CAP_ID_MSIX,
					VDM_PCI_CAP_ID_SSVID };
	uint32_t ptr, n = 0, off = 0;
	struct vdm_pci_res_reserve rr;

	for (ptr = cfg(d, 0x34, 1); ptr && n < 10; ptr = cfg(d, ptr + 1, 1)) {
		assert_true(n < sizeof(want));
		assert_int_equal(cfg(d, ptr, 1), want[n]);
		n++;
	}
	assert_int_equal(n, 3);
	assert_int_equal(vdm_pci_find_cap(d, VDM_PCI_CAP_ID_VNDR, &off), -ENOENT);
	assert_int_equal(vdm_pci_res_reserve_read(d, &rr), -ENOENT);
	assert_true(rr.bus == UINT64_MAX && rr.pref64 == UINT64_MAX);
	/* SSVID: 1b36:0000, last in the chain */
	assert_int_equal(cfg(d, SSVID, 4), 0x0000000d);
	assert_int_equal(cfg(d, SSVID + 4, 4), 0x00001b36);
	vdm_device_destroy(d);
}

static void reserve_capability_has_qemu_layout_in_little_endian(void **state)
{
	struct vdm_device *d = create("bus-reserve=2,io-reserve=4K,mem-reserve=8M,"
				      "pref64-reserve=0x1234500000");
	static const uint8_t want[32] = {
		0x09, EXP, 0x20, 0x01,                          /* id, next, len, type */
		0x02, 0x00, 0x00, 0x00,                         /* bus_res */
		0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* io = 4096 */
		0x00, 0x00, 0x80, 0x00,                         /* mem = 8M */
		0xff, 0xff, 0xff, 0xff,                         /* pref32 unset */
		0x00, 0x00, 0x50, 0x34, 0x12, 0x00, 0x00, 0x00, /* pref64 */
	};
	struct vdm_pci_res_reserve rr;
	uint32_t i, off = 0;

	assert_int_equal(vdm_pci_find_cap(d, VDM_PCI_CAP_ID_VNDR, &off), 0);
	assert_int_equal(off, RHCAP);
	assert_int_equal(cfg(d, 0x34, 1), RHCAP); /* added last: first in the chain */
	for (i = 0; i < 32; i++)
		assert_int_equal(cfg(d, RHCAP + i, 1), want[i]);
	for (i = 0; i < 32; i += 4) /* read-only */
		wr(d, RHCAP + i, 4, 0xa5a5a5a5);
	for (i = 0; i < 32; i++)
		assert_int_equal(cfg(d, RHCAP + i, 1), want[i]);
	assert_int_equal(vdm_pci_res_reserve_read(d, &rr), 0);
	assert_true(rr.bus == 2 && rr.io == 4096 && rr.mem == 8 << 20);
	assert_true(rr.pref32 == UINT64_MAX && rr.pref64 == 0x1234500000ull);
	vdm_device_destroy(d);

	d = create("pref32-reserve=16M");
	assert_int_equal(vdm_pci_res_reserve_read(d, &rr), 0);
	assert_true(rr.bus == UINT64_MAX && rr.io == UINT64_MAX && rr.mem == UINT64_MAX);
	assert_true(rr.pref32 == 16 << 20 && rr.pref64 == UINT64_MAX);
	assert_int_equal(cfg(d, RHCAP + 8, 4), 0xffffffff);
	assert_int_equal(cfg(d, RHCAP + 12, 4), 0xffffffff);
	vdm_device_destroy(d);
}

static void pref32_and_pref64_reserve_together_are_refused(void **state)
{
	struct vdm_device *d;
	char err[256];

	assert_int_equal(try_create("pref32-reserve=1M,pref64-reserve=1G", &d, err, sizeof(err)),
			 -EINVAL);
	assert_null(d);
	assert_non_null(strstr(err, "pref32-reserve=1M"));
	assert_non_null(strstr(err, "pref64-reserve=1G"));
	assert_non_null(strstr(err, "only one"));
	/* bounds come from the schema */
	assert_int_not_equal(try_create("slot=8192", &d, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "slot=8192"));
	assert_int_not_equal(try_create("port=256", &d, err, sizeof(err)), 0);
	assert_int_not_equal(try_create("io-reserve=128K", &d, err, sizeof(err)), 0);
	assert_int_not_equal(try_create("mem-reserve=4G", &d, err, sizeof(err)), 0);
	assert_int_not_equal(try_create("bus-reserve=256", &d, err, sizeof(err)), 0);
	assert_int_equal(try_create("slot=8191,port=255,chassis=255", &d, err, sizeof(err)), 0);
	vdm_device_destroy(d);
}

static void pcie_capability_describes_a_hotplug_root_port_slot(void **state)
{
	struct vdm_device *d = create("slot=5,port=3");

	assert_int_equal(cfg(d, EXP, 1), VDM_PCI_CAP_ID_EXP);
	assert_int_equal(cfg(d, EXP + 1, 1), MSIX);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_FLAGS, 2), 0x0142); /* v2, root port, slot */
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_DEVCAP, 4), VDM_PCI_EXP_DEVCAP_RBER);
	/* port 3, LBNC, DLLLARC, ASPM L0s, x32, 16 GT/s (QEMU's x-width/x-speed defaults) */
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_LNKCAP, 4), 0x03300604);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_LNKSTA, 2), 0x0204); /* empty: no DLLLA */
	/* PSN 5, NCCS, EIP, HPC, HPS, PIP, AIP, PCP, ABP */
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_SLTCAP, 4), 0x002e007b);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_SLTCAP, 4) >> VDM_PCI_EXP_SLTCAP_PSN_SHIFT, 5);
	/* empty: indicators off, power off (QEMU's pcie_cap_slot_reset) */
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_SLTCTL, 2), 0x07c0);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_SLTSTA, 2), 0);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_DEVCAP2, 4), 0x00300020); /* EETLPP EFF ARI */
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_LNKCAP2, 4), 0x1e);       /* 2.5 to 16 GT/s */
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_LNKCTL2, 2), 0x4);
	vdm_device_destroy(d);

	d = create("slot=8191,hotplug=off");
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_SLTCAP, 4), 0xfffe001b);
	wr(d, EXP + VDM_PCI_EXP_SLTCTL, 2, 0xffff); /* QEMU's writable bits, HPC or not */
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_SLTCTL, 2), 0x07f9);
	vdm_device_destroy(d);
}

static void pcie_control_registers_take_only_their_writable_bits(void **state)
{
	struct vdm_device *d = create("");
	struct vdm_pci_function *f = vdm_pci_function_of(d);
	uint32_t off;

	for (off = EXP + 4; off < EXP + VDM_PCI_EXP_SIZEOF_V2; off += 4)
		wr(d, off, 4, 0xffffffff);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_DEVCAP, 4), VDM_PCI_EXP_DEVCAP_RBER);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_DEVCTL, 4), 0x0000000f);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_LNKCAP, 4), 0x00300604);
	/* LNKCTL read-only (QEMU's ports); LNKSTA x32 at 16 GT/s */
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_LNKCTL, 4), 0x02040000);
	/* SLTCTL: HPIE CCIE PDCE ABPE PIC AIC PCC; SLTSTA events were 0 */
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_SLTCTL, 4), 0x000007f9);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_RTCTL, 4), 0x00000007);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_RTSTA, 4), 0);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_DEVCTL2, 4),
			 VDM_PCI_EXP_DEVCTL2_ARI | VDM_PCI_EXP_DEVCTL2_EETLPPB);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_LNKCAP2, 4), 0x1e);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_LNKCTL2, 4), 0x4);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_SLTCAP2, 4), 0);
	/* W1C status bits: DEVSTA errors, RTSTA PME */
	vdm_pci_config_set16(&f->cfg, EXP + VDM_PCI_EXP_DEVSTA, 0x000f);
	vdm_pci_config_set32(&f->cfg, EXP + VDM_PCI_EXP_RTSTA, VDM_PCI_EXP_RTSTA_PME);
	wr(d, EXP + VDM_PCI_EXP_DEVSTA, 2, 0x0005);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_DEVSTA, 2), 0x000a);
	wr(d, EXP + VDM_PCI_EXP_RTSTA, 4, 0);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_RTSTA, 4), VDM_PCI_EXP_RTSTA_PME);
	wr(d, EXP + VDM_PCI_EXP_RTSTA + 2, 1, 1);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_RTSTA, 4), 0);
	vdm_device_destroy(d);
}

static void presence_sets_pds_dllla_and_slot_power_and_latches_w1c_events(void **state)
{
	struct vdm_device *d = create("slot=1");
	struct vdm_device *t = NULL;
	char err[64];

	assert_int_equal(vdm_root_port_set_presence(d, true, false), 0); /* cold plug */
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_SLTSTA, 2), VDM_PCI_EXP_SLTSTA_PDS);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_LNKSTA, 2), 0x2204);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_SLTCTL, 2), 0x01c0); /* power on, PIC on */
	assert_int_equal(vdm_root_port_set_presence(d, false, true), 0); /* surprise removal */
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_SLTSTA, 2), 0x0108);  /* DLLSC | PDC */
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_LNKSTA, 2), 0x0204);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_SLTCTL, 2), 0x07c0); /* power off, PIC off */
	wr(d, EXP + VDM_PCI_EXP_SLTSTA, 2, 0xffff);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_SLTSTA, 2), 0);
	/* the guest's own slot control bits stay (attention indicator, enables) */
	wr(d, EXP + VDM_PCI_EXP_SLTCTL, 2, 0x07f9 & ~VDM_PCI_EXP_SLTCTL_AIC);
	assert_int_equal(vdm_root_port_set_presence(d, true, true), 0); /* hot add */
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_SLTSTA, 2), 0x0148);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_SLTCTL, 2), 0x0139);
	wr(d, EXP + VDM_PCI_EXP_SLTSTA, 2, VDM_PCI_EXP_SLTSTA_PDC);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_SLTSTA, 2), 0x0140);
	assert_int_equal(vdm_root_port_set_presence(d, true, true), 0); /* no change: no event */
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_SLTSTA, 2), 0x0140);
	/* presence is physical: a reset keeps it, and drops the latched events */
	vdm_device_reset(d);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_SLTSTA, 2), VDM_PCI_EXP_SLTSTA_PDS);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_LNKSTA, 2), 0x2204);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_SLTCTL, 2), 0x01c0);
	/* the guest cannot write PDS or DLLLA */
	wr(d, EXP + VDM_PCI_EXP_SLTSTA, 2, 0);
	wr(d, EXP + VDM_PCI_EXP_LNKSTA, 2, 0);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_SLTSTA, 2), VDM_PCI_EXP_SLTSTA_PDS);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_LNKSTA, 2), 0x2204);
	/* only root ports take it */
	assert_int_equal(vdm_testdev_type.create(NULL, NULL, &t, err, sizeof(err)), 0);
	assert_int_equal(vdm_root_port_set_presence(t, true, false), -EINVAL);
	assert_int_equal(vdm_root_port_pcie_cap(t), 0);
	assert_int_equal(vdm_root_port_set_presence(NULL, true, false), -EINVAL);
	vdm_device_destroy(t);
	vdm_device_destroy(d);
}

static void msix_ssvid_aer_and_acs_capabilities(void **state)
{
	struct vdm_device *d = create("");
	uint32_t off = 0;

	/* MSI-X: one vector, table at BAR0 + 0, pending bits at BAR0 + 0x800 */
	assert_int_equal(cfg(d, MSIX, 4), 0x00004011); /* next SSVID, table size 1 */
	assert_int_equal(cfg(d, MSIX + 4, 4), 0x00000000);
	assert_int_equal(cfg(d, MSIX + 8, 4), 0x00000800);
	wr(d, MSIX, 4, 0xffffffff);
	assert_int_equal(cfg(d, MSIX, 4), 0xc0004011); /* enable and function mask RW */
	wr(d, MSIX + 4, 4, 0xffffffff);
	wr(d, MSIX + 8, 4, 0xffffffff);
	assert_int_equal(cfg(d, MSIX + 4, 4), 0);
	assert_int_equal(cfg(d, MSIX + 8, 4), 0x800);
	assert_int_equal(cfg(d, SSVID + 1, 1), 0); /* last */
	/* AER (version 2) at 0x100, QEMU 7.2's defaults and masks */
	assert_int_equal(cfg(d, AER, 4), 0x14820001);
	assert_int_equal(cfg(d, AER + 0x0c, 4), 0x00462030); /* uncorrectable severity */
	assert_int_equal(cfg(d, AER + 0x14, 4), 0x0000e000); /* correctable mask */
	assert_int_equal(cfg(d, AER + 0x18, 4), 0x000002a0); /* ECRC gen/check, multi header */
	for (off = AER + 4; off < AER + VDM_PCI_ERR_SIZEOF; off += 4)
		wr(d, off, 4, 0xffffffff);
	assert_int_equal(cfg(d, AER + 0x04, 4), 0);          /* W1C, nothing was set */
	assert_int_equal(cfg(d, AER + 0x08, 4), 0);          /* mask: RO 0 in QEMU 7.2 */
	assert_int_equal(cfg(d, AER + 0x0c, 4), VDM_PCI_ERR_UNC_SUPPORTED);
	assert_int_equal(cfg(d, AER + 0x14, 4), VDM_PCI_ERR_COR_SUPPORTED);
	assert_int_equal(cfg(d, AER + 0x18, 4), 0x000007e0); /* + the three enables */
	assert_int_equal(cfg(d, AER + 0x1c, 4), 0);          /* header log RO */
	assert_int_equal(cfg(d, AER + 0x2c, 4), 7);          /* root error command */
	assert_int_equal(cfg(d, AER + 0x30, 4), 0);
	/* ACS at 0x148, the last: SV TB RR CR UF DT, the same controls RW */
	assert_int_equal(cfg(d, ACS, 4), 0x0001000d);
	off = 0;
	assert_int_equal(vdm_pci_find_ext_cap(d, VDM_PCI_EXT_CAP_ID_ACS, &off), 0);
	assert_int_equal(off, ACS);
	off = 0;
	assert_int_equal(vdm_pci_find_ext_cap(d, VDM_PCI_EXT_CAP_ID_ERR, &off), 0);
	assert_int_equal(off, AER);
	assert_int_equal(cfg(d, ACS + 4, 4), 0x0000005f);
	wr(d, ACS + 4, 4, 0xffffffff);
	assert_int_equal(cfg(d, ACS + 4, 4), 0x005f005f);
	wr(d, ACS, 4, 0xffffffff);
	assert_int_equal(cfg(d, ACS, 4), 0x0001000d);
	assert_int_equal(cfg(d, ACS + 8, 4), 0);
	assert_int_equal(cfg(d, 0xffc, 4), 0);
	/* a reset restores every default */
	vdm_device_reset(d);
	assert_int_equal(cfg(d, AER + 0x0c, 4), 0x00462030);
	assert_int_equal(cfg(d, ACS + 4, 4), 0x0000005f);
	assert_int_equal(cfg(d, MSIX, 4), 0x00004011);
	vdm_device_destroy(d);
}

static uint64_t bar0(struct vdm_device *d, uint64_t off, uint32_t size)
{
	uint64_t v = 0xdead;

	assert_int_equal(vdm_bar_read(d, 0, off, size, &v), 0);
	return v;
}

static void msix_table_in_bar0_keeps_what_the_guest_programs(void **state)
{
	struct vdm_device *d = create("");
	uint64_t v;

	/* power-on: address and data 0, the vector masked; nothing pending */
	assert_true(bar0(d, 0, 8) == 0);
	assert_true(bar0(d, 8, 4) == 0);
	assert_true(bar0(d, 12, 4) == VDM_PCI_MSIX_ENTRY_CTRL_MASKBIT);
	assert_true(bar0(d, 0x800, 8) == 0);
	/* what Linux writes: address, data, then unmask */
	assert_int_equal(vdm_bar_write(d, 0, 0, 8, 0x00000000fee01000ull), 0);
	assert_int_equal(vdm_bar_write(d, 0, 8, 4, 0x4021), 0);
	assert_int_equal(vdm_bar_write(d, 0, 12, 4, 0), 0);
	assert_true(bar0(d, 0, 4) == 0xfee01000);
	assert_true(bar0(d, 4, 4) == 0);
	assert_true(bar0(d, 8, 8) == 0x4021);
	assert_true(bar0(d, 2, 2) == 0xfee0); /* narrower reads see the same bytes */
	assert_true(bar0(d, 1, 1) == 0x10);
	/* pending bits and the rest of the BAR: read 0, writes dropped */
	assert_int_equal(vdm_bar_write(d, 0, 0x800, 8, UINT64_MAX), 0);
	assert_true(bar0(d, 0x800, 8) == 0);
	assert_int_equal(vdm_bar_write(d, 0, 0x10, 4, 0xffffffff), 0);
	assert_true(bar0(d, 0x10, 4) == 0);
	assert_true(bar0(d, 0xffc, 4) == 0);
	/* outside BAR0, other regions, bad sizes */
	assert_int_equal(vdm_bar_read(d, 0, 0x1000, 4, &v), -EINVAL);
	assert_true(v == UINT64_MAX);
	assert_int_equal(vdm_bar_read(d, 0, 0xffe, 4, &v), -EINVAL);
	assert_int_equal(vdm_bar_read(d, 1, 0, 4, &v), -EINVAL);
	assert_int_equal(vdm_bar_read(d, 0, 0, 3, &v), -EINVAL);
	assert_int_equal(vdm_bar_write(d, 0, 0x1000, 4, 0), -EINVAL);
	assert_int_equal(vdm_bar_write(d, 2, 0, 4, 0), -EINVAL);
	assert_int_equal(vdm_bar_write(d, 0, 0, 16, 0), -EINVAL);
	assert_true(bar0(d, 0, 4) == 0xfee01000);
	/* reset masks the vector again and forgets the message */
	vdm_device_reset(d);
	assert_true(bar0(d, 0, 8) == 0);
	assert_true(bar0(d, 12, 4) == VDM_PCI_MSIX_ENTRY_CTRL_MASKBIT);
	/* reads are pure (a sandbox may mirror BAR0) */
	assert_true(d->res.pure_reads & VDM_PURE_REGION(0));
	vdm_device_destroy(d);
}

static void hostile_config_accesses_change_nothing(void **state)
{
	static const uint32_t sizes[] = { 0, 3, 5, 8, 16 };
	struct vdm_device *d = create("bus-reserve=1");
	struct vdm_pci_function *f = vdm_pci_function_of(d);
	uint8_t before[VDM_PCI_CFG_EXP_SIZE];
	uint32_t off, v;
	uint64_t v64;
	size_t i;

	memcpy(before, f->cfg.cfg, sizeof(before));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_int_equal(vdm_cfg_write(d, 0x18, sizes[i], 0xffffffff), -EINVAL);
		assert_int_equal(vdm_cfg_read(d, 0x18, sizes[i], &v), -EINVAL);
		assert_int_equal(v, 0xffffffff);
	}
	for (off = 4094; off <= 5000; off++) {
		int r = vdm_cfg_write(d, off, 2, 0xffff);

		assert_true(off == 4094 ? r == 0 : r == -ERANGE);
		r = vdm_cfg_read(d, off, 2, &v);
		assert_int_equal(v, off == 4094 ? 0 : 0xffffffff);
	}
	assert_int_equal(vdm_cfg_write(d, 0x19, 4, 0xffffffff), -EINVAL); /* crosses */
	assert_int_equal(vdm_cfg_write(d, 0x1b, 2, 0xffff), -EINVAL);
	assert_memory_equal(before, f->cfg.cfg, sizeof(before));
	assert_int_equal(vdm_bar_read(d, 1, 0, 4, &v64), -EINVAL); /* only BAR0 exists */
	assert_true(v64 == UINT64_MAX);
	assert_int_equal(vdm_bar_write(d, 1, 0, 4, 0), -EINVAL);
	assert_int_equal(vdm_bar_read(d, 0, UINT64_MAX - 1, 4, &v64), -EINVAL);
	assert_int_equal(vdm_bar_write(d, 0, UINT64_MAX, 1, 0), -EINVAL);
	vdm_device_destroy(d);
}

static uint64_t rng_state = 0xfeedfacecafebeefull;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

static void random_write_storm_keeps_identity_caps_and_reserves(void **state)
{
	struct vdm_device *d = create("slot=7,bus-reserve=3,pref64-reserve=64G");
	static const uint8_t want[] = { VDM_PCI_CAP_ID_VNDR, VDM_PCI_CAP_ID_EXP,
					VDM_PCI_CAP_ID_MSIX, VDM_PCI_CAP_ID_SSVID };
	struct vdm_pci_res_reserve rr;
	struct vdm_pci_bridge b;
	uint32_t n, ptr, v;

	for (n = 0; n < 300000; n++) {
		uint32_t off = rng() % 4200, size = 1u << (rng() % 3);

		if (rng() % 16 == 0)
			size = rng() % 9;
		(void)vdm_cfg_write(d, off, size, rng());
		if (n % 8 == 0)
			(void)vdm_cfg_read(d, off, size, &v);
	}
	assert_int_equal(cfg(d, 0, 4), 0x000c1b36);
	assert_int_equal(cfg(d, 8, 4), 0x06040000);
	assert_int_equal(cfg(d, VDM_PCI_HEADER_TYPE, 1), 1);
	assert_int_equal(cfg(d, VDM_PCI_STATUS, 2) & VDM_PCI_STATUS_CAP_LIST,
			 VDM_PCI_STATUS_CAP_LIST);
	n = 0;
	for (ptr = cfg(d, 0x34, 1); ptr && n < 10; ptr = cfg(d, ptr + 1, 1)) {
		assert_true(n < sizeof(want));
		assert_int_equal(cfg(d, ptr, 1), want[n]);
		n++;
	}
	assert_int_equal(n, 4);
	assert_int_equal(cfg(d, AER, 4), 0x14820001);
	assert_int_equal(cfg(d, ACS, 4), 0x0001000d);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_SLTCAP, 4) >> VDM_PCI_EXP_SLTCAP_PSN_SHIFT, 7);
	assert_int_equal(cfg(d, EXP + VDM_PCI_EXP_FLAGS, 2), 0x0142);
	assert_int_equal(vdm_pci_res_reserve_read(d, &rr), 0);
	assert_true(rr.bus == 3 && rr.pref64 == 64ull << 30 && rr.io == UINT64_MAX);
	assert_int_equal(cfg(d, 0x10, 4) & 0xfff, 0); /* BAR0: only address bits moved */
	assert_int_equal(cfg(d, 0x14, 4), 0);
	/* still a working bridge afterwards */
	assert_int_equal(vdm_pci_bridge_set_buses(d, 0, 2, 4), 0);
	assert_int_equal(vdm_pci_bridge_set_window(d, VDM_PCI_WINDOW_PREF, 1ull << 40,
						   64ull << 30),
			 0);
	assert_int_equal(vdm_pci_bridge_read(d, &b), 0);
	assert_true(b.pref64 && !b.io32);
	assert_true(b.pref.base == 1ull << 40);
	vdm_device_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(identity_matches_qemu_pcie_root_port),
		cmocka_unit_test(type1_header_after_all_ones_writes),
		cmocka_unit_test(secondary_status_error_bits_are_rw1c),
		cmocka_unit_test(bus_numbers_and_windows_round_trip),
		cmocka_unit_test(reset_closes_windows_and_clears_bus_numbers),
		cmocka_unit_test(io_reserve_zero_makes_the_io_window_read_only),
		cmocka_unit_test(capability_list_without_reserves_is_exp_msix_ssvid),
		cmocka_unit_test(reserve_capability_has_qemu_layout_in_little_endian),
		cmocka_unit_test(pref32_and_pref64_reserve_together_are_refused),
		cmocka_unit_test(pcie_capability_describes_a_hotplug_root_port_slot),
		cmocka_unit_test(pcie_control_registers_take_only_their_writable_bits),
		cmocka_unit_test(presence_sets_pds_dllla_and_slot_power_and_latches_w1c_events),
		cmocka_unit_test(msix_ssvid_aer_and_acs_capabilities),
		cmocka_unit_test(msix_table_in_bar0_keeps_what_the_guest_programs),
		cmocka_unit_test(hostile_config_accesses_change_nothing),
		cmocka_unit_test(random_write_storm_keeps_identity_caps_and_reserves),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
