/* Guest payload runtime: local APIC (xAPIC MMIO), IOAPIC redirection entries and masking the
 * legacy 8259 PICs, enough to take one IOAPIC interrupt and a LAPIC timer tick. */
#ifndef PAYLOAD_APIC_H
#define PAYLOAD_APIC_H

#include <stdint.h>

/* Enables the local APIC at `base` (IA32_APIC_BASE enable bit, SVR software enable with
 * `spurious_vec`), masks LINT0/LINT1/error/timer, TPR = 0. */
void lapic_init(uint64_t base, uint8_t spurious_vec);
uint8_t lapic_id(void);
void lapic_eoi(void);
/* Periodic timer: divide by 16, `count` ticks (1 GHz APIC bus in KVM/QEMU: 62500000 = 1 s). */
void lapic_timer_start(uint8_t vec, uint32_t count);
void lapic_timer_stop(void);

/* IOAPIC at `base`: number of pins from the version register. */
unsigned ioapic_pins(uint64_t base);
uint64_t ioapic_read_entry(uint64_t base, unsigned pin);
/* Fixed delivery, physical destination `dest`, unmasked. */
void ioapic_route(uint64_t base, unsigned pin, uint8_t vec, int level, int active_low,
		  uint8_t dest);
void ioapic_mask(uint64_t base, unsigned pin);

/* Masks every line of both 8259s (harmless when there are none). */
void pic_mask_all(void);

#endif /* PAYLOAD_APIC_H */
