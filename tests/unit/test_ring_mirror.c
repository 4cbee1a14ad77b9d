/* The ring's read mirror (wire 1.2): a pure device's config space and BARs answered from
 * its own copy, exactly as a round trip would answer, and never once the copy is stale;
 * and the VMM's write-through config copy (wire 1.3) for devices whose writes only mask. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include <vdm/devices.h>
#include <vdm/ged.h>
#include <vdm/props.h>
#include <vdm/ring.h>

#include <vdm/root_port.h>

struct pair {
	_Alignas(64) unsigned char mem[VDM_RING_MASKS_END];
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
	vdm_ring_server_mirror_idle(p->srv); /* the device's first idle moment: regions filled */
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

/* A config read answered without a round trip: the write-through copy or the mirror. */
static uint32_t copy_read(struct pair *p, uint32_t off, uint32_t size)
{
	uint64_t v = UINT64_MAX;

	assert_int_equal(vdm_ring_client_mirror_read(p->cli, VDM_RING_MIRROR_CFG, off, size, &v),
			 0);
	return (uint32_t)v;
}

static void testdev_config_and_bars_come_from_the_mirror_and_equal_the_device(void **state)
{
	struct pair *p = start("testdev,membar=64K", VDM_RING_MIRROR_END /* wire 1.2: no masks */);
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

/* READY does not wait for the region copies (thousands of handler calls): until the
 * device's first idle moment the VMM asks the device; config space is there at once. */
static void region_copies_are_filled_after_ready(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));
	struct vdm_ring_client_config cc = { .doorbell = VDM_RING_DOORBELL_NONE, .pidfd = -1,
					     .req_efd = -1, .rsp_efd = -1, .pump = pump,
					     .pump_opaque = p };
	struct vdm_ring_server_config sc = { .req_efd = -1, .rsp_efd = -1, .notify_efd = -1 };
	uint64_t v, want;

	(void)state;
	assert_non_null(p);
	p->dev = make("testdev");
	p->twin = make("testdev");
	assert_int_equal(vdm_ring_format(p->mem, VDM_RING_MASKS_END, VDM_RING_DOORBELL_NONE), 0);
	assert_int_equal(vdm_ring_server_new(p->mem, VDM_RING_MASKS_END, &sc, &p->srv), 0);
	assert_int_equal(vdm_ring_client_new(p->mem, VDM_RING_MASKS_END, &cc, &p->cli), 0);
	vdm_ring_server_mirror_setup(p->srv, p->dev);
	vdm_ring_server_ready(p->srv);
	assert_int_equal(vdm_ring_client_wait_ready(p->cli, 0), 0);
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, 0, 0, 4, &v), -EAGAIN);
	assert_int_equal(copy_read(p, 0, 4), 0x00051b36u);
	vdm_ring_server_mirror_idle(p->srv);
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, 0, 0, 8, &v), 0);
	vdm_bar_read(p->twin, 0, 0, 8, &want);
	assert_int_equal(v, want);
	stop(p);
}

