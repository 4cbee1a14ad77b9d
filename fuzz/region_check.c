/* Region and host-control checks of libvdm-fuzz: device.h's rules for BAR / MMIO handlers
 * (refusals read all-ones, values fit, undeclared regions refused, VDM_PURE_REGION kept). */
#include <errno.h>

#include <vdm/fuzz.h>

static const struct vdm_region_decl *declared(const struct vdm_device *dev, uint32_t region)
{
	if (region >= VDM_MAX_REGIONS || dev->res.regions[region].kind == VDM_REGION_NONE)
		return NULL;
	return &dev->res.regions[region];
}

/* A well-formed access: a size the handlers take and every byte inside the region. */
static bool inside(const struct vdm_region_decl *d, uint64_t off, uint32_t size)
{
	return (size == 1 || size == 2 || size == 4 || size == 8) && off < d->size &&
	       size <= d->size - off;
}

static bool refused_rc(int r)
{
	return r == -EINVAL || r == -ERANGE;
}

/* VDM_PURE_REGION: the read repeats, and its bytes are those of the dword read(s). */
static void check_pure_read(const struct vdm_fuzz_region_ctx *c, uint32_t region, uint64_t off,
			    uint32_t size, uint64_t v)
{
	const struct vdm_region_decl *d = declared(c->dev, region);
	uint64_t v2 = 0, dw = 0, lo = 0, hi = 0, base = off & ~3ull;
	int r;

	r = vdm_bar_read(c->dev, region, off, size, &v2);
	VDM_FUZZ_CHECK(&c->sink, VDM_FUZZ_INV_PURE, r == 0 && v2 == v,
		       "region %u (VDM_PURE_REGION) read off=%#llx size=%u gave %#llx, then %#llx "
		       "(%d): a pure read has no side effect", region, (unsigned long long)off,
		       size, (unsigned long long)v, (unsigned long long)v2, r);
	if (off & (size - 1))
		return; /* the promise covers naturally aligned reads */
	if (size == 8) {
		int r2;

		r = vdm_bar_read(c->dev, region, off, 4, &lo);
		r2 = vdm_bar_read(c->dev, region, off + 4, 4, &hi);
		dw = lo | hi << 32;
		VDM_FUZZ_CHECK(&c->sink, VDM_FUZZ_INV_PURE, !r && !r2 && dw == v,
			       "region %u (VDM_PURE_REGION) read off=%#llx size 8 gave %#llx, its "
			       "dwords %#llx (%d, %d)", region, (unsigned long long)off,
			       (unsigned long long)v, (unsigned long long)dw, r, r2);
		return;
	}
	if (size == 4 || base + 4 > d->size)
		return;
	r = vdm_bar_read(c->dev, region, base, 4, &dw);
	dw = (dw >> (8 * (off - base))) & vdm_fuzz_ones(size);
	VDM_FUZZ_CHECK(&c->sink, VDM_FUZZ_INV_PURE, r == 0 && dw == v,
		       "region %u (VDM_PURE_REGION) read off=%#llx size=%u gave %#llx, its dword "
		       "says %#llx (%d)", region, (unsigned long long)off, size,
		       (unsigned long long)v, (unsigned long long)dw, r);
}

