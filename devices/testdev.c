/* pci-testdev: QEMU's 1b36:0005 test device (hw/misc/pci-testdev.c) with the kvm-unit-tests
 * protocol on BAR0 (MMIO) and BAR1 (I/O), and an optional 64-bit prefetchable BAR2. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vdm/devices.h>
#include <vdm/pci.h>
#include <vdm/props.h>

/*
 * Protocol (facts §1.3).  Each of BAR0 and BAR1 starts with a header:
 *   0 u8 test (write N = start test N of this BAR; reads back the global test index)
 *   1 u8 width (1)   4 u32 offset   8 u8 data   12 u32 count   16.. NUL-terminated name
 * Test t = bar * 3 + n; its offset is (bar ? 128 : 2048) + t; data 0xFA, except 0xCE for
 * the wildcard test n = 1, which counts a write of any value.
 * Like QEMU (impl.max_access_size = 1), every access is split into byte accesses in
 * little-endian order, so the handlers below only ever see single bytes: a wider write
 * counts once when its byte at `offset` matches (as in QEMU), and a test never sees a
 * "size".  There is one current test for the whole device, as in QEMU: reads of either
 * BAR return the current test's header.  Reads past the header read 0.
 * We have no ioeventfd, so every matching write is counted (kvm-unit-tests accepts a
 * count of 16, or 0 when an eventfd swallowed the writes).
 */

#define TESTDEV_BAR0_SIZE 4096 /* IOTEST_MEMSIZE * 2 */
#define TESTDEV_BAR1_SIZE 256  /* IOTEST_IOSIZE * 2 */
#define TESTS_PER_BAR 3
#define NUM_TESTS (2 * TESTS_PER_BAR)
#define DATA_MATCH 0xfa
#define DATA_NOMATCH 0xce
#define HDR_SIZE 16
#define BUF_MAX 48 /* header + longest name ("portio-datamatch-eventfd") + NUL */
/*
 * Largest membar: 64 TiB.  QEMU sets no limit, but a BAR must be naturally aligned inside
 * the guest-physical space, and x86-64 guests get 46..52 address bits (46 on many Intel
 * hosts, 48 with 4-level paging as the guest kernel's practical reach).  2^46 still fits
 * a 47/48-bit space above RAM; anything larger could never be placed on common hosts, and
 * the limit keeps base + size far from 64-bit overflow.  The VMM's allocator decides what
 * actually fits its 64-bit aperture.
 */
#define MEMBAR_MAX (1ull << 46)

struct iotest {
	uint8_t buf[BUF_MAX];
	uint32_t bufsize;
	bool match_data;
};

struct testdev {
	struct vdm_pci_function fn; /* must be first */
	int current;                /* global test index, -1 = none */
	uint64_t membar;
	struct iotest tests[NUM_TESTS];
};

static const char *const test_kind[TESTS_PER_BAR] = { "no-eventfd", "wildcard-eventfd",
						      "datamatch-eventfd" };
static const char *const bar_kind[2] = { "mmio", "portio" };

