/* Guest payload runtime: COM1 console, a small printf, memory helpers and the ways a payload
 * ends (power off = pass, reset = fail), per vmm-example/PAYLOAD.md. */
#ifndef PAYLOAD_RT_H
#define PAYLOAD_RT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define RT_NORETURN __attribute__((noreturn))
#define RT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* What vCPU 0 was started with (set by start.S before payload_main runs). */
extern uint64_t rt_boot_rdi; /* guest-physical address of the RSDP */
extern uint64_t rt_boot_rsi; /* RAM size below 4 GiB */

/* Each payload defines this; returning means "finished": rt_finish() decides pass/fail. */
void payload_main(void);

/* Console: COM1, polled.  printf supports %d %i %u %x %X %s %c %p %% with the flags '0'
 * and '-', a width, and the length modifiers hh h l ll z. */
void rt_putc(char c);
void rt_puts(const char *s);
int rt_vprintf(const char *fmt, va_list ap);
int rt_printf(const char *fmt, ...) RT_PRINTF(1, 2);

/* Checks: rt_check prints "PAYLOAD: check <what> ok|FAIL <detail>" and counts failures. */
int rt_check(int ok, const char *what, const char *detail_fmt, ...) RT_PRINTF(3, 4);
/* Same, but silent when ok (for the many small per-register checks). */
int rt_expect(int ok, const char *what, const char *detail_fmt, ...) RT_PRINTF(3, 4);
void rt_count_failure(void);
unsigned rt_failures(void);

/* Ends the payload: "PAYLOAD: done status=ok" + power off when no check failed, else
 * "PAYLOAD: done status=fail failures=N" + the FADT reset write (vmm-example exits 1). */
RT_NORETURN void rt_finish(void);
/* Prints "PAYLOAD: fatal <msg>" and fails at once. */
RT_NORETURN void rt_fatal(const char *fmt, ...) RT_PRINTF(1, 2);
RT_NORETURN void rt_poweroff(void);
RT_NORETURN void rt_reset(void);

/* What gcc may call on its own even with -ffreestanding. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#endif /* PAYLOAD_RT_H */
