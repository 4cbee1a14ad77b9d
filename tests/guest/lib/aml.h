/* Guest payload runtime: a tiny read-only AML scanner - enough to find named objects,
 * Devices, OperationRegions and Fields in a DSDT/SSDT without an interpreter. */
#ifndef PAYLOAD_AML_H
#define PAYLOAD_AML_H

#include <stdint.h>

/*
 * Approach: AML is a prefix-encoded byte stream whose opcodes for the objects we need are
 * distinctive (DeviceOp 5B 82, OpRegionOp 5B 80, FieldOp 5B 81, NameOp 08).  The scanner
 * looks for those opcodes, then validates what must follow (a well-formed PkgLength and
 * NameString, a known integer encoding) before it believes a match, so bytes inside a
 * Buffer rarely fool it and never make it read outside the table.  Containment
 * ("which Device is this Name in") comes from the Devices' PkgLengths.  Only integer
 * constants are understood as values; anything computed at run time is "not found".
 */

struct aml {
	const uint8_t *p; /* the whole table, header included */
	uint32_t len;
};

/* A span [start, end) of the table: a Device's body, or the whole AML. */
struct aml_span {
	uint32_t start, end;
};

struct aml_region {
	char name[5];
	uint8_t space; /* 0 SystemMemory, 1 SystemIO */
	uint64_t offset, length;
};

struct aml_field {
	char region[5];     /* name of the OperationRegion the Field is in */
	uint8_t access;     /* FieldFlags access type: 1 Byte, 2 Word, 3 DWord, 4 QWord */
	uint32_t bit_offset; /* of the named field inside the region */
	uint32_t bit_width;
};

struct aml aml_from_table(uint64_t table_pa);
struct aml_span aml_all(const struct aml *a);

/* Device (innermost first found) whose _HID is the string `hid` (e.g. "ACPI0013"). */
int aml_find_device_by_hid(const struct aml *a, const char *hid, struct aml_span *dev);
/* Innermost Device whose body contains offset `pos`. */
int aml_enclosing_device(const struct aml *a, uint32_t pos, struct aml_span *dev);
/* First `Name(<seg>, <integer>)` in `in` (whose innermost Device is `in` itself when
 * `direct` is set); returns its offset (or 0 = none) and the value. */
uint32_t aml_find_name_int(const struct aml *a, struct aml_span in, const char *seg, int direct,
			   uint32_t from, uint64_t *value);
/* First OperationRegion in `in` (any name when `name` is NULL) with constant offset/length. */
int aml_find_region(const struct aml *a, struct aml_span in, const char *name,
		    struct aml_region *r);
/* The Field that declares the named field `seg` (e.g. "ESEL"). */
int aml_find_field(const struct aml *a, struct aml_span in, const char *seg, struct aml_field *f);
/* The first named field of the first Field over region `region` in `in`; `name` gets it. */
int aml_first_field_of(const struct aml *a, struct aml_span in, const char *region,
		       struct aml_field *f, char name[5]);
/* `Name(_CRS, ResourceTemplate(){...})` directly in `dev`: the first interrupt it lists
 * (Extended Interrupt or IRQ descriptor), with trigger (1 = edge) and polarity (1 = low). */
int aml_crs_interrupt(const struct aml *a, struct aml_span dev, uint32_t *gsi, int *edge,
		      int *active_low);

#endif /* PAYLOAD_AML_H */
