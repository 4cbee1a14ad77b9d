/* Readers of structs from older or hostile peers (abi.h): a device built against older
 * headers gets its own smaller head, and a too-small size is refused, never read past. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vdm/devices.h>
#include <vdm/pci.h>
#include <vdm/plugin.h>
#include <vdm/props.h>

#define CANARY 0xa5
#define TAIL 64 /* bytes of "private state" after a simulated older device's head */

static int never_called(struct vdm_device *dev, uint32_t op, uint32_t a0, uint32_t a1,
			uint64_t *result)
{
	(void)dev, (void)op, (void)a0, (void)a1, (void)result;
	fail_msg("a 1.0 ops table has no control handler: the host must not call past its end");
	return 0;
}

static int bar_read(struct vdm_device *d, uint32_t r, uint64_t o, uint32_t s, uint64_t *v)
{
	(void)d, (void)r, (void)o, (void)s;
	*v = 0;
	return 0;
}

static int bar_write(struct vdm_device *d, uint32_t r, uint64_t o, uint32_t s, uint64_t v)
{
	(void)d, (void)r, (void)o, (void)s, (void)v;
	return 0;
}

static void nop(struct vdm_device *d)
{
	(void)d;
}

/* The ops table of a PCI device built against the 1.0 headers: 56 bytes, version 1.0.  The
 * control slot this build's struct has is filled to show it is never looked at. */
static const struct vdm_device_ops ops_1_0 = {
	.struct_size = VDM_DEVICE_OPS_SIZE_1_0,
	.abi_version = VDM_ABI_MAKE(1, 0),
	.cfg_read = vdm_pci_function_cfg_read,
	.cfg_write = vdm_pci_function_cfg_write,
	.bar_read = bar_read,
	.bar_write = bar_write,
	.reset = nop,
	.destroy = nop,
	.control = never_called,
};

static const struct vdm_device_ops ops_1_2 = {
	.struct_size = VDM_DEVICE_OPS_SIZE_1_1,
	.abi_version = VDM_ABI_MAKE(1, 2),
	.cfg_read = vdm_pci_function_cfg_read,
	.cfg_write = vdm_pci_function_cfg_write,
	.bar_read = bar_read,
	.bar_write = bar_write,
	.reset = nop,
	.destroy = nop,
};

/* A buffer laid out as an older device: its head of `head` bytes, then `tail` bytes of its
 * own state, all CANARY. */
static uint8_t *older_device(size_t head, size_t tail)
{
	uint8_t *b = malloc(head + tail);

	assert_non_null(b);
	memset(b, CANARY, head + tail);
	return b;
}

static void assert_untouched(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != CANARY)
			fail_msg("byte %zu after the device head was written (0x%02x)", i, p[i]);
}

static void a_1_0_device_gets_a_176_byte_head_and_its_state_is_left_alone(void **state)
{
	uint8_t *b = older_device(VDM_DEVICE_SIZE_1_0, TAIL);
	struct vdm_device *dev = (struct vdm_device *)b;
	uint64_t result = 7;

	(void)state;
	vdm_device_init(dev, &ops_1_0, NULL, NULL);
	assert_int_equal(dev->struct_size, 176);
	assert_int_equal(dev->abi_version, VDM_ABI_MAKE(1, 0));
	assert_int_equal(dev->res.struct_size, 112);
	assert_untouched(b + VDM_DEVICE_SIZE_1_0, TAIL);
	/* Its state (all 0xa5 where a 1.3 head has pure_reads and the mask pointers) is not
	 * read as declarations: a 1.0 device promises nothing and has no control handler. */
	assert_int_equal(vdm_device_pure_reads(dev), 0);
	assert_false(vdm_device_has_control(dev));
	assert_int_equal(vdm_device_control(dev, 1, 0, 0, &result), -EOPNOTSUPP);
	free(b);
}

