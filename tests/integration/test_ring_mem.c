/* The ring without processes: the in-memory transport carries every access kind like a
 * direct call, and the pure checks refuse every kind of garbage a device side can write. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <vdm/plugin.h>
#include <vdm/props.h>
#include <vdm/ring.h>

#include "itest_common.h"

struct pair {
	_Alignas(64) unsigned char mem[8192];
	struct vdm_ring_server *srv;
	struct vdm_ring_client *cli;
	struct vdm_device *dev; /* served through the ring */
	struct vdm_device *twin; /* called directly */
	struct vdm_plugin_handle *plugin;
	void (*spoil)(struct pair *); /* runs after the server, as a hostile device would */
	int mute;                     /* the server answers nothing */
};

static void pump(void *opaque)
{
	struct pair *p = opaque;

	if (p->mute)
		return;
	vdm_ring_server_serve_pending(p->srv, p->dev);
	if (p->spoil)
		p->spoil(p);
}

static struct vdm_device *make_dev(struct pair *p)
{
	const struct vdm_device_type *t = vdm_plugin_find_type(p->plugin, "itest-dev");
	struct vdm_prop_values pv = { 0 };
	struct vdm_device *d = NULL;
	char err[128];

	assert_int_equal(t->create(&pv, NULL, &d, err, sizeof(err)), 0);
	return d;
}

static int setup(void **state)
{
	static struct pair p;
	struct vdm_ring_client_config cc = { .doorbell = VDM_RING_DOORBELL_NONE, .pidfd = -1,
					     .req_efd = -1, .rsp_efd = -1, .pump = pump,
					     .pump_opaque = &p };
	struct vdm_ring_server_config sc = { .req_efd = -1, .rsp_efd = -1, .notify_efd = -1 };
	char err[256];

	memset(&p, 0, sizeof(p));
	assert_int_equal(vdm_plugin_load(itest_plugin_path("itest_plugin"), &p.plugin, err,
					 sizeof(err)), 0);
	p.dev = make_dev(&p);
	p.twin = make_dev(&p);
	assert_int_equal(vdm_ring_format(p.mem, sizeof(p.mem), VDM_RING_DOORBELL_NONE), 0);
	assert_int_equal(vdm_ring_server_new(p.mem, sizeof(p.mem), &sc, &p.srv), 0);
	assert_int_equal(vdm_ring_client_new(p.mem, sizeof(p.mem), &cc, &p.cli), 0);
	*state = &p;
	return 0;
}

static int teardown(void **state)
{
	struct pair *p = *state;

	vdm_ring_client_free(p->cli);
	vdm_ring_server_free(p->srv);
	vdm_device_destroy(p->dev);
	vdm_device_destroy(p->twin);
	vdm_plugin_unload(p->plugin);
	return 0;
}

static void in_memory_transport_matches_direct_calls(void **state)
{
	struct pair *p = *state;
	uint64_t v, d;
	int32_t st;
	uint32_t c;
	int k;

	vdm_ring_server_ready(p->srv);
	assert_int_equal(vdm_ring_client_wait_ready(p->cli, 0), 0);
	for (k = 0; k < 200; k++) { /* more than fit in the request ring: posted writes wait */
		uint64_t off = (uint64_t)(k % 32) * 8;

		assert_int_equal(vdm_ring_client_post(p->cli, VDM_RING_BAR_WRITE, 0, off, 8,
						      off * 3 + (uint64_t)k), 0);
		vdm_bar_write(p->twin, 0, off, 8, off * 3 + (uint64_t)k);
		assert_int_equal(vdm_ring_client_post(p->cli, VDM_RING_CFG_WRITE, 0, 0x40 + k % 64,
						      1, (uint64_t)k), 0);
		vdm_cfg_write(p->twin, 0x40 + k % 64, 1, (uint32_t)k);
	}
	for (k = 0; k < 64; k++) {
		assert_int_equal(vdm_ring_client_call(p->cli, VDM_RING_BAR_READ, 0, (uint64_t)k * 4,
						      4, 0, &v, &st), 0);
		assert_int_equal(vdm_bar_read(p->twin, 0, (uint64_t)k * 4, 4, &d), st);
		assert_int_equal(v, d);
		assert_int_equal(vdm_ring_client_call(p->cli, VDM_RING_CFG_READ, 0, (uint64_t)k * 2,
						      2, 0, &v, &st), 0);
		assert_int_equal(vdm_cfg_read(p->twin, (uint32_t)k * 2, 2, &c), st);
		assert_int_equal(v, c);
	}
	/* a handler's error travels as the status, its value as the value */
	assert_int_equal(vdm_ring_client_call(p->cli, VDM_RING_BAR_READ, 0, 4095, 4, 0, &v, &st),
			 0);
	assert_int_equal(st, -ERANGE);
	assert_true(v == 0xffffffffull);
	assert_int_equal(vdm_ring_client_call(p->cli, VDM_RING_RESET, 0, 0, 0, 0, &v, &st), 0);
	assert_int_equal(vdm_ring_client_call(p->cli, VDM_RING_BAR_READ, 0, 8, 8, 0, &v, &st), 0);
	assert_int_equal(v, 0);
	assert_int_equal(vdm_ring_client_call(p->cli, VDM_RING_PING, 0, 0, 0, 42, &v, &st), 0);
	assert_int_equal(v, 42);
	/* wrong kinds for the call are refused before anything is sent */
	assert_int_equal(vdm_ring_client_call(p->cli, VDM_RING_BAR_WRITE, 0, 0, 4, 0, &v, &st),
			 -EINVAL);
	assert_int_equal(vdm_ring_client_post(p->cli, VDM_RING_BAR_READ, 0, 0, 4, 0), -EINVAL);
	assert_int_equal(vdm_ring_client_fault(p->cli), VDM_RING_FAULT_NONE);
}

