/* Bounded text buffer: vsnprintf into a doubling allocation, capped; JSON string escaping
 * (RFC 8259: quote, backslash and control characters; bytes >= 0x80 pass as they are). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor_buf.h"

static size_t cap_of(const struct mon_buf *b)
{
	return b->cap ? b->cap : MON_BUF_DEFAULT_CAP;
}

/* Make room for `more` bytes plus the NUL; false (and truncated) when over the cap. */
static bool reserve(struct mon_buf *b, size_t more)
{
	size_t need = b->len + more + 1, n;
	char *p;

	if (more > cap_of(b) || b->len + more > cap_of(b)) {
		b->truncated = true;
		return false;
	}
	if (need <= b->alloc)
		return true;
	n = b->alloc ? b->alloc : 256;
	while (n < need)
		n *= 2;
	p = realloc(b->s, n);
	if (!p) {
		b->truncated = true;
		return false;
	}
	b->s = p;
	b->alloc = n;
	return true;
}

void mon_buf_put(struct mon_buf *b, const char *data, size_t len)
{
	if (!reserve(b, len))
		return;
	memcpy(b->s + b->len, data, len);
	b->len += len;
	b->s[b->len] = 0;
}

void mon_buf_printf(struct mon_buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		mon_buf_put(b, small, (size_t)n);
		return;
	}
	if (!reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void mon_buf_json_str(struct mon_buf *b, const char *s, size_t len)
{
	size_t i;

	mon_buf_put(b, "\"", 1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			mon_buf_printf(b, "\\%c", c);
		else if (c == '\n')
			mon_buf_put(b, "\\n", 2);
		else if (c == '\r')
			mon_buf_put(b, "\\r", 2);
		else if (c == '\t')
			mon_buf_put(b, "\\t", 2);
		else if (c < 0x20 || c == 0x7f)
			mon_buf_printf(b, "\\u%04x", c);
		else
			mon_buf_put(b, (const char *)&s[i], 1);
	}
	mon_buf_put(b, "\"", 1);
}

void mon_buf_consume(struct mon_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		if (b->s)
			b->s[0] = 0;
		return;
	}
	memmove(b->s, b->s + n, b->len - n);
	b->len -= n;
	b->s[b->len] = 0;
}

void mon_buf_reset(struct mon_buf *b)
{
	b->len = 0;
	b->truncated = false;
	if (b->s)
		b->s[0] = 0;
}

void mon_buf_free(struct mon_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->alloc = 0;
	b->truncated = false;
}
