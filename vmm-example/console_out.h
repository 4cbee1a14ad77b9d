/* The guest's console output on its way to a file descriptor: bytes gathered into lines, so
 * a line costs one write(2) instead of one per byte the UART transmits. */
#ifndef VMM_CONSOLE_OUT_H
#define VMM_CONSOLE_OUT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_OUT_BUF 4096
/* How long bytes without a newline (a prompt, an echoed key) may wait for the rest of
 * their line before the event loop writes them anyway. */
#define CONSOLE_OUT_MAX_AGE_NS (2 * 1000 * 1000)

struct console_out {
	pthread_mutex_t lock;
	bool ready;          /* console_out_init was called */
	int fd;              /* where the bytes go; -1: dropped */
	size_t len;          /* pending bytes in buf */
	uint64_t since_ns;   /* when the event loop first saw the pending bytes */
	bool stamped;        /* since_ns is set for what is pending */
	uint64_t writes;     /* write(2) calls made so far */
	uint64_t bytes;      /* bytes taken so far */
	uint8_t buf[CONSOLE_OUT_BUF];
};

void console_out_init(struct console_out *c, int fd);
/* Write what is pending, then release.  A struct never initialised is ignored. */
void console_out_destroy(struct console_out *c);

/*
 * Take `len` bytes (any thread; no clock is read: where the host is itself a guest that
 * costs as much as the rest).  What ends with a newline, or fills the buffer, is written at
 * once; the rest waits.  Returns true when bytes now wait and none did before: the caller
 * must make the event loop call console_out_flush_due soon (wake it).  A failed write
 * drops the bytes.
 */
bool console_out_put(struct console_out *c, const uint8_t *buf, size_t len);

/*
 * The event loop's part: pending bytes wait `max_age_ns` from the first call that saw them,
 * then are written (max_age_ns 0: written now).  Returns the nanoseconds until the bytes
 * still waiting are due, 0 when none wait.
 */
uint64_t console_out_flush_due(struct console_out *c, uint64_t now_ns, uint64_t max_age_ns);

#endif /* VMM_CONSOLE_OUT_H */