static void a_posted_write_makes_the_copy_stale_until_the_device_catches_up(void **state)
{
	struct pair *p = start("testdev", VDM_RING_MIRROR_END /* wire 1.2: no masks */);
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
	struct pair *p = start("testdev", VDM_RING_MIRROR_END /* wire 1.2: no masks */);
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

/* ---- write-through config copy (wire 1.3) ---- */

static uint32_t twin_read(struct pair *p, uint32_t off, uint32_t size)
{
	uint32_t v = 0;

	vdm_cfg_read(p->twin, off, size, &v);
	return v;
}

static void config_writes_are_read_back_at_once_from_the_vmms_copy(void **state)
{
	struct pair *p = start("testdev,membar=4M", VDM_RING_MASKS_END);
	struct vdm_ring_client_stats st;

	(void)state;
	assert_true(vdm_ring_client_mirror_map(p->cli) & VDM_PURE_CFG_WRITES);
	assert_memory_equal(vdm_ring_client_cfg_wmask(p->cli), p->twin->res.cfg_wmask, 4096);
	assert_memory_equal(vdm_ring_client_cfg_w1cmask(p->cli), p->twin->res.cfg_w1cmask, 4096);
	/* What Linux does to size a BAR: write all-ones, read the size mask, write back. */
	assert_int_equal(vdm_ring_client_post(p->cli, VDM_RING_CFG_WRITE, 0, 0x18, 4,
					      0xffffffffu), 0);
	vdm_cfg_write(p->twin, 0x18, 4, 0xffffffffu);
	assert_int_equal(copy_read(p, 0x18, 4), twin_read(p, 0x18, 4));
	assert_int_equal(copy_read(p, 0x18, 4) & ~0xfu, 0xffc00000u); /* 4M, 64-bit pref */
	assert_int_equal(vdm_ring_client_post(p->cli, VDM_RING_CFG_WRITE, 0, 0x04, 2, 0x0006), 0);
	vdm_cfg_write(p->twin, 0x04, 2, 0x0006);
	assert_int_equal(copy_read(p, 0x04, 2), 0x0006);
	vdm_ring_client_stats(p->cli, &st);
	assert_int_equal(st.calls, 0); /* not one round trip: the writes are still queued */

	/* Random writes of every width at every offset (crossing a dword too), read back
	 * whole: the copy is what the device itself computes. */
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	for (int k = 0; k < 3000; k++) {
		static const uint32_t widths[] = { 1, 2, 4 };
		uint32_t w, off, v;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		w = widths[seed % 3];
		off = (uint32_t)(seed >> 8) % (4096 - 3);
		v = (uint32_t)(seed >> 32);
		assert_int_equal(vdm_ring_client_post(p->cli, VDM_RING_CFG_WRITE, 0, off, w, v), 0);
		vdm_cfg_write(p->twin, off, w, v);
		if (k % 500 == 499)
			for (uint32_t o = 0; o < 4096; o += 4)
				assert_int_equal(copy_read(p, o, 4), twin_read(p, o, 4));
	}
	/* ... and what the device has, once it caught up, is the same. */
	for (uint32_t o = 0; o < 4096; o += 4) {
		uint64_t v;
		int32_t status;

		assert_int_equal(vdm_ring_client_call(p->cli, VDM_RING_CFG_READ, 0, o, 4, 0, &v,
						      &status), 0);
		assert_int_equal(v, twin_read(p, o, 4));
	}
	stop(p);
}

static void a_reset_sets_the_copy_aside_until_the_mirror_is_current(void **state)
{
	struct pair *p = start("testdev", VDM_RING_MASKS_END);
	uint64_t v;
	int32_t st;

	(void)state;
	vdm_ring_client_post(p->cli, VDM_RING_CFG_WRITE, 0, 0x04, 2, 0x0007);
	assert_int_equal(copy_read(p, 0x04, 2), 0x0007);
	assert_int_equal(vdm_ring_client_call(p->cli, VDM_RING_RESET, 0, 0, 0, 0, &v, &st), 0);
	assert_int_equal(copy_read(p, 0x04, 2), 0); /* taken anew from the current mirror */
	/* the write after the reset is in the copy at once again */
	vdm_ring_client_post(p->cli, VDM_RING_CFG_WRITE, 0, 0x04, 2, 0x0002);
	assert_int_equal(copy_read(p, 0x04, 2), 0x0002);
	/* a reset still queued: no copy answers (the mirror is stale until the device ran) */
	assert_int_equal(vdm_ring_client_post(p->cli, VDM_RING_SHUTDOWN, 0, 0, 0, 0), 0);
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, VDM_RING_MIRROR_CFG, 4, 2, &v),
			 -EAGAIN);
	stop(p);
}

/* A root port's slot change (CONTROL, as vmm-example's device_add does it) reaches its
 * config mirror once the device is idle again (a root port keeps no write-through copy). */
