/* A 16550A UART (COM1): transmit to a host fd, receive from a host-fed buffer, loopback,
 * FIFO and the RDA/THRE interrupts the Linux 8250 driver relies on. */
#ifndef VMM_SERIAL_H
#define VMM_SERIAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SERIAL_RX_BUF 1024

/* Interrupt sink: drive the UART's line to `level`. */
typedef void (*serial_irq_fn)(void *opaque, uint32_t level);

struct serial {
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, lsr_err, scr, dll, dlm;
	bool fifo_on;
	bool thr_ipending;
	bool irq_level;
	uint8_t rx[SERIAL_RX_BUF];
	unsigned rx_head, rx_count;
	int out_fd; /* transmitted bytes go here (-1 = dropped) */
	serial_irq_fn irq;
	void *irq_opaque;
	uint64_t tx_bytes;
};

void serial_init(struct serial *s, int out_fd, serial_irq_fn irq, void *opaque);
void serial_destroy(struct serial *s);

/* Bus handlers for the 8 registers (offset 0..7, byte accesses; wider ones act on the
 * first byte). */
void serial_read(void *opaque, uint64_t offset, uint32_t size, uint64_t *value);
void serial_write(void *opaque, uint64_t offset, uint32_t size, uint64_t value);

/* Queue received bytes; returns how many fitted (the rest stays with the caller). */
size_t serial_feed(struct serial *s, const uint8_t *buf, size_t len);
/* Free space in the receive buffer. */
size_t serial_rx_space(struct serial *s);

#endif /* VMM_SERIAL_H */
