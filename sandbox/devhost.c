/* vdm-devhost: one sandboxed process per device.  Receives the ring and its fds from the VMM,
 * locks itself down, then loads and creates the device under seccomp and serves the ring. */
#include <errno.h>
#include <link.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <vdm/builtin.h>
#include <vdm/props.h>

#include "devhost.h"

#define RING_MAX_SIZE (1u << 20)

enum devhost_exit {
	EXIT_SETUP = 2,    /* bad start-up message or device creation failed (hello says why) */
	EXIT_LOCKDOWN = 3, /* a lock-down step that must not be skipped failed */
	EXIT_TORN = 4,     /* the VMM's side of the ring is torn, or its doorbell broken */
	EXIT_ASSERT = 134, /* a failed assert() (128 + SIGABRT, as a shell would show it) */
};

#ifdef VDM_DEVHOST_SANITIZED
/* LeakSanitizer's exit-time check needs ptrace and threads, which the filter forbids. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}
#endif

/* The one device host of this process, for __assert_fail below. */
static struct devhost *the_devhost;

/*
 * glibc's assert() ends in __assert_fail(), which prints to stderr and calls abort().  In a
 * locked-down devhost neither works: stderr is closed, and abort()'s SIGABRT is ignored by
 * the init of a pid namespace, after which abort() asks for rt_sigaction and dies by SIGSYS,
 * which would read as a seccomp violation.  So the devhost defines it (and exports it to
 * plugins, see devhost.dynlist): the assertion goes to the ring's log, then exit code 134.
 */
void __assert_fail(const char *assertion, const char *file, unsigned int line,
		   const char *function) __attribute__((noreturn));
void __assert_fail(const char *assertion, const char *file, unsigned int line,
		   const char *function)
{
	/* The assertion first: a log entry has a size limit, and a long path or a compiler's
	 * full function signature must not push the words that matter past it. */
	if (the_devhost)
		devhost_log(the_devhost, VDM_LOG_ERROR, "assertion '%s' failed in %s (%s:%u)",
			    assertion, function, file, line);
	else
		fprintf(stderr, "vdm-devhost: assertion '%s' failed in %s (%s:%u)\n", assertion,
			function, file, line);
	syscall(SYS_exit_group, EXIT_ASSERT);
	__builtin_unreachable();
}

void devhost_log(struct devhost *dh, uint32_t level, const char *fmt, ...)
{
	char line[VDM_RING_LOG_TEXT];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (dh->srv) {
		vdm_ring_server_log(dh->srv, VDM_RING_LOG_LINE, level, 0, 0, line);
	} else if (dh->num_early < sizeof(dh->early) / sizeof(dh->early[0])) {
		dh->early[dh->num_early].level = level;
		memcpy(dh->early[dh->num_early++].text, line, sizeof(line));
	}
}

/* ---- host callbacks handed to the device ---- */

static void host_set_irq(void *opaque, uint32_t line, uint32_t level)
{
	struct devhost *dh = opaque;
	uint64_t one = 1;

	/* The irqfd is an edge: the rising edge signals it, the falling edge is nothing. */
	if (!level)
		return;
	if (line >= dh->num_irqfds) {
		if (line < 32 && !(dh->warned_lines & (1u << line))) {
			dh->warned_lines |= 1u << line;
			devhost_log(dh, VDM_LOG_WARN, "irq line %u raised but the VMM gave %u irqfds",
				    line, dh->num_irqfds);
		}
		return;
	}
	if (write(dh->irqfds[line], &one, sizeof(one)) < 0) {
		/* an overflowing eventfd counter is the only failure; the edge is pending */
	}
}

static void host_log(void *opaque, uint32_t level, const char *msg)
{
	struct devhost *dh = opaque;

	vdm_ring_server_log(dh->srv, VDM_RING_LOG_LINE, level, 0, 0, msg);
}

static void host_eject(void *opaque, uint32_t bus_sel, uint32_t slot)
{
	struct devhost *dh = opaque;

	vdm_ring_server_log(dh->srv, VDM_RING_LOG_EJECT, VDM_LOG_INFO, bus_sel, slot, "");
}

