/* Unit tests for libvdm-machine's PL011 (machine/pl011.c): the ID registers Linux's AMBA bus
 * checks, bytes out and in, FR, the RX/RT/TX interrupts as amba-pl011 and its SBSA mode use them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pl011.h"

/* Register offsets and bits, from the PL011 TRM (not from the model). */
enum { DR = 0x00, RSR = 0x04, FR = 0x18, IBRD = 0x24, FBRD = 0x28, LCR_H = 0x2c, CR = 0x30,
       IFLS = 0x34, IMSC = 0x38, RIS = 0x3c, MIS = 0x40, ICR = 0x44, DMACR = 0x48 };
enum { FR_CTS = 1, FR_DSR = 2, FR_DCD = 4, FR_BUSY = 8, FR_RXFE = 0x10, FR_TXFF = 0x20,
       FR_RXFF = 0x40, FR_TXFE = 0x80, FR_RI = 0x100 };
enum { RXIM = 0x10, TXIM = 0x20, RTIM = 0x40 };

/* What the UART gave its host: its interrupt line and the bytes it sent. */
struct host {
	uint32_t level, changes;
	char tx[64];
	size_t ntx;
};

static void irq_fn(void *opaque, uint32_t level)
{
	struct host *h = opaque;

	h->level = level;
	h->changes++;
}

static void tx_fn(void *opaque, const uint8_t *buf, size_t len)
{
	struct host *h = opaque;

	for (size_t k = 0; k < len && h->ntx < sizeof(h->tx); k++)
		h->tx[h->ntx++] = (char)buf[k];
}

static uint32_t rd(struct pl011 *s, unsigned reg)
{
	uint64_t v = UINT64_MAX;

	vdm__pl011_read(s, reg, 4, &v);
	assert_true(v <= UINT32_MAX);
	return (uint32_t)v;
}

static void wr(struct pl011 *s, unsigned reg, uint32_t v)
{
	vdm__pl011_write(s, reg, 4, v);
}

