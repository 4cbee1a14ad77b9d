/* libFuzzer target: the property-string parser (vdm_props_parse/_parse_args against the
 * built-in types and test schemas) and vdm_parse_size, with schema and round-trip checks. */
#include <errno.h>
#include <string.h>

#include <vdm/builtin.h>
#include <vdm/device.h>
#include <vdm/props.h>

#include "fuzz_input.h"

/*
 * Input: a mode byte, the error-buffer length, the format-buffer length, then the text
 * (cut at the first NUL).  Modes: vdm_parse_size; vdm_props_parse of a whole spec; and
 * vdm_props_parse_args for one type.  Invariants (abort on violation):
 *  - vdm_parse_size agrees with an independent reference grammar (decimal or 0x hex digits,
 *    optional K/M/G/T, binary multiples): same verdict (-EINVAL not a size, -ERANGE too
 *    big) and the same value;
 *  - success: every value's schema entry belongs to the type or the common list, no entry
 *    twice, required ones present; sizes/u32 within [min, max] (0 = the type's limit),
 *    pow2 honoured, the number equals the reference parse of the text; booleans 0/1 from a
 *    known word; strings 1..63 of [A-Za-z0-9_.-]; "name=text" occurs in the input;
 *  - vdm_props_format: returns the full length, never writes past `len`, truncates to a
 *    prefix, and its output parses back to the same values;
 *  - failure: a message (when there is room) and empty output;
 *  - a built-in type whose properties parsed is created (or refused with a message) and its
 *    declared resources follow the properties.
 */

#define PR_TEXT_MAX 4096

static const struct vdm_prop_desc pr_fake_props[] = {
	{ .name = "name", .type = VDM_PROP_STRING, .flags = VDM_PROP_REQUIRED, .help = "a name" },
	{ .name = "flag", .type = VDM_PROP_BOOL, .help = "a switch" },
	{ .name = "size", .type = VDM_PROP_SIZE, .flags = VDM_PROP_POW2, .min = 4096,
	  .max = 1ull << 40, .help = "pow2 4K..1T" },
	{ .name = "count", .type = VDM_PROP_U32, .min = 1, .max = 64, .help = "1..64" },
	{ .name = "any", .type = VDM_PROP_SIZE, .help = "any size" },
	{ .name = "n32", .type = VDM_PROP_U32, .help = "any u32" },
	{ .name = "big", .type = VDM_PROP_SIZE, .min = 1ull << 63, .help = "at least 2^63" },
};

static const struct vdm_device_type pr_fake_type = {
	VDM_STRUCT_HEAD(struct vdm_device_type),
	.name = "fake",
	.summary = "fuzz schema with every property type",
	.props_schema = pr_fake_props,
	.num_props = sizeof(pr_fake_props) / sizeof(pr_fake_props[0]),
	.bus_kind = VDM_BUS_PLATFORM,
};

/* A type with no schema but a nonzero count (must be tolerated). */
static const struct vdm_device_type pr_empty_type = {
	VDM_STRUCT_HEAD(struct vdm_device_type),
	.name = "empty",
	.num_props = 3,
	.bus_kind = VDM_BUS_PLATFORM,
};

static const struct vdm_prop_desc pr_common[] = {
	{ .name = "id", .type = VDM_PROP_STRING, .help = "device id" },
	{ .name = "bus", .type = VDM_PROP_STRING, .help = "parent bus" },
	{ .name = "addr", .type = VDM_PROP_U32, .min = 0, .max = 31, .help = "slot" },
};
#define PR_NCOMMON (sizeof(pr_common) / sizeof(pr_common[0]))

/* ---- reference number grammar -------------------------------------------------------------- */

static int pr_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Digits only (decimal, or hex after 0x): -EINVAL if not that, -ERANGE past 64 bits. */
static int pr_ref_number(const char *s, size_t len, uint64_t *out)
{
	unsigned base = 10;
	size_t i = 0;
	uint64_t v = 0;
	bool big = false;

	if (len >= 2 && s[0] == '0' && pr_lower(s[1]) == 'x') {
		base = 16;
		i = 2;
	}
	if (i == len)
		return -EINVAL;
	for (; i < len; i++) {
		int c = pr_lower((unsigned char)s[i]), d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return -EINVAL;
		if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, (uint64_t)d, &v))
			big = true;
	}
	if (big)
		return -ERANGE;
	*out = v;
	return 0;
}

