/* The ring's layout and its pure checks: every field either endpoint reads from the shared
 * mapping is judged here, with no side effects, so fuzzers can call them on any bytes. */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <vdm/device.h>
#include <vdm/ring.h>

#define CFG_SPACE_SIZE 4096u
#define MAX_ERRNO 4095

const char *vdm_ring_fault_str(enum vdm_ring_fault fault)
{
	switch (fault) {
	case VDM_RING_FAULT_NONE: return "no fault";
	case VDM_RING_FAULT_SEQ: return "bad sequence id";
	case VDM_RING_FAULT_KIND: return "bad kind";
	case VDM_RING_FAULT_SIZE: return "bad size";
	case VDM_RING_FAULT_ECHO: return "response does not echo its request";
	case VDM_RING_FAULT_DATA: return "value wider than the access";
	case VDM_RING_FAULT_STATUS: return "bad status";
	case VDM_RING_FAULT_INDEX: return "torn ring (impossible producer/consumer index)";
	case VDM_RING_FAULT_UNSOLICITED: return "unsolicited response";
	case VDM_RING_FAULT_LAYOUT: return "bad ring layout";
	case VDM_RING_FAULT_TIMEOUT: return "no answer in time (device hung)";
	case VDM_RING_FAULT_DEAD: return "device process exited";
	case VDM_RING_FAULT_REGION: return "bad region index";
	case VDM_RING_FAULT_LOG: return "malformed log entry";
	}
	return "unknown fault";
}

enum vdm_ring_fault vdm_ring_check_indices(uint32_t prod, uint32_t cons, uint32_t entries)
{
	return (uint32_t)(prod - cons) <= entries ? VDM_RING_FAULT_NONE : VDM_RING_FAULT_INDEX;
}

static int sync_kind(uint32_t kind)
{
	return kind == VDM_RING_CFG_READ || kind == VDM_RING_BAR_READ || kind == VDM_RING_RESET ||
	       kind == VDM_RING_PING || kind == VDM_RING_CONTROL;
}

/* Sizes a kind allows: config 1/2/4, regions 1/2/4/8, control 0. */
static int size_ok(uint32_t kind, uint32_t size)
{
	switch (kind) {
	case VDM_RING_CFG_READ:
	case VDM_RING_CFG_WRITE:
		return size == 1 || size == 2 || size == 4;
	case VDM_RING_BAR_READ:
	case VDM_RING_BAR_WRITE:
		return size == 1 || size == 2 || size == 4 || size == 8;
	default:
		return size == 0;
	}
}

enum vdm_ring_fault vdm_ring_check_request(const struct vdm_ring_entry *req, uint32_t expect_seq)
{
	uint32_t kind = req->kind;
	uint64_t off = le64toh(req->offset);

	if (le32toh(req->seq) != expect_seq)
		return VDM_RING_FAULT_SEQ;
	if (kind != VDM_RING_CFG_READ && kind != VDM_RING_CFG_WRITE && kind != VDM_RING_BAR_READ &&
	    kind != VDM_RING_BAR_WRITE && kind != VDM_RING_RESET && kind != VDM_RING_PING &&
	    kind != VDM_RING_CONTROL && kind != VDM_RING_SHUTDOWN)
		return VDM_RING_FAULT_KIND;
	if (!size_ok(kind, req->size))
		return VDM_RING_FAULT_SIZE;
	if (req->region >= VDM_MAX_REGIONS)
		return VDM_RING_FAULT_REGION;
	if (req->flags || req->status || req->reserved)
		return VDM_RING_FAULT_ECHO;
	if (kind == VDM_RING_CFG_READ || kind == VDM_RING_CFG_WRITE) {
		if (req->region || off >= CFG_SPACE_SIZE || off + req->size > CFG_SPACE_SIZE)
			return VDM_RING_FAULT_REGION;
	} else if (kind == VDM_RING_CONTROL) {
		/* the op travels in offset (32 bits), the two arguments in data */
		if (req->region || off > UINT32_MAX)
			return VDM_RING_FAULT_ECHO;
	} else if (kind != VDM_RING_BAR_READ && kind != VDM_RING_BAR_WRITE) {
		/* control kinds carry no address; PING may carry data to echo */
		if (req->region || off || (kind != VDM_RING_PING && req->data))
			return VDM_RING_FAULT_ECHO;
	}
	return VDM_RING_FAULT_NONE;
}

