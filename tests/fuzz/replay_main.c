/* Replay driver: feeds files (or every file of a directory) to a fuzz target's
 * LLVMFuzzerTestOneInput without libFuzzer, so gcc coverage builds and plain builds run it. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_input.h"

/* Run one file; returns 0, or -1 when it cannot be read (reported). */
static int replay_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;
	int rc = -1;

	if (!fp) {
		perror(path);
		return -1;
	}
	if (fseek(fp, 0, SEEK_END) == 0 && (len = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0) {
		/* An exact-size heap copy, so ASan sees a read past the input's end. */
		buf = malloc(len ? (size_t)len : 1);
		if (buf && fread(buf, 1, (size_t)len, fp) == (size_t)len) {
			LLVMFuzzerTestOneInput(buf, (size_t)len);
			rc = 0;
		}
	}
	if (rc)
		fprintf(stderr, "%s: cannot read\n", path);
	free(buf);
	fclose(fp);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned long inputs = 0, bad = 0;
	struct stat st;
	char path[4096];
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...  (runs each input through the target)\n",
			argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		DIR *d;
		struct dirent *e;

		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			bad++;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad += replay_file(argv[i]) != 0;
			inputs++;
			continue;
		}
		d = opendir(argv[i]);
		if (!d) {
			perror(argv[i]);
			bad++;
			continue;
		}
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
				continue;
			bad += replay_file(path) != 0;
			inputs++;
		}
		closedir(d);
	}
	printf("%s: replayed %lu inputs (%lu unreadable)\n", argv[0], inputs, bad);
	return bad ? 1 : 0;
}
