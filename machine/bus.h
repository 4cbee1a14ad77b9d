/* Address -> handler lookup for port I/O and MMIO exits: a sorted array of fixed ranges
 * searched by bisection.  Ranges are added before the vCPUs run; lookups never allocate. */
#ifndef VDM_MACHINE_BUS_H
#define VDM_MACHINE_BUS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Handlers see the offset inside their range and an access size of 1, 2, 4 or 8 bytes.
 * A read handler fills *value (low `size` bytes); what it does not handle it reads as
 * all-ones itself.
 */
struct bus_handler {
	const char *name; /* for --print-topology and messages */
	void (*read)(void *opaque, uint64_t offset, uint32_t size, uint64_t *value);
	void (*write)(void *opaque, uint64_t offset, uint32_t size, uint64_t value);
	void *opaque;
};

struct bus_range {
	uint64_t base;
	uint64_t size;
	struct bus_handler h;
};

struct bus {
	struct bus_range *r; /* sorted by base, never overlapping */
	size_t n, cap;
};

void vdm__bus_init(struct bus *b);
void vdm__bus_destroy(struct bus *b);

/*
 * Add [base, base + size).  Returns 0, -EINVAL (size 0 or the range wraps 2^64),
 * -EEXIST (overlaps a range already added), -ENOMEM.
 */
int vdm__bus_add(struct bus *b, uint64_t base, uint64_t size, const struct bus_handler *h);

/* The range holding all of [addr, addr + size), or NULL. */
const struct bus_range *vdm__bus_find(const struct bus *b, uint64_t addr, uint32_t size);

/*
 * Dispatch an access.  Returns 1 when a range took it, 0 when none did (then a read sets
 * *value to all-ones for `size` bytes).
 */
int vdm__bus_read(const struct bus *b, uint64_t addr, uint32_t size, uint64_t *value);
int vdm__bus_write(const struct bus *b, uint64_t addr, uint32_t size, uint64_t value);

/* All-ones in the low `size` bytes (size 1..8). */
static inline uint64_t vdm__bus_ones(uint32_t size)
{
	return size >= 8 ? UINT64_MAX : (UINT64_C(1) << (size * 8)) - 1;
}

#endif /* VDM_MACHINE_BUS_H */
