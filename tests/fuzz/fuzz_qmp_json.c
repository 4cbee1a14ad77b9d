/* libFuzzer target: QMP (vmm-example/qmp.c) over its strict JSON parser (qmp_json.c): the
 * parser against an independent RFC 8259 validator, and whole sessions with a fake VMM. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "fuzz_input.h"
#include "../../vmm-example/qmp.h"

/*
 * Input: byte 0 picks the mode.
 *  - JSON mode (bit 7 set): the rest is one text for json_parse.  Invariants: it accepts
 *    exactly what an independent validator of RFC 8259 accepts, minus the restrictions
 *    qmp_json.h documents (duplicate keys, \u0000, depth 32, 4096 values, 64 KiB) and
 *    number literals over 63 characters or out of double range; a parsed value writes
 *    (json_write) to text that parses back to the same value and writes the same again;
 *    strings come out as valid UTF-8; a refusal says "JSON parse error at byte N" with N
 *    inside the text.
 *  - Session mode: the rest is a QMP byte stream for a session whose VMM is a fake with
 *    deterministic answers.  Each message (cut by json_stream_feed) is judged here before
 *    qmp_handle_message runs it: exactly one reply line per message, valid JSON (UTF-8 too),
 *    "return" or "error" exactly as qmp.h's rules say (negotiation first, members allowed,
 *    types), the request's "id" echoed, device_add's spec built member for member (one
 *    JSON member = one property, nothing injected), human-monitor-command returning what
 *    the monitor itself prints; and the same stream fed at once and in random chunks
 *    through qmp_input gives byte-identical output.
 */

#define FQ_MAX_INPUT 4096

/* ---- an independent JSON validator ---------------------------------------------------- */

struct jv {
	const unsigned char *p, *end;
	unsigned values, depth, max_depth;
	bool long_number; /* a number literal the parser may refuse: >63 chars or inf */
	bool too_deep;    /* nested past JSON_MAX_DEPTH: the validator stops there */
	bool bad;
	bool dup_key, nul_escape;
};

static void jv_ws(struct jv *v)
{
	while (v->p < v->end && (*v->p == ' ' || *v->p == '\t' || *v->p == '\n' || *v->p == '\r'))
		v->p++;
}

static int jv_hex(const unsigned char *p)
{
	int r = 0, i;

	for (i = 0; i < 4; i++) {
		int c = p[i];

		r <<= 4;
		if (c >= '0' && c <= '9')
			r |= c - '0';
		else if (c >= 'a' && c <= 'f')
			r |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			r |= c - 'A' + 10;
		else
			return -1;
	}
	return r;
}

/* One UTF-8 sequence at p (RFC 3629: no overlong forms, no surrogates, <= U+10FFFF). */
static int jv_utf8(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0], n, cp, i;

	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		n = 1, cp = c & 0x1f;
	else if ((c & 0xf0) == 0xe0)
		n = 2, cp = c & 0x0f;
	else if ((c & 0xf8) == 0xf0)
		n = 3, cp = c & 0x07;
	else
		return 0;
	if ((size_t)(end - p) < n + 1)
		return 0;
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return (int)n + 1;
}

/* A string; its raw literal span goes to (*s, *n) for the duplicate-key comparison, which
 * decodes escapes first (jv_decode). */
static void jv_string(struct jv *v, const unsigned char **s, size_t *n)
{
	const unsigned char *start = ++v->p;

	while (v->p < v->end && *v->p != '"') {
		unsigned c = *v->p;
		int u, lo;

		if (c < 0x20) {
			v->bad = true;
			return;
		}
		if (c == '\\') {
			if (v->end - v->p < 2) {
				v->bad = true;
				return;
			}
			if (strchr("\"\\/bfnrt", v->p[1]) && v->p[1]) {
				v->p += 2;
				continue;
			}
			if (v->p[1] != 'u' || v->end - v->p < 6 || (u = jv_hex(v->p + 2)) < 0) {
				v->bad = true;
				return;
			}
			v->p += 6;
			if (u == 0)
				v->nul_escape = true;
			if (u >= 0xdc00 && u <= 0xdfff) {
				v->bad = true; /* lone low surrogate: cannot become UTF-8 */
				return;
			}
			if (u >= 0xd800 && u <= 0xdbff) {
				if (v->end - v->p < 6 || v->p[0] != '\\' || v->p[1] != 'u' ||
				    (lo = jv_hex(v->p + 2)) < 0xdc00 || lo > 0xdfff) {
					v->bad = true;
					return;
				}
				v->p += 6;
			}
			continue;
		}
		u = jv_utf8(v->p, v->end);
		if (!u) {
			v->bad = true;
			return;
		}
		v->p += u;
	}
	if (v->p >= v->end) {
		v->bad = true;
		return;
	}
	*s = start;
	*n = (size_t)(v->p - start);
	v->p++;
}

