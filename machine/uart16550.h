/* A 16550A UART (internal to libvdm-machine): transmit through a callback, receive from a
 * host-fed buffer, loopback, FIFO and the RDA/THRE interrupts the Linux 8250 driver relies on. */
#ifndef VDM_MACHINE_UART16550_H
#define VDM_MACHINE_UART16550_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_RX_BUF 1024

/* Interrupt sink: drive the UART's line to `level`. */
typedef void (*uart_irq_fn)(void *opaque, uint32_t level);
/* Transmitted bytes (called with the UART's lock held: must not call back into it). */
typedef void (*uart_tx_fn)(void *opaque, const uint8_t *buf, size_t len);

struct uart16550 {
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, lsr_err, scr, dll, dlm;
	bool fifo_on;
	bool thr_ipending;
	bool irq_level;
	uint8_t rx[UART_RX_BUF];
	unsigned rx_head, rx_count;
	uart_tx_fn tx; /* NULL: transmitted bytes are dropped */
	uart_irq_fn irq;
	void *opaque;
	uint64_t tx_bytes;
};

void vdm__uart_init(struct uart16550 *s, uart_tx_fn tx, uart_irq_fn irq, void *opaque);
void vdm__uart_destroy(struct uart16550 *s);

/* Bus handlers for the 8 registers (offset 0..7, byte accesses; wider ones act on the
 * first byte). */
void vdm__uart_read(void *opaque, uint64_t offset, uint32_t size, uint64_t *value);
void vdm__uart_write(void *opaque, uint64_t offset, uint32_t size, uint64_t value);

/* Queue received bytes; returns how many fitted (the rest stays with the caller). */
size_t vdm__uart_feed(struct uart16550 *s, const uint8_t *buf, size_t len);
/* Free space in the receive buffer. */
size_t vdm__uart_rx_space(struct uart16550 *s);

#endif /* VDM_MACHINE_UART16550_H */
