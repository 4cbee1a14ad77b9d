/* The plugin loader refuses what is not a plugin of this ABI, naming the file and the
 * reason, both in-process and through a device host; a good plugin loads and lists. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <vdm/plugin.h>

#include "itest_common.h"

/* Load `name` in-process and through a devhost: both must fail with `rc` and an error
 * containing the path and `reason`. */
static void expect_refusal(const char *name, int rc, const char *reason)
{
	struct vdm_plugin_handle *h = NULL;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev = NULL;
	struct itest_rec r;
	char path[4096], err[512] = "";

	snprintf(path, sizeof(path), "%s", itest_plugin_path(name));
	assert_int_equal(vdm_plugin_load(path, &h, err, sizeof(err)), rc);
	assert_null(h);
	if (!strstr(err, path) || !strstr(err, reason))
		fail_msg("in-process: \"%s\" lacks the path or \"%s\"", err, reason);

	itest_rec_init(&r);
	itest_config(&cfg, &r, "anything");
	cfg.plugin = path;
	err[0] = '\0';
	assert_int_equal(vdm_proxy_spawn(&cfg, &dev, err, sizeof(err)), rc);
	assert_null(dev);
	if (!strstr(err, path) || !strstr(err, reason))
		fail_msg("through the devhost: \"%s\" lacks the path or \"%s\"", err, reason);
	assert_int_equal(itest_count_children(), 0);
}

static void plugin_for_another_abi_major_is_refused(void **state)
{
	(void)state;
	expect_refusal("itest_bad_abi", -EPROTO,
		       "built for vdm ABI 2.0, this host speaks 1.x: rebuild it against vdm 1.x");
}

static void shared_object_without_entry_symbol_is_refused(void **state)
{
	(void)state;
	expect_refusal("itest_no_entry", -ENOEXEC, "no entry symbol vdm_plugin_entry_v1");
}

static void plugin_with_only_a_v2_entry_is_refused_as_abi_2(void **state)
{
	(void)state;
	expect_refusal("itest_v2_symbol", -ENOEXEC,
		       "exports vdm_plugin_entry_v2, built for vdm ABI 2.x; this host speaks 1.x");
}

static void plugin_refusing_the_host_is_reported(void **state)
{
	(void)state;
	char want[64];

	snprintf(want, sizeof(want), "refused host ABI %u.%u", VDM_ABI_MAJOR, VDM_ABI_MINOR);
	expect_refusal("itest_refuses_host", -EPROTO, want);
}

static void missing_file_is_refused_with_its_path(void **state)
{
	(void)state;
	expect_refusal("no_such_plugin", -ENOENT, "No such file");
}

static void good_plugin_loads_and_lists_its_types(void **state)
{
	struct vdm_plugin_handle *h = NULL;
	char err[512] = "";
	const struct vdm_plugin *p;

	(void)state;
	assert_int_equal(vdm_plugin_load(itest_plugin_path("itest_plugin"), &h, err, sizeof(err)), 0);
	p = vdm_plugin_info(h);
	assert_string_equal(p->name, "itest");
	assert_int_equal(p->num_types, 2);
	assert_non_null(vdm_plugin_find_type(h, "itest-dev"));
	assert_non_null(vdm_plugin_find_type(h, "itest-evil"));
	assert_null(vdm_plugin_find_type(h, "testdev"));
	vdm_plugin_unload(h);
}

/* The pure checks behind the loader, on descriptions a plugin could hand over. */
static int no_create(const struct vdm_prop_values *pv, const struct vdm_host *host,
		     struct vdm_device **out, char *err, size_t len)
{
	(void)pv, (void)host, (void)out, (void)err, (void)len;
	return -ENODEV;
}

