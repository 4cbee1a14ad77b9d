/* Guest RAM: a memfd split around the 32-bit hole, mapped once in the VMM and handed to
 * KVM as two memory slots. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "memory.h"

#define MIB (UINT64_C(1) << 20)
#define HUGE_ALIGN (2 * MIB)

/*
 * mmap(size, flags, fd) at a 2 MiB-aligned address.  KVM maps a guest page with a huge
 * nested-paging entry only when the host address and the guest address agree modulo 2 MiB;
 * mmap alone aligns to 4 KiB (Linux before 6.7), and then every guest page the guest touches
 * is a fault of its own (measured: 20k nested page faults in one default boot).
 */
static void *map_aligned(uint64_t size, int flags, int fd)
{
	uint8_t *r, *a;
	uint64_t head;

	r = mmap(NULL, size + HUGE_ALIGN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (r == MAP_FAILED)
		return MAP_FAILED;
	a = (uint8_t *)(((uintptr_t)r + HUGE_ALIGN - 1) & ~(uintptr_t)(HUGE_ALIGN - 1));
	head = (uint64_t)(a - r);
	if (mmap(a, size, PROT_READ | PROT_WRITE, flags | MAP_FIXED, fd, 0) == MAP_FAILED) {
		int e = errno;

		munmap(r, size + HUGE_ALIGN);
		errno = e;
		return MAP_FAILED;
	}
	if (head)
		munmap(r, head);
	if (HUGE_ALIGN - head)
		munmap(a + size, HUGE_ALIGN - head);
	return a;
}

static int create_anon(struct guest_ram *ram, uint64_t size, char *err, size_t err_len)
{
	void *p = map_aligned(size, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1);

	if (p == MAP_FAILED) {
		snprintf(err, err_len, "mapping %llu MiB of guest RAM: %s",
			 (unsigned long long)(size / MIB), strerror(errno));
		return -ENOMEM;
	}
	madvise(p, size, MADV_HUGEPAGE);
	madvise(p, size, MADV_DONTDUMP);
	ram->host = p;
	return 0;
}

int guest_ram_create(struct guest_ram *ram, uint64_t size, uint64_t base, uint64_t low_limit,
		     bool shared, char *err, size_t err_len)
{
	int fd, e;
	void *p;

	memset(ram, 0, sizeof(*ram));
	ram->memfd = -1;
	if (size == 0 || size % MIB || base % MIB) {
		snprintf(err, err_len, "RAM size %llu at 0x%llx: must be a non-zero multiple of 1M "
			 "at a 1M boundary", (unsigned long long)size, (unsigned long long)base);
		return -EINVAL;
	}
	/* Split below and above the 32-bit hole only when RAM reaches it (x86). */
	if (low_limit < size &&
	    (low_limit == 0 || low_limit % MIB || base + low_limit > GUEST_RAM_HIGH_BASE)) {
		snprintf(err, err_len, "RAM below the hole ends at 0x%llx: must be a non-zero "
			 "multiple of 1M below 4G", (unsigned long long)(base + low_limit));
		return -EINVAL;
	}
	if (!shared) {
		e = create_anon(ram, size, err, err_len);
		if (e)
			return e;
		ram->base = base;
		ram->size = size;
		ram->low_size = size < low_limit ? size : low_limit;
		return 0;
	}
	fd = memfd_create("vmm-guest-ram", MFD_CLOEXEC);
	if (fd < 0) {
		e = -errno;
		snprintf(err, err_len, "memfd_create for guest RAM: %s", strerror(errno));
		return e;
	}
	if (ftruncate(fd, (off_t)size) < 0) {
		e = -errno;
		snprintf(err, err_len, "guest RAM of %llu MiB: %s", (unsigned long long)(size / MIB),
			 strerror(errno));
		close(fd);
		return e;
	}
	p = map_aligned(size, MAP_SHARED | MAP_NORESERVE, fd);
	if (p == MAP_FAILED) {
		e = -errno;
		snprintf(err, err_len, "mapping %llu MiB of guest RAM: %s",
			 (unsigned long long)(size / MIB), strerror(errno));
		close(fd);
		return e;
	}
	/* Huge pages where the host allows them (shmem THP "advise"): each 2 MiB guest page
	 * is then one nested-paging entry instead of 512. */
	madvise(p, size, MADV_HUGEPAGE);
	madvise(p, size, MADV_DONTDUMP);
	ram->memfd = fd;
	ram->host = p;
	ram->base = base;
	ram->size = size;
	ram->low_size = size < low_limit ? size : low_limit;
	return 0;
}

void guest_ram_destroy(struct guest_ram *ram)
{
	if (ram->host)
		munmap(ram->host, ram->size);
	if (ram->memfd >= 0)
		close(ram->memfd);
	memset(ram, 0, sizeof(*ram));
	ram->memfd = -1;
}

uint64_t guest_ram_high_end(const struct guest_ram *ram)
{
	return GUEST_RAM_HIGH_BASE + (ram->size - ram->low_size);
}

void *guest_ram_ptr(const struct guest_ram *ram, uint64_t gpa, uint64_t len)
{
	if (!ram->host)
		return NULL;
	if (gpa >= ram->base && gpa - ram->base <= ram->low_size &&
	    len <= ram->low_size - (gpa - ram->base))
		return ram->host + (gpa - ram->base);
	if (gpa >= GUEST_RAM_HIGH_BASE) {
		uint64_t off = gpa - GUEST_RAM_HIGH_BASE, high = ram->size - ram->low_size;

		if (off <= high && len <= high - off)
			return ram->host + ram->low_size + off;
	}
	return NULL;
}

int guest_ram_write(const struct guest_ram *ram, uint64_t gpa, const void *src, size_t len)
{
	void *dst = guest_ram_ptr(ram, gpa, len);

	if (!dst)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

int guest_ram_map_kvm(const struct guest_ram *ram, int vm_fd)
{
	struct kvm_userspace_memory_region r = {
		.slot = 0,
		.guest_phys_addr = ram->base,
		.memory_size = ram->low_size,
		.userspace_addr = (uintptr_t)ram->host,
	};

	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return -errno;
	if (ram->size > ram->low_size) {
		r.slot = 1;
		r.guest_phys_addr = GUEST_RAM_HIGH_BASE;
		r.memory_size = ram->size - ram->low_size;
		r.userspace_addr = (uintptr_t)(ram->host + ram->low_size);
		if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
			return -errno;
	}
	return 0;
}
