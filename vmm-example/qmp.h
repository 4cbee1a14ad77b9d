/* QMP (QEMU Machine Protocol) sessions, pure: greeting, capabilities negotiation, the
 * commands vdm offers and events, over the strict JSON parser; I/O is the caller's. */
#ifndef VMM_QMP_H
#define VMM_QMP_H

#include <stdbool.h>
#include <stddef.h>

#include "monitor_buf.h"
#include "monitor_cmd.h"
#include "qmp_json.h"

/*
 * Protocol (as QEMU's docs/interop/qmp-spec): the server sends the greeting
 *   {"QMP": {"version": {"qemu": {"major": 0, "minor": 1, "micro": 0}, "package": "vdm"},
 *            "capabilities": []}}
 * then accepts only {"execute": "qmp_capabilities"} until that succeeded.  Commands:
 *   qmp_capabilities                    -> {"return": {}}
 *   device_add {driver, id?, bus?, ...}  other members are device properties (string, number
 *                                        or boolean); "x-fit-check": false as in the HMP
 *   device_del {id}                      -> {"return": {}}; later the DEVICE_DELETED event
 *   query-pci                            -> QEMU-shaped list of buses and devices
 *   human-monitor-command {command-line} -> {"return": "<HMP output>"}
 *   quit                                 -> {"return": {}}, then the VMM stops
 * Every reply is one line; a request's "id" member is copied into its reply.  Errors are
 * {"error": {"class": "GenericError" | "CommandNotFound", "desc": "..."}}.
 */

struct qmp_session {
	bool negotiated;
	bool quit;
	struct json_stream stream;
	const struct mon_ops *ops;
	struct mon_buf *out; /* replies and events are appended here */
};

void qmp_session_init(struct qmp_session *s, const struct mon_ops *ops, struct mon_buf *out);
/* Append the greeting. */
void qmp_greeting(struct qmp_session *s);
/* Feed received bytes; replies go to s->out. */
void qmp_input(struct qmp_session *s, const char *data, size_t n);
/* Handle one complete message (used by qmp_input; exposed for tests and fuzzing). */
void qmp_handle_message(struct qmp_session *s, const char *text, size_t len);
/* Append an event line: {"event": NAME, "data": DATA_JSON, "timestamp": {...}}; data_json
 * is a JSON object text (NULL = none).  Only for negotiated sessions. */
void qmp_event(struct qmp_session *s, const char *name, const char *data_json);

#endif /* VMM_QMP_H */
