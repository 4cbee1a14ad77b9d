/* The VMM's own check of a device host after READY, from /proc: uid, no_new_privs, seccomp
 * and capabilities on every thread, thread count, namespaces against ours, root, fds. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errf.h"
#include "proxy_int.h"

struct findings {
	char text[600];
	size_t len;
};

static void note(struct findings *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct findings *f, const char *fmt, ...)
{
	va_list ap;

	if (f->len + 3 >= sizeof(f->text))
		return;
	if (f->len)
		f->len += (size_t)snprintf(f->text + f->len, sizeof(f->text) - f->len, "; ");
	va_start(ap, fmt);
	vsnprintf(f->text + f->len, sizeof(f->text) - f->len, fmt, ap);
	va_end(ap);
	f->len = strlen(f->text);
}

/* The value after "key:" in a status file's text, trimmed; "" when absent. */
static void field(const char *text, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key);
	const char *p = text;

	out[0] = '\0';
	while (p && *p) {
		if (strncmp(p, key, klen) == 0 && p[klen] == ':') {
			p += klen + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			snprintf(out, len, "%.*s", (int)strcspn(p, "\n"), p);
			return;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
}

static int read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return 0;
}

/* One thread's status text: no_new_privs, filter mode, no capabilities, the uid we expect. */
static void check_status(struct findings *f, const char *text, const char *tid,
			 const char *want_uid)
{
	char v[128], uids[128];

	field(text, "Seccomp", v, sizeof(v));
	if (strcmp(v, "2"))
		note(f, "thread %s: Seccomp %s (2, a filter, expected)", tid, v[0] ? v : "?");
	field(text, "NoNewPrivs", v, sizeof(v));
	if (strcmp(v, "1"))
		note(f, "thread %s: NoNewPrivs %s (1 expected)", tid, v[0] ? v : "?");
	field(text, "CapEff", v, sizeof(v));
	if (strcmp(v, "0000000000000000"))
		note(f, "thread %s: CapEff %s (none expected)", tid, v);
	field(text, "CapPrm", v, sizeof(v));
	if (strcmp(v, "0000000000000000"))
		note(f, "thread %s: CapPrm %s (none expected)", tid, v);
	field(text, "Uid", uids, sizeof(uids));
	snprintf(v, sizeof(v), "%s\t%s\t%s\t%s", want_uid, want_uid, want_uid, want_uid);
	if (strcmp(uids, v))
		note(f, "thread %s: Uid %s (%s expected)", tid, uids, want_uid);
}

/* Every thread: /proc/<pid>/status is the leader's; with more than one thread (which the
 * lock-down makes impossible, so this is an attack) each task's own status is read. */
static void check_threads(struct findings *f, int pid)
{
	char path[300], text[4096], v[32], want_uid[16], tid[16];
	struct dirent *e;
	int tasks = 0, threads;
	DIR *d;

	/* A root VMM's device hosts run as nobody; anyone else's as the VMM's own uid. */
	snprintf(want_uid, sizeof(want_uid), "%u", geteuid() == 0 ? 65534u : (unsigned)geteuid());
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_text(path, text, sizeof(text))) {
		note(f, "cannot read its status (%s)", strerror(errno));
		return;
	}
	snprintf(tid, sizeof(tid), "%d", pid);
	check_status(f, text, tid, want_uid);
	field(text, "Threads", v, sizeof(v));
	threads = atoi(v);
	if (threads == 1)
		return;
	note(f, "Threads %s (1 expected)", v);
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d) {
		note(f, "cannot list its threads (%s)", strerror(errno));
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, tid) == 0)
			continue;
		tasks++;
		snprintf(path, sizeof(path), "/proc/%d/task/%.200s/status", pid, e->d_name);
		if (read_text(path, text, sizeof(text)))
			note(f, "thread %s: cannot read its status", e->d_name);
		else
			check_status(f, text, e->d_name, want_uid);
	}
	closedir(d);
}

static const struct {
	const char *name;
	uint32_t bit;
} namespaces[] = {
	{ "user", DEVHOST_NS_USER }, { "mnt", DEVHOST_NS_MNT }, { "net", DEVHOST_NS_NET },
	{ "ipc", DEVHOST_NS_IPC },   { "uts", DEVHOST_NS_UTS }, { "pid", DEVHOST_NS_PID },
};

static void check_namespaces(struct findings *f, const struct proxy *p)
{
	for (size_t i = 0; i < sizeof(namespaces) / sizeof(namespaces[0]); i++) {
		char a[64], b[64], path[64];
		ssize_t na, nb;

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", p->pid, namespaces[i].name);
		na = readlink(path, a, sizeof(a) - 1);
		snprintf(path, sizeof(path), "/proc/self/ns/%s", namespaces[i].name);
		nb = readlink(path, b, sizeof(b) - 1);
		if (na <= 0 || nb <= 0) {
			note(f, "%s namespace: cannot read it (%s)", namespaces[i].name,
			     strerror(errno));
			continue;
		}
		a[na] = b[nb] = '\0';
		/* Sharing ours is fine only where the host refused it (the jail report, sent
		 * before any plugin code ran, or the spawn for pid). */
		if (strcmp(a, b) == 0 && !(p->ns_refused & namespaces[i].bit))
			note(f, "%s namespace: shares the VMM's though this host allows a new one",
			     namespaces[i].name);
	}
}

/* An empty root (or only the plugin's copy), and no fd beyond what it serves with.  Both
 * need ptrace-level access to a non-dumpable process: a VMM without it skips them. */
static void check_root_and_fds(struct findings *f, const struct proxy *p)
{
	char path[64];
	struct dirent *e;
	int n = 0, max;
	DIR *d;

	if (!(p->ns_refused & DEVHOST_NS_MNT)) {
		snprintf(path, sizeof(path), "/proc/%d/root", p->pid);
		d = opendir(path);
		if (d) {
			while ((e = readdir(d)))
				if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
				    strcmp(e->d_name, DEVHOST_PLUGIN_NAME))
					n++;
			closedir(d);
			if (n)
				note(f, "its root is not empty (%d entries)", n);
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/fd", p->pid);
	d = opendir(path);
	if (!d)
		return;
	n = 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	/* notify, doorbells, irqfds, and a sanitizer build's stderr */
	max = 1 + (p->req_efd >= 0) + (p->rsp_efd >= 0) + (int)p->num_irqfds + 1;
	if (n > max)
		note(f, "%d fds open (at most %d expected)", n, max);
}

int vdm__proxy_verify(struct proxy *p, char *err, size_t len)
{
	struct findings f = { .len = 0 };

	f.text[0] = '\0';
	check_threads(&f, p->pid);
	check_namespaces(&f, p);
	check_root_and_fds(&f, p);
	if (!f.len)
		return 0;
	return vdm__errf(err, len, -EPERM, "%s (pid %d) is not locked down: %s; device refused",
			 p->type_name, p->pid, f.text);
}