static int pr_ref_size(const char *s, size_t len, uint64_t *out)
{
	static const char sfx[] = "kmgt";
	const char *p = len ? strchr(sfx, pr_lower((unsigned char)s[len - 1])) : NULL;
	unsigned shift = (p && *p) ? 10 * (unsigned)(p - sfx + 1) : 0;
	uint64_t v;
	int r = pr_ref_number(s, shift ? len - 1 : len, &v);

	if (r)
		return r;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

static void pr_check_parse_size(const char *text)
{
	uint64_t got = 0x1234, want = 0x5678;
	int r = vdm_parse_size(text, &got), w = pr_ref_size(text, strlen(text), &want);

	/* F1 (fixed in c8027fe): digits that overflow before a character that is not a digit
	 * gave -ERANGE ("does not fit in 64 bits") instead of -EINVAL ("not a size"). */
	FUZZ_CHECK(r == w, "vdm_parse_size(\"%.60s\") returned %d, the grammar says %d", text, r, w);
	if (!r)
		FUZZ_CHECK(got == want, "vdm_parse_size(\"%.60s\") = %#llx, the grammar says %#llx",
			   text, (unsigned long long)got, (unsigned long long)want);
}

/* ---- checks on a parse result ---------------------------------------------------------- */

static bool pr_in_schema(const struct vdm_prop_desc *d, const struct vdm_device_type *t)
{
	uint32_t i;

	for (i = 0; t->props_schema && i < t->num_props; i++)
		if (d == &t->props_schema[i])
			return true;
	for (i = 0; i < PR_NCOMMON; i++)
		if (d == &pr_common[i])
			return true;
	return false;
}

static bool pr_is_bool_word(const char *s)
{
	static const char *const words[] = { "on", "off", "true", "false", "yes", "no", "1", "0" };
	size_t i, j;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		for (j = 0; s[j] && words[i][j] && pr_lower((unsigned char)s[j]) == words[i][j]; j++)
			;
		if (!s[j] && !words[i][j])
			return true;
	}
	return false;
}

static void pr_check_value(const struct vdm_prop_value *v, const char *args)
{
	const struct vdm_prop_desc *d = v->desc;
	uint64_t ref = 0, max;
	size_t len = strnlen(v->str, VDM_PROP_STR_MAX), i;
	char item[VDM_PROP_STR_MAX + 64];
	int r;

	FUZZ_CHECK(len < VDM_PROP_STR_MAX, "%s: value text not terminated", d->name);
	snprintf(item, sizeof(item), "%s=%s", d->name, v->str);
	FUZZ_CHECK(strstr(args, item) != NULL, "parsed %s, which the input does not contain", item);
	switch (d->type) {
	case VDM_PROP_SIZE:
	case VDM_PROP_U32:
		r = d->type == VDM_PROP_SIZE ? pr_ref_size(v->str, len, &ref)
					     : pr_ref_number(v->str, len, &ref);
		FUZZ_CHECK(r == 0 && ref == v->num, "%s: %#llx but the text says %#llx (%d)", item,
			   (unsigned long long)v->num, (unsigned long long)ref, r);
		max = d->max ? d->max : d->type == VDM_PROP_U32 ? UINT32_MAX : UINT64_MAX;
		FUZZ_CHECK(v->num >= d->min && v->num <= max, "%s: outside [%#llx, %#llx]", item,
			   (unsigned long long)d->min, (unsigned long long)max);
		FUZZ_CHECK(!(d->flags & VDM_PROP_POW2) || !(v->num & (v->num - 1)),
			   "%s: accepted though not a power of two", item);
		break;
	case VDM_PROP_BOOL:
		FUZZ_CHECK(v->num <= 1 && pr_is_bool_word(v->str), "%s: boolean %llu", item,
			   (unsigned long long)v->num);
		break;
	case VDM_PROP_STRING:
		FUZZ_CHECK(len > 0, "%s: empty string accepted", item);
		for (i = 0; i < len; i++) {
			char c = v->str[i];

			FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
					   (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-',
				   "%s: character %#x accepted", item, (unsigned char)c);
		}
		break;
	default:
		FUZZ_CHECK(0, "%s: accepted a value of unknown type %u", item, d->type);
	}
}

