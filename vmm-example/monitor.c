/* Control-plane I/O: UNIX-socket servers for the human monitor and QMP, their clients
 * (bounded input and output), the console's monitor session, and the guest's ejects
 * (vCPU callback -> eventfd -> removal on the event loop's thread). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "event_loop.h"
#include "vmm_machine.h"
#include "monitor_int.h"
#include "vmm.h"

#define HMP_PROMPT "(vdm) "
#define HMP_BANNER "vdm vmm-example monitor - type 'help' for a list of commands\n"
#define READ_CHUNK 4096

int monitor_parse_address(const char *opt, const char *text, const char **path, char *err,
			  size_t err_len)
{
	struct sockaddr_un sa;

	if (strncmp(text, "unix:", 5)) {
		snprintf(err, err_len, "--%s %s: only unix:PATH is supported", opt, text);
		return -EINVAL;
	}
	if (!text[5] || strlen(text + 5) >= sizeof(sa.sun_path)) {
		snprintf(err, err_len, "--%s %s: the socket path must be 1 to %zu bytes", opt, text,
			 sizeof(sa.sun_path) - 1);
		return -EINVAL;
	}
	*path = text + 5;
	return 0;
}

static void write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* --- clients -------------------------------------------------------------------------- */

static void client_close(struct monitor *mon, int slot)
{
	struct mon_client *c = mon->clients[slot];

	if (!c)
		return;
	ev_unwatch(mon->v->loop, c->watch);
	close(c->fd);
	mon_buf_free(&c->out);
	free(c);
	mon->clients[slot] = NULL;
}

/* Send what is queued; watch for POLLOUT while something is left.  False = client gone. */
static bool client_flush(struct monitor *mon, struct mon_client *c)
{
	uint32_t want;

	if (c->out.truncated)
		return false; /* it stopped reading: dropping it bounds our memory */
	while (c->out.len) {
		ssize_t n = send(c->fd, c->out.s, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return false;
		mon_buf_consume(&c->out, (size_t)n);
	}
	want = POLLIN | (c->out.len ? POLLOUT : 0);
	if (want != c->events) {
		c->events = want;
		ev_watch_set_events(mon->v->loop, c->watch, want);
	}
	return true;
}

static void hmp_line(void *opaque, const char *line, size_t len, bool too_long)
{
	struct mon_client *c = opaque;
	struct monitor *mon = c->session.ops->opaque;

	if (too_long)
		mon_buf_printf(&c->out, "error: line of %zu bytes dropped (at most %d)\n", len,
			       MON_LINE_MAX);
	else
		mon_run_line(&mon->ops, line, len, &c->out);
	mon_buf_printf(&c->out, HMP_PROMPT);
}

static int slot_of(struct monitor *mon, struct mon_client *c)
{
	for (int i = 0; i < 2 * MON_MAX_CLIENTS; i++)
		if (mon->clients[i] == c)
			return i;
	return -1;
}

static void on_client(void *opaque, int fd, uint32_t revents)
{
	struct mon_client *c = opaque;
	struct monitor *mon = c->session.ops->opaque;
	char buf[READ_CHUNK];
	int slot = slot_of(mon, c);
	ssize_t n = 0;

	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			n = 1, revents &= ~(uint32_t)POLLIN;
		if (n <= 0) {
			/* gone (a partial line it left is simply dropped) */
			client_close(mon, slot);
			return;
		}
		if (revents & POLLIN) {
			if (c->qmp)
				qmp_input(&c->session, buf, (size_t)n);
			else
				mon_lines_feed(&c->lines, buf, (size_t)n, hmp_line, c);
		}
	}
	/* the command may have been quit: the client still gets its reply */
	if (!client_flush(mon, c))
		client_close(mon, slot);
}