static void server_that_never_answers_is_a_timeout(void **state)
{
	struct pair *p = *state;
	uint64_t v = 0;
	int32_t st = 0;

	vdm_ring_server_ready(p->srv);
	assert_int_equal(vdm_ring_client_wait_ready(p->cli, 0), 0);
	p->mute = 1;
	assert_int_equal(vdm_ring_client_call(p->cli, VDM_RING_BAR_READ, 0, 0, 4, 0, &v, &st),
			 -EIO);
	assert_true(v == UINT64_MAX);
	assert_int_equal(st, -EIO);
	assert_int_equal(vdm_ring_client_fault(p->cli), VDM_RING_FAULT_TIMEOUT);
	assert_false(vdm_ring_client_fail(p->cli, VDM_RING_FAULT_SEQ)); /* first fault wins */
	/* failed for good: nothing more is sent, posted writes too */
	assert_int_equal(vdm_ring_client_post(p->cli, VDM_RING_BAR_WRITE, 0, 0, 4, 1), -EIO);
	assert_int_equal(vdm_ring_client_call(p->cli, VDM_RING_PING, 0, 0, 0, 1, &v, &st), -EIO);
}

/* ---- hostile device sides, through the in-memory transport ---- */

static struct vdm_ring_entry *rsp_slot(struct pair *p, uint32_t i)
{
	return (struct vdm_ring_entry *)(p->mem + VDM_RING_RSP_OFFSET) +
	       (i & (VDM_RING_RSP_ENTRIES - 1));
}

static void spoil_seq(struct pair *p)
{
	struct vdm_ring_header *h = (struct vdm_ring_header *)p->mem;

	rsp_slot(p, h->rsp_prod - 1)->seq += 1;
}

static void spoil_extra(struct pair *p)
{
	struct vdm_ring_header *h = (struct vdm_ring_header *)p->mem;

	*rsp_slot(p, h->rsp_prod) = *rsp_slot(p, h->rsp_prod - 1);
	h->rsp_prod++;
}

static void spoil_torn(struct pair *p)
{
	((struct vdm_ring_header *)p->mem)->rsp_prod += 77;
}

static void spoil_data(struct pair *p)
{
	struct vdm_ring_header *h = (struct vdm_ring_header *)p->mem;

	rsp_slot(p, h->rsp_prod - 1)->data = 1ull << 40;
}

static void spoil_silence(struct pair *p)
{
	((struct vdm_ring_header *)p->mem)->rsp_prod--; /* take the answer back */
}

static void expect(struct pair *p, void (*spoil)(struct pair *), uint32_t kind,
		   enum vdm_ring_fault fault)
{
	uint64_t v = 0;
	int32_t st = 0;

	vdm_ring_server_ready(p->srv);
	assert_int_equal(vdm_ring_client_wait_ready(p->cli, 0), 0);
	p->spoil = spoil;
	assert_int_equal(vdm_ring_client_call(p->cli, kind, 0, 0, 4, 0, &v, &st), -EIO);
	assert_true(v == UINT64_MAX);
	if (vdm_ring_client_fault(p->cli) != fault)
		fail_msg("fault %s, expected %s", vdm_ring_fault_str(vdm_ring_client_fault(p->cli)),
			 vdm_ring_fault_str(fault));
	p->spoil = NULL;
}

