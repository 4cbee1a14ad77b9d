/* Guest payload runtime: builds the IDT over start.S's stubs and dispatches traps.  An
 * exception is a payload bug or a VMM bug: it is reported with RIP/CR2 and fails the run. */
#include "idt.h"

#include "rt.h"

struct idt_gate {
	uint16_t off_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr; /* 0x8e: present, DPL 0, 64-bit interrupt gate */
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate is 16 bytes");

extern const char trap_stubs[];

static struct idt_gate idt[256] __attribute__((aligned(16)));
static trap_handler_fn handlers[256];

static const char *const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS",
	"#NP", "#SS", "#GP", "#PF", "?15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

void idt_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	for (unsigned v = 0; v < 256; v++) {
		uint64_t off = (uint64_t)(uintptr_t)(trap_stubs + 16 * v);

		idt[v].off_lo = (uint16_t)off;
		idt[v].selector = cs;
		idt[v].ist = 0;
		idt[v].type_attr = 0x8e;
		idt[v].off_mid = (uint16_t)(off >> 16);
		idt[v].off_hi = (uint32_t)(off >> 32);
		idt[v].reserved = 0;
	}
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

void idt_set_handler(unsigned vec, trap_handler_fn fn)
{
	if (vec >= 32 && vec < 256)
		handlers[vec] = fn;
}

void trap_dispatch(struct trap_frame *f)
{
	uint64_t cr2;

	if (f->vector < 256 && handlers[f->vector]) {
		handlers[f->vector](f);
		return;
	}
	if (f->vector >= 32) {
		/* No EOI: a stray interrupt stays "in service" and blocks lower priorities, which
		 * the waiting payload then reports as a timeout. */
		rt_printf("PAYLOAD: unexpected-interrupt vec=%lu rip=0x%lx\n", f->vector, f->rip);
		rt_count_failure();
		return;
	}
	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	rt_fatal("exception vec=%lu (%s) err=0x%lx rip=0x%lx cr2=0x%lx rsp=0x%lx", f->vector,
		 exception_names[f->vector] ? exception_names[f->vector] : "?", f->error, f->rip,
		 cr2, f->rsp);
}
