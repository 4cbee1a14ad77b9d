/* A proxied device behaves like the same device in-process (every access kind, built-in
 * devices too), delivers irqs, logs and ejects, and turns death, hangs and garbage into
 * all-ones plus one event while the test process carries on. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include <vdm/builtin.h>
#include <vdm/plugin.h>
#include <vdm/props.h>

#include "itest_common.h"

/* ---- the in-process twin -------------------------------------------------------------- */

struct twin {
	struct vdm_device *dev;
	struct vdm_plugin_handle *plugin;
	uint32_t irq_edges;
};

static void twin_set_irq(void *opaque, uint32_t line, uint32_t level)
{
	struct twin *t = opaque;

	if (line == 0 && level)
		t->irq_edges++;
}

static void twin_create(struct twin *t, const char *plugin, const char *spec)
{
	const struct vdm_device_type *const *types, *type;
	struct vdm_host host = { VDM_STRUCT_HEAD(struct vdm_host), .opaque = t,
				 .set_irq = twin_set_irq };
	struct vdm_prop_values pv;
	char err[256];
	size_t n;

	memset(t, 0, sizeof(*t));
	if (plugin) {
		assert_int_equal(vdm_plugin_load(plugin, &t->plugin, err, sizeof(err)), 0);
		types = vdm_plugin_info(t->plugin)->types;
		n = vdm_plugin_info(t->plugin)->num_types;
	} else {
		types = vdm_builtin_types(&n);
	}
	if (vdm_props_parse(spec, types, n, NULL, 0, &type, &pv, err, sizeof(err)))
		fail_msg("%s: %s", spec, err);
	if (type->create(&pv, &host, &t->dev, err, sizeof(err)))
		fail_msg("%s: %s", spec, err);
}

static void twin_destroy(struct twin *t)
{
	vdm_device_destroy(t->dev);
	vdm_plugin_unload(t->plugin);
}

/* ---- random access sequences ------------------------------------------------------------ */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* An offset inside (mostly) or just past a region; huge regions are probed at both ends. */
static uint64_t pick_offset(uint64_t *s, uint64_t size, uint32_t width)
{
	uint64_t span = size < 0x10000 ? size : 0x10000;
	uint64_t off = rnd(s) % (span + 16);

	if (size > span && (rnd(s) & 1))
		off = size - span + off;
	if (rnd(s) % 4)
		off &= ~(uint64_t)(width - 1);
	return off;
}

/* Offsets the sequence must not touch: itest's magic registers (hang, evil hook). */
static int magic(const char *spec, uint32_t region, uint64_t off, uint32_t width)
{
	return strncmp(spec, "itest", 5) == 0 && region == 0 && off + width > 0xf00 &&
	       off < ITEST_BAR0_SIZE;
}

/* Run `count` random accesses on both devices; every read must match, every write the
 * proxy refused itself must match, and the device must have refused as many posted
 * writes as the twin did. */
