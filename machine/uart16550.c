/* 16550A UART model: registers per the National PC16550D data sheet, interrupt priorities
 * as the 8250 driver expects (RDA before THRE; THRE re-armed by enabling ETBEI). */
#include <string.h>

#include "uart16550.h"

#define RBR_THR 0
#define IER 1
#define IIR_FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define SCR 7

#define IER_RDI 0x01
#define IER_THRI 0x02
#define IIR_NO_INT 0x01
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_FIFO 0xc0
#define LCR_DLAB 0x80
#define MCR_LOOP 0x10
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02

void vdm__uart_init(struct uart16550 *s, uart_tx_fn tx, uart_irq_fn irq, void *opaque)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->tx = tx;
	s->irq = irq;
	s->opaque = opaque;
	s->dll = 12; /* 9600 baud, what a PC BIOS leaves */
	s->lcr = 0x03;
}

void vdm__uart_destroy(struct uart16550 *s)
{
	pthread_mutex_destroy(&s->lock);
}

/* Caller holds the lock. */
static uint8_t iir(const struct uart16550 *s)
{
	uint8_t v = IIR_NO_INT;

	if ((s->ier & IER_RDI) && s->rx_count)
		v = IIR_RDI;
	else if ((s->ier & IER_THRI) && s->thr_ipending)
		v = IIR_THRI;
	return v | (s->fifo_on ? IIR_FIFO : 0);
}

static void update_irq(struct uart16550 *s)
{
	bool level = !(iir(s) & IIR_NO_INT);

	if (level != s->irq_level) {
		s->irq_level = level;
		if (s->irq)
			s->irq(s->opaque, level);
	}
}

static void rx_push(struct uart16550 *s, uint8_t c)
{
	if (s->rx_count < UART_RX_BUF) {
		s->rx[(s->rx_head + s->rx_count) % UART_RX_BUF] = c;
		s->rx_count++;
	}
}

static void transmit(struct uart16550 *s, uint8_t c)
{
	if (s->mcr & MCR_LOOP) {
		rx_push(s, c);
	} else {
		if (s->tx)
			s->tx(s->opaque, &c, 1);
		s->tx_bytes++;
	}
	s->thr_ipending = true; /* transmission is instant: THR is empty again */
}

static uint8_t msr(const struct uart16550 *s)
{
	uint8_t m;

	if (!(s->mcr & MCR_LOOP))
		return 0xb0; /* DCD, DSR, CTS: a cable that is always ready */
	/* Loopback: OUT2->DCD, OUT1->RI, RTS->CTS, DTR->DSR (the 8250 probe checks this). */
	m = (s->mcr & 0x08) ? 0x80 : 0;
	m |= (s->mcr & 0x04) ? 0x40 : 0;
	m |= (s->mcr & 0x02) ? 0x10 : 0;
	m |= (s->mcr & 0x01) ? 0x20 : 0;
	return m;
}

void vdm__uart_read(void *opaque, uint64_t offset, uint32_t size, uint64_t *value)
{
	struct uart16550 *s = opaque;
	uint8_t v = 0xff;

	pthread_mutex_lock(&s->lock);
	switch (offset) {
	case RBR_THR:
		if (s->lcr & LCR_DLAB) {
			v = s->dll;
		} else if (s->rx_count) {
			v = s->rx[s->rx_head];
			s->rx_head = (s->rx_head + 1) % UART_RX_BUF;
			s->rx_count--;
		} else {
			v = 0;
		}
		break;
	case IER:
		v = (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
		break;
	case IIR_FCR:
		v = iir(s);
		if ((v & 0x0f) == IIR_THRI)
			s->thr_ipending = false; /* reading IIR acknowledges THRE */
		break;
	case LCR:
		v = s->lcr;
		break;
	case MCR:
		v = s->mcr;
		break;
	case LSR:
		v = LSR_THRE | LSR_TEMT | (s->rx_count ? LSR_DR : 0) | s->lsr_err;
		s->lsr_err = 0;
		break;
	case MSR:
		v = msr(s);
		break;
	case SCR:
		v = s->scr;
		break;
	}
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	/* The UART is byte-wide: bytes above the first read as all-ones. */
	*value = size >= 8 ? (UINT64_MAX << 8) | v : (((UINT64_C(1) << (size * 8)) - 1) & ~UINT64_C(0xff)) | v;
}

void vdm__uart_write(void *opaque, uint64_t offset, uint32_t size, uint64_t value)
{
	struct uart16550 *s = opaque;
	uint8_t v = (uint8_t)value;

	pthread_mutex_lock(&s->lock);
	switch (offset) {
	case RBR_THR:
		if (s->lcr & LCR_DLAB)
			s->dll = v;
		else
			transmit(s, v);
		break;
	case IER:
		if (s->lcr & LCR_DLAB) {
			s->dlm = v;
		} else {
			/* Enabling THRE while THR is empty raises it (the 8250 driver's
			 * start_tx depends on this). */
			if (!(s->ier & IER_THRI) && (v & IER_THRI))
				s->thr_ipending = true;
			s->ier = v & 0x0f;
		}
		break;
	case IIR_FCR:
		s->fifo_on = v & FCR_ENABLE;
		if (v & FCR_CLEAR_RX)
			s->rx_count = 0;
		break;
	case LCR:
		s->lcr = v;
		break;
	case MCR:
		s->mcr = v & 0x1f;
		break;
	case SCR:
		s->scr = v;
		break;
	default: /* LSR and MSR are read-only */
		break;
	}
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

size_t vdm__uart_feed(struct uart16550 *s, const uint8_t *buf, size_t len)
{
	size_t i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < len && s->rx_count < UART_RX_BUF; i++)
		rx_push(s, buf[i]);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return i;
}

size_t vdm__uart_rx_space(struct uart16550 *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = UART_RX_BUF - s->rx_count;
	pthread_mutex_unlock(&s->lock);
	return n;
}
