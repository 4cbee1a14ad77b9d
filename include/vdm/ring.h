/* vdm shared-memory ring: the wire format between a VMM and a device host process
 * (request/response rings, log ring, doorbells) and the two endpoints' API. */
#ifndef VDM_RING_H
#define VDM_RING_H

/*
 * API contract
 * ------------
 * One shared mapping (a memfd in production, any buffer for the in-memory transport) holds a
 * header, a request ring (VMM -> device), a response ring (device -> VMM) and a log ring
 * (device -> VMM).  Each ring has exactly one producer and one consumer (SPSC).  All
 * multi-byte fields are little-endian; indices are free-running 32-bit counters.
 *
 *   offset  size  what
 *   0       256   struct vdm_ring_header (layout, then one cache line per writer)
 *   256     2048  request ring: VDM_RING_REQ_ENTRIES x struct vdm_ring_entry
 *   2304    512   response ring: VDM_RING_RSP_ENTRIES x struct vdm_ring_entry
 *   2816    4096  log ring: VDM_RING_LOG_ENTRIES x struct vdm_ring_log
 *   6912          end of the rings (VDM_RING_MIN_SIZE; the mapping may be larger)
 *   8192    28672 read mirrors (wire 1.2): 4096 bytes for each of regions 0..5, then
 *                 4096 for config space (VDM_RING_MIRROR_OFFSET, vdm_ring_mirror_offset)
 *   36864   8192  config write masks (wire 1.3): wmask, then w1cmask, 4096 bytes each
 *                 (VDM_RING_MASKS_OFFSET)
 *   45056         end (vdm_ring_mapping_size)
 *
 * Read mirror (wire 1.2): for each space the device declares pure (device.h pure_reads),
 * the device keeps a copy of its first 4096 bytes in the mapping, and publishes in
 * `mirror_map` which copies it keeps (bit i region i, bit 8 config space; set before READY,
 * never changed after) and in `mirror_seq` the sequence id of the last request the copies
 * reflect (UINT32_MAX, no request, while a copy has not been filled yet: the device fills
 * config space before READY, the regions when it is first idle after it).  A request other than a read of a mirrored space or a PING makes the copies
 * stale; the device refreshes them when its request ring is empty, then publishes
 * mirror_seq (release).  The VMM may answer a naturally aligned read inside a mirrored
 * space from the copy when mirror_seq equals the id of the last request it published: no
 * write of its is then in flight, so the copy is what a round trip would return.  A copy
 * is device-written data like any response: the VMM trusts its values no more.
 *
 * Write-through config copy (wire 1.3): a device that also promises VDM_PURE_CFG_WRITES
 * (device.h: its config writes only apply its write masks) writes the masks into the
 * mapping before READY and sets bit 9 in mirror_map.  The VMM then copies the masks and
 * the config mirror into memory of its own at READY, applies every config write it posts
 * to that copy too, and answers config reads from it with writes still in flight: what the
 * device will compute is known.  A RESET, CONTROL or SHUTDOWN request invalidates the copy
 * until the mirror is current again, when it is taken anew.
 *
 * Protocol: the VMM ("client") writes a request entry, then publishes it by storing
 * req_prod (release).  Reads, RESET, PING and CONTROL are synchronous: exactly one response
 * with the same sequence id follows.  CFG_WRITE and BAR_WRITE are posted: no response; the ring keeps
 * them ordered before any later request.  SHUTDOWN is posted; the device exits.  The device
 * ("server") posts one unsolicited READY response (seq 0) when it is locked down and serving;
 * requests are numbered from 1, each one more than the last.
 *
 * Doorbells: a side about to sleep sets its `*_waiting` word, fences, re-checks the ring,
 * then sleeps; a producer that sees the peer's waiting word set bumps the peer's bell (futex
 * mode: increment + FUTEX_WAKE on the bell word; eventfd mode: write the peer's eventfd).
 * FUTEX mode spins briefly before sleeping; EVENTFD mode never spins (for comparison);
 * NONE is the in-memory transport: the client calls a pump function instead of waiting.
 *
 * Trust: the client treats every byte the device side can write as hostile.  It keeps its
 * own copy of the layout, copies an entry out before checking it, checks it with the pure
 * functions below (vdm_ring_check_*), and bounds every wait.  The first fault marks the
 * client failed: from then on reads return all-ones and -EIO, nothing more is sent.
 * The server checks what it reads too (layout, indices, kinds, sizes, sequence ids).
 *
 * Threading: one thread at a time per endpoint (the device contract already serialises
 * calls into one device); vdm_ring_client_fail() and vdm_ring_client_log_next() may be
 * called from one other thread (an event loop).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vdm/abi.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vdm_device;

/* Wire version, separate from the C ABI version: same major/minor rule as abi.h. */
#define VDM_RING_WIRE_MAJOR 1
#define VDM_RING_WIRE_MINOR 3 /* 1.1: CONTROL; 1.2: read mirror; 1.3: config copy */
#define VDM_RING_WIRE_VERSION VDM_ABI_MAKE(VDM_RING_WIRE_MAJOR, VDM_RING_WIRE_MINOR)
#define VDM_RING_MAGIC 0x524d4456u /* "VDMR" */