static void run_same_sequence(struct vdm_device *px, struct twin *t, const char *spec,
			      uint64_t seed, int count)
{
	static const uint32_t cfg_widths[] = { 1, 2, 4, 4, 4, 3, 8 };
	static const uint32_t bar_widths[] = { 1, 2, 4, 8 };
	struct vdm_device *in = t->dev;
	uint32_t twin_write_errors = 0, write_errors = 0, regions[VDM_MAX_REGIONS], nreg = 0, i;
	uint64_t s = seed;
	int k, pci = in->res.bus_kind != VDM_BUS_PLATFORM;

	/* The same declaration; the write masks (ABI 1.3) the same bytes in other memory. */
	assert_memory_equal(&px->res, &in->res, offsetof(struct vdm_resources, cfg_wmask));
	assert_int_equal(vdm_device_pure_reads(px), vdm_device_pure_reads(in));
	if (vdm_device_pure_reads(in) & VDM_PURE_CFG_WRITES) {
		assert_memory_equal(px->res.cfg_wmask, in->res.cfg_wmask, VDM_RING_MIRROR_BYTES);
		assert_memory_equal(px->res.cfg_w1cmask, in->res.cfg_w1cmask,
				    VDM_RING_MIRROR_BYTES);
	}
	for (i = 0; i < VDM_MAX_REGIONS; i++)
		if (in->res.regions[i].kind != VDM_REGION_NONE)
			regions[nreg++] = i;
	for (k = 0; k < count; k++) {
		uint32_t op = (uint32_t)(rnd(&s) % 100);

		if (!nreg) /* a bridge without BARs: config space only */
			op %= 45;
		if (op < 30) { /* config read */
			uint32_t w = cfg_widths[rnd(&s) % 7], off = (uint32_t)(rnd(&s) % 4200);
			uint32_t a = 0x5a5a5a5a, b = 0xa5a5a5a5;
			int ra = vdm_cfg_read(px, off, w, &a), rb = vdm_cfg_read(in, off, w, &b);

			if (ra != rb || a != b)
				fail_msg("%s #%d: cfg_read(%#x, %u): proxy %d/%#x, in-process %d/%#x",
					 spec, k, off, w, ra, a, rb, b);
		} else if (op < 45) { /* config write */
			uint32_t w = cfg_widths[rnd(&s) % 7], off = (uint32_t)(rnd(&s) % 4200);
			uint32_t v = (uint32_t)rnd(&s);
			int ra, rb;

			if (pci && (off & ~3u) == 0x04) /* keep decoding on: BAR moves are VMM work */
				v |= 0x6;
			ra = vdm_cfg_write(px, off, w, v);
			rb = vdm_cfg_write(in, off, w, v);
			if (ra && ra != rb)
				fail_msg("%s #%d: cfg_write(%#x, %u) refused %d, in-process %d", spec, k,
					 off, w, ra, rb);
			if (!ra && rb < 0 && pci)
				twin_write_errors++;
		} else if (op < 75) { /* region read */
			uint32_t r = regions[rnd(&s) % nreg], w = bar_widths[rnd(&s) % 4];
			uint64_t off = pick_offset(&s, in->res.regions[r].size, w), a = 1, b = 2;
			int ra, rb;

			if (magic(spec, r, off, w))
				continue;
			ra = vdm_bar_read(px, r, off, w, &a);
			rb = vdm_bar_read(in, r, off, w, &b);
			if (ra != rb || a != b)
				fail_msg("%s #%d: bar_read(%u, %#llx, %u): proxy %d/%#llx, in-process "
					 "%d/%#llx", spec, k, r, (unsigned long long)off, w, ra,
					 (unsigned long long)a, rb, (unsigned long long)b);
		} else if (op < 98) { /* region write */
			uint32_t r = regions[rnd(&s) % nreg], w = bar_widths[rnd(&s) % 4];
			uint64_t off = pick_offset(&s, in->res.regions[r].size, w), v = rnd(&s);
			int ra, rb;

			if (magic(spec, r, off, w))
				continue;
			ra = vdm_bar_write(px, r, off, w, v);
			rb = vdm_bar_write(in, r, off, w, v);
			if (ra)
				fail_msg("%s #%d: posted bar_write returned %d", spec, k, ra);
			if (rb < 0)
				twin_write_errors++;
		} else {
			vdm_device_reset(px);
			vdm_device_reset(in);
		}
	}
	/* A synchronous request orders after every posted write before it. */
	assert_int_equal(vdm_proxy_ping(px), 0);
	assert_int_equal(vdm_proxy_counters(px, NULL, NULL, &write_errors), 0);
	assert_int_equal(write_errors, twin_write_errors);
	assert_int_equal(vdm_proxy_fault(px), VDM_RING_FAULT_NONE);
}

static uint32_t irq_edges(struct vdm_device *px)
{
	uint64_t v = 0;

	return read(vdm_proxy_irqfd(px, 0), &v, sizeof(v)) == sizeof(v) ? (uint32_t)v : 0;
}

static void compare(const char *plugin, const char *spec, uint32_t doorbell, uint64_t seed)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *px;
	struct twin t;

	itest_rec_init(&r);
	itest_config(&cfg, &r, spec);
	cfg.plugin = plugin;
	cfg.doorbell = doorbell;
	px = itest_spawn(&cfg);
	twin_create(&t, plugin, spec);
	assert_string_equal(px->type->name, t.dev->type->name);
	assert_int_equal(px->type->bus_kind, t.dev->type->bus_kind);
	assert_true(px->type != t.dev->type); /* never the real type object */
	assert_int_equal(px->ops->cfg_read == NULL, t.dev->ops->cfg_read == NULL);
	run_same_sequence(px, &t, spec, seed, 3000);
	assert_int_equal(irq_edges(px), t.irq_edges);
	vdm_device_destroy(px);
	twin_destroy(&t);
	assert_int_equal(r.nev, 0);
}

