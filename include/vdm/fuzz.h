/* vdm fuzz (libvdm-fuzz, pkg-config vdm-fuzz): an op-stream reader, the checks of what pci.h and
 * device.h promise every device, and a runner that fuzzes any device in-process or sandboxed. */
#ifndef VDM_FUZZ_H
#define VDM_FUZZ_H

/*
 * API contract
 * ------------
 * This is what the installed drivers are made of (`vdm-fuzz`, libFuzzer; `vdm-fuzz-replay`,
 * any compiler; fuzz/README.md), for a plugin author who writes a libFuzzer target of their
 * own, and for vdm's own targets (tests/fuzz).  Three layers:
 *   - the op-stream reader (struct vdm_fuzz_in): any byte string, the empty one included, is
 *     a valid stream; a read past its end yields zeros;
 *   - the checks (vdm_fuzz_pci_*, vdm_fuzz_region_*, vdm_fuzz_control): each performs one
 *     access through the device's ops, as a VMM would, and checks the result against the
 *     rules of pci.h and device.h;
 *   - the runner (vdm_fuzz_open / vdm_fuzz_run): one device type, created afresh for every
 *     input, in this process or in a vdm-devhost behind the proxy (proxy.h), driven by an
 *     op stream (config space, every declared region, BAR programming and sizing, resets,
 *     host control) with every check after every op.
 *
 * Findings.  A check that fails calls its sink: fn(opaque, invariant, text), where
 * `invariant` is one of the VDM_FUZZ_INV_* names below and `text` one line saying what was
 * seen and what the rule says.  A sink whose fn is NULL prints
 *     vdm-fuzz: invariant broken [NAME]: TEXT
 * on stderr and calls abort(): the one place vdm code prints and ends the process, because
 * that is how a libFuzzer target reports (libFuzzer then saves the input as crash-<sha1>).
 * A fn may return: the check then carries on as if the rule had held; the runner reports only
 * the first finding of an input and ends the input after that op.
 *
 * Threading: a runner, a vdm_fuzz_pci and their devices belong to one thread.
 * Stability: libvdm-fuzz is a test tool, not part of the device ABI (abi.h): its structs are
 * not versioned beyond vdm_fuzz_config's head, and the library follows vdm's soname.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vdm/device.h>
#include <vdm/pci.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- invariants: the names a finding carries ----------------------------------------- */

/* vdm_device_check refuses the device, or what it declares disagrees with its config space
 * (interrupt pin vs num_irqs). */
#define VDM_FUZZ_INV_DECLARATION "declaration"
/* create() failed for a spec it had accepted (the runner creates a device per input). */
#define VDM_FUZZ_INV_CREATE "create"
/* pci.h's guest-access rules (errno, all-ones, value width, reads that agree with their
 * dword, writes confined) and device.h's for regions (bad size or offset refused with
 * all-ones, values in the low `size` bytes). */
#define VDM_FUZZ_INV_ACCESS "access-contract"
/* An access to a region the device does not declare must be refused and read all-ones. */
#define VDM_FUZZ_INV_UNDECLARED "undeclared-region"
/* Identity fields (ids, revision, class, header type, capability pointer, interrupt pin,
 * subsystem ids, expansion ROM) never change. */
#define VDM_FUZZ_INV_READ_ONLY "read-only"
/* Sizing a BAR (all-ones, read back) gives exactly its declared size and type, after any
 * traffic; an unused BAR slot reads 0. */
#define VDM_FUZZ_INV_BAR_SIZING "bar-sizing"
/* A BAR programmed with an aligned address that fits its kind reads it back; the address it
 * decodes is aligned to its size. */
#define VDM_FUZZ_INV_BAR_ADDRESS "bar-address"
/* reset() restores the config space the device had right after create() (checked while no
 * host-control call has succeeded: host control may change what power-on means). */
#define VDM_FUZZ_INV_RESET "reset-image"
/* Interrupts only on declared lines (none for a device that declares none), levels 0/1. */
#define VDM_FUZZ_INV_INTERRUPT "interrupt"
/* Host control: -EOPNOTSUPP and result 0 without a handler; else 0 or a negative errno
 * (-1..-4095), and a refused op leaves the result 0. */