#define VDM_RING_REQ_ENTRIES 64u /* powers of two */
#define VDM_RING_RSP_ENTRIES 16u
#define VDM_RING_LOG_ENTRIES 32u
#define VDM_RING_HEADER_SIZE 256u
#define VDM_RING_REQ_OFFSET VDM_RING_HEADER_SIZE
#define VDM_RING_RSP_OFFSET (VDM_RING_REQ_OFFSET + VDM_RING_REQ_ENTRIES * 32u)
#define VDM_RING_LOG_OFFSET (VDM_RING_RSP_OFFSET + VDM_RING_RSP_ENTRIES * 32u)
#define VDM_RING_MIN_SIZE (VDM_RING_LOG_OFFSET + VDM_RING_LOG_ENTRIES * 128u)
#define VDM_RING_MIRROR_OFFSET 8192u
#define VDM_RING_MIRROR_BYTES 4096u /* mirrored bytes per space (from offset 0) */
#define VDM_RING_MIRROR_CFG 8u      /* the config space's mirror index (= its map bit) */
#define VDM_RING_MIRROR_END (VDM_RING_MIRROR_OFFSET + 7u * VDM_RING_MIRROR_BYTES)
#define VDM_RING_MASKS_OFFSET VDM_RING_MIRROR_END /* wmask, then w1cmask (wire 1.3) */
#define VDM_RING_MASKS_END (VDM_RING_MASKS_OFFSET + 2u * VDM_RING_MIRROR_BYTES)

/* Request kinds.  A response carries the request's kind | VDM_RING_KIND_RESPONSE. */
enum vdm_ring_kind {
	VDM_RING_CFG_READ = 1,  /* sync: offset 0..4095, size 1/2/4; data out = value */
	VDM_RING_CFG_WRITE = 2, /* posted: data = value */
	VDM_RING_BAR_READ = 3,  /* sync: region 0..5, size 1/2/4/8 */
	VDM_RING_BAR_WRITE = 4, /* posted */
	VDM_RING_RESET = 5,     /* sync: power-on reset; region/offset/size/data 0 */
	/* sync, wire 1.1: host control (device.h vdm_control_fn).  offset = op (< 2^32),
	 * data = arg0 | arg1 << 32, size/region 0; response data = the result, which must be
	 * 0 when the status is an error.  Send only to a peer of wire minor >= 1. */
	VDM_RING_CONTROL = 6,
	VDM_RING_PING = 16,     /* control, sync: data echoed back; liveness and benchmarks */
	VDM_RING_SHUTDOWN = 17, /* control, posted: destroy the device and exit 0 */
	VDM_RING_READY = 18,    /* control, device -> VMM only: seq 0, once, when serving */
};
#define VDM_RING_KIND_RESPONSE 0x80u

/* Doorbell modes (vdm_ring_header.doorbell). */
enum vdm_ring_doorbell {
	VDM_RING_DOORBELL_FUTEX = 1,   /* spin, then FUTEX_WAIT/FUTEX_WAKE on the bell words */
	VDM_RING_DOORBELL_EVENTFD = 2, /* no spin; one eventfd per direction */
	VDM_RING_DOORBELL_NONE = 3,    /* in-memory transport: the client pumps the server */
};

