/* Unit tests for the human monitor's pure parts (vmm-example/monitor_cmd.c, monitor_console.c,
 * monitor_buf.c): every error text of the line parser, x-fit-check, bounded line assembly,
 * dispatch to the executor, and the console's Ctrl-a keys. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "monitor_buf.h"
#include "monitor_cmd.h"
#include "monitor_console.h"

static struct mon_cmd cmd;
static char err[512];

static int parse(const char *line)
{
	err[0] = 0;
	return mon_parse_line(line, strlen(line), &cmd, err, sizeof(err));
}

static void expect_error(const char *line, const char *text)
{
	assert_int_equal(parse(line), -EINVAL);
	assert_string_equal(err, text);
}

static void commands_parse_into_kind_and_argument(void **state)
{
	(void)state;
	assert_int_equal(parse("device_add testdev,id=t1,bus=rp1,membar=4M"), 0);
	assert_int_equal(cmd.kind, MON_CMD_DEVICE_ADD);
	assert_string_equal(cmd.arg, "testdev,id=t1,bus=rp1,membar=4M");
	assert_true(cmd.fit_check);
	assert_int_equal(parse("device_add pci-testdev,id=t2,bus=rp1,membar=4M"), 0); /* QEMU's */
	assert_int_equal(cmd.kind, MON_CMD_DEVICE_ADD);
	assert_string_equal(cmd.arg, "pci-testdev,id=t2,bus=rp1,membar=4M");
	assert_int_equal(parse("  device_del\tt1  \r"), 0);
	assert_int_equal(cmd.kind, MON_CMD_DEVICE_DEL);
	assert_string_equal(cmd.arg, "t1");
	assert_int_equal(parse("info pci"), 0);
	assert_int_equal(cmd.kind, MON_CMD_INFO_PCI);
	assert_int_equal(parse("info devices"), 0);
	assert_int_equal(cmd.kind, MON_CMD_INFO_DEVICES);
	assert_int_equal(parse("help"), 0);
	assert_int_equal(cmd.kind, MON_CMD_HELP);
	assert_int_equal(parse("?"), 0);
	assert_int_equal(cmd.kind, MON_CMD_HELP);
	assert_int_equal(parse("q"), 0);
	assert_int_equal(cmd.kind, MON_CMD_QUIT);
	assert_int_equal(parse("quit"), 0);
	assert_int_equal(cmd.kind, MON_CMD_QUIT);
	assert_int_equal(parse("   "), 0);
	assert_int_equal(cmd.kind, MON_CMD_EMPTY);
}

