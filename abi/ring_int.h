/* Internal helpers shared by the ring's two endpoints: atomic access to shared words,
 * futex and eventfd doorbells, the monotonic clock. */
#ifndef VDM_RING_INT_H
#define VDM_RING_INT_H

#include <endian.h>
#include <stdint.h>
#include <time.h>

#include <vdm/ring.h>

/* Shared words are little-endian 32-bit; x86_64 needs no swap but the code says what it means. */
static inline uint32_t ring_load(const uint32_t *p)
{
	return le32toh(__atomic_load_n(p, __ATOMIC_ACQUIRE));
}

static inline uint32_t ring_peek(const uint32_t *p)
{
	return le32toh(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static inline void ring_store(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, htole32(v), __ATOMIC_RELEASE);
}

/* Full barrier between "I published / I am going to sleep" and "does the peer wait / is
 * there work": the store-load ordering both doorbell directions rely on. */
static inline void ring_fence(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* One spin-wait pause: tells the CPU (and a hypervisor) this thread is only polling. */
static inline void ring_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#else
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
#endif
}

static inline uint64_t ring_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Adaptive spinning.  A spin pays off only while the peer runs on another CPU; when both
 * share one (or the machine is oversubscribed) a spinner just delays the peer it waits for.
 * So each side halves its spin budget whenever a spin ends in sleep (down to 1/16 of the
 * configured spin) and doubles it whenever a spin catches the peer (up to the configured
 * spin): busy pairs on separate CPUs keep spinning, co-located or idle ones fall back to
 * the futex within a few round trips.
 */
struct ring_spin {
	uint64_t budget_ns, max_ns;
};

static inline void ring_spin_init(struct ring_spin *s, uint64_t max_ns)
{
	s->budget_ns = s->max_ns = max_ns;
}

static inline void ring_spin_won(struct ring_spin *s)
{
	s->budget_ns = s->budget_ns * 2 > s->max_ns ? s->max_ns : s->budget_ns * 2;
}

static inline void ring_spin_lost(struct ring_spin *s)
{
	s->budget_ns = s->budget_ns / 2 < s->max_ns / 16 ? s->max_ns / 16 : s->budget_ns / 2;
}

/* vmm_waiting values: what the VMM sleeps for. */
#define RING_WAIT_RESPONSE 1u
#define RING_WAIT_SPACE 2u

/* Sleep on a shared futex word while it still holds `seen`; `timeout_ns` 0 = forever.
 * Returns 0 (woken, changed or timed out; callers re-check) or a negative errno. */
int vdm__ring_futex_wait(uint32_t *word, uint32_t seen, uint64_t timeout_ns);
/* Bump a shared bell word and wake its one sleeper. */
void vdm__ring_futex_bump(uint32_t *word);
/* Add 1 to an eventfd; errors are ignored (the peer re-checks the ring on any wake). */
void vdm__ring_efd_kick(int efd);

#endif /* VDM_RING_INT_H */
