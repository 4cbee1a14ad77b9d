/* An ARM PrimeCell UART, PL011 r1p5 (internal to libvdm-machine): what Linux's amba-pl011 driver
 * uses, as a PL011 (device tree) or as an SBSA generic UART (ACPI ARMH0011), plus its ID registers. */
#ifndef VDM_MACHINE_PL011_H
#define VDM_MACHINE_PL011_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PL011_RX_BUF 1024 /* receive buffer behind the 16-entry FIFO the guest is told of */
#define PL011_MMIO_SIZE 0x1000

/* Interrupt sink: drive the UART's (level) line to `level`. */
typedef void (*pl011_irq_fn)(void *opaque, uint32_t level);
/* Transmitted bytes (called with the UART's lock held: must not call back into it). */
typedef void (*pl011_tx_fn)(void *opaque, const uint8_t *buf, size_t len);

struct pl011 {
	pthread_mutex_t lock;
	uint16_t cr, lcr_h, ibrd, fbrd, ifls, imsc, dmacr;
	uint8_t ilpr;
	bool tx_ris;    /* TXRIS, latched: set when a byte leaves, cleared by ICR */
	bool irq_level; /* what the line was last driven to */
	uint8_t rx[PL011_RX_BUF];
	unsigned rx_head, rx_count;
	pl011_tx_fn tx; /* NULL: transmitted bytes are dropped */
	pl011_irq_fn irq;
	void *opaque;
	uint64_t tx_bytes;
};

/* A UART in its reset state (CR = TXE | RXE, IFLS = 1/2, everything masked). */
void vdm__pl011_init(struct pl011 *s, pl011_tx_fn tx, pl011_irq_fn irq, void *opaque);
void vdm__pl011_destroy(struct pl011 *s);

/* Bus handlers for the 4 KiB register page: 8-, 16- and 32-bit accesses (wider ones act on
 * the low 32 bits); unaligned or unknown registers read 0 and ignore writes. */
void vdm__pl011_read(void *opaque, uint64_t offset, uint32_t size, uint64_t *value);
void vdm__pl011_write(void *opaque, uint64_t offset, uint32_t size, uint64_t value);

/* Queue received bytes; returns how many fitted (the rest stays with the caller). */
size_t vdm__pl011_feed(struct pl011 *s, const uint8_t *buf, size_t len);
/* Free space in the receive buffer. */
size_t vdm__pl011_rx_space(struct pl011 *s);

#endif /* VDM_MACHINE_PL011_H */