static void a_control_call_makes_the_mirror_stale_until_the_device_is_idle(void **state)
{
	struct pair *p = start("pcie-root-port", VDM_RING_MASKS_END);
	uint64_t v;
	int32_t st;

	(void)state;
	assert_int_equal(vdm_ring_client_mirror_map(p->cli) & (VDM_PURE_CFG | VDM_PURE_CFG_WRITES),
			 VDM_PURE_CFG);
	assert_int_equal(vdm_ring_client_call(p->cli, VDM_RING_CONTROL, 0,
					      VDM_ROOT_PORT_CTL_SET_PRESENCE, 0,
					      1u | (uint64_t)1 << 32, &v, &st), 0);
	assert_int_equal(st, 0);
	assert_int_equal(vdm_root_port_set_presence(p->twin, true, true), 0);
	/* (the in-memory transport's pump ends in the idle refresh) */
	vdm_ring_server_mirror_idle(p->srv);
	for (uint32_t o = 0; o < 4096; o += 4)
		assert_int_equal(copy_read(p, o, 4), twin_read(p, o, 4));
	stop(p);
}

static void masks_a_device_changes_after_ready_are_not_believed(void **state)
{
	struct pair *p = start("testdev", VDM_RING_MASKS_END);

	(void)state;
	/* A hostile device makes everything writable in the shared copy of its masks: the
	 * VMM took its own at READY, so the vendor id stays read-only. */
	memset(p->mem + VDM_RING_MASKS_OFFSET, 0xff, 2 * VDM_RING_MIRROR_BYTES);
	vdm_ring_client_post(p->cli, VDM_RING_CFG_WRITE, 0, 0, 4, 0);
	assert_int_equal(copy_read(p, 0, 4), 0x00051b36u);
	stop(p);
}

static void a_device_with_read_side_effects_is_never_mirrored(void **state)
{
	/* The GED's selector register clears on read: it declares nothing pure. */
	struct pair *p = start("ged", VDM_RING_MIRROR_END /* wire 1.2: no masks */);
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
	struct pair *p = start("testdev", VDM_RING_MIRROR_END /* wire 1.2: no masks */);
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
	struct pair *p = start("testdev", VDM_RING_MIRROR_END /* wire 1.2: no masks */);
	uint64_t v;

	(void)state;
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, VDM_RING_MIRROR_CFG, 0, 4, &v), 0);
	assert_int_equal(v, 0x00051b36u);
	vdm_ring_client_fail(p->cli, VDM_RING_FAULT_DEAD);
	assert_int_equal(vdm_ring_client_mirror_read(p->cli, VDM_RING_MIRROR_CFG, 0, 4, &v),
			 -EAGAIN);
	stop(p);
}

static void a_device_built_before_abi_1_2_or_1_3_promises_less(void **state)
{
	struct vdm_device *d = make("testdev");

	(void)state;
	assert_int_not_equal(vdm_device_pure_reads(d), 0);
	d->res.struct_size = offsetof(struct vdm_resources, pure_reads); /* a 1.1 device's head */
	assert_int_equal(vdm_device_pure_reads(d), 0);
	/* a 1.2 device has no masks: its config writes are not promised to only mask */
	assert_true(d->res.pure_reads & VDM_PURE_CFG_WRITES);
	d->res.struct_size = offsetof(struct vdm_resources, cfg_wmask);
	assert_int_equal(vdm_device_pure_reads(d) & (VDM_PURE_CFG | VDM_PURE_CFG_WRITES),
			 VDM_PURE_CFG);
	/* nor has a 1.3 device that names no masks */
	d->res.struct_size = sizeof(d->res);
	d->res.cfg_w1cmask = NULL;
	assert_int_equal(vdm_device_pure_reads(d) & VDM_PURE_CFG_WRITES, 0);
	vdm_device_destroy(d);
}

/* A fresh mapping (a new memfd or anonymous memory, as the proxy makes) formatted with
 * vdm_ring_format_fresh serves like any other, and the pages of mirrors a root port does
 * not use are never touched: no memory for them (vdm_ring_format clears all 11 pages). */
