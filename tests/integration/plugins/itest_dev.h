/* The integration tests' own device ("itest-dev") and its hostile twin ("itest-evil"):
 * register map shared by the plugins and the tests that drive them. */
#ifndef ITEST_DEV_H
#define ITEST_DEV_H

#include <stdint.h>

#include <vdm/device.h>

#define ITEST_VENDOR 0x1af4
#define ITEST_DEVICE 0x7e57
#define ITEST_CFG_SIZE 4096u
#define ITEST_CFG_RO 0x0c /* bytes below this are read-only (ids, class) */
#define ITEST_BAR0_SIZE 4096u

/* BAR 0 magic registers (8-byte aligned, any width). */
#define ITEST_REG_IRQ 0xf00      /* write: pulse irq line 0 */
#define ITEST_REG_LOG 0xf08      /* write: log "itest log <value>" */
#define ITEST_REG_HANG 0xf10     /* read: never answers (sleeps forever) */
#define ITEST_REG_EJECT 0xf18    /* write: host->eject(value >> 8, value & 0xff) */
#define ITEST_REG_HOOK_SEL 0xfe0 /* write: argument for the hook */
#define ITEST_REG_HOOK 0xfe8     /* read: the type's hook (evil actions), else scratch */
#define ITEST_REG_TAG 0xff8      /* read: the tag property */

/* Hook selectors for itest-evil (written to ITEST_REG_HOOK_SEL, then read ITEST_REG_HOOK). */
enum itest_evil {
	EVIL_OPEN = 1,       /* open("/etc/passwd") */
	EVIL_SOCKET = 2,     /* socket(AF_INET, SOCK_STREAM) */
	EVIL_EXECVE = 3,     /* execve("/bin/true") */
	EVIL_PTRACE = 4,     /* ptrace(PTRACE_TRACEME) */
	EVIL_BAD_SEQ = 5,    /* forge a response with the wrong sequence id, then hang */
	EVIL_BAD_SIZE = 6,   /* forge a response with size 3 */
	EVIL_TORN_RSP = 7,   /* move rsp_prod 1000 ahead */
	EVIL_TORN_REQ = 8,   /* move req_cons 1000 ahead (the VMM notices on its next request) */
	EVIL_BAD_KIND = 9,   /* forge a response with an unknown kind */
	EVIL_TWO_RSP = 10,   /* answer twice */
	EVIL_BAD_STATUS = 11,/* forge a response with status 7 */
	EVIL_LOG_JUNK = 12,  /* a log line with escape codes and no NUL, then answer normally */
	EVIL_LOG_BAD = 13,   /* a log entry of unknown kind */
	EVIL_FORK = 14,      /* fork() */
	EVIL_ASSERT = 15,    /* assert() fails */
};

struct itest_dev;
typedef uint64_t (*itest_hook_fn)(struct itest_dev *d);

struct itest_dev {
	struct vdm_device dev; /* must be first */
	uint8_t cfg[ITEST_CFG_SIZE];
	uint8_t bar0[ITEST_BAR0_SIZE];
	uint8_t bar2_window[256];
	uint64_t bar2_size;
	uint32_t tag;
	uint64_t hook_arg;
	itest_hook_fn hook;
};

extern const struct vdm_device_type itest_dev_type;

/* Shared constructor for both plugin types. */
struct vdm_prop_values;
int itest_dev_create(const struct vdm_device_type *type, const struct vdm_prop_values *props,
		     const struct vdm_host *host, struct vdm_device **out);

#endif /* ITEST_DEV_H */