static void pr_check_values(const struct vdm_prop_values *pv, const struct vdm_device_type *t,
			    const char *args)
{
	uint32_t i, j;

	FUZZ_CHECK(pv->count <= VDM_PROPS_MAX, "%u values", pv->count);
	for (i = 0; i < pv->count; i++) {
		FUZZ_CHECK(pv->v[i].desc && pr_in_schema(pv->v[i].desc, t),
			   "value %u has a schema entry from elsewhere", i);
		for (j = 0; j < i; j++)
			FUZZ_CHECK(pv->v[j].desc != pv->v[i].desc, "%s given twice was accepted",
				   pv->v[i].desc->name);
		pr_check_value(&pv->v[i], args);
		FUZZ_CHECK(vdm_props_has(pv, pv->v[i].desc->name) &&
				   vdm_props_num(pv, pv->v[i].desc->name, 7) == pv->v[i].num &&
				   vdm_props_str(pv, pv->v[i].desc->name, NULL) == pv->v[i].str,
			   "look-ups disagree for %s", pv->v[i].desc->name);
	}
	for (i = 0; t->props_schema && i < t->num_props; i++)
		if (t->props_schema[i].flags & VDM_PROP_REQUIRED)
			FUZZ_CHECK(vdm_props_has(pv, t->props_schema[i].name),
				   "required %s missing but accepted", t->props_schema[i].name);
}

/* vdm_props_format into a buffer of `len` bytes, then parse the full text back. */
static void pr_check_format(const struct vdm_prop_values *pv, const struct vdm_device_type *t,
			    size_t len)
{
	char full[VDM_PROPS_MAX * (VDM_PROP_STR_MAX + 24)], err[200];
	char *small = malloc(len ? len : 1);
	struct vdm_prop_values back;
	size_t need = vdm_props_format(pv, full, sizeof(full)), n;
	uint32_t i;
	int r;

	FUZZ_CHECK(need == strlen(full) && need < sizeof(full), "format returned %zu for %zu bytes",
		   need, strlen(full));
	if (small) {
		n = vdm_props_format(pv, small, len);
		FUZZ_CHECK(n == need, "format into %zu bytes returned %zu, full length %zu", len, n,
			   need);
		if (len)
			FUZZ_CHECK(strlen(small) < len && strncmp(small, full, strlen(small)) == 0 &&
					   strlen(small) == (need < len ? need : len - 1),
				   "format into %zu bytes wrote \"%s\" for \"%s\"", len, small, full);
		free(small);
	}
	FUZZ_CHECK(vdm_props_format(pv, NULL, 0) == need, "format(NULL, 0) differs");
	r = vdm_props_parse_args(full, t, pr_common, PR_NCOMMON, &back, err, sizeof(err));
	FUZZ_CHECK(r == 0, "formatted \"%s\" does not parse back: %s", full, err);
	FUZZ_CHECK(back.count == pv->count, "\"%s\" parses back to %u values, not %u", full,
		   back.count, pv->count);
	for (i = 0; i < pv->count; i++)
		FUZZ_CHECK(back.v[i].desc == pv->v[i].desc && back.v[i].num == pv->v[i].num &&
				   strcmp(back.v[i].str, pv->v[i].str) == 0,
			   "\"%s\": value %u differs after the round trip", full, i);
}