/* Decode a validated string literal body (for keys): returns its length in `out`. */
static size_t jv_decode(const unsigned char *s, size_t n, char *out)
{
	size_t i = 0, o = 0;

	while (i < n) {
		if (s[i] != '\\') {
			out[o++] = (char)s[i++];
			continue;
		}
		if (s[i + 1] != 'u') {
			static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";

			out[o++] = to[strchr(from, s[i + 1]) - from];
			i += 2;
			continue;
		}
		{
			unsigned cp = (unsigned)jv_hex(s + i + 2);

			i += 6;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + ((unsigned)jv_hex(s + i + 2) - 0xdc00);
				i += 6;
			}
			if (cp < 0x80) {
				out[o++] = (char)cp;
			} else if (cp < 0x800) {
				out[o++] = (char)(0xc0 | cp >> 6);
				out[o++] = (char)(0x80 | (cp & 0x3f));
			} else if (cp < 0x10000) {
				out[o++] = (char)(0xe0 | cp >> 12);
				out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
				out[o++] = (char)(0x80 | (cp & 0x3f));
			} else {
				out[o++] = (char)(0xf0 | cp >> 18);
				out[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
				out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
				out[o++] = (char)(0x80 | (cp & 0x3f));
			}
		}
	}
	return o;
}

static void jv_number(struct jv *v)
{
	const unsigned char *s = v->p;
	char buf[80];

	if (*v->p == '-')
		v->p++;
	if (v->p >= v->end || *v->p < '0' || *v->p > '9') {
		v->bad = true;
		return;
	}
	if (*v->p == '0')
		v->p++;
	else
		while (v->p < v->end && *v->p >= '0' && *v->p <= '9')
			v->p++;
	if (v->p < v->end && *v->p == '.') {
		v->p++;
		if (v->p >= v->end || *v->p < '0' || *v->p > '9') {
			v->bad = true;
			return;
		}
		while (v->p < v->end && *v->p >= '0' && *v->p <= '9')
			v->p++;
	}
	if (v->p < v->end && (*v->p == 'e' || *v->p == 'E')) {
		v->p++;
		if (v->p < v->end && (*v->p == '+' || *v->p == '-'))
			v->p++;
		if (v->p >= v->end || *v->p < '0' || *v->p > '9') {
			v->bad = true;
			return;
		}
		while (v->p < v->end && *v->p >= '0' && *v->p <= '9')
			v->p++;
	}
	if (v->p - s >= 64) {
		v->long_number = true;
		return;
	}
	memcpy(buf, s, (size_t)(v->p - s));
	buf[v->p - s] = 0;
	if (!isfinite(strtod(buf, NULL)))
		v->long_number = true;
}

static void jv_value(struct jv *v);

