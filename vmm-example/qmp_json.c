/* Strict JSON parser (recursive descent with depth/value caps), writer, and the QMP
 * stream framer that cuts a byte stream into messages. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qmp_json.h"

struct parser {
	const char *p, *end, *start;
	int depth;
	unsigned values;
	char *err;
	size_t err_len;
	bool failed;
};

static void *fail(struct parser *ps, const char *why)
{
	if (!ps->failed && ps->err && ps->err_len)
		snprintf(ps->err, ps->err_len, "JSON parse error at byte %zu: %s",
			 (size_t)(ps->p - ps->start), why);
	ps->failed = true;
	return NULL;
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

void json_free(struct json_value *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++) {
		json_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->s);
	free(v);
}

static struct json_value *new_value(struct parser *ps, enum json_type t)
{
	struct json_value *v;

	if (++ps->values > JSON_MAX_VALUES)
		return fail(ps, "too many values (at most 4096)");
	v = calloc(1, sizeof(*v));
	if (!v)
		return fail(ps, "out of memory");
	v->type = t;
	return v;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no surrogates,
 * <= U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0], need, cp, min;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		cp = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		cp = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		cp = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if ((size_t)(end - p) <= need)
		return 0;
	for (unsigned i = 1; i <= need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need + 1;
}

/* Parse a string literal at ps->p (the opening quote) into a malloc'ed buffer. */
static char *parse_str(struct parser *ps, size_t *len_out)
{
	char *out, *o;

	/* decoded text is never longer than the literal */
	out = malloc((size_t)(ps->end - ps->p) + 1);
	if (!out)
		return fail(ps, "out of memory");
	o = out;
	ps->p++;
	while (ps->p < ps->end) {
		unsigned char c = (unsigned char)*ps->p;

		if (c == '"') {
			ps->p++;
			*o = 0;
			*len_out = (size_t)(o - out);
			return out;
		}
		if (c < 0x20) {
			free(out);
			return fail(ps, "control character in a string (escape it)");
		}
		if (c == '\\') {
			unsigned cp, lo;

			if (ps->end - ps->p < 2)
				break;
			switch (ps->p[1]) {
			case '"': *o++ = '"'; break;
			case '\\': *o++ = '\\'; break;
			case '/': *o++ = '/'; break;
			case 'b': *o++ = '\b'; break;
			case 'f': *o++ = '\f'; break;
			case 'n': *o++ = '\n'; break;
			case 'r': *o++ = '\r'; break;
			case 't': *o++ = '\t'; break;
			case 'u':
				if (ps->end - ps->p < 6 || hex4(ps->p + 2, &cp)) {
					free(out);
					return fail(ps, "\\u needs four hex digits");
				}
				if (cp >= 0xdc00 && cp <= 0xdfff) {
					free(out);
					return fail(ps, "lone low surrogate in \\u escape");
				}
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (ps->end - ps->p < 12 || ps->p[6] != '\\' || ps->p[7] != 'u' ||
					    hex4(ps->p + 8, &lo) || lo < 0xdc00 || lo > 0xdfff) {
						free(out);
						return fail(ps, "high surrogate without a low one");
					}
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					ps->p += 6;
				}
				if (cp == 0) {
					free(out);
					return fail(ps, "\\u0000 is not accepted");
				}
				o += put_utf8(o, cp);
				ps->p += 6;
				continue;
			default:
				free(out);
				return fail(ps, "unknown escape in a string");
			}
			ps->p += 2;
			continue;
		}
		{
			size_t n = utf8_len((const unsigned char *)ps->p, (const unsigned char *)ps->end);

			if (!n) {
				free(out);
				return fail(ps, "invalid UTF-8 in a string");
			}
			memcpy(o, ps->p, n);
			o += n;
			ps->p += n;
		}
	}
	free(out);
	return fail(ps, "unterminated string");
}

static struct json_value *parse_value(struct parser *ps);