/* ---- start-up ---- */

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void send_hello(struct devhost *dh, struct devhost_hello *hello)
{
	hello->magic = DEVHOST_HELLO_MAGIC;
	hello->version = DEVHOST_PROTO_VERSION;
	hello->ring_version = VDM_RING_WIRE_VERSION;
	/* (sendto: the call an armed spare's filter allows on its socket) */
	if (sendto(dh->sock, hello, sizeof(*hello), MSG_NOSIGNAL, NULL, 0) !=
		    (ssize_t)sizeof(*hello) &&
	    hello->status)
		fprintf(stderr, "vdm-devhost: %s\n", hello->err); /* no VMM to tell: say it here */
}

static void fail_setup(struct devhost *dh, struct devhost_hello *hello, int rc, const char *fmt,
		       ...) __attribute__((format(printf, 4, 5), noreturn));

static void fail_setup(struct devhost *dh, struct devhost_hello *hello, int rc, const char *fmt,
		       ...)
{
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(hello->err, sizeof(hello->err), fmt, ap);
		va_end(ap);
	}
	hello->status = rc;
	send_hello(dh, hello);
	_exit(EXIT_SETUP);
}

/* The first set-up message, with the fds: flags 0, or DEVHOST_SETUP_ARM in a spare. */
static void recv_setup(struct devhost *dh, struct devhost_setup *setup, uint32_t want_flags,
		       int *memfd, struct devhost_hello *hello)
{
	char cbuf[CMSG_SPACE(sizeof(int) * DEVHOST_MAX_FDS)];
	struct iovec iov = { setup, sizeof(*setup) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fds[DEVHOST_MAX_FDS], nfds = 0, want, i = 0;
	ssize_t n;
	uint32_t j;

	do
		n = recvmsg(dh->sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		_exit(EXIT_SETUP); /* the VMM went away before telling us anything */
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			nfds = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(fds, CMSG_DATA(cm), sizeof(int) * (size_t)nfds);
		}
	if (n != (ssize_t)sizeof(*setup) || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    setup->magic != DEVHOST_SETUP_MAGIC || setup->version != DEVHOST_PROTO_VERSION)
		fail_setup(dh, hello, -EPROTO, "setup message: wrong size or version");
	if (setup->doorbell != VDM_RING_DOORBELL_FUTEX &&
	    setup->doorbell != VDM_RING_DOORBELL_EVENTFD)
		fail_setup(dh, hello, -EPROTO, "setup message: doorbell mode %u",
				  setup->doorbell);
	if (setup->num_irqfds > VDM_MAX_IRQS || setup->flags != want_flags)
		fail_setup(dh, hello, -EPROTO, "setup message: %u irqfds, flags %#x",
				  setup->num_irqfds, setup->flags);
	setup->plugin[sizeof(setup->plugin) - 1] = '\0';
	setup->spec[sizeof(setup->spec) - 1] = '\0';
	want = 2 + (setup->doorbell == VDM_RING_DOORBELL_EVENTFD ? 2 : 0) + (int)setup->num_irqfds;
	if (nfds != want)
		fail_setup(dh, hello, -EPROTO, "setup message: %d fds, %d expected", nfds,
				  want);
	*memfd = fds[i++];
	dh->notify_efd = fds[i++];
	dh->req_efd = dh->rsp_efd = -1;
	if (setup->doorbell == VDM_RING_DOORBELL_EVENTFD) {
		dh->req_efd = fds[i++];
		dh->rsp_efd = fds[i++];
	}
	for (j = 0; j < setup->num_irqfds; j++)
		dh->irqfds[j] = fds[i++];
	dh->num_irqfds = setup->num_irqfds;
	dh->doorbell = setup->doorbell;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; an older kernel says EINVAL: pages then fault */
#endif

static void map_ring(struct devhost *dh, int memfd, struct devhost_hello *hello)
{
	struct stat st;

	if (fstat(memfd, &st) || st.st_size < (off_t)VDM_RING_MIN_SIZE ||
	    st.st_size > RING_MAX_SIZE)
		fail_setup(dh, hello, -EPROTO, "ring memfd: size %lld not in %u..%u",
			   (long long)st.st_size, VDM_RING_MIN_SIZE, RING_MAX_SIZE);
	dh->ring_size = (size_t)st.st_size;
	dh->ring_mem = mmap(NULL, dh->ring_size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	close(memfd);
	if (dh->ring_mem == MAP_FAILED)
		fail_setup(dh, hello, -errno, "ring memfd: mmap: %s", strerror(errno));
	/* The rings are used at once: populated in one call instead of a page fault per page
	 * (each costs tens of microseconds where the host is itself a guest).  Not the mirrors
	 * and masks: populating a page of a memfd allocates it, and a device uses few of them
	 * (they fault in when it fills them, before READY). */
	madvise(dh->ring_mem, VDM_RING_MIRROR_OFFSET, MADV_POPULATE_WRITE);
}

/* The ring server over the mapped ring (memory only, no system call), then the lines logged
 * before it existed. */
static void start_server(struct devhost *dh, uint32_t spin_ns, struct devhost_hello *hello)
{
	struct vdm_ring_server_config cfg = { .spin_ns = spin_ns, .req_efd = dh->req_efd,
					      .rsp_efd = dh->rsp_efd,
					      .notify_efd = dh->notify_efd };
	int rc = vdm_ring_server_new(dh->ring_mem, dh->ring_size, &cfg, &dh->srv);

	if (rc)
		fail_setup(dh, hello, rc, "ring: %s", rc == -EPROTO ? "bad layout" : strerror(-rc));
	for (uint32_t i = 0; i < dh->num_early; i++)
		vdm_ring_server_log(dh->srv, VDM_RING_LOG_LINE, dh->early[i].level, 0, 0,
				    dh->early[i].text);
	dh->num_early = 0;
}

/* Create the device `setup` names and fill the hello's declaration.  0, or a negative
 * errno with `err` filled (nothing created). */
static int make_device(struct devhost *dh, const struct devhost_setup *setup,
		       struct devhost_hello *hello, char *err, size_t err_len)
{
	const struct vdm_device_type *const *types;
	struct vdm_host host = { VDM_STRUCT_HEAD(struct vdm_host), .opaque = dh,
				 .set_irq = host_set_irq, .log = host_log, .eject = host_eject };
	struct vdm_prop_values pv;
	char why[DEVHOST_ERR_MAX - 64] = "";
	size_t ntypes;
	uint32_t i;
	int rc;

	if (setup->plugin[0]) {
		char at[64];

		/* the copy in the empty root, or (no mount namespace) the fd opened before */
		if (dh->new_root)
			snprintf(at, sizeof(at), "/" DEVHOST_PLUGIN_NAME);
		else
			snprintf(at, sizeof(at), "/proc/self/fd/%d", dh->plugin_fd);
		rc = vdm_plugin_load(at, &dh->plugin, err, err_len);
		if (rc) {
			char said[DEVHOST_ERR_MAX + DEVHOST_PLUGIN_MAX];
			size_t n = strlen(at);

			/* name the file the VMM asked for, not the copy */
			if (strncmp(err, at, n) == 0)
				snprintf(said, sizeof(said), "%s%s", setup->plugin, err + n);
			else
				snprintf(said, sizeof(said), "%s: %s", setup->plugin, err);
			snprintf(err, err_len, "%.*s", (int)(err_len - 1), said);
			return rc;
		}
		types = vdm_plugin_info(dh->plugin)->types;
		ntypes = vdm_plugin_info(dh->plugin)->num_types;
	} else {
		types = vdm_builtin_types(&ntypes);
	}
	rc = vdm_props_parse(setup->spec, types, ntypes, NULL, 0, &dh->type, &pv, err, err_len);
	if (rc)
		return rc;
	rc = dh->type->create(&pv, &host, &dh->dev, why, sizeof(why));
	if (rc || !dh->dev) {
		snprintf(err, err_len, "%s: %s", dh->type->name, why[0] ? why : "create failed");
		dh->dev = NULL;
		return rc ? rc : -EINVAL;
	}
	rc = vdm_device_check(dh->dev, dh->type->bus_kind, why, sizeof(why));
	if (rc) {
		snprintf(err, err_len, "%s: %s", dh->type->name, why);
		vdm_device_destroy(dh->dev);
		dh->dev = NULL;
		return rc;
	}
	memset(hello, 0, sizeof(*hello));
	hello->bus_kind = dh->dev->res.bus_kind;
	hello->num_irqs = dh->dev->res.num_irqs;
	for (i = 0; i < VDM_MAX_REGIONS; i++) {
		hello->regions[i].size = dh->dev->res.regions[i].size;
		hello->regions[i].kind = dh->dev->res.regions[i].kind;
		hello->regions[i].flags = dh->dev->res.regions[i].flags;
	}
	hello->pure_reads = vdm_device_pure_reads(dh->dev);
	snprintf(hello->type_name, sizeof(hello->type_name), "%s", dh->type->name);
	return 0;
}

static void create_device(struct devhost *dh, const struct devhost_setup *setup,
			  struct devhost_hello *hello)
{
	char err[DEVHOST_ERR_MAX];
	int rc = make_device(dh, setup, hello, err, sizeof(err));

	if (rc)
		fail_setup(dh, hello, rc, "%s", err);
}

/* The plugin file, opened with the VMM's credentials before the jail (the device host
 * may not be able to reach it afterwards); its code runs only once the jail is on. */
static void open_plugin(struct devhost *dh, const struct devhost_setup *setup,
			struct devhost_hello *hello)
{
	struct stat st;

	if (!setup->plugin[0])
		return;
	dh->plugin_fd = open(setup->plugin, O_RDONLY | O_CLOEXEC);
	if (dh->plugin_fd < 0)
		fail_setup(dh, hello, -ENOENT, "%s: cannot load: %s", setup->plugin,
			   strerror(errno));
	if (fstat(dh->plugin_fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > (256 << 20))
		fail_setup(dh, hello, -ENOEXEC, "%s: cannot load: not a regular file of 1 byte to "
			   "256 MiB", setup->plugin);
	dh->plugin_size = st.st_size;
}

/* What the jail could not do, told to the VMM before any plugin code runs (proto.h). */
static void send_jail_report(struct devhost *dh)
{
	struct devhost_hello r = { .magic = DEVHOST_JAIL_MAGIC, .version = DEVHOST_PROTO_VERSION,
				   .num_irqs = dh->ns_refused };

	snprintf(r.err, sizeof(r.err), "%s", dh->ns_why);
	sendto(dh->sock, &r, sizeof(r), MSG_NOSIGNAL, NULL, 0);
}

static int serve(struct devhost *dh)
{
	struct vdm_ring_entry req;
	uint64_t data;
	int32_t status;
	int r;

	for (;;) {
		/* (the read mirror is refreshed inside, before the server sleeps) */
		r = vdm_ring_server_next(dh->srv, &req, true);
		if (r < 0)
			return EXIT_TORN;
		r = vdm_ring_dispatch(dh->dev, &req, &data, &status);
		if (r == -ESHUTDOWN)
			break;
		vdm_ring_server_mirror_note(dh->srv, &req);
		if (r)
			vdm_ring_server_respond(dh->srv, &req, data, status);
		else if (status < 0)
			vdm_ring_server_count_write_error(dh->srv);
	}
	vdm_device_destroy(dh->dev);
	return 0;
}

static int check_plugin(const char *path)
{
	struct vdm_plugin_handle *h;
	const struct vdm_plugin *p;
	char err[512];
	uint32_t i;

	if (vdm_plugin_load(path, &h, err, sizeof(err))) {
		fprintf(stderr, "vdm-devhost: %s\n", err);
		return 1;
	}
	p = vdm_plugin_info(h);
	printf("%s: plugin %s, ABI %u.%u, %u device type(s):\n", path, p->name ? p->name : "?",
	       VDM_ABI_VERSION_MAJOR(p->abi_version), VDM_ABI_VERSION_MINOR(p->abi_version),
	       p->num_types);
	for (i = 0; i < p->num_types; i++)
		printf("  %s  %s\n", p->types[i]->name,
		       p->types[i]->summary ? p->types[i]->summary : "");
	vdm_plugin_unload(h);
	return 0;
}

/* A spare keeps what malloc frees (no trimming, no separate mappings below 1 MiB): the heap
 * its filter was built in (tens of KiB, resident) is where its device is then allocated,
 * so the device's creation finds those pages present instead of faulting each one in. */
static void keep_heap(void)
{
	mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024);
}

/* What set-up left free in the heap (property parsing, the plugin's own create()) goes back
 * to the kernel (brk and madvise(MADV_DONTNEED), both allowed by the filters) before
 * serving. */
static void release_setup_heap(void)
{
	malloc_trim(0);
}

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14 */
#endif

/* The devhost's own object only (dlpi_name "": the program, libvdm linked in).  Populating
 * the C library and the others too mapped all of their code (1.7 MiB of libc) into every
 * spare: its proportional share of pages nothing else touched is memory the spares hold
 * (about 0.3 MiB each, measured), for the few libc pages a device's creation would fault. */
static int populate_object(struct dl_phdr_info *info, size_t size, void *opaque)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

	(void)size;
	(void)opaque;
	if (info->dlpi_name && info->dlpi_name[0])
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = (info->dlpi_addr + ph->p_vaddr) & ~(page - 1);
		uintptr_t end = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + page - 1) &
				~(page - 1);

		/* an older kernel says EINVAL: then the pages fault in as the device runs */
		if (ph->p_type == PT_LOAD && end > start)
			madvise((void *)start, end - start, MADV_POPULATE_READ);
	}
	return 0;
}