static void jv_container(struct jv *v, bool object)
{
	unsigned char close = object ? '}' : ']';
	const unsigned char *ks[64];
	size_t kn[64], nkeys = 0, i;

	if (++v->depth > v->max_depth)
		v->max_depth = v->depth;
	if (v->depth > JSON_MAX_DEPTH + 1) { /* bounded recursion, like the parser's */
		v->too_deep = v->bad = true;
		return;
	}
	v->p++;
	jv_ws(v);
	if (v->p < v->end && *v->p == close) {
		v->p++;
		v->depth--;
		return;
	}
	for (;;) {
		jv_ws(v);
		if (object) {
			const unsigned char *s = NULL;
			size_t n = 0;

			if (v->p >= v->end || *v->p != '"') {
				v->bad = true;
				return;
			}
			jv_string(v, &s, &n);
			if (v->bad)
				return;
			for (i = 0; i < nkeys && i < 64; i++) {
				static char a[FQ_MAX_INPUT], b[FQ_MAX_INPUT]; /* off the stack */
				size_t la = jv_decode(ks[i], kn[i], a), lb = jv_decode(s, n, b);

				if (la == lb && !memcmp(a, b, la))
					v->dup_key = true;
			}
			if (nkeys < 64) {
				ks[nkeys] = s;
				kn[nkeys] = n;
			}
			nkeys++;
			if (nkeys > 64)
				v->dup_key |= false; /* beyond 64 keys: not compared (rare) */
			jv_ws(v);
			if (v->p >= v->end || *v->p != ':') {
				v->bad = true;
				return;
			}
			v->p++;
		}
		jv_value(v);
		if (v->bad)
			return;
		jv_ws(v);
		if (v->p < v->end && *v->p == ',') {
			v->p++;
			continue;
		}
		if (v->p < v->end && *v->p == close) {
			v->p++;
			v->depth--;
			return;
		}
		v->bad = true;
		return;
	}
}

static void jv_value(struct jv *v)
{
	const unsigned char *s;
	size_t n;

	jv_ws(v);
	if (v->p >= v->end) {
		v->bad = true;
		return;
	}
	v->values++;
	switch (*v->p) {
	case '{':
		jv_container(v, true);
		return;
	case '[':
		jv_container(v, false);
		return;
	case '"':
		jv_string(v, &s, &n);
		return;
	case 't':
	case 'f':
	case 'n': {
		const char *w = *v->p == 't' ? "true" : *v->p == 'f' ? "false" : "null";
		size_t wl = strlen(w);

		if ((size_t)(v->end - v->p) < wl || memcmp(v->p, w, wl))
			v->bad = true;
		else
			v->p += wl;
		return;
	}
	default:
		if (*v->p == '-' || (*v->p >= '0' && *v->p <= '9'))
			jv_number(v);
		else
			v->bad = true;
		return;
	}
}

/* ---- JSON mode -------------------------------------------------------------------------- */

static bool fq_utf8_ok(const char *s, size_t n)
{
	size_t i = 0;
	int k;

	while (i < n) {
		if (!s[i])
			return false;
		k = jv_utf8((const unsigned char *)s + i, (const unsigned char *)s + n);
		if (!k)
			return false;
		i += (size_t)k;
	}
	return true;
}

static bool fq_same(const struct json_value *a, const struct json_value *b)
{
	size_t i;

	if (a->type != b->type)
		return false;
	switch (a->type) {
	case JSON_NUMBER:
		return a->len == b->len && !memcmp(a->s, b->s, a->len) && a->is_int == b->is_int &&
		       a->i == b->i;
	case JSON_STRING:
		return a->len == b->len && !memcmp(a->s, b->s, a->len);
	case JSON_ARRAY:
	case JSON_OBJECT:
		if (a->n != b->n)
			return false;
		for (i = 0; i < a->n; i++)
			if ((a->type == JSON_OBJECT && strcmp(a->keys[i], b->keys[i])) ||
			    !fq_same(a->items[i], b->items[i]))
				return false;
		return true;
	default:
		return true;
	}
}

static void fq_check_value(const struct json_value *v)
{
	size_t i;

	switch (v->type) {
	case JSON_STRING:
		FUZZ_CHECK(v->s && strlen(v->s) == v->len && fq_utf8_ok(v->s, v->len),
			   "parsed string of %zu bytes is not NUL-free UTF-8", v->len);
		break;
	case JSON_NUMBER:
		FUZZ_CHECK(v->s && strlen(v->s) == v->len && isfinite(v->d),
			   "number literal/value inconsistent");
		if (v->is_int) {
			char buf[32];

			snprintf(buf, sizeof(buf), "%lld", (long long)v->i);
			FUZZ_CHECK(!strcmp(buf, v->s) || !strcmp(v->s, "-0"),
				   "integer %s parsed as %lld", v->s, (long long)v->i);
		}
		break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		for (i = 0; i < v->n; i++) {
			if (v->type == JSON_OBJECT)
				FUZZ_CHECK(fq_utf8_ok(v->keys[i], strlen(v->keys[i])),
					   "object key is not UTF-8");
			fq_check_value(v->items[i]);
		}
		break;
	default:
		break;
	}
}

