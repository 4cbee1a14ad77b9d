/* Unit tests of libvdm-fuzz's checks: a device that breaks one rule each (a property picks
 * which) is reported under that rule's invariant name; honest devices are not reported. */
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
#include <vdm/fuzz.h>
#include <vdm/ged.h>
#include <vdm/pci.h>
#include <vdm/props.h>

/* ---- a device with one bug, chosen by its "bug" property ------------------------------ */

enum bug {
	BUG_NONE,
	BUG_READ_ONLY,   /* a config write to 0x40 changes the device id */
	BUG_RESET,       /* reset leaves memory decoding on */
	BUG_UNDECLARED,  /* region 3 (not declared) answers reads */
	BUG_ACCESS,      /* a config read of 3 bytes is answered */
	BUG_IRQ,         /* a register write raises INTx without a pin */
	BUG_CONTROL,     /* host control returns 5 */
	BUG_BAR,         /* BAR0 sizes as 8 KiB, declared 4 KiB */
	BUG_DECLARATION, /* interrupt pin in config space, no line declared */
	BUG_PURE,        /* promises VDM_PURE_REGION(0), reads count */
	BUG_WIDTH,       /* a 1-byte register read gives 9 bits */
};

struct liar {
	struct vdm_pci_function f;
	uint32_t bug, scratch, reads;
};

static int liar_cfg_read(struct vdm_device *dev, uint32_t off, uint32_t size, uint32_t *v)
{
	struct liar *l = (struct liar *)dev;

	if (l->bug == BUG_ACCESS && size == 3) {
		*v = 0;
		return 0;
	}
	return vdm_pci_function_cfg_read(dev, off, size, v);
}

static int liar_cfg_write(struct vdm_device *dev, uint32_t off, uint32_t size, uint32_t v)
{
	struct liar *l = (struct liar *)dev;

	if (l->bug == BUG_READ_ONLY && off == 0x40)
		vdm_pci_config_set16(&l->f.cfg, VDM_PCI_DEVICE_ID, 0xdead);
	return vdm_pci_function_cfg_write(dev, off, size, v);
}

static int liar_bar_read(struct vdm_device *dev, uint32_t bar, uint64_t off, uint32_t size,
			 uint64_t *v)
{
	struct liar *l = (struct liar *)dev;

	if (l->bug == BUG_UNDECLARED && bar == 3) {
		*v = 0;
		return 0;
	}
	if (bar != 0 || (size != 1 && size != 4) || off + size > 4096) {
		*v = vdm_fuzz_ones(size);
		return -EINVAL;
	}
	*v = size == 1 ? (l->bug == BUG_WIDTH ? 0x1ff : 0) : l->scratch;
	if (l->bug == BUG_PURE)
		*v = l->reads++ & 0xff;
	return 0;
}

static int liar_bar_write(struct vdm_device *dev, uint32_t bar, uint64_t off, uint32_t size,
			  uint64_t v)
{
	struct liar *l = (struct liar *)dev;

	if (bar != 0 || size != 4 || off + size > 4096)
		return -EINVAL;
	l->scratch = (uint32_t)v;
	if (l->bug == BUG_IRQ)
		vdm_device_set_irq(dev, 0, 1);
	return 0;
}

static void liar_reset(struct vdm_device *dev)
{
	struct liar *l = (struct liar *)dev;

	vdm_pci_config_reset(&l->f.cfg);
	if (l->bug == BUG_RESET)
		vdm_pci_config_set16(&l->f.cfg, VDM_PCI_COMMAND, VDM_PCI_COMMAND_MEMORY);
	l->scratch = 0;
}

static int liar_control(struct vdm_device *dev, uint32_t op, uint32_t a0, uint32_t a1,
			uint64_t *res)
{
	return ((struct liar *)dev)->bug == BUG_CONTROL ? 5 : -EOPNOTSUPP;
}