static struct json_value *parse_number(struct parser *ps)
{
	const char *s = ps->p;
	struct json_value *v;
	bool frac = false;
	char buf[64];
	size_t n;

	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
		return fail(ps, "a number needs digits");
	if (*ps->p == '0') {
		ps->p++;
		if (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			return fail(ps, "leading zero in a number");
	} else {
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if (ps->p < ps->end && *ps->p == '.') {
		frac = true;
		ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
			return fail(ps, "digits needed after '.'");
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		frac = true;
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
			return fail(ps, "digits needed in the exponent");
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	n = (size_t)(ps->p - s);
	if (n >= sizeof(buf))
		return fail(ps, "number literal too long (at most 63 characters)");
	memcpy(buf, s, n);
	buf[n] = 0;
	v = new_value(ps, JSON_NUMBER);
	if (!v)
		return NULL;
	v->s = strdup(buf);
	if (!v->s) {
		free(v);
		return fail(ps, "out of memory");
	}
	v->len = n;
	v->d = strtod(buf, NULL);
	if (!frac) {
		char *end;

		errno = 0;
		v->i = strtoll(buf, &end, 10);
		v->is_int = errno == 0 && *end == 0;
	}
	if (!isfinite(v->d)) {
		json_free(v);
		return fail(ps, "number out of range");
	}
	return v;
}

static bool add_child(struct json_value *v, struct json_value *c, char *key)
{
	struct json_value **items = realloc(v->items, (v->n + 1) * sizeof(*items));
	char **keys;

	if (!items)
		return false;
	v->items = items;
	if (v->type == JSON_OBJECT) {
		keys = realloc(v->keys, (v->n + 1) * sizeof(*keys));
		if (!keys)
			return false;
		v->keys = keys;
		v->keys[v->n] = key;
	}
	v->items[v->n++] = c;
	return true;
}

static struct json_value *parse_container(struct parser *ps, bool object)
{
	struct json_value *v = new_value(ps, object ? JSON_OBJECT : JSON_ARRAY);
	char close = object ? '}' : ']';

	if (!v)
		return NULL;
	if (++ps->depth > JSON_MAX_DEPTH) {
		json_free(v);
		return fail(ps, "nested too deeply (at most 32 levels)");
	}
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return v;
	}
	for (;;) {
		struct json_value *c;
		char *key = NULL;

		skip_ws(ps);
		if (object) {
			size_t klen;

			if (ps->p >= ps->end || *ps->p != '"') {
				json_free(v);
				return fail(ps, "expected a string key in an object");
			}
			key = parse_str(ps, &klen);
			if (!key) {
				json_free(v);
				return NULL;
			}
			for (size_t i = 0; i < v->n; i++)
				if (!strcmp(v->keys[i], key)) {
					free(key);
					json_free(v);
					return fail(ps, "duplicate key in an object");
				}
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(key);
				json_free(v);
				return fail(ps, "expected ':' after an object key");
			}
			ps->p++;
		}
		c = parse_value(ps);
		if (!c || !add_child(v, c, key)) {
			if (c)
				fail(ps, "out of memory");
			json_free(c);
			free(key);
			json_free(v);
			return NULL;
		}
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			skip_ws(ps);
			if (ps->p < ps->end && *ps->p == close) {
				json_free(v);
				return fail(ps, "trailing comma");
			}
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			ps->depth--;
			return v;
		}
		json_free(v);
		return fail(ps, object ? "expected ',' or '}' in an object"
				       : "expected ',' or ']' in an array");
	}
}

static struct json_value *parse_literal(struct parser *ps, const char *word, enum json_type t)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n))
		return fail(ps, "invalid literal (expected a value: object, array, string, number, "
			    "true, false or null)");
	ps->p += n;
	return new_value(ps, t);
}

static struct json_value *parse_value(struct parser *ps)
{
	skip_ws(ps);
	if (ps->p >= ps->end)
		return fail(ps, "unexpected end of input");
	switch (*ps->p) {
	case '{':
		return parse_container(ps, true);
	case '[':
		return parse_container(ps, false);
	case '"': {
		struct json_value *v;
		size_t len;
		char *s = parse_str(ps, &len);

		if (!s)
			return NULL;
		v = new_value(ps, JSON_STRING);
		if (!v) {
			free(s);
			return NULL;
		}
		v->s = s;
		v->len = len;
		return v;
	}
	case 't':
		return parse_literal(ps, "true", JSON_TRUE);
	case 'f':
		return parse_literal(ps, "false", JSON_FALSE);
	case 'n':
		return parse_literal(ps, "null", JSON_NULL);
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return parse_number(ps);
		/* Any other byte starts no value (a "\x01" pseudo-literal here once made 0x01
		 * parse as null: fuzz finding F5). */
		return fail(ps, "invalid literal (expected a value: object, array, string, number, "
			    "true, false or null)");
	}
}

