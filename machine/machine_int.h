/* Internals of struct vdm_machine shared by its files: machine.c (life and queries),
 * machine_plan.c (device set), machine_fw.c (placement, GED, tables), hotplug.c, dispatch.c. */
#ifndef VDM_MACHINE_MACHINE_INT_H
#define VDM_MACHINE_MACHINE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vdm/acpi_tables.h>
#include <vdm/hotplug.h>
#include <vdm/machine.h>
#include <vdm/pci_host.h>

#include "acpi_pm.h"
#include "bus.h"
#include "pl011.h"
#include "uart16550.h"

struct vdm_place;
struct machine_dev;

/* Bus-handler context of one platform-device region. */
struct machine_region {
	struct machine_dev *d;
	uint32_t region;
};

/* Life of an entry (public states first). */
enum machine_dev_state {
	MACHINE_DEV_RUNNING = VDM_MACHINE_DEV_RUNNING,
	MACHINE_DEV_EJECTING = VDM_MACHINE_DEV_EJECTING,
	MACHINE_DEV_REMOVED, /* entry free for reuse (no device) */
};

struct machine_dev {
	struct vdm_device *dev;
	char id[VDM_MACH_ID_MAX];
	bool implicit;  /* added by the machine, not by vdm_machine_add */
	int fn;         /* pci host slot; -1 for platform devices */
	int parent;     /* devs[] index of the root port above it; -1 = root bus */
	uint8_t devfn;  /* on its bus */
	int root_port;  /* desc.root_ports[] index (root ports only), else -1 */
	const struct vdm_device_type *type;
	struct vdm_prop_values props; /* as given (root ports: with slot= and chassis= filled in) */
	const char *spec;             /* for messages; NULL for implicit devices */
	bool slot_given;              /* addr= was given */
	bool hot_added;
	/* platform devices: where their regions are, and a lock serialising calls */
	uint64_t region_base[VDM_MAX_REGIONS];
	struct machine_region rctx[VDM_MAX_REGIONS];
	_Atomic uint64_t reads[VDM_MAX_REGIONS]; /* platform: guest reads per region */
	pthread_mutex_t lock;
	struct vdm_machine *m;
	int state;                         /* enum machine_dev_state */
	bool hp_recorded;                  /* hp_addr[] is held in the placement (m->place) */
	uint64_t hp_addr[VDM_MAX_REGIONS]; /* where the placement put its BARs */
	char *spec_copy;                   /* owned copy of spec (vdm_machine_add_spec, hot-add) */
};

struct vdm__machine_arch;

struct vdm_machine {
	struct vdm_machine_config cfg;
	const struct vdm__machine_arch *arch;
	struct vdm_mach_desc desc;
	struct vdm_pci_host *pci;
	struct machine_dev devs[VDM_MACHINE_MAX_DEVICES];
	unsigned ndevs;
	int ged; /* devs[] index of the GED, -1 = none */
	bool realized;
	/* fixed decoders: port I/O and MMIO ranges of the platform (not the BARs) */
	struct bus pio, mmio;
	struct uart16550 uart; /* x86's console UART (COM1) */
	struct pl011 pl011;    /* arm64's */
	struct power pm;
	/* ACPI tables as they go at desc.acpi.base in guest memory */
	uint8_t *acpi;
	struct vdm_acpi_layout *acpi_layout;
	/* placement state, kept for hot-add (vdm/place.h) */
	struct vdm_place *place;
	/* ejects the guest made, not yet processed: a slot bitmap per bus selector */
	_Atomic uint32_t eject_pending[VDM_MACH_MAX_ROOT_PORTS + 1];
	char warnings[4096];
	/* Device ids compared so far (naming generated ids, checking given ones): the work a
	 * machine of hundreds of ports does there, which a test keeps from growing back. */
	uint64_t id_compares;
	_Atomic uint64_t bad_accesses;
};

/* Format err (if len) and return rc. */
int vdm__mfail(char *err, size_t len, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* True for an entry holding a device (not free). */
static inline bool machine_dev_live(const struct machine_dev *d)
{
	return d->dev && d->state != MACHINE_DEV_REMOVED;
}

static inline bool machine_type_is_pci(const struct vdm_device_type *t)
{
	return t->bus_kind == VDM_BUS_PCI_ENDPOINT || t->bus_kind == VDM_BUS_PCI_BRIDGE;
}

/* machine.c */
/* A free entry for a device of type `t` (a removed one first); NULL when full. */
struct machine_dev *vdm__machine_new_dev(struct vdm_machine *m, const struct vdm_device_type *t,
				   const char *spec);
/* Give an entry back (its device already destroyed or never made). */
void vdm__machine_free_dev(struct vdm_machine *m, struct machine_dev *d);
/* Copy the caller's property values into d->props after vdm_props_check (only the bytes the
 * caller's struct has).  0, or -EINVAL with err naming `what`. */
int vdm__machine_copy_props(struct machine_dev *d, const struct vdm_prop_values *props,
			    const char *what, char *err, size_t len);
/* Keep a copy of `spec` in d (d->spec points at it).  0 or -ENOMEM. */
int vdm__machine_own_spec(struct machine_dev *d, const char *spec);
/* The first free "<prefix><n>" id. */
void vdm__machine_gen_id(struct vdm_machine *m, struct machine_dev *d, const char *prefix);
/* Index of the live device with this id, or -1. */
int vdm__machine_find_dev(const struct vdm_machine *m, const char *id);
/* Create d's device through the backend (PCI: reserve a host slot; root ports: slot= and
 * chassis= filled in; platform: the machine's callbacks).  0 or -errno with err. */
int vdm__machine_create_dev(struct vdm_machine *m, struct machine_dev *d, char *err, size_t len);
/* Destroy device `dev` (named `id`) through the backend. */
void vdm__machine_destroy_dev(struct vdm_machine *m, const char *id, struct vdm_device *dev);

/* machine_plan.c: ids, buses (a root port for each endpoint without bus=), free hotplug
 * ports, root-bus slots, the GED; then create and attach every device. */
int vdm__machine_plan(struct vdm_machine *m, char *err, size_t len);

/* machine_fw.c */
int vdm__machine_place(struct vdm_machine *m, char *err, size_t len);
int vdm__machine_add_ged(struct vdm_machine *m, char *err, size_t len);
int vdm__machine_tables(struct vdm_machine *m, char *err, size_t len);
void vdm__machine_fw_free(struct vdm_machine *m);

/* dispatch.c: the fixed decoders (UART, PM port, CF8/CFC, ECAM, platform regions). */
int vdm__machine_wire(struct vdm_machine *m, char *err, size_t len);
void vdm__machine_platform_read(void *opaque, uint64_t offset, uint32_t size, uint64_t *value);
void vdm__machine_platform_write(void *opaque, uint64_t offset, uint32_t size, uint64_t value);

/* hotplug_fit.c: whether the memory BARs in `regions` fit the windows root port `port_fn` (id
 * `port_id`) has as the guest programmed them now: 0, or -ENOSPC with the reason in why. */
int vdm__hotplug_live_fit(struct vdm_pci_host *pci, int port_fn, const char *port_id,
			  const struct vdm_region_decl *regions, char *why, size_t why_len);

/* hotplug.c: the GED's eject callback (any thread). */
void vdm__machine_note_eject(struct vdm_machine *m, uint32_t bsel, uint32_t slot);

#endif /* VDM_MACHINE_MACHINE_INT_H */
