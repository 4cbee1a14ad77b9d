/* Human monitor language: byte checks, tokens, command table, device_add's monitor-only
 * x-fit-check key, dispatch to struct mon_ops, and bounded line assembly. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "monitor_cmd.h"

const char mon_help_text[] =
	"device_add SPEC   add a PCI device behind a hotplug root port, e.g.\n"
	"                  device_add pci-testdev,id=t1,bus=rp1,membar=4M\n"
	"                  (x-fit-check=off: let the guest see a device that does not fit)\n"
	"device_del ID     ask the guest to eject device ID (removed after its _EJ0)\n"
	"info pci          functions, BARs, bus numbers and bridge windows\n"
	"info devices      devices: id, type, process, state\n"
	"help              this text\n"
	"quit              stop the virtual machine\n";

bool mon_valid_id(const char *id)
{
	size_t n = strlen(id), i;

	if (n == 0 || n >= MON_ID_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

int mon_split_fit_check(const char *spec, char *out, size_t out_len, bool *fit_check, char *err,
			size_t err_len)
{
	const char *p = spec;
	size_t o = 0;
	bool seen = false;

	*fit_check = true;
	if (!out_len)
		return -EINVAL;
	out[0] = 0;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n >= 12 && !strncmp(p, "x-fit-check=", 12)) {
			const char *v = p + 12;
			size_t vn = n - 12;

			if (seen) {
				snprintf(err, err_len, "x-fit-check given twice");
				return -EINVAL;
			}
			seen = true;
			if (vn == 2 && !strncmp(v, "on", 2))
				*fit_check = true;
			else if (vn == 3 && !strncmp(v, "off", 3))
				*fit_check = false;
			else {
				snprintf(err, err_len, "x-fit-check=%.*s: expected on or off", (int)vn, v);
				return -EINVAL;
			}
		} else {
			if (o + n + 2 > out_len) {
				snprintf(err, err_len, "device spec too long (at most %zu bytes)",
					 out_len - 1);
				return -EINVAL;
			}
			if (o)
				out[o++] = ',';
			memcpy(out + o, p, n);
			o += n;
			out[o] = 0;
		}
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}

#define MAX_TOKENS 4

/* Split on blanks; false when there are more than MAX_TOKENS. */
static int tokenize(char *s, char *tok[MAX_TOKENS])
{
	int n = 0;

	for (;;) {
		while (*s == ' ')
			*s++ = 0;
		if (!*s)
			return n;
		if (n == MAX_TOKENS)
			return n + 1;
		tok[n++] = s;
		while (*s && *s != ' ')
			s++;
	}
}