static void a_1_2_device_keeps_its_pure_reads_and_has_no_masks(void **state)
{
	uint8_t *b = older_device(VDM_DEVICE_SIZE_1_2, TAIL);
	struct vdm_device *dev = (struct vdm_device *)b;

	(void)state;
	vdm_device_init(dev, &ops_1_2, NULL, NULL);
	assert_int_equal(dev->struct_size, 184);
	assert_int_equal(dev->res.struct_size, 120);
	assert_untouched(b + VDM_DEVICE_SIZE_1_2, TAIL);
	dev->res.pure_reads = VDM_PURE_CFG | VDM_PURE_CFG_WRITES;
	/* VDM_PURE_CFG_WRITES needs the 1.3 masks, which a 1.2 head does not have. */
	assert_int_equal(vdm_device_pure_reads(dev), VDM_PURE_CFG);
	free(b);
}

/* A type built against older headers than its ops table: the smaller of the two wins. */
static void the_older_of_ops_and_type_decides_the_head(void **state)
{
	const struct vdm_device_ops ops = { VDM_STRUCT_HEAD(struct vdm_device_ops),
					    .bar_read = bar_read, .bar_write = bar_write,
					    .reset = nop, .destroy = nop };
	const struct vdm_device_type type_1_0 = { .struct_size = sizeof(struct vdm_device_type),
						  .abi_version = VDM_ABI_MAKE(1, 0) };
	uint8_t *b = older_device(VDM_DEVICE_SIZE_1_0, TAIL);

	(void)state;
	vdm_device_init((struct vdm_device *)b, &ops, &type_1_0, NULL);
	assert_int_equal(((struct vdm_device *)b)->struct_size, VDM_DEVICE_SIZE_1_0);
	assert_untouched(b + VDM_DEVICE_SIZE_1_0, TAIL);
	free(b);
}

/* A 1.0 plugin's struct vdm_pci_function: config space at 176, served by this build's ops. */
static void a_1_0_pci_function_is_served_from_its_own_config_space(void **state)
{
	const struct vdm_pci_ids ids = { .vendor = 0x1b36, .device = 0x00ee,
					 .class_code = 0xff0000, .int_pin = 1 };
	size_t head = VDM_DEVICE_SIZE_1_0;
	uint8_t *b = older_device(head + sizeof(struct vdm_pci_config), TAIL);
	struct vdm_device *dev = (struct vdm_device *)b;
	struct vdm_pci_config *cfg = (struct vdm_pci_config *)(b + head);
	uint32_t v = 0;
	char err[256] = "";

	(void)state;
	vdm_device_init(dev, &ops_1_0, NULL, NULL);
	assert_int_equal(vdm_pci_config_init(cfg, &ids), 0);
	assert_int_equal(cfg->struct_size, VDM_PCI_CONFIG_SIZE_1_0);
	assert_int_equal(vdm_pci_config_add_bar(cfg, 0, VDM_REGION_MEM32, 0, 4096), 0);
	vdm_pci_config_seal(cfg);
	vdm_pci_config_fill_resources(cfg, &dev->res);
	assert_untouched(b + head + sizeof(struct vdm_pci_config), TAIL);
	assert_ptr_equal(vdm_pci_function_config(dev, NULL, 0), cfg);

	assert_int_equal(vdm_cfg_read(dev, VDM_PCI_VENDOR_ID, 4, &v), 0);
	assert_int_equal(v, 0x00ee1b36);
	assert_int_equal(vdm_cfg_write(dev, VDM_PCI_BAR0, 4, 0xffffffffu), 0);
	assert_int_equal(vdm_cfg_read(dev, VDM_PCI_BAR0, 4, &v), 0);
	assert_int_equal(v, 0xfffff000u);
	/* The host's checks take it as it is: a 1.0 head, a sized config space. */
	assert_int_equal(vdm_device_check(dev, VDM_BUS_PCI_ENDPOINT, err, sizeof(err)), 0);
	assert_int_equal(vdm_device_pure_reads(dev), 0);
	free(b);
}

