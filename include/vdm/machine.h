/* libvdm-machine: a VM's platform as firmware would set it up (memory map, PCI host bridge,
 * root ports with big windows, GED, UART, ACPI tables) and what it decodes while the guest runs. */
#ifndef VDM_MACHINE_H
#define VDM_MACHINE_H

/*
 * API contract
 * ------------
 * A `struct vdm_machine` is everything of a VM that is not the CPU: the devices (each a
 * `struct vdm_device`, see device.h), the PCI host bridge they sit on, the root ports with
 * their bridge windows, the ACPI GED with the PCI hotplug registers, the console UART (x86: a
 * 16550A at 0x3f8 and the ACPI power-management ports; arm64: a PL011 in MMIO and the PCI I/O
 * window as MMIO), and the ACPI tables (and a device tree) that describe them.  It
 * makes no KVM call and owns no thread or event loop: the VMM creates the VM and the vCPUs,
 * hands every guest access the machine should decode to vdm_machine_mmio_*() / _pio_*(),
 * passes interrupts on (config.set_irq), and copies the ACPI tables into guest memory.
 * Hot-plugging while the guest runs is in <vdm/hotplug.h>.
 *
 * Life of a machine:
 *   vdm_machine_create()       memory map for the architecture, PCI host, host bridge 00:00.0
 *   vdm_machine_add*()         devices to cold-plug (root ports, endpoints, a GED), any order
 *   vdm_machine_realize()      ids, buses and slots resolved, free hotplug root ports added,
 *                              devices created, BARs/windows/bus numbers placed and programmed
 *                              into config space, GED set up, ACPI tables built
 *   vdm_machine_mmio_*() ...   the guest runs
 *   vdm_machine_destroy()
 *
 * Threads: accesses (vdm_machine_mmio_*, _pio_*) may come from any number of vCPU threads at
 * once; each device is called by one thread at a time.  Everything else (adding, realizing,
 * hot-plugging, vdm_machine_process_eject, destroying) comes from one control thread.
 * The callbacks in the config are called from the thread that caused them (usually a vCPU
 * during an access) and must not call back into the machine, except where noted.
 *
 * Errors: functions return 0 (or an index) on success and a negative errno on failure, with
 * one line in `err` (when err_len > 0) that names the value and the fix, e.g.
 * "--device testdev,bus=rp9: bus=rp9: no pcie-root-port with id=rp9 (or use bus=pcie.0)".
 * Nothing is printed; warnings are kept for vdm_machine_warnings().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <vdm/device.h>
#include <vdm/machine_desc.h>
#include <vdm/pci_host.h>
#include <vdm/props.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vdm_machine;

/* How many devices a machine holds, host bridge, root ports and GED included. */
#define VDM_MACHINE_MAX_DEVICES 512
/* Id of the root bus in bus= properties. */
#define VDM_MACHINE_ROOT_BUS "pcie.0"

/* What the guest's ACPI power-management registers asked for. */
enum vdm_machine_power_event {
	VDM_MACHINE_POWER_OFF = 0, /* S5 through the FADT sleep control register */
	VDM_MACHINE_RESET = 1,     /* the FADT reset register */
};

/*
 * Where the machine's devices come from: the VMM decides how each device runs (in this
 * process, or sandboxed through <vdm/proxy.h>).  Every callback may be NULL.
 */
struct vdm_machine_backend {
	/* Create a device of type `t` with properties `props` (the type's own and the machine's
	 * id/bus/addr, which the type ignores) and host callbacks `host`, as t->create() does.
	 * NULL: t->create() in this process.  A sandboxed device's interrupt may arrive on an
	 * irqfd the VMM wires itself instead of host->set_irq; its log and eject requests through
	 * host->log / host->eject when the VMM polls it. */
	int (*create_device)(void *opaque, const struct vdm_device_type *t,
			     const struct vdm_prop_values *props, const struct vdm_host *host,
			     struct vdm_device **out, char *err, size_t err_len);
	/* Free device `id` the machine no longer uses (after the guest ejected it, or at
	 * vdm_machine_destroy).  NULL: vdm_device_destroy(). */
	void (*destroy_device)(void *opaque, const char *id, struct vdm_device *dev);
	/* The guest wrote the PCI hotplug eject register of the GED `dev`: a sandboxed GED's
	 * eject request travels asynchronously, so deliver what `dev` queued now (the sandbox:
	 * vdm_proxy_ping + vdm_proxy_poll), before the guest's _EJ0 returns.  Called with the
	 * device's lock held, from the vCPU thread.  NULL: nothing to deliver (in-process). */
	void (*deliver)(void *opaque, struct vdm_device *dev);
	void *opaque;
};

