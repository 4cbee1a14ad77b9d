/* libFuzzer target: the human monitor's pure parts (vmm-example/monitor_cmd.c line parser and
 * line assembly, monitor_console.c escape keys) with a recording fake executor. */
#include <errno.h>
#include <string.h>

#include "../../vmm-example/monitor_buf.h"
#include "../../vmm-example/monitor_cmd.h"
#include "../../vmm-example/monitor_console.h"
#include "fuzz_input.h"

/*
 * Input: byte 0 picks the chunk size the stream is cut into (1..256), the rest is what a
 * client sends.  Invariants (abort on violation):
 *  - every complete line gets exactly one reply: nothing for an empty line, one "error: ..."
 *    line for a refused or too-long line, the executor's one line otherwise (help: its text);
 *  - a parsed line's command is well-formed: device_add specs hold no blank and no
 *    x-fit-check item, device_del ids pass mon_valid_id, argument-less commands carry none;
 *  - a refused line has a reason; lines over MON_LINE_MAX never reach the parser;
 *  - the console router never loses or invents bytes: guest + monitor bytes + 2 per escape
 *    pair consumed account for the input, and output fits n + 1.
 */

static unsigned calls;
static const char *last_kind;

static int f_add(void *o, const char *spec, bool fit, char *id, size_t id_len, char *msg,
		 size_t len)
{
	(void)o;
	(void)fit;
	FUZZ_CHECK(!strchr(spec, ' ') && strncmp(spec, "x-fit-check=", 12) &&
			   !strstr(spec, ",x-fit-check="), "spec '%s'", spec);
	snprintf(id, id_len, "x");
	snprintf(msg, len, "added");
	calls++;
	last_kind = "add";
	return 0;
}

static int f_del(void *o, const char *id, char *msg, size_t len)
{
	(void)o;
	FUZZ_CHECK(mon_valid_id(id), "id '%s'", id);
	snprintf(msg, len, "requested");
	calls++;
	last_kind = "del";
	return -ENOENT; /* an error reply path too */
}

static void f_text(void *o, struct mon_buf *out)
{
	(void)o;
	mon_buf_printf(out, "text\n");
	calls++;
}

static void f_quit(void *o)
{
	(void)o;
	calls++;
}

static const struct mon_ops ops = { NULL, f_add, f_del, f_text, f_text, f_text, f_quit };

static void on_line(void *opaque, const char *line, size_t len, bool too_long)
{
	struct mon_buf *out = opaque;
	unsigned before = calls;
	size_t nl = 0;

	mon_buf_reset(out);
	if (too_long) {
		FUZZ_CHECK(len > MON_LINE_MAX, "too long at %zu", len);
		return;
	}
	FUZZ_CHECK(len <= MON_LINE_MAX + 1, "line of %zu reached the parser", len);
	mon_run_line(&ops, line, len, out);
	for (size_t i = 0; i < out->len; i++)
		nl += out->s[i] == '\n';
	if (out->len && !strncmp(out->s, "error: ", 7)) {
		FUZZ_CHECK(nl == 1 && out->len > 8, "error reply '%s'", out->s);
		FUZZ_CHECK(calls == before || !strcmp(last_kind, "del"), "error after a call");
	} else if (out->len && strstr(out->s, "device_add SPEC")) {
		FUZZ_CHECK(!strcmp(out->s, mon_help_text), "help text");
	} else {
		FUZZ_CHECK(nl <= 1, "%zu reply lines: '%s'", nl, out->s);
		FUZZ_CHECK(out->len || calls == before + 1 || calls == before,
			   "reply without output");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mon_lines lines;
	static struct mon_cmd cmd;
	struct mon_buf out = { .cap = 1u << 16 };
	struct console_esc esc = { 0 };
	size_t chunk = size ? (size_t)data[0] + 1 : 1, off;
	uint8_t *g, *m;
	char err[512];

	memset(&lines, 0, sizeof(lines));
	if (size) {
		data++;
		size--;
	}
	/* the parser on the whole input as one line */
	err[0] = 0;
	if (mon_parse_line((const char *)data, size, &cmd, err, sizeof(err)) < 0)
		FUZZ_CHECK(err[0], "refusal without a reason");
	else if (cmd.kind == MON_CMD_DEVICE_DEL)
		FUZZ_CHECK(mon_valid_id(cmd.arg), "id '%s'", cmd.arg);
	else if (cmd.kind != MON_CMD_DEVICE_ADD)
		FUZZ_CHECK(!cmd.arg[0], "argument '%s' for an argument-less command", cmd.arg);
	/* the stream, cut into chunks */
	for (off = 0; off < size; off += chunk)
		mon_lines_feed(&lines, (const char *)data + off, size - off < chunk ? size - off : chunk,
			       on_line, &out);
	FUZZ_CHECK(mon_lines_pending(&lines) <= size, "pending %zu of %zu", mon_lines_pending(&lines),
		   size);
	mon_buf_free(&out);
	/* the console router */
	g = malloc(size + 2);
	m = malloc(size + 2);
	for (off = 0; off < size;) {
		size_t ng = 0, nm = 0, used;
		enum console_action a;

		used = console_esc_feed(&esc, data + off, size - off, g, &ng, m, &nm, &a);
		FUZZ_CHECK(used >= 1 && used <= size - off, "consumed %zu", used);
		FUZZ_CHECK(ng + nm <= used + 1, "routed %zu of %zu", ng + nm, used);
		FUZZ_CHECK(a == CONSOLE_NONE || used <= size - off, "action");
		off += used;
		if (a == CONSOLE_QUIT)
			break;
	}
	free(g);
	free(m);
	return 0;
}
