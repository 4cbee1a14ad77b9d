/* Unit tests for the common device head (abi/device.c): init copies only what the host
 * struct holds, and the irq/log helpers route through the callbacks or do nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <vdm/device.h>

struct recorder {
	uint32_t irq_line, irq_level, irq_calls;
	char last_log[256];
};

static void rec_set_irq(void *opaque, uint32_t line, uint32_t level)
{
	struct recorder *r = opaque;
	r->irq_line = line;
	r->irq_level = level;
	r->irq_calls++;
}

static void rec_log(void *opaque, uint32_t level, const char *msg)
{
	struct recorder *r = opaque;
	(void)level;
	strncpy(r->last_log, msg, sizeof(r->last_log) - 1);
}

static const struct vdm_device_ops no_ops = { VDM_STRUCT_HEAD(struct vdm_device_ops) };

static void init_copies_host_and_routes_irq_and_log(void **state)
{
	struct recorder rec = { 0 };
	struct vdm_host host = { VDM_STRUCT_HEAD(struct vdm_host), .opaque = &rec,
				 .set_irq = rec_set_irq, .log = rec_log };
	struct vdm_device dev;

	vdm_device_init(&dev, &no_ops, NULL, &host);
	assert_int_equal(dev.abi_version, VDM_ABI_VERSION);
	assert_int_equal(dev.res.struct_size, sizeof(dev.res));
	vdm_device_set_irq(&dev, 3, 1);
	assert_int_equal(rec.irq_calls, 1);
	assert_int_equal(rec.irq_line, 3);
	assert_int_equal(rec.irq_level, 1);
	vdm_device_log(&dev, VDM_LOG_INFO, "membar=%uM", 4u);
	assert_string_equal(rec.last_log, "membar=4M");
}

static void older_smaller_host_struct_leaves_new_callbacks_null(void **state)
{
	struct recorder rec = { 0 };
	struct vdm_host host = { VDM_STRUCT_HEAD(struct vdm_host), .opaque = &rec,
				 .set_irq = rec_set_irq, .log = rec_log, .eject = NULL };
	struct vdm_device dev;

	/* Pretend the host was built when the struct ended before set_irq. */
	host.struct_size = offsetof(struct vdm_host, set_irq);
	vdm_device_init(&dev, &no_ops, NULL, &host);
	assert_ptr_equal(dev.host.opaque, &rec);
	assert_null(dev.host.set_irq);
	assert_null(dev.host.log);
	vdm_device_set_irq(&dev, 0, 1); /* must be a no-op, not a crash */
	vdm_device_log(&dev, VDM_LOG_INFO, "x");
	assert_int_equal(rec.irq_calls, 0);
}

static void abi_versions_of_other_major_are_incompatible(void **state)
{
	assert_true(vdm_abi_compatible(VDM_ABI_VERSION));
	assert_true(vdm_abi_compatible(VDM_ABI_MAKE(VDM_ABI_MAJOR, VDM_ABI_MINOR + 7)));
	assert_false(vdm_abi_compatible(VDM_ABI_MAKE(VDM_ABI_MAJOR + 1, 0)));
	assert_false(vdm_abi_compatible(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_copies_host_and_routes_irq_and_log),
		cmocka_unit_test(older_smaller_host_struct_leaves_new_callbacks_null),
		cmocka_unit_test(abi_versions_of_other_major_are_incompatible),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