static void on_listen(void *opaque, int lfd, uint32_t revents)
{
	struct monitor *mon = opaque;
	bool qmp = lfd == mon->listen_fd[1];
	struct mon_client *c;
	int fd, slot = -1, i;

	(void)revents;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	for (i = 0; i < 2 * MON_MAX_CLIENTS; i++)
		if (!mon->clients[i]) {
			slot = i;
			break;
		}
	c = slot >= 0 ? calloc(1, sizeof(*c)) : NULL;
	if (!c) {
		static const char busy[] = "error: too many monitor clients\n";

		send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		return;
	}
	c->fd = fd;
	c->qmp = qmp;
	c->out.cap = MON_CLIENT_OUT_CAP;
	qmp_session_init(&c->session, &mon->ops, &c->out);
	c->events = POLLIN;
	c->watch = ev_watch_fd(mon->v->loop, fd, POLLIN, on_client, c);
	if (c->watch < 0) {
		close(fd);
		free(c);
		return;
	}
	mon->clients[slot] = c;
	if (qmp)
		qmp_greeting(&c->session);
	else
		mon_buf_printf(&c->out, HMP_BANNER HMP_PROMPT);
	if (!client_flush(mon, c))
		client_close(mon, slot);
}

static int listen_on(struct monitor *mon, int kind, const char *path, char *err, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, e;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path); /* a stale socket of an earlier run */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0) {
		e = -errno;
		snprintf(err, len, "--%s unix:%s: %s", kind ? "qmp" : "monitor", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return e;
	}
	mon->listen_fd[kind] = fd;
	snprintf(mon->path[kind], sizeof(mon->path[kind]), "%s", path);
	mon->listen_watch[kind] = ev_watch_fd(mon->v->loop, fd, POLLIN, on_listen, mon);
	return mon->listen_watch[kind] < 0 ? mon->listen_watch[kind] : 0;
}

/* --- ejects --------------------------------------------------------------------------- */

static void broadcast_deleted(struct monitor *mon, const char *id)
{
	char data[160];

	snprintf(data, sizeof(data), "{\"device\": \"%s\", \"path\": \"/machine/peripheral/%s\"}",
		 id, id);
	for (int i = 0; i < 2 * MON_MAX_CLIENTS; i++) {
		struct mon_client *c = mon->clients[i];

		if (!c)
			continue;
		if (c->qmp)
			qmp_event(&c->session, "DEVICE_DELETED", data);
		else
			mon_buf_printf(&c->out, "\nDEVICE_DELETED %s\n" HMP_PROMPT, id);
		if (!client_flush(mon, c))
			client_close(mon, i);
	}
	if (mon->console_on) {
		char line[96];
		int n = snprintf(line, sizeof(line), "\nDEVICE_DELETED %s\n" HMP_PROMPT, id);

		write_all(STDOUT_FILENO, line, (size_t)n);
	}
}

static void on_eject_pending_wake(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0)
		(void)0; /* counter full: a wake-up is pending anyway */
}

/* The guest ejected something (the machine's eject_pending woke us): carry it out. */
static void on_eject_fd(void *opaque, int fd, uint32_t revents)
{
	struct monitor *mon = opaque;
	struct vdm_machine_eject ev;
	uint64_t cnt;

	(void)revents;
	if (read(fd, &cnt, sizeof(cnt)) < 0)
		(void)0;
	while (vdm_machine_process_eject(mon->m, &ev) > 0) {
		if (!ev.id[0]) {
			fprintf(stderr, "vmm-example: guest ejected slot %u of bus selector %u, "
				"which holds nothing\n", ev.slot, ev.bus_sel);
			continue;
		}
		fprintf(stderr, "vmm-example: %s removed (the guest ejected it)\n", ev.id);
		broadcast_deleted(mon, ev.id);
	}
}

/* --- console -------------------------------------------------------------------------- */

static void console_line(void *opaque, const char *line, size_t len, bool too_long)
{
	struct monitor *mon = opaque;
	struct mon_buf out = { .cap = MON_CLIENT_OUT_CAP };

	if (too_long)
		mon_buf_printf(&out, "error: line of %zu bytes dropped (at most %d)\n", len,
			       MON_LINE_MAX);
	else if (mon_run_line(&mon->ops, line, len, &out))
		mon->console_on = false;
	if (mon->console_on)
		mon_buf_printf(&out, HMP_PROMPT);
	if (out.len)
		write_all(STDOUT_FILENO, out.s, out.len);
	mon_buf_free(&out);
}