static void itest_dev_matches_in_process_twin_futex(void **state)
{
	(void)state;
	compare(itest_plugin_path("itest_plugin"), "itest-dev,bar2=64G",
		VDM_RING_DOORBELL_FUTEX, 0x1234567);
}

static void itest_dev_matches_in_process_twin_eventfd(void **state)
{
	(void)state;
	compare(itest_plugin_path("itest_plugin"), "itest-dev", VDM_RING_DOORBELL_EVENTFD,
		0x7654321);
}

/* Every built-in type, through the proxy, against the same type in-process. */
static void builtin_devices_match_in_process_twins(void **state)
{
	static const struct {
		const char *name, *spec;
	} specs[] = {
		{ "testdev", "testdev,membar=4M" },
		{ "pcie-root-port", "pcie-root-port,chassis=1,slot=2" },
		{ "ged", "ged,selectors=2,slot-mask=0x3" },
	};
	size_t n, i, j;
	const struct vdm_device_type *const *types = vdm_builtin_types(&n);

	(void)state;
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		const char *spec = types[i]->name;

		for (j = 0; j < sizeof(specs) / sizeof(specs[0]); j++)
			if (strcmp(specs[j].name, types[i]->name) == 0)
				spec = specs[j].spec;
		print_message("    %s\n", spec);
		compare(NULL, spec, VDM_RING_DOORBELL_FUTEX, 0xabcdef + i);
	}
}

static void device_irq_arrives_on_the_irqfd(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	struct pollfd p;
	int k;

	(void)state;
	itest_rec_init(&r);
	itest_config(&cfg, &r, "itest-dev");
	dev = itest_spawn(&cfg);
	p = (struct pollfd){ .fd = vdm_proxy_irqfd(dev, 0), .events = POLLIN };
	assert_int_equal(poll(&p, 1, 0), 0);
	for (k = 0; k < 3; k++)
		assert_int_equal(vdm_bar_write(dev, 0, ITEST_REG_IRQ, 4, 1), 0);
	assert_int_equal(poll(&p, 1, 1000), 1);
	assert_int_equal(vdm_proxy_ping(dev), 0); /* all three writes done */
	assert_int_equal(irq_edges(dev), 3);
	assert_int_equal(vdm_proxy_irqfd(dev, 1), -1);
	vdm_device_destroy(dev);
}

static void device_logs_reach_host_callbacks_and_a_non_ged_eject_is_refused(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	struct pollfd p;
	int i, found = 0, refused = 0;

	(void)state;
	itest_rec_init(&r);
	itest_config(&cfg, &r, "itest-dev");
	dev = itest_spawn(&cfg);
	assert_int_equal(vdm_proxy_poll(dev), 1); /* start-up lines */
	r.nlogs = 0;
	assert_int_equal(vdm_bar_write(dev, 0, ITEST_REG_LOG, 8, 0xbeef), 0);
	assert_int_equal(vdm_bar_write(dev, 0, ITEST_REG_EJECT, 4, 0x0305), 0);
	p = (struct pollfd){ .fd = vdm_proxy_notify_fd(dev), .events = POLLIN };
	assert_int_equal(poll(&p, 1, 1000), 1);
	assert_int_equal(vdm_proxy_ping(dev), 0);
	assert_int_equal(vdm_proxy_poll(dev), 1);
	for (i = 0; i < r.nlogs; i++) {
		found |= strcmp(r.logs[i], "itest log 0xbeef") == 0;
		refused |= strstr(r.logs[i], "eject request refused: only a built-in acpi-ged") &&
			   r.log_level[i] == VDM_LOG_WARN;
	}
	assert_true(found);
	/* itest-dev does not own ejects (the GED does: test_control.c): refused, said once */
	assert_int_equal(r.nejects, 0);
	assert_true(refused);
	vdm_device_destroy(dev);
}

