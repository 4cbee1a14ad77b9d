/* The runner of libvdm-fuzz: one device type, created afresh per input, driven by an op stream
 * (config, every region, BARs, resets, host control) with every check after every op. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_int.h"

#define DEFAULT_MAX_OPS 256

/* Op codes: the first byte of an op, modulo NUM_OPS (fuzz/README.md has the fields). */
enum {
	OP_CFG_READ = VDM_FUZZ_PCI_OP_READ,
	OP_CFG_WRITE = VDM_FUZZ_PCI_OP_WRITE,
	OP_PROGRAM_BAR = VDM_FUZZ_PCI_OP_PROGRAM_BAR,
	OP_SIZE_BARS = VDM_FUZZ_PCI_OP_SIZE_BARS,
	OP_WRITE_BAR_RAW = VDM_FUZZ_PCI_OP_WRITE_BAR_RAW,
	OP_REGION_READ = 5,  /* region, offset, size: any shape */
	OP_REGION_WRITE = 6, /* region, offset, size, value: any shape */
	OP_REG_READ = 7,     /* a declared region's register: where, size */
	OP_REG_WRITE = 8,    /* the same, and a value */
	OP_RESET = 9,
	OP_CONTROL = 10,     /* op, arguments */
	OP_CFG_REG_READ = 11, /* a naturally aligned config register */
	OP_CFG_REG_WRITE = 12,
	OP_REG_READ_2 = 13,   /* registers are what a device is made of: more of them */
	OP_REG_WRITE_2 = 14,
	OP_REG_WRITE_3 = 15,
	NUM_OPS = 16,
};

/* ---- findings: count them, name the op, name the device host's death ----------------- */

static void runner_finding(void *opaque, const char *invariant, const char *text)
{
	struct vdm_fuzz *fz = opaque;
	bool host = fz->cfg.sandbox && fz->dev &&
		    (fz->host_failed || vdm_proxy_fault(fz->dev) != VDM_RING_FAULT_NONE);

	if (fz->reporting || fz->findings)
		return; /* the first finding of an input: what follows from it is noise */
	fz->reporting = true;
	fz->findings++;
	if (host)
		/* Everything fails once the device host is gone: say why first.  (The event's
		 * text names the type and the pid.) */
		vdm_fuzz_fail(&fz->cfg.sink, VDM_FUZZ_INV_DEVICE_HOST, "%s, during %s (then: %s)",
			      fz->host_event[0] ? fz->host_event : fz->type_name, fz->op, text);
	else
		vdm_fuzz_fail(&fz->cfg.sink, invariant, "%s: %s (%s)", fz->type_name, text,
			      fz->op);
	fz->reporting = false;
}

/* ---- observations: what the device did, as keys for vdm-fuzz's extra counters -------- */

/* Where a register is: each dword of the first 256 bytes (0..63), each of the last 256 of a
 * region (64..127), else the power of two (128..191). */
static uint32_t where_class(uint64_t off, uint64_t span)
{
	if (off < 256)
		return (uint32_t)(off >> 2);
	if (off < span && span - off <= 256)
		return 64 + (uint32_t)((span - 1 - off) >> 2);
	return 128 + (uint32_t)(63 - __builtin_clzll(off));
}

/* An access of any shape: only whether it is well-formed says something. */
static uint32_t shape_class(uint64_t off, uint32_t size, uint64_t span)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return 192;
	return off < span && size <= span - off ? 193 : 194;
}

static uint32_t size_class(uint32_t size)
{
	return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : size == 8 ? 3 : 4;
}

static uint32_t rc_class(int rc)
{
	return rc == 0 ? 0 : rc == -EINVAL ? 1 : rc == -ERANGE ? 2 : 3;
}

static uint32_t value_class(uint64_t v, uint32_t size)
{
	v &= vdm_fuzz_ones(size);
	return v == 0 ? 0 : v == vdm_fuzz_ones(size) ? 1 : v < 256 ? 2 : 3;
}

/* One observation: the op, which region (7: not a declared one), where, the size, refused
 * or not, and the class of the value read. */
