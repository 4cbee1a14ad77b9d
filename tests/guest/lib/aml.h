/* Guest payload runtime: a small read-only AML namespace walker - enough to list the Devices,
 * Names, OperationRegions and Fields of a DSDT/SSDT without an interpreter. */
#ifndef PAYLOAD_AML_H
#define PAYLOAD_AML_H

#include <stdint.h>

/*
 * Approach: walk the table's term lists the way an interpreter's namespace load does, but
 * only through the opcodes that declare objects at namespace level: Scope and Device are
 * entered; Name (with an integer, string, buffer or package), OperationRegion (constant
 * offset and length), Field (every named field), Mutex, Event, External and Alias are
 * recorded or stepped over; Method, If/Else, Processor, PowerResource, ThermalZone,
 * IndexField and BankField are skipped whole by their PkgLength.  Bytes inside a Buffer or a
 * Method body are therefore never mistaken for declarations.  An opcode the walker does not
 * know ends the walk of that one term list; the enclosing Scope/Device resumes after its
 * PkgLength, so one odd construct loses only the rest of its own scope.  Every read is
 * bounded by the table length and by the enclosing package.
 */

struct aml {
	const uint8_t *p; /* the whole table, header included */
	uint32_t len;
};

enum aml_obj_kind {
	AML_OBJ_SCOPE = 1,
	AML_OBJ_DEVICE,
	AML_OBJ_NAME,   /* Name(): value in ival / str / buf */
	AML_OBJ_REGION, /* OperationRegion */
	AML_OBJ_FIELD,  /* one named field of a Field */
};

enum aml_value_kind { AML_VAL_NONE = 0, AML_VAL_INT, AML_VAL_STRING, AML_VAL_BUFFER };

struct aml_obj {
	uint8_t kind;  /* enum aml_obj_kind */
	char name[5];  /* last NameSeg */
	int parent;    /* index of the enclosing Scope/Device object, -1 = table level */
	uint32_t pos;  /* offset of the opcode in the table */
	/* AML_OBJ_NAME */
	uint8_t vkind; /* enum aml_value_kind */
	uint64_t ival;
	uint32_t data, data_len; /* string chars (no NUL) or buffer bytes, as table offsets */
	/* AML_OBJ_REGION */
	uint8_t space; /* 0 SystemMemory, 1 SystemIO, ... */
	uint64_t offset, length;
	/* AML_OBJ_FIELD */
	char region[5];
	uint8_t access; /* FieldFlags access type: 1 Byte, 2 Word, 3 DWord, 4 QWord */
	uint32_t bit_offset, bit_width;
};

struct aml_index {
	struct aml_obj *obj;
	unsigned max, n;
	unsigned skipped; /* term lists the walker had to abandon (unknown opcode, bad length) */
	int full;         /* more objects than `max` */
};

/* The table at a physical address (its header's length). */
struct aml aml_from_table(uint64_t table_pa);
/* Walks the whole table into `ix` (ix->obj / ix->max set by the caller). */
void aml_walk(const struct aml *a, struct aml_index *ix);

/* Index of the first object of `kind` named `name` (NULL = any) whose parent is `parent`
 * (-2 = any parent), starting at index `from`; -1 if none. */
int aml_find(const struct aml_index *ix, int kind, const char *name, int parent, int from);
/* The Device an object belongs to: its parent Device, or for a Scope parent the Device of
 * the same name; -1 if none. */
int aml_owner_device(const struct aml_index *ix, int obj);
/* Device whose Name(_HID) is the string `hid`; -1 if none. */
int aml_device_by_hid(const struct aml *a, const struct aml_index *ix, const char *hid);
/* First interrupt (Extended Interrupt or IRQ descriptor) of the Name(_CRS) buffer directly
 * in Device `dev`: GSI, edge (1) / level (0), active low (1) / high (0).  1 if found. */
int aml_crs_interrupt(const struct aml *a, const struct aml_index *ix, int dev, uint32_t *gsi,
		      int *edge, int *active_low);

#endif /* PAYLOAD_AML_H */