/* An orderly stop runs the device's destroy in the devhost, which then exits 0. */
static void orderly_shutdown_destroys_device_and_exits_0(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	const struct vdm_proxy_event *ev;
	uint64_t v = 0;
	int i, found = 0;

	(void)state;
	itest_rec_init(&r);
	itest_config(&cfg, &r, "itest-dev");
	dev = itest_spawn(&cfg);
	assert_int_equal(vdm_bar_write(dev, 0, 0, 8, 5), 0);
	assert_int_equal(vdm_proxy_shutdown(dev, 2000), 0);
	ev = itest_find_event(&r, VDM_PROXY_EV_EXITED);
	assert_non_null(ev);
	if (ev->exit_code != 0 || ev->signal != 0)
		fail_msg("orderly exit expected: %s", ev->text);
	for (i = 0; i < r.nlogs; i++)
		found |= strcmp(r.logs[i], "itest-dev destroyed") == 0;
	assert_true(found);
	assert_int_equal(vdm_bar_read(dev, 0, 0, 8, &v), -EIO);
	assert_true(v == UINT64_MAX);
	assert_int_equal(vdm_proxy_poll(dev), 0);
	assert_int_equal(vdm_proxy_shutdown(dev, 10), 0); /* again: nothing to do */
	vdm_device_destroy(dev);
	assert_int_equal(r.nev, 1);
}

/* SIGKILL from outside while accesses stream: reads turn all-ones at once (the pidfd, not
 * the timeout, tells), one EXITED event with the signal, nothing crashes. */
static void killed_devhost_reads_all_ones_and_reports_exit(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	const struct vdm_proxy_event *ev;
	uint64_t v, t0;
	int k, rc = 0;

	(void)state;
	itest_rec_init(&r);
	itest_config(&cfg, &r, "itest-dev");
	cfg.timeout_ms = 5000; /* prove death is noticed long before the timeout */
	dev = itest_spawn(&cfg);
	for (k = 0; k < 200; k++) {
		assert_int_equal(vdm_bar_write(dev, 0, 8 * (uint64_t)(k % 64), 8, (uint64_t)k), 0);
		assert_int_equal(vdm_bar_read(dev, 0, 8 * (uint64_t)(k % 64), 8, &v), 0);
		assert_int_equal(v, k);
	}
	assert_int_equal(syscall(SYS_pidfd_send_signal, vdm_proxy_pidfd(dev), SIGKILL, NULL, 0), 0);
	t0 = itest_now_ms();
	/* Posted writes may still be queued until the ring fills; reads fail promptly. */
	for (k = 0; k < 200 && rc == 0; k++)
		rc = vdm_bar_read(dev, 0, 0, 8, &v);
	assert_int_equal(rc, -EIO);
	assert_true(v == UINT64_MAX);
	assert_true(itest_now_ms() - t0 < 2500); /* the pidfd told, not the 5 s timeout */
	assert_int_equal(vdm_proxy_fault(dev), VDM_RING_FAULT_DEAD);
	assert_int_equal(vdm_bar_write(dev, 0, 0, 8, 1), -EIO);
	assert_int_equal(vdm_cfg_write(dev, 0x40, 4, 1), -EIO);
	vdm_device_reset(dev); /* harmless on a dead device */
	assert_int_equal(vdm_proxy_poll(dev), 0);
	ev = itest_find_event(&r, VDM_PROXY_EV_EXITED);
	assert_non_null(ev);
	assert_int_equal(ev->signal, SIGKILL);
	assert_int_equal(r.nev, 1);
	vdm_device_destroy(dev);
}

/* A device that never answers: the read returns all-ones after the timeout, HUNG is
 * reported once, the devhost is killed, and a later read does not wait again. */
static void hung_device_times_out_and_is_killed(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	const struct vdm_proxy_event *ev;
	uint64_t v = 0, t0, dt;

	(void)state;
	itest_rec_init(&r);
	itest_config(&cfg, &r, "itest-dev");
	cfg.timeout_ms = 200;
	dev = itest_spawn(&cfg);
	t0 = itest_now_ms();
	assert_int_equal(vdm_bar_read(dev, 0, ITEST_REG_HANG, 4, &v), -EIO);
	dt = itest_now_ms() - t0;
	assert_true(v == UINT64_MAX);
	assert_true(dt >= 190 && dt < 3000); /* waited for the timeout, not forever */
	assert_int_equal(vdm_proxy_fault(dev), VDM_RING_FAULT_TIMEOUT);
	ev = itest_find_event(&r, VDM_PROXY_EV_HUNG);
	assert_non_null(ev);
	assert_int_equal(ev->fault, VDM_RING_FAULT_TIMEOUT);
	t0 = itest_now_ms();
	assert_int_equal(vdm_cfg_read(dev, 0, 4, (uint32_t *)&v), -EIO);
	assert_true(itest_now_ms() - t0 < 190); /* failed: no second wait for the timeout */
	itest_wait_exit(dev, 2000);
	ev = itest_find_event(&r, VDM_PROXY_EV_EXITED);
	assert_non_null(ev);
	assert_int_equal(ev->signal, SIGKILL);
	assert_int_equal(r.nev, 2);
	vdm_device_destroy(dev);
}