static void observe(struct vdm_fuzz *fz, uint32_t kind, uint32_t region, uint32_t where,
		    uint32_t size, int rc, uint64_t v)
{
	uint32_t key = kind | (region < VDM_MAX_REGIONS ? region : 7) << 4 | where << 7 |
		       size_class(size) << 15 | rc_class(rc) << 18 | value_class(v, size) << 20;

	if (fz->cfg.observe)
		fz->cfg.observe(fz->cfg.observe_opaque, key * 0x9e3779b1u);
}

/* ---- op decoding ----------------------------------------------------------------------- */

static uint64_t region_span(const struct vdm_fuzz *fz, uint32_t region)
{
	if (region < VDM_MAX_REGIONS && fz->dev->res.regions[region].kind != VDM_REGION_NONE)
		return fz->dev->res.regions[region].size;
	return 4096;
}

/* Any region index: mostly 0..6 (one past the last slot), sometimes anything. */
static uint32_t pick_region(struct vdm_fuzz_in *f)
{
	uint8_t b = vdm_fuzz_u8(f);

	if (b < 0xf0)
		return b % (VDM_MAX_REGIONS + 1);
	return b == 0xff ? vdm_fuzz_u32(f) : b;
}

/* A declared region, a size that fits it (mostly 4), and a naturally aligned offset: one of
 * the first 16 registers of that size (half the time: where most devices keep theirs), of
 * the first 256, of the last 256, or anywhere.  False when the device declares no region. */
static bool pick_register(const struct vdm_fuzz *fz, struct vdm_fuzz_in *f, uint32_t *region,
			  uint64_t *off, uint32_t *size)
{
	static const uint32_t sizes[8] = { 4, 4, 4, 4, 4, 1, 2, 8 };
	uint32_t decl[VDM_MAX_REGIONS], n = 0, i;
	uint8_t b = vdm_fuzz_u8(f), r = vdm_fuzz_u8(f);
	uint64_t rsize, idx;

	for (i = 0; i < VDM_MAX_REGIONS; i++)
		if (fz->dev->res.regions[i].kind != VDM_REGION_NONE && fz->dev->res.regions[i].size)
			decl[n++] = i;
	if (!n)
		return false;
	*region = decl[r % n];
	rsize = fz->dev->res.regions[*region].size;
	*size = sizes[b & 7];
	while (*size > rsize)
		*size >>= 1;
	switch ((b >> 3) & 7) {
	case 0: case 1: case 2: case 3:
		idx = vdm_fuzz_u8(f) % 16;
		break;
	case 4: case 5:
		idx = vdm_fuzz_u8(f);
		break;
	case 6:
		idx = rsize / *size - 1 - vdm_fuzz_u8(f) % (rsize / *size);
		break;
	default:
		idx = vdm_fuzz_u64(f);
		break;
	}
	*off = idx * *size % rsize;
	return true;
}

/* Config ops: any shape (0, 1), BAR programming (2), sizing (3), a raw BAR dword (4) in
 * vdm_fuzz_pci_op's format, and naturally aligned registers (11, 12). */
