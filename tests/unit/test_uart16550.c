/* Unit tests for libvdm-machine's UART and power port (machine/uart16550.c, acpi_pm.c): bytes
 * out, loopback as the 8250 probe checks it, THRE/RDA interrupts, S5 and reset decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "acpi_pm.h"
#include "uart16550.h"

/* What the UART gave its host: its interrupt line and the bytes it sent. */
struct irq {
	uint32_t level, changes;
	char tx[16];
	size_t ntx;
};

static void irq_fn(void *opaque, uint32_t level)
{
	struct irq *i = opaque;

	i->level = level;
	i->changes++;
}

static void tx_fn(void *opaque, const uint8_t *buf, size_t len)
{
	struct irq *i = opaque;

	for (size_t k = 0; k < len && i->ntx < sizeof(i->tx); k++)
		i->tx[i->ntx++] = (char)buf[k];
}

static uint8_t rd(struct uart16550 *s, unsigned reg)
{
	uint64_t v;

	vdm__uart_read(s, reg, 1, &v);
	return (uint8_t)v;
}

static void wr(struct uart16550 *s, unsigned reg, uint8_t v)
{
	vdm__uart_write(s, reg, 1, v);
}

static void transmitted_bytes_reach_the_host(void **state)
{
	struct uart16550 s;
	struct irq i = { 0 };

	(void)state;
	vdm__uart_init(&s, tx_fn, irq_fn, &i);
	assert_int_equal(rd(&s, 5) & 0x60, 0x60); /* THRE and TEMT: ready */
	wr(&s, 0, 'o');
	wr(&s, 0, 'k');
	assert_int_equal(i.ntx, 2);
	assert_memory_equal(i.tx, "ok", 2);
	assert_int_equal(s.tx_bytes, 2);
	/* with DLAB set, offset 0 is the divisor latch, not THR */
	wr(&s, 3, 0x83);
	wr(&s, 0, 1);
	assert_int_equal(rd(&s, 0), 1);
	wr(&s, 3, 0x03);
	assert_int_equal(i.changes, 0); /* no interrupt enabled, none raised */
	vdm__uart_destroy(&s);
}

static void loopback_mirrors_modem_lines_like_a_16550(void **state)
{
	struct uart16550 s;

	(void)state;
	vdm__uart_init(&s, NULL, NULL, NULL);
	wr(&s, 4, 0x10 | 0x0a); /* LOOP | RTS | OUT2: the 8250 probe expects 0x90 */
	assert_int_equal(rd(&s, 6) & 0xf0, 0x90);
	wr(&s, 4, 0x1f);
	assert_int_equal(rd(&s, 6) & 0xf0, 0xf0);
	wr(&s, 0, 'x'); /* looped back into the receiver */
	assert_int_equal(rd(&s, 5) & 1, 1);
	assert_int_equal(rd(&s, 0), 'x');
	assert_int_equal(rd(&s, 5) & 1, 0);
	wr(&s, 4, 0x0b);
	assert_int_equal(rd(&s, 6), 0xb0); /* no loop: DCD, DSR, CTS */
	wr(&s, 7, 0xa5);
	assert_int_equal(rd(&s, 7), 0xa5);
	wr(&s, 2, 0x07);
	assert_int_equal(rd(&s, 2) & 0xc0, 0xc0); /* FIFOs on: a 16550A */
	vdm__uart_destroy(&s);
}

static void thre_and_rda_interrupts_follow_the_8250_rules(void **state)
{
	struct uart16550 s;
	struct irq i = { 0 };

	(void)state;
	vdm__uart_init(&s, tx_fn, irq_fn, &i);
	wr(&s, 1, 0x02); /* enable THRE with THR empty: raised at once */
	assert_int_equal(i.level, 1);
	assert_int_equal(rd(&s, 2) & 0x0f, 0x02);
	assert_int_equal(i.level, 0); /* reading IIR acknowledged it */
	assert_int_equal(rd(&s, 2) & 0x0f, 0x01);
	wr(&s, 0, 'a'); /* sent at once: THR empty again */
	assert_int_equal(i.level, 1);
	wr(&s, 1, 0x03);
	assert_int_equal(vdm__uart_feed(&s, (const uint8_t *)"hi", 2), 2);
	assert_int_equal(rd(&s, 2) & 0x0f, 0x04); /* received data outranks THRE */
	assert_int_equal(rd(&s, 0), 'h');
	assert_int_equal(rd(&s, 0), 'i');
	assert_int_equal(rd(&s, 2) & 0x0f, 0x02);
	assert_int_equal(i.level, 0);
	wr(&s, 1, 0x00);
	assert_int_equal(vdm__uart_feed(&s, (const uint8_t *)"z", 1), 1);
	assert_int_equal(i.level, 0);
	assert_int_equal(vdm__uart_rx_space(&s), UART_RX_BUF - 1);
	vdm__uart_destroy(&s);
}

