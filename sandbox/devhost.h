/* Internal to vdm-devhost: the device host's state and the lock-down steps (jail.c,
 * seccomp.c) that devhost.c runs between creating the device and serving the ring. */
#ifndef VDM_DEVHOST_H
#define VDM_DEVHOST_H

#include <stddef.h>
#include <stdint.h>

#include <vdm/device.h>
#include <vdm/plugin.h>
#include <vdm/ring.h>

#include "proto.h"

struct devhost {
	void *ring_mem; /* the shared ring mapping (MAP_SHARED of the memfd) */
	size_t ring_size;
	struct vdm_ring_server *srv;
	struct vdm_device *dev;
	const struct vdm_device_type *type;
	struct vdm_plugin_handle *plugin;
	uint32_t doorbell;
	int sock;       /* start-up socket, closed before the seccomp filter goes on */
	int sock_filtered; /* an armed spare: the filter goes on first (recvfrom, sendto and
			    * close of `sock` allowed: it reads its device's name there) */
	int notify_efd; /* written after each log entry */
	int req_efd;    /* EVENTFD mode only, else -1 */
	int rsp_efd;
	int irqfds[VDM_MAX_IRQS];
	uint32_t num_irqfds;
	int keep_stderr; /* sanitizer builds keep fd 2 for their reports */
	uint32_t warned_lines; /* irq lines we already warned about */
	/* Lines logged before the ring exists (a spare locks down before its set-up message):
	 * written to the ring once it is mapped. */
	struct {
		uint32_t level;
		char text[VDM_RING_LOG_TEXT];
	} early[8];
	uint32_t num_early;
};

/* A log line into the ring's log area (the devhost has no stderr once locked down). */
void devhost_log(struct devhost *dh, uint32_t level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Lock-down part 1 (jail.c): drop root, new user/mount/net/ipc/uts namespaces, empty root,
 * rlimits (core, nproc, address space), dumpable off, capabilities dropped, no_new_privs.
 * A namespace the kernel refuses is logged and skipped.  Returns 0, or a negative errno when
 * a step that must not be skipped failed (no_new_privs).  Runs after the device exists, or,
 * in a spare device host (built-in types only: nothing is loaded from files afterwards),
 * before the set-up message arrives.
 */
int devhost_jail(struct devhost *dh);

/* Close every fd but the ones the devhost serves with (and the socket), renumbered from 3
 * with the socket last; updates dh.  Returns 0 or a negative errno. */
int devhost_close_fds(struct devhost *dh);

/* Set RLIMIT_NOFILE to what stays open: the kept fds, not the socket (closed soon, or
 * already; an fd at or above the limit still works, no new one can be made there). */
int devhost_limit_fds(struct devhost *dh);

/* Build (but do not load) the seccomp allow-list for dh's final fd numbers, as a BPF
 * program (libseccomp's, exported).  Returns it (free() it, or pass it to
 * devhost_seccomp_load), or NULL with `err` filled. */
void *devhost_seccomp_build(const struct devhost *dh, char *err, size_t err_len);

/* Load a filter built above (with no_new_privs) and free it.  Returns 0 or a negative
 * errno. */
int devhost_seccomp_load(void *filter);

#endif /* VDM_DEVHOST_H */
