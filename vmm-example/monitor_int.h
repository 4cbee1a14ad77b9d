/* Internal to the monitor files: the server's state (monitor.c: sockets, clients, console,
 * ejects) and the command executor over the machine (monitor_exec.c, monitor_qpci.c). */
#ifndef VMM_MONITOR_INT_H
#define VMM_MONITOR_INT_H

#include <stdatomic.h>

#include <vdm/machine.h>
#include "monitor.h"
#include "monitor_cmd.h"
#include "qmp.h"

struct mon_client {
	int fd;
	int watch;
	bool qmp;
	uint32_t events; /* what the watch waits for */
	struct mon_lines lines;
	struct qmp_session session;
	struct mon_buf out;
};

struct monitor {
	struct vmm *v;
	struct vmm_machine *vm;
	struct vdm_machine *m; /* vm->m */
	struct mon_ops ops;
	int listen_fd[2], listen_watch[2]; /* [0] human monitor, [1] QMP */
	char path[2][108];
	struct mon_client *clients[2 * MON_MAX_CLIENTS];
	int eject_fd, eject_watch;
	/* the console's monitor session (Ctrl-a c) */
	bool console_on;
	struct mon_lines console_lines;
};

/* Fill m->ops with the executor over the machine (monitor_exec.c). */
void monitor_exec_init(struct monitor *mon);
/* query-pci's JSON (monitor_qpci.c). */
void monitor_query_pci(struct vdm_machine *m, struct mon_buf *out);
/* `info devices` text (monitor_exec.c). */
struct vmm_machine;
void monitor_info_devices(struct vmm_machine *vm, struct mon_buf *out);

#endif /* VMM_MONITOR_INT_H */
