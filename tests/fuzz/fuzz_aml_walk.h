/* Bridge from fuzz_aml.c to the guest payloads' AML namespace walker (tests/guest/lib/aml.c),
 * whose `struct aml` clashes with the firmware encoder's: this header names neither. */
#ifndef VDM_FUZZ_AML_WALK_H
#define VDM_FUZZ_AML_WALK_H

#include <stdint.h>

/* Object kinds and value kinds, numbered as tests/guest/lib/aml.h numbers them (checked
 * by _Static_assert in fuzz_aml_walk.c). */
enum { FZW_SCOPE = 1, FZW_DEVICE, FZW_NAME, FZW_REGION, FZW_FIELD };
enum { FZW_VAL_NONE = 0, FZW_VAL_INT, FZW_VAL_STRING, FZW_VAL_BUFFER };

/* One object the walker found (a copy of its struct aml_obj). */
struct fzw_obj {
	uint8_t kind;
	char name[5];
	int parent;
	uint32_t pos;
	uint8_t vkind;
	uint64_t ival;
	uint32_t data, data_len;
	uint8_t space;
	uint64_t offset, length;
	char region[5];
	uint8_t access;
	uint32_t bit_offset, bit_width;
};

struct fzw_result {
	unsigned n, skipped;
	int full;
};

/*
 * Walk the ACPI table `table` (`len` bytes, header included) into at most `max` objects.
 * Returns the walker's counts.  Never reads outside [table, table + len) if the walker is
 * correct: the caller passes an exact-size heap buffer so ASan sees any overrun.
 */
struct fzw_result fzw_walk(const uint8_t *table, uint32_t len, struct fzw_obj *out,
			   unsigned max);

/* aml_crs_interrupt() of the walker for object `dev` (a Device index from the last walk of
 * the same table).  Returns 1 if found. */
int fzw_crs_interrupt(const uint8_t *table, uint32_t len, const struct fzw_obj *objs,
		      unsigned n, int dev, uint32_t *gsi, int *edge, int *active_low);

/* aml_device_by_hid() of the walker. */
int fzw_device_by_hid(const uint8_t *table, uint32_t len, const struct fzw_obj *objs,
		      unsigned n, const char *hid);

#endif /* VDM_FUZZ_AML_WALK_H */
