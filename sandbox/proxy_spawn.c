/* Starting a proxied device: build the ring and doorbells, start vdm-devhost, hand it the
 * fds, and believe its declaration only after checking it. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "errf.h"
#include "proxy_int.h"
#include "spawn.h"

#define DEFAULT_START_TIMEOUT_MS 10000u

static int check_config(const struct vdm_proxy_config *cfg, char *err, size_t len)
{
	uint32_t i;

	if (!cfg || !vdm_abi_compatible(cfg->abi_version) ||
	    cfg->struct_size < offsetof(struct vdm_proxy_config, cpu_mask) + sizeof(uint64_t))
		return vdm__errf(err, len, -EINVAL, "proxy config: missing or of another ABI "
			    "(use VDM_STRUCT_HEAD(struct vdm_proxy_config))");
	if (!cfg->spec || !cfg->spec[0] || strlen(cfg->spec) >= DEVHOST_SPEC_MAX)
		return vdm__errf(err, len, -EINVAL, "proxy config: spec must be 1..%d bytes",
			    DEVHOST_SPEC_MAX - 1);
	if (cfg->plugin && strlen(cfg->plugin) >= DEVHOST_PLUGIN_MAX)
		return vdm__errf(err, len, -ENAMETOOLONG, "%s: plugin path longer than %d bytes",
			    cfg->plugin, DEVHOST_PLUGIN_MAX - 1);
	if (cfg->doorbell && cfg->doorbell != VDM_RING_DOORBELL_FUTEX &&
	    cfg->doorbell != VDM_RING_DOORBELL_EVENTFD)
		return vdm__errf(err, len, -EINVAL, "proxy config: doorbell %u (use FUTEX or EVENTFD)",
			    cfg->doorbell);
	if (cfg->num_irqfds > VDM_MAX_IRQS)
		return vdm__errf(err, len, -EINVAL, "proxy config: %u irqfds (at most %d)",
			    cfg->num_irqfds, VDM_MAX_IRQS);
	for (i = 0; i < cfg->num_irqfds; i++)
		if (fcntl(cfg->irqfds[i], F_GETFD) < 0)
			return vdm__errf(err, len, -EBADF, "proxy config: irqfds[%u] = %d is not open", i,
				    cfg->irqfds[i]);
	for (i = 0; i < 64; i++)
		if ((cfg->cpu_mask >> i & 1) && (long)i >= sysconf(_SC_NPROCESSORS_CONF))
			return vdm__errf(err, len, -EINVAL, "proxy config: cpu_mask %#llx names CPU %u, "
				    "this machine has %ld", (unsigned long long)cfg->cpu_mask, i,
				    sysconf(_SC_NPROCESSORS_CONF));
	return 0;
}

/* The ring lives in a sealed memfd: the device may write it but never resize it (a shrunk
 * mapping would fault the VMM on its next access). */
int vdm__proxy_make_ring(struct proxy *p, uint32_t doorbell, int *memfd, char *err, size_t len)
{
	int fd = memfd_create("vdm-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	p->ring_size = vdm_ring_mapping_size();
	if (fd < 0 || ftruncate(fd, (off_t)p->ring_size) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return vdm__errf(err, len, -e, "ring memfd: %s", strerror(e));
	}
	/* Not populated: a new memfd reads as zeros, and pages of mirrors and masks the device
	 * does not use then never exist (vdm_ring_format_fresh). */
	p->ring_mem = mmap(NULL, p->ring_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p->ring_mem == MAP_FAILED) {
		int e = errno;

		p->ring_mem = NULL;
		close(fd);
		return vdm__errf(err, len, -e, "ring mmap: %s", strerror(e));
	}
	vdm_ring_format_fresh(p->ring_mem, p->ring_size, doorbell);
	*memfd = fd;
	return 0;
}

int vdm__proxy_make_fds(struct proxy *p, uint32_t num_irqfds, const int *irqfds,
			uint32_t doorbell, char *err, size_t len)
{
	uint32_t i;

	/* All non-blocking (one open file, shared with the devhost, which ppolls its request
	 * doorbell): a device can saturate an eventfd it writes (0xfffffffffffffffe), and the
	 * VMM's next write to it must fail with EAGAIN, never block. */
	p->notify_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->notify_efd < 0)
		return vdm__errf(err, len, -errno, "eventfd: %s", strerror(errno));
	if (doorbell == VDM_RING_DOORBELL_EVENTFD) {
		p->req_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		p->rsp_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (p->req_efd < 0 || p->rsp_efd < 0)
			return vdm__errf(err, len, -errno, "eventfd: %s", strerror(errno));
	}
	if (num_irqfds == 0) {
		p->irqfds[0] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (p->irqfds[0] < 0)
			return vdm__errf(err, len, -errno, "eventfd: %s", strerror(errno));
		p->own_irqfd = true;
		p->num_irqfds = 1;
		return 0;
	}
	for (i = 0; i < num_irqfds; i++)
		p->irqfds[i] = irqfds[i];
	p->num_irqfds = num_irqfds;
	return 0;
}