static void fq_json(const char *text, size_t len)
{
	struct jv v = { .p = (const unsigned char *)text, .end = (const unsigned char *)text + len };
	struct mon_buf w1 = { 0 }, w2 = { 0 };
	struct json_value *a, *b;
	char err[256];
	bool valid, may_refuse;
	size_t at;

	jv_value(&v);
	jv_ws(&v);
	valid = !v.bad && v.p == v.end;
	may_refuse = v.dup_key || v.nul_escape || v.long_number || v.max_depth > 31 ||
		     v.values > 4000;
	a = json_parse(text, len, err, sizeof(err));
	FUZZ_CHECK(!a || !v.too_deep, "json_parse accepted nesting deeper than %d", JSON_MAX_DEPTH);
	if (!a) {
		FUZZ_CHECK(!valid || may_refuse, "valid JSON refused: %s", err);
		FUZZ_CHECK(sscanf(err, "JSON parse error at byte %zu", &at) == 1 && at <= len,
			   "refusal message \"%s\"", err);
		return;
	}
	/* (F5, fixed in 7627e63: a 0x01 byte parsed as null.) */
	FUZZ_CHECK(valid, "json_parse accepted what RFC 8259 does not (%zu bytes)", len);
	FUZZ_CHECK(!v.dup_key && !v.nul_escape, "accepted a duplicate key or \\u0000");
	fq_check_value(a);
	json_write(&w1, a);
	FUZZ_CHECK(w1.s && !w1.truncated, "json_write gave nothing");
	b = json_parse(w1.s, w1.len, err, sizeof(err));
	FUZZ_CHECK(b != NULL, "json_write output does not parse: %s: %.200s", err, w1.s);
	FUZZ_CHECK(fq_same(a, b), "value changed through json_write: %.200s", w1.s);
	json_write(&w2, b);
	FUZZ_CHECK(w2.len == w1.len && !memcmp(w1.s, w2.s, w1.len), "json_write not canonical");
	json_free(a);
	json_free(b);
	mon_buf_free(&w1);
	mon_buf_free(&w2);
}

/* ---- session mode: the fake VMM ---------------------------------------------------------- */

struct fq_vmm {
	unsigned adds, dels, quits;
	char spec[MON_LINE_MAX + 1];
	bool fit;
};

static int fq_device_add(void *opaque, const char *spec, bool fit_check, char *id_out,
			 size_t id_len, char *msg, size_t msg_len)
{
	struct fq_vmm *m = opaque;
	size_t n = strlen(spec);

	m->adds++;
	snprintf(m->spec, sizeof(m->spec), "%s", spec);
	m->fit = fit_check;
	if (n % 5 == 0) {
		snprintf(msg, msg_len, "fake VMM: no room for a %zu-byte spec", n);
		return -ENOSPC;
	}
	snprintf(id_out, id_len, "dev%zu", n);
	snprintf(msg, msg_len, "fake VMM: added");
	return 0;
}

static int fq_device_del(void *opaque, const char *id, char *msg, size_t msg_len)
{
	struct fq_vmm *m = opaque;

	m->dels++;
	if (id[0] == 'x') {
		snprintf(msg, msg_len, "fake VMM: no such device");
		return -ENOENT;
	}
	return 0;
}

static void fq_info_pci(void *opaque, struct mon_buf *out)
{
	mon_buf_printf(out, "00:00.0 host bridge 1b36:0008\n");
}

static void fq_info_devices(void *opaque, struct mon_buf *out)
{
	mon_buf_printf(out, "rp1 pcie-root-port in-process\n");
}

static void fq_query_pci(void *opaque, struct mon_buf *out)
{
	mon_buf_printf(out, "[{\"bus\": 0, \"devices\": []}]");
}

