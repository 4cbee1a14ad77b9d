/* Unit tests for the host bridge function (devices/host_bridge.c): the identity Linux's
 * config-mechanism sanity check looks for, read-only header, no BARs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <vdm/devices.h>
#include <vdm/pci.h>

static struct vdm_device *make(void)
{
	struct vdm_device *d = NULL;
	char err[128];

	assert_int_equal(vdm_host_bridge_type.create(NULL, NULL, &d, err, sizeof(err)), 0);
	assert_non_null(d);
	return d;
}

static uint32_t rd(struct vdm_device *d, uint32_t off, uint32_t size)
{
	uint32_t v = 0;

	vdm_cfg_read(d, off, size, &v);
	return v;
}

static void identity_is_a_host_bridge_linux_sanity_check_accepts(void **state)
{
	struct vdm_device *d = make();

	assert_int_equal(rd(d, 0x00, 2), 0x1b36);
	assert_int_equal(rd(d, 0x02, 2), 0x0008);
	/* pci_sanity_check() reads the 16-bit class at 0x0a and wants PCI_CLASS_BRIDGE_HOST. */
	assert_int_equal(rd(d, 0x0a, 2), 0x0600);
	assert_int_equal(rd(d, 0x09, 1), 0x00);
	assert_int_equal(rd(d, 0x0e, 1), 0x00); /* type 0, single function */
	assert_int_equal(rd(d, 0x3d, 1), 0x00); /* no INTx */
	vdm_device_destroy(d);
}

static void header_stays_read_only_and_no_bar_sizes(void **state)
{
	struct vdm_device *d = make();
	uint32_t off;

	for (off = 0; off < 0x40; off += 4)
		vdm_cfg_write(d, off, 4, 0xffffffff);
	assert_int_equal(rd(d, 0x00, 4), 0x00081b36);
	assert_int_equal(rd(d, 0x08, 4) >> 8, 0x060000);
	for (off = 0x10; off < 0x28; off += 4)
		assert_int_equal(rd(d, off, 4), 0); /* no BAR answers the sizing write */
	assert_int_equal(d->res.regions[0].kind, VDM_REGION_NONE);
	assert_int_equal(d->res.bus_kind, VDM_BUS_PCI_ENDPOINT);
	vdm_device_destroy(d);
}

static void bar_accesses_read_all_ones_and_fail(void **state)
{
	struct vdm_device *d = make();
	uint64_t v = 0;

	assert_int_not_equal(vdm_bar_read(d, 0, 0, 4, &v), 0);
	assert_int_equal(v, 0xffffffffu);
	assert_int_not_equal(vdm_bar_write(d, 0, 0, 4, 1), 0);
	vdm_device_reset(d);
	assert_int_equal(rd(d, 0x0a, 2), 0x0600);
	vdm_device_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(identity_is_a_host_bridge_linux_sanity_check_accepts),
		cmocka_unit_test(header_stays_read_only_and_no_bar_sizes),
		cmocka_unit_test(bar_accesses_read_all_ones_and_fail),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
