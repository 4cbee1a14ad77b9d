/* Unit tests for vmm-example's command line (vmm-example/options.c): QEMU-style forms,
 * defaults, and one clear error line for every kind of bad input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <vdm/device.h>
#include <vdm/devices.h>
#include <vdm/ged.h>

#include <vdm/machine_desc.h>
#include "options.h"

static struct vmm_options o;
static char err[512];

#define PARSE(...)                                                                             \
	({                                                                                     \
		char *argv_[] = { "vmm-example", __VA_ARGS__ };                                \
		vmm_options_parse((int)(sizeof(argv_) / sizeof(argv_[0])), argv_, &o, err,      \
				  sizeof(err));                                                \
	})

static char file[64];

static int make_file(void **state)
{
	int fd;

	(void)state;
	snprintf(file, sizeof(file), "/tmp/test_vmm_options.XXXXXX");
	fd = mkstemp(file);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	return 0;
}

static int rm_file(void **state)
{
	(void)state;
	unlink(file);
	return 0;
}

static void defaults_are_512m_one_cpu_auto_policy_two_free_ports(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--print-topology"), 0);
	assert_true(o.mem == (UINT64_C(512) << 20));
	assert_int_equal(o.smp, 1);
	assert_int_equal(o.preserve, VDM_PRESERVE_AUTO);
	assert_true(o.acpi_hotplug);
	assert_int_equal(o.hotplug_ports, 2);
	assert_true(o.print_topology);
	assert_null(o.kernel);
	assert_null(o.payload);
}

static void memory_takes_qemu_forms(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-m", "1024"), 0);
	assert_true(o.mem == (UINT64_C(1024) << 20));
	assert_int_equal(PARSE("-m", "2G"), 0);
	assert_true(o.mem == (UINT64_C(2) << 30));
	assert_int_equal(PARSE("--memory=768M"), 0);
	assert_true(o.mem == (UINT64_C(768) << 20));
	assert_int_equal(PARSE("-m=64M"), 0);
	assert_true(o.mem == (UINT64_C(64) << 20));
}

static void bad_memory_sizes_name_the_value_and_the_fix(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-m", "1"), -EINVAL);
	assert_string_equal(err, "-m 1: too small, the machine needs at least 32M");
	assert_int_equal(PARSE("-m", "1000K"), -EINVAL);
	assert_string_equal(err, "-m 1000K: must be a multiple of 1M");
	assert_int_equal(PARSE("-m", "lots"), -EINVAL);
	assert_string_equal(err, "-m lots: not a size (examples: 512, 512M, 2G)");
	assert_int_equal(PARSE("-m", "4T"), -EINVAL);
	assert_string_equal(err, "-m 4T: too large (at most 1T)");
	assert_int_equal(PARSE("-m"), -EINVAL);
	assert_string_equal(err, "option '-m' needs a value (SIZE)");
}

static void unknown_options_and_stray_arguments_are_refused(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--frobnicate"), -EINVAL);
	assert_string_equal(err, "unknown option '--frobnicate' (see --help)");
	assert_int_equal(PARSE("kernel.img"), -EINVAL);
	assert_string_equal(err, "unexpected argument 'kernel.img' (options start with '-'; see --help)");
	assert_int_equal(PARSE("--print-topology=yes"), -EINVAL);
	assert_string_equal(err, "option 'print-topology' takes no value");
}

static void missing_files_are_named(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--kernel", "/nonexistent/bzImage"), -EINVAL);
	assert_string_equal(err, "--kernel /nonexistent/bzImage: No such file or directory");
	assert_int_equal(PARSE("--payload", "/tmp"), -EINVAL);
	assert_string_equal(err, "--payload /tmp: not a regular file");
	assert_int_equal(PARSE("--dump-acpi", "/nonexistent"), -EINVAL);
	assert_string_equal(err, "--dump-acpi /nonexistent: not an existing directory");
	assert_int_equal(PARSE("--payload", file), 0);
	assert_string_equal(o.payload, file);
}

static void kernel_and_payload_exclude_each_other(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--kernel", file, "--payload", file), -EINVAL);
	assert_string_equal(err, "--kernel and --payload exclude each other: give one");
	assert_int_equal(PARSE("--payload", file, "--append", "console=ttyS0"), -EINVAL);
	assert_string_equal(err, "--append is for a Linux kernel, not --payload");
	assert_int_equal(PARSE("--payload", file, "--initrd", file), -EINVAL);
	assert_string_equal(err, "--initrd is for a Linux kernel, not --payload");
	/* without --kernel, --append and --initrd go with the default guest's kernel */
	assert_int_equal(PARSE("--append", "console=ttyS0"), 0);
	assert_null(o.kernel);
	assert_string_equal(o.append, "console=ttyS0");
	assert_int_equal(PARSE("-kernel", file, "-append", "quiet", "-initrd", file), 0);
	assert_string_equal(o.append, "quiet");
}

