/* Internals of the PCI host bridge (machine/pci_host.c): the function slots, the routing
 * cache and the locks.  Not installed; the public interface is <vdm/pci_host.h>. */
#ifndef VDM_MACHINE_PCI_HOST_INT_H
#define VDM_MACHINE_PCI_HOST_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <vdm/pci_host.h>

/* One function attached to the host: a vdm device and where it sits. */
struct pci_host_fn {
	struct vdm_device *dev; /* NULL while the slot is free or reserved */
	struct vdm_pci_host *host;
	pthread_mutex_t lock; /* serialises every call into dev */
	bool reserved;
	bool bridge;  /* type 1 header */
	int parent;   /* index of the bridge above it, -1 = on the root bus */
	uint8_t devfn;
	uint32_t gsi; /* INTx GSI (0 = none) */
	bool irq_level;
	/* Routing cache (rebuilt on header writes; read under the host's read lock). */
	int bus;          /* current bus number, -1 = not reachable */
	int next_on_bus;  /* next fn on the same non-root bus, -1 = end */
	uint8_t sec, sub; /* bridges: secondary / subordinate as now programmed */
};

/* A decoded BAR: [base, last] reaches fns[fn], BAR `region`. */
struct pci_host_route {
	uint64_t base, last;
	uint64_t max_last; /* max of `last` over this entry and all before it */
	uint16_t fn;
	uint8_t region;
};

struct vdm_pci_host {
	pthread_rwlock_t lock; /* read: every access; write: header writes, attach, detach */
	uint8_t root_bus;
	uint8_t bus_end;
	struct pci_host_fn fns[VDM_PCI_HOST_MAX_FNS];
	int16_t root_devfn[256]; /* root bus: devfn -> fn, -1 = empty */
	int16_t bus_head[256];   /* other buses: first fn on that bus, -1 = none */
	struct pci_host_route mmio[VDM_PCI_HOST_MAX_ROUTES];
	struct pci_host_route io[VDM_PCI_HOST_MAX_ROUTES];
	uint32_t n_mmio, n_io;
	_Atomic uint32_t cf8; /* CONFIG_ADDRESS latch */
	_Atomic uint64_t rebuilds;
	pthread_mutex_t irq_lock;
	uint32_t intx_base, intx_count;            /* INTx routing (vdm_pci_host_set_intx) */
	uint32_t gsi_users[VDM_PCI_HOST_MAX_INTX]; /* asserted INTx sources per INTx interrupt */
	vdm_pci_host_irq_fn irq;
	vdm_pci_host_log_fn log;
	void *opaque;
};

/* All-ones in the low `size` bytes (size 1..8). */
static inline uint64_t pci_host_ones(uint32_t size)
{
	return size >= 8 ? UINT64_MAX : (UINT64_C(1) << (size * 8)) - 1;
}

#endif /* VDM_MACHINE_PCI_HOST_INT_H */
