/* vdm-fuzz-replay: runs inputs (files, corpus directories, or N seeded random ones) through the
 * same runner and checks as vdm-fuzz, without libFuzzer: for builds and installs without clang. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vdm/fuzz.h>

#include "driver.h"

void __sanitizer_report_error_summary(const char *summary);

struct replay {
	struct vdm_fuzz *fz;
	const char *input;   /* the input running now */
	char pending[4096];  /* random mode: the file it was written to */
	char keep[4096];     /* ... and where it goes when it finds something */
};

/* The sanitizer hook has no context: the one replay of this process. */
static struct replay *the_replay;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: vdm-fuzz-replay [--sandbox] [OPTIONS] PLUGIN.so|- 'type,key=value,...' "
		"FILE|DIR...\n"
		"       vdm-fuzz-replay [--sandbox] [OPTIONS] PLUGIN.so|- 'type,key=value,...' "
		"--random=N [--seed=S] [--max-len=L] [--artifact-dir=DIR]\n"
		"Runs every input through vdm-fuzz's checks (options as vdm-fuzz --help); stops at "
		"the first\nfinding, naming its invariant and the input (random inputs are saved as "
		"DIR/crash-random-<n>).\nExit status: 0 clean, 1 a finding, 2 bad arguments.\n");
}

/* Where the input that found something is, so it can be replayed alone. */
static void name_input(void)
{
	struct replay *rp = the_replay;

	if (!rp || !rp->input)
		return;
	if (rp->pending[0] && rename(rp->pending, rp->keep) == 0)
		rp->input = rp->keep;
	fprintf(stderr, "vdm-fuzz-replay: the input: %s\n", rp->input);
}

static void on_finding(void *opaque, const char *invariant, const char *text)
{
	(void)opaque;
	fprintf(stderr, "vdm-fuzz: invariant broken [%s]: %s\n", invariant, text);
	name_input();
	fflush(stderr);
	_exit(1); /* no exit hooks: the device under test is still half-way through an input */
}

void __sanitizer_report_error_summary(const char *summary)
{
	const char *op = the_replay ? vdm_fuzz_current_op(the_replay->fz) : "";

	fprintf(stderr, "vdm-fuzz: invariant broken [%s]: %s (%s)\n", VDM_FUZZ_INV_MEMORY,
		summary, op[0] ? op : "between inputs");
	name_input();
	fprintf(stderr, "%s\n", summary);
}

static void trace_line(void *opaque, const char *line)
{
	(void)opaque;
	fprintf(stderr, "vdm-fuzz: %s\n", line);
}

static int run_one(void *opaque, const char *path, const uint8_t *data, size_t size)
{
	struct replay *rp = opaque;

	rp->input = path;
	vdm_fuzz_run(rp->fz, data, size);
	rp->input = NULL;
	return 0;
}

/* xorshift64*: a fixed sequence per seed, so a random run is reproducible. */
static uint64_t next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static int run_random(struct replay *rp, unsigned long n, uint64_t seed, size_t max_len,
		      const char *dir)
{
	uint8_t *buf = malloc(max_len ? max_len : 1);
	uint64_t s = seed ? seed : 1;
	unsigned long i;
	size_t len, k;
	FILE *fp;

	if (!buf)
		return 1;
	snprintf(rp->pending, sizeof(rp->pending), "%s/random-current", dir);
	for (i = 0; i < n; i++) {
		len = max_len ? (size_t)(next(&s) % (max_len + 1)) : 0;
		for (k = 0; k < len; k++)
			buf[k] = (uint8_t)(next(&s) >> 56);
		fp = fopen(rp->pending, "wb");
		if (!fp || fwrite(buf, 1, len, fp) != len || fclose(fp)) {
			fprintf(stderr, "vdm-fuzz-replay: cannot write %s (--artifact-dir=DIR)\n",
				rp->pending);
			free(buf);
			return 2;
		}
		snprintf(rp->keep, sizeof(rp->keep), "%s/crash-random-%lu", dir, i);
		run_one(rp, rp->pending, buf, len);
	}
	unlink(rp->pending);
	rp->pending[0] = 0;
	free(buf);
	printf("vdm-fuzz-replay: %lu random inputs (seed %llu, up to %zu bytes), no finding\n", n,
	       (unsigned long long)seed, max_len);
	return 0;
}

int main(int argc, char **argv)
{
	struct vdm_fuzz_config cfg = { VDM_STRUCT_HEAD(struct vdm_fuzz_config) };
	struct vdm_fuzz_sink sink = { on_finding, NULL };
	struct replay rp = { 0 };
	unsigned long random_n = 0, count = 0, max_len = 1024, seed = 1;
	const char *dir = ".", **paths = calloc((size_t)argc, sizeof(*paths));
	int i, r, pos = 0, npaths = 0, rc = 0;
	char err[512], devhost[4096];

	if (!paths)
		return 1;
	cfg.sink = sink;
	vdm_fuzz_default_devhost(&cfg, devhost, sizeof(devhost));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--trace")) {
			cfg.trace = trace_line;
		} else if (!strncmp(a, "--random=", 9) || !strncmp(a, "--seed=", 7) ||
			   !strncmp(a, "--max-len=", 10)) {
			char *end;
			unsigned long v = strtoul(strchr(a, '=') + 1, &end, 0);

			if (*end || !strchr(a, '=')[1]) {
				fprintf(stderr, "vdm-fuzz-replay: %s: not a number\n", a);
				return 2;
			}
			*(a[2] == 'r' ? &random_n : a[2] == 's' ? &seed : &max_len) = v;
		} else if (!strncmp(a, "--artifact-dir=", 15)) {
			dir = a + 15;
		} else if (a[0] == '-' && a[1] == '-') {
			r = vdm_fuzz_option(&cfg, a, err, sizeof(err));
			if (r <= 0) {
				fprintf(stderr, "vdm-fuzz-replay: %s\n",
					r ? err : "unknown option (see --help)");
				return 2;
			}
		} else if (pos == 0) {
			cfg.plugin = strcmp(a, "-") ? a : NULL;
			pos++;
		} else if (pos == 1) {
			cfg.spec = a;
			pos++;
		} else {
			paths[npaths++] = a;
		}
	}
	if (pos < 2 || (!npaths && !random_n)) {
		usage(stderr);
		free(paths);
		return 2;
	}
	r = vdm_fuzz_open(&cfg, &rp.fz, err, sizeof(err));
	if (r) {
		fprintf(stderr, "vdm-fuzz-replay: %s\n", err);
		free(paths);
		return 2;
	}
	the_replay = &rp;
	fprintf(stderr, "vdm-fuzz-replay: %s\n", vdm_fuzz_summary(rp.fz));
	for (i = 0; i < npaths; i++) {
		if (vdm_fuzz_replay_path(paths[i], run_one, &rp, &count, err, sizeof(err))) {
			fprintf(stderr, "vdm-fuzz-replay: %s\n", err);
			rc = 2;
		}
	}
	if (npaths && !rc)
		printf("vdm-fuzz-replay: %lu inputs, no finding\n", count);
	if (random_n && !rc)
		rc = run_random(&rp, random_n, seed, max_len, dir);
	the_replay = NULL;
	vdm_fuzz_close(rp.fz);
	free(paths);
	return rc;
}