int mon_parse_line(const char *line, size_t len, struct mon_cmd *out, char *err, size_t err_len)
{
	char *tok[MAX_TOKENS];
	size_t i;
	int n;

	memset(out, 0, sizeof(*out));
	if (len && line[len - 1] == '\r')
		len--;
	if (len > MON_LINE_MAX) {
		snprintf(err, err_len, "line longer than %d bytes", MON_LINE_MAX);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == '\t')
			c = ' ';
		else if (c < 0x20 || c > 0x7e) {
			snprintf(err, err_len, "byte 0x%02x at column %zu: the monitor takes "
				 "printable ASCII only", c, i + 1);
			return -EINVAL;
		}
		out->arg[i] = (char)c;
	}
	out->arg[len] = 0;
	/* Tokenize in a copy: out->arg receives the argument afterwards. */
	{
		char copy[MON_LINE_MAX + 1];

		memcpy(copy, out->arg, len + 1);
		n = tokenize(copy, tok);
		if (n == 0) {
			out->kind = MON_CMD_EMPTY;
			out->arg[0] = 0;
			return 0;
		}
		if (!strcmp(tok[0], "help") || !strcmp(tok[0], "?") || !strcmp(tok[0], "quit") ||
		    !strcmp(tok[0], "q")) {
			bool help = tok[0][0] == 'h' || tok[0][0] == '?';

			if (n > 1) {
				snprintf(err, err_len, "%s takes no argument", tok[0]);
				return -EINVAL;
			}
			out->kind = help ? MON_CMD_HELP : MON_CMD_QUIT;
			out->arg[0] = 0;
			return 0;
		}
		if (!strcmp(tok[0], "info")) {
			if (n == 1) {
				snprintf(err, err_len, "info needs what to show: info pci, info devices");
				return -EINVAL;
			}
			if (n > 2) {
				snprintf(err, err_len, "info takes one argument: info pci, info devices");
				return -EINVAL;
			}
			if (!strcmp(tok[1], "pci"))
				out->kind = MON_CMD_INFO_PCI;
			else if (!strcmp(tok[1], "devices"))
				out->kind = MON_CMD_INFO_DEVICES;
			else {
				snprintf(err, err_len, "info %.64s: unknown (known: pci, devices)", tok[1]);
				return -EINVAL;
			}
			out->arg[0] = 0;
			return 0;
		}
		if (!strcmp(tok[0], "device_add")) {
			if (n == 1) {
				snprintf(err, err_len, "device_add needs a device spec, e.g. device_add "
					 "pci-testdev,id=t1,bus=rp1,membar=4M");
				return -EINVAL;
			}
			if (n > 2) {
				snprintf(err, err_len, "device_add takes one spec without blanks (extra: "
					 "'%.64s')", tok[2]);
				return -EINVAL;
			}
			out->kind = MON_CMD_DEVICE_ADD;
			return mon_split_fit_check(tok[1], out->arg, sizeof(out->arg), &out->fit_check,
						   err, err_len);
		}
		if (!strcmp(tok[0], "device_del")) {
			if (n == 1) {
				snprintf(err, err_len, "device_del needs the id of a device (see info "
					 "devices)");
				return -EINVAL;
			}
			if (n > 2) {
				snprintf(err, err_len, "device_del takes one id (extra: '%.64s')", tok[2]);
				return -EINVAL;
			}
			if (!mon_valid_id(tok[1])) {
				snprintf(err, err_len, "device_del %.64s: not a device id (letters, digits, "
					 "'_', '.', '-'; at most %d)", tok[1], MON_ID_MAX - 1);
				return -EINVAL;
			}
			out->kind = MON_CMD_DEVICE_DEL;
			snprintf(out->arg, sizeof(out->arg), "%s", tok[1]);
			return 0;
		}
		snprintf(err, err_len, "unknown command '%.64s' (try help)", tok[0]);
		return -EINVAL;
	}
}

bool mon_run_line(const struct mon_ops *ops, const char *line, size_t len, struct mon_buf *out)
{
	static struct mon_cmd cmd; /* 4K: keep it off small thread stacks; one loop thread */
	char err[512], id[MON_ID_MAX];

	if (mon_parse_line(line, len, &cmd, err, sizeof(err))) {
		mon_buf_printf(out, "error: %s\n", err);
		return false;
	}
	switch (cmd.kind) {
	case MON_CMD_EMPTY:
		break;
	case MON_CMD_HELP:
		mon_buf_printf(out, "%s", mon_help_text);
		break;
	case MON_CMD_INFO_PCI:
		ops->info_pci(ops->opaque, out);
		break;
	case MON_CMD_INFO_DEVICES:
		ops->info_devices(ops->opaque, out);
		break;
	case MON_CMD_DEVICE_ADD:
		err[0] = 0;
		if (ops->device_add(ops->opaque, cmd.arg, cmd.fit_check, id, sizeof(id), err,
				    sizeof(err)) < 0)
			mon_buf_printf(out, "error: %s\n", err[0] ? err : "device_add failed");
		else if (err[0])
			mon_buf_printf(out, "%s\n", err);
		break;
	case MON_CMD_DEVICE_DEL:
		err[0] = 0;
		if (ops->device_del(ops->opaque, cmd.arg, err, sizeof(err)) < 0)
			mon_buf_printf(out, "error: %s\n", err[0] ? err : "device_del failed");
		else if (err[0])
			mon_buf_printf(out, "%s\n", err);
		break;
	case MON_CMD_QUIT:
		ops->quit(ops->opaque);
		return true;
	}
	return false;
}

void mon_lines_feed(struct mon_lines *l, const char *data, size_t n, mon_line_fn fn, void *opaque)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = data[i];

		if (c == '\n') {
			if (l->overflow)
				fn(opaque, NULL, l->overflow_len, true);
			else
				fn(opaque, l->buf, l->len, false);
			l->len = 0;
			l->overflow = false;
			l->overflow_len = 0;
			continue;
		}
		if (l->overflow) {
			l->overflow_len++;
			continue;
		}
		/* one byte of slack for a trailing CR that the parser drops */
		if (l->len >= MON_LINE_MAX + 1) {
			l->overflow = true;
			l->overflow_len = l->len + 1;
			l->len = 0;
			continue;
		}
		l->buf[l->len++] = c;
	}
}

size_t mon_lines_pending(const struct mon_lines *l)
{
	return l->overflow ? l->overflow_len : l->len;
}
