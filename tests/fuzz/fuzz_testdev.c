/* libFuzzer target: pci-testdev ("testdev", membar from the input) driven by an op stream of
 * config and BAR accesses, BAR re-programming and resets, checked against the protocol. */
#include <errno.h>
#include <string.h>

#include <vdm/devices.h>
#include <vdm/pci.h>
#include <vdm/props.h>

#include "fuzz_input.h"

/*
 * Input: byte 0 picks how the device is made (parsed "membar=..." or hand-built props),
 * then the membar value; the rest is ops, each an opcode byte and its fields (fuzz_input.h
 * readers).  Invariants (abort on violation):
 *  - create succeeds exactly for membar 0 or a power of two in 16..64T, through the parser
 *    and with hand-built props alike; the declared regions are BAR0 MEM32 4K, BAR1 IO 256,
 *    BAR2 MEM64 prefetchable of membar bytes;
 *  - the pci.h config contract, read-only header fields, BAR sizing (libvdm-fuzz: fuzz/pci_check.c);
 *  - BAR accesses: a bad region/size/offset reads all-ones and returns -EINVAL/-ERANGE as
 *    testdev.c documents; good ones match a model of the kvm-unit-tests protocol
 *    (header bytes, test index, hit counter);
 *  - reset restores the power-on config space and stops the current test;
 *  - the device never raises an interrupt (it has no INTx pin).
 */

#define TD_BAR0_SIZE 4096u
#define TD_BAR1_SIZE 256u
#define TD_MEMBAR_MAX (1ull << 46)
#define TD_MAX_OPS 512

/* ---- protocol model (from testdev.c's description and kvm-unit-tests) ----------------- */

struct td_model {
	int current;        /* test index 0..5, -1 = none */
	uint32_t count[6];  /* hits of each test since it was started */
};

static const char *const td_names[6] = {
	"mmio-no-eventfd",     "mmio-wildcard-eventfd",     "mmio-datamatch-eventfd",
	"portio-no-eventfd",   "portio-wildcard-eventfd",   "portio-datamatch-eventfd",
};

static uint32_t td_test_offset(int t)
{
	return (t < 3 ? TD_BAR0_SIZE : TD_BAR1_SIZE) / 2 + (uint32_t)t;
}

static uint8_t td_test_data(int t)
{
	return t % 3 == 1 ? 0xce : 0xfa;
}

static uint8_t td_model_byte(const struct td_model *m, uint64_t addr)
{
	int t = m->current;
	uint64_t bufsize;

	if (t < 0)
		return 0;
	bufsize = 16 + strlen(td_names[t]) + 1;
	if (addr + 1 >= bufsize)
		return 0;
	switch (addr) {
	case 0:
		return (uint8_t)t;
	case 1:
		return 1; /* width */
	case 4: case 5: case 6: case 7:
		return (uint8_t)(td_test_offset(t) >> (8 * (addr - 4)));
	case 8:
		return td_test_data(t);
	case 12: case 13: case 14: case 15:
		return (uint8_t)(m->count[t] >> (8 * (addr - 12)));
	default:
		return addr >= 16 ? (uint8_t)td_names[t][addr - 16] : 0;
	}
}

static void td_model_write(struct td_model *m, int bar, uint64_t addr, uint8_t v)
{
	int t;

	if (addr == 0) {
		m->current = v < 3 ? bar * 3 + v : -1;
		if (m->current >= 0)
			m->count[m->current] = 0;
		return;
	}
	t = m->current;
	if (t < 0 || addr != td_test_offset(t))
		return;
	if (t % 3 != 1 && v != td_test_data(t))
		return;
	m->count[t]++;
}

/* ---- the target ------------------------------------------------------------------------- */

struct td_state {
	struct vdm_device *dev;
	struct vdm_fuzz_pci pci;
	struct td_model model;
	uint64_t membar;
	unsigned irq_calls;
};

static void td_set_irq(void *opaque, uint32_t line, uint32_t level)
{
	((struct td_state *)opaque)->irq_calls++;
}

/* Pick a membar: mostly powers of two around the limits, sometimes anything. */
static uint64_t td_pick_membar(struct vdm_fuzz_in *f)
{
	uint8_t b = vdm_fuzz_u8(f);

	switch (b >> 6) {
	case 0:
		return 0;
	case 1:
	case 2:
		return 1ull << (b % 48);
	default:
		if (!(b & 1))
			return vdm_fuzz_u64(f);
		b = vdm_fuzz_u8(f); /* a power of two, or one off it */
		return (1ull << (b % 64)) + (vdm_fuzz_u8(f) % 3) - 1;
	}
}