static void wrong_sequence_id_is_refused(void **state)
{
	expect(*state, spoil_seq, VDM_RING_BAR_READ, VDM_RING_FAULT_SEQ);
}

static void second_answer_is_refused(void **state)
{
	expect(*state, spoil_extra, VDM_RING_BAR_READ, VDM_RING_FAULT_UNSOLICITED);
}

static void torn_response_index_is_refused(void **state)
{
	expect(*state, spoil_torn, VDM_RING_BAR_READ, VDM_RING_FAULT_INDEX);
}

static void config_value_wider_than_32_bits_is_refused(void **state)
{
	expect(*state, spoil_data, VDM_RING_CFG_READ, VDM_RING_FAULT_DATA);
}

static void missing_answer_is_a_timeout(void **state)
{
	expect(*state, spoil_silence, VDM_RING_BAR_READ, VDM_RING_FAULT_TIMEOUT);
}

/* ---- the pure checks, field by field ---- */

static struct vdm_ring_entry req_of(uint32_t kind, uint32_t size)
{
	struct vdm_ring_entry e = { .seq = 9, .kind = (uint8_t)kind, .size = (uint8_t)size,
				    .region = kind == VDM_RING_BAR_READ ? 2 : 0, .offset = 0x10 };

	if (kind == VDM_RING_RESET || kind == VDM_RING_PING || kind == VDM_RING_SHUTDOWN)
		e.offset = 0;
	return e;
}

static void response_check_names_each_bad_field(void **state)
{
	struct vdm_ring_entry q = req_of(VDM_RING_BAR_READ, 4), r;

	(void)state;
#define CASE(field, val, fault)                                                                \
	do {                                                                                   \
		r = q;                                                                         \
		r.kind |= VDM_RING_KIND_RESPONSE;                                              \
		r.field = val;                                                                 \
		assert_int_equal(vdm_ring_check_response(&q, &r), fault);                      \
	} while (0)
	CASE(data, 0x1234, VDM_RING_FAULT_NONE);
	CASE(status, -22, VDM_RING_FAULT_NONE);
	CASE(seq, 10, VDM_RING_FAULT_SEQ);
	CASE(kind, VDM_RING_BAR_READ, VDM_RING_FAULT_KIND);
	CASE(kind, VDM_RING_CFG_READ | VDM_RING_KIND_RESPONSE, VDM_RING_FAULT_KIND);
	CASE(kind, 0xff, VDM_RING_FAULT_KIND);
	CASE(size, 8, VDM_RING_FAULT_SIZE);
	CASE(size, 0, VDM_RING_FAULT_SIZE);
	CASE(region, 3, VDM_RING_FAULT_ECHO);
	CASE(offset, 0x18, VDM_RING_FAULT_ECHO);
	CASE(flags, 1, VDM_RING_FAULT_ECHO);
	CASE(reserved, 1, VDM_RING_FAULT_ECHO);
	CASE(status, 1, VDM_RING_FAULT_STATUS);
	CASE(status, -4096, VDM_RING_FAULT_STATUS);
	CASE(status, INT32_MIN, VDM_RING_FAULT_STATUS);
	/* a handled read's value stays in the access's bytes (fuzz finding F4) */
	CASE(data, 0x100000000ull, VDM_RING_FAULT_DATA);
	q = req_of(VDM_RING_BAR_READ, 2);
	CASE(data, 0xffff, VDM_RING_FAULT_NONE);
	CASE(data, 0x10000, VDM_RING_FAULT_DATA);
	r = q, r.kind |= VDM_RING_KIND_RESPONSE, r.status = -22, r.data = UINT64_MAX;
	assert_int_equal(vdm_ring_check_response(&q, &r), VDM_RING_FAULT_NONE); /* refused */
	r.data = 0xffffffffull;
	assert_int_equal(vdm_ring_check_response(&q, &r), VDM_RING_FAULT_NONE);
	r.data = 0x12345678ull;
	assert_int_equal(vdm_ring_check_response(&q, &r), VDM_RING_FAULT_DATA);
	q = req_of(VDM_RING_CFG_READ, 1);
	CASE(data, 0xff, VDM_RING_FAULT_NONE);
	CASE(data, 0x236, VDM_RING_FAULT_DATA);
	r = q, r.kind |= VDM_RING_KIND_RESPONSE, r.status = -22, r.data = 0xffffffffull;
	assert_int_equal(vdm_ring_check_response(&q, &r), VDM_RING_FAULT_NONE);
	r.data = UINT64_MAX; /* config space is 32 bits wide even when refusing */
	assert_int_equal(vdm_ring_check_response(&q, &r), VDM_RING_FAULT_DATA);
	q = req_of(VDM_RING_CFG_READ, 4);
	CASE(data, 0xffffffffull, VDM_RING_FAULT_NONE);
	CASE(data, 0x100000000ull, VDM_RING_FAULT_DATA);
	q = req_of(VDM_RING_RESET, 0);
	CASE(data, 1, VDM_RING_FAULT_DATA);
	q = req_of(VDM_RING_PING, 0);
	q.data = 77;
	CASE(data, 77, VDM_RING_FAULT_NONE);
	CASE(data, 78, VDM_RING_FAULT_DATA);
	/* a posted kind never has an answer */
	q = req_of(VDM_RING_BAR_WRITE, 4);
	CASE(data, 0, VDM_RING_FAULT_KIND);
#undef CASE
}