/* Device states (vdm_ring_header.dev_state), written by the server. */
enum vdm_ring_dev_state {
	VDM_RING_DEV_STARTING = 0,
	VDM_RING_DEV_SERVING = 1,
	VDM_RING_DEV_STOPPED = 2,
};

/* One request or response: 32 bytes, little-endian. */
struct vdm_ring_entry {
	uint32_t seq;      /* request: previous + 1 (first is 1); response: the request's */
	uint8_t kind;      /* enum vdm_ring_kind, | VDM_RING_KIND_RESPONSE in a response */
	uint8_t size;      /* access width 1/2/4/8 (0 for RESET/PING/CONTROL/SHUTDOWN/READY) */
	uint8_t region;    /* BAR / region index 0..5 (0 for config space and control) */
	uint8_t flags;     /* 0 */
	uint64_t offset;   /* config offset, offset in the region, or CONTROL's op; echoed */
	uint64_t data;     /* write value / read result (see vdm_ring_check_response) */
	int32_t status;    /* response: the handler's return (0 or a negative errno); request 0 */
	uint32_t reserved; /* 0 */
};
_Static_assert(sizeof(struct vdm_ring_entry) == 32, "ring entry is 32 bytes");
_Static_assert(offsetof(struct vdm_ring_entry, seq) == 0, "wire layout");
_Static_assert(offsetof(struct vdm_ring_entry, kind) == 4, "wire layout");
_Static_assert(offsetof(struct vdm_ring_entry, size) == 5, "wire layout");
_Static_assert(offsetof(struct vdm_ring_entry, region) == 6, "wire layout");
_Static_assert(offsetof(struct vdm_ring_entry, flags) == 7, "wire layout");
_Static_assert(offsetof(struct vdm_ring_entry, offset) == 8, "wire layout");
_Static_assert(offsetof(struct vdm_ring_entry, data) == 16, "wire layout");
_Static_assert(offsetof(struct vdm_ring_entry, status) == 24, "wire layout");
_Static_assert(offsetof(struct vdm_ring_entry, reserved) == 28, "wire layout");

/* Log ring entry kinds. */
enum vdm_ring_log_kind {
	VDM_RING_LOG_LINE = 1,  /* level = enum vdm_log_level, text = the line */
	VDM_RING_LOG_EJECT = 2, /* vdm_host.eject: arg0 = bus_sel, arg1 = slot; text empty */
};
#define VDM_RING_LOG_TEXT 112

/* One log-ring entry: 128 bytes, little-endian.  Text is NUL-terminated inside the array. */
struct vdm_ring_log {
	uint32_t kind;  /* enum vdm_ring_log_kind */
	uint32_t level; /* enum vdm_log_level (0..3) */
	uint32_t arg0;
	uint32_t arg1;
	char text[VDM_RING_LOG_TEXT];
};
_Static_assert(sizeof(struct vdm_ring_log) == 128, "log entry is 128 bytes");
_Static_assert(offsetof(struct vdm_ring_log, text) == 16, "wire layout");

/*
 * The shared header.  Line 0 is written once by the VMM (vdm_ring_format) and never
 * trusted back; line 1 is written only by the VMM; line 2 only by the device.
 */