static struct testdev *to_testdev(struct vdm_device *dev)
{
	return (struct testdev *)dev;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void tests_init(struct testdev *d)
{
	int t;

	for (t = 0; t < NUM_TESTS; t++) {
		struct iotest *it = &d->tests[t];
		int n = t % TESTS_PER_BAR, bar = t / TESTS_PER_BAR;
		int len = snprintf((char *)it->buf + HDR_SIZE, BUF_MAX - HDR_SIZE, "%s-%s",
				   bar_kind[bar], test_kind[n]);

		it->bufsize = HDR_SIZE + (uint32_t)len + 1;
		it->match_data = n != 1;
		it->buf[0] = (uint8_t)t;
		it->buf[1] = 1; /* width */
		put32(it->buf + 4, (uint32_t)((bar ? TESTDEV_BAR1_SIZE : TESTDEV_BAR0_SIZE) / 2 + t));
		it->buf[8] = it->match_data ? DATA_MATCH : DATA_NOMATCH;
	}
	d->current = -1;
}

static uint8_t read_byte(const struct testdev *d, uint64_t addr)
{
	const struct iotest *it;

	if (d->current < 0)
		return 0;
	it = &d->tests[d->current];
	if (addr + 1 >= it->bufsize) /* QEMU: addr + size >= bufsize reads 0 */
		return 0;
	return it->buf[addr];
}

static void write_byte(struct testdev *d, int bar, uint64_t addr, uint8_t val)
{
	struct iotest *it;

	if (addr == 0) {
		d->current = -1;
		if (val >= TESTS_PER_BAR)
			return;
		d->current = bar * TESTS_PER_BAR + val;
		put32(d->tests[d->current].buf + 12, 0);
		return;
	}
	if (d->current < 0)
		return;
	it = &d->tests[d->current];
	if (addr != get32(it->buf + 4))
		return;
	if (it->match_data && val != it->buf[8])
		return;
	put32(it->buf + 12, get32(it->buf + 12) + 1);
}

/* Validate a BAR access; returns the BAR size or a negative errno. */
static int64_t check_region(const struct testdev *d, uint32_t region, uint64_t off,
			    uint32_t size)
{
	uint64_t limit;

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -EINVAL;
	switch (region) {
	case 0:
		limit = TESTDEV_BAR0_SIZE;
		break;
	case 1:
		limit = TESTDEV_BAR1_SIZE;
		break;
	case 2:
		if (!d->membar)
			return -EINVAL;
		limit = d->membar;
		break;
	default:
		return -EINVAL;
	}
	if (off >= limit || size > limit - off)
		return -ERANGE;
	return (int64_t)limit;
}

static int testdev_bar_read(struct vdm_device *dev, uint32_t region, uint64_t off,
			    uint32_t size, uint64_t *value)
{
	struct testdev *d = to_testdev(dev);
	int64_t r = check_region(d, region, off, size);
	uint32_t i;

	if (r < 0) {
		*value = UINT64_MAX;
		return (int)r;
	}
	*value = 0;
	if (region == 2) /* membar: no backing, reads 0 */
		return 0;
	for (i = 0; i < size; i++)
		*value |= (uint64_t)read_byte(d, off + i) << (8 * i);
	return 0;
}

static int testdev_bar_write(struct vdm_device *dev, uint32_t region, uint64_t off,
			     uint32_t size, uint64_t value)
{
	struct testdev *d = to_testdev(dev);
	int64_t r = check_region(d, region, off, size);
	uint32_t i;

	if (r < 0)
		return (int)r;
	if (region == 2) /* membar: writes are dropped */
		return 0;
	for (i = 0; i < size; i++)
		write_byte(d, (int)region, off + i, (uint8_t)(value >> (8 * i)));
	return 0;
}

static void testdev_reset(struct vdm_device *dev)
{
	struct testdev *d = to_testdev(dev);

	vdm_pci_config_reset(&d->fn.cfg);
	d->current = -1;
}

static void testdev_destroy(struct vdm_device *dev)
{
	free(dev);
}

static const struct vdm_device_ops testdev_ops = {
	VDM_STRUCT_HEAD(struct vdm_device_ops),
	.cfg_read = vdm_pci_function_cfg_read,
	.cfg_write = vdm_pci_function_cfg_write,
	.bar_read = testdev_bar_read,
	.bar_write = testdev_bar_write,
	.reset = testdev_reset,
	.destroy = testdev_destroy,
};

static const struct vdm_prop_desc testdev_props[] = {
	{ .name = "membar",
	  .type = VDM_PROP_SIZE,
	  .flags = VDM_PROP_POW2,
	  .min = 0,
	  .max = MEMBAR_MAX,
	  .help = "size of the 64-bit prefetchable BAR2 (power of two, 16 bytes..64T; "
		  "0 or absent = no BAR2), e.g. 4M, 1G, 64G" },
};

static int testdev_create(const struct vdm_prop_values *props, const struct vdm_host *host,
			  struct vdm_device **out, char *err, size_t err_len)
{
	static const struct vdm_pci_ids ids = {
		.vendor = VDM_PCI_VENDOR_REDHAT,
		.device = VDM_PCI_DEVICE_REDHAT_TEST,
		/* QEMU's class_id = PCI_CLASS_OTHERS (0xff) fills the 16-bit sub-class/base
		 * field: sub-class 0xff, base class 0x00 ("unclassified"), prog-if 0. */
		.class_code = 0x00ff00,
		.revision = 0,
		.header_type = VDM_PCI_HEADER_TYPE_NORMAL,
		.int_pin = 0,
		.express = false, /* a conventional PCI device, as in QEMU */
		.subsys_vendor = VDM_PCI_SUBVENDOR_QUMRANET,
		.subsys_id = VDM_PCI_SUBDEVICE_QEMU,
	};
	uint64_t membar = props ? vdm_props_num(props, "membar", 0) : 0;
	struct testdev *d;
	int r;