static void malformed_plugin_descriptions_are_refused(void **state)
{
	struct vdm_device_type t = { VDM_STRUCT_HEAD(struct vdm_device_type), .name = "ok-name",
				     .bus_kind = VDM_BUS_PCI_ENDPOINT, .create = no_create };
	const struct vdm_device_type *types[2] = { &t, &t };
	struct vdm_plugin p = { VDM_STRUCT_HEAD(struct vdm_plugin), .types = types,
				.num_types = 1 };
	char err[256];

	(void)state;
	assert_int_equal(vdm_plugin_check(&p, "x.so", err, sizeof(err)), 0);
	p.num_types = 2; /* the same name twice */
	assert_int_equal(vdm_plugin_check(&p, "x.so", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "declared twice"));
	p.num_types = 0;
	assert_int_equal(vdm_plugin_check(&p, "x.so", err, sizeof(err)), -EINVAL);
	p.num_types = 1;
	t.name = "bad name";
	assert_int_equal(vdm_plugin_check(&p, "x.so", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no valid name"));
	t.name = "ok-name";
	t.create = NULL;
	assert_int_equal(vdm_plugin_check(&p, "x.so", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no create function"));
	t.create = no_create;
	t.bus_kind = 9;
	assert_int_equal(vdm_plugin_check(&p, "x.so", err, sizeof(err)), -EINVAL);
	t.bus_kind = VDM_BUS_PLATFORM;
	t.num_props = 2; /* but no schema */
	assert_int_equal(vdm_plugin_check(&p, "x.so", err, sizeof(err)), -EINVAL);
	t.num_props = 0;
	t.abi_version = VDM_ABI_MAKE(3, 1);
	assert_int_equal(vdm_plugin_check(&p, "x.so", err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "ABI 3.1"));
	t.abi_version = VDM_ABI_MAKE(1, 7); /* a newer minor is fine */
	assert_int_equal(vdm_plugin_check(&p, "x.so", err, sizeof(err)), 0);
	t.struct_size = 8;
	assert_int_equal(vdm_plugin_check(&p, "x.so", err, sizeof(err)), -EINVAL);
}

static void bad_resource_declarations_are_refused(void **state)
{
	struct vdm_resources res = { VDM_STRUCT_HEAD(struct vdm_resources),
				     .bus_kind = VDM_BUS_PCI_ENDPOINT, .num_irqs = 1 };
	char err[256];

	(void)state;
	res.regions[0] = (struct vdm_region_decl){ 4096, VDM_REGION_MEM32, 0 };
	res.regions[2] = (struct vdm_region_decl){ 1ull << 36, VDM_REGION_MEM64,
						   VDM_REGION_PREFETCHABLE };
	assert_int_equal(vdm_resources_check(&res, err, sizeof(err)), 0);
	res.regions[3] = (struct vdm_region_decl){ 16, VDM_REGION_IO, 0 };
	assert_int_equal(vdm_resources_check(&res, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "slot 3 unused"));
	res.regions[3] = (struct vdm_region_decl){ 0, 0, 0 };
	res.regions[0].size = 3000;
	assert_int_equal(vdm_resources_check(&res, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "power of two"));
	res.regions[0].size = 4096;
	res.regions[1] = (struct vdm_region_decl){ 1u << 20, VDM_REGION_IO, 0 };
	assert_int_equal(vdm_resources_check(&res, err, sizeof(err)), -EINVAL);
	res.regions[1] = (struct vdm_region_decl){ 0, 0, 0 };
	res.num_irqs = 2;
	assert_int_equal(vdm_resources_check(&res, err, sizeof(err)), -EINVAL);
	res.num_irqs = 1;
	res.bus_kind = VDM_BUS_PCI_BRIDGE;
	assert_int_equal(vdm_resources_check(&res, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "regions 0..1"));
}

static void pure_read_promises_must_name_spaces_that_exist(void **state)
{
	struct vdm_resources res = { VDM_STRUCT_HEAD(struct vdm_resources),
				     .bus_kind = VDM_BUS_PCI_ENDPOINT };
	char err[256];

	(void)state;
	res.regions[0] = (struct vdm_region_decl){ 4096, VDM_REGION_MEM32, 0 };
	res.pure_reads = VDM_PURE_CFG | VDM_PURE_REGION(0);
	assert_int_equal(vdm_resources_check(&res, err, sizeof(err)), 0);
	res.pure_reads = VDM_PURE_REGION(1);
	assert_int_equal(vdm_resources_check(&res, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "region 1 is not declared"));
	res.pure_reads = 1u << 12;
	assert_int_equal(vdm_resources_check(&res, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "pure_reads 0x1000: unknown bits"));
	res.pure_reads = VDM_PURE_CFG_WRITES; /* writes that only mask, reads with effects? */
	assert_int_equal(vdm_resources_check(&res, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "VDM_PURE_CFG_WRITES needs VDM_PURE_CFG"));
	res.pure_reads = VDM_PURE_CFG | VDM_PURE_CFG_WRITES;
	assert_int_equal(vdm_resources_check(&res, err, sizeof(err)), 0);
	res.bus_kind = VDM_BUS_PLATFORM;
	res.pure_reads = VDM_PURE_CFG;
	assert_int_equal(vdm_resources_check(&res, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no config space"));
	/* a 1.1 declaration ends before pure_reads: whatever follows it is not looked at */
	res.struct_size = offsetof(struct vdm_resources, pure_reads);
	assert_int_equal(vdm_resources_check(&res, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plugin_for_another_abi_major_is_refused),
		cmocka_unit_test(shared_object_without_entry_symbol_is_refused),
		cmocka_unit_test(plugin_with_only_a_v2_entry_is_refused_as_abi_2),
		cmocka_unit_test(plugin_refusing_the_host_is_reported),
		cmocka_unit_test(missing_file_is_refused_with_its_path),
		cmocka_unit_test(good_plugin_loads_and_lists_its_types),
		cmocka_unit_test(malformed_plugin_descriptions_are_refused),
		cmocka_unit_test(bad_resource_declarations_are_refused),
		cmocka_unit_test(pure_read_promises_must_name_spaces_that_exist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