static void fq_quit(void *opaque)
{
	((struct fq_vmm *)opaque)->quits++;
}

static void fq_ops_init(struct mon_ops *ops, struct fq_vmm *m)
{
	memset(ops, 0, sizeof(*ops));
	ops->opaque = m;
	ops->device_add = fq_device_add;
	ops->device_del = fq_device_del;
	ops->info_pci = fq_info_pci;
	ops->info_devices = fq_info_devices;
	ops->query_pci = fq_query_pci;
	ops->quit = fq_quit;
}

/* ---- session mode: what one message must get --------------------------------------------- */

enum fq_reply { FQ_RETURN, FQ_ERROR, FQ_NOTFOUND /* error class CommandNotFound */ };

struct fq_judge {
	struct qmp_session *s; /* the session under test (message by message) */
	struct fq_vmm *m;
	const struct mon_ops *ops;
	bool negotiated;
	unsigned messages;
};

static bool fq_only(const struct json_value *args, const char *const *allowed)
{
	size_t i;
	const char *const *a;

	for (i = 0; args && i < args->n; i++) {
		for (a = allowed; *a && strcmp(*a, args->keys[i]); a++)
			;
		if (!*a)
			return false;
	}
	return true;
}

static bool fq_word(const char *s)
{
	return !strpbrk(s, ",= ");
}

/* device_add's spec as qmp.h describes it, or false when the arguments are refused. */
static bool fq_expect_spec(const struct json_value *args, char *spec, size_t len, bool *fit)
{
	const struct json_value *drv = json_get(args, "driver");
	size_t o, i;

	*fit = true;
	if (!drv || drv->type != JSON_STRING || !drv->len || !fq_word(drv->s))
		return false;
	o = (size_t)snprintf(spec, len, "%s", drv->s);
	for (i = 0; i < args->n; i++) {
		const char *k = args->keys[i];
		const struct json_value *v = args->items[i];
		char val[128];

		if (!strcmp(k, "driver"))
			continue;
		if (!*k || !fq_word(k))
			return false;
		if (!strcmp(k, "x-fit-check")) {
			if (v->type != JSON_TRUE && v->type != JSON_FALSE)
				return false;
			*fit = v->type == JSON_TRUE;
			continue;
		}
		if (v->type == JSON_STRING && fq_word(v->s) && v->len < 96)
			snprintf(val, sizeof(val), "%s", v->s);
		else if (v->type == JSON_NUMBER && v->is_int && v->i >= 0)
			snprintf(val, sizeof(val), "%lld", (long long)v->i);
		else if (v->type == JSON_TRUE || v->type == JSON_FALSE)
			snprintf(val, sizeof(val), "%s", v->type == JSON_TRUE ? "on" : "off");
		else
			return false;
		o += (size_t)snprintf(spec + (o < len ? o : len), o < len ? len - o : 0, ",%s=%s", k,
				      val);
	}
	return o < len;
}

/* Judge `msg` (NULL if it does not parse) before the session runs it: the reply it must
 * get, and for device_add/human-monitor-command what the fake VMM must see or print. */