struct vdm_ring_header {
	/* line 0: layout */
	uint32_t magic;        /* VDM_RING_MAGIC */
	uint32_t wire_version; /* VDM_RING_WIRE_VERSION */
	uint32_t total_size;   /* bytes of the mapping the layout uses (>= VDM_RING_MIN_SIZE) */
	uint32_t doorbell;     /* enum vdm_ring_doorbell */
	uint32_t req_offset, req_entries;
	uint32_t rsp_offset, rsp_entries;
	uint32_t log_offset, log_entries;
	uint32_t layout_reserved[6];
	/* line 1: written by the VMM */
	uint32_t req_prod;    /* requests published */
	uint32_t req_bell;    /* futex word the device sleeps on */
	uint32_t rsp_cons;    /* responses consumed */
	uint32_t vmm_waiting; /* 1 while the VMM sleeps for a response */
	uint32_t log_cons;    /* log entries consumed */
	uint32_t vmm_reserved[11];
	/* line 2: written by the device */
	uint32_t req_cons;     /* requests consumed */
	uint32_t dev_waiting;  /* 1 while the device sleeps for a request */
	uint32_t rsp_prod;     /* responses published */
	uint32_t rsp_bell;     /* futex word the VMM sleeps on */
	uint32_t log_prod;     /* log entries published */
	uint32_t dev_state;    /* enum vdm_ring_dev_state */
	uint32_t log_dropped;  /* log entries dropped because the log ring was full */
	uint32_t bad_requests; /* requests the device refused as malformed */
	uint32_t write_errors; /* posted writes whose handler returned an error */
	uint32_t mirror_map;   /* wire 1.2: read mirrors kept (bit i region i, bit 8 config);
				* 1.3: bit 9, config write masks published */
	uint32_t mirror_seq;   /* wire 1.2: the mirrors reflect every request up to this id */
	uint32_t dev_reserved[5];
	uint32_t tail_reserved[16];
};
_Static_assert(sizeof(struct vdm_ring_header) == VDM_RING_HEADER_SIZE, "header is 256 bytes");
_Static_assert(offsetof(struct vdm_ring_header, req_prod) == 64, "VMM line is cache line 1");
_Static_assert(offsetof(struct vdm_ring_header, req_cons) == 128, "device line is line 2");
_Static_assert(offsetof(struct vdm_ring_header, tail_reserved) == 192, "wire layout");

/* What a check found wrong.  Returned by the pure checks and kept by a failed client. */
enum vdm_ring_fault {
	VDM_RING_FAULT_NONE = 0,
	VDM_RING_FAULT_SEQ = 1,         /* sequence id is not the expected one */
	VDM_RING_FAULT_KIND = 2,        /* unknown kind, or not the answer to the request */
	VDM_RING_FAULT_SIZE = 3,        /* size not allowed for the kind, or not the request's */
	VDM_RING_FAULT_ECHO = 4,        /* region/offset/flags/reserved differ from the request */
	VDM_RING_FAULT_DATA = 5,        /* value wider than the access */
	VDM_RING_FAULT_STATUS = 6,      /* status neither 0 nor a negative errno */
	VDM_RING_FAULT_INDEX = 7,       /* producer/consumer indices impossible (torn ring) */
	VDM_RING_FAULT_UNSOLICITED = 8, /* a response nobody asked for */
	VDM_RING_FAULT_LAYOUT = 9,      /* header magic/version/offsets/sizes wrong */
	VDM_RING_FAULT_TIMEOUT = 10,    /* no answer within the bound: peer hung */
	VDM_RING_FAULT_DEAD = 11,       /* peer process exited */
	VDM_RING_FAULT_REGION = 12,     /* region index out of range */
	VDM_RING_FAULT_LOG = 13,        /* malformed log entry (kind, level) */
};

/* A short English description of `fault` ("bad sequence id"), never NULL. */
const char *vdm_ring_fault_str(enum vdm_ring_fault fault);

/* ---- Pure checks: no side effects, any input; what fuzzers call ------------------------ */

/* True when `prod - cons` (free-running) is a possible fill level of a ring of `entries`. */
enum vdm_ring_fault vdm_ring_check_indices(uint32_t prod, uint32_t cons, uint32_t entries);

/* Check a request the server read: kind known (not READY, no response bit), size allowed
 * for the kind, region < VDM_MAX_REGIONS, config offset + size <= 4096, CONTROL's op below
 * 2^32, flags/status/reserved 0, seq == expect_seq. */
enum vdm_ring_fault vdm_ring_check_request(const struct vdm_ring_entry *req, uint32_t expect_seq);

/* Check a response against the request it must answer: seq, kind | RESPONSE, size, region,
 * offset, flags and reserved echoed; status 0 or in [-4095, -1]; a read's value in the low
 * `size` bytes (device.h), or, for a refused read (status < 0), all-ones of 16, 32 or 64
 * bits; config reads never wider than 32 bits; RESET data 0, PING data echoed; a refused
 * CONTROL carries data 0 (a handled one any 64-bit result: its meaning is the op's, and the
 * caller judges its range).  `req` is the client's private copy. */