static void liar_destroy(struct vdm_device *dev)
{
	free(dev);
}

static const struct vdm_device_ops liar_ops = {
	VDM_STRUCT_HEAD(struct vdm_device_ops),
	.cfg_read = liar_cfg_read,
	.cfg_write = liar_cfg_write,
	.bar_read = liar_bar_read,
	.bar_write = liar_bar_write,
	.reset = liar_reset,
	.destroy = liar_destroy,
	.control = liar_control,
};

static const struct vdm_prop_desc liar_props[] = {
	{ .name = "bug", .type = VDM_PROP_U32, .max = BUG_WIDTH, .help = "which rule to break" },
};

static int liar_create(const struct vdm_prop_values *props, const struct vdm_host *host,
		       struct vdm_device **out, char *err, size_t err_len);

static const struct vdm_device_type liar_type = {
	VDM_STRUCT_HEAD(struct vdm_device_type),
	.name = "liar",
	.summary = "breaks one rule of pci.h / device.h",
	.props_schema = liar_props,
	.num_props = 1,
	.bus_kind = VDM_BUS_PCI_ENDPOINT,
	.create = liar_create,
};

static int liar_create(const struct vdm_prop_values *props, const struct vdm_host *host,
		       struct vdm_device **out, char *err, size_t err_len)
{
	struct liar *l = calloc(1, sizeof(*l));
	struct vdm_pci_ids ids = { .vendor = 0x1b36, .device = 0x0bad, .class_code = 0xff0000 };

	(void)err;
	(void)err_len;
	if (!l)
		return -ENOMEM;
	l->bug = (uint32_t)vdm_props_num(props, "bug", BUG_NONE);
	ids.int_pin = l->bug == BUG_DECLARATION;
	vdm_device_init(&l->f.dev, &liar_ops, &liar_type, host);
	vdm_pci_config_init(&l->f.cfg, &ids);
	vdm_pci_config_add_bar(&l->f.cfg, 0, VDM_REGION_MEM32, 0, 4096);
	if (l->bug == BUG_BAR)
		vdm_pci_config_set_wmask(&l->f.cfg, VDM_PCI_BAR0, 4, 0xffffe000u);
	vdm_pci_config_seal(&l->f.cfg);
	vdm_pci_config_fill_resources(&l->f.cfg, &l->f.dev.res);
	l->f.dev.res.num_irqs = 0; /* BUG_DECLARATION: the pin says 1 */
	if (l->bug == BUG_PURE)
		l->f.dev.res.pure_reads = VDM_PURE_REGION(0);
	*out = &l->f.dev;
	return 0;
}

/* ---- running it ---------------------------------------------------------------------- */

struct seen {
	unsigned n;
	char invariant[32];
	char text[800];
};

static void record(void *opaque, const char *invariant, const char *text)
{
	struct seen *s = opaque;

	if (!s->n++) {
		snprintf(s->invariant, sizeof(s->invariant), "%s", invariant);
		snprintf(s->text, sizeof(s->text), "%s", text);
	}
}

/* Run `in` through a fresh runner for `type` with properties `spec`; what the first finding
 * was goes to *s.  Returns the runner's count. */
static int run(const struct vdm_device_type *type, const char *spec, const uint8_t *in,
	       size_t len, struct seen *s)
{
	struct vdm_fuzz_config cfg = { VDM_STRUCT_HEAD(struct vdm_fuzz_config) };
	struct vdm_fuzz *fz;
	char err[256];
	int n;

	memset(s, 0, sizeof(*s));
	cfg.type = type;
	cfg.spec = spec;
	cfg.sink.fn = record;
	cfg.sink.opaque = s;
	assert_int_equal(vdm_fuzz_open(&cfg, &fz, err, sizeof(err)), 0);
	n = vdm_fuzz_run(fz, in, len);
	vdm_fuzz_close(fz);
	return n;
}

