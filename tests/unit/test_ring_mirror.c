/* The ring's read mirror (wire 1.2): a pure device's config space and BARs answered from
 * its own copy, exactly as a round trip would answer, and never once the copy is stale. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vdm/devices.h>
#include <vdm/ged.h>
#include <vdm/props.h>
#include <vdm/ring.h>

struct pair {
	_Alignas(64) unsigned char mem[VDM_RING_MIRROR_END];
	struct vdm_ring_server *srv;
	struct vdm_ring_client *cli;
	struct vdm_device *dev;  /* served through the ring */
	struct vdm_device *twin; /* the same type, called directly */
	unsigned pumps;
};

static void pump(void *opaque)
{
	struct pair *p = opaque;

	p->pumps++;
	vdm_ring_server_serve_pending(p->srv, p->dev);
}

static struct vdm_device *make(const char *spec)
{
	const struct vdm_device_type *types[] = { &vdm_testdev_type, &vdm_root_port_type,
						  &vdm_ged_type };
	const struct vdm_device_type *t;
	struct vdm_prop_values pv;
	struct vdm_device *d = NULL;
	char err[256];

	assert_int_equal(vdm_props_parse(spec, types, 3, NULL, 0, &t, &pv, err, sizeof(err)), 0);
	assert_int_equal(t->create(&pv, NULL, &d, err, sizeof(err)), 0);
	return d;
}

static struct pair *start(const char *spec, size_t mapping)
{
	struct pair *p = calloc(1, sizeof(*p));
	struct vdm_ring_client_config cc = { .doorbell = VDM_RING_DOORBELL_NONE, .pidfd = -1,
					     .req_efd = -1, .rsp_efd = -1, .pump = pump,
					     .pump_opaque = p };
	struct vdm_ring_server_config sc = { .req_efd = -1, .rsp_efd = -1, .notify_efd = -1 };

	assert_non_null(p);
	p->dev = make(spec);
	p->twin = make(spec);
	assert_int_equal(vdm_ring_format(p->mem, mapping, VDM_RING_DOORBELL_NONE), 0);
	assert_int_equal(vdm_ring_server_new(p->mem, mapping, &sc, &p->srv), 0);
	assert_int_equal(vdm_ring_client_new(p->mem, mapping, &cc, &p->cli), 0);
	vdm_ring_server_mirror_setup(p->srv, p->dev);
	vdm_ring_server_ready(p->srv);
	assert_int_equal(vdm_ring_client_wait_ready(p->cli, 0), 0);
	return p;
}

static void stop(struct pair *p)
{
	vdm_ring_client_free(p->cli);
	vdm_ring_server_free(p->srv);
	vdm_device_destroy(p->dev);
	vdm_device_destroy(p->twin);
	free(p);
}

/* A read the way the proxy does it: mirror first, the ring when the copy is stale. */
static uint64_t bar_read(struct pair *p, uint32_t region, uint64_t off, uint32_t size,
			 int *from_mirror)
{
	uint64_t v = UINT64_MAX;
	int32_t st;

	*from_mirror = vdm_ring_client_mirror_read(p->cli, region, off, size, &v) == 0;
	if (!*from_mirror)
		assert_int_equal(vdm_ring_client_call(p->cli, VDM_RING_BAR_READ, region, off, size,
						      0, &v, &st), 0);
	return v;
}

static void testdev_config_and_bars_come_from_the_mirror_and_equal_the_device(void **state)
{
	struct pair *p = start("testdev,membar=64K", sizeof(((struct pair *)0)->mem));
	uint64_t v;
	uint32_t want32;
	unsigned pumps;

	(void)state;
	assert_int_equal(vdm_ring_client_mirror_map(p->cli),
			 VDM_PURE_CFG | VDM_PURE_REGION(0) | VDM_PURE_REGION(1) |
				 VDM_PURE_REGION(2));
	pumps = p->pumps;
	for (uint32_t off = 0; off < 4096; off += 4) {
		assert_int_equal(vdm_ring_client_mirror_read(p->cli, VDM_RING_MIRROR_CFG, off, 4,
							     &v), 0);
		vdm_cfg_read(p->twin, off, 4, &want32);
		assert_int_equal(v, want32);
	}
	/* sub-dword reads are the dword's bytes */
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, VDM_RING_MIRROR_CFG, 2, 2, &v), 0);
	assert_int_equal(v, 0x0005); /* device id 1b36:0005 */
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, VDM_RING_MIRROR_CFG, 0, 1, &v), 0);
	assert_int_equal(v, 0x36);
	/* BAR0: the test names the protocol puts there, as the twin reads them */
	for (uint32_t off = 0; off < 4096; off += 8) {
		uint64_t want;

		assert_int_equal(vdm_ring_client_mirror_read(p->cli, 0, off, 8, &v), 0);
		vdm_bar_read(p->twin, 0, off, 8, &want);
		assert_int_equal(v, want);
	}
	assert_int_equal(p->pumps, pumps); /* not one round trip */
	stop(p);
}

