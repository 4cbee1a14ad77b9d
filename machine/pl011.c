/* PL011 UART model: registers per the ARM PrimeCell UART (PL011) r1p5 TRM, interrupts as Linux's
 * amba-pl011 driver (PL011 and SBSA modes) relies on; transmission is instant, nothing needs a clock. */
#include <string.h>

#include "pl011.h"

/* Registers (byte offsets) */
#define DR 0x000
#define RSR_ECR 0x004
#define FR 0x018
#define ILPR 0x020
#define IBRD 0x024
#define FBRD 0x028
#define LCR_H 0x02c
#define CR 0x030
#define IFLS 0x034
#define IMSC 0x038
#define RIS 0x03c
#define MIS 0x040
#define ICR 0x044
#define DMACR 0x048
#define ID_FIRST 0xfe0 /* UARTPeriphID0..3, UARTPCellID0..3 */

/* FR */
#define FR_CTS 0x001
#define FR_DSR 0x002
#define FR_DCD 0x004
#define FR_RXFE 0x010
#define FR_RXFF 0x040
#define FR_TXFE 0x080
#define FR_RI 0x100
/* Interrupt bits (IMSC, RIS, MIS, ICR) */
#define INT_RX 0x010
#define INT_TX 0x020
#define INT_RT 0x040
#define INT_ALL 0x7ff
/* LCR_H, CR */
#define LCR_H_FEN 0x10
#define CR_LBE 0x0080
#define CR_TXE 0x0100
#define CR_RXE 0x0200
#define CR_DTR 0x0400
#define CR_RTS 0x0800
#define CR_OUT1 0x1000
#define CR_OUT2 0x2000

#define FIFO_DEPTH 16 /* r1p5: the driver reads it from the revision in PeriphID2 */

/*
 * PeriphID0..3 = 0x11 0x10 0x14 0x00: part 0x011, designer 0x41 (ARM), revision 1 (r1p5); Linux
 * matches 0x00041011 under mask 0x000fffff.  PCellID0..3 = 0x0d 0xf0 0x05 0xb1, the PrimeCell
 * signature the AMBA bus checks (0xb105f00d) before it binds a driver.
 */
static const uint8_t ids[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

void vdm__pl011_init(struct pl011 *s, pl011_tx_fn tx, pl011_irq_fn irq, void *opaque)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->tx = tx;
	s->irq = irq;
	s->opaque = opaque;
	s->cr = CR_TXE | CR_RXE;
	s->ifls = 0x12; /* TX and RX at 1/2 */
}

void vdm__pl011_destroy(struct pl011 *s)
{
	pthread_mutex_destroy(&s->lock);
}

/* The RX FIFO's trigger level: 1 entry with the FIFO off, else IFLS[5:3] eighths of 16. */
static unsigned rx_trigger(const struct pl011 *s)
{
	static const unsigned level[8] = { 2, 4, 8, 12, 14, 8, 8, 8 };

	return (s->lcr_h & LCR_H_FEN) ? level[(s->ifls >> 3) & 7] : 1;
}

/*
 * Raw interrupt status.  RX is set while the FIFO holds its trigger level or more; RT
 * (receive timeout) while it holds less but not nothing: the model has no bit clock, so the
 * 32-bit-period timeout has always expired.  Both clear when the guest reads the FIFO below
 * them, which is how the driver acknowledges them (clearing them in ICR while data waits
 * would strand it).  TX is latched when a byte leaves (the FIFO is empty again at once) and
 * cleared through ICR, or by masking, as the driver does when it has nothing more to send.
 * The modem lines never change, so their interrupts never rise.
 */
static uint16_t ris(const struct pl011 *s)
{
	uint16_t v = s->tx_ris ? INT_TX : 0;

	if (s->rx_count >= rx_trigger(s))
		v |= INT_RX;
	else if (s->rx_count)
		v |= INT_RT;
	return v;
}

/* Caller holds the lock. */
static void update_irq(struct pl011 *s)
{
	bool level = (ris(s) & s->imsc) != 0;

	if (level != s->irq_level) {
		s->irq_level = level;
		if (s->irq)
			s->irq(s->opaque, level);
	}
}

static void rx_push(struct pl011 *s, uint8_t c)
{
	if (s->rx_count < PL011_RX_BUF) {
		s->rx[(s->rx_head + s->rx_count) % PL011_RX_BUF] = c;
		s->rx_count++;
	}
}

/* The transmitter and receiver run whatever CR's enables say: no firmware sets them before
 * Linux's earlycon writes, and the SBSA driver never touches CR. */
