/* Guest payload runtime: the IDT.  Exceptions end the payload with a report; interrupt
 * vectors call handlers registered with idt_set_handler(). */
#ifndef PAYLOAD_IDT_H
#define PAYLOAD_IDT_H

#include <stdint.h>

/* Layout pushed by start.S trap_common (lowest address first). */
struct trap_frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*trap_handler_fn)(struct trap_frame *frame);

/* Installs all 256 gates (called by start.S before payload_main). */
void idt_init(void);
/* Routes vector `vec` (32..255) to `fn`; NULL restores "unexpected interrupt". */
void idt_set_handler(unsigned vec, trap_handler_fn fn);
/* Called from start.S only. */
void trap_dispatch(struct trap_frame *frame);

#endif /* PAYLOAD_IDT_H */
