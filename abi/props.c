/* The property-string parser: "driver,key=value,..." checked against a device type's schema
 * (sizes, numbers, booleans, strings, bounds), with one-line errors that name the fix. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <vdm/device.h>
#include <vdm/props.h>

/* How much of an offending item an error message quotes before cutting it with "...". */
#define SHOW_MAX 40

static void errf(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void errf(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	if (!err || err_len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
}

/* Copy `len` bytes of `s` for an error message, cut to SHOW_MAX with "..." appended. */
static const char *show(char *buf, size_t buf_len, const char *s, size_t len)
{
	if (len > SHOW_MAX)
		snprintf(buf, buf_len, "%.*s...", SHOW_MAX, s);
	else
		snprintf(buf, buf_len, "%.*s", (int)len, s);
	return buf;
}

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Parse the number at s[0..len): decimal or 0x hex digits only (no sign, no blanks).
 * Returns 0, -EINVAL (not a number) or -ERANGE (more than 64 bits).
 */
static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;
	size_t i = 0, start;
	int d, overflow = 0;

	if (len >= 2 && s[0] == '0' && lower(s[1]) == 'x') {
		base = 16;
		i = 2;
	}
	if (i == len)
		return -EINVAL;
	/* Check every character first: garbage after many digits is "not a number", not
	 * "too big" (found by fuzz_props, regression test F1). */
	for (start = i; i < len; i++) {
		d = hexval((unsigned char)s[i]);
		if (d < 0 || (unsigned)d >= base)
			return -EINVAL;
	}
	for (i = start; i < len; i++) {
		d = hexval((unsigned char)s[i]);
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			overflow = 1;
		v = v * base + (uint64_t)d;
	}
	if (overflow)
		return -ERANGE;
	*out = v;
	return 0;
}

static int parse_size_n(const char *s, size_t len, uint64_t *out)
{
	unsigned shift = 0;
	uint64_t v;
	int rc;

	if (len > 0) {
		switch (lower((unsigned char)s[len - 1])) {
		case 'k': shift = 10; break;
		case 'm': shift = 20; break;
		case 'g': shift = 30; break;
		case 't': shift = 40; break;
		default: break;
		}
		/* K, M, G and T are not hex digits, so "0x1b" stays hex. */
		if (shift)
			len--;
	}
	rc = parse_u64(s, len, &v);
	if (rc)
		return rc;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

int vdm_parse_size(const char *text, uint64_t *out)
{
	uint64_t v;
	int rc;

	if (!text || !out)
		return -EINVAL;
	rc = parse_size_n(text, strlen(text), &v);
	if (rc == 0)
		*out = v;
	return rc;
}

/* Write a size the way a user would type it: the largest exact binary suffix. */
static void fmt_size(char *buf, size_t len, uint64_t v)
{
	static const char sfx[] = "TGMK";
	static const unsigned shifts[] = { 40, 30, 20, 10 };
	size_t i;

	for (i = 0; v && i < 4; i++) {
		if ((v & ((1ull << shifts[i]) - 1)) == 0) {
			snprintf(buf, len, "%llu%c", (unsigned long long)(v >> shifts[i]), sfx[i]);
			return;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)v);
}

static void fmt_num(char *buf, size_t len, const struct vdm_prop_desc *d, uint64_t v)
{
	if (d->type == VDM_PROP_SIZE)
		fmt_size(buf, len, v);
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

static int str_ieq(const char *s, size_t len, const char *word)
{
	size_t i;

	if (strlen(word) != len)
		return 0;
	for (i = 0; i < len; i++)
		if (lower((unsigned char)s[i]) != word[i])
			return 0;
	return 1;
}

static int parse_bool(const char *s, size_t len, uint64_t *out)
{
	static const char *const yes[] = { "on", "true", "yes", "1" };
	static const char *const no[] = { "off", "false", "no", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (str_ieq(s, len, yes[i])) {
			*out = 1;
			return 0;
		}
		if (str_ieq(s, len, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -EINVAL;
}

static int str_char_ok(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

/* Check and convert one value; `item` is "key=value" as given, for messages. */
static int parse_value(const struct vdm_prop_desc *d, const char *item, size_t item_len,
		       const char *val, size_t vlen, struct vdm_prop_value *pv, char *err,
		       size_t err_len)
{
	char shown[SHOW_MAX + 4], lim[32];
	uint64_t v = 0, max;
	size_t i;
	int rc;

	show(shown, sizeof(shown), item, item_len);
	if (vlen > VDM_PROP_STR_MAX - 1) {
		errf(err, err_len, "%s: value longer than %d characters", shown,
		     VDM_PROP_STR_MAX - 1);
		return -E2BIG;
	}
	memcpy(pv->str, val, vlen);
	pv->str[vlen] = '\0';
	pv->desc = d;

	switch (d->type) {
	case VDM_PROP_SIZE:
		rc = parse_size_n(val, vlen, &v);
		if (rc == -ERANGE) {
			errf(err, err_len, "%s: size does not fit in 64 bits (at most 16777215T)",
			     shown);
			return rc;
		}
		if (rc) {
			errf(err, err_len, "%s: not a size", shown);
			return rc;
		}
		if ((d->flags & VDM_PROP_POW2) && (v & (v - 1))) {
			errf(err, err_len, "%s: size must be a power of two", shown);
			return -EINVAL;
		}
		break;
	case VDM_PROP_U32:
		rc = parse_u64(val, vlen, &v);
		if (rc == -EINVAL) {
			errf(err, err_len, "%s: not a number (use decimal or 0x hex)", shown);
			return rc;
		}
		if (rc || v > UINT32_MAX) {
			errf(err, err_len, "%s: does not fit in 32 bits (at most 4294967295)",
			     shown);
			return -ERANGE;
		}
		break;
	case VDM_PROP_BOOL:
		if (parse_bool(val, vlen, &v)) {
			errf(err, err_len, "%s: not a boolean (use on/off, true/false, yes/no, 1/0)",
			     shown);
			return -EINVAL;
		}
		break;
	case VDM_PROP_STRING:
		if (vlen == 0) {
			errf(err, err_len, "%s: empty value (give %s=NAME)", shown, d->name);
			return -EINVAL;
		}
		for (i = 0; i < vlen; i++) {
			if (!str_char_ok((unsigned char)val[i])) {
				errf(err, err_len,
				     "%s: only letters, digits, '_', '.' and '-' are allowed",
				     shown);
				return -EINVAL;
			}
		}
		break;
	default:
		errf(err, err_len, "%s: property has an unknown type %u in its schema", shown,
		     d->type);
		return -EINVAL;
	}

	if (d->type == VDM_PROP_SIZE || d->type == VDM_PROP_U32) {
		max = d->max ? d->max : (d->type == VDM_PROP_U32 ? UINT32_MAX : UINT64_MAX);
		if (v < d->min) {
			fmt_num(lim, sizeof(lim), d, d->min);
			errf(err, err_len, "%s: must be at least %s", shown, lim);
			return -ERANGE;
		}
		if (v > max) {
			fmt_num(lim, sizeof(lim), d, max);
			errf(err, err_len, "%s: must be at most %s", shown, lim);
			return -ERANGE;
		}
	}
	pv->num = v;
	return 0;
}

static const struct vdm_prop_desc *find_desc(const struct vdm_prop_desc *tab, size_t n,
					     const char *key, size_t klen)
{
	size_t i;

	for (i = 0; tab && i < n; i++)
		if (tab[i].name && strlen(tab[i].name) == klen &&
		    memcmp(tab[i].name, key, klen) == 0)
			return &tab[i];
	return NULL;
}

/* Append "a, b, c" (names of a schema) to buf at *pos, comma-separating from earlier ones. */
static void list_names(char *buf, size_t len, size_t *pos, const struct vdm_prop_desc *tab,
		       size_t n)
{
	size_t i;
	int w;

	for (i = 0; tab && i < n; i++) {
		if (!tab[i].name || *pos >= len)
			continue;
		w = snprintf(buf + *pos, len - *pos, "%s%s", *pos ? ", " : "", tab[i].name);
		if (w > 0)
			*pos += (size_t)w;
	}
}

int vdm_props_parse_args(const char *args, const struct vdm_device_type *type,
			 const struct vdm_prop_desc *common, size_t ncommon,
			 struct vdm_prop_values *out, char *err, size_t err_len)
{
	const struct vdm_prop_desc *d;
	const char *p, *end, *eq;
	bool prev = false;
	char shown[SHOW_MAX + 4], known[256];
	size_t item_len, klen, pos, i, np;
	uint32_t j;
	int rc;

	if (err && err_len)
		err[0] = '\0';
	if (!out || !type) {
		errf(err, err_len, "internal error: no device type or output given");
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	out->struct_size = sizeof(*out);
	if (!args)
		args = "";

	for (p = args; *p; p = end + 1) {
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		item_len = (size_t)(end - p);
		if (item_len == 0) {
			if (prev)
				errf(err, err_len,
				     "%s,,: empty property between commas (remove one comma)",
				     shown);
			else
				errf(err, err_len, ",: empty property (remove the extra comma)");
			rc = -EINVAL;
			goto fail;
		}
		show(shown, sizeof(shown), p, item_len);
		prev = true;
		eq = memchr(p, '=', item_len);
		if (!eq) {
			errf(err, err_len, "%s: missing '=' (write %s=VALUE)", shown, shown);
			rc = -EINVAL;
			goto fail;
		}
		klen = (size_t)(eq - p);
		if (klen == 0) {
			errf(err, err_len, "%s: empty property name (write NAME=VALUE)", shown);
			rc = -EINVAL;
			goto fail;
		}
		d = find_desc(type->props_schema, type->num_props, p, klen);
		if (!d)
			d = find_desc(common, ncommon, p, klen);
		if (!d) {
			pos = 0;
			known[0] = '\0';
			list_names(known, sizeof(known), &pos, type->props_schema, type->num_props);
			list_names(known, sizeof(known), &pos, common, ncommon);
			errf(err, err_len, "%s: unknown property of %s (known: %s)", shown,
			     type->name ? type->name : "?", pos ? known : "none");
			rc = -ENOENT;
			goto fail;
		}
		for (j = 0; j < out->count; j++) {
			if (out->v[j].desc == d) {
				errf(err, err_len, "%s: %s given twice (give it once)", shown,
				     d->name);
				rc = -EEXIST;
				goto fail;
			}
		}
		if (out->count >= VDM_PROPS_MAX) {
			errf(err, err_len, "%s: too many properties (at most %d)", shown,
			     VDM_PROPS_MAX);
			rc = -E2BIG;
			goto fail;
		}
		rc = parse_value(d, p, item_len, eq + 1, item_len - klen - 1, &out->v[out->count],
				 err, err_len);
		if (rc)
			goto fail;
		out->count++;
		if (*end == '\0')
			break;
		if (end[1] == '\0') {
			errf(err, err_len, "%s,: trailing comma (remove it)", shown);
			rc = -EINVAL;
			goto fail;
		}
	}

	/* Every required property, device ones then common ones, must have been given. */
	np = type->props_schema ? type->num_props : 0;
	if (!common)
		ncommon = 0;
	for (i = 0; i < np + ncommon; i++) {
		d = i < np ? &type->props_schema[i] : &common[i - np];
		if (!d->name || !(d->flags & VDM_PROP_REQUIRED))
			continue;
		for (j = 0; j < out->count && out->v[j].desc != d; j++)
			;
		if (j == out->count) {
			errf(err, err_len, "%s: missing required property %s (give %s=VALUE)",
			     type->name ? type->name : "?", d->name, d->name);
			rc = -EINVAL;
			goto fail;
		}
	}
	return 0;
fail:
	memset(out, 0, sizeof(*out));
	out->struct_size = sizeof(*out);
	return rc;
}

/* vdm's former type names, now aliases of QEMU's names (the canonical ones). */
static const struct {
	const char *old_name, *name;
} type_aliases[] = {
	{ "testdev", "pci-testdev" },
	{ "ged", "acpi-ged" },
};

const char *vdm_props_type_alias(const char *name, size_t len)
{
	size_t i;

	for (i = 0; name && i < sizeof(type_aliases) / sizeof(type_aliases[0]); i++)
		if (strlen(type_aliases[i].old_name) == len &&
		    memcmp(type_aliases[i].old_name, name, len) == 0)
			return type_aliases[i].name;
	return NULL;
}

const char *vdm_props_type_old_name(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(type_aliases) / sizeof(type_aliases[0]); i++)
		if (strcmp(type_aliases[i].name, name) == 0)
			return type_aliases[i].old_name;
	return NULL;
}

/* The type in `types` called name[0..len), or one whose former name that is. */
static const struct vdm_device_type *find_type(const struct vdm_device_type *const *types,
					       size_t ntypes, const char *name, size_t len)
{
	const char *canon = vdm_props_type_alias(name, len);
	size_t i;

	for (i = 0; types && i < ntypes; i++)
		if (types[i] && types[i]->name && strlen(types[i]->name) == len &&
		    memcmp(types[i]->name, name, len) == 0)
			return types[i];
	for (i = 0; canon && types && i < ntypes; i++)
		if (types[i] && types[i]->name && strcmp(types[i]->name, canon) == 0)
			return types[i];
	return NULL;
}

int vdm_props_parse(const char *spec, const struct vdm_device_type *const *types, size_t ntypes,
		    const struct vdm_prop_desc *common, size_t ncommon,
		    const struct vdm_device_type **type_out, struct vdm_prop_values *out, char *err,
		    size_t err_len)
{
	const struct vdm_device_type *t = NULL;
	char shown[SHOW_MAX + 4], known[256];
	size_t nlen, i, pos = 0;
	const char *comma;
	int rc, w;

	if (err && err_len)
		err[0] = '\0';
	if (!spec || !out) {
		errf(err, err_len, "internal error: no device spec or output given");
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	out->struct_size = sizeof(*out);
	comma = strchr(spec, ',');
	nlen = comma ? (size_t)(comma - spec) : strlen(spec);

	t = find_type(types, ntypes, spec, nlen);
	if (!t) {
		known[0] = '\0';
		for (i = 0; types && i < ntypes; i++) {
			if (!types[i] || !types[i]->name || pos >= sizeof(known))
				continue;
			w = snprintf(known + pos, sizeof(known) - pos, "%s%s", pos ? ", " : "",
				     types[i]->name);
			if (w > 0)
				pos += (size_t)w;
		}
		if (nlen == 0)
			errf(err, err_len, "missing device type (known: %s)", pos ? known : "none");
		else
			errf(err, err_len, "%s: unknown device type (known: %s)",
			     show(shown, sizeof(shown), spec, nlen), pos ? known : "none");
		return -ENOENT;
	}
	if (comma && comma[1] == '\0') {
		errf(err, err_len, "%s,: trailing comma (remove it)", t->name);
		return -EINVAL;
	}
	rc = vdm_props_parse_args(comma ? comma + 1 : "", t, common, ncommon, out, err, err_len);
	if (rc)
		return rc;
	if (type_out)
		*type_out = t;
	return 0;
}

/* Entries `pv`'s struct holds by its struct_size (0: a pre-1.4 writer, the 1.0 layout),
 * counting only what this build knows; 0 for a struct below the 1.0 size. */
static size_t entries_held(const struct vdm_prop_values *pv)
{
	size_t size = pv->struct_size ? pv->struct_size : VDM_PROP_VALUES_SIZE_1_0;

	if (size < VDM_PROP_VALUES_SIZE_1_0)
		return 0;
	if (size > sizeof(*pv))
		size = sizeof(*pv);
	return (size - offsetof(struct vdm_prop_values, v)) / sizeof(pv->v[0]);
}

int vdm_props_check(const struct vdm_prop_values *pv, char *err, size_t err_len)
{
	if (!pv)
		return 0;
	if (pv->struct_size && pv->struct_size < VDM_PROP_VALUES_SIZE_1_0) {
		errf(err, err_len, "property values: struct_size %u is below %zu, the smallest "
		     "struct vdm_prop_values (fill it with vdm_props_parse)", pv->struct_size,
		     VDM_PROP_VALUES_SIZE_1_0);
		return -EINVAL;
	}
	if (pv->count > entries_held(pv)) {
		errf(err, err_len, "property values: %u given, but a struct_size of %u holds at "
		     "most %zu (fill it with vdm_props_parse)", pv->count, pv->struct_size,
		     entries_held(pv));
		return -EINVAL;
	}
	return 0;
}

/* How many entries a reader may look at: all `count`, or none when vdm_props_check
 * refuses the struct. */
static uint32_t readable(const struct vdm_prop_values *pv)
{
	return pv && vdm_props_check(pv, NULL, 0) == 0 ? pv->count : 0;
}

static const struct vdm_prop_value *find_value(const struct vdm_prop_values *pv,
					       const char *name)
{
	uint32_t i, n = readable(pv);

	if (!name)
		return NULL;
	for (i = 0; i < n; i++)
		if (pv->v[i].desc && pv->v[i].desc->name && strcmp(pv->v[i].desc->name, name) == 0)
			return &pv->v[i];
	return NULL;
}

bool vdm_props_has(const struct vdm_prop_values *pv, const char *name)
{
	return find_value(pv, name) != NULL;
}

uint64_t vdm_props_num(const struct vdm_prop_values *pv, const char *name, uint64_t dflt)
{
	const struct vdm_prop_value *v = find_value(pv, name);

	return v ? v->num : dflt;
}

const char *vdm_props_str(const struct vdm_prop_values *pv, const char *name, const char *dflt)
{
	const struct vdm_prop_value *v = find_value(pv, name);

	return v ? v->str : dflt;
}

size_t vdm_props_format(const struct vdm_prop_values *pv, char *buf, size_t len)
{
	size_t need = 0;
	uint32_t i, n = readable(pv);
	int w;

	if (buf && len)
		buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (!pv->v[i].desc || !pv->v[i].desc->name)
			continue;
		w = snprintf(buf && need < len ? buf + need : NULL, buf && need < len ? len - need : 0,
			     "%s%s=%s", need ? "," : "", pv->v[i].desc->name, pv->v[i].str);
		if (w > 0)
			need += (size_t)w;
	}
	return need;
}