static enum fq_reply fq_expect(struct fq_judge *j, const struct json_value *msg, char *spec,
			       bool *fit, bool *want_add, struct mon_buf *hmp)
{
	static const char *const top[] = { "execute", "arguments", "id", NULL };
	static const char *const caps[] = { "enable", NULL };
	static const char *const del[] = { "id", NULL };
	static const char *const hmpm[] = { "command-line", "cpu-index", NULL };
	static const char *const none[] = { NULL };
	const struct json_value *exe, *args, *v;
	const char *cmd;

	*want_add = false;
	if (!msg || msg->type != JSON_OBJECT || !fq_only(msg, top))
		return FQ_ERROR;
	exe = json_get(msg, "execute");
	args = json_get(msg, "arguments");
	if (!exe || exe->type != JSON_STRING || (args && args->type != JSON_OBJECT))
		return FQ_ERROR;
	cmd = exe->s;
	if (!strcmp(cmd, "qmp_capabilities")) {
		if (j->negotiated)
			return FQ_NOTFOUND;
		if (!fq_only(args, caps))
			return FQ_ERROR;
		j->negotiated = true;
		return FQ_RETURN;
	}
	if (!j->negotiated)
		return FQ_NOTFOUND;
	if (!strcmp(cmd, "device_add")) {
		if (!args || !fq_expect_spec(args, spec, MON_LINE_MAX + 1, fit))
			return FQ_ERROR;
		*want_add = true;
		return strlen(spec) % 5 == 0 ? FQ_ERROR : FQ_RETURN;
	}
	if (!strcmp(cmd, "device_del")) {
		v = json_get(args, "id");
		if (!fq_only(args, del) || !v || v->type != JSON_STRING || !mon_valid_id(v->s) ||
		    v->s[0] == 'x')
			return FQ_ERROR;
		return FQ_RETURN;
	}
	if (!strcmp(cmd, "query-pci"))
		return fq_only(args, none) ? FQ_RETURN : FQ_ERROR;
	if (!strcmp(cmd, "human-monitor-command")) {
		v = json_get(args, "command-line");
		if (!fq_only(args, hmpm) || !v || v->type != JSON_STRING)
			return FQ_ERROR;
		mon_run_line(j->ops, v->s, v->len, hmp);
		return FQ_RETURN;
	}
	if (!strcmp(cmd, "quit"))
		return fq_only(args, none) ? FQ_RETURN : FQ_ERROR;
	return FQ_NOTFOUND;
}

static void fq_on_message(void *opaque, const char *text, size_t len, const char *error)
{
	struct fq_judge *j = opaque;
	struct json_value *msg = NULL, *reply;
	const struct json_value *id = NULL, *rid, *ret, *er, *cls;
	struct mon_buf hmp = { .cap = 256u << 10 }, idw = { 0 }, ridw = { 0 };
	char spec[MON_LINE_MAX + 1], err[256];
	size_t before = j->s->out->len, n;
	unsigned adds = j->m->adds;
	bool fit = true, want_add;
	enum fq_reply want;
	const char *line;

	FUZZ_CHECK(!error, "framing refused a message under 64 KiB: %s", error);
	j->messages++;
	msg = json_parse(text, len, err, sizeof(err));
	if (msg && msg->type == JSON_OBJECT)
		id = json_get(msg, "id");
	want = fq_expect(j, msg, spec, &fit, &want_add, &hmp);

	qmp_handle_message(j->s, text, len);

	/* Exactly one reply line, valid JSON. */
	line = j->s->out->s + before;
	n = j->s->out->len - before;
	FUZZ_CHECK(n >= 2 && line[n - 2] == '\r' && line[n - 1] == '\n' &&
			   memchr(line, '\n', n - 1) == NULL,
		   "message %u: not exactly one reply line (%zu bytes)", j->messages, n);
	reply = json_parse(line, n - 2, err, sizeof(err));
	/* (F6, fixed in 7627e63: a request name cut at 64 bytes inside a UTF-8 character made
	 * the error's desc invalid UTF-8.) */
	FUZZ_CHECK(reply && reply->type == JSON_OBJECT,
		   "message %u: reply is not a JSON object (%s): %.300s", j->messages,
		   reply ? "not an object" : err, line);
	ret = json_get(reply, "return");
	er = json_get(reply, "error");
	FUZZ_CHECK(!!ret != !!er, "reply has both or neither of return/error: %.200s", line);
	if (want == FQ_RETURN)
		FUZZ_CHECK(ret, "message %u: expected a return, got %.300s", j->messages, line);
	else
		FUZZ_CHECK(er && (cls = json_get(er, "class")) && cls->type == JSON_STRING &&
				   (want != FQ_NOTFOUND || !strcmp(cls->s, "CommandNotFound")) &&
				   json_get(er, "desc") && json_get(er, "desc")->type == JSON_STRING,
			   "message %u: expected error%s, got %.300s", j->messages,
			   want == FQ_NOTFOUND ? " CommandNotFound" : "", line);
	rid = json_get(reply, "id");
	if (id) {
		json_write(&idw, id);
		FUZZ_CHECK(rid, "reply lost the id");
		json_write(&ridw, rid);
		FUZZ_CHECK(idw.len == ridw.len && !memcmp(idw.s, ridw.s, idw.len),
			   "reply id %.100s for request id %.100s", ridw.s, idw.s);
	} else {
		FUZZ_CHECK(!rid, "reply has an id the request did not");
	}
	/* device_add reaches the VMM exactly when its arguments are good, with that spec. */
	FUZZ_CHECK(j->m->adds == adds + (want_add ? 1 : 0), "device_add calls %u -> %u", adds,
		   j->m->adds);
	if (want_add)
		FUZZ_CHECK(!strcmp(j->m->spec, spec) && j->m->fit == fit,
			   "device_add got \"%.200s\" (fit %d), the members say \"%.200s\" (fit %d)",
			   j->m->spec, j->m->fit, spec, fit);
	if (ret && ret->type == JSON_STRING)
		FUZZ_CHECK(ret->len == hmp.len && (!hmp.len || !memcmp(ret->s, hmp.s, hmp.len)),
			   "human-monitor-command returned %.200s, the monitor prints %.200s", ret->s,
			   hmp.s ? hmp.s : "");
	json_free(reply);
	json_free(msg);
	mon_buf_free(&hmp);
	mon_buf_free(&idw);
	mon_buf_free(&ridw);
}