enum vdm_ring_fault vdm_ring_check_response(const struct vdm_ring_entry *req,
					    const struct vdm_ring_entry *rsp);

/* Check the unsolicited READY response (seq 0, kind READY | RESPONSE, everything else 0). */
enum vdm_ring_fault vdm_ring_check_ready(const struct vdm_ring_entry *rsp);

/* Check a shared header against the only layout this build speaks, for a mapping of
 * `size` bytes.  Reads the header only. */
enum vdm_ring_fault vdm_ring_check_layout(const void *mem, size_t size);

/* Check a log entry and copy it to `out` with its text NUL-terminated and every byte
 * outside printable ASCII replaced by '?'.  Returns the fault (out is still filled). */
enum vdm_ring_fault vdm_ring_check_log(const struct vdm_ring_log *in, struct vdm_ring_log *out);

/* ---- Layout ------------------------------------------------------------------------- */

/* Bytes a ring mapping needs: the rings, the read mirrors and the config write masks
 * (VDM_RING_MASKS_END). */
size_t vdm_ring_mapping_size(void);

/* Offset in the mapping of mirror `space` (region 0..5, or VDM_RING_MIRROR_CFG), or 0 for
 * any other index. */
size_t vdm_ring_mirror_offset(uint32_t space);

/* Initialise a zeroed-or-not mapping of `size` bytes for `doorbell` mode.  The VMM calls
 * this before the device maps it.  Returns 0, or -EINVAL (size too small, unknown mode). */
int vdm_ring_format(void *mem, size_t size, uint32_t doorbell);

/* The same for a mapping that reads as zeros already (a new memfd or anonymous mapping): only
 * the header is written, so the pages of mirrors and masks a device never uses are never
 * allocated (a root port uses 6 of the 11 pages).  Never on memory that held other data:
 * its old bytes would be left for the device to read. */
int vdm_ring_format_fresh(void *mem, size_t size, uint32_t doorbell);

/* ---- VMM side (client) ------------------------------------------------------------------ */

struct vdm_ring_client;

/* Pump for the in-memory transport: run the server until it has nothing more to do. */
typedef void (*vdm_ring_pump_fn)(void *opaque);

struct vdm_ring_client_config {
	uint32_t doorbell;   /* enum vdm_ring_doorbell; must match vdm_ring_format's */
	uint32_t spin_ns;    /* FUTEX: spin this long before sleeping; 0 = 20000 */
	uint32_t timeout_ms; /* bound on every wait (a response, ring space, READY); 0 = 1000 */
	int pidfd;           /* the device process, or -1: its exit ends any wait at once */
	int req_efd;         /* EVENTFD: written to wake the device */
	int rsp_efd;         /* EVENTFD: the device writes it to wake the VMM */
	vdm_ring_pump_fn pump; /* NONE: called where the client would wait */
	void *pump_opaque;
};

/*
 * Create a client over `mem` (already formatted with vdm_ring_format).  The client keeps
 * its own copy of the layout; the mapping must outlive it.  Returns 0 and *out, or -EINVAL
 * (bad config), -ENOMEM.
 */
int vdm_ring_client_new(void *mem, size_t size, const struct vdm_ring_client_config *cfg,
			struct vdm_ring_client **out);
void vdm_ring_client_free(struct vdm_ring_client *c);

/*
 * Synchronous request (CFG_READ, BAR_READ, RESET, PING, CONTROL): publish it, wait (bounded) for its
 * response, check it.  On success returns 0 and the handler's *status and *value.  On any
 * fault (or if the client has already failed) returns -EIO with *value all-ones and *status
 * -EIO; vdm_ring_client_fault() then says why.  -EINVAL for a kind that is not synchronous.
 */
int vdm_ring_client_call(struct vdm_ring_client *c, uint32_t kind, uint32_t region,
			 uint64_t offset, uint32_t size, uint64_t data, uint64_t *value,
			 int32_t *status);

/* Posted request (CFG_WRITE, BAR_WRITE, SHUTDOWN): waits only for ring space (bounded).
 * Returns 0, -EIO (failed), -EINVAL (kind not posted). */
int vdm_ring_client_post(struct vdm_ring_client *c, uint32_t kind, uint32_t region,
			 uint64_t offset, uint32_t size, uint64_t data);