static void every_bad_line_gets_its_reason(void **state)
{
	char big[MON_LINE_MAX + 2];

	(void)state;
	expect_error("frob", "unknown command 'frob' (try help)");
	expect_error("help me", "help takes no argument");
	expect_error("quit now", "quit takes no argument");
	expect_error("info", "info needs what to show: info pci, info devices");
	expect_error("info pci now", "info takes one argument: info pci, info devices");
	expect_error("info cpus", "info cpus: unknown (known: pci, devices)");
	expect_error("device_add", "device_add needs a device spec, e.g. device_add "
				   "pci-testdev,id=t1,bus=rp1,membar=4M");
	expect_error("device_add testdev membar=4M", "device_add takes one spec without blanks "
						    "(extra: 'membar=4M')");
	expect_error("device_del", "device_del needs the id of a device (see info devices)");
	expect_error("device_del a b", "device_del takes one id (extra: 'b')");
	expect_error("device_del t/1", "device_del t/1: not a device id (letters, digits, '_', '.', "
				       "'-'; at most 63)");
	expect_error("device_add testdev,x-fit-check=maybe", "x-fit-check=maybe: expected on or off");
	expect_error("device_add testdev,x-fit-check=on,x-fit-check=off", "x-fit-check given twice");
	assert_int_equal(mon_parse_line("info\0pci", 8, &cmd, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "byte 0x00 at column 5: the monitor takes printable ASCII only");
	expect_error("device_add t\xc3\xa9st", "byte 0xc3 at column 13: the monitor takes printable "
					      "ASCII only");
	memset(big, 'a', sizeof(big));
	assert_int_equal(mon_parse_line(big, sizeof(big), &cmd, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "line longer than 4096 bytes");
}

static void x_fit_check_is_split_off_the_spec(void **state)
{
	char out[64];
	bool fit;

	(void)state;
	assert_int_equal(parse("device_add testdev,x-fit-check=off,bus=rp1"), 0);
	assert_string_equal(cmd.arg, "testdev,bus=rp1");
	assert_false(cmd.fit_check);
	assert_int_equal(mon_split_fit_check("testdev,x-fit-check=on", out, sizeof(out), &fit, err,
					     sizeof(err)), 0);
	assert_string_equal(out, "testdev");
	assert_true(fit);
	assert_int_equal(mon_split_fit_check("testdev,membar=4M,id=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
					     "aaaaaaaaaaaaaaaaaaaaaa", out, sizeof(out), &fit,
					     err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "device spec too long (at most 63 bytes)");
}

struct lines_seen {
	char text[8][64];
	size_t len[8];
	bool too_long[8];
	int n;
};

static void on_line(void *opaque, const char *line, size_t len, bool too_long)
{
	struct lines_seen *s = opaque;

	if (!too_long)
		snprintf(s->text[s->n], sizeof(s->text[0]), "%.*s", (int)len, line);
	s->len[s->n] = len;
	s->too_long[s->n++] = too_long;
}

static void over_long_lines_are_dropped_whole_and_reported_once(void **state)
{
	static struct mon_lines l;
	static char big[10000];
	struct lines_seen s = { .n = 0 };

	(void)state;
	mon_lines_feed(&l, "info p", 6, on_line, &s);
	assert_int_equal(s.n, 0);
	assert_int_equal(mon_lines_pending(&l), 6);
	mon_lines_feed(&l, "ci\nhelp\n", 8, on_line, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.text[0], "info pci");
	assert_string_equal(s.text[1], "help");
	memset(big, 'x', sizeof(big));
	mon_lines_feed(&l, big, sizeof(big), on_line, &s);
	mon_lines_feed(&l, big, sizeof(big), on_line, &s);
	assert_int_equal(s.n, 2);
	mon_lines_feed(&l, "\nquit\n", 6, on_line, &s);
	assert_int_equal(s.n, 4);
	assert_true(s.too_long[2]);
	assert_int_equal(s.len[2], 20000);
	assert_string_equal(s.text[3], "quit");
	/* exactly MON_LINE_MAX bytes plus a CR is still a line */
	memset(big, 'y', MON_LINE_MAX);
	big[MON_LINE_MAX] = '\r';
	big[MON_LINE_MAX + 1] = '\n';
	mon_lines_feed(&l, big, MON_LINE_MAX + 2, on_line, &s);
	assert_false(s.too_long[4]);
	assert_int_equal(s.len[4], MON_LINE_MAX + 1);
}

/* A fake executor that records what it was asked. */
static char last[256];
static int fake_add(void *o, const char *spec, bool fit, char *id, size_t id_len, char *msg,
		    size_t len)
{
	(void)o;
	snprintf(last, sizeof(last), "add %s fit=%d", spec, fit);
	snprintf(id, id_len, "t1");
	if (strstr(spec, "bus=nope")) {
		snprintf(msg, len, "device_add %s: bus=nope: no pcie-root-port with that id", spec);
		return -ENOENT;
	}
	snprintf(msg, len, "device_add: t1 added");
	return 0;
}
static int fake_del(void *o, const char *id, char *msg, size_t len)
{
	(void)o;
	snprintf(last, sizeof(last), "del %s", id);
	snprintf(msg, len, "unplug of %s requested", id);
	return 0;
}
static void fake_text(void *o, struct mon_buf *out)
{
	(void)o;
	mon_buf_printf(out, "pci 00:01.0 listing\n");
}
static void fake_quit(void *o)
{
	(void)o;
	snprintf(last, sizeof(last), "quit");
}
static const struct mon_ops fake = { NULL, fake_add, fake_del, fake_text, fake_text, fake_text,
				     fake_quit };

static void lines_run_against_the_executor_with_one_reply_each(void **state)
{
	struct mon_buf out = { 0 };

	(void)state;
	assert_false(mon_run_line(&fake, "device_add testdev,x-fit-check=off", 34, &out));
	assert_string_equal(last, "add testdev fit=0");
	assert_string_equal(out.s, "device_add: t1 added\n");
	mon_buf_reset(&out);
	assert_false(mon_run_line(&fake, "device_add testdev,bus=nope", 27, &out));
	assert_string_equal(out.s, "error: device_add testdev,bus=nope: bus=nope: no pcie-root-port "
				   "with that id\n");
	mon_buf_reset(&out);
	assert_false(mon_run_line(&fake, "device_del t1", 13, &out));
	assert_string_equal(last, "del t1");
	mon_buf_reset(&out);
	assert_false(mon_run_line(&fake, "info pci", 8, &out));
	assert_string_equal(out.s, "pci 00:01.0 listing\n");
	mon_buf_reset(&out);
	assert_false(mon_run_line(&fake, "bogus", 5, &out));
	assert_string_equal(out.s, "error: unknown command 'bogus' (try help)\n");
	mon_buf_reset(&out);
	assert_false(mon_run_line(&fake, "", 0, &out));
	assert_int_equal(out.len, 0);
	assert_false(mon_run_line(&fake, "help", 4, &out));
	assert_non_null(strstr(out.s, "device_add SPEC"));
	assert_true(mon_run_line(&fake, "quit", 4, &out));
	assert_string_equal(last, "quit");
	mon_buf_free(&out);
}

static void the_reply_buffer_stops_at_its_cap(void **state)
{
	struct mon_buf b = { .cap = 16 };

	(void)state;
	mon_buf_printf(&b, "%s", "0123456789");
	mon_buf_printf(&b, "%s", "0123456789");
	assert_true(b.truncated);
	assert_string_equal(b.s, "0123456789");
	mon_buf_reset(&b);
	mon_buf_json_str(&b, "a\"\\\n\x01", 5);
	assert_string_equal(b.s, "\"a\\\"\\\\\\n\\u0001\"");
	mon_buf_free(&b);
}

static void console_keys_switch_quit_and_pass_ctrl_a(void **state)
{
	struct console_esc e = { 0 };
	uint8_t g[32], m[32];
	size_t ng = 0, nm = 0, used;
	enum console_action a;
	const uint8_t in[] = { 'l', 's', 0x01, 'c', 'i', 'n', 0x01, 'c', 'x', 0x01, 0x01, 0x01, 'z',
			       0x01, 'x', 'q' };

	(void)state;
	used = console_esc_feed(&e, in, sizeof(in), g, &ng, m, &nm, &a);
	assert_int_equal(used, 4);
	assert_int_equal(a, CONSOLE_SWITCH);
	assert_true(e.monitor);
	assert_memory_equal(g, "ls", 2);
	used += console_esc_feed(&e, in + used, sizeof(in) - used, g, &ng, m, &nm, &a);
	assert_int_equal(a, CONSOLE_SWITCH);
	assert_false(e.monitor);
	assert_int_equal(nm, 2);
	assert_memory_equal(m, "in", 2);
	used += console_esc_feed(&e, in + used, sizeof(in) - used, g, &ng, m, &nm, &a);
	assert_int_equal(a, CONSOLE_QUIT);
	assert_int_equal(used, sizeof(in) - 1);
	/* guest got: l s x ^A ^A z  (Ctrl-a Ctrl-a = one Ctrl-a; Ctrl-a z passes both) */
	assert_int_equal(ng, 6);
	assert_memory_equal(g, "lsx\x01\x01z", 6);
	/* a Ctrl-a at the end of one read pairs with the next read's first byte */
	ng = nm = 0;
	console_esc_feed(&e, (const uint8_t *)"\x01", 1, g, &ng, m, &nm, &a);
	assert_int_equal(a, CONSOLE_NONE);
	console_esc_feed(&e, (const uint8_t *)"h", 1, g, &ng, m, &nm, &a);
	assert_int_equal(a, CONSOLE_HELP);
	assert_int_equal(ng + nm, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(commands_parse_into_kind_and_argument),
		cmocka_unit_test(every_bad_line_gets_its_reason),
		cmocka_unit_test(x_fit_check_is_split_off_the_spec),
		cmocka_unit_test(over_long_lines_are_dropped_whole_and_reported_once),
		cmocka_unit_test(lines_run_against_the_executor_with_one_reply_each),
		cmocka_unit_test(the_reply_buffer_stops_at_its_cap),
		cmocka_unit_test(console_keys_switch_quit_and_pass_ctrl_a),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
