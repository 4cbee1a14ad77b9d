/* Guest RAM: one memfd (so a device process can map it later), on x86 split around the 32-bit
 * hole, its host mapping, and the KVM memory slots that expose it to the guest. */
#ifndef VMM_MEMORY_H
#define VMM_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_RAM_HIGH_BASE (UINT64_C(1) << 32) /* RAM above the hole starts at 4 GiB */

/*
 * Guest-physical RAM is [base, base + low_size) and, when size > low_size, [4 GiB, 4 GiB +
 * size - low_size) (x86: base 0, the hole from 3 GiB; arm64: base 1 GiB, all of it "low").
 * Both parts are one memfd, mapped contiguously at `host`: file offset = gpa - base for the
 * low part, low_size + (gpa - 4 GiB) for the high part.
 */
struct guest_ram {
	int memfd; /* -1 for private anonymous RAM */
	uint8_t *host;
	uint64_t base;     /* guest-physical address of the first byte */
	uint64_t size;     /* total bytes */
	uint64_t low_size; /* bytes of the first part */
};

/*
 * Create `size` bytes of RAM (a multiple of 1 MiB) at guest-physical `base` of which at most
 * `low_limit` bytes go before the hole (base + low_limit <= 4 GiB, or low_limit >= size for
 * RAM in one piece).  `shared`: a memfd another process can map (the default); otherwise private
 * anonymous memory, which the host backs with transparent huge pages even when shmem THP
 * is off (much faster under nested paging).  Returns 0, or a negative errno with a reason.
 */
int guest_ram_create(struct guest_ram *ram, uint64_t size, uint64_t base, uint64_t low_limit,
		     bool shared, char *err, size_t err_len);
void guest_ram_destroy(struct guest_ram *ram);

/* End (exclusive) of the RAM above 4 GiB, or 4 GiB when there is none. */
uint64_t guest_ram_high_end(const struct guest_ram *ram);

/* Host pointer to [gpa, gpa + len) when all of it is RAM (in one part), else NULL. */
void *guest_ram_ptr(const struct guest_ram *ram, uint64_t gpa, uint64_t len);

/* Copy into guest RAM; -EFAULT if the range is not RAM. */
int guest_ram_write(const struct guest_ram *ram, uint64_t gpa, const void *src, size_t len);

/* Register the RAM with KVM as memory slots 0 (low) and 1 (high).  Returns 0 or -errno. */
int guest_ram_map_kvm(const struct guest_ram *ram, int vm_fd);

#endif /* VMM_MEMORY_H */
