/* vdm-fuzz: the libFuzzer driver (clang -fsanitize=fuzzer,address,undefined) that fuzzes one
 * device type of a plugin or of libvdm, in this process or sandboxed, with libvdm-fuzz's checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vdm/fuzz.h>

#include "driver.h"

/*
 *   vdm-fuzz [--sandbox] [OPTIONS] PLUGIN.so|- 'type,key=value,...' [libFuzzer flags] [CORPUS...]
 *
 * The two positional arguments become --plugin= and --spec= in the argument list libFuzzer
 * keeps (it ignores flags that start with "--" and passes them on), so the processes it
 * starts itself (-fork, -jobs, -merge) fuzz the same device.
 */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
void __sanitizer_report_error_summary(const char *summary);

/* libFuzzer's entry points carry no context: the one runner of this process. */
static struct vdm_fuzz *the_runner;

/*
 * libFuzzer's "extra counters": bytes in this section count as coverage features, cleared
 * before every input.  The runner's observations (what the device answered, fuzz.h
 * `observe`) land here, so a device with no coverage instrumentation of its own (sandboxed,
 * or built without clang) still steers the search.  A section libFuzzer finds by name: it
 * has to be a global.
 */
#define NUM_COUNTERS 65536
uint8_t vdm_fuzz_counters[NUM_COUNTERS] __attribute__((section("__libfuzzer_extra_counters")));

static void observe(void *opaque, uint32_t key)
{
	(void)opaque;
	/* Seen or not: how often is no news (counts would make every repetition a feature). */
	vdm_fuzz_counters[key % NUM_COUNTERS] = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: vdm-fuzz [--sandbox] [OPTIONS] PLUGIN.so|- 'type,key=value,...' "
		"[libFuzzer flags] [CORPUS_DIR|INPUT...]\n"
		"  PLUGIN.so     a vdm device plugin (\"-\": a device type built into libvdm)\n"
		"  --sandbox     run the device in a vdm-devhost through the proxy (else in-process)\n"
		"  --devhost=P   the vdm-devhost to run (default: $VDM_DEVHOST, else the installed one)\n"
		"  --ops=N       ops per input (default 256)\n"
		"  --timeout-ms=N  sandboxed: bound on each access (default 2000)\n"
		"  --control-family=N  the device's host-control op family (repeatable)\n"
		"  --trace       print every op as it runs (to read a reproducer)\n"
		"Every finding names its invariant: \"vdm-fuzz: invariant broken [NAME]: ...\";\n"
		"libFuzzer saves the input (crash-<sha1>); run it again with the same arguments and\n"
		"the file instead of a corpus.  libFuzzer flags: vdm-fuzz -help=1 ... lists them.\n");
}

static void trace_line(void *opaque, const char *line)
{
	(void)opaque;
	fprintf(stderr, "vdm-fuzz: %s\n", line);
}

/*
 * Our options out, the positional plugin and spec rewritten as --plugin= / --spec=, and two
 * defaults of ours for libFuzzer unless given: -max_len=1024 (a hundred ops or so) and
 * -len_control=0 (use that length from the start: an op stream needs a few bytes per op,
 * and libFuzzer's slow growth from 4 bytes would keep it at one op for minutes when the
 * device, sandboxed or uninstrumented, gives it little new coverage to grow on).
 */
static char **take_args(int argc, char **argv, struct vdm_fuzz_config *cfg)
{
	char **out = calloc((size_t)argc + 3, sizeof(*out)), err[256], *s;
	int i, n = 0, pos = 0, r;
	bool named = false, max_len = false, len_control = false;

	if (!out)
		exit(1);
	for (i = 0; i < argc; i++) {
		named |= strncmp(argv[i], "--spec=", 7) == 0;
		max_len |= strncmp(argv[i], "-max_len=", 9) == 0;
		len_control |= strncmp(argv[i], "-len_control=", 13) == 0;
	}
	out[n++] = argv[0];
	if (!max_len)
		out[n++] = "-max_len=1024";
	if (!len_control)
		out[n++] = "-len_control=0";
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			exit(0);
		}
		if (strcmp(a, "--trace") == 0) {
			cfg->trace = trace_line;
			out[n++] = argv[i];
			continue;
		}
		if (a[0] == '-' && a[1] == '-') {
			r = vdm_fuzz_option(cfg, a, err, sizeof(err));
			if (r <= 0) {
				fprintf(stderr, "vdm-fuzz: %s\n", r ? err : "unknown option");
				if (!r)
					fprintf(stderr, "vdm-fuzz: %s: not an option of vdm-fuzz "
						"(libFuzzer's take one dash)\n", a);
				exit(2);
			}
			out[n++] = argv[i];
			continue;
		}
		if (!named && pos < 2 && (a[0] != '-' || !a[1])) {
			if (asprintf(&s, "--%s=%s", pos ? "spec" : "plugin", a) < 0)
				exit(1);
			vdm_fuzz_option(cfg, s, err, sizeof(err));
			out[n++] = s;
			pos++;
			continue;
		}
		out[n++] = argv[i];
	}
	if (!cfg->spec) {
		usage(stderr);
		exit(2);
	}
	return out;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct vdm_fuzz_config cfg = { VDM_STRUCT_HEAD(struct vdm_fuzz_config) };
	char err[512], devhost[4096];
	char **args;
	int r;

	vdm_fuzz_default_devhost(&cfg, devhost, sizeof(devhost));
	cfg.observe = observe;
	args = take_args(*argc, *argv, &cfg);
	r = vdm_fuzz_open(&cfg, &the_runner, err, sizeof(err));
	if (r) {
		fprintf(stderr, "vdm-fuzz: %s\n", err);
		exit(2);
	}
	fprintf(stderr, "vdm-fuzz: fuzzing %s\n", vdm_fuzz_summary(the_runner));
	for (*argc = 0; args[*argc]; (*argc)++)
		;
	*argv = args;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vdm_fuzz_run(the_runner, data, size);
	return 0;
}

/* The sanitizers call this with their one-line summary (ASan, UBSan, LeakSanitizer): name
 * the finding and the op that was running, then print the summary as the default does. */
void __sanitizer_report_error_summary(const char *summary)
{
	const char *op = vdm_fuzz_current_op(the_runner);

	fprintf(stderr, "vdm-fuzz: invariant broken [%s]: %s (%s)\n", VDM_FUZZ_INV_MEMORY,
		summary, op[0] ? op : "between inputs");
	fprintf(stderr, "%s\n", summary);
}