static void fq_session(const uint8_t *data, size_t size, uint8_t seed)
{
	struct fq_vmm m1 = { 0 }, m2 = { 0 }, m3 = { 0 };
	struct mon_ops o1, o2, o3;
	struct mon_buf b1 = { 0 }, b2 = { 0 }, b3 = { 0 };
	struct qmp_session *s1 = malloc(sizeof(*s1)), *s2 = malloc(sizeof(*s2)),
			   *s3 = malloc(sizeof(*s3));
	struct json_stream *st = malloc(sizeof(*st));
	struct fq_judge j;
	uint32_t rng = seed * 2654435761u + 1;
	size_t at = 0, n;

	if (!s1 || !s2 || !s3 || !st)
		goto out;
	fq_ops_init(&o1, &m1);
	fq_ops_init(&o2, &m2);
	fq_ops_init(&o3, &m3);
	qmp_session_init(s1, &o1, &b1);
	qmp_session_init(s2, &o2, &b2);
	qmp_session_init(s3, &o3, &b3);
	qmp_greeting(s1);
	qmp_greeting(s2);
	qmp_greeting(s3);

	/* 1: message by message, each judged. */
	memset(st, 0, sizeof(*st));
	memset(&j, 0, sizeof(j));
	j.s = s1;
	j.m = &m1;
	j.ops = &o1;
	json_stream_feed(st, (const char *)data, size, fq_on_message, &j);

	/* 2: the whole stream at once; 3: in random chunks.  Same bytes out. */
	qmp_input(s2, (const char *)data, size);
	while (at < size) {
		rng = rng * 1103515245u + 12345u;
		n = 1 + (rng >> 16) % 64;
		if (n > size - at)
			n = size - at;
		qmp_input(s3, (const char *)data + at, n);
		at += n;
	}
	FUZZ_CHECK(b1.len == b2.len && b2.len == b3.len && !memcmp(b1.s, b2.s, b1.len) &&
			   !memcmp(b2.s, b3.s, b2.len),
		   "output depends on how the stream was cut: %zu / %zu / %zu bytes", b1.len, b2.len,
		   b3.len);
	FUZZ_CHECK(s2->quit == s3->quit && s1->quit == s2->quit, "quit differs between feeds");
out:
	mon_buf_free(&b1);
	mon_buf_free(&b2);
	mon_buf_free(&b3);
	free(s1);
	free(s2);
	free(s3);
	free(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 2 || size > FQ_MAX_INPUT)
		return 0;
	if (data[0] & 0x80) {
		text = malloc(size - 1); /* exact size: ASan sees any read past the text */
		if (!text)
			return 0;
		memcpy(text, data + 1, size - 1);
		fq_json(text, size - 1);
		free(text);
		return 0;
	}
	fq_session(data + 2, size - 2, data[1]);
	return 0;
}