int vdm__proxy_send_setup(struct proxy *p, int sock, const struct devhost_setup_args *a,
			  char *err, size_t len)
{
	struct devhost_setup s;
	int fds[DEVHOST_MAX_FDS], n = 0;
	char cbuf[CMSG_SPACE(sizeof(fds))];
	struct iovec iov = { &s, sizeof(s) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	uint32_t i;

	memset(&s, 0, sizeof(s));
	memset(cbuf, 0, sizeof(cbuf));
	s.magic = DEVHOST_SETUP_MAGIC;
	s.version = DEVHOST_PROTO_VERSION;
	s.doorbell = a->doorbell;
	s.spin_ns = a->spin_ns;
	s.num_irqfds = p->num_irqfds;
	s.flags = a->flags;
	s.pidns_errno = a->pidns_errno;
	snprintf(s.plugin, sizeof(s.plugin), "%s", a->plugin ? a->plugin : "");
	snprintf(s.spec, sizeof(s.spec), "%s", a->spec ? a->spec : "");
	if (a->memfd >= 0) { /* the fds go with the first message only */
		fds[n++] = a->memfd;
		fds[n++] = p->notify_efd;
		if (a->doorbell == VDM_RING_DOORBELL_EVENTFD) {
			fds[n++] = p->req_efd;
			fds[n++] = p->rsp_efd;
		}
		for (i = 0; i < p->num_irqfds; i++)
			fds[n++] = p->irqfds[i];
		msg.msg_control = cbuf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)n);
	}
	/* never blocks: a device host that does not read its socket only fills its buffer */
	if (sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)sizeof(s))
		return vdm__errf(err, len, -EPIPE, "device host (pid %d) did not take its start-up "
			    "message: %s", p->pid, strerror(errno));
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Printable ASCII only, NUL-terminated inside the array: the text came from the devhost. */
static void clean_text(char *s, size_t len)
{
	size_t i;

	s[len - 1] = '\0';
	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			s[i] = '?';
}

/* 1: got a hello, 0: the devhost ended, -ETIMEDOUT, -EPROTO: a message of the wrong size
 * (*got its size), -EPIPE: it closed the socket and still runs at the deadline.  Bounded by
 * timeout_ms on every path. */
static int wait_hello(struct proxy *p, int sock, uint32_t timeout_ms, struct devhost_hello *h,
		      ssize_t *got)
{
	uint64_t deadline = now_ms() + timeout_ms;
	bool closed = false;

	for (;;) {
		struct pollfd pfd[2] = { { .fd = closed ? -1 : sock, .events = POLLIN },
					 { .fd = p->pidfd, .events = POLLIN } };
		uint64_t now = now_ms();
		ssize_t n;

		if (now >= deadline)
			return closed ? -EPIPE : -ETIMEDOUT;
		if (poll(pfd, 2, (int)(deadline - now)) < 0 && errno != EINTR)
			return 0;
		if (pfd[1].revents & POLLIN && closed)
			return 0;
		if (closed)
			continue;
		/* The socket first: a devhost may say why and then exit. */
		n = recv(sock, h, sizeof(*h), MSG_DONTWAIT | MSG_TRUNC);
		if (n == (ssize_t)sizeof(*h) && h->magic == DEVHOST_ARMED_MAGIC)
			continue; /* a spare's "armed": its hello comes next */
		if (n == (ssize_t)sizeof(*h) && h->magic == DEVHOST_JAIL_MAGIC) {
			/* the jail report: believed only before any other message */
			if (!p->got_report) {
				p->got_report = true;
				p->ns_refused = h->num_irqs & (DEVHOST_NS_USER | DEVHOST_NS_MNT |
							       DEVHOST_NS_NET | DEVHOST_NS_IPC |
							       DEVHOST_NS_UTS);
				clean_text(h->err, sizeof(h->err));
				snprintf(p->ns_why, sizeof(p->ns_why), "%s", h->err);
			}
			continue;
		}
		if (n == (ssize_t)sizeof(*h))
			return 1;
		if (n > 0) {
			*got = n;
			return -EPROTO; /* not a devhost of ours */
		}
		if (n == 0) {
			/* EOF: an ending devhost closes it too; wait (bounded) to see which */
			closed = true;
			continue;
		}
		if (errno != EAGAIN && errno != EINTR)
			return 0;
		if (pfd[1].revents & POLLIN)
			return 0;
	}
}