/* The device with bug `bug` and input `in` is reported under `invariant`, once. */
static void expect(unsigned bug, const uint8_t *in, size_t len, const char *invariant)
{
	struct seen s;
	char spec[32];
	int n;

	snprintf(spec, sizeof(spec), "bug=%u", bug);
	n = run(&liar_type, spec, in, len, &s);
	printf("bug %u: [%s] %s\n", bug, s.invariant, s.text);
	assert_int_equal(n, 1);
	assert_string_equal(s.invariant, invariant);
	assert_non_null(strstr(s.text, "liar: "));
}

/* Op bytes (fuzz/README.md, "The op stream"). */
static const uint8_t cfg_write_0x40[] = { 12, 0x06, 0x40, 1, 0, 0, 0 };
static const uint8_t reset_op[] = { 9 };
static const uint8_t read_region3[] = { 5, 3, 0, 0, 2 };
static const uint8_t cfg_read_size3[] = { 0, 0, 0, 0xe3 };
static const uint8_t reg_write_0[] = { 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 };
static const uint8_t control_op[] = { 10, 0xff, 1, 0, 0, 0, 3, 0, 0 };
static const uint8_t reg_read_0[] = { 7, 0, 0, 0 };
static const uint8_t reg_read_byte[] = { 7, 5, 0, 0 };

static void honest_device_and_inputs_give_no_finding(void **state)
{
	static const uint8_t *const inputs[] = { cfg_write_0x40, reset_op, read_region3,
						 cfg_read_size3, reg_write_0, control_op,
						 reg_read_0, reg_read_byte };
	static const size_t lens[] = { sizeof(cfg_write_0x40), sizeof(reset_op),
				       sizeof(read_region3), sizeof(cfg_read_size3),
				       sizeof(reg_write_0), sizeof(control_op),
				       sizeof(reg_read_0), sizeof(reg_read_byte) };
	struct seen s;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		assert_int_equal(run(&liar_type, "bug=0", inputs[i], lens[i], &s), 0);
		assert_int_equal(s.n, 0);
	}
}

static void changed_device_id_is_read_only(void **state)
{
	(void)state;
	expect(BUG_READ_ONLY, cfg_write_0x40, sizeof(cfg_write_0x40), VDM_FUZZ_INV_READ_ONLY);
}

static void reset_that_keeps_a_bit_is_reset_image(void **state)
{
	(void)state;
	expect(BUG_RESET, reset_op, sizeof(reset_op), VDM_FUZZ_INV_RESET);
}

static void answer_from_undeclared_region_is_undeclared_region(void **state)
{
	(void)state;
	expect(BUG_UNDECLARED, read_region3, sizeof(read_region3), VDM_FUZZ_INV_UNDECLARED);
}

static void three_byte_config_read_is_access_contract(void **state)
{
	(void)state;
	expect(BUG_ACCESS, cfg_read_size3, sizeof(cfg_read_size3), VDM_FUZZ_INV_ACCESS);
}

static void interrupt_without_a_line_is_interrupt(void **state)
{
	(void)state;
	expect(BUG_IRQ, reg_write_0, sizeof(reg_write_0), VDM_FUZZ_INV_INTERRUPT);
}

static void positive_control_status_is_control(void **state)
{
	(void)state;
	expect(BUG_CONTROL, control_op, sizeof(control_op), VDM_FUZZ_INV_CONTROL);
}

static void bar_of_other_size_is_bar_sizing(void **state)
{
	(void)state;
	expect(BUG_BAR, NULL, 0, VDM_FUZZ_INV_BAR_SIZING);
}

static void pin_without_line_is_declaration(void **state)
{
	(void)state;
	expect(BUG_DECLARATION, NULL, 0, VDM_FUZZ_INV_DECLARATION);
}

static void pure_region_read_with_side_effect_is_pure_promise(void **state)
{
	(void)state;
	expect(BUG_PURE, reg_read_0, sizeof(reg_read_0), VDM_FUZZ_INV_PURE);
}

