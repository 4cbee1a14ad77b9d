/* Guest payload runtime: COM1 console output, a small printf, check bookkeeping and the
 * power-off / reset exits (port 0x600, values from vmm-example/PAYLOAD.md). */
#include "rt.h"

#include "io.h"

#define COM1 0x3f8
#define COM1_LSR (COM1 + 5)
#define LSR_THRE 0x20

#define POWER_PORT 0x600
#define POWER_OFF_VALUE 0x34 /* (s5_slp_typ 5 << 2) | SLP_EN 0x20 */
#define RESET_VALUE 0x01

uint64_t rt_boot_rdi;
uint64_t rt_boot_rsi;

static unsigned failures;

/* Bytes we may still write without polling: after THRE the 16550A's transmit FIFO is empty
 * and takes 16 (8250-style UARTs without a FIFO take 1).  Each poll is a VM exit, so this
 * halves the console's exits. */
static unsigned tx_credit, tx_burst;

static void uart_init(void)
{
	outb(COM1 + 2, 0x07); /* FCR: enable and clear both FIFOs */
	tx_burst = (inb(COM1 + 2) & 0xc0) == 0xc0 ? 16 : 1; /* IIR: FIFOs enabled? */
}

void rt_putc(char c)
{
	if (!tx_burst)
		uart_init();
	if (!tx_credit) {
		/* Bounded wait: a missing UART reads 0xff (THRE set); a stuck one must not hang us. */
		for (unsigned i = 0; i < 100000 && !(inb(COM1_LSR) & LSR_THRE); i++)
			cpu_relax();
		tx_credit = tx_burst;
	}
	tx_credit--;
	outb(COM1, (uint8_t)c);
}

void rt_puts(const char *s)
{
	while (*s)
		rt_putc(*s++);
}

struct fmt_spec {
	int left;
	char pad;
	unsigned width;
};

static int emit_padded(const char *s, unsigned len, const struct fmt_spec *f)
{
	unsigned n = 0;

	if (!f->left)
		for (; len + n < f->width; n++)
			rt_putc(f->pad);
	for (unsigned i = 0; i < len; i++)
		rt_putc(s[i]);
	if (f->left)
		for (; len + n < f->width; n++)
			rt_putc(' ');
	return (int)(len + n);
}

static int emit_number(uint64_t v, int negative, unsigned base, int upper,
		       const struct fmt_spec *f)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	unsigned i = sizeof(buf);
	int n = 0;

	do {
		buf[--i] = digits[v % base];
		v /= base;
	} while (v);
	if (negative) {
		if (f->pad == '0') {
			/* "-0042": the sign goes before the zero padding. */
			struct fmt_spec g = *f;

			rt_putc('-');
			if (g.width)
				g.width--;
			return 1 + emit_padded(buf + i, sizeof(buf) - i, &g);
		}
		buf[--i] = '-';
	}
	n += emit_padded(buf + i, sizeof(buf) - i, f);
	return n;
}

int rt_vprintf(const char *fmt, va_list ap)
{
	int n = 0;

	for (; *fmt; fmt++) {
		struct fmt_spec f = { 0, ' ', 0 };
		int lng = 0;

		if (*fmt != '%') {
			rt_putc(*fmt);
			n++;
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				f.left = 1;
			else if (*fmt == '0')
				f.pad = '0';
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			f.width = f.width * 10 + (unsigned)(*fmt++ - '0');
		for (;; fmt++) {
			if (*fmt == 'l' || *fmt == 'z')
				lng++;
			else if (*fmt != 'h')
				break;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);

			n += emit_number(v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, 0, &f);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uint64_t v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);

			n += emit_number(v, 0, *fmt == 'u' ? 10 : 16, *fmt == 'X', &f);
			break;
		}
		case 'p':
			rt_puts("0x");
			n += 2 + emit_number((uintptr_t)va_arg(ap, void *), 0, 16, 0, &f);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);

			if (!s)
				s = "(null)";
			n += emit_padded(s, (unsigned)strlen(s), &f);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);

			n += emit_padded(&c, 1, &f);
			break;
		}
		case '%':
			rt_putc('%');
			n++;
			break;
		case '\0':
			return n;
		default:
			rt_putc('%');
			rt_putc(*fmt);
			n += 2;
			break;
		}
	}
	return n;
}

int rt_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = rt_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

static void check_line(int ok, const char *what, const char *detail_fmt, va_list ap)
{
	rt_printf("PAYLOAD: check %s %s", what, ok ? "ok" : "FAIL");
	if (detail_fmt && *detail_fmt) {
		rt_putc(' ');
		rt_vprintf(detail_fmt, ap);
	}
	rt_putc('\n');
	if (!ok)
		failures++;
}

int rt_check(int ok, const char *what, const char *detail_fmt, ...)
{
	va_list ap;

	va_start(ap, detail_fmt);
	check_line(ok, what, detail_fmt, ap);
	va_end(ap);
	return ok;
}

int rt_expect(int ok, const char *what, const char *detail_fmt, ...)
{
	va_list ap;

	if (ok)
		return 1;
	va_start(ap, detail_fmt);
	check_line(ok, what, detail_fmt, ap);
	va_end(ap);
	return 0;
}

void rt_count_failure(void)
{
	failures++;
}

unsigned rt_failures(void)
{
	return failures;
}

void rt_poweroff(void)
{
	outb(POWER_PORT, POWER_OFF_VALUE);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void rt_reset(void)
{
	outb(POWER_PORT, RESET_VALUE);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void rt_finish(void)
{
	if (!failures) {
		rt_puts("PAYLOAD: done status=ok\n");
		rt_poweroff();
	}
	rt_printf("PAYLOAD: done status=fail failures=%u\n", failures);
	rt_reset();
}

void rt_fatal(const char *fmt, ...)
{
	va_list ap;

	rt_puts("PAYLOAD: fatal ");
	va_start(ap, fmt);
	rt_vprintf(fmt, ap);
	va_end(ap);
	rt_putc('\n');
	failures++;
	rt_finish();
}

void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;

	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;

	if (p < q)
		return memcpy(d, s, n);
	while (n--)
		p[n] = q[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p < *q ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}