static bool td_membar_ok(uint64_t v)
{
	return v == 0 || (!(v & (v - 1)) && v >= 16 && v <= TD_MEMBAR_MAX);
}

static struct vdm_device *td_create(struct td_state *s, struct vdm_fuzz_in *f)
{
	const struct vdm_host host = { VDM_STRUCT_HEAD(struct vdm_host), .opaque = s,
				       .set_irq = td_set_irq };
	struct vdm_prop_values pv;
	struct vdm_device *dev = NULL;
	bool parsed = vdm_fuzz_u8(f) & 1;
	char text[64], err[160] = "";
	uint64_t v = td_pick_membar(f);
	int r;

	if (parsed) {
		snprintf(text, sizeof(text), "membar=%llu", (unsigned long long)v);
		r = vdm_props_parse_args(text, &vdm_testdev_type, NULL, 0, &pv, err, sizeof(err));
		FUZZ_CHECK((r == 0) == (v <= TD_MEMBAR_MAX && !(v & (v - 1))),
			   "parser said %d (%s) to %s", r, err, text);
		if (r)
			return NULL;
	} else {
		/* A host may build props by hand: create() must check them itself. */
		memset(&pv, 0, sizeof(pv));
		pv.count = 1;
		pv.v[0].desc = &vdm_testdev_type.props_schema[0];
		pv.v[0].num = v;
	}
	r = vdm_testdev_type.create(&pv, &host, &dev, err, sizeof(err));
	FUZZ_CHECK((r == 0) == td_membar_ok(v), "create with membar=%#llx returned %d (%s)",
		   (unsigned long long)v, r, err);
	if (r) {
		FUZZ_CHECK(dev == NULL && err[0], "failed create left a device or no error text");
		return NULL;
	}
	s->membar = v;
	return dev;
}

static void td_check_resources(const struct td_state *s)
{
	const struct vdm_resources *res = &s->dev->res;

	FUZZ_CHECK(res->bus_kind == VDM_BUS_PCI_ENDPOINT && res->num_irqs == 0,
		   "testdev declares bus %u irqs %u", res->bus_kind, res->num_irqs);
	FUZZ_CHECK(res->regions[0].kind == VDM_REGION_MEM32 && res->regions[0].size == TD_BAR0_SIZE,
		   "BAR0 declared wrong");
	FUZZ_CHECK(res->regions[1].kind == VDM_REGION_IO && res->regions[1].size == TD_BAR1_SIZE,
		   "BAR1 declared wrong");
	if (s->membar)
		FUZZ_CHECK(res->regions[2].kind == VDM_REGION_MEM64 &&
				   res->regions[2].flags == VDM_REGION_PREFETCHABLE &&
				   res->regions[2].size == s->membar,
			   "BAR2 declared %u/%#llx for membar=%#llx", res->regions[2].kind,
			   (unsigned long long)res->regions[2].size, (unsigned long long)s->membar);
	else
		FUZZ_CHECK(res->regions[2].kind == VDM_REGION_NONE, "BAR2 declared without membar");
	FUZZ_CHECK(res->regions[3].kind == VDM_REGION_NONE && res->regions[4].kind == VDM_REGION_NONE &&
			   res->regions[5].kind == VDM_REGION_NONE,
		   "testdev declares regions 3..5");
}

/* The errno testdev.c documents for a BAR access (0 when it is handled). */
static int td_expect_bar_rc(const struct td_state *s, uint32_t region, uint64_t off,
			    uint32_t size)
{
	uint64_t limit;

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -EINVAL;
	if (region == 0)
		limit = TD_BAR0_SIZE;
	else if (region == 1)
		limit = TD_BAR1_SIZE;
	else if (region == 2 && s->membar)
		limit = s->membar;
	else
		return -EINVAL;
	return (off >= limit || size > limit - off) ? -ERANGE : 0;
}

static void td_bar_read(struct td_state *s, uint32_t region, uint64_t off, uint32_t size)
{
	int want = td_expect_bar_rc(s, region, off, size);
	uint64_t v = 0x5a5a5a5a5a5a5a5aull, model = 0;
	uint32_t i;
	int r = vdm_bar_read(s->dev, region, off, size, &v);

	FUZZ_CHECK(r == want, "BAR read region=%u off=%#llx size=%u returned %d, want %d",
		   region, (unsigned long long)off, size, r, want);
	if (want) {
		FUZZ_CHECK((v & vdm_fuzz_ones(size)) == vdm_fuzz_ones(size),
			   "refused BAR read region=%u size=%u gave %#llx, not all-ones", region,
			   size, (unsigned long long)v);
		return;
	}
	if (region < 2)
		for (i = 0; i < size; i++)
			model |= (uint64_t)td_model_byte(&s->model, off + i) << (8 * i);
	FUZZ_CHECK(v == model, "BAR%u read off=%#llx size=%u gave %#llx, protocol says %#llx",
		   region, (unsigned long long)off, size, (unsigned long long)v,
		   (unsigned long long)model);
}