/* Wait up to `timeout_ms` (0: the config's bound) for the device's READY.  Returns 0 or
 * -EIO (see vdm_ring_client_fault). */
int vdm_ring_client_wait_ready(struct vdm_ring_client *c, uint32_t timeout_ms);

/* The first fault seen, or VDM_RING_FAULT_NONE while healthy. */
enum vdm_ring_fault vdm_ring_client_fault(const struct vdm_ring_client *c);

/* Mark the client failed with `fault` (first one wins) and wake a waiting caller.  For the
 * owner's event loop (e.g. the device process exited).  Returns true if this call set it. */
bool vdm_ring_client_fail(struct vdm_ring_client *c, enum vdm_ring_fault fault);

/* Pop the next log entry, checked and sanitised (vdm_ring_check_log).  Returns 1 and *out,
 * 0 when empty, or -EIO when the log ring indices are torn or an entry is malformed (the
 * client is then failed).  Single consumer: call from one thread only. */
int vdm_ring_client_log_next(struct vdm_ring_client *c, struct vdm_ring_log *out);

/*
 * Read mirror: answer a read of `size` (1/2/4/8; config 1/2/4) bytes at `offset` of mirror
 * `space` (region 0..5 or VDM_RING_MIRROR_CFG) from the device's copy, without a round
 * trip.  Returns 0 and *value when the device keeps that mirror (its READY-time map), the
 * access is naturally aligned inside the first VDM_RING_MIRROR_BYTES, the client is healthy
 * and the copy reflects every request published so far; -EAGAIN when the copy is stale
 * (send the read on the ring: the device refreshes the copy when idle) or the client has
 * failed; -EINVAL otherwise.  Death of the device process: fail the client from the event
 * loop watching its pidfd (vdm_ring_client_fail); on its own, the client polls the pidfd
 * on the first and every 64th mirror answer, so a dead device's copy answers at most 63
 * more reads.
 * The caller keeps the access inside the region's declared size.
 */
int vdm_ring_client_mirror_read(struct vdm_ring_client *c, uint32_t space, uint64_t offset,
				uint32_t size, uint64_t *value);

/* The mirrors the device said at READY it keeps (bit i region i, bit 8 config), 0 before. */
uint32_t vdm_ring_client_mirror_map(const struct vdm_ring_client *c);

/* The config write masks of the write-through copy (wire 1.3: taken at READY from a device
 * that promised VDM_PURE_CFG_WRITES; 4096 bytes each, owned by the client), or NULL. */
const uint8_t *vdm_ring_client_cfg_wmask(const struct vdm_ring_client *c);
const uint8_t *vdm_ring_client_cfg_w1cmask(const struct vdm_ring_client *c);

/* What this client has done since it was created (its own counts: trusted). */
/* Change the bound on each wait (config timeout_ms; 0 = the default 1000 ms) for the calls
 * and posts that follow: a VMM that budgets a device's waits sets a shorter one while the
 * budget is low.  Same thread rules as vdm_ring_client_call. */
void vdm_ring_client_set_timeout(struct vdm_ring_client *c, uint32_t timeout_ms);

struct vdm_ring_client_stats {
	uint64_t calls;        /* round trips (vdm_ring_client_call) */
	uint64_t call_ns;      /* time spent in them, waiting for the device included */
	uint64_t posts;        /* posted requests */
	uint64_t mirror_reads; /* reads answered from a read mirror: no round trip */
};
void vdm_ring_client_stats(const struct vdm_ring_client *c, struct vdm_ring_client_stats *out);

/* Counters the device publishes (log_dropped, bad_requests, write_errors): informational,
 * untrusted. */
void vdm_ring_client_device_counters(const struct vdm_ring_client *c, uint32_t *log_dropped,
				     uint32_t *bad_requests, uint32_t *write_errors);

/* ---- Device side (server) ----------------------------------------------------------------- */

struct vdm_ring_server;

struct vdm_ring_server_config {
	uint32_t spin_ns; /* FUTEX: spin this long before sleeping; 0 = 50000 */
	int req_efd;      /* EVENTFD: the VMM writes it to wake us */
	int rsp_efd;      /* EVENTFD: written to wake the VMM */
	int notify_efd;   /* written after each log entry (any mode), or -1 */
};

