/* A device host that speaks the start-up protocol but never locks itself down (or breaks
 * the protocol), for the hostile-plugin suite: the VMM must refuse or bound each of these. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vdm/builtin.h>
#include <vdm/props.h>
#include <vdm/ring.h>

#include "proto.h" /* sandbox/proto.h */

/*
 * The spec names the misbehaviour (the proxy passes it through untouched):
 *   "short"   a 10-byte message on the start-up socket, then stay alive
 *   "close"   close the start-up socket, then stay alive
 *   "silent"  say nothing, stay alive
 *   anything else  a built-in device of that spec, served with no lock-down at all, after a
 *             jail report that claims every namespace was refused
 */
static void stay_alive(void)
{
	for (;;)
		pause();
}

int main(void)
{
	struct devhost_setup setup;
	struct devhost_hello hello = { .magic = DEVHOST_HELLO_MAGIC,
				       .version = DEVHOST_PROTO_VERSION,
				       .ring_version = VDM_RING_WIRE_VERSION };
	struct devhost_hello report = { .magic = DEVHOST_JAIL_MAGIC,
					.version = DEVHOST_PROTO_VERSION, .num_irqs = 0x3f };
	char cbuf[CMSG_SPACE(sizeof(int) * DEVHOST_MAX_FDS)], err[256];
	struct iovec iov = { &setup, sizeof(setup) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct vdm_ring_server_config scfg = { 0 };
	const struct vdm_device_type *const *types, *type;
	struct vdm_host host = { VDM_STRUCT_HEAD(struct vdm_host) };
	struct vdm_ring_server *srv;
	struct vdm_prop_values pv;
	struct vdm_device *dev;
	struct vdm_ring_entry req;
	struct cmsghdr *cm;
	int fds[DEVHOST_MAX_FDS] = { -1, -1 };
	struct stat st;
	size_t ntypes;
	void *mem;

	if (recvmsg(DEVHOST_SOCK_FD, &msg, 0) != (ssize_t)sizeof(setup))
		return 2;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(fds, CMSG_DATA(cm), cm->cmsg_len - CMSG_LEN(0));
	setup.spec[sizeof(setup.spec) - 1] = '\0';
	if (strcmp(setup.spec, "short") == 0) {
		send(DEVHOST_SOCK_FD, "0123456789", 10, MSG_NOSIGNAL);
		stay_alive();
	}
	if (strcmp(setup.spec, "close") == 0) {
		close(DEVHOST_SOCK_FD);
		stay_alive();
	}
	if (strcmp(setup.spec, "silent") == 0)
		stay_alive();
	if (fstat(fds[0], &st))
		return 2;
	mem = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
	scfg.req_efd = scfg.rsp_efd = -1;
	scfg.notify_efd = fds[1];
	if (mem == MAP_FAILED || vdm_ring_server_new(mem, (size_t)st.st_size, &scfg, &srv))
		return 2;
	types = vdm_builtin_types(&ntypes);
	if (vdm_props_parse(setup.spec, types, ntypes, NULL, 0, &type, &pv, err, sizeof(err)) ||
	    type->create(&pv, &host, &dev, err, sizeof(err)))
		return 2;
	hello.bus_kind = dev->res.bus_kind;
	hello.num_irqs = dev->res.num_irqs;
	for (int i = 0; i < VDM_MAX_REGIONS; i++) {
		hello.regions[i].size = dev->res.regions[i].size;
		hello.regions[i].kind = dev->res.regions[i].kind;
		hello.regions[i].flags = dev->res.regions[i].flags;
	}
	snprintf(hello.type_name, sizeof(hello.type_name), "%s", type->name);
	snprintf(report.err, sizeof(report.err), "all: refused (a lie)");
	send(DEVHOST_SOCK_FD, &report, sizeof(report), MSG_NOSIGNAL);
	send(DEVHOST_SOCK_FD, &hello, sizeof(hello), MSG_NOSIGNAL);
	vdm_ring_server_ready(srv);
	for (;;) {
		uint64_t data;
		int32_t status;
		int r;

		if (vdm_ring_server_next(srv, &req, true) < 0)
			return 4;
		r = vdm_ring_dispatch(dev, &req, &data, &status);
		if (r == -ESHUTDOWN)
			return 0;
		if (r)
			vdm_ring_server_respond(srv, &req, data, status);
	}
}
