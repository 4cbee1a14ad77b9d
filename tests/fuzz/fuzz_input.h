/* Fuzz-target helpers: a byte-stream reader that turns libFuzzer input into op fields, and
 * the check macro through which every target reports a broken invariant. */
#ifndef VDM_FUZZ_INPUT_H
#define VDM_FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * Every target is one LLVMFuzzerTestOneInput() (libFuzzer's entry point; replay_main.c
 * calls it for files when libFuzzer is not linked).  A target decodes its input with the
 * fz_* readers below: a read past the end yields zeros, so any input, including an empty
 * one, is a valid op stream.
 *
 * FUZZ_CHECK(cond, fmt, ...) prints which invariant broke and calls FUZZ_FAIL(), which is
 * abort() unless the includer defines it first (tests/unit/test_fuzz_regressions.c defines
 * it as a cmocka failure so a regression input fails one test instead of the program).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef FUZZ_FAIL
#define FUZZ_FAIL() abort()
#endif

#define FUZZ_CHECK(cond, ...)                                                             \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "%s:%d: invariant broken: %s: ", __FILE__, __LINE__,   \
				#cond);                                                   \
			fprintf(stderr, __VA_ARGS__);                                     \
			fputc('\n', stderr);                                              \
			FUZZ_FAIL();                                                      \
		}                                                                         \
	} while (0)

/*
 * Known findings: a broken invariant already reported and not fixed yet (listed in
 * tests/fuzz/README.md with its regression test).  A target checks it with
 * FUZZ_CHECK_KNOWN(id, cond, ...), which is FUZZ_CHECK unless the environment has
 * VDM_FUZZ_ALLOW_KNOWN=1, so a long run can look past it for new findings.  fuzz-ci.sh
 * never sets it: an unfixed finding keeps failing CI.
 */
static inline bool fz_allow_known(void)
{
	static int allow = -1;

	if (allow < 0) {
		const char *e = getenv("VDM_FUZZ_ALLOW_KNOWN");

		allow = e && e[0] == '1';
	}
	return allow;
}

#define FUZZ_CHECK_KNOWN(id, cond, ...)                                                   \
	do {                                                                              \
		if (!(cond) && fz_allow_known())                                          \
			break;                                                            \
		FUZZ_CHECK(cond, "[known finding " id "] " __VA_ARGS__);                  \
	} while (0)

struct fz {
	const uint8_t *p;
	size_t n, pos;
};

static inline void fz_init(struct fz *f, const uint8_t *p, size_t n)
{
	f->p = p;
	f->n = n;
	f->pos = 0;
}

static inline bool fz_more(const struct fz *f)
{
	return f->pos < f->n;
}

static inline uint8_t fz_u8(struct fz *f)
{
	return f->pos < f->n ? f->p[f->pos++] : 0;
}

static inline uint16_t fz_u16(struct fz *f)
{
	uint16_t lo = fz_u8(f);

	return (uint16_t)(lo | (uint16_t)fz_u8(f) << 8);
}

static inline uint32_t fz_u32(struct fz *f)
{
	uint32_t lo = fz_u16(f);

	return lo | (uint32_t)fz_u16(f) << 16;
}

static inline uint64_t fz_u64(struct fz *f)
{
	uint64_t lo = fz_u32(f);

	return lo | (uint64_t)fz_u32(f) << 32;
}

/*
 * An access size: mostly 1, 2, 4 or 8; one selector value in eight gives a size of any
 * value instead (0, 3, 5..31, or a full 32-bit number), which every handler must refuse.
 */
static inline uint32_t fz_access_size(struct fz *f)
{
	static const uint32_t sizes[4] = { 1, 2, 4, 8 };
	uint8_t b = fz_u8(f);

	if (b < 0xe0)
		return sizes[b & 3];
	if (b == 0xff)
		return fz_u32(f);
	return (uint32_t)(b - 0xe0); /* 0..30 */
}

/*
 * An offset inside or around a space of `range` bytes: a small one, a 16-bit one, one just
 * below or past the end (wrapping for a tiny range), or any 64-bit value.
 */
static inline uint64_t fz_offset(struct fz *f, uint64_t range)
{
	switch (fz_u8(f) & 3) {
	case 0:
		return fz_u8(f);
	case 1:
		return fz_u16(f);
	case 2:
		return range + 8 - fz_u8(f) % 24; /* range-16 .. range+8 */
	default:
		return fz_u64(f);
	}
}

/* Mask of the low `size` bytes (all 64 bits for 8 or more, 0 for 0). */
static inline uint64_t fz_ones(uint32_t size)
{
	return size >= 8 ? UINT64_MAX : (1ull << (8 * size)) - 1;
}

#endif /* VDM_FUZZ_INPUT_H */
