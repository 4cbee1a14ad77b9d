/* Unit tests for QMP's pure parts (vmm-example/qmp_json.c, qmp.c): the strict JSON parser's
 * acceptances and every refusal text, bounds, the stream framer, and a QMP session against
 * a fake executor (greeting, negotiation, device_add spec building, ids, errors, events). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qmp.h"
#include "qmp_json.h"

static char err[256];

static struct json_value *parse(const char *s)
{
	return json_parse(s, strlen(s), err, sizeof(err));
}

static void refuse(const char *s, const char *why)
{
	struct json_value *v = parse(s);

	if (v)
		json_free(v);
	assert_null(v);
	assert_string_equal(err, why);
}

static void valid_json_parses_and_writes_back(void **state)
{
	struct mon_buf b = { 0 };
	struct json_value *v;

	(void)state;
	v = parse(" {\"a\": [1, -2.5e3, true, false, null, \"x\\u00e9\\ud83d\\ude00\\n\"], "
		  "\"b\": {}} ");
	assert_non_null(v);
	assert_int_equal(v->type, JSON_OBJECT);
	assert_int_equal(json_get(v, "a")->n, 6);
	assert_true(json_get(v, "a")->items[0]->is_int);
	assert_int_equal(json_get(v, "a")->items[0]->i, 1);
	assert_false(json_get(v, "a")->items[1]->is_int);
	assert_string_equal(json_get(v, "a")->items[5]->s, "x\xc3\xa9\xf0\x9f\x98\x80\n");
	assert_null(json_get(v, "c"));
	json_write(&b, v);
	assert_string_equal(b.s, "{\"a\": [1, -2.5e3, true, false, null, \"x\xc3\xa9\xf0\x9f\x98\x80"
				 "\\n\"], \"b\": {}}");
	json_free(v);
	mon_buf_free(&b);
	v = parse("18446744073709551616");
	assert_non_null(v);
	assert_false(v->is_int); /* too big for int64: a number, but not an integer */
	json_free(v);
}

static void invalid_json_is_refused_with_the_place_and_reason(void **state)
{
	char deep[80];

	(void)state;
	refuse("", "JSON parse error at byte 0: unexpected end of input");
	refuse("{\"a\": 1,}", "JSON parse error at byte 8: trailing comma");
	refuse("[1 2]", "JSON parse error at byte 3: expected ',' or ']' in an array");
	refuse("{\"a\" 1}", "JSON parse error at byte 5: expected ':' after an object key");
	refuse("{a: 1}", "JSON parse error at byte 1: expected a string key in an object");
	refuse("{\"a\": 1, \"a\": 2}", "JSON parse error at byte 12: duplicate key in an object");
	refuse("'x'", "JSON parse error at byte 0: invalid literal (expected a value: object, array, "
		      "string, number, true, false or null)");
	refuse("tru", "JSON parse error at byte 0: invalid literal (expected a value: object, array, "
		      "string, number, true, false or null)");
	refuse("01", "JSON parse error at byte 1: leading zero in a number");
	refuse("1.", "JSON parse error at byte 2: digits needed after '.'");
	refuse("1e", "JSON parse error at byte 2: digits needed in the exponent");
	refuse("-", "JSON parse error at byte 1: a number needs digits");
	refuse("1e999", "JSON parse error at byte 5: number out of range");
	refuse("\"abc", "JSON parse error at byte 4: unterminated string");
	refuse("\"a\tb\"", "JSON parse error at byte 2: control character in a string (escape it)");
	refuse("\"\\x\"", "JSON parse error at byte 1: unknown escape in a string");
	refuse("\"\\u12\"", "JSON parse error at byte 1: \\u needs four hex digits");
	refuse("\"\\u0000\"", "JSON parse error at byte 1: \\u0000 is not accepted");
	refuse("\"\\ud800\"", "JSON parse error at byte 1: high surrogate without a low one");
	refuse("\"\\udc00\"", "JSON parse error at byte 1: lone low surrogate in \\u escape");
	refuse("\"\xc0\xaf\"", "JSON parse error at byte 1: invalid UTF-8 in a string");
	refuse("\"\xed\xa0\x80\"", "JSON parse error at byte 1: invalid UTF-8 in a string");
	refuse("{} {}", "JSON parse error at byte 3: unexpected text after the value");
	refuse("1234567890123456789012345678901234567890123456789012345678901234567890",
	       "JSON parse error at byte 70: number literal too long (at most 63 characters)");
	memset(deep, '[', sizeof(deep));
	deep[sizeof(deep) - 1] = 0;
	refuse(deep, "JSON parse error at byte 32: nested too deeply (at most 32 levels)");
}