struct vdm_machine_config {
	uint32_t struct_size; /* sizeof(struct vdm_machine_config) */
	uint32_t arch;        /* enum vdm_arch (machine_desc.h) */
	uint64_t ram_size;    /* bytes, a multiple of 1 MiB (x86) or 2 MiB (arm64) */
	/* Guest physical address bits (x86: CPUID 0x80000008 EAX[7:0] the guest will see);
	 * bounds the 64-bit PCI aperture. */
	uint32_t phys_bits;
	uint32_t num_cpus;
	bool acpi_pci_hotplug;    /* ACPI PCI hotplug through the GED (what vdm is for) */
	uint32_t preserve_policy; /* enum vdm_preserve_policy: the host bridge _DSM 5 answer */
	/* Empty hotplug-capable root ports added at realize, beyond those the devices need. */
	uint32_t hotplug_ports;
	struct vdm_machine_backend backend;
	/* Drive interrupt `gsi` to `level` (x86: an IOAPIC pin; KVM_IRQ_LINE).  NULL: dropped. */
	void (*set_irq)(void *opaque, uint32_t gsi, uint32_t level);
	/* A device's log line (`who` is its id or location).  NULL: dropped. */
	void (*log)(void *opaque, const char *who, uint32_t level, const char *msg);
	/* Bytes the guest wrote to the UART.  NULL: dropped. */
	void (*console_out)(void *opaque, const uint8_t *buf, size_t len);
	/* The guest asked to power off or reset.  NULL: ignored. */
	void (*power)(void *opaque, enum vdm_machine_power_event ev);
	/* The guest ejected a hot-pluggable slot: call vdm_machine_process_eject() from the
	 * control thread soon (vdm/hotplug.h).  May be called from a vCPU.  NULL: the VMM polls. */
	void (*eject_pending)(void *opaque);
	void *opaque; /* passed to the callbacks above (not to the backend's) */
};

/* The properties every device spec takes besides its type's own: id=, bus=, addr=. */
extern const struct vdm_prop_desc vdm_machine_props[];
extern const size_t vdm_machine_num_props;

/*
 * Write "type,prop=value,..." of `t` with its own properties only (not id=, bus=, addr=): the
 * spec a device host needs to make the same device (vdm_proxy_config.spec).  Returns 0, or
 * -E2BIG when it does not fit `len` bytes.
 */
int vdm_machine_type_spec(const struct vdm_device_type *t, const struct vdm_prop_values *values,
			  char *spec, size_t len);

/*
 * Parse "type,prop=value,..." against the built-in device types and vdm_machine_props:
 * *type and *values on success.  Returns 0 or -EINVAL with the reason in err.
 */
int vdm_machine_parse_spec(const char *spec, const struct vdm_device_type **type,
			   struct vdm_prop_values *values, char *err, size_t err_len);

/*
 * Make a machine: memory map of `cfg->arch` for the RAM and address width, the PCI host and
 * its host-bridge function.  Returns 0 and *out, -EINVAL (bad config: err says which field),
 * -ENOTSUP (architecture not built in), -ENOMEM.
 */
int vdm_machine_create(const struct vdm_machine_config *cfg, struct vdm_machine **out,
		       char *err, size_t err_len);

/* Destroy every device (through the backend) and free the machine.  NULL is fine. */
void vdm_machine_destroy(struct vdm_machine *m);

/*
 * Add a device to cold-plug, before vdm_machine_realize().  `props` may hold id= (a name for
 * bus= and messages), bus= (the id of a pcie-root-port, or "pcie.0" for the root bus; an
 * endpoint without bus= gets a root port of its own) and addr= (slot on its bus).  `spec`
 * names the device in messages (may be NULL); it and `props`' strings must outlive the
 * machine (vdm_machine_add_spec copies).  Returns 0, -EINVAL (bad placement props, a second
 * GED, a platform type the machine has no place for), -ENOSPC (too many devices), -EBUSY
 * (realized already).
 */
int vdm_machine_add(struct vdm_machine *m, const struct vdm_device_type *t,
		    const struct vdm_prop_values *props, const char *spec, char *err,
		    size_t err_len);

/* vdm_machine_parse_spec() + vdm_machine_add() of a copy of `spec`. */
int vdm_machine_add_spec(struct vdm_machine *m, const char *spec, char *err, size_t err_len);

/*
 * Assemble, create, place, program and describe the machine (see the contract above).  After
 * success the guest may run.  Returns 0, or the first failure: -EINVAL (conflicting ids,
 * buses or slots), -ENOSPC (a BAR or an explicit reserve does not fit; too many root ports),
 * a device's create() error, -ENOMEM.  Placement warnings (a default window shrunk to fit)
 * are in vdm_machine_warnings().  On failure destroy the machine.
 */
int vdm_machine_realize(struct vdm_machine *m, char *err, size_t err_len);

/* Warning lines ('\n'-terminated, "" when none) from realize, e.g. shrunk windows. */
const char *vdm_machine_warnings(const struct vdm_machine *m);

/* The placed machine as firmware describes it (valid after realize; the memory map, bus
 * range and apertures already after create). */
const struct vdm_mach_desc *vdm_machine_desc(const struct vdm_machine *m);

/*
 * The ACPI tables (after realize): `*blob` (`*len` bytes) goes at guest-physical `*gpa`;
 * the RSDP is at `*rsdp` (x86 Linux: boot_params.acpi_rsdp_addr).  Any out pointer may be
 * NULL.  Returns 0, or -ENOENT before realize.
 */