static void id_registers_say_pl011_r1p5_and_primecell(void **state)
{
	static const uint8_t want[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
	struct pl011 s;
	uint32_t pid = 0, cid = 0;

	(void)state;
	vdm__pl011_init(&s, NULL, NULL, NULL);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(rd(&s, 0xfe0 + 4 * i), want[i]);
	/* how Linux's amba_read_periphid assembles them */
	for (unsigned i = 0; i < 4; i++) {
		pid |= (rd(&s, 0xfe0 + 4 * i) & 255) << (i * 8);
		cid |= (rd(&s, 0xff0 + 4 * i) & 255) << (i * 8);
	}
	assert_int_equal(cid, 0xb105f00d);
	assert_int_equal(pid & 0x000fffff, 0x00041011); /* amba-pl011's vendor_arm entry */
	assert_int_equal((pid >> 20) & 0xf, 1);          /* revision < 3: a 16-entry FIFO */
	wr(&s, 0xfe0, 0x55);                             /* read-only */
	assert_int_equal(rd(&s, 0xfe0), 0x11);
	vdm__pl011_destroy(&s);
}

static void reset_state_and_registers_read_back(void **state)
{
	struct pl011 s;

	(void)state;
	vdm__pl011_init(&s, NULL, NULL, NULL);
	assert_int_equal(rd(&s, CR), 0x300);   /* TXE | RXE */
	assert_int_equal(rd(&s, IFLS), 0x12);  /* 1/2, 1/2 */
	assert_int_equal(rd(&s, IMSC), 0);
	assert_int_equal(rd(&s, FR), FR_TXFE | FR_RXFE | FR_CTS | FR_DSR | FR_DCD);
	wr(&s, IBRD, 13);
	wr(&s, FBRD, 0xff);
	wr(&s, LCR_H, 0x70);
	wr(&s, CR, 0xffff);
	wr(&s, DMACR, 0xff);
	assert_int_equal(rd(&s, IBRD), 13);
	assert_int_equal(rd(&s, FBRD), 0x3f);
	assert_int_equal(rd(&s, LCR_H), 0x70);
	assert_int_equal(rd(&s, CR), 0xff87); /* bits 6:3 reserved */
	assert_int_equal(rd(&s, DMACR), 7);
	assert_int_equal(rd(&s, RSR), 0);
	assert_int_equal(rd(&s, ICR), 0);     /* write-only */
	assert_int_equal(rd(&s, 0x100), 0);   /* reserved */
	vdm__pl011_destroy(&s);
}

static void transmitted_bytes_reach_the_host_whatever_the_enables(void **state)
{
	struct pl011 s;
	struct host h = { 0 };

	(void)state;
	vdm__pl011_init(&s, tx_fn, irq_fn, &h);
	wr(&s, CR, 0); /* disabled: earlycon writes before anyone enables the UART */
	wr(&s, DR, 'o');
	vdm__pl011_write(&s, DR, 1, 'k'); /* 8-bit access */
	vdm__pl011_write(&s, DR, 2, 0x0a21); /* 16-bit: the low byte is the character */
	assert_int_equal(h.ntx, 3);
	assert_memory_equal(h.tx, "ok!", 3);
	assert_int_equal(s.tx_bytes, 3);
	/* the FIFO never fills and nothing is ever busy: the console's polls end at once */
	assert_int_equal(rd(&s, FR) & (FR_TXFF | FR_BUSY), 0);
	assert_int_equal(rd(&s, FR) & FR_TXFE, FR_TXFE);
	assert_int_equal(h.changes, 0); /* everything masked */
	vdm__pl011_write(&s, DR + 1, 1, 'x'); /* not a register */
	assert_int_equal(h.ntx, 3);
	vdm__pl011_destroy(&s);
}

static void received_bytes_raise_rx_and_reading_drains_them(void **state)
{
	struct pl011 s;
	struct host h = { 0 };
	uint64_t v;

	(void)state;
	vdm__pl011_init(&s, tx_fn, irq_fn, &h);
	/* Linux's pl011_enable_interrupts / the SBSA startup: clear, unmask RX and RT */
	wr(&s, ICR, 0x7ff);
	wr(&s, IMSC, RTIM | RXIM);
	assert_int_equal(h.level, 0);
	assert_int_equal(vdm__pl011_feed(&s, (const uint8_t *)"hi", 2), 2);
	assert_int_equal(h.level, 1);
	assert_int_equal(rd(&s, MIS), RXIM); /* FIFO off: one character is the trigger level */
	assert_int_equal(rd(&s, FR) & FR_RXFE, 0);
	assert_int_equal(rd(&s, FR) & FR_RXFF, FR_RXFF);
	/* the handler's ICR write leaves RX and RT alone; the data keeps the line up */
	wr(&s, ICR, rd(&s, MIS) & ~(unsigned)(RXIM | RTIM | TXIM));
	assert_int_equal(h.level, 1);
	assert_int_equal(rd(&s, DR), 'h');
	vdm__pl011_read(&s, DR, 2, &v); /* 16-bit, as the PL011 driver reads */
	assert_int_equal(v, 'i');
	assert_int_equal(rd(&s, FR) & FR_RXFE, FR_RXFE);
	assert_int_equal(rd(&s, RIS) & (RXIM | RTIM), 0);
	assert_int_equal(h.level, 0);
	assert_int_equal(rd(&s, DR), 0); /* empty */
	/* masked: no interrupt, the data still waits */
	wr(&s, IMSC, 0);
	assert_int_equal(vdm__pl011_feed(&s, (const uint8_t *)"z", 1), 1);
	assert_int_equal(h.level, 0);
	assert_int_equal(rd(&s, RIS), RXIM);
	assert_int_equal(rd(&s, MIS), 0);
	assert_int_equal(vdm__pl011_rx_space(&s), PL011_RX_BUF - 1);
	vdm__pl011_destroy(&s);
}

static void with_the_fifo_on_rx_waits_for_the_level_and_rt_covers_the_rest(void **state)
{
	uint8_t bytes[PL011_RX_BUF + 8];
	struct pl011 s;
	struct host h = { 0 };

	(void)state;
	memset(bytes, 'a', sizeof(bytes));
	vdm__pl011_init(&s, tx_fn, irq_fn, &h);
	wr(&s, LCR_H, 0x70); /* 8 bits, FIFOs on */
	wr(&s, IFLS, 2 << 3); /* RX at 1/2: 8 characters */
	wr(&s, IMSC, RXIM | RTIM);
	assert_int_equal(vdm__pl011_feed(&s, bytes, 7), 7);
	assert_int_equal(rd(&s, RIS), RTIM); /* below the level: the receive timeout */
	assert_int_equal(h.level, 1);
	assert_int_equal(vdm__pl011_feed(&s, bytes, 1), 1);
	assert_int_equal(rd(&s, RIS), RXIM);
	assert_int_equal(rd(&s, FR) & FR_RXFF, 0); /* 8 of 16 */
	for (int i = 0; i < 8; i++)
		assert_int_equal(rd(&s, DR), 'a');
	assert_int_equal(rd(&s, RIS), 0);
	assert_int_equal(h.level, 0);
	/* the host's buffer fills; the rest stays with the caller */
	assert_int_equal(vdm__pl011_feed(&s, bytes, sizeof(bytes)), PL011_RX_BUF);
	assert_int_equal(vdm__pl011_rx_space(&s), 0);
	assert_int_equal(rd(&s, FR) & FR_RXFF, FR_RXFF);
	vdm__pl011_destroy(&s);
}

static void tx_interrupt_latches_per_byte_and_clears_in_icr(void **state)
{
	struct pl011 s;
	struct host h = { 0 };

	(void)state;
	vdm__pl011_init(&s, tx_fn, irq_fn, &h);
	assert_int_equal(rd(&s, RIS) & TXIM, 0);
	wr(&s, DR, 'a'); /* the byte left: the FIFO passed its level on the way down */
	assert_int_equal(rd(&s, RIS) & TXIM, TXIM);
	assert_int_equal(h.level, 0);
	wr(&s, IMSC, TXIM); /* pl011_start_tx unmasks it after filling the FIFO */
	assert_int_equal(h.level, 1);
	assert_int_equal(rd(&s, MIS), TXIM);
	wr(&s, IMSC, 0); /* pl011_stop_tx masks it: the line drops */
	assert_int_equal(h.level, 0);
	wr(&s, IMSC, TXIM);
	assert_int_equal(h.level, 1);
	wr(&s, ICR, TXIM);
	assert_int_equal(h.level, 0);
	assert_int_equal(rd(&s, RIS), 0);
	wr(&s, DR, 'b');
	assert_int_equal(h.level, 1);
	vdm__pl011_destroy(&s);
}

static void loopback_turns_bytes_and_modem_lines_around(void **state)
{
	struct pl011 s;
	struct host h = { 0 };

	(void)state;
	vdm__pl011_init(&s, tx_fn, irq_fn, &h);
	wr(&s, CR, 0x0300 | 0x80 | 0x0c00); /* LBE, DTR, RTS */
	assert_int_equal(rd(&s, FR) & (FR_CTS | FR_DSR | FR_DCD | FR_RI), FR_CTS | FR_DSR);
	wr(&s, CR, 0x0300 | 0x80 | 0x3000); /* LBE, Out1, Out2 */
	assert_int_equal(rd(&s, FR) & (FR_CTS | FR_DSR | FR_DCD | FR_RI), FR_DCD | FR_RI);
	wr(&s, DR, 'x');
	assert_int_equal(h.ntx, 0); /* not sent out */
	assert_int_equal(rd(&s, DR), 'x');
	wr(&s, CR, 0x0301);
	assert_int_equal(rd(&s, FR) & (FR_CTS | FR_DSR | FR_DCD | FR_RI),
			 FR_CTS | FR_DSR | FR_DCD);
	vdm__pl011_destroy(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(id_registers_say_pl011_r1p5_and_primecell),
		cmocka_unit_test(reset_state_and_registers_read_back),
		cmocka_unit_test(transmitted_bytes_reach_the_host_whatever_the_enables),
		cmocka_unit_test(received_bytes_raise_rx_and_reading_drains_them),
		cmocka_unit_test(with_the_fifo_on_rx_waits_for_the_level_and_rt_covers_the_rest),
		cmocka_unit_test(tx_interrupt_latches_per_byte_and_clears_in_icr),
		cmocka_unit_test(loopback_turns_bytes_and_modem_lines_around),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
