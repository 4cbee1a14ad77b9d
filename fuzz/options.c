/* The fuzz drivers' shared options (vdm-fuzz, vdm-fuzz-replay): one argument at a time into a
 * struct vdm_fuzz_config, with a one-line reason for a bad value. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vdm/fuzz.h>

/* "NAME=VALUE" with NAME = `name`: the value, else NULL. */
static const char *value_of(const char *arg, const char *name)
{
	size_t n = strlen(name);

	return strncmp(arg, name, n) == 0 && arg[n] == '=' ? arg + n + 1 : NULL;
}

static int number(const char *arg, const char *text, unsigned long min, unsigned long max,
		  unsigned long *out, char *err, size_t err_len)
{
	char *end;

	errno = 0;
	*out = strtoul(text, &end, 0);
	if (!text[0] || *end || errno || text[0] == '-' || *out < min || *out > max) {
		if (err_len)
			snprintf(err, err_len, "%s: give a number from %lu to %lu", arg, min, max);
		return -EINVAL;
	}
	return 1;
}

int vdm_fuzz_option(struct vdm_fuzz_config *cfg, const char *arg, char *err, size_t err_len)
{
	unsigned long n;
	const char *v;
	int r;

	if (strcmp(arg, "--sandbox") == 0) {
		cfg->sandbox = true;
		return 1;
	}
	if ((v = value_of(arg, "--devhost"))) {
		cfg->devhost = v;
		return 1;
	}
	if ((v = value_of(arg, "--plugin"))) {
		cfg->plugin = v[0] && strcmp(v, "-") ? v : NULL; /* "-": a built-in type */
		return 1;
	}
	if ((v = value_of(arg, "--spec"))) {
		cfg->spec = v;
		return 1;
	}
	if ((v = value_of(arg, "--ops"))) {
		r = number(arg, v, 1, 65536, &n, err, err_len);
		if (r > 0)
			cfg->max_ops = (uint32_t)n;
		return r;
	}
	if ((v = value_of(arg, "--timeout-ms"))) {
		r = number(arg, v, 1, 600000, &n, err, err_len);
		if (r > 0)
			cfg->timeout_ms = (uint32_t)n;
		return r;
	}
	if ((v = value_of(arg, "--control-family"))) {
		r = number(arg, v, 0, 0xffff, &n, err, err_len);
		if (r > 0 && cfg->num_families >= VDM_FUZZ_MAX_FAMILIES) {
			if (err_len)
				snprintf(err, err_len, "%s: at most %d control families", arg,
					 VDM_FUZZ_MAX_FAMILIES);
			return -EINVAL;
		}
		if (r > 0)
			cfg->families[cfg->num_families++] = (uint16_t)n;
		return r;
	}
	return 0;
}
