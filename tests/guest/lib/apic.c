/* Guest payload runtime: xAPIC and IOAPIC register programming (Intel SDM vol. 3 ch. 11,
 * 82093AA IOAPIC datasheet). */
#include "apic.h"

#include "io.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1u << 11)

#define LAPIC_ID 0x20
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_DIV 0x3e0
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)

#define IOAPIC_REGSEL 0x00
#define IOAPIC_WIN 0x10
#define IOAPIC_VER 0x01
#define IOAPIC_REDTBL(pin) (0x10 + 2 * (pin))

static uint64_t lapic_base;

static uint32_t lapic_read(uint32_t reg)
{
	return mmio_read32(lapic_base + reg);
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(lapic_base + reg, v);
}

void lapic_init(uint64_t base, uint8_t spurious_vec)
{
	uint64_t msr = rdmsr(MSR_APIC_BASE);

	lapic_base = base;
	if (!(msr & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, msr | APIC_BASE_ENABLE);
	lapic_write(LAPIC_SVR, 0x100u | spurious_vec);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	lapic_write(LAPIC_TPR, 0);
}

uint8_t lapic_id(void)
{
	return (uint8_t)(lapic_read(LAPIC_ID) >> 24);
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

void lapic_timer_start(uint8_t vec, uint32_t count)
{
	lapic_write(LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | vec);
	lapic_write(LAPIC_TIMER_INIT, count);
}

void lapic_timer_stop(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0);
}

static uint32_t ioapic_read(uint64_t base, uint32_t reg)
{
	mmio_write32(base + IOAPIC_REGSEL, reg);
	return mmio_read32(base + IOAPIC_WIN);
}

static void ioapic_write(uint64_t base, uint32_t reg, uint32_t v)
{
	mmio_write32(base + IOAPIC_REGSEL, reg);
	mmio_write32(base + IOAPIC_WIN, v);
}

unsigned ioapic_pins(uint64_t base)
{
	return ((ioapic_read(base, IOAPIC_VER) >> 16) & 0xff) + 1;
}

uint64_t ioapic_read_entry(uint64_t base, unsigned pin)
{
	return (uint64_t)ioapic_read(base, IOAPIC_REDTBL(pin) + 1) << 32 |
	       ioapic_read(base, IOAPIC_REDTBL(pin));
}

void ioapic_route(uint64_t base, unsigned pin, uint8_t vec, int level, int active_low,
		  uint8_t dest)
{
	uint32_t lo = vec | (active_low ? 1u << 13 : 0) | (level ? 1u << 15 : 0);

	/* Masked while the destination changes, then the low word unmasks it. */
	ioapic_write(base, IOAPIC_REDTBL(pin), LVT_MASKED);
	ioapic_write(base, IOAPIC_REDTBL(pin) + 1, (uint32_t)dest << 24);
	ioapic_write(base, IOAPIC_REDTBL(pin), lo);
}

void ioapic_mask(uint64_t base, unsigned pin)
{
	ioapic_write(base, IOAPIC_REDTBL(pin), ioapic_read(base, IOAPIC_REDTBL(pin)) | LVT_MASKED);
}

void pic_mask_all(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}