#define VDM_FUZZ_INV_CONTROL "control"
/* A VDM_PURE_* promise (device.h) broken: a read with a side effect, sub-dword reads that
 * disagree with the dword, a config write that does more than its masks say. */
#define VDM_FUZZ_INV_PURE "pure-promise"
/* Sandboxed: the device host died (a crash: its signal), hung, or broke the ring's rules. */
#define VDM_FUZZ_INV_DEVICE_HOST "device-host"
/* A sanitizer report (the drivers name it; the report itself follows on stderr). */
#define VDM_FUZZ_INV_MEMORY "memory-safety"

/* ---- findings ----------------------------------------------------------------------- */

typedef void (*vdm_fuzz_finding_fn)(void *opaque, const char *invariant, const char *text);

struct vdm_fuzz_sink {
	vdm_fuzz_finding_fn fn; /* NULL: print and abort() (see the contract above) */
	void *opaque;
};

/* Report a broken `invariant` with a printf-style one-line text to `sink` (NULL: the
 * default sink).  Returns only when the sink's fn returns. */
void vdm_fuzz_fail(const struct vdm_fuzz_sink *sink, const char *invariant, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Check `cond`; on failure report `invariant` with the printf-style text that follows. */
#define VDM_FUZZ_CHECK(sink, invariant, cond, ...)                                        \
	do {                                                                              \
		if (!(cond))                                                              \
			vdm_fuzz_fail((sink), (invariant), __VA_ARGS__);                  \
	} while (0)

/* ---- the op-stream reader ----------------------------------------------------------- */

struct vdm_fuzz_in {
	const uint8_t *p;
	size_t n, pos;
};

static inline void vdm_fuzz_in_init(struct vdm_fuzz_in *f, const uint8_t *p, size_t n)
{
	f->p = p;
	f->n = n;
	f->pos = 0;
}

/* True while unread bytes are left. */
static inline bool vdm_fuzz_more(const struct vdm_fuzz_in *f)
{
	return f->pos < f->n;
}

/* The next 1, 2, 4, 8 bytes as a little-endian number (zeros past the end). */
static inline uint8_t vdm_fuzz_u8(struct vdm_fuzz_in *f)
{
	return f->pos < f->n ? f->p[f->pos++] : 0;
}

static inline uint16_t vdm_fuzz_u16(struct vdm_fuzz_in *f)
{
	uint16_t lo = vdm_fuzz_u8(f);

	return (uint16_t)(lo | (uint16_t)vdm_fuzz_u8(f) << 8);
}

static inline uint32_t vdm_fuzz_u32(struct vdm_fuzz_in *f)
{
	uint32_t lo = vdm_fuzz_u16(f);

	return lo | (uint32_t)vdm_fuzz_u16(f) << 16;
}

static inline uint64_t vdm_fuzz_u64(struct vdm_fuzz_in *f)
{
	uint64_t lo = vdm_fuzz_u32(f);

	return lo | (uint64_t)vdm_fuzz_u32(f) << 32;
}

/*
 * An access size: mostly 1, 2, 4 or 8; one selector value in eight gives a size of any
 * value instead (0, 3, 5..30, or a full 32-bit number), which every handler must refuse.
 */
static inline uint32_t vdm_fuzz_access_size(struct vdm_fuzz_in *f)
{
	static const uint32_t sizes[4] = { 1, 2, 4, 8 };
	uint8_t b = vdm_fuzz_u8(f);

	if (b < 0xe0)
		return sizes[b & 3];
	if (b == 0xff)
		return vdm_fuzz_u32(f);
	return (uint32_t)(b - 0xe0); /* 0..30 */
}

/*
 * An offset inside or around a space of `range` bytes: a small one, a 16-bit one, one just
 * below or past the end (wrapping for a tiny range), or any 64-bit value.
 */
static inline uint64_t vdm_fuzz_offset(struct vdm_fuzz_in *f, uint64_t range)
{
	switch (vdm_fuzz_u8(f) & 3) {
	case 0:
		return vdm_fuzz_u8(f);
	case 1:
		return vdm_fuzz_u16(f);
	case 2:
		return range + 8 - vdm_fuzz_u8(f) % 24; /* range-16 .. range+8 */
	default:
		return vdm_fuzz_u64(f);
	}
}

/* Mask of the low `size` bytes (all 64 bits for 8 or more, 0 for 0). */
static inline uint64_t vdm_fuzz_ones(uint32_t size)
{
	return size >= 8 ? UINT64_MAX : (1ull << (8 * size)) - 1;
}

/* ---- PCI checks --------------------------------------------------------------------- */

#define VDM_FUZZ_PCI_MAX_RO 48

/* A field the guest can never change: its value as created. */
struct vdm_fuzz_pci_ro {
	uint32_t off, size, value;
	const char *what;
};

/*
 * What the checks know about one PCI function under test (fill it with vdm_fuzz_pci_init;
 * the caller may then adjust the flags).  Every access goes through the device's ops,
 * so it works on a proxy too.  `raw`, when the caller knows the device is a struct
 * vdm_pci_function (pci.h), is its config bytes: whole-space comparisons then read them
 * directly (a thousand traced calls fewer), and every guest read is checked against them.
 */
struct vdm_fuzz_pci {
	struct vdm_device *dev;
	struct vdm_fuzz_sink sink;
	const uint8_t *raw;    /* NULL: guest reads only */
	uint32_t cfg_size;     /* 256 (conventional) or 4096 (Express) */
	bool local_writes;     /* a valid config write changes only its own bytes */
	bool posted_writes;    /* writes may return 0 for what pci.h refuses (a proxy: they
				* are posted; the device's verdict is not known yet) */
	const uint8_t *wmask;  /* with VDM_PURE_CFG_WRITES: the promised masks, checked */
	const uint8_t *w1cmask;
	bool pure_reads;       /* VDM_PURE_CFG promised: reads have no side effect */
	uint8_t power_on[VDM_PCI_CFG_EXP_SIZE]; /* config space right after create() */
	unsigned nro;
	struct vdm_fuzz_pci_ro ro[VDM_FUZZ_PCI_MAX_RO];
};

/*
 * Start checking `dev` (just created): find its config size when `cfg_size` is 0 (4096 when
 * it has a PCI Express capability, else 256), snapshot its power-on config space and record
 * the header fields no guest write may change (ids, revision/class, header type, interrupt
 * pin, capability pointer, subsystem ids and expansion ROM of type 0).  Sets local_writes,
 * wmask/w1cmask and pure_reads from the device's VDM_PURE_* promises; posted_writes for a
 * proxy (vdm_device_is_proxy).  `raw` may be NULL.  Reports through `sink` (copied).
 */
void vdm_fuzz_pci_init(struct vdm_fuzz_pci *p, struct vdm_device *dev, uint32_t cfg_size,
		       const uint8_t *raw, const struct vdm_fuzz_sink *sink);

/* Record one more read-only field (its current value) under the name `what` (kept). */
void vdm_fuzz_pci_add_ro(struct vdm_fuzz_pci *p, uint32_t off, uint32_t size, const char *what);

/* `size` (1, 2, 4) config bytes at `off`: from `raw` when given, else one checked guest read. */
uint32_t vdm_fuzz_pci_peek(const struct vdm_fuzz_pci *p, uint32_t off, uint32_t size);

/* Report VDM_FUZZ_INV_READ_ONLY if a read-only field differs from its recorded value. */
void vdm_fuzz_pci_check_ro(const struct vdm_fuzz_pci *p);

/* Report `invariant` (with `when` in the text), naming the first differing byte, unless the
 * config space equals `expect` over cfg_size bytes. */
void vdm_fuzz_pci_check_space(const struct vdm_fuzz_pci *p,
			      const uint8_t expect[VDM_PCI_CFG_EXP_SIZE], const char *invariant,
			      const char *when);

/*
 * Size every declared BAR the way firmware does (save, write all-ones, read back, restore)
 * and compare with the declared size and type; unused BAR slots must read 0 before and after
 * all-ones.  The address each BAR decodes is aligned to its size and fits its kind, and every
 * BAR holds its previous value afterwards.
 */
void vdm_fuzz_pci_check_bars(struct vdm_fuzz_pci *p);

/* A guest config read / write of any shape, with the pci.h contract checked (errno,
 * all-ones, reads consistent with the containing dword, writes confined to their bytes
 * when local_writes, exactly the masks' effect when wmask is set).  The read returns the
 * value it got, the write the status. */
uint32_t vdm_fuzz_pci_cfg_read(const struct vdm_fuzz_pci *p, uint32_t off, uint32_t size);
int vdm_fuzz_pci_cfg_write(struct vdm_fuzz_pci *p, uint32_t off, uint32_t size, uint32_t value);

/* Program BAR `bar` with `addr` through vdm_pci_set_bar_address(): success exactly for a
 * declared BAR and an aligned address that fits its kind, and then it reads back. */
void vdm_fuzz_pci_program_bar(struct vdm_fuzz_pci *p, unsigned bar, uint64_t addr);

/* Decode and run one config op from the stream: returns false when `op` is none of these. */
#define VDM_FUZZ_PCI_OP_READ 0          /* offset, size: any shape */
#define VDM_FUZZ_PCI_OP_WRITE 1         /* offset, size, value */
#define VDM_FUZZ_PCI_OP_PROGRAM_BAR 2   /* bar, mode, address */
#define VDM_FUZZ_PCI_OP_SIZE_BARS 3     /* (no fields) vdm_fuzz_pci_check_bars */
#define VDM_FUZZ_PCI_OP_WRITE_BAR_RAW 4 /* bar, value: a dword straight into a BAR */
#define VDM_FUZZ_PCI_NUM_OPS 5
bool vdm_fuzz_pci_op(struct vdm_fuzz_pci *p, uint8_t op, struct vdm_fuzz_in *f);

/* ---- region and host-control checks ------------------------------------------------- */

/* How a region check judges what the device said. */
struct vdm_fuzz_region_ctx {
	struct vdm_device *dev;
	struct vdm_fuzz_sink sink;
	bool posted_writes; /* as in struct vdm_fuzz_pci */
};

/*
 * A region (BAR) read / write of any shape.  Undeclared regions (index >= 6, kind NONE) and
 * accesses of a size other than 1/2/4/8 or outside the declared size must be refused (a
 * negative errno) and read all-ones; a handled read's value fits its size; a refusal of a
 * well-formed access is the device's right (a register that takes only dwords) but still
 * reads all-ones and returns -EINVAL or -ERANGE.  With VDM_PURE_REGION(region) promised, a
 * handled read is repeated and must give the same value, and, when naturally aligned inside
 * a dword, the bytes the dword read gives.  Returns the read's status.
 */
int vdm_fuzz_region_read(const struct vdm_fuzz_region_ctx *c, uint32_t region, uint64_t off,
			 uint32_t size, uint64_t *value);
int vdm_fuzz_region_write(const struct vdm_fuzz_region_ctx *c, uint32_t region, uint64_t off,
			  uint32_t size, uint64_t value);

/* One host-control call with the rules of device.h checked (VDM_FUZZ_INV_CONTROL).  Returns
 * its status (*result as the device set it). */
int vdm_fuzz_control(const struct vdm_fuzz_region_ctx *c, uint32_t op, uint32_t arg0,
		     uint32_t arg1, uint64_t *result);

/* ---- the runner --------------------------------------------------------------------- */

#define VDM_FUZZ_MAX_FAMILIES 8

struct vdm_fuzz_config {
	uint32_t struct_size; /* VDM_STRUCT_HEAD(struct vdm_fuzz_config) */
	uint32_t abi_version;
	/* The device: a plugin .so and a spec "type,key=value,..." of one of its types; or
	 * plugin NULL and a built-in type's spec; or (in-process only) `type` given and `spec`
	 * holding its "key=value,..." alone (NULL: defaults). */
	const char *plugin;
	const char *spec;
	const struct vdm_device_type *type;
	bool sandbox;          /* run it in a vdm-devhost through the proxy */
	const char *devhost;   /* sandbox: which vdm-devhost (NULL: as vdm_proxy_config says) */
	uint32_t timeout_ms;   /* sandbox: bound on each access; 0 = 2000 */
	uint32_t max_ops;      /* ops per input; 0 = 256 */
	/* Host-control families (VDM_CONTROL_FAMILY) the device answers: control ops then use
	 * them most of the time.  Without, ops are any 32-bit number (libFuzzer finds a
	 * family an instrumented in-process plugin compares against). */
	uint32_t num_families;
	uint16_t families[VDM_FUZZ_MAX_FAMILIES];
	struct vdm_fuzz_sink sink; /* where findings go */
	/* Called with a line for every op once it ran, and for every device log line; NULL:
	 * none (vdm-fuzz --trace prints them). */
	void (*trace)(void *opaque, const char *line);
	void *trace_opaque;
	/* Called after every op with a key that sums up what the device did (the op, where,
	 * the size, refused or not, the class of the value read: 0, all-ones, small, other).
	 * vdm-fuzz counts the keys as libFuzzer "extra counters", so a device without coverage
	 * instrumentation (sandboxed, or built without clang) still steers the search by what
	 * it answers.  NULL: none. */
	void (*observe)(void *opaque, uint32_t key);
	void *observe_opaque;
};

struct vdm_fuzz;

/*
 * Load the plugin (in-process) or find the device host (sandboxed), parse the spec, and
 * create the device once to prove the spec is good.  Returns 0 and *out, or a negative errno
 * with one line in `err` naming what failed and the fix, e.g.
 *   "./x.so: no entry symbol vdm_plugin_entry_v1 (not a vdm plugin?)"
 *   "start=x: not a number"
 * Strings in `cfg` are copied.
 */
int vdm_fuzz_open(const struct vdm_fuzz_config *cfg, struct vdm_fuzz **out, char *err,
		  size_t err_len);

/*
 * Run one input: create the device, decode the op stream (format: fuzz/README.md) and run
 * each op with its checks, check everything again at the end, destroy the device.  Returns
 * 0 when every check held, 1 when one broke (reported once, the first: the input ends after
 * that op; with the default sink the process has ended already).
 */
int vdm_fuzz_run(struct vdm_fuzz *fz, const uint8_t *data, size_t size);

/* What is being fuzzed, one line: "example-counter from ./x.so, sandboxed: PCI endpoint,
 * BAR0 MEM32 4 KiB, 1 irq". */
const char *vdm_fuzz_summary(const struct vdm_fuzz *fz);

/* The op running now, for a report written outside the checks (a sanitizer's hook):
 * "op 12: BAR0 read off=0x10 size 4", or "" between inputs. */
const char *vdm_fuzz_current_op(const struct vdm_fuzz *fz);

/* Destroy.  NULL is ignored. */
void vdm_fuzz_close(struct vdm_fuzz *fz);

/*
 * The drivers' shared options, one argument at a time: --sandbox, --devhost=PATH,
 * --ops=N, --timeout-ms=N, --control-family=N (repeatable), --plugin=PATH, --spec=SPEC
 * (what the drivers turn their two positional arguments into).  Returns 1 when `arg` was
 * one of them (applied to cfg; strings point into `arg`), 0 when it is not, or -EINVAL with
 * one line in `err` for a bad value.
 */
int vdm_fuzz_option(struct vdm_fuzz_config *cfg, const char *arg, char *err, size_t err_len);

/* ---- replaying inputs --------------------------------------------------------------- */

typedef int (*vdm_fuzz_one_fn)(void *opaque, const char *path, const uint8_t *data,
			       size_t size);

/*
 * Run `one` on the file `path`, or on every regular file of the directory `path` (not
 * recursive, dot files skipped), each read into an exact-size heap buffer (so a sanitizer
 * sees a read past its end).  Adds the number of inputs to *count.  Returns 0, or a
 * negative errno with one line in `err` for a path or file that cannot be read.
 */
int vdm_fuzz_replay_path(const char *path, vdm_fuzz_one_fn one, void *opaque,
			 unsigned long *count, char *err, size_t err_len);

#ifdef __cplusplus
}
#endif

#endif /* VDM_FUZZ_H */