int vdm_machine_acpi(const struct vdm_machine *m, const uint8_t **blob, size_t *len,
		     uint64_t *gpa, uint64_t *rsdp);

/* Write the ACPI tables to directory `dir` (rsdp.dat, xsdt.dat, facp.dat, apic.dat, mcfg.dat,
 * dsdt.aml; arm64 also gtdt.dat and spcr.dat; as `iasl -d` reads them).  0 or -errno with err. */
int vdm_machine_dump_acpi(const struct vdm_machine *m, const char *dir, char *err,
			  size_t err_len);

struct vdm_fdt_boot;
/*
 * The machine's flattened device tree into buf[0..size) (vdm/fdt.h: vdm_fdt_build of the
 * machine's description; `boot` may be NULL).  0, -ENOSPC (buffer too small), -EINVAL.
 */
int vdm_machine_fdt(const struct vdm_machine *m, const struct vdm_fdt_boot *boot, void *buf,
		    size_t size, char *err, size_t err_len);

/*
 * Guest accesses.  `size` is 1, 2, 4 or 8; values are little-endian numbers in the low bytes.
 * Each returns true when the address is the machine's (ECAM, the platform devices, a BAR as
 * the guest programmed it, the UART; on x86 CF8/CFC and the power ports; on arm64 the PCI I/O
 * window, whose port p is MMIO at desc.pci_io_cpu_base + p), false when not (a
 * read then gives all-ones): the VMM handles the rest.
 */
bool vdm_machine_mmio_read(struct vdm_machine *m, uint64_t addr, uint32_t size,
			   uint64_t *value);
bool vdm_machine_mmio_write(struct vdm_machine *m, uint64_t addr, uint32_t size,
			    uint64_t value);
bool vdm_machine_pio_read(struct vdm_machine *m, uint64_t port, uint32_t size, uint64_t *value);
bool vdm_machine_pio_write(struct vdm_machine *m, uint64_t port, uint32_t size, uint64_t value);

/* Bytes for the UART's receiver (keyboard input).  Returns how many fitted; the rest stays
 * with the caller.  Any one thread. */
size_t vdm_machine_console_in(struct vdm_machine *m, const uint8_t *buf, size_t len);
/* Room in the UART's receive buffer. */
size_t vdm_machine_console_space(struct vdm_machine *m);

/* Life of a device entry. */
enum vdm_machine_dev_state {
	VDM_MACHINE_DEV_RUNNING = 0,
	VDM_MACHINE_DEV_EJECTING = 1, /* unplug requested; removed when the guest ejects it */
};

/* One device, as vdm_machine_device() reports it.  Pointers stay valid until the device is
 * removed (an eject) or the machine destroyed. */
struct vdm_machine_dev_info {
	const char *id;
	const struct vdm_device_type *type;
	struct vdm_device *dev;  /* NULL before realize */
	const char *spec;        /* as added, or NULL for devices the machine added itself */
	const char *parent_id;   /* bus: "pcie.0", a root port's id, or NULL (platform) */
	uint32_t state;          /* enum vdm_machine_dev_state */
	int pci_fn;              /* slot in vdm_machine_pci_host(), -1 for platform devices */
	int bus;                 /* bus number now, -1 when unreachable or platform */
	uint8_t devfn;           /* on that bus */
	bool implicit;           /* added by the machine (host bridge, root ports, GED) */
	bool hot_added;
	uint64_t region_base[VDM_MAX_REGIONS]; /* platform devices: where each region is */
	uint64_t guest_reads[VDM_MAX_REGIONS]; /* platform devices: guest reads per region */
};

/* Number of device entries (some may be free: vdm_machine_device says -ENOENT). */
size_t vdm_machine_num_devices(const struct vdm_machine *m);

/* Entry `i`.  Returns 0, or -ENOENT (a free entry, or i out of range). */
int vdm_machine_device(const struct vdm_machine *m, size_t i, struct vdm_machine_dev_info *out);

/* Index of the device with this id, or -ENOENT. */
int vdm_machine_find(const struct vdm_machine *m, const char *id);

/* Index of the GED, or -ENOENT (none: ACPI hotplug off and no ged given). */
int vdm_machine_ged(const struct vdm_machine *m);

/* Hold device `i` against the guest's accesses (for a host-side call into it, e.g. polling a
 * sandboxed device's queue).  Control thread only; never hold it across a wait. */
void vdm_machine_device_lock(struct vdm_machine *m, size_t i);
void vdm_machine_device_unlock(struct vdm_machine *m, size_t i);

/* The PCI host bridge, for config reads of a device by its pci_fn (vdm/pci_host.h). */
struct vdm_pci_host *vdm_machine_pci_host(struct vdm_machine *m);

/*
 * `info pci`-style listing (one line per range, function, BAR and window, stable and
 * greppable; read back from config space, so it shows what the guest finds), to `out`.
 */
void vdm_machine_print_topology(struct vdm_machine *m, FILE *out);

/* Guest accesses to platform devices that the device refused (bad offset or size). */
uint64_t vdm_machine_bad_accesses(const struct vdm_machine *m);

#ifdef __cplusplus
}
#endif

#endif /* VDM_MACHINE_H */