static void a_fresh_mapping_serves_and_leaves_unused_mirror_pages_untouched(void **state)
{
	const size_t size = VDM_RING_MASKS_END, page = 4096, npages = size / page;
	struct pair p = { 0 }; /* for pump(): its server and device */
	struct vdm_ring_client_config cc = { .doorbell = VDM_RING_DOORBELL_NONE, .pidfd = -1,
					     .req_efd = -1, .rsp_efd = -1, .pump = pump,
					     .pump_opaque = &p };
	struct vdm_ring_server_config sc = { .req_efd = -1, .rsp_efd = -1, .notify_efd = -1 };
	struct vdm_ring_server *srv;
	struct vdm_ring_client *cli;
	struct vdm_device *dev = make("pcie-root-port,chassis=1,slot=1");
	unsigned char resident[VDM_RING_MASKS_END / 4096];
	uint8_t *mem;
	size_t n = 0;
	uint64_t id;

	(void)state;
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(mem != MAP_FAILED);
	assert_int_equal(vdm_ring_format_fresh(mem, size, VDM_RING_DOORBELL_NONE), 0);
	assert_int_equal(vdm_ring_format_fresh(mem, VDM_RING_MIN_SIZE - 1, VDM_RING_DOORBELL_NONE),
			 -EINVAL);
	assert_int_equal(vdm_ring_server_new(mem, size, &sc, &srv), 0);
	p.srv = srv;
	p.dev = dev;
	assert_int_equal(vdm_ring_client_new(mem, size, &cc, &cli), 0);
	vdm_ring_server_mirror_setup(srv, dev);
	vdm_ring_server_ready(srv);
	assert_int_equal(vdm_ring_client_wait_ready(cli, 0), 0);
	vdm_ring_server_mirror_idle(srv);
	/* the vendor and device id, from the copy the device keeps in the mapping */
	assert_int_equal(vdm_ring_client_mirror_read(cli, VDM_RING_MIRROR_CFG, 0, 4, &id), 0);
	assert_int_equal(id, 0x000c1b36u);
	assert_int_equal(mincore(mem, size, resident), 0);
	for (size_t i = 0; i < npages; i++)
		n += resident[i] & 1;
	print_message("%zu of %zu ring pages touched by a root port\n", n, npages);
	assert_true(n < npages);
	/* region 5's copy: a root port has no BAR 5, so that page was never touched */
	assert_int_equal(resident[vdm_ring_mirror_offset(5) / page] & 1, 0);
	vdm_ring_client_free(cli);
	vdm_ring_server_free(srv);
	vdm_device_destroy(dev);
	munmap(mem, size);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(testdev_config_and_bars_come_from_the_mirror_and_equal_the_device),
		cmocka_unit_test(region_copies_are_filled_after_ready),
		cmocka_unit_test(a_posted_write_makes_the_copy_stale_until_the_device_catches_up),
		cmocka_unit_test(a_reset_refreshes_the_copy),
		cmocka_unit_test(config_writes_are_read_back_at_once_from_the_vmms_copy),
		cmocka_unit_test(a_reset_sets_the_copy_aside_until_the_mirror_is_current),
		cmocka_unit_test(a_control_call_makes_the_mirror_stale_until_the_device_is_idle),
		cmocka_unit_test(masks_a_device_changes_after_ready_are_not_believed),
		cmocka_unit_test(a_device_with_read_side_effects_is_never_mirrored),
		cmocka_unit_test(a_mapping_without_room_for_mirrors_keeps_none),
		cmocka_unit_test(misaligned_wide_or_far_reads_take_the_ring),
		cmocka_unit_test(a_failed_client_never_answers_from_the_copy),
		cmocka_unit_test(a_device_built_before_abi_1_2_or_1_3_promises_less),
		cmocka_unit_test(a_fresh_mapping_serves_and_leaves_unused_mirror_pages_untouched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
