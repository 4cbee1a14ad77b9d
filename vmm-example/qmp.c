/* QMP session logic: framing via json_stream, message validation, command dispatch to
 * struct mon_ops, replies with the request's id, error classes, events. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "qmp.h"

/* A client-supplied name shown in an error reply: at most 64 bytes, cut before a UTF-8
 * character rather than through it, so the reply stays valid UTF-8 (fuzz finding F6). */
#define SHOW_MAX 64
struct shown {
	char s[SHOW_MAX + 1];
};

static const char *show(struct shown *b, const char *name)
{
	size_t n = strnlen(name, SHOW_MAX + 1);

	if (n > SHOW_MAX) {
		n = SHOW_MAX;
		while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
			n--; /* name[n] continues a character: cut before the character's start */
	}
	memcpy(b->s, name, n);
	b->s[n] = '\0';
	return b->s;
}

void qmp_session_init(struct qmp_session *s, const struct mon_ops *ops, struct mon_buf *out)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->out = out;
}

void qmp_greeting(struct qmp_session *s)
{
	mon_buf_printf(s->out, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 1, "
		       "\"major\": 0}, \"package\": \"vdm vmm-example\"}, \"capabilities\": []}}\r\n");
}

static void reply_id(struct qmp_session *s, const struct json_value *id)
{
	if (id) {
		mon_buf_put(s->out, ", \"id\": ", 8);
		json_write(s->out, id);
	}
	mon_buf_put(s->out, "}\r\n", 3);
}

static void error_reply(struct qmp_session *s, const struct json_value *id, const char *cls,
			const char *desc)
{
	mon_buf_printf(s->out, "{\"error\": {\"class\": \"%s\", \"desc\": ", cls);
	mon_buf_json_str(s->out, desc, strlen(desc));
	mon_buf_put(s->out, "}", 1);
	reply_id(s, id);
}

static void ok_reply(struct qmp_session *s, const struct json_value *id)
{
	mon_buf_put(s->out, "{\"return\": {}", 13);
	reply_id(s, id);
}

static bool spec_safe(const char *v)
{
	return !strpbrk(v, ",= ");
}

/* device_add arguments -> "driver,key=value,..." */
static int build_spec(const struct json_value *args, char *spec, size_t len, bool *fit_check,
		      char *err, size_t err_len)
{
	struct shown sh;
	const struct json_value *drv = json_get(args, "driver");
	size_t o;
	size_t i;

	*fit_check = true;
	if (!drv) {
		snprintf(err, err_len, "Parameter 'driver' is missing");
		return -EINVAL;
	}
	if (drv->type != JSON_STRING || !drv->len || !spec_safe(drv->s)) {
		snprintf(err, err_len, "Parameter 'driver' expects a device type name");
		return -EINVAL;
	}
	o = (size_t)snprintf(spec, len, "%s", drv->s);
	for (i = 0; i < args->n; i++) {
		const char *k = args->keys[i];
		const struct json_value *v = args->items[i];
		char val[96];

		if (!strcmp(k, "driver"))
			continue;
		if (!*k || !spec_safe(k)) {
			snprintf(err, err_len, "Parameter '%s' is not a property name", show(&sh, k));
			return -EINVAL;
		}
		if (!strcmp(k, "x-fit-check")) {
			if (v->type != JSON_TRUE && v->type != JSON_FALSE) {
				snprintf(err, err_len, "Parameter 'x-fit-check' expects a boolean");
				return -EINVAL;
			}
			*fit_check = v->type == JSON_TRUE;
			continue;
		}
		switch (v->type) {
		case JSON_STRING:
			if (!spec_safe(v->s) || v->len >= sizeof(val)) {
				snprintf(err, err_len, "Parameter '%s': value must be a word "
					 "without ',', '=' or blanks", show(&sh, k));
				return -EINVAL;
			}
			snprintf(val, sizeof(val), "%s", v->s);
			break;
		case JSON_NUMBER:
			if (!v->is_int || v->i < 0) {
				snprintf(err, err_len, "Parameter '%s' expects a whole number >= 0", show(&sh, k));
				return -EINVAL;
			}
			snprintf(val, sizeof(val), "%" PRId64, v->i);
			break;
		case JSON_TRUE:
		case JSON_FALSE:
			snprintf(val, sizeof(val), "%s", v->type == JSON_TRUE ? "on" : "off");
			break;
		default:
			snprintf(err, err_len, "Parameter '%s' expects a string, number or boolean",
				 show(&sh, k));
			return -EINVAL;
		}
		o += (size_t)snprintf(spec + (o < len ? o : len), o < len ? len - o : 0, ",%s=%s",
				      k, val);
	}
	if (o >= len) {
		snprintf(err, err_len, "device_add: too many properties");
		return -EINVAL;
	}
	return 0;
}

