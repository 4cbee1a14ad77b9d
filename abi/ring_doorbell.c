/* The ring's doorbells: futex sleep/wake on shared bell words (cross-process, so never the
 * private futex ops) and eventfd kicks. */
#include <errno.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ring_int.h"

int vdm__ring_futex_wait(uint32_t *word, uint32_t seen, uint64_t timeout_ns)
{
	struct timespec ts = { .tv_sec = (time_t)(timeout_ns / 1000000000ull),
			       .tv_nsec = (long)(timeout_ns % 1000000000ull) };
	long r = syscall(SYS_futex, word, FUTEX_WAIT, htole32(seen), timeout_ns ? &ts : NULL,
			 NULL, 0);

	if (r == 0 || errno == EAGAIN || errno == ETIMEDOUT || errno == EINTR)
		return 0;
	return -errno;
}

void vdm__ring_futex_bump(uint32_t *word)
{
	__atomic_fetch_add(word, htole32(1), __ATOMIC_SEQ_CST);
	syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
}

void vdm__ring_efd_kick(int efd)
{
	uint64_t one = 1;
	ssize_t r;

	do
		r = write(efd, &one, sizeof(one));
	while (r < 0 && errno == EINTR);
}
