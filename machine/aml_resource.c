/* AML encoder: ResourceTemplate and the resource descriptors the DSDT needs (address
 * spaces, I/O, fixed memory, interrupts).  ACPI 6.5 §6.4. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aml_int.h"

/* ---- resource templates (ACPI 6.5 §6.4) ----------------------------------------------- */

struct vdm_aml *vdm_aml_resource_template(struct vdm_aml_ctx *c)
{
	return vdm__aml_node_new(c, K_RESTEMPLATE);
}

/* Address space descriptor (§6.4.3.5): tag, length, resource type, general flags, type
 * flags, then granularity, min, max, translation, length, each `w` bytes wide. */
static struct vdm_aml *addr_space(struct vdm_aml_ctx *c, uint8_t tag, unsigned w, uint8_t rtype,
			      enum vdm_aml_rd_usage usage, uint8_t tflags, uint64_t min,
			      uint64_t max, uint64_t translation)
{
	/* MinFixed (bit 2) | MaxFixed (bit 3), PosDecode (bit 1 clear) */
	uint8_t gflags = (uint8_t)(0x0c | (usage == VDM_AML_RESOURCE_CONSUMER ? 1 : 0));
	struct vdm_aml *n;

	if (min > max) {
		vdm__aml_fail(c, -EINVAL, "address range 0x%llx-0x%llx: min above max",
		     (unsigned long long)min, (unsigned long long)max);
		return &c->poison;
	}
	if (w < 8 && max - min == (1ull << (8 * w)) - 1) {
		vdm__aml_fail(c, -ERANGE,
			      "address range 0x%llx-0x%llx: length does not fit %u bytes",
			      (unsigned long long)min, (unsigned long long)max, w);
		return &c->poison;
	}
	n = vdm__aml_term(c);
	vdm__aml_put8(n, tag);
	vdm__aml_put_le(n, 3 + 5 * w, 2);
	vdm__aml_put8(n, rtype);
	vdm__aml_put8(n, gflags);
	vdm__aml_put8(n, tflags);
	vdm__aml_put_le(n, 0, w);             /* granularity */
	vdm__aml_put_le(n, min, w);
	vdm__aml_put_le(n, max, w);
	vdm__aml_put_le(n, translation, w);   /* translation offset (_TRA) */
	vdm__aml_put_le(n, max - min + 1, w); /* length */
	return n;
}

struct vdm_aml *vdm_aml_word_bus_number(struct vdm_aml_ctx *c, uint16_t min, uint16_t max)
{
	return addr_space(c, 0x88, 2, 2, VDM_AML_RESOURCE_PRODUCER, 0, min, max, 0);
}

struct vdm_aml *vdm_aml_word_io(struct vdm_aml_ctx *c, uint16_t min, uint16_t max)
{
	/* type flags: ISA and non-ISA ranges (EntireRange = 3) */
	return addr_space(c, 0x88, 2, 1, VDM_AML_RESOURCE_PRODUCER, 0x03, min, max, 0);
}

/* I/O type flags (§6.4.3.5.5): EntireRange (_RNG = 3), _TTP in bit 4, DenseTranslation
 * (_TRS, bit 5, clear). */
static uint8_t io_tflags(enum vdm_aml_io_type type)
{
	return (uint8_t)(0x03 | (type == VDM_AML_TYPE_TRANSLATION ? 0x10 : 0));
}

struct vdm_aml *vdm_aml_dword_io(struct vdm_aml_ctx *c, enum vdm_aml_io_type type, uint32_t min,
				 uint32_t max, uint32_t translation)
{
	if ((uint64_t)max + translation > UINT32_MAX) {
		vdm__aml_fail(c, -ERANGE,
			      "DWordIO 0x%x-0x%x + translation 0x%x: above 4 GiB, use QWordIO",
			      min, max, translation);
		return &c->poison;
	}
	return addr_space(c, 0x87, 4, 1, VDM_AML_RESOURCE_PRODUCER, io_tflags(type), min, max,
			  translation);
}