/* Only `allowed` members may appear in args (NULL-terminated). */
static int check_members(const struct json_value *args, const char *const *allowed, char *err,
			 size_t err_len)
{
	struct shown sh;
	for (size_t i = 0; args && i < args->n; i++) {
		bool ok = false;

		for (const char *const *a = allowed; *a; a++)
			ok |= !strcmp(*a, args->keys[i]);
		if (!ok) {
			snprintf(err, err_len, "Parameter '%s' is unexpected", show(&sh, args->keys[i]));
			return -EINVAL;
		}
	}
	return 0;
}

static void run_command(struct qmp_session *s, const char *cmd, const struct json_value *args,
			const struct json_value *id)
{
	struct shown sh;
	char err[512], spec[MON_LINE_MAX + 1], newid[MON_ID_MAX];
	static const char *const none[] = { NULL };
	bool fit;

	err[0] = 0;
	if (!strcmp(cmd, "qmp_capabilities")) {
		static const char *const caps[] = { "enable", NULL };

		if (s->negotiated) {
			error_reply(s, id, "CommandNotFound",
				    "Capabilities negotiation is already complete, command "
				    "ignored");
			return;
		}
		if (check_members(args, caps, err, sizeof(err))) {
			error_reply(s, id, "GenericError", err);
			return;
		}
		s->negotiated = true;
		ok_reply(s, id);
		return;
	}
	if (!s->negotiated) {
		error_reply(s, id, "CommandNotFound",
			    "Expecting capabilities negotiation with 'qmp_capabilities'");
		return;
	}
	if (!strcmp(cmd, "device_add")) {
		if (!args) {
			error_reply(s, id, "GenericError", "Parameter 'driver' is missing");
			return;
		}
		if (build_spec(args, spec, sizeof(spec), &fit, err, sizeof(err)) ||
		    s->ops->device_add(s->ops->opaque, spec, fit, newid, sizeof(newid), err,
				       sizeof(err)) < 0) {
			error_reply(s, id, "GenericError", err[0] ? err : "device_add failed");
			return;
		}
		ok_reply(s, id);
		return;
	}
	if (!strcmp(cmd, "device_del")) {
		static const char *const ok[] = { "id", NULL };
		const struct json_value *dev = json_get(args, "id");

		if (check_members(args, ok, err, sizeof(err))) {
			error_reply(s, id, "GenericError", err);
			return;
		}
		if (!dev || dev->type != JSON_STRING) {
			error_reply(s, id, "GenericError", dev ? "Parameter 'id' expects a string"
							      : "Parameter 'id' is missing");
			return;
		}
		if (!mon_valid_id(dev->s)) {
			snprintf(err, sizeof(err), "Device '%s' not found", show(&sh, dev->s));
			error_reply(s, id, "DeviceNotFound", err);
			return;
		}
		if (s->ops->device_del(s->ops->opaque, dev->s, err, sizeof(err)) < 0) {
			error_reply(s, id, "GenericError", err[0] ? err : "device_del failed");
			return;
		}
		ok_reply(s, id);
		return;
	}
	if (!strcmp(cmd, "query-pci")) {
		if (check_members(args, none, err, sizeof(err))) {
			error_reply(s, id, "GenericError", err);
			return;
		}
		mon_buf_put(s->out, "{\"return\": ", 11);
		s->ops->query_pci(s->ops->opaque, s->out);
		reply_id(s, id);
		return;
	}
	if (!strcmp(cmd, "human-monitor-command")) {
		static const char *const ok[] = { "command-line", "cpu-index", NULL };
		const struct json_value *cl = json_get(args, "command-line");
		struct mon_buf text = { .cap = 256u << 10 };

		if (check_members(args, ok, err, sizeof(err))) {
			error_reply(s, id, "GenericError", err);
			return;
		}
		if (!cl || cl->type != JSON_STRING) {
			error_reply(s, id, "GenericError", cl ? "Parameter 'command-line' expects a "
								"string" : "Parameter 'command-line' is missing");
			return;
		}
		s->quit |= mon_run_line(s->ops, cl->s, cl->len, &text);
		mon_buf_put(s->out, "{\"return\": ", 11);
		mon_buf_json_str(s->out, text.s ? text.s : "", text.len);
		reply_id(s, id);
		mon_buf_free(&text);
		return;
	}
	if (!strcmp(cmd, "quit")) {
		if (check_members(args, none, err, sizeof(err))) {
			error_reply(s, id, "GenericError", err);
			return;
		}
		ok_reply(s, id);
		s->quit = true;
		s->ops->quit(s->ops->opaque);
		return;
	}
	snprintf(err, sizeof(err), "The command %s has not been found", show(&sh, cmd));
	error_reply(s, id, "CommandNotFound", err);
}