/* A spare also maps in, while it waits, the code and data of the devhost (libvdm's devices
 * included): creating the device and serving its first requests then take no page fault
 * for code run for the first time.  Where the host is itself a guest each such fault costs
 * tens of microseconds, and a device's start-up touches dozens.  And the stack its device's
 * creation will use: a cold device host's whole stack after start-up is 16 KiB. */
static void __attribute__((noinline)) warm_code_and_stack(void)
{
	volatile char stack[24 * 1024];

	dl_iterate_phdr(populate_object, NULL);
	for (size_t i = 0; i < sizeof(stack); i += 4096)
		stack[i] = 0;
}

/* A spare is locked down before its device is named: nothing can be loaded from files. */
static void refuse_plugin(struct devhost *dh, const struct devhost_setup *setup,
			  struct devhost_hello *hello)
{
	if (setup->plugin[0])
		fail_setup(dh, hello, -EINVAL, "%s: a spare device host runs built-in types only "
			   "(start a new one for a plugin)", setup->plugin);
}

/* The pid namespace the spawn could not give us (0: it did). */
static void log_pidns(struct devhost *dh, int pidns_errno)
{
	if (pidns_errno)
		/* debug only: the jail report carries it, and the VMM says it once per run */
		devhost_log(dh, VDM_LOG_DEBUG, "pid namespace: refused by the kernel at spawn (%s); "
			    "continuing without it", strerror(pidns_errno));
}