static void request_check_names_each_bad_field(void **state)
{
	struct vdm_ring_entry q;

	(void)state;
	q = req_of(VDM_RING_BAR_READ, 8);
	assert_int_equal(vdm_ring_check_request(&q, 9), VDM_RING_FAULT_NONE);
	assert_int_equal(vdm_ring_check_request(&q, 8), VDM_RING_FAULT_SEQ);
	q.size = 3;
	assert_int_equal(vdm_ring_check_request(&q, 9), VDM_RING_FAULT_SIZE);
	q = req_of(VDM_RING_BAR_READ, 4);
	q.region = VDM_MAX_REGIONS;
	assert_int_equal(vdm_ring_check_request(&q, 9), VDM_RING_FAULT_REGION);
	q = req_of(VDM_RING_CFG_READ, 8);
	assert_int_equal(vdm_ring_check_request(&q, 9), VDM_RING_FAULT_SIZE);
	q = req_of(VDM_RING_CFG_WRITE, 4);
	q.offset = 4094;
	assert_int_equal(vdm_ring_check_request(&q, 9), VDM_RING_FAULT_REGION);
	q = req_of(VDM_RING_READY, 0);
	assert_int_equal(vdm_ring_check_request(&q, 9), VDM_RING_FAULT_KIND);
	q = req_of(VDM_RING_BAR_READ | VDM_RING_KIND_RESPONSE, 4);
	assert_int_equal(vdm_ring_check_request(&q, 9), VDM_RING_FAULT_KIND);
	q = req_of(VDM_RING_RESET, 0);
	q.data = 5;
	assert_int_equal(vdm_ring_check_request(&q, 9), VDM_RING_FAULT_ECHO);
	q = req_of(VDM_RING_SHUTDOWN, 0);
	assert_int_equal(vdm_ring_check_request(&q, 9), VDM_RING_FAULT_NONE);
}

static void indices_past_the_ring_size_are_torn(void **state)
{
	(void)state;
	assert_int_equal(vdm_ring_check_indices(5, 5, 16), VDM_RING_FAULT_NONE);
	assert_int_equal(vdm_ring_check_indices(21, 5, 16), VDM_RING_FAULT_NONE);
	assert_int_equal(vdm_ring_check_indices(22, 5, 16), VDM_RING_FAULT_INDEX);
	assert_int_equal(vdm_ring_check_indices(4, 5, 16), VDM_RING_FAULT_INDEX);
	assert_int_equal(vdm_ring_check_indices(3, UINT32_MAX - 2, 16), VDM_RING_FAULT_NONE);
}

static void layout_check_refuses_foreign_headers(void **state)
{
	_Alignas(64) unsigned char mem[8192];
	struct vdm_ring_header *h = (struct vdm_ring_header *)mem;

	(void)state;
	assert_int_equal(vdm_ring_format(mem, sizeof(mem), VDM_RING_DOORBELL_FUTEX), 0);
	assert_int_equal(vdm_ring_check_layout(mem, sizeof(mem)), VDM_RING_FAULT_NONE);
	assert_int_equal(vdm_ring_check_layout(mem, VDM_RING_MIN_SIZE - 1), VDM_RING_FAULT_LAYOUT);
	h->wire_version = VDM_ABI_MAKE(2, 0);
	assert_int_equal(vdm_ring_check_layout(mem, sizeof(mem)), VDM_RING_FAULT_LAYOUT);
	h->wire_version = VDM_ABI_MAKE(1, 3); /* newer minor: fine */
	assert_int_equal(vdm_ring_check_layout(mem, sizeof(mem)), VDM_RING_FAULT_NONE);
	h->rsp_entries = 17;
	assert_int_equal(vdm_ring_check_layout(mem, sizeof(mem)), VDM_RING_FAULT_LAYOUT);
	h->rsp_entries = VDM_RING_RSP_ENTRIES;
	h->total_size = 1u << 30;
	assert_int_equal(vdm_ring_check_layout(mem, sizeof(mem)), VDM_RING_FAULT_LAYOUT);
	assert_int_equal(vdm_ring_format(mem, 100, VDM_RING_DOORBELL_FUTEX), -EINVAL);
	assert_int_equal(vdm_ring_format(mem, sizeof(mem), 9), -EINVAL);
}