static void op_config(struct vdm_fuzz *fz, uint8_t op, struct vdm_fuzz_in *f)
{
	uint32_t off = 0, size = 4, v = 0, span = fz->pci.cfg_size;
	uint64_t addr;
	uint8_t b, mode;
	unsigned bar;
	int rc = 0;

	switch (op) {
	case OP_CFG_READ:
	case OP_CFG_WRITE:
		off = (uint32_t)vdm_fuzz_offset(f, VDM_PCI_CFG_EXP_SIZE);
		size = vdm_fuzz_access_size(f);
		break;
	case OP_CFG_REG_READ:
	case OP_CFG_REG_WRITE:
		b = vdm_fuzz_u8(f);
		size = (b & 3) == 1 ? 2 : (b & 3) == 2 ? 4 : 1;
		off = (b & 4) ? vdm_fuzz_u8(f) : vdm_fuzz_u16(f) % span;
		off &= ~(size - 1);
		break;
	case OP_WRITE_BAR_RAW:
		off = VDM_PCI_BAR0 + 4 * (vdm_fuzz_u8(f) % VDM_PCI_NUM_BARS);
		break;
	case OP_PROGRAM_BAR:
		bar = vdm_fuzz_u8(f) % 8;
		mode = vdm_fuzz_u8(f);
		addr = vdm_fuzz_u64(f);
		if (mode & 2)
			addr &= 0xffffffffu;
		if ((mode & 1) && bar < VDM_MAX_REGIONS && fz->dev->res.regions[bar].size)
			addr &= ~(fz->dev->res.regions[bar].size - 1);
		snprintf(fz->op, sizeof(fz->op), "op %u: program BAR%u with %#llx", fz->op_no, bar,
			 (unsigned long long)addr);
		vdm_fuzz_pci_program_bar(&fz->pci, bar, addr);
		observe(fz, op, bar, 0, 4, 0, 0);
		return;
	default: /* OP_SIZE_BARS */
		snprintf(fz->op, sizeof(fz->op), "op %u: size every BAR", fz->op_no);
		vdm_fuzz_pci_check_bars(&fz->pci);
		observe(fz, op, 0, 0, 4, 0, 0);
		return;
	}
	if (op == OP_CFG_READ || op == OP_CFG_REG_READ) {
		snprintf(fz->op, sizeof(fz->op), "op %u: config read off=%#x size=%u", fz->op_no,
			 off, size);
		v = vdm_fuzz_pci_cfg_read(&fz->pci, off, size);
	} else {
		v = vdm_fuzz_u32(f);
		if (op == OP_CFG_REG_WRITE)
			v &= (uint32_t)vdm_fuzz_ones(size);
		snprintf(fz->op, sizeof(fz->op), "op %u: config write off=%#x size=%u value=%#x",
			 fz->op_no, off, size, v);
		rc = vdm_fuzz_pci_cfg_write(&fz->pci, off, size, v);
		v = 0;
	}
	observe(fz, op, 0,
		op == OP_CFG_READ || op == OP_CFG_WRITE ? shape_class(off, size, span)
							: where_class(off, span),
		size, rc, v);
}

static void cfg_op_platform(struct vdm_fuzz *fz, uint8_t op, struct vdm_fuzz_in *f)
{
	uint32_t off = (uint32_t)vdm_fuzz_offset(f, VDM_PCI_CFG_EXP_SIZE);
	uint32_t size = vdm_fuzz_access_size(f), v = 0x5a5a5a5a;
	int r;

	snprintf(fz->op, sizeof(fz->op), "op %u: config %s off=%#x size=%u (platform device)",
		 fz->op_no, op == OP_CFG_READ ? "read" : "write", off, size);
	r = op == OP_CFG_READ ? vdm_cfg_read(fz->dev, off, size, &v)
			      : vdm_cfg_write(fz->dev, off, size, vdm_fuzz_u32(f));
	VDM_FUZZ_CHECK(&fz->sink, VDM_FUZZ_INV_ACCESS,
		       r < 0 && (op != OP_CFG_READ || v == 0xffffffffu),
		       "config access to a platform device returned %d value %#x: it has no "
		       "config space (refused, all-ones)", r, v);
	observe(fz, op, 0, 0, 4, r, 0);
}

static void op_control(struct vdm_fuzz *fz, struct vdm_fuzz_in *f)
{
	uint8_t b = vdm_fuzz_u8(f), how;
	uint32_t op, a0, a1;
	uint64_t res = 0;
	int r;

	if (fz->cfg.num_families && b < 0xc0)
		op = VDM_CONTROL_OP(fz->cfg.families[b % fz->cfg.num_families],
				    vdm_fuzz_u8(f) % 16);
	else
		op = vdm_fuzz_u32(f);
	how = vdm_fuzz_u8(f);
	a0 = (how & 1) ? vdm_fuzz_u8(f) : vdm_fuzz_u32(f);
	a1 = (how & 2) ? vdm_fuzz_u8(f) : vdm_fuzz_u32(f);
	snprintf(fz->op, sizeof(fz->op), "op %u: control %#x (%#x, %#x)", fz->op_no, op, a0, a1);
	r = vdm_fuzz_control(&fz->rc, op, a0, a1, &res);
	if (r == 0)
		fz->controlled = true;
	observe(fz, OP_CONTROL, 0, (op & 0xf) | (VDM_CONTROL_FAMILY(op) & 0xf) << 4, 8, r, res);
}