static void devices_are_parsed_with_common_props(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--device", "pcie-root-port,id=rp1,pref64-reserve=2G", "--device",
			       "testdev,membar=4M,bus=rp1,id=td"), 0);
	assert_int_equal(o.num_devices, 2);
	assert_string_equal(o.devices[0].type->name, "pcie-root-port");
	assert_true(vdm_props_num(&o.devices[0].props, "pref64-reserve", 0) == (UINT64_C(2) << 30));
	assert_string_equal(vdm_props_str(&o.devices[1].props, "bus", ""), "rp1");
	assert_true(vdm_props_num(&o.devices[1].props, "membar", 0) == (UINT64_C(4) << 20));
	assert_string_equal(o.devices[1].spec, "testdev,membar=4M,bus=rp1,id=td");
}

static void qemu_type_names_parse_and_vdm_former_names_still_do(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--device", "pcie-root-port,id=rp1", "--device",
			       "pci-testdev,bus=rp1,membar=4M", "--device", "testdev,membar=1G",
			       "--device", "acpi-ged", "--device", "ged"), 0);
	assert_int_equal(o.num_devices, 5);
	assert_ptr_equal(o.devices[1].type, &vdm_testdev_type);
	assert_string_equal(o.devices[1].type->name, "pci-testdev");
	assert_ptr_equal(o.devices[2].type, &vdm_testdev_type); /* the alias, same type */
	assert_string_equal(o.devices[2].spec, "testdev,membar=1G");
	assert_ptr_equal(o.devices[3].type, &vdm_ged_type);
	assert_string_equal(o.devices[3].type->name, "acpi-ged");
	assert_ptr_equal(o.devices[4].type, &vdm_ged_type);
	/* an unknown type's error lists QEMU's names */
	assert_int_equal(PARSE("--device", "pci-testdevx"), -EINVAL);
	assert_string_equal(err, "--device pci-testdevx: pci-testdevx: unknown device type (known: "
				 "acpi-ged, pci-testdev, pcie-root-port)");
	assert_int_equal(PARSE("--device", "pci-testdev,membar=3M"), -EINVAL);
	assert_string_equal(err, "--device pci-testdev,membar=3M: membar=3M: size must be a power "
				 "of two");
}

static void bad_devices_give_the_parsers_reason(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--device", "testdev,membar=3M"), -EINVAL);
	assert_string_equal(err, "--device testdev,membar=3M: membar=3M: size must be a power of two");
	assert_int_equal(PARSE("--device", "frobdev"), -EINVAL);
	assert_non_null(strstr(err, "--device frobdev: "));
	assert_non_null(strstr(err, "unknown device type"));
	assert_int_equal(PARSE("--device", "testdev,addr=32"), -EINVAL);
	assert_non_null(strstr(err, "addr=32"));
}

static void small_numbers_and_policies_are_checked(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--smp", "4", "--preserve-config", "reassign", "--hotplug-ports=0",
			       "--acpi-hotplug", "off", "--timeout", "30"), 0);
	assert_int_equal(o.smp, 4);
	assert_int_equal(o.preserve, VDM_PRESERVE_OFF);
	assert_int_equal(o.hotplug_ports, 0);
	assert_false(o.acpi_hotplug);
	assert_int_equal(o.timeout, 30);
	assert_true(o.ram_shared);
	assert_int_equal(PARSE("--memory-backend", "anon"), 0);
	assert_false(o.ram_shared);
	assert_int_equal(PARSE("--memory-backend", "hugetlb"), -EINVAL);
	assert_string_equal(err, "--memory-backend hugetlb: expected memfd or anon");
	assert_int_equal(PARSE("--preserve-config=on"), 0);
	assert_int_equal(o.preserve, VDM_PRESERVE_ON);
	assert_int_equal(PARSE("--smp", "0"), -EINVAL);
	assert_string_equal(err, "--smp 0: expected a whole number from 1 to 64");
	assert_int_equal(PARSE("--smp", "2x"), -EINVAL);
	assert_int_equal(PARSE("--preserve-config", "maybe"), -EINVAL);
	assert_string_equal(err, "--preserve-config maybe: expected auto, on or off");
	assert_int_equal(PARSE("--hotplug-ports", "249"), -EINVAL);
}