/* A built-in type whose properties parsed: create it and check what it declares. */
static void pr_check_create(const struct vdm_device_type *t, const struct vdm_prop_values *pv)
{
	struct vdm_device *dev = (struct vdm_device *)(uintptr_t)1;
	char err[200] = "";
	uint64_t membar;
	int r;

	if (!t->create)
		return;
	r = t->create(pv, NULL, &dev, err, sizeof(err));
	if (r) {
		FUZZ_CHECK(r < 0 && dev == NULL && err[0], "%s: create failed (%d) without a message",
			   t->name, r);
		return;
	}
	FUZZ_CHECK(dev && dev->type == t && dev->ops && dev->res.bus_kind == t->bus_kind,
		   "%s: created device does not describe its type", t->name);
	if (strcmp(t->name, "testdev") == 0) {
		membar = vdm_props_num(pv, "membar", 0);
		FUZZ_CHECK(dev->res.regions[2].size == membar,
			   "testdev membar=%#llx declares BAR2 of %#llx", (unsigned long long)membar,
			   (unsigned long long)dev->res.regions[2].size);
	}
	vdm_device_destroy(dev);
}

static void pr_check_failure(int r, const struct vdm_prop_values *pv, const char *err,
			     size_t err_len, const char *text)
{
	FUZZ_CHECK(r < 0, "parse returned %d", r);
	FUZZ_CHECK(pv->count == 0, "failed parse of \"%.60s\" left %u values", text, pv->count);
	if (err && err_len > 1)
		FUZZ_CHECK(err[0] != '\0' && strnlen(err, err_len) < err_len,
			   "failed parse of \"%.60s\" without a terminated message", text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct vdm_device_type *types[8], *t = NULL;
	const struct vdm_device_type *const *builtin;
	struct vdm_prop_values *pv;
	struct vdm_fuzz_in f;
	size_t nb, nt, i, err_len, fmt_len;
	uint8_t mode;
	uint64_t dummy;
	char *text, *err;
	int r;

	vdm_fuzz_in_init(&f, data, size);
	mode = vdm_fuzz_u8(&f);
	err_len = vdm_fuzz_u8(&f);
	fmt_len = vdm_fuzz_u8(&f);
	if (f.n - f.pos > PR_TEXT_MAX)
		return 0;
	text = malloc(f.n - f.pos + 1);
	err = err_len ? malloc(err_len) : NULL; /* exact size: ASan sees any overrun */
	pv = malloc(sizeof(*pv));
	if (!text || !pv || (err_len && !err))
		goto out;
	memcpy(text, f.p + f.pos, f.n - f.pos);
	text[f.n - f.pos] = '\0';

	builtin = vdm_builtin_types(&nb);
	for (nt = 0; nt < nb && nt < 6; nt++)
		types[nt] = builtin[nt];
	types[nt++] = &pr_fake_type;
	types[nt++] = &pr_empty_type;

	switch (mode % 3) {
	case 0:
		pr_check_parse_size(text);
		FUZZ_CHECK(vdm_parse_size(NULL, &dummy) == -EINVAL, "parse_size(NULL) accepted");
		goto out;
	case 1:
		r = vdm_props_parse(text, types, nt, pr_common, (mode & 4) ? PR_NCOMMON : 0, &t, pv,
				    err, err_len);
		if (r) {
			pr_check_failure(r, pv, err, err_len, text);
			goto out;
		}
		FUZZ_CHECK(t != NULL, "parse succeeded without a type");
		/* The type name, or a former name it has (vdm_props_type_alias), is what precedes
		 * the first comma. */
		i = strcspn(text, ",");
		FUZZ_CHECK((strlen(t->name) == i && strncmp(text, t->name, i) == 0) ||
				   (vdm_props_type_alias(text, i) &&
				    !strcmp(vdm_props_type_alias(text, i), t->name)),
			   "\"%.60s\" parsed as type %s", text, t->name);
		break;
	default:
		t = types[(mode >> 2) % nt];
		r = vdm_props_parse_args(text, t, pr_common, (mode & 0x80) ? PR_NCOMMON : 0, pv, err,
					 err_len);
		if (r) {
			pr_check_failure(r, pv, err, err_len, text);
			goto out;
		}
		break;
	}
	pr_check_values(pv, t, text);
	pr_check_format(pv, t, fmt_len);
	pr_check_create(t, pv);
out:
	free(text);
	free(err);
	free(pv);
	return 0;
}
