/* What the integration tests read from /proc about a device host: single fields, and the
 * whole lock-down (namespaces, empty root, uid, capabilities, rlimits, fds, seccomp). */
#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "itest_proc.h"

/* The value after "key:" on a line of /proc/<pid>/<file>, or "" (static buffer). */
const char *itest_proc_field(int pid, const char *file, const char *key)
{
	static char val[256];
	char path[64], line[512];
	size_t klen = strlen(key);
	FILE *f;

	val[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	f = fopen(path, "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0) {
			char *p = line + klen;

			while (*p == ':' || *p == ' ' || *p == '\t')
				p++;
			p[strcspn(p, "\n")] = '\0';
			snprintf(val, sizeof(val), "%s", p);
			break;
		}
	fclose(f);
	return val;
}

/* "soft hard" of a /proc/<pid>/limits row (static buffer). */
const char *itest_proc_limit(int pid, const char *name)
{
	static char out[64];
	char soft[32] = "", hard[32] = "";

	sscanf(itest_proc_field(pid, "limits", name), "%31s %31s", soft, hard);
	snprintf(out, sizeof(out), "%s %s", soft, hard);
	return out;
}

static int dir_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void assert_other_ns(int pid, const char *ns)
{
	char a[PATH_MAX], b[PATH_MAX], p[64];
	ssize_t na, nb;

	snprintf(p, sizeof(p), "/proc/%d/ns/%s", pid, ns);
	na = readlink(p, a, sizeof(a) - 1);
	snprintf(p, sizeof(p), "/proc/self/ns/%s", ns);
	nb = readlink(p, b, sizeof(b) - 1);
	assert_true(na > 0 && nb > 0);
	a[na] = b[nb] = '\0';
	if (strcmp(a, b) == 0)
		fail_msg("devhost shares our %s namespace (%s)", ns, a);
}

static void assert_locked_down(int pid, int serving_fds, int socket_fds)
{
	char path[64];

	assert_string_equal(itest_proc_field(pid, "status", "NoNewPrivs"), "1");
	assert_string_equal(itest_proc_field(pid, "status", "Seccomp"), "2"); /* filter mode */
	assert_string_equal(itest_proc_field(pid, "status", "CapEff"), "0000000000000000");
	assert_string_equal(itest_proc_field(pid, "status", "CapPrm"), "0000000000000000");
	if (geteuid() == 0)
		assert_string_equal(itest_proc_field(pid, "status", "Uid"), "65534\t65534\t65534\t65534");
	/* one field at a time: itest_proc_field's buffer is reused, and the order in which a
	 * call's arguments are evaluated is unspecified (clang goes left to right) */
	strcat(strcpy(path, itest_proc_field(pid, "status", "Pid")), "\t1");
	assert_string_equal(itest_proc_field(pid, "status", "NSpid"), path);
	assert_other_ns(pid, "user");
	assert_other_ns(pid, "mnt");
	assert_other_ns(pid, "net");
	assert_other_ns(pid, "ipc");
	assert_other_ns(pid, "uts");
	assert_other_ns(pid, "pid");

	/* An empty root: nothing to open even if open were allowed (but the read-only copy of
	 * the device's plugin, when it has one). */
	snprintf(path, sizeof(path), "/proc/%d/root", pid);
	{
		int n = dir_entries(path);

		strcat(path, "/plugin.so");
		if (n != 0 && !(n == 1 && access(path, F_OK) == 0))
			fail_msg("devhost root has %d entries (0, or only plugin.so expected)", n);
	}
	/* Only the fds it serves with (the ring memfd is closed once mapped), plus fd 2 in
	 * sanitizer builds. */
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	{
		int n = dir_entries(path) - socket_fds;

		if (n != serving_fds && n != serving_fds + 1)
			fail_msg("devhost has %d fds open, %d expected (%d with a sanitizer's stderr)",
				 n + socket_fds, serving_fds + socket_fds, serving_fds + socket_fds + 1);
	}
	assert_string_equal(itest_proc_limit(pid, "Max processes"), "0 0");
	assert_string_equal(itest_proc_limit(pid, "Max core file size"), "0 0");
	/* what is open: fds 3.. and nothing above */
	{
		char want[2][32];

		snprintf(want[0], sizeof(want[0]), "%d %d", 3 + serving_fds, 3 + serving_fds);
		snprintf(want[1], sizeof(want[1]), "%d %d", 4 + serving_fds, 4 + serving_fds);
		if (strcmp(itest_proc_limit(pid, "Max open files"), want[0]) &&
		    strcmp(itest_proc_limit(pid, "Max open files"), want[1]))
			fail_msg("devhost: open files limit \"%s\", \"%s\" expected",
				 itest_proc_limit(pid, "Max open files"), want[0]);
	}
#ifndef ITEST_SANITIZED /* ASan maps shadow memory as it goes: no RLIMIT_AS there */
	assert_string_not_equal(itest_proc_limit(pid, "Max address space"), "unlimited unlimited");
#endif
}

void itest_assert_locked_down(int pid, int serving_fds)
{
	assert_locked_down(pid, serving_fds, 0);
}

void itest_assert_armed_spare(int pid, int serving_fds)
{
	/* It arms itself after it started: give it up to 5 s to put its filter on. */
	for (int i = 0; i < 500 && strcmp(itest_proc_field(pid, "status", "Seccomp"), "2"); i++)
		usleep(10000);
	assert_locked_down(pid, serving_fds, 1);
}