static void value_wider_than_access_is_access_contract(void **state)
{
	(void)state;
	expect(BUG_WIDTH, reg_read_byte, sizeof(reg_read_byte), VDM_FUZZ_INV_ACCESS);
}

/* Every libvdm type, 300 seeded random inputs each: no finding (the checks hold on honest
 * devices, the GED's read-to-clear registers and the root port's host control included). */
static void builtin_types_random_inputs_no_finding(void **state)
{
	const struct vdm_device_type *types[] = { &vdm_testdev_type, &vdm_root_port_type,
						  &vdm_ged_type, &vdm_host_bridge_type };
	uint8_t buf[512];
	uint64_t x = 1;
	struct seen s;
	unsigned t, i, k;

	(void)state;
	for (t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		for (i = 0; i < 300; i++) {
			for (k = 0; k < sizeof(buf); k++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				buf[k] = (uint8_t)x;
			}
			run(types[t], NULL, buf, (x >> 8) % sizeof(buf), &s);
			if (s.n)
				fail_msg("%s, input %u: [%s] %s", types[t]->name, i, s.invariant,
					 s.text);
		}
}

static void bad_options_and_specs_say_why(void **state)
{
	struct vdm_fuzz_config cfg = { VDM_STRUCT_HEAD(struct vdm_fuzz_config) };
	struct vdm_fuzz *fz = (struct vdm_fuzz *)1;
	char err[256] = "";

	(void)state;
	assert_int_equal(vdm_fuzz_option(&cfg, "--ops=0", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "--ops=0: give a number from 1 to 65536");
	assert_int_equal(vdm_fuzz_option(&cfg, "--control-family=0x10000", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(vdm_fuzz_option(&cfg, "-max_len=9", err, sizeof(err)), 0);
	assert_int_equal(vdm_fuzz_option(&cfg, "--sandbox", err, sizeof(err)), 1);
	assert_true(cfg.sandbox);
	assert_int_equal(vdm_fuzz_option(&cfg, "--plugin=-", err, sizeof(err)), 1);
	assert_null(cfg.plugin);

	memset(&cfg, 0, sizeof(cfg));
	cfg.struct_size = sizeof(cfg);
	cfg.abi_version = VDM_ABI_VERSION;
	cfg.type = &liar_type;
	cfg.spec = "bug=x";
	assert_int_not_equal(vdm_fuzz_open(&cfg, &fz, err, sizeof(err)), 0);
	assert_null(fz);
	assert_non_null(strstr(err, "bug=x"));
	cfg.type = NULL;
	cfg.plugin = "/nonexistent/p.so";
	cfg.spec = "x";
	assert_int_equal(vdm_fuzz_open(&cfg, &fz, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/p.so"));
	cfg.plugin = NULL;
	cfg.spec = "frobdev";
	assert_int_not_equal(vdm_fuzz_open(&cfg, &fz, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "frobdev"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(honest_device_and_inputs_give_no_finding),
		cmocka_unit_test(changed_device_id_is_read_only),
		cmocka_unit_test(reset_that_keeps_a_bit_is_reset_image),
		cmocka_unit_test(answer_from_undeclared_region_is_undeclared_region),
		cmocka_unit_test(three_byte_config_read_is_access_contract),
		cmocka_unit_test(interrupt_without_a_line_is_interrupt),
		cmocka_unit_test(positive_control_status_is_control),
		cmocka_unit_test(bar_of_other_size_is_bar_sizing),
		cmocka_unit_test(pin_without_line_is_declaration),
		cmocka_unit_test(pure_region_read_with_side_effect_is_pure_promise),
		cmocka_unit_test(value_wider_than_access_is_access_contract),
		cmocka_unit_test(builtin_types_random_inputs_no_finding),
		cmocka_unit_test(bad_options_and_specs_say_why),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