static int check_hello(struct proxy *p, struct devhost_hello *h, const char *path, char *err,
		       size_t len)
{
	struct vdm_resources res = { VDM_STRUCT_HEAD(struct vdm_resources) };
	char why[160];
	uint32_t i;
	int rc;

	clean_text(h->err, sizeof(h->err));
	clean_text(h->type_name, sizeof(h->type_name));
	if (h->magic == DEVHOST_EXEC_FAILED_MAGIC && h->version == DEVHOST_PROTO_VERSION)
		return vdm__errf(err, len, -ENOEXEC, "%s: cannot execute the device host: %s", path,
			    strerror(h->status < 0 && h->status > -4096 ? -h->status : EINVAL));
	if (h->magic != DEVHOST_HELLO_MAGIC || h->version != DEVHOST_PROTO_VERSION ||
	    VDM_ABI_VERSION_MAJOR(h->ring_version) != VDM_RING_WIRE_MAJOR)
		return vdm__errf(err, len, -EPROTO, "%s: the device host speaks another start-up "
			    "protocol (from another vdm build?)", path);
	if (h->status < 0)
		return vdm__errf(err, len, h->status > -4096 ? h->status : -EINVAL, "%s",
			    h->err[0] ? h->err : "device host refused to start");
	if (h->status > 0 || !h->type_name[0])
		return vdm__errf(err, len, -EPROTO, "device host sent a malformed hello");
	res.bus_kind = h->bus_kind;
	res.num_irqs = h->num_irqs;
	for (i = 0; i < VDM_MAX_REGIONS; i++) {
		res.regions[i].size = h->regions[i].size;
		res.regions[i].kind = h->regions[i].kind;
		res.regions[i].flags = h->regions[i].flags;
	}
	res.pure_reads = h->pure_reads;
	rc = vdm_resources_check(&res, why, sizeof(why));
	if (rc)
		return vdm__errf(err, len, -EPROTO, "%s: device declares bad resources: %s",
			    h->type_name, why);
	p->ring_minor = VDM_ABI_VERSION_MINOR(h->ring_version);
	snprintf(p->type_name, sizeof(p->type_name), "%s", h->type_name);
	p->type = (struct vdm_device_type){ VDM_STRUCT_HEAD(struct vdm_device_type),
					    .name = p->type_name,
					    .summary = "device in a vdm-devhost process",
					    .bus_kind = res.bus_kind };
	p->dev.res = res;
	return 0;
}