static void size_and_value_count_are_bounded(void **state)
{
	size_t i;
	char *s = malloc(JSON_MAX_INPUT + 2);
	struct json_value *v;

	(void)state;
	s[0] = '[';
	for (i = 0; i < JSON_MAX_VALUES; i++)
		memcpy(s + 1 + 2 * i, "0,", 2);
	memcpy(s + 1 + 2 * i, "0]", 3);
	v = json_parse(s, strlen(s), err, sizeof(err));
	assert_null(v);
	assert_string_equal(err, "JSON parse error at byte 8192: too many values (at most 4096)");
	memset(s, ' ', JSON_MAX_INPUT + 1);
	v = json_parse(s, JSON_MAX_INPUT + 1, err, sizeof(err));
	assert_null(v);
	assert_string_equal(err, "JSON message too large (65537 bytes; at most 65536)");
	free(s);
}

struct msgs {
	char text[8][128];
	int n;
};

static void on_msg(void *opaque, const char *text, size_t len, const char *error)
{
	struct msgs *m = opaque;

	snprintf(m->text[m->n++], sizeof(m->text[0]), "%s%.*s", error ? "ERR " : "",
		 (int)(error ? 0 : len), error ? error : text);
	if (error)
		snprintf(m->text[m->n - 1], sizeof(m->text[0]), "ERR %s", error);
}

static void the_stream_framer_cuts_messages_at_balanced_braces(void **state)
{
	static struct json_stream s;
	static char big[JSON_MAX_INPUT + 10];
	struct msgs m = { .n = 0 };

	(void)state;
	json_stream_feed(&s, "  {\"a\": \"}{\"", 12, on_msg, &m);
	assert_int_equal(m.n, 0);
	json_stream_feed(&s, "}\n{\"b\":[1]}garbage \n", 20, on_msg, &m);
	assert_int_equal(m.n, 3);
	assert_string_equal(m.text[0], "{\"a\": \"}{\"}");
	assert_string_equal(m.text[1], "{\"b\":[1]}");
	assert_string_equal(m.text[2], "garbage");
	big[0] = '{';
	memset(big + 1, 'x', sizeof(big) - 2);
	big[sizeof(big) - 1] = '\n';
	json_stream_feed(&s, big, sizeof(big), on_msg, &m);
	assert_int_equal(m.n, 4);
	assert_string_equal(m.text[3], "ERR JSON message too large (at most 65536 bytes)");
	json_stream_feed(&s, "{}", 2, on_msg, &m);
	assert_int_equal(m.n, 5);
	assert_string_equal(m.text[4], "{}");
}

static char last[256];
static int fake_add(void *o, const char *spec, bool fit, char *id, size_t id_len, char *msg,
		    size_t len)
{
	(void)o;
	(void)id;
	(void)id_len;
	snprintf(last, sizeof(last), "add %s fit=%d", spec, fit);
	if (strstr(spec, "bus=nope")) {
		snprintf(msg, len, "device_add %s: bus=nope: no pcie-root-port with that id", spec);
		return -ENOENT;
	}
	return 0;
}
static int fake_del(void *o, const char *id, char *msg, size_t len)
{
	(void)o;
	snprintf(last, sizeof(last), "del %s", id);
	if (!strcmp(id, "t9")) {
		snprintf(msg, len, "device_del t9: no device with that id (see info devices)");
		return -ENOENT;
	}
	return 0;
}
static void fake_text(void *o, struct mon_buf *out)
{
	(void)o;
	mon_buf_printf(out, "line one\n");
}
static void fake_json(void *o, struct mon_buf *out)
{
	(void)o;
	mon_buf_printf(out, "[{\"bus\": 0, \"devices\": []}]");
}
static void fake_quit(void *o)
{
	(void)o;
	snprintf(last, sizeof(last), "quit");
}
static const struct mon_ops fake = { NULL, fake_add, fake_del, fake_text, fake_text, fake_json,
				     fake_quit };