static void td_bar_write(struct td_state *s, uint32_t region, uint64_t off, uint32_t size,
			 uint64_t v)
{
	int want = td_expect_bar_rc(s, region, off, size);
	uint32_t i;
	int r = vdm_bar_write(s->dev, region, off, size, v);

	FUZZ_CHECK(r == want, "BAR write region=%u off=%#llx size=%u returned %d, want %d",
		   region, (unsigned long long)off, size, r, want);
	if (want || region >= 2)
		return;
	/* Split into bytes, low address first, as QEMU's max_access_size 1 does. */
	for (i = 0; i < size; i++)
		td_model_write(&s->model, (int)region, off + i, (uint8_t)(v >> (8 * i)));
}

static uint32_t td_pick_region(struct vdm_fuzz_in *f)
{
	uint8_t b = vdm_fuzz_u8(f);

	return b < 0xf8 ? b % 4 : (b == 0xff ? vdm_fuzz_u32(f) : b);
}

static uint64_t td_region_size(const struct td_state *s, uint32_t region)
{
	return region == 0 ? TD_BAR0_SIZE : region == 1 ? TD_BAR1_SIZE
		: region == 2 && s->membar ? s->membar : 64;
}

static void td_op(struct td_state *s, struct vdm_fuzz_in *f)
{
	uint8_t op = vdm_fuzz_u8(f) % 10;
	uint32_t region, size;
	uint64_t off;

	if (vdm_fuzz_pci_op(&s->pci, op, f))
		return;
	switch (op) {
	case 5: /* BAR read */
		region = td_pick_region(f);
		off = vdm_fuzz_offset(f, td_region_size(s, region));
		size = vdm_fuzz_access_size(f);
		td_bar_read(s, region, off, size);
		break;
	case 6: /* BAR write */
		region = td_pick_region(f);
		off = vdm_fuzz_offset(f, td_region_size(s, region));
		size = vdm_fuzz_access_size(f);
		td_bar_write(s, region, off, size, vdm_fuzz_u64(f));
		break;
	case 7: /* start a test: one byte at offset 0 of BAR0/1 */
		region = vdm_fuzz_u8(f) & 1;
		td_bar_write(s, region, 0, 1, vdm_fuzz_u8(f) % 5);
		break;
	case 8: /* hit the current test's offset with a byte (the match byte or another) */
		if (s->model.current >= 0) {
			uint8_t b = vdm_fuzz_u8(f);

			td_bar_write(s, (uint32_t)s->model.current / 3,
				     td_test_offset(s->model.current), 1,
				     (b & 1) ? td_test_data(s->model.current) : b);
		}
		break;
	default: /* 9: reset */
		vdm_device_reset(s->dev);
		s->model.current = -1;
		vdm_fuzz_pci_check_space(&s->pci, s->pci.power_on, VDM_FUZZ_INV_RESET,
					 "after reset");
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct td_state *s = calloc(1, sizeof(*s));
	struct vdm_fuzz_in f;
	int n;

	if (!s)
		return 0;
	vdm_fuzz_in_init(&f, data, size);
	s->dev = td_create(s, &f);
	if (!s->dev) {
		free(s);
		return 0;
	}
	s->model.current = -1;
	td_check_resources(s);
	fuzz_pci_init(&s->pci, s->dev, VDM_PCI_CFG_SIZE);
	for (n = 0; n < TD_MAX_OPS && vdm_fuzz_more(&f); n++) {
		td_op(s, &f);
		vdm_fuzz_pci_check_ro(&s->pci);
	}
	vdm_fuzz_pci_check_bars(&s->pci);
	td_check_resources(s);
	FUZZ_CHECK(s->irq_calls == 0, "testdev raised its (absent) interrupt %u times",
		   s->irq_calls);
	{
		/* No host control: every op is refused and leaves the result at 0. */
		uint32_t op = vdm_fuzz_u32(&f), arg = vdm_fuzz_u32(&f);
		uint64_t res = 0;
		int r = vdm_device_control(s->dev, op, arg, 0, &res);

		FUZZ_CHECK(r == -EOPNOTSUPP && res == 0, "testdev control returned %d", r);
	}
	vdm_device_destroy(s->dev);
	free(s);
	return 0;
}
