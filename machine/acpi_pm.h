/* The FADT power-management port (sleep control/status + reset register, one byte at
 * 0x600) and the ACPI PM timer (32-bit at power port + 8); internal to libvdm-machine. */
#ifndef VDM_MACHINE_ACPI_PM_H
#define VDM_MACHINE_ACPI_PM_H

#include <stdint.h>

enum power_event {
	POWER_OFF = 1,   /* S5 requested */
	POWER_RESET = 2, /* the FADT reset value was written */
};

/* Called on a power event, from the vCPU thread that wrote the port. */
typedef void (*power_event_fn)(void *opaque, enum power_event ev);

struct power {
	uint8_t reset_value;
	uint8_t s5_slp_typ;
	uint64_t t0_ns; /* PM timer epoch */
	power_event_fn event;
	void *opaque;
};

#define POWER_PORT_SIZE 1
#define POWER_PMTMR_OFFSET 8 /* the PM timer lives at power_port + 8 */
#define POWER_PMTMR_HZ 3579545u

void vdm__pm_init(struct power *p, uint8_t reset_value, uint8_t s5_slp_typ, power_event_fn ev,
		  void *opaque);

/* Bus handlers: the control byte (offset 0) and the PM timer (offset 0..3). */
void vdm__pm_ctl_read(void *opaque, uint64_t offset, uint32_t size, uint64_t *value);
void vdm__pm_ctl_write(void *opaque, uint64_t offset, uint32_t size, uint64_t value);
void vdm__pm_timer_read(void *opaque, uint64_t offset, uint32_t size, uint64_t *value);

/* Which event a byte written to the control port means (0 = none); pure, for tests. */
enum power_event vdm__pm_decode(uint8_t value, uint8_t reset_value, uint8_t s5_slp_typ);

#endif /* VDM_MACHINE_ACPI_PM_H */