static void a_posted_write_makes_the_copy_stale_until_the_device_catches_up(void **state)
{
	struct pair *p = start("testdev", sizeof(((struct pair *)0)->mem));
	uint64_t v, want;
	uint32_t v32;
	int mirrored;

	(void)state;
	/* Select test 1 of BAR0 (a write of its index to offset 0): what BAR0 reads changes. */
	assert_int_equal(vdm_ring_client_post(p->cli, VDM_RING_BAR_WRITE, 0, 0, 1, 1), 0);
	vdm_bar_write(p->twin, 0, 0, 1, 1);
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, 0, 4, 4, &v), -EAGAIN);
	/* The round trip carries the write first; the device refreshes its copy once idle. */
	v = bar_read(p, 0, 4, 4, &mirrored);
	assert_false(mirrored);
	vdm_bar_read(p->twin, 0, 4, 4, &want);
	assert_int_equal(v, want);
	for (uint32_t off = 0; off < 64; off += 4) {
		v = bar_read(p, 0, off, 4, &mirrored);
		assert_true(mirrored);
		vdm_bar_read(p->twin, 0, off, 4, &want);
		assert_int_equal(v, want);
	}
	/* A config write (the BAR0 address) is seen in the copy after one round trip too. */
	assert_int_equal(vdm_ring_client_post(p->cli, VDM_RING_CFG_WRITE, 0, 0x10, 4,
					      0xfebf0000u), 0);
	vdm_cfg_write(p->twin, 0x10, 4, 0xfebf0000u);
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, VDM_RING_MIRROR_CFG, 0x10, 4, &v),
			 -EAGAIN);
	assert_int_equal(vdm_ring_client_call(p->cli, VDM_RING_PING, 0, 0, 0, 7, &v,
					      &(int32_t){ 0 }), 0);
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, VDM_RING_MIRROR_CFG, 0x10, 4, &v), 0);
	vdm_cfg_read(p->twin, 0x10, 4, &v32);
	assert_int_equal(v, v32);
	assert_int_equal(v, 0xfebf0000u);
	stop(p);
}

static void a_reset_refreshes_the_copy(void **state)
{
	struct pair *p = start("testdev", sizeof(((struct pair *)0)->mem));
	uint64_t v;
	int32_t st;

	(void)state;
	vdm_ring_client_post(p->cli, VDM_RING_CFG_WRITE, 0, 0x04, 2, 0x0006);
	assert_int_equal(vdm_ring_client_call(p->cli, VDM_RING_CFG_READ, 0, 0x04, 2, 0, &v, &st),
			 0);
	assert_int_equal(v, 0x0006);
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, VDM_RING_MIRROR_CFG, 4, 2, &v), 0);
	assert_int_equal(v, 0x0006);
	assert_int_equal(vdm_ring_client_call(p->cli, VDM_RING_RESET, 0, 0, 0, 0, &v, &st), 0);
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, VDM_RING_MIRROR_CFG, 4, 2, &v), 0);
	assert_int_equal(v, 0); /* command register back to its power-on 0 */
	stop(p);
}

static void a_device_with_read_side_effects_is_never_mirrored(void **state)
{
	/* The GED's selector register clears on read: it declares nothing pure. */
	struct pair *p = start("ged", sizeof(((struct pair *)0)->mem));
	uint64_t v = 5;

	(void)state;
	assert_int_equal(vdm_device_pure_reads(p->dev), 0);
	assert_int_equal(vdm_ring_client_mirror_map(p->cli), 0);
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, 0, 0, 4, &v), -EINVAL);
	assert_int_equal(v, 5);
	stop(p);
}

static void a_mapping_without_room_for_mirrors_keeps_none(void **state)
{
	struct pair *p = start("testdev", 8192);
	uint64_t v;

	(void)state;
	assert_int_equal(vdm_ring_client_mirror_map(p->cli), 0);
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, VDM_RING_MIRROR_CFG, 0, 4, &v),
			 -EINVAL);
	stop(p);
}

static void misaligned_wide_or_far_reads_take_the_ring(void **state)
{
	struct pair *p = start("testdev", sizeof(((struct pair *)0)->mem));
	uint64_t v;

	(void)state;
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, VDM_RING_MIRROR_CFG, 1, 2, &v),
			 -EINVAL);
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, VDM_RING_MIRROR_CFG, 0, 8, &v),
			 -EINVAL);
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, 0, 4096, 4, &v), -EINVAL);
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, 0, 4094, 4, &v), -EINVAL);
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, 0, 3, 1, &v), 0);
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, 0, 0, 3, &v), -EINVAL);
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, 2, 0, 4, &v), -EINVAL); /* no BAR2 */
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, 7, 0, 4, &v), -EINVAL);
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, 99, 0, 4, &v), -EINVAL);
	stop(p);
}

static void a_failed_client_never_answers_from_the_copy(void **state)
{
	struct pair *p = start("testdev", sizeof(((struct pair *)0)->mem));
	uint64_t v;

	(void)state;
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, VDM_RING_MIRROR_CFG, 0, 4, &v), 0);
	assert_int_equal(v, 0x00051b36u);
	vdm_ring_client_fail(p->cli, VDM_RING_FAULT_DEAD);
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, VDM_RING_MIRROR_CFG, 0, 4, &v),
			 -EAGAIN);
	stop(p);
}

static void a_device_built_before_abi_1_2_promises_nothing(void **state)
{
	struct vdm_device *d = make("testdev");

	(void)state;
	assert_int_not_equal(vdm_device_pure_reads(d), 0);
	d->res.struct_size = offsetof(struct vdm_resources, pure_reads); /* a 1.1 device's head */
	assert_int_equal(vdm_device_pure_reads(d), 0);
	d->res.struct_size = sizeof(d->res);
	vdm_device_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(testdev_config_and_bars_come_from_the_mirror_and_equal_the_device),
		cmocka_unit_test(a_posted_write_makes_the_copy_stale_until_the_device_catches_up),
		cmocka_unit_test(a_reset_refreshes_the_copy),
		cmocka_unit_test(a_device_with_read_side_effects_is_never_mirrored),
		cmocka_unit_test(a_mapping_without_room_for_mirrors_keeps_none),
		cmocka_unit_test(misaligned_wide_or_far_reads_take_the_ring),
		cmocka_unit_test(a_failed_client_never_answers_from_the_copy),
		cmocka_unit_test(a_device_built_before_abi_1_2_promises_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