int vdm_fuzz_region_read(const struct vdm_fuzz_region_ctx *c, uint32_t region, uint64_t off,
			 uint32_t size, uint64_t *value)
{
	const struct vdm_region_decl *d = declared(c->dev, region);
	uint64_t v = 0x5a5a5a5a5a5a5a5aull, ones = vdm_fuzz_ones(size);
	int r = vdm_bar_read(c->dev, region, off, size, &v);

	*value = v;
	if (!d) {
		VDM_FUZZ_CHECK(&c->sink, VDM_FUZZ_INV_UNDECLARED, r < 0 && (v & ones) == ones,
			       "read of undeclared region %u off=%#llx size=%u returned %d value "
			       "%#llx: it must be refused with all-ones", region,
			       (unsigned long long)off, size, r, (unsigned long long)v);
		return r;
	}
	if (!inside(d, off, size)) {
		VDM_FUZZ_CHECK(&c->sink, VDM_FUZZ_INV_ACCESS, refused_rc(r) && (v & ones) == ones,
			       "region %u read off=%#llx size=%u (region %#llx bytes) returned %d "
			       "value %#llx: device.h says refused (-EINVAL/-ERANGE) with all-ones",
			       region, (unsigned long long)off, size, (unsigned long long)d->size,
			       r, (unsigned long long)v);
		return r;
	}
	if (r) {
		VDM_FUZZ_CHECK(&c->sink, VDM_FUZZ_INV_ACCESS, refused_rc(r) && (v & ones) == ones,
			       "region %u read off=%#llx size=%u refused with %d value %#llx: a "
			       "refusal is -EINVAL/-ERANGE and reads all-ones", region,
			       (unsigned long long)off, size, r, (unsigned long long)v);
		VDM_FUZZ_CHECK(&c->sink, VDM_FUZZ_INV_PURE,
			       !(vdm_device_pure_reads(c->dev) & VDM_PURE_REGION(region)) ||
				       (off & (size - 1)),
			       "region %u (VDM_PURE_REGION) refused an aligned read off=%#llx "
			       "size=%u (%d): a pure region answers any naturally aligned read",
			       region, (unsigned long long)off, size, r);
		return r;
	}
	VDM_FUZZ_CHECK(&c->sink, VDM_FUZZ_INV_ACCESS, size == 8 || !(v >> (8 * size)),
		       "region %u read off=%#llx size=%u gave %#llx: more bits than the access "
		       "has", region, (unsigned long long)off, size, (unsigned long long)v);
	if (vdm_device_pure_reads(c->dev) & VDM_PURE_REGION(region))
		check_pure_read(c, region, off, size, v);
	return r;
}

int vdm_fuzz_region_write(const struct vdm_fuzz_region_ctx *c, uint32_t region, uint64_t off,
			  uint32_t size, uint64_t value)
{
	const struct vdm_region_decl *d = declared(c->dev, region);
	int r = vdm_bar_write(c->dev, region, off, size, value);

	if (c->posted_writes && r == 0)
		return r; /* queued: the device's verdict is not known here */
	if (!d) {
		VDM_FUZZ_CHECK(&c->sink, VDM_FUZZ_INV_UNDECLARED, r < 0,
			       "write to undeclared region %u off=%#llx size=%u returned %d: it "
			       "must be refused", region, (unsigned long long)off, size, r);
		return r;
	}
	if (!inside(d, off, size)) {
		VDM_FUZZ_CHECK(&c->sink, VDM_FUZZ_INV_ACCESS, refused_rc(r),
			       "region %u write off=%#llx size=%u (region %#llx bytes) returned %d: "
			       "device.h says -EINVAL/-ERANGE", region, (unsigned long long)off,
			       size, (unsigned long long)d->size, r);
		return r;
	}
	VDM_FUZZ_CHECK(&c->sink, VDM_FUZZ_INV_ACCESS, r == 0 || refused_rc(r),
		       "region %u write off=%#llx size=%u returned %d: a handler returns 0, "
		       "-EINVAL or -ERANGE", region, (unsigned long long)off, size, r);
	return r;
}

int vdm_fuzz_control(const struct vdm_fuzz_region_ctx *c, uint32_t op, uint32_t arg0,
		     uint32_t arg1, uint64_t *result)
{
	int r;

	*result = 0;
	r = vdm_device_control(c->dev, op, arg0, arg1, result);
	if (!vdm_device_has_control(c->dev)) {
		VDM_FUZZ_CHECK(&c->sink, VDM_FUZZ_INV_CONTROL, r == -EOPNOTSUPP && *result == 0,
			       "control %#x on a device without a control handler returned %d "
			       "result %#llx", op, r, (unsigned long long)*result);
		return r;
	}
	VDM_FUZZ_CHECK(&c->sink, VDM_FUZZ_INV_CONTROL, r <= 0 && r >= -4095,
		       "control %#x (%#x, %#x) returned %d: 0 or a negative errno", op, arg0, arg1,
		       r);
	VDM_FUZZ_CHECK(&c->sink, VDM_FUZZ_INV_CONTROL, r == 0 || *result == 0,
		       "control %#x (%#x, %#x) refused (%d) but set result %#llx", op, arg0, arg1,
		       r, (unsigned long long)*result);
	return r;
}
