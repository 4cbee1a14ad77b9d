/* The integration tests' plugin: exports "itest-dev" (honest) and "itest-evil" (the same
 * device plus a hook that attacks its own device host) through the plugin entry point. */
#undef NDEBUG /* EVIL_ASSERT needs a live assert() in every build type */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vdm/abi.h>
#include <vdm/ring.h>

#include "devhost.h" /* sandbox/devhost.h: a hostile plugin knows its host's layout */
#include "itest_dev.h"

static void hang(void)
{
	uint32_t word = 0;

	for (;;)
		syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
}

/* Publish `n` forged responses behind the devhost's back, wake the VMM, and hang so the
 * devhost never publishes the real one. */
static void forge(struct vdm_ring_header *h, const struct vdm_ring_entry *e, uint32_t n)
{
	struct vdm_ring_entry *rsp =
		(struct vdm_ring_entry *)((char *)h + VDM_RING_RSP_OFFSET);
	uint32_t prod = __atomic_load_n(&h->rsp_prod, __ATOMIC_ACQUIRE), i;

	for (i = 0; i < n; i++)
		memcpy(&rsp[(prod + i) & (VDM_RING_RSP_ENTRIES - 1)], e, sizeof(*e));
	__atomic_store_n(&h->rsp_prod, prod + n, __ATOMIC_RELEASE);
	__atomic_fetch_add(&h->rsp_bell, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &h->rsp_bell, FUTEX_WAKE, 1, NULL, NULL, 0);
	hang();
}

static void junk_log(struct vdm_ring_header *h, uint32_t kind)
{
	struct vdm_ring_log *log = (struct vdm_ring_log *)((char *)h + VDM_RING_LOG_OFFSET);
	uint32_t prod = __atomic_load_n(&h->log_prod, __ATOMIC_ACQUIRE);
	struct vdm_ring_log *e = &log[prod & (VDM_RING_LOG_ENTRIES - 1)];
	size_t i;

	e->kind = kind;
	e->level = VDM_LOG_INFO;
	for (i = 0; i < sizeof(e->text); i++)
		e->text[i] = (i % 3 == 0) ? '\x1b' : 'A'; /* escape codes, and no NUL at all */
	__atomic_store_n(&h->log_prod, prod + 1, __ATOMIC_RELEASE);
}

static uint64_t evil_hook(struct itest_dev *d)
{
	struct devhost *dh = d->dev.host.opaque;
	struct vdm_ring_header *h = dh->ring_mem;
	const struct vdm_ring_entry *req =
		(const struct vdm_ring_entry *)((char *)h + VDM_RING_REQ_OFFSET);
	uint32_t cons = __atomic_load_n(&h->req_cons, __ATOMIC_ACQUIRE);
	struct vdm_ring_entry e = req[(cons - 1) & (VDM_RING_REQ_ENTRIES - 1)];
	char *const argv[] = { "true", NULL };

	/* the correct answer to the request being served, to be spoiled below */
	e.kind |= VDM_RING_KIND_RESPONSE;
	e.data = 0;
	e.status = 0;
	switch (d->hook_arg) {
	case EVIL_OPEN:
		return (uint64_t)open("/etc/passwd", O_RDONLY);
	case EVIL_SOCKET:
		return (uint64_t)socket(AF_INET, SOCK_STREAM, 0);
	case EVIL_EXECVE:
		return (uint64_t)execve("/bin/true", argv, argv + 1);
	case EVIL_PTRACE:
		return (uint64_t)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	case EVIL_FORK:
		return (uint64_t)fork();
	case EVIL_ASSERT:
		assert(d->hook_arg == 0); /* fails: it is EVIL_ASSERT */
		return 0;
	case EVIL_BAD_SEQ:
		e.seq += 5;
		forge(h, &e, 1);
		break;
	case EVIL_BAD_SIZE:
		e.size = 3;
		forge(h, &e, 1);
		break;
	case EVIL_BAD_KIND:
		e.kind = 0x7f;
		forge(h, &e, 1);
		break;
	case EVIL_BAD_STATUS:
		e.status = 7;
		forge(h, &e, 1);
		break;
	case EVIL_TWO_RSP:
		forge(h, &e, 2);
		break;
	case EVIL_TORN_RSP:
		__atomic_store_n(&h->rsp_prod, h->rsp_prod + 1000, __ATOMIC_RELEASE);
		hang();
		break;
	case EVIL_TORN_REQ:
		__atomic_store_n(&h->req_cons, cons + 1000, __ATOMIC_RELEASE);
		return 0;
	case EVIL_LOG_JUNK:
		junk_log(h, VDM_RING_LOG_LINE);
		return 0;
	case EVIL_LOG_BAD:
		junk_log(h, 99);
		return 0;
	}
	return UINT64_MAX;
}

static int evil_create(const struct vdm_prop_values *props, const struct vdm_host *host,
		       struct vdm_device **out, char *err, size_t err_len);

static const struct vdm_device_type itest_evil_type = {
	VDM_STRUCT_HEAD(struct vdm_device_type),
	.name = "itest-evil",
	.summary = "itest-dev that attacks its own device host on request",
	.props_schema = NULL,
	.num_props = 0,
	.bus_kind = VDM_BUS_PCI_ENDPOINT,
	.create = evil_create,
};

static int evil_create(const struct vdm_prop_values *props, const struct vdm_host *host,
		       struct vdm_device **out, char *err, size_t err_len)
{
	int rc = itest_dev_create(&itest_evil_type, props, host, out);

	(void)err;
	(void)err_len;
	if (!rc)
		((struct itest_dev *)*out)->hook = evil_hook;
	return rc;
}

static const struct vdm_device_type *const types[] = { &itest_dev_type, &itest_evil_type };

static const struct vdm_plugin plugin = {
	VDM_STRUCT_HEAD(struct vdm_plugin),
	.name = "itest",
	.types = types,
	.num_types = 2,
};

VDM_PLUGIN_ENTRY(host_abi_version)
{
	(void)host_abi_version;
	return &plugin;
}