	*out = NULL;
	r = vdm_props_check(props, err, err_len);
	if (r)
		return r;
	/* The parser enforces pow2 and the maximum; repeat the checks for hand-built props. */
	if (membar && ((membar & (membar - 1)) || membar < 16 || membar > MEMBAR_MAX)) {
		snprintf(err, err_len,
			 "membar=%llu: size must be a power of two between 16 and 64T (or 0 for "
			 "no BAR2)",
			 (unsigned long long)membar);
		return -EINVAL;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, err_len, "testdev: out of memory");
		return -ENOMEM;
	}
	vdm_device_init(&d->fn.dev, &testdev_ops, &vdm_testdev_type, host);
	r = vdm_pci_config_init(&d->fn.cfg, &ids);
	if (!r)
		r = vdm_pci_config_add_bar(&d->fn.cfg, 0, VDM_REGION_MEM32, 0, TESTDEV_BAR0_SIZE);
	if (!r)
		r = vdm_pci_config_add_bar(&d->fn.cfg, 1, VDM_REGION_IO, 0, TESTDEV_BAR1_SIZE);
	if (!r && membar)
		r = vdm_pci_config_add_bar(&d->fn.cfg, 2, VDM_REGION_MEM64,
					   VDM_REGION_PREFETCHABLE, membar);
	if (r) {
		snprintf(err, err_len, "testdev: config space setup failed (%d)", r);
		free(d);
		return r;
	}
	vdm_pci_config_seal(&d->fn.cfg);
	vdm_pci_config_fill_resources(&d->fn.cfg, &d->fn.dev.res);
	/* Config space and the three BARs read without side effects (the protocol acts on
	 * writes only), byte by byte: a sandbox may mirror them.  Config writes go straight to
	 * the PCI core, which only applies its masks: a sandbox may keep its own copy. */
	d->fn.dev.res.pure_reads = VDM_PURE_CFG | VDM_PURE_CFG_WRITES | VDM_PURE_REGION(0) |
				   VDM_PURE_REGION(1) | (membar ? VDM_PURE_REGION(2) : 0);
	d->fn.dev.res.cfg_wmask = d->fn.cfg.wmask;
	d->fn.dev.res.cfg_w1cmask = d->fn.cfg.w1cmask;
	d->membar = membar;
	tests_init(d);
	*out = &d->fn.dev;
	return 0;
}

const struct vdm_device_type vdm_testdev_type = {
	VDM_STRUCT_HEAD(struct vdm_device_type),
	.name = "pci-testdev", /* QEMU's name; "testdev", vdm's former one, is an alias */
	.summary = "QEMU pci-testdev (1b36:0005): BAR0 MMIO and BAR1 I/O test protocol, "
		   "optional 64-bit prefetchable BAR2 (membar=SIZE)",
	.props_schema = testdev_props,
	.num_props = sizeof(testdev_props) / sizeof(testdev_props[0]),
	.bus_kind = VDM_BUS_PCI_ENDPOINT,
	.create = testdev_create,
};
