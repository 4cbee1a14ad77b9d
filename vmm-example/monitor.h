/* The VMM's control plane: the human monitor (--monitor unix:PATH and Ctrl-a c on the
 * console), QMP (--qmp unix:PATH), and the guest's ejects, all served by the event loop. */
#ifndef VMM_MONITOR_H
#define VMM_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmm;
struct vmm_machine;

#define MON_MAX_CLIENTS 8          /* per socket kind; more are refused with a line */
#define MON_CLIENT_OUT_CAP (4u << 20) /* a client that reads nothing is dropped past this */

/*
 * Start it for the VM `v` running machine `m`: creates v->loop if needed, hooks the GED's
 * eject callback (so device_del and guest-initiated ejects remove devices), listens on the
 * given UNIX socket paths (NULL = none; a stale socket file is replaced).  Call before
 * vmm_run.  0, or -errno with one line in err.
 */
int monitor_start(struct vmm *v, struct vmm_machine *vm, const char *monitor_path,
		  const char *qmp_path, char *err, size_t err_len);
/* Close every client and socket (removing the socket files), unhook, free v->loop. */
void monitor_stop(struct vmm *v);

/* The console (run.c): bytes typed while in monitor mode, and a switch of mode. */
void monitor_console_input(struct vmm *v, const uint8_t *data, size_t n);
void monitor_console_switch(struct vmm *v, bool to_monitor);

/* Parse "unix:PATH" (what --monitor and --qmp take).  0 with the path, or -EINVAL with a
 * reason ("tcp:1: only unix:PATH is supported", path too long for a socket address). */
int monitor_parse_address(const char *opt, const char *text, const char **path, char *err,
			  size_t err_len);

#endif /* VMM_MONITOR_H */