static struct qmp_session s;
static struct mon_buf out;

static const char *say(const char *msg)
{
	mon_buf_reset(&out);
	qmp_input(&s, msg, strlen(msg));
	return out.s ? out.s : "";
}

static void a_qmp_session_negotiates_then_runs_commands(void **state)
{
	(void)state;
	qmp_session_init(&s, &fake, &out);
	qmp_greeting(&s);
	assert_string_equal(out.s, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 1, "
				   "\"major\": 0}, \"package\": \"vdm vmm-example\"}, "
				   "\"capabilities\": []}}\r\n");
	assert_string_equal(say("{\"execute\": \"query-pci\", \"id\": \"a\"}"),
			    "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Expecting "
			    "capabilities negotiation with 'qmp_capabilities'\"}, \"id\": \"a\"}\r\n");
	qmp_event(&s, "DEVICE_DELETED", "{}");
	assert_null(strstr(out.s, "event")); /* no events before negotiation */
	assert_string_equal(say("{\"execute\": \"qmp_capabilities\"}"), "{\"return\": {}}\r\n");
	assert_string_equal(say("{\"execute\": \"qmp_capabilities\"}"),
			    "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Capabilities "
			    "negotiation is already complete, command ignored\"}}\r\n");
	assert_string_equal(say("{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
				"\"testdev\", \"id\": \"t1\", \"bus\": \"rp1\", \"membar\": 4194304, "
				"\"x-fit-check\": false, \"flag\": true}, \"id\": [1, {\"k\": null}]}"),
			    "{\"return\": {}, \"id\": [1, {\"k\": null}]}\r\n");
	assert_string_equal(last, "add testdev,id=t1,bus=rp1,membar=4194304,flag=on fit=0");
	/* what a QEMU client sends */
	assert_string_equal(say("{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
				"\"pci-testdev\", \"id\": \"t2\", \"bus\": \"rp1\", \"membar\": \"4M\"}}"),
			    "{\"return\": {}}\r\n");
	assert_string_equal(last, "add pci-testdev,id=t2,bus=rp1,membar=4M fit=1");
	assert_string_equal(say("{\"execute\": \"query-pci\"}"),
			    "{\"return\": [{\"bus\": 0, \"devices\": []}]}\r\n");
	assert_string_equal(say("{\"execute\": \"human-monitor-command\", \"arguments\": "
				"{\"command-line\": \"info pci\"}}"),
			    "{\"return\": \"line one\\n\"}\r\n");
	assert_string_equal(say("{\"execute\": \"device_del\", \"arguments\": {\"id\": \"t1\"}}"),
			    "{\"return\": {}}\r\n");
	qmp_event(&s, "DEVICE_DELETED", "{\"device\": \"t1\"}");
	assert_non_null(strstr(out.s, "{\"event\": \"DEVICE_DELETED\", \"data\": {\"device\": "
				      "\"t1\"}, \"timestamp\": {\"seconds\": "));
	assert_string_equal(say("{\"execute\": \"quit\"}"), "{\"return\": {}}\r\n");
	assert_string_equal(last, "quit");
	assert_true(s.quit);
	mon_buf_free(&out);
}

