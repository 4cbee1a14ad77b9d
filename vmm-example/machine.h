/* Machine assembly: the device set built from --device options (plus the root ports and the
 * GED it needs), their placement and firmware-style programming, ACPI and FDT images. */
#ifndef VMM_MACHINE_H
#define VMM_MACHINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <vdm/device.h>

#include <vdm/machine_desc.h>
#include "options.h"

struct vdm_pci_host;
struct vdm_place;
struct vdm_acpi_layout;

#define MACHINE_MAX_DEVS (VMM_MAX_DEVICE_OPTS + VDM_MACH_MAX_ROOT_PORTS + 4)

struct machine_dev;

/* Bus-handler context of one platform-device region. */
struct machine_region {
	struct machine_dev *d;
	uint32_t region;
};

struct machine_dev {
	struct vdm_device *dev;
	char id[VDM_MACH_ID_MAX];
	bool implicit;  /* added by the machine, not by a --device */
	int fn;         /* pci_host slot; -1 for platform devices */
	int parent;     /* devs[] index of the root port above it; -1 = root bus */
	uint8_t devfn;  /* on its bus */
	int root_port;  /* desc.root_ports[] index (root ports only), else -1 */
	const struct vdm_device_type *type;
	struct vdm_prop_values props; /* as given (root ports: with slot= filled in) */
	const char *spec;             /* the --device text, NULL for implicit devices */
	bool slot_given;              /* addr= was given */
	/* platform devices: where their regions are, and a lock serialising calls */
	uint64_t region_base[VDM_MAX_REGIONS];
	struct machine_region rctx[VDM_MAX_REGIONS];
	_Atomic uint64_t reads[VDM_MAX_REGIONS]; /* platform: guest reads per region */
	pthread_mutex_t lock;
	struct machine *m;
	/* hotplug bookkeeping (machine_hotplug.c) */
	int state;                         /* enum machine_dev_state */
	bool hp_recorded;                  /* hp_addr[] is held in the placement (m->place) */
	uint64_t hp_addr[VDM_MAX_REGIONS]; /* where the placement put its BARs */
	char spec_buf[256];                /* owned copy of a hot-added device's spec */
};

/* Life of a device entry. */
enum machine_dev_state {
	MACHINE_DEV_RUNNING = 0,
	MACHINE_DEV_EJECTING, /* unplug requested; removed when the guest ejects the slot */
	MACHINE_DEV_FAILED,   /* its device process died or misbehaved */
	MACHINE_DEV_REMOVED,  /* entry free for reuse (no device) */
};

/* Interrupt sink: drive GSI `gsi` to `level`.  Set by the VMM once KVM exists; until then
 * interrupts are dropped (nothing runs). */
typedef void (*machine_irq_fn)(void *opaque, uint32_t gsi, uint32_t level);

struct machine {
	struct vdm_mach_desc desc;
	unsigned phys_bits;
	struct vdm_pci_host *pci;
	struct machine_dev devs[MACHINE_MAX_DEVS];
	unsigned ndevs;
	int ged; /* devs[] index of the GED, -1 = none */
	/* ACPI tables as they go at `acpi_base` in guest memory; rsdp is inside */
	uint8_t *acpi;
	size_t acpi_len;
	uint64_t acpi_base, rsdp;
	struct vdm_acpi_layout *acpi_layout; /* where each table sits in `acpi` */
	/* flattened device tree, for --dump-dtb */
	void *fdt;
	size_t fdt_len;
	machine_irq_fn irq;
	void *irq_opaque;
	/* GED eject of (bus selector, slot): the hotplug code hooks in here; NULL = log only */
	void (*eject)(void *opaque, uint32_t bsel, uint32_t slot);
	void *eject_opaque;
	/* placement state, kept for hot-add (firmware/vdm_place.h) */
	struct vdm_place *place;
	/* warnings from placement etc., '\n'-terminated lines for main() to print */
	char warnings[4096];
	/* statistics: accesses to platform devices that returned an error */
	uint64_t bad_accesses;
};