struct json_value *json_parse(const char *text, size_t len, char *err, size_t err_len)
{
	struct parser ps = { .p = text, .end = text + len, .start = text, .err = err,
			     .err_len = err_len };
	struct json_value *v;

	if (err && err_len)
		err[0] = 0;
	if (len > JSON_MAX_INPUT) {
		if (err && err_len)
			snprintf(err, err_len, "JSON message too large (%zu bytes; at most %u)", len,
				 JSON_MAX_INPUT);
		return NULL;
	}
	v = parse_value(&ps);
	if (!v)
		return NULL;
	skip_ws(&ps);
	if (ps.p != ps.end) {
		json_free(v);
		return fail(&ps, "unexpected text after the value");
	}
	return v;
}

const struct json_value *json_get(const struct json_value *v, const char *key)
{
	size_t i;

	if (!v || v->type != JSON_OBJECT)
		return NULL;
	for (i = 0; i < v->n; i++)
		if (!strcmp(v->keys[i], key))
			return v->items[i];
	return NULL;
}

void json_write(struct mon_buf *out, const struct json_value *v)
{
	size_t i;

	switch (v->type) {
	case JSON_NULL:
		mon_buf_put(out, "null", 4);
		break;
	case JSON_FALSE:
		mon_buf_put(out, "false", 5);
		break;
	case JSON_TRUE:
		mon_buf_put(out, "true", 4);
		break;
	case JSON_NUMBER:
		mon_buf_put(out, v->s, v->len);
		break;
	case JSON_STRING:
		mon_buf_json_str(out, v->s, v->len);
		break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		mon_buf_put(out, v->type == JSON_ARRAY ? "[" : "{", 1);
		for (i = 0; i < v->n; i++) {
			if (i)
				mon_buf_put(out, ", ", 2);
			if (v->type == JSON_OBJECT) {
				mon_buf_json_str(out, v->keys[i], strlen(v->keys[i]));
				mon_buf_put(out, ": ", 2);
			}
			json_write(out, v->items[i]);
		}
		mon_buf_put(out, v->type == JSON_ARRAY ? "]" : "}", 1);
		break;
	}
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

void json_stream_feed(struct json_stream *s, const char *data, size_t n, json_msg_fn fn,
		      void *opaque)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = data[i];
		bool done = false;

		if (s->skipping) {
			if (c == '\n')
				s->skipping = false;
			continue;
		}
		if (s->len == 0 && is_ws(c))
			continue;
		if (s->len >= sizeof(s->buf)) {
			char why[96];

			snprintf(why, sizeof(why), "JSON message too large (at most %u bytes)",
				 JSON_MAX_INPUT);
			fn(opaque, NULL, 0, why);
			s->len = 0;
			s->depth = 0;
			s->in_str = s->esc = false;
			s->skipping = c != '\n';
			continue;
		}
		if (s->len == 0 && c != '{' && c != '[') {
			s->depth = -1; /* a scalar (or garbage): ends at white space */
		}
		if (s->depth < 0) {
			if (is_ws(c)) {
				fn(opaque, s->buf, s->len, NULL);
				s->len = 0;
				s->depth = 0;
				continue;
			}
			s->buf[s->len++] = c;
			continue;
		}
		s->buf[s->len++] = c;
		if (s->in_str) {
			if (s->esc)
				s->esc = false;
			else if (c == '\\')
				s->esc = true;
			else if (c == '"')
				s->in_str = false;
			continue;
		}
		if (c == '"')
			s->in_str = true;
		else if (c == '{' || c == '[')
			s->depth++;
		else if (c == '}' || c == ']')
			done = --s->depth == 0;
		if (done) {
			fn(opaque, s->buf, s->len, NULL);
			s->len = 0;
			s->depth = 0;
		}
	}
}