int vdm__proxy_start_devhost(const char *path, uint64_t cpu_mask, bool spare, uint32_t doorbell,
			     uint32_t num_irqfds, const int *irqfds, struct proxy **out,
			     int *memfd, struct spawned *sp, char *err, size_t len)
{
	struct proxy *p = vdm__proxy_alloc();
	int rc;

	*out = NULL;
	*memfd = -1;
	if (!p)
		return vdm__errf(err, len, -ENOMEM, "out of memory");
	rc = vdm__proxy_make_ring(p, doorbell, memfd, err, len);
	if (!rc)
		rc = vdm__proxy_make_fds(p, num_irqfds, irqfds, doorbell, err, len);
	if (!rc)
		rc = vdm__spawn_devhost(path, cpu_mask, spare, sp, err, len);
	if (rc) {
		if (*memfd >= 0)
			close(*memfd);
		*memfd = -1;
		vdm__proxy_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

struct proxy *vdm__proxy_alloc(void)
{
	struct proxy *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->pidfd = p->notify_efd = p->req_efd = p->rsp_efd = -1;
	p->destroying = 1; /* no events about a device the caller never got */
	pthread_mutex_init(&p->reap_lock, NULL);
	pthread_mutex_init(&p->budget_lock, NULL);
	vdm__proxy_budget_init(p, NULL);
	snprintf(p->type_name, sizeof(p->type_name), "device");
	return p;
}

void vdm__proxy_free(struct proxy *p)
{
	if (p->pidfd >= 0)
		close(p->pidfd);
	if (p->notify_efd >= 0)
		close(p->notify_efd);
	if (p->req_efd >= 0)
		close(p->req_efd);
	if (p->rsp_efd >= 0)
		close(p->rsp_efd);
	if (p->own_irqfd)
		close(p->irqfds[0]);
	vdm_ring_client_free(p->ring);
	if (p->ring_mem)
		munmap(p->ring_mem, p->ring_size);
	pthread_mutex_destroy(&p->reap_lock);
	pthread_mutex_destroy(&p->budget_lock);
	free(p);
}

/* Start-up failed after the devhost started: its log says more, then it goes. */
static int start_failed(struct proxy *p, int rc, char *err, size_t len)
{
	char last[VDM_RING_LOG_TEXT] = "";

	syscall(SYS_pidfd_send_signal, p->pidfd, SIGKILL, NULL, 0);
	vdm__proxy_reap(p, VDM_PROXY_REAP_MS);
	vdm__proxy_drain_log(p, last, sizeof(last));
	if (last[0] && err && strlen(err) + 3 < len)
		snprintf(err + strlen(err), len - strlen(err), ": %s", last);
	vdm__proxy_free(p);
	return rc;
}

static int died_message(struct proxy *p, char *err, size_t len)
{
	vdm__proxy_reap(p, VDM_PROXY_REAP_MS); /* it has ended: no wait */
	if (p->exit.signal)
		return vdm__errf(err, len, -ECHILD, "device host (pid %d) killed by signal %d (%s) "
			    "during start-up", p->pid, p->exit.signal, strsignal(p->exit.signal));
	return vdm__errf(err, len, -ECHILD, "device host (pid %d) exited with code %d during start-up",
		    p->pid, p->exit.exit_code);
}

int vdm_proxy_spawn(const struct vdm_proxy_config *cfg, struct vdm_device **out, char *err,
		    size_t err_len)
{
	struct vdm_ring_client_config rc_cfg = { 0 };
	struct devhost_hello hello;
	struct vdm_proxy_spare *spare;
	struct spawned sp;
	struct proxy *p;
	const char *path;
	char path_buf[4096];
	uint32_t doorbell, start_ms;
	int memfd = -1, rc;

	*out = NULL;
	rc = check_config(cfg, err, err_len);
	if (rc) {
		if (cfg && cfg->struct_size >= offsetof(struct vdm_proxy_config, spare) +
						   sizeof(cfg->spare))
			vdm_proxy_spare_free(cfg->spare); /* taken on every path */
		return rc;
	}
	spare = cfg->struct_size >= offsetof(struct vdm_proxy_config, spare) + sizeof(cfg->spare)
			? cfg->spare
			: NULL;
	path = vdm__proxy_devhost_path(cfg->devhost, path_buf, sizeof(path_buf));
	doorbell = cfg->doorbell ? cfg->doorbell : VDM_RING_DOORBELL_FUTEX;
	start_ms = cfg->start_timeout_ms ? cfg->start_timeout_ms : DEFAULT_START_TIMEOUT_MS;
	/* An armed spare brings its ring and fds along: usable when this device wants what it
	 * was armed with (the futex doorbell, one interrupt line of the proxy's own). */
	p = vdm__proxy_spare_take(spare, path, cfg->cpu_mask,
				  cfg->plugin == NULL && doorbell == VDM_RING_DOORBELL_FUTEX &&
					  cfg->num_irqfds == 0,
				  &sp);
	if (!p) {
		rc = vdm__proxy_start_devhost(path, cfg->cpu_mask, false, doorbell, cfg->num_irqfds,
					      cfg->irqfds, &p, &memfd, &sp, err, err_len);
		if (rc)
			return rc;
	}
	if (cfg->host)
		memcpy(&p->host, cfg->host, cfg->host->struct_size < sizeof(p->host)
						    ? cfg->host->struct_size
						    : sizeof(p->host));
	p->on_event = cfg->on_event;
	p->opaque = cfg->opaque;
	vdm__proxy_budget_init(p, cfg);
	/* Ejects: only the hotplug controller owns them, and only a built-in one (a plugin's
	 * type may call itself anything).  The spec is the VMM's, not the device's word. */
	{
		size_t n = strcspn(cfg->spec, ",");

		p->may_eject = !cfg->plugin && ((n == 8 && !strncmp(cfg->spec, "acpi-ged", 8)) ||
						(n == 3 && !strncmp(cfg->spec, "ged", 3)));
	}
	p->pid = sp.pid;
	p->pidfd = sp.pidfd;
	if (sp.pidns_errno) /* the one namespace the VMM makes, at spawn */
		p->pidns_errno = sp.pidns_errno;
	/* The client first: even a failed start-up leaves lines in the log ring to read. */
	rc_cfg.doorbell = doorbell;
	rc_cfg.spin_ns = cfg->spin_ns;
	rc_cfg.timeout_ms = cfg->timeout_ms;
	rc_cfg.pidfd = p->pidfd;
	rc_cfg.req_efd = p->req_efd;
	rc_cfg.rsp_efd = p->rsp_efd;
	rc = vdm_ring_client_new(p->ring_mem, p->ring_size, &rc_cfg, &p->ring);
	if (rc) {
		if (memfd >= 0)
			close(memfd);
		close(sp.sock);
		return start_failed(p, vdm__errf(err, err_len, rc, "ring client: %s", strerror(-rc)),
				    err, err_len);
	}
	{
		/* memfd -1 (an armed spare): the device's name only, the fds went with ARM */
		struct devhost_setup_args a = { .memfd = memfd, .doorbell = doorbell,
						.spin_ns = cfg->dev_spin_ns,
						.flags = memfd < 0 ? DEVHOST_SETUP_NAME : 0,
						.pidns_errno = sp.pidns_errno, .plugin = cfg->plugin,
						.spec = cfg->spec };

		rc = vdm__proxy_send_setup(p, sp.sock, &a, err, err_len);
	}
	if (memfd >= 0)
		close(memfd);
	if (!rc) {
		ssize_t got = 0;

		rc = wait_hello(p, sp.sock, start_ms, &hello, &got);
		if (rc == 0)
			rc = died_message(p, err, err_len);
		else if (rc == -ETIMEDOUT)
			rc = vdm__errf(err, err_len, rc, "device host (pid %d) did not answer within %u ms",
				  p->pid, start_ms);
		else if (rc == -EPIPE)
			rc = vdm__errf(err, err_len, -ETIMEDOUT, "device host (pid %d) closed its "
				       "start-up socket without a hello and still ran after %u ms; "
				       "killed", p->pid, start_ms);
		else if (rc == -EPROTO)
			rc = vdm__errf(err, err_len, rc, "%s: device host (pid %d) sent a start-up "
				       "message of %zd bytes (%zu expected): not a vdm-devhost of this "
				       "build; killed", path, p->pid, got, sizeof(hello));
		else
			rc = check_hello(p, &hello, path, err, err_len);
	}
	close(sp.sock);
	if (rc)
		return start_failed(p, rc, err, err_len);

	if (vdm_ring_client_wait_ready(p->ring, start_ms)) {
		enum vdm_ring_fault f = vdm_ring_client_fault(p->ring);

		if (f == VDM_RING_FAULT_DEAD)
			rc = died_message(p, err, err_len);
		else
			rc = vdm__errf(err, err_len, -EPROTO, "%s (pid %d): no READY: %s", p->type_name,
				  p->pid, vdm_ring_fault_str(f));
		return start_failed(p, rc, err, err_len);
	}
	/* Believe nothing the device host said about its jail: look at it. */
	if (p->pidns_errno)
		p->ns_refused |= DEVHOST_NS_PID;
	rc = vdm__proxy_verify(p, err, err_len);
	if (rc)
		return start_failed(p, rc, err, err_len);
	vdm__proxy_budget_start(p);
	{
		/* vdm_device_init clears the head: put the checked declaration back after. */
		struct vdm_resources res = p->dev.res;

		vdm_device_init(&p->dev, res.bus_kind == VDM_BUS_PLATFORM ? &vdm__proxy_platform_ops
									 : &vdm__proxy_pci_ops,
				&p->type, cfg->host);
		/* The write masks, when the ring took them: the proxy keeps the promise too. */
		res.cfg_wmask = vdm_ring_client_cfg_wmask(p->ring);
		res.cfg_w1cmask = vdm_ring_client_cfg_w1cmask(p->ring);
		if (!res.cfg_wmask)
			res.pure_reads &= ~VDM_PURE_CFG_WRITES;
		p->dev.res = res;
	}
	__atomic_store_n(&p->destroying, 0, __ATOMIC_RELEASE);
	*out = &p->dev;
	return 0;
}