static void transmit(struct pl011 *s, uint8_t c)
{
	if (s->cr & CR_LBE) {
		rx_push(s, c);
	} else {
		if (s->tx)
			s->tx(s->opaque, &c, 1);
		s->tx_bytes++;
	}
	s->tx_ris = true;
}

/* Modem inputs: a cable that is always ready (CTS, DSR, DCD), or in loopback the outputs
 * (RTS -> CTS, DTR -> DSR, Out1 -> DCD, Out2 -> RI). */
static uint16_t modem(const struct pl011 *s)
{
	uint16_t v = 0;

	if (!(s->cr & CR_LBE))
		return FR_CTS | FR_DSR | FR_DCD;
	v |= (s->cr & CR_RTS) ? FR_CTS : 0;
	v |= (s->cr & CR_DTR) ? FR_DSR : 0;
	v |= (s->cr & CR_OUT1) ? FR_DCD : 0;
	v |= (s->cr & CR_OUT2) ? FR_RI : 0;
	return v;
}

static uint32_t read_reg(struct pl011 *s, uint64_t reg)
{
	uint32_t v = 0;

	switch (reg) {
	case DR:
		if (s->rx_count) {
			v = s->rx[s->rx_head]; /* error bits 11:8 stay clear */
			s->rx_head = (s->rx_head + 1) % PL011_RX_BUF;
			s->rx_count--;
		}
		break;
	case RSR_ECR: /* no framing, parity, break or overrun errors */
		break;
	case FR:
		v = FR_TXFE | modem(s) | (s->rx_count ? 0 : FR_RXFE) |
		    (s->rx_count >= ((s->lcr_h & LCR_H_FEN) ? FIFO_DEPTH : 1) ? FR_RXFF : 0);
		break;
	case ILPR:
		v = s->ilpr;
		break;
	case IBRD:
		v = s->ibrd;
		break;
	case FBRD:
		v = s->fbrd;
		break;
	case LCR_H:
		v = s->lcr_h;
		break;
	case CR:
		v = s->cr;
		break;
	case IFLS:
		v = s->ifls;
		break;
	case IMSC:
		v = s->imsc;
		break;
	case RIS:
		v = ris(s);
		break;
	case MIS:
		v = ris(s) & s->imsc;
		break;
	case DMACR:
		v = s->dmacr;
		break;
	default:
		if (reg >= ID_FIRST && reg < PL011_MMIO_SIZE)
			v = ids[(reg - ID_FIRST) / 4];
		break; /* reserved registers and ICR (write-only) read 0 */
	}
	return v;
}

static void write_reg(struct pl011 *s, uint64_t reg, uint32_t v)
{
	switch (reg) {
	case DR:
		transmit(s, (uint8_t)v);
		break;
	case RSR_ECR: /* a write clears the (never set) error flags */
		break;
	case ILPR:
		s->ilpr = (uint8_t)v;
		break;
	case IBRD:
		s->ibrd = (uint16_t)v;
		break;
	case FBRD:
		s->fbrd = v & 0x3f;
		break;
	case LCR_H:
		s->lcr_h = v & 0xff;
		break;
	case CR:
		s->cr = v & 0xff87; /* bits 6:3 reserved */
		break;
	case IFLS:
		s->ifls = v & 0x3f;
		break;
	case IMSC:
		s->imsc = v & INT_ALL;
		break;
	case ICR:
		if (v & INT_TX)
			s->tx_ris = false;
		break;
	case DMACR:
		s->dmacr = v & 7;
		break;
	default: /* FR, RIS, MIS and the IDs are read-only */
		break;
	}
}

void vdm__pl011_read(void *opaque, uint64_t offset, uint32_t size, uint64_t *value)
{
	struct pl011 *s = opaque;
	uint32_t v = 0;

	pthread_mutex_lock(&s->lock);
	if (!(offset & 3))
		v = read_reg(s, offset);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	*value = size >= 4 ? v : v & ((UINT32_C(1) << (size * 8)) - 1);
}

void vdm__pl011_write(void *opaque, uint64_t offset, uint32_t size, uint64_t value)
{
	struct pl011 *s = opaque;
	uint32_t v = size >= 4 ? (uint32_t)value : (uint32_t)value & ((UINT32_C(1) << (size * 8)) - 1);

	pthread_mutex_lock(&s->lock);
	if (!(offset & 3))
		write_reg(s, offset, v);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

size_t vdm__pl011_feed(struct pl011 *s, const uint8_t *buf, size_t len)
{
	size_t i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < len && s->rx_count < PL011_RX_BUF; i++)
		rx_push(s, buf[i]);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return i;
}

size_t vdm__pl011_rx_space(struct pl011 *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = PL011_RX_BUF - s->rx_count;
	pthread_mutex_unlock(&s->lock);
	return n;
}