/* An armed spare's second message: which device to be (no fds; read under the filter). */
static void recv_name(struct devhost *dh, struct devhost_setup *setup,
		      struct devhost_hello *hello)
{
	ssize_t n;

	do
		n = recvfrom(dh->sock, setup, sizeof(*setup), MSG_TRUNC, NULL, NULL);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		_exit(EXIT_SETUP); /* the spare was dropped before it got a device */
	if (n != (ssize_t)sizeof(*setup) || setup->magic != DEVHOST_SETUP_MAGIC ||
	    setup->version != DEVHOST_PROTO_VERSION || setup->flags != DEVHOST_SETUP_NAME)
		fail_setup(dh, hello, -EPROTO, "device message: wrong size, version or kind");
	setup->plugin[sizeof(setup->plugin) - 1] = '\0';
	setup->spec[sizeof(setup->spec) - 1] = '\0';
	refuse_plugin(dh, setup, hello);
}

/* Where start-up time goes (debug level): "main" is when main() began (the VMM's
 * monotonic clock is the same one), then how long each step took. */
static void log_startup(struct devhost *dh, const char *const *steps, const uint64_t *t,
			int n)
{
	char line[200];
	size_t len = (size_t)snprintf(line, sizeof(line), "start-up us: main %llu",
				      (unsigned long long)t[0]);

	for (int i = 1; i < n && len < sizeof(line); i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %s %llu", steps[i - 1],
					(unsigned long long)(t[i] - t[i - 1]));
	devhost_log(dh, VDM_LOG_DEBUG, "%s", line);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vdm-devhost [--sock FD]     serve one device for a VMM (started by "
		   "the vdm proxy)\n"
		   "       vdm-devhost --spare         the same, locked down before the device is "
		   "named\n"
		   "                                   (a spare the proxy keeps; built-in types "
		   "only)\n"
		   "       vdm-devhost --check PLUGIN  load a plugin, list its device types\n");
}