static void op_reset(struct vdm_fuzz *fz)
{
	snprintf(fz->op, sizeof(fz->op), "op %u: reset", fz->op_no);
	vdm_device_reset(fz->dev);
	if (fz->is_pci && !fz->controlled)
		vdm_fuzz_pci_check_space(&fz->pci, fz->pci.power_on, VDM_FUZZ_INV_RESET,
					 "after reset");
	observe(fz, OP_RESET, 0, 0, 4, 0, 0);
}

static void op_region(struct vdm_fuzz *fz, uint8_t op, struct vdm_fuzz_in *f)
{
	bool write = op == OP_REGION_WRITE || op == OP_REG_WRITE || op == OP_REG_WRITE_2 ||
		     op == OP_REG_WRITE_3;
	uint32_t region, size;
	uint64_t off, v;
	int r;

	if (op == OP_REGION_READ || op == OP_REGION_WRITE) {
		region = pick_region(f);
		off = vdm_fuzz_offset(f, region_span(fz, region));
		size = vdm_fuzz_access_size(f);
		v = write ? vdm_fuzz_u64(f) : 0;
	} else {
		if (!pick_register(fz, f, &region, &off, &size))
			return;
		v = write ? vdm_fuzz_u64(f) & vdm_fuzz_ones(size) : 0;
	}
	if (write) {
		snprintf(fz->op, sizeof(fz->op), "op %u: region %u write off=%#llx size=%u "
			 "value=%#llx", fz->op_no, region, (unsigned long long)off, size,
			 (unsigned long long)v);
		r = vdm_fuzz_region_write(&fz->rc, region, off, size, v);
		v = 0;
	} else {
		snprintf(fz->op, sizeof(fz->op), "op %u: region %u read off=%#llx size=%u",
			 fz->op_no, region, (unsigned long long)off, size);
		r = vdm_fuzz_region_read(&fz->rc, region, off, size, &v);
	}
	if (op == OP_REGION_READ || op == OP_REGION_WRITE)
		observe(fz, op, region, shape_class(off, size, region_span(fz, region)), size, r, v);
	else
		observe(fz, write ? OP_REG_WRITE : OP_REG_READ, region,
			where_class(off, region_span(fz, region)), size, r, v);
}

/* Run one op; returns true when it may change config space (a config write, BAR programming
 * or sizing, a reset, host control): what the read-only checks must look after. */
static bool run_op(struct vdm_fuzz *fz, struct vdm_fuzz_in *f)
{
	uint8_t op = vdm_fuzz_u8(f) % NUM_OPS;

	switch (op) {
	case OP_CFG_READ:
	case OP_CFG_WRITE:
	case OP_PROGRAM_BAR:
	case OP_SIZE_BARS:
	case OP_WRITE_BAR_RAW:
	case OP_CFG_REG_READ:
	case OP_CFG_REG_WRITE:
		if (fz->is_pci)
			op_config(fz, op, f);
		else if (op == OP_CFG_READ || op == OP_CFG_WRITE)
			cfg_op_platform(fz, op, f);
		return op != OP_CFG_READ && op != OP_CFG_REG_READ;
	case OP_RESET:
		op_reset(fz);
		return true;
	case OP_CONTROL:
		op_control(fz, f);
		return true;
	default:
		op_region(fz, op, f);
		return false;
	}
}

/* ---- one input ------------------------------------------------------------------------- */

/* Right after create: what the device declares is well-formed and agrees with its config
 * space; the power-on image and the read-only fields are recorded. */