static void bad_qmp_requests_get_qemu_style_errors(void **state)
{
	(void)state;
	qmp_session_init(&s, &fake, &out);
	say("{\"execute\": \"qmp_capabilities\"}");
#define GE(desc) "{\"error\": {\"class\": \"GenericError\", \"desc\": \"" desc "\"}}\r\n"
	assert_string_equal(say("[1]"), GE("QMP input must be a JSON object"));
	assert_string_equal(say("{\"arguments\": {}}"), GE("QMP input lacks member 'execute'"));
	assert_string_equal(say("{\"execute\": 1}"), GE("QMP input member 'execute' must be a string"));
	assert_string_equal(say("{\"execute\": \"quit\", \"arguments\": []}"),
			    GE("QMP input member 'arguments' must be an object"));
	assert_string_equal(say("{\"execute\": \"quit\", \"extra\": 1}"),
			    GE("QMP input member 'extra' is unexpected"));
	assert_string_equal(say("{\"execute\": \"frob\"}"),
			    "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command frob "
			    "has not been found\"}}\r\n");
	assert_string_equal(say("{\"execute\": \"device_add\"}"), GE("Parameter 'driver' is missing"));
	assert_string_equal(say("{\"execute\": \"device_add\", \"arguments\": {}}"),
			    GE("Parameter 'driver' is missing"));
	assert_string_equal(say("{\"execute\": \"device_add\", \"arguments\": {\"driver\": 5}}"),
			    GE("Parameter 'driver' expects a device type name"));
	assert_string_equal(say("{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
				"\"testdev\", \"membar\": \"4M,bus=rp2\"}}"),
			    GE("Parameter 'membar': value must be a word without ',', '=' or blanks"));
	assert_string_equal(say("{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
				"\"testdev\", \"membar\": -1}}"),
			    GE("Parameter 'membar' expects a whole number >= 0"));
	assert_string_equal(say("{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
				"\"testdev\", \"membar\": [1]}}"),
			    GE("Parameter 'membar' expects a string, number or boolean"));
	assert_string_equal(say("{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
				"\"testdev\", \"x-fit-check\": \"no\"}}"),
			    GE("Parameter 'x-fit-check' expects a boolean"));
	assert_string_equal(say("{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
				"\"testdev\", \"bus\": \"nope\"}}"),
			    GE("device_add testdev,bus=nope: bus=nope: no pcie-root-port with that "
			       "id"));
	assert_string_equal(say("{\"execute\": \"device_del\"}"), GE("Parameter 'id' is missing"));
	assert_string_equal(say("{\"execute\": \"device_del\", \"arguments\": {\"id\": 1}}"),
			    GE("Parameter 'id' expects a string"));
	assert_string_equal(say("{\"execute\": \"device_del\", \"arguments\": {\"id\": \"t9\"}}"),
			    GE("device_del t9: no device with that id (see info devices)"));
	assert_string_equal(say("{\"execute\": \"device_del\", \"arguments\": {\"id\": \"a/b\"}}"),
			    "{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": \"Device 'a/b' not "
			    "found\"}}\r\n");
	assert_string_equal(say("{\"execute\": \"query-pci\", \"arguments\": {\"x\": 1}}"),
			    GE("Parameter 'x' is unexpected"));
	assert_string_equal(say("{\"execute\": \"human-monitor-command\"}"),
			    GE("Parameter 'command-line' is missing"));
	assert_string_equal(say("nonsense\n"),
			    GE("JSON parse error at byte 0: invalid literal (expected a value: object, "
			       "array, string, number, true, false or null)"));
	assert_string_equal(say("{\"execute\": \"quit\", \"id\": \"\\u0007\"}"),
			    "{\"return\": {}, \"id\": \"\\u0007\"}\r\n");
#undef GE
	mon_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_json_parses_and_writes_back),
		cmocka_unit_test(invalid_json_is_refused_with_the_place_and_reason),
		cmocka_unit_test(size_and_value_count_are_bounded),
		cmocka_unit_test(the_stream_framer_cuts_messages_at_balanced_braces),
		cmocka_unit_test(a_qmp_session_negotiates_then_runs_commands),
		cmocka_unit_test(bad_qmp_requests_get_qemu_style_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