static struct vdm_pci_function *function_without_config_init(void)
{
	struct vdm_pci_function *f = calloc(1, sizeof(*f));
	static const struct vdm_device_ops ops = { VDM_STRUCT_HEAD(struct vdm_device_ops),
						   .cfg_read = vdm_pci_function_cfg_read,
						   .cfg_write = vdm_pci_function_cfg_write,
						   .bar_read = bar_read, .bar_write = bar_write,
						   .reset = nop, .destroy = nop };

	assert_non_null(f);
	vdm_device_init(&f->dev, &ops, NULL, NULL);
	f->dev.res.bus_kind = VDM_BUS_PCI_ENDPOINT;
	return f;
}

static void an_unsized_pci_config_is_refused_and_not_used(void **state)
{
	struct vdm_pci_function *f = function_without_config_init();
	struct vdm_pci_config *c = &f->cfg;
	const struct vdm_pcie_cap_params pcie = { .port_type = VDM_PCI_EXP_TYPE_ENDPOINT };
	uint32_t v = 0;
	char err[256] = "";

	(void)state;
	/* what an old or careless device hands the core: a config space nobody initialised */
	c->cfg[0] = 0x36;
	c->wmask[4] = 0xff;
	c->size = VDM_PCI_CFG_SIZE;
	assert_int_equal(vdm_pci_config_check(c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "vdm_pci_config: struct_size 0 is below 16496, the smallest "
				 "struct (initialise it with vdm_pci_config_init)");
	assert_int_equal(vdm_pci_config_read(c, 0, 4, &v), -EINVAL);
	assert_int_equal(v, 0xffffffffu);
	assert_int_equal(vdm_pci_config_write(c, 4, 1, 0xff), -EINVAL);
	assert_int_equal(c->cfg[4], 0);
	assert_int_equal(vdm_pci_config_get8(c, 0), 0);
	vdm_pci_config_set8(c, 1, 0x55);
	assert_int_equal(c->cfg[1], 0);
	assert_int_equal(vdm_pci_config_add_bar(c, 0, VDM_REGION_MEM32, 0, 4096), -EINVAL);
	assert_int_equal(c->bars_used, 0);
	assert_int_equal(vdm_pci_config_add_cap(c, VDM_PCI_CAP_ID_VNDR, 8), -EINVAL);
	assert_int_equal(vdm_pci_config_add_ext_cap(c, VDM_PCI_EXT_CAP_ID_ACS, 1, 8), -EINVAL);
	assert_int_equal(vdm_pci_config_add_pcie_cap(c, &pcie), -EINVAL);
	assert_int_equal(vdm_pci_config_add_msi_cap(c), -EINVAL);
	/* through the generic ops, and in the host's check of a created device */
	assert_int_equal(vdm_cfg_read(&f->dev, 0, 4, &v), -EINVAL);
	assert_int_equal(v, 0xffffffffu);
	assert_int_equal(vdm_cfg_write(&f->dev, 4, 1, 0xff), -EINVAL);
	assert_int_equal(vdm_device_check(&f->dev, VDM_BUS_PCI_ENDPOINT, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "device config space: vdm_pci_config: struct_size 0 is "
				    "below 16496"));
	assert_int_equal(vdm_pci_config_check(NULL, err, sizeof(err)), -EINVAL);
	free(f);
}

static void a_pci_config_one_byte_short_is_refused(void **state)
{
	const struct vdm_pci_ids ids = { .vendor = 0x1b36, .device = 5 };
	struct vdm_pci_config *c = calloc(1, sizeof(*c));
	uint32_t v = 0;
	char err[256] = "";

	(void)state;
	assert_non_null(c);
	assert_int_equal(vdm_pci_config_init(c, &ids), 0);
	assert_int_equal(vdm_pci_config_read(c, 0, 2, &v), 0);
	assert_int_equal(v, 0x1b36);
	c->struct_size = VDM_PCI_CONFIG_SIZE_1_0 - 1;
	assert_int_equal(vdm_pci_config_read(c, 0, 2, &v), -EINVAL);
	assert_int_equal(v, 0xffffffffu);
	assert_int_equal(vdm_pci_config_check(c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "struct_size 16495 is below 16496"));
	free(c);
}

/* A head of no released size: the generic ops cannot know where its config space is. */
static void a_pci_function_head_of_unknown_size_is_refused(void **state)
{
	const struct vdm_pci_ids ids = { .vendor = 0x1b36, .device = 5 };
	struct vdm_pci_function *f = function_without_config_init();
	uint32_t v = 0;
	char err[256] = "";

	(void)state;
	assert_int_equal(vdm_pci_config_init(&f->cfg, &ids), 0);
	assert_int_equal(vdm_cfg_read(&f->dev, 0, 2, &v), 0);
	assert_int_equal(v, 0x1b36);
	f->dev.struct_size = VDM_DEVICE_SIZE_1_0 + 4;
	assert_int_equal(vdm_cfg_read(&f->dev, 0, 2, &v), -EINVAL);
	assert_int_equal(v, 0xffffffffu);
	assert_null(vdm_pci_function_config(&f->dev, err, sizeof(err)));
	assert_string_equal(err, "PCI function: device head of 180 bytes, none of the released "
				 "sizes 176, 184, 200 (vdm_device_init not called?)");
	assert_int_equal(vdm_device_check(&f->dev, VDM_BUS_PCI_ENDPOINT, err, sizeof(err)),
			 -EINVAL);
	free(f);
}

/* Declarations smaller than the 1.0 struct vdm_resources are not read. */
static void resources_below_the_1_0_size_are_refused(void **state)
{
	struct vdm_resources res = { VDM_STRUCT_HEAD(struct vdm_resources),
				     .bus_kind = VDM_BUS_PCI_ENDPOINT };
	char err[256] = "";

	(void)state;
	res.struct_size = VDM_RESOURCES_SIZE_1_0;
	assert_int_equal(vdm_resources_check(&res, err, sizeof(err)), 0);
	res.struct_size = VDM_RESOURCES_SIZE_1_0 - 8;
	assert_int_equal(vdm_resources_check(&res, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "resources: struct_size 104 is below 112, the 1.0 struct "
				 "vdm_resources (vdm_device_init sets it)");
}

/* ---- struct vdm_prop_values ----------------------------------------------------------- */

static const struct vdm_prop_desc *membar_desc(void)
{
	assert_string_equal(vdm_testdev_type.props_schema[0].name, "membar");
	return &vdm_testdev_type.props_schema[0];
}

static void the_parser_writes_the_struct_size(void **state)
{
	struct vdm_prop_values pv;
	char err[200];

	(void)state;
	memset(&pv, 0xff, sizeof(pv));
	assert_int_equal(vdm_props_parse_args("membar=4M", &vdm_testdev_type, NULL, 0, &pv, err,
					      sizeof(err)),
			 0);
	assert_int_equal(pv.struct_size, sizeof(pv));
	assert_int_equal(vdm_props_check(&pv, err, sizeof(err)), 0);
	memset(&pv, 0xff, sizeof(pv));
	assert_int_not_equal(vdm_props_parse_args("membar=3M", &vdm_testdev_type, NULL, 0, &pv,
						  err, sizeof(err)),
			     0);
	assert_int_equal(pv.struct_size, sizeof(pv)); /* a failed parse leaves a valid, empty one */
	assert_int_equal(pv.count, 0);
}

/* What a host older than 1.4 (or one that zeroes and fills the struct by hand) hands a
 * device: struct_size 0, the 1.0 layout.  Read as before. */
static void prop_values_from_a_pre_1_4_writer_are_read_as_the_1_0_layout(void **state)
{
	struct vdm_prop_values pv;
	struct vdm_device *d = NULL;
	char err[200] = "";

	(void)state;
	memset(&pv, 0, sizeof(pv));
	pv.count = 1;
	pv.v[0].desc = membar_desc();
	pv.v[0].num = 1 << 20;
	strcpy(pv.v[0].str, "1M");
	assert_int_equal(vdm_props_check(&pv, err, sizeof(err)), 0);
	assert_true(vdm_props_has(&pv, "membar"));
	assert_int_equal(vdm_props_num(&pv, "membar", 0), 1 << 20);
	assert_int_equal(vdm_props_format(&pv, err, sizeof(err)), strlen("membar=1M"));
	assert_string_equal(err, "membar=1M");
	assert_int_equal(vdm_testdev_type.create(&pv, NULL, &d, err, sizeof(err)), 0);
	assert_int_equal(d->res.regions[2].size, 1 << 20);
	vdm_device_destroy(d);
}

/* A struct that says it is smaller than the 1.0 layout: nothing in it is read but its
 * first two words (the buffer is exactly that big, so ASan sees any read past it). */
static void prop_values_below_the_1_0_size_are_refused_and_never_read_past(void **state)
{
	uint32_t *words = malloc(offsetof(struct vdm_prop_values, v));
	const struct vdm_prop_values *pv = (const struct vdm_prop_values *)words;
	struct vdm_device *d = NULL;
	char err[200] = "", buf[64] = "x";

	(void)state;
	assert_non_null(words);
	words[0] = 1;                                      /* count */
	words[1] = offsetof(struct vdm_prop_values, v);    /* struct_size */
	assert_int_equal(vdm_props_check(pv, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "property values: struct_size 8 is below 2568, the smallest "
				 "struct vdm_prop_values (fill it with vdm_props_parse)");
	assert_false(vdm_props_has(pv, "membar"));
	assert_int_equal(vdm_props_num(pv, "membar", 42), 42);
	assert_string_equal(vdm_props_str(pv, "membar", "dflt"), "dflt");
	assert_int_equal(vdm_props_format(pv, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* a device handed it says so instead of running with defaults */
	assert_int_equal(vdm_testdev_type.create(pv, NULL, &d, err, sizeof(err)), -EINVAL);
	assert_null(d);
	assert_non_null(strstr(err, "struct_size 8 is below 2568"));
	free(words);
}

static void prop_values_counting_more_entries_than_they_hold_are_refused(void **state)
{
	struct vdm_prop_values pv;
	char err[200] = "";

	(void)state;
	memset(&pv, 0, sizeof(pv));
	pv.struct_size = VDM_PROP_VALUES_SIZE_1_0;
	pv.count = VDM_PROPS_MAX + 1;
	pv.v[0].desc = membar_desc();
	pv.v[0].num = 1 << 20;
	assert_int_equal(vdm_props_check(&pv, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "property values: 33 given, but a struct_size of 2568 holds at "
				 "most 32 (fill it with vdm_props_parse)");
	assert_int_equal(vdm_props_num(&pv, "membar", 0), 0);
	pv.count = 1;
	assert_int_equal(vdm_props_check(&pv, err, sizeof(err)), 0);
	assert_int_equal(vdm_props_num(&pv, "membar", 0), 1 << 20);
	assert_int_equal(vdm_props_check(NULL, err, sizeof(err)), 0); /* no properties at all */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_1_0_device_gets_a_176_byte_head_and_its_state_is_left_alone),
		cmocka_unit_test(a_1_2_device_keeps_its_pure_reads_and_has_no_masks),
		cmocka_unit_test(the_older_of_ops_and_type_decides_the_head),
		cmocka_unit_test(a_1_0_pci_function_is_served_from_its_own_config_space),
		cmocka_unit_test(an_unsized_pci_config_is_refused_and_not_used),
		cmocka_unit_test(a_pci_config_one_byte_short_is_refused),
		cmocka_unit_test(a_pci_function_head_of_unknown_size_is_refused),
		cmocka_unit_test(resources_below_the_1_0_size_are_refused),
		cmocka_unit_test(the_parser_writes_the_struct_size),
		cmocka_unit_test(prop_values_from_a_pre_1_4_writer_are_read_as_the_1_0_layout),
		cmocka_unit_test(prop_values_below_the_1_0_size_are_refused_and_never_read_past),
		cmocka_unit_test(prop_values_counting_more_entries_than_they_hold_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