static void test_hot_add_takes_seconds_and_an_endpoint_spec(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--test-hot-add", "30:testdev,membar=1G,bus=rp0"), 0);
	assert_int_equal(o.test_hot_add_after, 30);
	assert_string_equal(o.test_hot_add.type->name, "pci-testdev");
	assert_string_equal(vdm_props_str(&o.test_hot_add.props, "bus", ""), "rp0");
	assert_int_equal(PARSE("--test-hot-add", "30"), -EINVAL);
	assert_string_equal(err, "--test-hot-add 30: expected SECONDS:SPEC");
	assert_int_equal(PARSE("--test-hot-add", "1:pcie-root-port"), -EINVAL);
	assert_string_equal(err, "--test-hot-add 1:pcie-root-port: only PCI endpoints can be hot-added");
	assert_int_equal(PARSE("--payload-test-ged"), -EINVAL);
	assert_string_equal(err, "--payload-test-ged needs --payload");
}

/* --stats and --pci-cf8: off by default, on when asked, a bad value named. */
static void stats_and_legacy_config_ports(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--smp", "1"), 0);
	assert_false(o.stats);
	assert_false(o.no_cf8);
	assert_int_equal(PARSE("--stats", "--pci-cf8", "off"), 0);
	assert_true(o.stats);
	assert_true(o.no_cf8);
	assert_int_equal(PARSE("--pci-cf8=on"), 0);
	assert_false(o.no_cf8);
	assert_int_equal(PARSE("--pci-cf8", "maybe"), -EINVAL);
	assert_string_equal(err, "--pci-cf8 maybe: expected on or off");
	assert_int_equal(PARSE("--stats=1"), -EINVAL);
	assert_string_equal(err, "option 'stats' takes no value");
}

static void help_lists_every_option_and_device_type(void **state)
{
	static const char *const names[] = { "--kernel", "--initrd", "--append", "--payload",
					     "--memory", "--smp", "--device", "--hotplug-ports",
					     "--acpi-hotplug", "--preserve-config", "--timeout",
					     "--print-topology", "--dump-acpi", "--dump-dtb", "--help",
					     "--memory-backend", "--payload-test-ged", "--test-hot-add",
					     "--stats", "--pci-cf8", "uncompressed vmlinux ELF with a PVH",
					     "pci-testdev", "pcie-root-port", "acpi-ged",
					     "(also accepted as testdev)", "(also accepted as ged)",
					     "Exit status" };
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	vmm_options_usage(f, "vmm-example");
	fclose(f);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_non_null(strstr(buf, names[i]));
	free(buf);
	assert_int_equal(PARSE("-h"), 0);
	assert_true(o.help);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_are_512m_one_cpu_auto_policy_two_free_ports),
		cmocka_unit_test(memory_takes_qemu_forms),
		cmocka_unit_test(bad_memory_sizes_name_the_value_and_the_fix),
		cmocka_unit_test(unknown_options_and_stray_arguments_are_refused),
		cmocka_unit_test(missing_files_are_named),
		cmocka_unit_test(kernel_and_payload_exclude_each_other),
		cmocka_unit_test(devices_are_parsed_with_common_props),
		cmocka_unit_test(qemu_type_names_parse_and_vdm_former_names_still_do),
		cmocka_unit_test(bad_devices_give_the_parsers_reason),
		cmocka_unit_test(small_numbers_and_policies_are_checked),
		cmocka_unit_test(test_hot_add_takes_seconds_and_an_endpoint_spec),
		cmocka_unit_test(stats_and_legacy_config_ports),
		cmocka_unit_test(help_lists_every_option_and_device_type),
	};

	return cmocka_run_group_tests(tests, make_file, rm_file);
}
