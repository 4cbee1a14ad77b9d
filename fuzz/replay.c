/* Replaying inputs without libFuzzer: a file, or every file of a directory, read into an
 * exact-size heap buffer and handed to a callback (vdm-fuzz-replay, tests/fuzz replay_*). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <vdm/fuzz.h>

static int replay_file(const char *path, vdm_fuzz_one_fn one, void *opaque, char *err,
		       size_t err_len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len = -1;
	int rc = -EIO;

	if (!fp) {
		rc = -errno;
		if (err_len)
			snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (fseek(fp, 0, SEEK_END) == 0 && (len = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0) {
		/* An exact-size heap copy, so a sanitizer sees a read past the input's end. */
		buf = malloc(len ? (size_t)len : 1);
		if (buf && fread(buf, 1, (size_t)len, fp) == (size_t)len)
			rc = 0;
	}
	fclose(fp);
	if (rc) {
		if (err_len)
			snprintf(err, err_len, "%s: cannot read it (%ld bytes)", path, len);
		free(buf);
		return rc;
	}
	one(opaque, path, buf, (size_t)len);
	free(buf);
	return 0;
}

int vdm_fuzz_replay_path(const char *path, vdm_fuzz_one_fn one, void *opaque,
			 unsigned long *count, char *err, size_t err_len)
{
	char file[4096];
	struct dirent *e;
	struct stat st;
	DIR *d;
	int rc = 0, r;

	if (stat(path, &st) != 0) {
		rc = -errno;
		if (err_len)
			snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path, one, opaque, err, err_len);
	}
	d = opendir(path);
	if (!d) {
		rc = -errno;
		if (err_len)
			snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return rc;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(file, sizeof(file), "%s/%s", path, e->d_name) >= sizeof(file))
			continue;
		if (stat(file, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		(*count)++;
		r = replay_file(file, one, opaque, rc ? NULL : err, rc ? 0 : err_len);
		if (r && !rc)
			rc = r; /* the first failure's reason stays in err */
	}
	closedir(d);
	return rc;
}