/* A spare: locked down and armed (ring mapped, fds kept, filter on) before it is told which
 * device to be; the socket is the one fd the filter lets it read, answer on and close. */
static int run_spare(struct devhost *dh)
{
	static const char *const steps[] = { "armed", "wait", "device", "hello" };
	struct devhost_setup setup;
	struct devhost_hello hello = { 0 };
	char err[DEVHOST_ERR_MAX], expected[DEVHOST_SPEC_MAX] = "";
	uint64_t t[5];
	void *filter;
	int memfd = -1, jail_rc, pidns_errno;

	t[0] = mono_us();
	/* The ARM message first: by then the VMM has mapped our uid in the user namespace it
	 * may have made at spawn (a non-root VMM's), which the jail needs. */
	recv_setup(dh, &setup, DEVHOST_SETUP_ARM, &memfd, &hello);
	jail_rc = devhost_jail(dh);
	if (!jail_rc)
		send_jail_report(dh);
	pidns_errno = setup.pidns_errno;
	map_ring(dh, memfd, &hello);
	refuse_plugin(dh, &setup, &hello);
	if (jail_rc)
		fail_setup(dh, &hello, -EPERM, "lock-down failed (see the device log)");
	if (devhost_close_fds(dh))
		fail_setup(dh, &hello, -EBADF, "cannot renumber the kept fds");
	filter = devhost_seccomp_build(dh, DEVHOST_FILTER_SPARE, err, sizeof(err));
	if (!filter)
		fail_setup(dh, &hello, -EPERM, "%s", err);
	if (devhost_limit_fds(dh))
		devhost_log(dh, VDM_LOG_WARN, "RLIMIT_NOFILE: %s", strerror(errno));
	keep_heap();
	warm_code_and_stack();
	/* Never serve unfiltered: a failed load ends the process (the proxy then starts a new
	 * device host for the device this spare would have got). */
	if (devhost_seccomp_load(filter))
		fail_setup(dh, &hello, -EPERM, "seccomp: cannot load the filter on every thread");
	start_server(dh, 0, &hello);
	the_devhost = dh;
	log_pidns(dh, pidns_errno);
	/* The device the VMM expects next, made now (a wrong or bad guess is dropped). */
	if (setup.spec[0] && make_device(dh, &setup, &hello, err, sizeof(err)) == 0) {
		snprintf(expected, sizeof(expected), "%s", setup.spec);
		vdm_ring_server_mirror_setup(dh->srv, dh->dev);
	}
	release_setup_heap();
	t[1] = mono_us();
	{
		/* "armed": the proxy prefers a spare that said so (vdm_proxy_spare_ready) */
		struct devhost_hello armed = { .magic = DEVHOST_ARMED_MAGIC,
					       .version = DEVHOST_PROTO_VERSION };

		sendto(dh->sock, &armed, sizeof(armed), MSG_NOSIGNAL, NULL, 0);
	}
	recv_name(dh, &setup, &hello);
	t[2] = mono_us();
	if (setup.spin_ns)
		vdm_ring_server_set_spin(dh->srv, setup.spin_ns);
	if (!dh->dev || strcmp(setup.spec, expected)) {
		if (dh->dev) {
			vdm_device_destroy(dh->dev);
			dh->dev = NULL;
		}
		create_device(dh, &setup, &hello);
		vdm_ring_server_mirror_setup(dh->srv, dh->dev);
	}
	t[3] = mono_us();
	send_hello(dh, &hello);
	close(dh->sock);
	t[4] = mono_us();
	log_startup(dh, steps, t, 5);
	vdm_ring_server_ready(dh->srv);
	return serve(dh);
}