static void log_check_terminates_and_cleans_text(void **state)
{
	struct vdm_ring_log in, out;

	(void)state;
	memset(&in, 'x', sizeof(in));
	in.kind = VDM_RING_LOG_LINE;
	in.level = VDM_LOG_WARN;
	in.text[3] = '\n';
	in.text[4] = (char)0x9b; /* C1 control: a terminal escape */
	assert_int_equal(vdm_ring_check_log(&in, &out), VDM_RING_FAULT_NONE);
	assert_int_equal(strlen(out.text), VDM_RING_LOG_TEXT - 1);
	assert_int_equal(out.text[3], '?');
	assert_int_equal(out.text[4], '?');
	in.level = 77;
	assert_int_equal(vdm_ring_check_log(&in, &out), VDM_RING_FAULT_LOG);
	assert_int_equal(out.level, VDM_LOG_ERROR);
	in.level = 0;
	in.kind = 3;
	assert_int_equal(vdm_ring_check_log(&in, &out), VDM_RING_FAULT_LOG);
}

/* Random bytes as the answer: never accepted, never a crash. */
static uint64_t xs = 0x9e3779b97f4a7c15ull;
static void spoil_random(struct pair *p)
{
	struct vdm_ring_header *h = (struct vdm_ring_header *)p->mem;
	unsigned char *e = (unsigned char *)rsp_slot(p, h->rsp_prod - 1);
	size_t i;

	for (i = 0; i < sizeof(struct vdm_ring_entry); i++) {
		xs ^= xs << 13, xs ^= xs >> 7, xs ^= xs << 17;
		e[i] = (unsigned char)xs;
	}
}

static void random_answers_are_never_accepted(void **state)
{
	struct pair *p = *state;
	int k;

	for (k = 0; k < 2000; k++) {
		struct vdm_ring_client_config cc = { .doorbell = VDM_RING_DOORBELL_NONE, .pidfd = -1,
						     .pump = pump, .pump_opaque = p };
		struct vdm_ring_server_config sc = { .req_efd = -1, .rsp_efd = -1,
						     .notify_efd = -1 };
		uint64_t v;
		int32_t st;

		vdm_ring_client_free(p->cli);
		vdm_ring_server_free(p->srv);
		assert_int_equal(vdm_ring_format(p->mem, sizeof(p->mem), VDM_RING_DOORBELL_NONE), 0);
		assert_int_equal(vdm_ring_server_new(p->mem, sizeof(p->mem), &sc, &p->srv), 0);
		assert_int_equal(vdm_ring_client_new(p->mem, sizeof(p->mem), &cc, &p->cli), 0);
		vdm_ring_server_ready(p->srv);
		assert_int_equal(vdm_ring_client_wait_ready(p->cli, 0), 0);
		p->spoil = spoil_random;
		assert_int_equal(vdm_ring_client_call(p->cli, VDM_RING_BAR_READ, 0, 0, 4, 0, &v, &st),
				 -EIO);
		assert_int_not_equal(vdm_ring_client_fault(p->cli), VDM_RING_FAULT_NONE);
		p->spoil = NULL;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(in_memory_transport_matches_direct_calls, setup,
						teardown),
		cmocka_unit_test_setup_teardown(server_that_never_answers_is_a_timeout, setup,
						teardown),
		cmocka_unit_test_setup_teardown(wrong_sequence_id_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(second_answer_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(torn_response_index_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(config_value_wider_than_32_bits_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(missing_answer_is_a_timeout, setup, teardown),
		cmocka_unit_test(response_check_names_each_bad_field),
		cmocka_unit_test(request_check_names_each_bad_field),
		cmocka_unit_test(indices_past_the_ring_size_are_torn),
		cmocka_unit_test(layout_check_refuses_foreign_headers),
		cmocka_unit_test(log_check_terminates_and_cleans_text),
		cmocka_unit_test_setup_teardown(random_answers_are_never_accepted, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