/* Create a server over a mapping the VMM formatted: checks the layout first.  Returns 0,
 * -EPROTO (layout fault), -EINVAL, -ENOMEM. */
int vdm_ring_server_new(void *mem, size_t size, const struct vdm_ring_server_config *cfg,
			struct vdm_ring_server **out);
void vdm_ring_server_free(struct vdm_ring_server *s);

/* The doorbell and notify fds moved (the device host renumbers its fds before locking
 * down): use these from now on. */
void vdm_ring_server_set_fds(struct vdm_ring_server *s, int req_efd, int rsp_efd,
			     int notify_efd);

/* Spin this long (FUTEX mode) before sleeping from now on; 0 = the default. */
void vdm_ring_server_set_spin(struct vdm_ring_server *s, uint32_t spin_ns);

/*
 * Take the next request.  With `block` it waits (spin, then sleep; no bound: the device
 * side has nothing better to do).  Returns 1 with a checked *req, 0 when nothing is pending
 * (non-blocking), -EPROTO when the VMM side is torn, or -EIO when the doorbell is broken
 * (then stop serving).  A malformed
 * request is counted in bad_requests; a synchronous one is answered with -EINVAL, all-ones.
 */
int vdm_ring_server_next(struct vdm_ring_server *s, struct vdm_ring_entry *req, bool block);

/* Publish the response to `req` and wake the VMM if it sleeps. */
void vdm_ring_server_respond(struct vdm_ring_server *s, const struct vdm_ring_entry *req,
			     uint64_t data, int32_t status);

/* Publish READY (seq 0) and set dev_state SERVING. */
void vdm_ring_server_ready(struct vdm_ring_server *s);

/* Append a log entry (dropped and counted when the log ring is full), then notify. */
void vdm_ring_server_log(struct vdm_ring_server *s, uint32_t kind, uint32_t level,
			 uint32_t arg0, uint32_t arg1, const char *text);

/* Count a posted write whose handler failed. */
void vdm_ring_server_count_write_error(struct vdm_ring_server *s);

/*
 * Run one checked request against `dev` through its ops.  Returns 1 when a response is
 * due (*data, *status filled), 0 for a posted write (*status = the handler's return), or
 * -ESHUTDOWN for SHUTDOWN (the caller destroys the device and exits).
 */
int vdm_ring_dispatch(struct vdm_device *dev, const struct vdm_ring_entry *req, uint64_t *data,
		      int32_t *status);

/*
 * Read mirror (wire 1.2).  setup: keep mirrors of the spaces `dev` declares pure
 * (vdm_device_pure_reads) if the mapping reaches VDM_RING_MIRROR_END, fill them and
 * publish the map; call once, before vdm_ring_server_ready, with the device every request
 * will be dispatched to.  note: call for every request after vdm_ring_dispatch and before
 * responding (a request that may change the device marks the copies stale; otherwise the
 * copies are declared current up to its id).  idle: refreshes stale copies (giving up at
 * once if a request arrives) and publishes mirror_seq; vdm_ring_server_next calls it itself
 * when it has spun without a request and (futex doorbell) then waited 2 ms more for one,
 * so a burst of writes costs one refresh, after the burst; serve_pending calls it at its
 * end.
 * All three do nothing when no mirror is kept.  setup may be called again before READY for
 * another device (a spare that guessed its device wrong): the first is forgotten.
 */
void vdm_ring_server_mirror_setup(struct vdm_ring_server *s, struct vdm_device *dev);
void vdm_ring_server_mirror_note(struct vdm_ring_server *s, const struct vdm_ring_entry *req);
void vdm_ring_server_mirror_idle(struct vdm_ring_server *s);

/* Serve every pending request on `dev` without blocking (the in-memory transport's pump),
 * keeping the read mirror (note, then idle at the end) when one was set up.
 * Returns the number served, or -ESHUTDOWN / -EPROTO as above. */
int vdm_ring_server_serve_pending(struct vdm_ring_server *s, struct vdm_device *dev);

#ifdef __cplusplus
}
#endif

#endif /* VDM_RING_H */
