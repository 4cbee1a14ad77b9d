/* A small strict JSON (RFC 8259) parser for QMP, pure and bounded: input size, nesting
 * depth and value count are capped; every refusal comes with a one-line reason. */
#ifndef VMM_QMP_JSON_H
#define VMM_QMP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor_buf.h"

#define JSON_MAX_INPUT (64u << 10) /* bytes of one message */
#define JSON_MAX_DEPTH 32          /* nested arrays/objects */
#define JSON_MAX_VALUES 4096       /* values in one message */

enum json_type {
	JSON_NULL = 0,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_value {
	enum json_type type;
	/* NUMBER: the literal as written (for re-serialising) and its value */
	bool is_int;     /* an integer that fits int64 */
	int64_t i;
	double d;
	/* STRING: UTF-8, NUL-terminated (may hold no NUL: \u0000 is refused); NUMBER: literal */
	char *s;
	size_t len;
	/* ARRAY / OBJECT: children in order; OBJECT keys in `keys` */
	struct json_value **items;
	char **keys;
	size_t n;
};

/*
 * Parse exactly one JSON value filling all of text[0..len) (white space around it allowed).
 * Strict: no comments, no trailing commas, no single quotes, no leading zeros, no NaN, valid
 * UTF-8 only, no control characters in strings, no duplicate keys, no \u0000.
 * Returns the value (free with json_free) or NULL with a reason in err, e.g.
 * "JSON parse error at byte 12: expected ':' after an object key".
 */
struct json_value *json_parse(const char *text, size_t len, char *err, size_t err_len);
void json_free(struct json_value *v);

/* Object member `key`, or NULL (also when v is not an object). */
const struct json_value *json_get(const struct json_value *v, const char *key);

/* Append v as compact JSON. */
void json_write(struct mon_buf *out, const struct json_value *v);

/*
 * Message framing for a QMP byte stream: collects bytes until one top-level value is
 * complete (balanced {} / [] outside strings, or a scalar ended by white space), bounded by
 * JSON_MAX_INPUT.  Feed bytes; for each complete message fn(opaque, text, len, NULL) runs;
 * for a message over the limit fn(opaque, NULL, 0, reason) runs once and the rest of it up
 * to the next newline is skipped.
 */
struct json_stream {
	char buf[JSON_MAX_INPUT];
	size_t len;
	int depth;
	bool in_str, esc, skipping;
};
typedef void (*json_msg_fn)(void *opaque, const char *text, size_t len, const char *error);
void json_stream_feed(struct json_stream *s, const char *data, size_t n, json_msg_fn fn,
		      void *opaque);

#endif /* VMM_QMP_JSON_H */
