/* Console output gathered into lines (console_out.h): the guest's UART exits once per byte,
 * and a write(2) per byte was most of what each of those exits cost the VMM. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "console_out.h"

void console_out_init(struct console_out *c, int fd)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->fd = fd;
	c->ready = true;
}

/* Caller holds the lock. */
static void write_pending(struct console_out *c)
{
	const uint8_t *p = c->buf;
	size_t left = c->len;

	c->len = 0;
	while (left && c->fd >= 0) {
		ssize_t n = write(c->fd, p, left);

		c->writes++;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* the reader is gone: the guest's output is dropped, it runs on */
		p += n;
		left -= (size_t)n;
	}
}

bool console_out_put(struct console_out *c, const uint8_t *buf, size_t len)
{
	bool newline = len && memchr(buf, '\n', len), was_empty, now_waiting;

	if (!c->ready)
		return false;
	pthread_mutex_lock(&c->lock);
	c->bytes += len;
	was_empty = c->len == 0;
	while (len) {
		size_t n = len < sizeof(c->buf) - c->len ? len : sizeof(c->buf) - c->len;

		memcpy(c->buf + c->len, buf, n);
		c->len += n;
		buf += n;
		len -= n;
		if (c->len == sizeof(c->buf)) {
			write_pending(c);
			was_empty = true; /* what is left waits from now */
		}
	}
	if (newline)
		write_pending(c);
	now_waiting = c->len && was_empty;
	if (now_waiting)
		c->stamped = false; /* the event loop's next look starts its wait */
	pthread_mutex_unlock(&c->lock);
	return now_waiting;
}

uint64_t console_out_flush_due(struct console_out *c, uint64_t now_ns, uint64_t max_age_ns)
{
	uint64_t left = 0;

	if (!c->ready)
		return 0;
	pthread_mutex_lock(&c->lock);
	if (c->len && max_age_ns && !c->stamped) {
		c->since_ns = now_ns;
		c->stamped = true;
	}
	if (c->len && (!max_age_ns || now_ns - c->since_ns >= max_age_ns))
		write_pending(c);
	else if (c->len)
		left = c->since_ns + max_age_ns - now_ns;
	pthread_mutex_unlock(&c->lock);
	return left;
}

void console_out_destroy(struct console_out *c)
{
	if (!c->ready)
		return;
	console_out_flush_due(c, 0, 0);
	pthread_mutex_destroy(&c->lock);
	c->ready = false;
}
