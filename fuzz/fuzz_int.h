/* libvdm-fuzz internals shared by its files: the runner's state and the device-instance
 * helpers (create in-process or sandboxed, host callbacks, per-op health checks). */
#ifndef VDM_FUZZ_INT_H
#define VDM_FUZZ_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <vdm/fuzz.h>
#include <vdm/plugin.h>
#include <vdm/props.h>
#include <vdm/proxy.h>

/* A checked config read / write that must be handled (pci_check.c). */
uint32_t vdm__fuzz_pci_rd(const struct vdm_fuzz_pci *p, uint32_t off, uint32_t size);
void vdm__fuzz_pci_wr(const struct vdm_fuzz_pci *p, uint32_t off, uint32_t size, uint32_t v);

struct vdm_fuzz {
	struct vdm_fuzz_config cfg; /* strings point at the copies below */
	char *plugin, *spec, *devhost;
	struct vdm_plugin_handle *plugin_h; /* in-process plugin */
	const struct vdm_device_type *type; /* in-process */
	struct vdm_prop_values props;       /* in-process: the spec's properties */
	char type_name[64];
	struct vdm_host host;     /* callbacks into the runner (opaque = the runner) */
	int irqfds[VDM_MAX_IRQS]; /* sandbox: one eventfd per possible line, ours */
	char summary[320];

	/* The input being run. */
	struct vdm_device *dev;
	struct vdm_fuzz_sink sink; /* counts, names the op, forwards to cfg.sink */
	struct vdm_fuzz_region_ctx rc;
	struct vdm_fuzz_pci pci; /* PCI devices */
	bool is_pci;
	bool controlled;       /* a host-control call succeeded in this input */
	bool reporting;        /* inside the sink: no nested reports */
	unsigned findings;
	unsigned op_no;
	char op[160];          /* the op running now ("" between inputs) */
	uint64_t irq_edges[VDM_MAX_IRQS];
	bool host_failed;      /* sandbox: an event came (text in host_event) */
	char host_event[256];
};

/* instance.c */
int vdm__fuzz_prepare(struct vdm_fuzz *fz, char *err, size_t err_len);
int vdm__fuzz_create(struct vdm_fuzz *fz, char *err, size_t err_len);
void vdm__fuzz_destroy(struct vdm_fuzz *fz);
void vdm__fuzz_unprepare(struct vdm_fuzz *fz);
/* Sandbox: let posted writes (and the interrupts they raise) land: one round trip. */
void vdm__fuzz_sync(struct vdm_fuzz *fz);
/* Sandbox: after an op, notice a failed device host; unless `light`, also deliver its log
 * and look at the interrupt lines.  In-process: nothing to do (the callbacks check). */
void vdm__fuzz_after_op(struct vdm_fuzz *fz, bool light);

#endif /* VDM_FUZZ_INT_H */