struct vdm_aml *vdm_aml_qword_io(struct vdm_aml_ctx *c, enum vdm_aml_io_type type, uint64_t min,
				 uint64_t max, uint64_t translation)
{
	if (max + translation < max) {
		vdm__aml_fail(c, -ERANGE, "QWordIO 0x%llx-0x%llx + translation 0x%llx: wraps",
			      (unsigned long long)min, (unsigned long long)max,
			      (unsigned long long)translation);
		return &c->poison;
	}
	return addr_space(c, 0x8a, 8, 1, VDM_AML_RESOURCE_PRODUCER, io_tflags(type), min, max,
			  translation);
}

struct vdm_aml *vdm_aml_dword_memory(struct vdm_aml_ctx *c, enum vdm_aml_rd_usage usage,
			     enum vdm_aml_rd_cache cache, uint32_t min, uint32_t max)
{
	/* type flags: ReadWrite (bit 0), cacheability (bits 1-2) */
	return addr_space(c, 0x87, 4, 0, usage, (uint8_t)(1 | (cache & 3) << 1), min, max, 0);
}

struct vdm_aml *vdm_aml_qword_memory(struct vdm_aml_ctx *c, enum vdm_aml_rd_usage usage,
			     enum vdm_aml_rd_cache cache, uint64_t min, uint64_t max)
{
	return addr_space(c, 0x8a, 8, 0, usage, (uint8_t)(1 | (cache & 3) << 1), min, max, 0);
}

struct vdm_aml *vdm_aml_io(struct vdm_aml_ctx *c, uint16_t min, uint16_t max, uint8_t align,
			   uint8_t len)
{
	struct vdm_aml *n;

	if (min > max) {
		vdm__aml_fail(c, -EINVAL, "IO 0x%x-0x%x: min above max", min, max);
		return &c->poison;
	}
	n = vdm__aml_term(c);
	vdm__aml_put8(n, 0x47); /* small item 8 (I/O port), length 7 */
	vdm__aml_put8(n, 0x01); /* Decode16 */
	vdm__aml_put_le(n, min, 2);
	vdm__aml_put_le(n, max, 2);
	vdm__aml_put8(n, align);
	vdm__aml_put8(n, len);
	return n;
}

struct vdm_aml *vdm_aml_memory32_fixed(struct vdm_aml_ctx *c, uint32_t base, uint32_t len)
{
	struct vdm_aml *n = vdm__aml_term(c);

	vdm__aml_put8(n, 0x86);     /* large item 6 */
	vdm__aml_put_le(n, 9, 2);
	vdm__aml_put8(n, 0x01);     /* ReadWrite */
	vdm__aml_put_le(n, base, 4);
	vdm__aml_put_le(n, len, 4);
	return n;
}

struct vdm_aml *vdm_aml_interrupt(struct vdm_aml_ctx *c, unsigned flags, uint32_t gsi)
{
	struct vdm_aml *n;

	if (flags & ~0x1fu) {
		vdm__aml_fail(c, -EINVAL, "Interrupt flags 0x%x: only bits 0-4 exist", flags);
		return &c->poison;
	}
	n = vdm__aml_term(c);
	vdm__aml_put8(n, 0x89);     /* large item 9: extended interrupt */
	vdm__aml_put_le(n, 6, 2);
	vdm__aml_put8(n, (uint8_t)flags);
	vdm__aml_put8(n, 1);        /* one interrupt number */
	vdm__aml_put_le(n, gsi, 4);
	return n;
}

struct vdm_aml *vdm_aml_irq_noflags(struct vdm_aml_ctx *c, unsigned irq)
{
	struct vdm_aml *n;

	if (irq > 15) {
		vdm__aml_fail(c, -EINVAL,
			      "IRQNoFlags {%u}: ISA IRQs are 0-15; use Interrupt () instead", irq);
		return &c->poison;
	}
	n = vdm__aml_term(c);
	vdm__aml_put8(n, 0x22);     /* small item 4 (IRQ), length 2 */
	vdm__aml_put_le(n, 1u << irq, 2);
	return n;
}