static uint64_t ones(uint32_t size)
{
	return size >= 8 ? UINT64_MAX : (1ull << (8 * size)) - 1;
}

/* device.h: a handled read's value lives in the low `size` bytes; a refused one reads
 * all-ones (devices differ in how wide: the access, 32 bits, or 64). */
static int read_value_ok(uint32_t kind, uint32_t size, uint64_t data, int32_t status)
{
	if (kind == VDM_RING_CFG_READ && data > UINT32_MAX)
		return 0;
	if (data <= ones(size))
		return 1;
	return status < 0 && (data == 0xffff || data == UINT32_MAX || data == UINT64_MAX);
}

enum vdm_ring_fault vdm_ring_check_response(const struct vdm_ring_entry *req,
					    const struct vdm_ring_entry *rsp)
{
	int32_t status = (int32_t)le32toh((uint32_t)rsp->status);
	uint64_t data = le64toh(rsp->data);

	if (rsp->seq != req->seq)
		return VDM_RING_FAULT_SEQ;
	if (!sync_kind(req->kind) || rsp->kind != (req->kind | VDM_RING_KIND_RESPONSE))
		return VDM_RING_FAULT_KIND;
	if (rsp->size != req->size)
		return VDM_RING_FAULT_SIZE;
	if (rsp->region != req->region || rsp->offset != req->offset || rsp->flags ||
	    rsp->reserved)
		return VDM_RING_FAULT_ECHO;
	if (status > 0 || status < -MAX_ERRNO)
		return VDM_RING_FAULT_STATUS;
	if ((req->kind == VDM_RING_CFG_READ || req->kind == VDM_RING_BAR_READ) &&
	    !read_value_ok(req->kind, req->size, data, status))
		return VDM_RING_FAULT_DATA;
	if (req->kind == VDM_RING_RESET && (data || status))
		return VDM_RING_FAULT_DATA;
	if (req->kind == VDM_RING_PING && (data != le64toh(req->data) || status))
		return VDM_RING_FAULT_DATA;
	if (req->kind == VDM_RING_CONTROL && status < 0 && data)
		return VDM_RING_FAULT_DATA;
	return VDM_RING_FAULT_NONE;
}

enum vdm_ring_fault vdm_ring_check_ready(const struct vdm_ring_entry *rsp)
{
	if (rsp->seq != 0)
		return VDM_RING_FAULT_SEQ;
	if (rsp->kind != (VDM_RING_READY | VDM_RING_KIND_RESPONSE))
		return VDM_RING_FAULT_KIND;
	if (rsp->size)
		return VDM_RING_FAULT_SIZE;
	if (rsp->region || rsp->flags || rsp->offset || rsp->data || rsp->status || rsp->reserved)
		return VDM_RING_FAULT_ECHO;
	return VDM_RING_FAULT_NONE;
}

enum vdm_ring_fault vdm_ring_check_layout(const void *mem, size_t size)
{
	const struct vdm_ring_header *h = mem;
	uint32_t db;

	if (!mem || size < VDM_RING_MIN_SIZE)
		return VDM_RING_FAULT_LAYOUT;
	db = le32toh(h->doorbell);
	if (le32toh(h->magic) != VDM_RING_MAGIC ||
	    VDM_ABI_VERSION_MAJOR(le32toh(h->wire_version)) != VDM_RING_WIRE_MAJOR ||
	    le32toh(h->total_size) < VDM_RING_MIN_SIZE || le32toh(h->total_size) > size ||
	    le32toh(h->req_offset) != VDM_RING_REQ_OFFSET ||
	    le32toh(h->req_entries) != VDM_RING_REQ_ENTRIES ||
	    le32toh(h->rsp_offset) != VDM_RING_RSP_OFFSET ||
	    le32toh(h->rsp_entries) != VDM_RING_RSP_ENTRIES ||
	    le32toh(h->log_offset) != VDM_RING_LOG_OFFSET ||
	    le32toh(h->log_entries) != VDM_RING_LOG_ENTRIES)
		return VDM_RING_FAULT_LAYOUT;
	if (db != VDM_RING_DOORBELL_FUTEX && db != VDM_RING_DOORBELL_EVENTFD &&
	    db != VDM_RING_DOORBELL_NONE)
		return VDM_RING_FAULT_LAYOUT;
	return VDM_RING_FAULT_NONE;
}