void qmp_handle_message(struct qmp_session *s, const char *text, size_t len)
{
	struct shown sh;
	char err[256];
	struct json_value *msg = json_parse(text, len, err, sizeof(err));
	const struct json_value *exe, *args, *id;

	if (!msg) {
		error_reply(s, NULL, "GenericError", err);
		return;
	}
	if (msg->type != JSON_OBJECT) {
		error_reply(s, NULL, "GenericError", "QMP input must be a JSON object");
		goto out;
	}
	id = json_get(msg, "id");
	exe = json_get(msg, "execute");
	args = json_get(msg, "arguments");
	for (size_t i = 0; i < msg->n; i++) {
		const char *k = msg->keys[i];

		if (strcmp(k, "execute") && strcmp(k, "arguments") && strcmp(k, "id")) {
			snprintf(err, sizeof(err), "QMP input member '%s' is unexpected", show(&sh, k));
			error_reply(s, id, "GenericError", err);
			goto out;
		}
	}
	if (!exe) {
		error_reply(s, id, "GenericError", "QMP input lacks member 'execute'");
		goto out;
	}
	if (exe->type != JSON_STRING) {
		error_reply(s, id, "GenericError", "QMP input member 'execute' must be a string");
		goto out;
	}
	if (args && args->type != JSON_OBJECT) {
		error_reply(s, id, "GenericError", "QMP input member 'arguments' must be an object");
		goto out;
	}
	run_command(s, exe->s, args, id);
out:
	json_free(msg);
}

static void on_message(void *opaque, const char *text, size_t len, const char *error)
{
	struct qmp_session *s = opaque;

	if (error)
		error_reply(s, NULL, "GenericError", error);
	else
		qmp_handle_message(s, text, len);
}

void qmp_input(struct qmp_session *s, const char *data, size_t n)
{
	json_stream_feed(&s->stream, data, n, on_message, s);
}

void qmp_event(struct qmp_session *s, const char *name, const char *data_json)
{
	struct timespec ts;

	if (!s->negotiated)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	mon_buf_printf(s->out, "{\"event\": \"%s\"", name);
	if (data_json)
		mon_buf_printf(s->out, ", \"data\": %s", data_json);
	mon_buf_printf(s->out, ", \"timestamp\": {\"seconds\": %lld, \"microseconds\": %ld}}\r\n",
		       (long long)ts.tv_sec, ts.tv_nsec / 1000);
}
