/* Power-management port of a hardware-reduced ACPI machine: SLEEP_CONTROL_REG (SLP_TYP in
 * bits 4:2, SLP_EN bit 5), RESET_REG, and a free-running ACPI PM timer. */
#include <time.h>

#include "acpi_pm.h"
#include "bus.h"

#define SLP_EN 0x20

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void vdm__pm_init(struct power *p, uint8_t reset_value, uint8_t s5_slp_typ, power_event_fn ev,
		  void *opaque)
{
	p->reset_value = reset_value;
	p->s5_slp_typ = s5_slp_typ;
	p->t0_ns = now_ns();
	p->event = ev;
	p->opaque = opaque;
}

enum power_event vdm__pm_decode(uint8_t value, uint8_t reset_value, uint8_t s5_slp_typ)
{
	if (value == (uint8_t)((s5_slp_typ & 7) << 2 | SLP_EN))
		return POWER_OFF;
	if (value == reset_value)
		return POWER_RESET;
	return 0;
}

void vdm__pm_ctl_read(void *opaque, uint64_t offset, uint32_t size, uint64_t *value)
{
	(void)opaque;
	*value = vdm__bus_ones(size) & ~UINT64_C(0xff); /* SLEEP_STATUS: WAK_STS clear */
}

void vdm__pm_ctl_write(void *opaque, uint64_t offset, uint32_t size, uint64_t value)
{
	struct power *p = opaque;
	enum power_event ev = vdm__pm_decode((uint8_t)value, p->reset_value, p->s5_slp_typ);

	if (ev && p->event)
		p->event(p->opaque, ev);
}

void vdm__pm_timer_read(void *opaque, uint64_t offset, uint32_t size, uint64_t *value)
{
	struct power *p = opaque;
	uint64_t ns = now_ns() - p->t0_ns;
	/* ticks = ns * 3579545 / 1e9, split to stay inside 64 bits for centuries */
	uint64_t ticks = (ns / 1000000000u) * POWER_PMTMR_HZ +
			 (ns % 1000000000u) * POWER_PMTMR_HZ / 1000000000u;
	uint32_t t = (uint32_t)ticks;

	*value = (t >> (offset * 8)) & vdm__bus_ones(size);
}