void monitor_console_input(struct vmm *v, const uint8_t *data, size_t n)
{
	struct monitor *mon = v->mon;
	size_t i, start = 0;

	if (!mon)
		return;
	/* A raw terminal sends CR for Enter: take it as the end of a line, and echo. */
	for (i = 0; i < n; i++) {
		char c = (char)data[i];

		if (c == '\r' || c == '\n') {
			mon_lines_feed(&mon->console_lines, (const char *)data + start, i - start,
				       console_line, mon);
			write_all(STDOUT_FILENO, "\n", 1);
			mon_lines_feed(&mon->console_lines, "\n", 1, console_line, mon);
			start = i + 1;
		} else if (c == 0x7f || c == 0x08) {
			mon_lines_feed(&mon->console_lines, (const char *)data + start, i - start,
				       console_line, mon);
			if (mon->console_lines.len) {
				mon->console_lines.len--;
				write_all(STDOUT_FILENO, "\b \b", 3);
			}
			start = i + 1;
		} else {
			write_all(STDOUT_FILENO, &c, 1);
		}
	}
	mon_lines_feed(&mon->console_lines, (const char *)data + start, n - start, console_line, mon);
}

void monitor_console_switch(struct vmm *v, bool to_monitor)
{
	struct monitor *mon = v->mon;
	static const char on[] = "\n[monitor: type help; Ctrl-a c returns to the guest]\n"
				 HMP_PROMPT;
	static const char off[] = "\n[guest console]\n";

	if (!mon)
		return;
	mon->console_on = to_monitor;
	mon->console_lines.len = 0;
	mon->console_lines.overflow = false;
	if (to_monitor)
		write_all(STDOUT_FILENO, on, sizeof(on) - 1);
	else
		write_all(STDOUT_FILENO, off, sizeof(off) - 1);
}

/* --- start / stop --------------------------------------------------------------------- */

int monitor_start(struct vmm *v, struct vmm_machine *vm, const char *monitor_path,
		  const char *qmp_path, char *err, size_t err_len)
{
	struct monitor *mon;
	int rc;

	if (!v->loop && (rc = ev_loop_create(&v->loop, err, err_len)))
		return rc;
	mon = calloc(1, sizeof(*mon));
	if (!mon) {
		snprintf(err, err_len, "monitor: out of memory");
		return -ENOMEM;
	}
	mon->v = v;
	mon->vm = vm;
	mon->m = vm->m;
	mon->listen_fd[0] = mon->listen_fd[1] = -1;
	mon->listen_watch[0] = mon->listen_watch[1] = -1;
	mon->eject_watch = -1;
	monitor_exec_init(mon);
	v->mon = mon;
	mon->eject_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (mon->eject_fd < 0) {
		rc = -errno;
		snprintf(err, err_len, "monitor: eventfd: %s", strerror(errno));
		goto fail;
	}
	mon->eject_watch = ev_watch_fd(v->loop, mon->eject_fd, POLLIN, on_eject_fd, mon);
	if (mon->eject_watch < 0) {
		rc = mon->eject_watch;
		snprintf(err, err_len, "monitor: cannot watch the eject eventfd");
		goto fail;
	}
	vm->eject_fd = mon->eject_fd;
	on_eject_pending_wake(mon->eject_fd); /* ejects the guest made before we watched */
	if ((monitor_path && (rc = listen_on(mon, 0, monitor_path, err, err_len))) ||
	    (qmp_path && (rc = listen_on(mon, 1, qmp_path, err, err_len))))
		goto fail;
	return 0;
fail:
	monitor_stop(v);
	return rc;
}

void monitor_stop(struct vmm *v)
{
	struct monitor *mon = v->mon;

	if (mon) {
		for (int i = 0; i < 2 * MON_MAX_CLIENTS; i++)
			client_close(mon, i);
		for (int k = 0; k < 2; k++) {
			if (mon->listen_fd[k] < 0)
				continue;
			ev_unwatch(v->loop, mon->listen_watch[k]);
			close(mon->listen_fd[k]);
			unlink(mon->path[k]);
		}
		if (mon->vm->eject_fd == mon->eject_fd)
			mon->vm->eject_fd = -1;
		ev_unwatch(v->loop, mon->eject_watch);
		if (mon->eject_fd >= 0)
			close(mon->eject_fd);
		free(mon);
		v->mon = NULL;
	}
	ev_loop_destroy(v->loop);
	v->loop = NULL;
}