/* itest-evil spoils the ring in one way; the proxy must report `fault`. */
static void expect_protocol_fault(int what, enum vdm_ring_fault fault, int reads)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	const struct vdm_proxy_event *ev;
	uint64_t v = 0;
	uint32_t c = 0;
	int k, rc = 0;

	itest_rec_init(&r);
	itest_config(&cfg, &r, "itest-evil");
	dev = itest_spawn(&cfg);
	assert_int_equal(vdm_bar_write(dev, 0, ITEST_REG_HOOK_SEL, 8, (uint64_t)what), 0);
	for (k = 0; k < reads && rc == 0; k++)
		rc = vdm_bar_read(dev, 0, ITEST_REG_HOOK, 8, &v);
	assert_int_equal(rc, -EIO);
	assert_true(v == UINT64_MAX);
	if (vdm_proxy_fault(dev) != fault)
		fail_msg("fault %s, expected %s", vdm_ring_fault_str(vdm_proxy_fault(dev)),
			 vdm_ring_fault_str(fault));
	ev = itest_find_event(&r, VDM_PROXY_EV_PROTOCOL);
	assert_non_null(ev);
	assert_int_equal(ev->fault, fault);
	assert_non_null(strstr(ev->text, vdm_ring_fault_str(fault)));
	assert_int_equal(vdm_cfg_read(dev, 0, 4, &c), -EIO);
	assert_int_equal(c, UINT32_MAX);
	itest_wait_exit(dev, 2000);
	assert_int_equal(itest_find_event(&r, VDM_PROXY_EV_EXITED)->signal, SIGKILL);
	vdm_device_destroy(dev);
}

static void response_with_bad_sequence_id_fails_device(void **state)
{
	(void)state;
	expect_protocol_fault(EVIL_BAD_SEQ, VDM_RING_FAULT_SEQ, 1);
}

static void response_with_bad_size_fails_device(void **state)
{
	(void)state;
	expect_protocol_fault(EVIL_BAD_SIZE, VDM_RING_FAULT_SIZE, 1);
}

static void response_with_bad_kind_fails_device(void **state)
{
	(void)state;
	expect_protocol_fault(EVIL_BAD_KIND, VDM_RING_FAULT_KIND, 1);
}

static void response_with_positive_status_fails_device(void **state)
{
	(void)state;
	expect_protocol_fault(EVIL_BAD_STATUS, VDM_RING_FAULT_STATUS, 1);
}

static void two_responses_to_one_read_fail_device(void **state)
{
	(void)state;
	expect_protocol_fault(EVIL_TWO_RSP, VDM_RING_FAULT_UNSOLICITED, 1);
}

static void torn_response_ring_fails_device(void **state)
{
	(void)state;
	expect_protocol_fault(EVIL_TORN_RSP, VDM_RING_FAULT_INDEX, 1);
}

static void torn_request_ring_fails_device_on_next_request(void **state)
{
	(void)state;
	expect_protocol_fault(EVIL_TORN_REQ, VDM_RING_FAULT_INDEX, 2);
}

/* A log entry of unknown kind fails the device when the VMM drains the log. */
static void malformed_log_entry_fails_device(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	uint64_t v;

	(void)state;
	itest_rec_init(&r);
	itest_config(&cfg, &r, "itest-evil");
	dev = itest_spawn(&cfg);
	assert_int_equal(vdm_bar_write(dev, 0, ITEST_REG_HOOK_SEL, 8, EVIL_LOG_BAD), 0);
	assert_int_equal(vdm_bar_read(dev, 0, ITEST_REG_HOOK, 8, &v), 0);
	vdm_proxy_poll(dev);
	assert_int_equal(vdm_proxy_fault(dev), VDM_RING_FAULT_LOG);
	assert_non_null(itest_find_event(&r, VDM_PROXY_EV_PROTOCOL));
	itest_wait_exit(dev, 2000);
	vdm_device_destroy(dev);
}