/* What Linux's 8250 driver is told and does with it: FCR enable makes IIR say "FIFOs on"
 * (bits 7:6 = 3: a 16550A, 16-byte FIFO, tx_loadsz 16).  Its console then checks LSR once
 * and writes up to 16 bytes back to back; its interrupt-driven path writes 16 per THRE
 * interrupt.  Either way the model stays ready (THRE|TEMT after each batch) and moves its
 * interrupt line once per batch, not once per byte. */
static void a_16550a_fifo_takes_a_batch_per_lsr_check_and_per_thre_interrupt(void **state)
{
	struct uart16550 s;
	struct irq i = { 0 };
	uint32_t changes;

	(void)state;
	vdm__uart_init(&s, tx_fn, irq_fn, &i);
	wr(&s, 2, 0x01); /* UART_FCR_ENABLE_FIFO */
	assert_int_equal(rd(&s, 2) >> 6, 3);
	wr(&s, 2, 0x01 | 0x80); /* what Linux programs for a 16550A: trigger 8 */
	/* console: one LSR check, a batch of 16 */
	assert_int_equal(rd(&s, 5) & 0x60, 0x60);
	for (int k = 0; k < 16; k++)
		wr(&s, 0, (uint8_t)('a' + k));
	assert_int_equal(rd(&s, 5) & 0x60, 0x60);
	assert_int_equal(i.ntx, 16);
	assert_memory_equal(i.tx, "abcdefghijklmnop", 16);
	assert_int_equal(i.changes, 0);
	/* interrupt-driven: THRE raised, acknowledged by IIR, 16 bytes, raised again once */
	wr(&s, 1, 0x02);
	assert_int_equal(rd(&s, 2) & 0x0f, 0x02);
	changes = i.changes;
	for (int k = 0; k < 16; k++)
		wr(&s, 0, 'x');
	assert_int_equal(i.changes, changes + 1);
	assert_int_equal(i.level, 1);
	assert_int_equal(s.tx_bytes, 32);
	vdm__uart_destroy(&s);
}

static void power_port_decodes_s5_and_reset(void **state)
{
	uint64_t a, b;
	struct power p;

	(void)state;
	assert_int_equal(vdm__pm_decode(0x34, 1, 5), POWER_OFF);
	assert_int_equal(vdm__pm_decode(0x01, 1, 5), POWER_RESET);
	assert_int_equal(vdm__pm_decode(0x14, 1, 5), 0);  /* S5 type without SLP_EN */
	assert_int_equal(vdm__pm_decode(0x2c, 1, 5), 0);  /* another sleep type */
	assert_int_equal(vdm__pm_decode(0x20 | 7 << 2, 1, 7), POWER_OFF);
	vdm__pm_init(&p, 1, 5, NULL, NULL);
	vdm__pm_timer_read(&p, 0, 4, &a);
	usleep(2000);
	vdm__pm_timer_read(&p, 0, 4, &b);
	assert_true(b - a >= 7000); /* 2 ms at 3.58 MHz */
	assert_true(b - a < 3579545);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(transmitted_bytes_reach_the_host),
		cmocka_unit_test(loopback_mirrors_modem_lines_like_a_16550),
		cmocka_unit_test(thre_and_rda_interrupts_follow_the_8250_rules),
		cmocka_unit_test(a_16550a_fifo_takes_a_batch_per_lsr_check_and_per_thre_interrupt),
		cmocka_unit_test(power_port_decodes_s5_and_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
