/* Replay driver: feeds files (or every file of a directory) to a fuzz target's
 * LLVMFuzzerTestOneInput without libFuzzer, so gcc coverage builds and plain builds run it. */
#include <stdint.h>
#include <stdio.h>

#include "fuzz_input.h"

static int one(void *opaque, const char *path, const uint8_t *data, size_t size)
{
	(void)opaque;
	(void)path;
	return LLVMFuzzerTestOneInput(data, size);
}

int main(int argc, char **argv)
{
	unsigned long inputs = 0;
	char err[512];
	int i, bad = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...  (runs each input through the target)\n",
			argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++)
		if (vdm_fuzz_replay_path(argv[i], one, NULL, &inputs, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			bad++;
		}
	printf("%s: replayed %lu inputs (%d paths with unreadable files)\n", argv[0], inputs, bad);
	return bad ? 1 : 0;
}