static void start_checks(struct vdm_fuzz *fz)
{
	struct vdm_device *dev = fz->dev;
	char err[256];
	uint8_t pin, type;

	fz->rc.dev = dev;
	fz->rc.sink = fz->sink;
	fz->rc.posted_writes = fz->cfg.sandbox;
	fz->is_pci = dev->res.bus_kind == VDM_BUS_PCI_ENDPOINT ||
		     dev->res.bus_kind == VDM_BUS_PCI_BRIDGE;
	snprintf(fz->op, sizeof(fz->op), "right after create");
	/* (A device host runs this check itself before it says READY.) */
	if (!fz->cfg.sandbox && vdm_device_check(dev, fz->type->bus_kind, err, sizeof(err)))
		vdm_fuzz_fail(&fz->sink, VDM_FUZZ_INV_DECLARATION, "vdm_device_check: %s", err);
	if (!fz->is_pci || fz->findings)
		return;
	vdm_fuzz_pci_init(&fz->pci, dev, 0, NULL, &fz->sink);
	pin = fz->pci.power_on[VDM_PCI_INTERRUPT_PIN];
	type = fz->pci.power_on[VDM_PCI_HEADER_TYPE] & 0x7f;
	VDM_FUZZ_CHECK(&fz->sink, VDM_FUZZ_INV_DECLARATION, (pin != 0) == (dev->res.num_irqs == 1),
		       "interrupt pin %u in config space but %u interrupt line(s) declared: a PCI "
		       "function declares 1 exactly when it has a pin", pin, dev->res.num_irqs);
	VDM_FUZZ_CHECK(&fz->sink, VDM_FUZZ_INV_DECLARATION,
		       type == (dev->res.bus_kind == VDM_BUS_PCI_BRIDGE ? VDM_PCI_HEADER_TYPE_BRIDGE
									  : VDM_PCI_HEADER_TYPE_NORMAL),
		       "header type %u for a device declared as a PCI %s", type,
		       dev->res.bus_kind == VDM_BUS_PCI_BRIDGE ? "bridge" : "endpoint");
}

static void end_checks(struct vdm_fuzz *fz)
{
	snprintf(fz->op, sizeof(fz->op), "end of input, after op %u: final checks", fz->op_no);
	vdm__fuzz_sync(fz);
	vdm__fuzz_after_op(fz, false);
	if (fz->is_pci && !fz->findings) {
		vdm_fuzz_pci_check_bars(&fz->pci);
		vdm_fuzz_pci_check_ro(&fz->pci);
		vdm__fuzz_sync(fz);
		vdm__fuzz_after_op(fz, false);
	}
}

int vdm_fuzz_run(struct vdm_fuzz *fz, const uint8_t *data, size_t size)
{
	unsigned max = fz->cfg.max_ops ? fz->cfg.max_ops : DEFAULT_MAX_OPS;
	struct vdm_fuzz_in f;
	char err[512];
	bool config;
	int r;

	fz->findings = 0;
	fz->controlled = false;
	fz->op_no = 0;
	snprintf(fz->op, sizeof(fz->op), "creating the device");
	r = vdm__fuzz_create(fz, err, sizeof(err));
	if (r) {
		vdm_fuzz_fail(&fz->sink, VDM_FUZZ_INV_CREATE,
			      "create failed (%d) for a spec it took before: %s", r, err);
		goto out;
	}
	start_checks(fz);
	vdm_fuzz_in_init(&f, data, size);
	while (!fz->findings && fz->op_no < max && vdm_fuzz_more(&f)) {
		fz->op_no++;
		config = run_op(fz, &f);
		/*
		 * In-process every check after every op is cheap.  Sandboxed a read costs a round
		 * trip and writes are posted: after a region access only the proxy's own state is
		 * looked at (a device host that died is noticed by the access itself); the device
		 * host's log, interrupt lines and the read-only fields after ops that touch config
		 * space, and everything at the end of the input.
		 */
		if (!fz->findings)
			vdm__fuzz_after_op(fz, !config);
		if (fz->is_pci && !fz->findings && (!fz->cfg.sandbox || config))
			vdm_fuzz_pci_check_ro(&fz->pci);
		if (fz->cfg.trace)
			fz->cfg.trace(fz->cfg.trace_opaque, fz->op);
	}
	if (!fz->findings)
		end_checks(fz);
	vdm__fuzz_destroy(fz);
out:
	fz->op[0] = 0;
	return (int)fz->findings;
}

/* ---- open / close ---------------------------------------------------------------------- */

