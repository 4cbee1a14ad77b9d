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
	int sock;       /* start-up socket, closed before the serving filter goes on */
	int notify_efd; /* written after each log entry */
	int req_efd;    /* EVENTFD mode only, else -1 */
	int rsp_efd;
	int irqfds[VDM_MAX_IRQS];
	uint32_t num_irqfds;
	int plugin_fd;          /* the plugin file, opened before the jail (-1: built-in) */
	long long plugin_size;  /* its size (0: built-in) */
	int new_root;           /* the empty root is in place (it holds DEVHOST_PLUGIN_NAME) */
	uint32_t ns_refused;    /* DEVHOST_NS_* the kernel refused, and why (for the report) */
	char ns_why[DEVHOST_ERR_MAX];
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
 * Lock-down part 1 (jail.c): refuse a multithreaded process; as root, new mount (empty
 * root, holding a copy of the plugin when plugin_fd >= 0), net, ipc and uts namespaces,
 * then drop root, then a user namespace; not root, the user namespace first (it gives the
 * rights to make the others).  Then rlimits (core, nproc, address space), dumpable off,
 * capabilities dropped, no_new_privs.  A namespace the kernel refuses is recorded in
 * ns_refused/ns_why and skipped.  Returns 0, or a negative errno when a step that must not
 * be skipped failed (threads, uid, no_new_privs).  Runs before any plugin code: the device
 * is created afterwards, under the seccomp filter.
 */
int devhost_jail(struct devhost *dh);

/* Close every fd but the ones the devhost serves with (and the socket), renumbered from 3
 * with the socket last; updates dh.  Returns 0 or a negative errno. */
int devhost_close_fds(struct devhost *dh);

/* Set RLIMIT_NOFILE to what stays open: the serving fds, not the plugin fd or the socket
 * (closed soon; an fd at or above the limit still works, no new one can be made there). */
int devhost_limit_fds(struct devhost *dh);

/* Which allow-list to build (seccomp.c). */
enum devhost_filter {
	DEVHOST_FILTER_SERVE, /* serving the ring: the final filter */
	DEVHOST_FILTER_SPARE, /* SERVE + recvfrom/sendto/close on the start-up socket */
	DEVHOST_FILTER_LOAD,  /* SERVE + sendto/close on the socket, seccomp (to stack SERVE),
			       * clone refused with EAGAIN; with a plugin also what dlopen needs
			       * (read-only openat, read, fstat, close, executable mappings) */
};

/* Build (but do not load) an allow-list for dh's final fd numbers, as a BPF program
 * (seccomp_bpf.c).  Returns it (free() it, or pass it to devhost_seccomp_load),
 * or NULL with `err` filled. */
void *devhost_seccomp_build(const struct devhost *dh, enum devhost_filter which, char *err,
			    size_t err_len);

/* Load a filter built above on every thread (SECCOMP_FILTER_FLAG_TSYNC; no_new_privs is set
 * already) and free it.  Returns 0 or a negative errno (-EBUSY: a thread could not be
 * synchronised). */
int devhost_seccomp_load(void *filter);

#endif /* VDM_DEVHOST_H */