enum vdm_ring_fault vdm_ring_check_log(const struct vdm_ring_log *in, struct vdm_ring_log *out)
{
	enum vdm_ring_fault f = VDM_RING_FAULT_NONE;
	size_t i;

	/* Copy first: the peer may change `in` while we look at it. */
	memcpy(out, in, sizeof(*out));
	out->kind = le32toh(out->kind);
	out->level = le32toh(out->level);
	out->arg0 = le32toh(out->arg0);
	out->arg1 = le32toh(out->arg1);
	if (out->kind != VDM_RING_LOG_LINE && out->kind != VDM_RING_LOG_EJECT)
		f = VDM_RING_FAULT_LOG;
	if (out->level > VDM_LOG_DEBUG) {
		out->level = VDM_LOG_ERROR;
		f = VDM_RING_FAULT_LOG;
	}
	out->text[VDM_RING_LOG_TEXT - 1] = '\0';
	for (i = 0; i < VDM_RING_LOG_TEXT && out->text[i]; i++)
		if ((unsigned char)out->text[i] < 0x20 || (unsigned char)out->text[i] > 0x7e)
			out->text[i] = '?';
	memset(out->text + i, 0, VDM_RING_LOG_TEXT - i);
	return f;
}

size_t vdm_ring_mapping_size(void)
{
	return VDM_RING_MASKS_END;
}

size_t vdm_ring_mirror_offset(uint32_t space)
{
	if (space < VDM_MAX_REGIONS)
		return VDM_RING_MIRROR_OFFSET + (size_t)space * VDM_RING_MIRROR_BYTES;
	if (space == VDM_RING_MIRROR_CFG)
		return VDM_RING_MIRROR_OFFSET + (size_t)VDM_MAX_REGIONS * VDM_RING_MIRROR_BYTES;
	return 0;
}

static bool format_args_ok(const void *mem, size_t size, uint32_t doorbell)
{
	return mem && size >= VDM_RING_MIN_SIZE && size <= UINT32_MAX &&
	       (doorbell == VDM_RING_DOORBELL_FUTEX || doorbell == VDM_RING_DOORBELL_EVENTFD ||
		doorbell == VDM_RING_DOORBELL_NONE);
}

/* The header's first line: the layout (the rest of the header, the rings, the mirrors and
 * the masks are whatever the mapping holds: zeros, or cleared by the caller). */
static int format_header(void *mem, size_t size, uint32_t doorbell)
{
	struct vdm_ring_header *h = mem;

	if (!format_args_ok(mem, size, doorbell))
		return -EINVAL;
	h->magic = htole32(VDM_RING_MAGIC);
	h->wire_version = htole32(VDM_RING_WIRE_VERSION);
	h->total_size = htole32((uint32_t)size);
	h->doorbell = htole32(doorbell);
	h->req_offset = htole32(VDM_RING_REQ_OFFSET);
	h->req_entries = htole32(VDM_RING_REQ_ENTRIES);
	h->rsp_offset = htole32(VDM_RING_RSP_OFFSET);
	h->rsp_entries = htole32(VDM_RING_RSP_ENTRIES);
	h->log_offset = htole32(VDM_RING_LOG_OFFSET);
	h->log_entries = htole32(VDM_RING_LOG_ENTRIES);
	return 0;
}

int vdm_ring_format(void *mem, size_t size, uint32_t doorbell)
{
	if (!format_args_ok(mem, size, doorbell))
		return -EINVAL;
	memset(mem, 0, size < VDM_RING_MIRROR_END  ? VDM_RING_MIN_SIZE
		       : size < VDM_RING_MASKS_END ? VDM_RING_MIRROR_END
						   : VDM_RING_MASKS_END);
	return format_header(mem, size, doorbell);
}

int vdm_ring_format_fresh(void *mem, size_t size, uint32_t doorbell)
{
	return format_header(mem, size, doorbell);
}
