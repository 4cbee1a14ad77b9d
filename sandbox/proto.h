/* Start-up messages between the VMM-side proxy and vdm-devhost over their SOCK_SEQPACKET
 * socketpair: one setup message (with the fds) in, one hello out.  Internal. */
#ifndef VDM_SANDBOX_PROTO_H
#define VDM_SANDBOX_PROTO_H

/*
 * The proxy and the device host always come from one vdm build (the proxy execs the devhost
 * it was configured with), so these structs are internal; they still carry a magic and a
 * version, are fixed-size and little-endian, and are checked on receipt.
 *
 *   proxy -> devhost  struct devhost_setup + SCM_RIGHTS fds in this order:
 *                     ring memfd, notify eventfd, [req eventfd, rsp eventfd (EVENTFD mode)],
 *                     irqfd 0 .. num_irqfds-1
 *                     A spare (vdm-devhost --spare) gets this message with flags
 *                     DEVHOST_SETUP_ARM and no spec as soon as it starts: it maps the ring,
 *                     keeps the fds and puts its seccomp filter on while it waits.  When a
 *                     device is added it gets a second one, DEVHOST_SETUP_NAME: the spec and
 *                     spin_ns, no fds.  Armed, it says so first: a struct devhost_hello with
 *                     magic DEVHOST_ARMED_MAGIC and nothing else (the proxy skips it).
 *   devhost -> proxy  the jail report (DEVHOST_JAIL_MAGIC, below) once locked down, before
 *                     any plugin code; then struct devhost_hello: status 0 with the device's
 *                     declaration, or a negative errno with one line in `err`.  Sent once
 *                     the device exists (created under the LOAD filter), just before the
 *                     SERVE filter goes on; the devhost then closes the socket.  READY
 *                     follows on the ring.
 *   spawn child -> proxy  struct devhost_hello with magic DEVHOST_EXEC_FAILED_MAGIC and
 *                     status -errno when execve of the devhost failed.
 */

#include <stddef.h>
#include <stdint.h>

#include <vdm/device.h>

#define DEVHOST_SETUP_MAGIC 0x53444456u       /* "VDDS" */
#define DEVHOST_HELLO_MAGIC 0x48444456u       /* "VDDH" */
#define DEVHOST_EXEC_FAILED_MAGIC 0x58444456u /* "VDDX" */
#define DEVHOST_ARMED_MAGIC 0x41444456u       /* "VDDA": a spare is armed, waits for a name */
#define DEVHOST_JAIL_MAGIC 0x4a444456u        /* "VDDJ": the jail report (below) */
/* 2: hello.pure_reads; 3: a spare is armed first; 4: the jail report */
#define DEVHOST_PROTO_VERSION 4u

/* The jail report: a struct devhost_hello with magic DEVHOST_JAIL_MAGIC, sent as soon as the
 * lock-down is done and before any plugin code runs (so the plugin cannot forge it):
 * `num_irqs` = the DEVHOST_NS_* namespaces the kernel refused, `err` = why, one
 * "name: reason" per namespace.  The VMM believes a refusal only from this message and
 * checks everything else in /proc. */
/* (the same bits as VDM_PROXY_NS_* in vdm/proxy.h) */
#define DEVHOST_NS_USER 1u
#define DEVHOST_NS_MNT 2u
#define DEVHOST_NS_NET 4u
#define DEVHOST_NS_IPC 8u
#define DEVHOST_NS_UTS 16u
#define DEVHOST_NS_PID 32u /* made at spawn: the proxy knows (spawned.pidns_errno) */

/* The plugin's name in the device host's empty root (a read-only copy). */
#define DEVHOST_PLUGIN_NAME "plugin.so"
#define DEVHOST_SOCK_FD 3 /* where the spawn child puts its end of the socketpair */

#define DEVHOST_SETUP_ARM 1u  /* a spare's first message: the fds, no device yet */
#define DEVHOST_SETUP_NAME 2u /* a spare's second: the device (spec, spin_ns), no fds */

#define DEVHOST_PLUGIN_MAX 1024
#define DEVHOST_SPEC_MAX 1024
#define DEVHOST_NAME_MAX 64
#define DEVHOST_ERR_MAX 512
#define DEVHOST_MAX_FDS (4 + 8)

struct devhost_setup {
	uint32_t magic;       /* DEVHOST_SETUP_MAGIC */
	uint32_t version;     /* DEVHOST_PROTO_VERSION */
	uint32_t doorbell;    /* enum vdm_ring_doorbell (FUTEX or EVENTFD) */
	uint32_t spin_ns;     /* device-side spin before sleeping, 0 = default */
	uint32_t num_irqfds;  /* 0..VDM_MAX_IRQS */
	uint32_t flags;       /* 0, or one of DEVHOST_SETUP_ARM / DEVHOST_SETUP_NAME (a spare) */
	int32_t pidns_errno;  /* 0: spawned into a new pid namespace; else why not (errno) */
	uint32_t reserved;
	char plugin[DEVHOST_PLUGIN_MAX]; /* plugin path, "" for a built-in type */
	char spec[DEVHOST_SPEC_MAX];     /* "type,key=value,..." */
};
_Static_assert(sizeof(struct devhost_setup) == 32 + DEVHOST_PLUGIN_MAX + DEVHOST_SPEC_MAX,
	       "setup message size");
_Static_assert(offsetof(struct devhost_setup, plugin) == 32, "setup message layout");

struct devhost_region {
	uint64_t size;
	uint32_t kind;
	uint32_t flags;
};
_Static_assert(sizeof(struct devhost_region) == 16, "region layout");

struct devhost_hello {
	uint32_t magic;   /* DEVHOST_HELLO_MAGIC (or DEVHOST_EXEC_FAILED_MAGIC) */
	uint32_t version; /* DEVHOST_PROTO_VERSION */
	int32_t status;   /* 0 or a negative errno */
	uint32_t bus_kind;
	uint32_t num_irqs;
	uint32_t ring_version; /* VDM_RING_WIRE_VERSION the devhost speaks */
	struct devhost_region regions[VDM_MAX_REGIONS];
	char type_name[DEVHOST_NAME_MAX];
	char err[DEVHOST_ERR_MAX];
	uint32_t pure_reads; /* version 2: the device's vdm_device_pure_reads() */
	uint32_t reserved;   /* 0 */
};
_Static_assert(offsetof(struct devhost_hello, regions) == 24, "hello layout");
_Static_assert(offsetof(struct devhost_hello, type_name) == 24 + 16 * VDM_MAX_REGIONS,
	       "hello layout");
_Static_assert(sizeof(struct devhost_hello) ==
		       24 + 16 * VDM_MAX_REGIONS + DEVHOST_NAME_MAX + DEVHOST_ERR_MAX + 8,
	       "hello size");

#endif /* VDM_SANDBOX_PROTO_H */