/* Escape codes and a missing NUL in a log line reach the host as printable text. */
static void junk_log_text_is_sanitised(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev;
	uint64_t v;
	int i;
	size_t j;

	(void)state;
	itest_rec_init(&r);
	itest_config(&cfg, &r, "itest-evil");
	dev = itest_spawn(&cfg);
	vdm_proxy_poll(dev);
	r.nlogs = 0;
	assert_int_equal(vdm_bar_write(dev, 0, ITEST_REG_HOOK_SEL, 8, EVIL_LOG_JUNK), 0);
	assert_int_equal(vdm_bar_read(dev, 0, ITEST_REG_HOOK, 8, &v), 0);
	assert_int_equal(vdm_proxy_poll(dev), 1);
	assert_int_equal(r.nlogs, 1);
	assert_int_equal(strlen(r.logs[0]), VDM_RING_LOG_TEXT - 1);
	for (i = 0; i < r.nlogs; i++)
		for (j = 0; r.logs[i][j]; j++)
			assert_true(r.logs[i][j] >= 0x20 && r.logs[i][j] < 0x7f);
	assert_int_equal(vdm_proxy_fault(dev), VDM_RING_FAULT_NONE);
	assert_int_equal(vdm_proxy_ping(dev), 0);
	vdm_device_destroy(dev);
}

/* cpu_mask confines the device host; a CPU the machine lacks is refused up front. */
static void cpu_mask_confines_the_device_host(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev = NULL;
	char path[64], line[256], err[256];
	int found = 0;
	FILE *f;

	(void)state;
	itest_rec_init(&r);
	itest_config(&cfg, &r, "itest-dev");
	cfg.cpu_mask = 1; /* CPU 0 only */
	dev = itest_spawn(&cfg);
	snprintf(path, sizeof(path), "/proc/%d/status", vdm_proxy_pid(dev));
	f = fopen(path, "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strcmp(line, "Cpus_allowed_list:\t0\n") == 0)
			found = 1;
	fclose(f);
	assert_true(found);
	assert_int_equal(vdm_proxy_ping(dev), 0);
	vdm_device_destroy(dev);
	dev = NULL;
	cfg.cpu_mask = 1ull << 63;
	assert_int_equal(vdm_proxy_spawn(&cfg, &dev, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "names CPU 63"));
}

static void bad_spec_is_refused_with_the_reason(void **state)
{
	struct itest_rec r;
	struct vdm_proxy_config cfg;
	struct vdm_device *dev = NULL;
	char err[512];
	int before = itest_count_fds();

	(void)state;
	itest_rec_init(&r);
	itest_config(&cfg, &r, "itest-dev,bar2=3M");
	assert_int_not_equal(vdm_proxy_spawn(&cfg, &dev, err, sizeof(err)), 0);
	assert_null(dev);
	assert_non_null(strstr(err, "bar2=3M"));
	itest_config(&cfg, &r, "frobdev");
	assert_int_not_equal(vdm_proxy_spawn(&cfg, &dev, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "frobdev"));
	cfg.devhost = "/nonexistent/vdm-devhost";
	assert_int_not_equal(vdm_proxy_spawn(&cfg, &dev, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "/nonexistent/vdm-devhost"));
	assert_int_equal(itest_count_fds(), before);
	assert_int_equal(itest_count_children(), 0);
	assert_int_equal(r.nev, 0); /* failed start-ups are errors, not events */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(itest_dev_matches_in_process_twin_futex),
		cmocka_unit_test(itest_dev_matches_in_process_twin_eventfd),
		cmocka_unit_test(builtin_devices_match_in_process_twins),
		cmocka_unit_test(device_irq_arrives_on_the_irqfd),
		cmocka_unit_test(device_logs_reach_host_callbacks_and_a_non_ged_eject_is_refused),
		cmocka_unit_test(orderly_shutdown_destroys_device_and_exits_0),
		cmocka_unit_test(killed_devhost_reads_all_ones_and_reports_exit),
		cmocka_unit_test(hung_device_times_out_and_is_killed),
		cmocka_unit_test(response_with_bad_sequence_id_fails_device),
		cmocka_unit_test(response_with_bad_size_fails_device),
		cmocka_unit_test(response_with_bad_kind_fails_device),
		cmocka_unit_test(response_with_positive_status_fails_device),
		cmocka_unit_test(two_responses_to_one_read_fail_device),
		cmocka_unit_test(torn_response_ring_fails_device),
		cmocka_unit_test(torn_request_ring_fails_device_on_next_request),
		cmocka_unit_test(malformed_log_entry_fails_device),
		cmocka_unit_test(junk_log_text_is_sanitised),
		cmocka_unit_test(cpu_mask_confines_the_device_host),
		cmocka_unit_test(bad_spec_is_refused_with_the_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