/*
 * Build the machine for `o`: memory map for a guest with `phys_bits` address bits,
 * devices (root ports for endpoints without bus=, `o->hotplug_ports` free ones, the GED),
 * placement, config-space programming, ACPI tables and FDT.  Nothing here needs KVM.
 * Returns 0, or a negative errno with one line in err naming the value and the fix.
 */
int machine_build(struct machine *m, const struct vmm_options *o, unsigned phys_bits,
		  char *err, size_t err_len);
void machine_destroy(struct machine *m);

/*
 * Hot-add a PCI endpoint the way ACPI hotplug does it: behind the root port named by its
 * bus= property (or the first empty hotplug-capable one), attached with its BARs
 * unassigned (the guest's acpiphp assigns them), slot marked present, and the GED's PCI
 * hotplug event raised for that port's bus selector.  Callable while the guest runs.
 * Returns the devs[] index, or -errno with one line in err (no such port, port occupied or
 * not hotplug-capable, ACPI hotplug off, device creation failed).  A device whose BARs
 * do not fit the windows firmware programmed is still added; `warn` (may be NULL) then
 * says so: the guest cannot grow an open window (it may open a closed one).
 */
int machine_hot_add(struct machine *m, const struct vdm_device_type *t,
		    const struct vdm_prop_values *props, const char *spec, char *warn,
		    size_t warn_len, char *err, size_t err_len);

/* machine_hot_add_ex flags */
#define MACHINE_HOT_ADD_REFUSE_NO_FIT 1u /* refuse (-ENOSPC) BARs the windows cannot hold */

/*
 * machine_hot_add with flags.  With MACHINE_HOT_ADD_REFUSE_NO_FIT a BAR set that no longer
 * fits the root port's free window space is refused before the guest sees anything:
 * -ENOSPC, err names the BAR, its size, the window and its free space.  Either way a BAR
 * set that fits is recorded in the placement (released again by machine_eject); the id
 * must be unused (-EEXIST) and shorter than VDM_MACH_ID_MAX (-EINVAL).
 */
int machine_hot_add_ex(struct machine *m, const struct vdm_device_type *t,
		       const struct vdm_prop_values *props, const char *spec, unsigned flags,
		       char *warn, size_t warn_len, char *err, size_t err_len);

/* devs[] index of the device (not a removed entry) with this id, or -1. */
int machine_find_dev(const struct machine *m, const char *id);

/*
 * device_del: ask the guest to eject device `id` (GED down bit + event); it stays until the
 * guest's _EJ0 reaches machine_eject.  0, or -ENOENT (no such id), -EINVAL (not behind a
 * hotplug-capable root port, ACPI hotplug off), -EBUSY (already being ejected), with err.
 */
int machine_unplug_request(struct machine *m, const char *id, char *err, size_t err_len);

/*
 * The guest ejected slot `slot` of bus selector `bsel`: detach the device there from PCI
 * routing (no vCPU is inside it afterwards), give its BARs back to the placement, destroy
 * it (a device process is stopped), clear the slot's presence, free the entry.  Call from
 * the thread that changes the topology (the event loop), never from a vCPU.  Returns the
 * freed entry's index with its id in id_out, or -ENOENT when that slot holds nothing.
 */
int machine_eject(struct machine *m, uint32_t bsel, uint32_t slot, char *id_out,
		  size_t id_len);

/* `info pci`-style listing: one line per function, BAR and window, stable and greppable. */
void machine_print_topology(struct machine *m, FILE *out);

/* Write each ACPI table to dir (rsdp.dat, xsdt.dat, facp.dat, apic.dat, mcfg.dat,
 * dsdt.aml).  0 or -errno (reason in err). */
int machine_dump_acpi(const struct machine *m, const char *dir, char *err, size_t err_len);
/* Write the FDT.  0 or -errno (reason in err). */
int machine_dump_dtb(const struct machine *m, const char *path, char *err, size_t err_len);

/* Bus handlers for platform-device regions; opaque = &devs[i].rctx[region]. */
void machine_platform_read(void *opaque, uint64_t offset, uint32_t size, uint64_t *value);
void machine_platform_write(void *opaque, uint64_t offset, uint32_t size, uint64_t value);

#endif /* VMM_MACHINE_H */
