/* The human monitor's language, pure (no I/O): assemble bounded lines from a byte stream,
 * parse one line into a command, and run it against an executor table (struct mon_ops). */
#ifndef VMM_MONITOR_CMD_H
#define VMM_MONITOR_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "monitor_buf.h"

/*
 * Commands (QEMU HMP spelling):
 *   device_add SPEC    SPEC as --device: TYPE,id=ID,bus=ROOTPORT,prop=value...; the extra
 *                      key x-fit-check=on|off (default on) is the monitor's own: off lets a
 *                      device whose BARs no longer fit the root port's free window space
 *                      reach the guest (to reproduce the guest's own failure)
 *   device_del ID      ask the guest to eject ID; it is removed once the guest's _EJ0 ran
 *   info pci           the topology: every function, BAR, bus range and bridge window
 *   info devices       every device: id, type, in-process or device-host pid, state
 *   help | ?           the command list
 *   quit | q           stop the VMM
 * A line holds printable ASCII (tabs count as spaces; one trailing CR is dropped).  Every
 * bad line gets exactly one "error: ..." line; an empty line gets nothing.
 */

#define MON_LINE_MAX 4096 /* longest accepted line, newline not counted */
#define MON_ID_MAX 64     /* as VDM_PROP_STR_MAX */

enum mon_cmd_kind {
	MON_CMD_EMPTY = 0,
	MON_CMD_HELP,
	MON_CMD_INFO_PCI,
	MON_CMD_INFO_DEVICES,
	MON_CMD_DEVICE_ADD,
	MON_CMD_DEVICE_DEL,
	MON_CMD_QUIT,
};

struct mon_cmd {
	enum mon_cmd_kind kind;
	char arg[MON_LINE_MAX + 1]; /* device_add: the spec without x-fit-check; device_del: id */
	bool fit_check;             /* device_add */
};

/* Parse one line (no newline; may contain any bytes).  0, or -EINVAL with the reason (no
 * "error: " prefix, no newline) in err. */
int mon_parse_line(const char *line, size_t len, struct mon_cmd *out, char *err, size_t err_len);

/*
 * Split a device_add spec's monitor-only key off: copies `spec` without any
 * x-fit-check=on|off item into `out` and sets *fit_check (default true).  0, or -EINVAL
 * with a reason (bad value, given twice, spec too long).  Shared with QMP.
 */
int mon_split_fit_check(const char *spec, char *out, size_t out_len, bool *fit_check, char *err,
			size_t err_len);

/* True for a string device_del accepts as an id: [A-Za-z0-9_.-]{1,63}. */
bool mon_valid_id(const char *id);

/* What runs the commands (the VMM, or a fake in tests).  Messages have no newline. */
struct mon_ops {
	void *opaque;
	/* 0 with a one-line confirmation in msg, or -errno with the reason in msg. */
	int (*device_add)(void *opaque, const char *spec, bool fit_check, char *id_out,
			  size_t id_len, char *msg, size_t msg_len);
	int (*device_del)(void *opaque, const char *id, char *msg, size_t msg_len);
	void (*info_pci)(void *opaque, struct mon_buf *out);     /* text lines */
	void (*info_devices)(void *opaque, struct mon_buf *out); /* text lines */
	void (*query_pci)(void *opaque, struct mon_buf *out);    /* QMP: a JSON array */
	void (*quit)(void *opaque);
};

/* Run one line and append the reply (lines ending in '\n') to out.  Returns true when the
 * command was quit. */
bool mon_run_line(const struct mon_ops *ops, const char *line, size_t len, struct mon_buf *out);

/* The `help` text. */
extern const char mon_help_text[];

/* Line assembly over a byte stream, bounded: a line longer than MON_LINE_MAX is dropped
 * whole (the callback gets too_long = true and the length seen). */
struct mon_lines {
	char buf[MON_LINE_MAX + 1];
	size_t len;
	bool overflow;
	size_t overflow_len;
};
typedef void (*mon_line_fn)(void *opaque, const char *line, size_t len, bool too_long);
void mon_lines_feed(struct mon_lines *l, const char *data, size_t n, mon_line_fn fn, void *opaque);
/* The partial line held (a client that disconnects mid-line: it is discarded). */
size_t mon_lines_pending(const struct mon_lines *l);

#endif /* VMM_MONITOR_CMD_H */
