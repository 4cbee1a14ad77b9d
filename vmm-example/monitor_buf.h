/* A bounded, growable text buffer for monitor and QMP replies: printf-style appends that
 * stop (and remember it) at a cap instead of growing without limit. */
#ifndef VMM_MONITOR_BUF_H
#define VMM_MONITOR_BUF_H

#include <stdbool.h>
#include <stddef.h>

#define MON_BUF_DEFAULT_CAP (1u << 20)

struct mon_buf {
	char *s;        /* NUL-terminated; NULL until the first append */
	size_t len;
	size_t alloc;
	size_t cap;      /* most bytes it will hold (0 = MON_BUF_DEFAULT_CAP) */
	bool truncated;  /* an append did not fit (or memory ran out) */
};

/* Append formatted text / raw bytes.  Text beyond `cap` is dropped and `truncated` set. */
void mon_buf_printf(struct mon_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mon_buf_put(struct mon_buf *b, const char *data, size_t len);
/* Append `s` (len bytes) as a JSON string literal, quotes included. */
void mon_buf_json_str(struct mon_buf *b, const char *s, size_t len);
/* Drop the first n bytes (what was sent). */
void mon_buf_consume(struct mon_buf *b, size_t n);
void mon_buf_reset(struct mon_buf *b);
void mon_buf_free(struct mon_buf *b);

#endif /* VMM_MONITOR_BUF_H */
