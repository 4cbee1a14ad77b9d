/* 16550A UART model: registers per the National PC16550D data sheet, interrupt priorities
 * as the 8250 driver expects (RDA before THRE; THRE re-armed by enabling ETBEI). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "serial.h"

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

void serial_init(struct serial *s, int out_fd, serial_irq_fn irq, void *opaque)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->out_fd = out_fd;
	s->irq = irq;
	s->irq_opaque = opaque;
	s->dll = 12; /* 9600 baud, what a PC BIOS leaves */
	s->lcr = 0x03;
}

void serial_destroy(struct serial *s)
{
	pthread_mutex_destroy(&s->lock);
}

/* Caller holds the lock. */
static uint8_t iir(const struct serial *s)
{
	uint8_t v = IIR_NO_INT;

	if ((s->ier & IER_RDI) && s->rx_count)
		v = IIR_RDI;
	else if ((s->ier & IER_THRI) && s->thr_ipending)
		v = IIR_THRI;
	return v | (s->fifo_on ? IIR_FIFO : 0);
}

static void update_irq(struct serial *s)
{
	bool level = !(iir(s) & IIR_NO_INT);

	if (level != s->irq_level) {
		s->irq_level = level;
		if (s->irq)
			s->irq(s->irq_opaque, level);
	}
}

static void rx_push(struct serial *s, uint8_t c)
{
	if (s->rx_count < SERIAL_RX_BUF) {
		s->rx[(s->rx_head + s->rx_count) % SERIAL_RX_BUF] = c;
		s->rx_count++;
	}
}

static void transmit(struct serial *s, uint8_t c)
{
	if (s->mcr & MCR_LOOP) {
		rx_push(s, c);
	} else if (s->out_fd >= 0) {
		ssize_t n;

		do
			n = write(s->out_fd, &c, 1);
		while (n < 0 && errno == EINTR);
		s->tx_bytes++;
	}
	s->thr_ipending = true; /* transmission is instant: THR is empty again */
}

static uint8_t msr(const struct serial *s)
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

void serial_read(void *opaque, uint64_t offset, uint32_t size, uint64_t *value)
{
	struct serial *s = opaque;
	uint8_t v = 0xff;

	pthread_mutex_lock(&s->lock);
	switch (offset) {
	case RBR_THR:
		if (s->lcr & LCR_DLAB) {
			v = s->dll;
		} else if (s->rx_count) {
			v = s->rx[s->rx_head];
			s->rx_head = (s->rx_head + 1) % SERIAL_RX_BUF;
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

void serial_write(void *opaque, uint64_t offset, uint32_t size, uint64_t value)
{
	struct serial *s = opaque;
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

size_t serial_feed(struct serial *s, const uint8_t *buf, size_t len)
{
	size_t i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < len && s->rx_count < SERIAL_RX_BUF; i++)
		rx_push(s, buf[i]);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return i;
}

size_t serial_rx_space(struct serial *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = SERIAL_RX_BUF - s->rx_count;
	pthread_mutex_unlock(&s->lock);
	return n;
}