int main(int argc, char **argv)
{
	static const char *const steps[] = { "wait", "jail", "filter", "device", "seccomp+mirror" };
	struct devhost dh = { .sock = DEVHOST_SOCK_FD, .notify_efd = -1, .req_efd = -1,
			      .rsp_efd = -1, .plugin_fd = -1 };
	struct devhost_setup setup;
	struct devhost_hello hello = { 0 };
	char err[256];
	uint64_t t[6];
	void *load, *filter;
	int memfd = -1, fd, spare = 0;

	if (argc == 3 && strcmp(argv[1], "--check") == 0)
		return check_plugin(argv[2]);
	if (argc == 3 && strcmp(argv[1], "--sock") == 0)
		dh.sock = atoi(argv[2]);
	else if (argc == 2 && strcmp(argv[1], "--spare") == 0)
		spare = 1;
	else if (argc != 1) {
		usage(argc == 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
		return argc == 2 && strcmp(argv[1], "--help") == 0 ? 0 : 1;
	}
#ifdef VDM_DEVHOST_SANITIZED
	dh.keep_stderr = 1;
#endif
	/* Die with the VMM.  (Started by a VMM that already died: the socket reads EOF.) */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* 0..2 must be taken so received fds never land there. */
	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0)
			return EXIT_SETUP;
	/* Straight to exit_group: no atexit or sanitizer exit hooks after lock-down (ASan's
	 * would call sigaltstack and die by SIGSYS instead of exiting 0). */
	if (spare)
		syscall(SYS_exit_group, run_spare(&dh));

	t[0] = mono_us();
	recv_setup(&dh, &setup, 0, &memfd, &hello);
	t[1] = mono_us();
	map_ring(&dh, memfd, &hello);
	start_server(&dh, setup.spin_ns, &hello);
	the_devhost = &dh;
	log_pidns(&dh, setup.pidns_errno);
	open_plugin(&dh, &setup, &hello);

	/* The jail first: no plugin code (not even its constructors) runs outside it. */
	if (devhost_jail(&dh))
		fail_setup(&dh, &hello, -EPERM, "lock-down failed (see the device log)");
	send_jail_report(&dh);
	if (devhost_close_fds(&dh))
		fail_setup(&dh, &hello, -EBADF, "cannot renumber the kept fds");
	vdm_ring_server_set_fds(dh.srv, dh.req_efd, dh.rsp_efd, dh.notify_efd);
	t[2] = mono_us();
	load = devhost_seccomp_build(&dh, DEVHOST_FILTER_LOAD, err, sizeof(err));
	filter = load ? devhost_seccomp_build(&dh, DEVHOST_FILTER_SERVE, err, sizeof(err)) : NULL;
	if (!filter)
		fail_setup(&dh, &hello, -EPERM, "%s", err);
	if (devhost_limit_fds(&dh))
		devhost_log(&dh, VDM_LOG_WARN, "RLIMIT_NOFILE: %s", strerror(errno));
	/* Never create or serve unfiltered: a failed load ends the process. */
	if (devhost_seccomp_load(load))
		fail_setup(&dh, &hello, -EPERM, "seccomp: cannot load the filter on every thread");
	t[3] = mono_us();
	create_device(&dh, &setup, &hello);
	if (dh.plugin_fd >= 0) {
		close(dh.plugin_fd);
		dh.plugin_fd = -1;
	}
	t[4] = mono_us();
	send_hello(&dh, &hello);
	close(dh.sock);
	/* The serving filter on top, on every thread (a thread the device made could only
	 * exist if clone had been let through; TSYNC covers it all the same). */
	if (devhost_seccomp_load(filter)) {
		devhost_log(&dh, VDM_LOG_ERROR, "seccomp: cannot load the serving filter on every "
			    "thread; refusing to serve");
		_exit(EXIT_LOCKDOWN);
	}
	vdm_ring_server_mirror_setup(dh.srv, dh.dev);
	release_setup_heap();
	t[5] = mono_us();
	log_startup(&dh, steps, t, 6);
	vdm_ring_server_ready(dh.srv);
	syscall(SYS_exit_group, serve(&dh));
	return 0;
}