static void fmt_size(char *buf, size_t len, uint64_t v)
{
	static const char unit[] = "KMGTPE";
	int u = -1;

	while (v >= 1024 && !(v & 1023) && u < 5) {
		v >>= 10;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%llu bytes", (unsigned long long)v);
	else
		snprintf(buf, len, "%llu %ciB", (unsigned long long)v, unit[u]);
}

static void describe(struct vdm_fuzz *fz)
{
	static const char *const kinds[] = { "", "I/O", "MEM32", "MEM64" };
	const struct vdm_resources *res = &fz->dev->res;
	char *s = fz->summary, sz[32];
	size_t len = sizeof(fz->summary), n;
	uint32_t i, off = 0;

	n = (size_t)snprintf(s, len, "%s %s%s, %s: ", fz->type_name,
			     fz->plugin ? "from " : "(built-in)", fz->plugin ? fz->plugin : "",
			     fz->cfg.sandbox ? "sandboxed" : "in-process");
	if (res->bus_kind == VDM_BUS_PLATFORM)
		n += (size_t)snprintf(s + n, n < len ? len - n : 0, "platform device");
	else
		n += (size_t)snprintf(s + n, n < len ? len - n : 0, "PCI %s, %s config space",
				      res->bus_kind == VDM_BUS_PCI_BRIDGE ? "bridge" : "endpoint",
				      vdm_pci_find_cap(fz->dev, VDM_PCI_CAP_ID_EXP, &off) == 0
					      ? "4 KiB (Express)"
					      : "256-byte");
	for (i = 0; i < VDM_MAX_REGIONS; i++) {
		if (res->regions[i].kind == VDM_REGION_NONE || res->regions[i].kind > 3)
			continue;
		fmt_size(sz, sizeof(sz), res->regions[i].size);
		n += (size_t)snprintf(s + n, n < len ? len - n : 0, ", %s%u %s%s %s",
				      res->bus_kind == VDM_BUS_PLATFORM ? "region" : "BAR", i,
				      kinds[res->regions[i].kind],
				      (res->regions[i].flags & VDM_REGION_PREFETCHABLE) ? " pref"
											 : "",
				      sz);
	}
	snprintf(s + n, n < len ? len - n : 0, ", %u interrupt line(s)", res->num_irqs);
}

int vdm_fuzz_open(const struct vdm_fuzz_config *cfg, struct vdm_fuzz **out, char *err,
		  size_t err_len)
{
	struct vdm_fuzz *fz;
	int r;

	*out = NULL;
	if (!cfg || !vdm_abi_compatible(cfg->abi_version) ||
	    cfg->struct_size < offsetof(struct vdm_fuzz_config, trace)) {
		if (err_len)
			snprintf(err, err_len, "vdm_fuzz_open: a struct vdm_fuzz_config of another "
				 "version (initialise it with VDM_STRUCT_HEAD)");
		return -EINVAL;
	}
	fz = calloc(1, sizeof(*fz));
	if (!fz)
		return -ENOMEM;
	for (r = 0; r < VDM_MAX_IRQS; r++)
		fz->irqfds[r] = -1;
	memcpy(&fz->cfg, cfg, cfg->struct_size < sizeof(fz->cfg) ? cfg->struct_size
								 : sizeof(fz->cfg));
	fz->plugin = cfg->plugin ? strdup(cfg->plugin) : NULL;
	fz->spec = cfg->spec ? strdup(cfg->spec) : NULL;
	fz->devhost = cfg->devhost ? strdup(cfg->devhost) : NULL;
	fz->cfg.plugin = fz->plugin;
	fz->cfg.spec = fz->spec;
	fz->cfg.devhost = fz->devhost;
	if (fz->cfg.num_families > VDM_FUZZ_MAX_FAMILIES)
		fz->cfg.num_families = VDM_FUZZ_MAX_FAMILIES;
	fz->sink.fn = runner_finding;
	fz->sink.opaque = fz;
	if ((cfg->plugin && !fz->plugin) || (cfg->spec && !fz->spec) ||
	    (cfg->devhost && !fz->devhost)) {
		vdm_fuzz_close(fz);
		return -ENOMEM;
	}
	r = vdm__fuzz_prepare(fz, err, err_len);
	if (!r)
		r = vdm__fuzz_create(fz, err, err_len);
	if (r) {
		vdm_fuzz_close(fz);
		return r;
	}
	describe(fz);
	vdm__fuzz_destroy(fz);
	*out = fz;
	return 0;
}

const char *vdm_fuzz_summary(const struct vdm_fuzz *fz)
{
	return fz->summary;
}

const char *vdm_fuzz_current_op(const struct vdm_fuzz *fz)
{
	return fz ? fz->op : "";
}

void vdm_fuzz_close(struct vdm_fuzz *fz)
{
	if (!fz)
		return;
	vdm__fuzz_destroy(fz);
	vdm__fuzz_unprepare(fz);
	free(fz->plugin);
	free(fz->spec);
	free(fz->devhost);
	free(fz);
}
