/* PCI resource placement: bus numbers, BARs and root-port bridge windows for an abstract
 * topology, the way firmware does it; plus hot-add placement inside a root port's windows. */
#ifndef VDM_PLACE_H
#define VDM_PLACE_H

/*
 * Input: the root bus with root ports (each with QEMU-style reserve options and child
 * functions on its secondary bus) and endpoints directly on the root bus.  Every function
 * declares up to six BARs with struct vdm_region_decl (a MEM64 BAR takes slot i and slot
 * i+1, which must be VDM_REGION_NONE).
 *
 * Rules (SeaBIOS pciinit behaviour, facts §3.2, made deterministic):
 *  - Bus numbers: ports in devfn order; secondary = next free bus, subordinate =
 *    secondary + bus-reserve (unset = 0); the next port starts after it.  Bus 0 is the
 *    root bus; everything must fit in m->bus_start..m->bus_end.
 *  - Where a BAR goes (Linux's own sizing rules, so the guest agrees with us):
 *      I/O                      -> the port's I/O window
 *      64-bit prefetchable      -> the port's prefetchable window
 *      anything else (32-bit, prefetchable or not; 64-bit non-prefetchable)
 *                               -> the port's 32-bit non-prefetchable window
 *    On the root bus: I/O -> pci_io, 64-bit prefetchable -> pci_mem64, else -> pci_mem32.
 *  - Window size = max(what the children need, reserve), rounded up to the window's
 *    granularity (I/O 4K, memory 1M), aligned to max(granularity, largest power of two
 *    <= size) so any BAR that fits by size also fits by alignment.
 *  - Reserve option unset (VDM_PLACE_UNSET) on a hotplug port means a default:
 *      pref:  topo->default_pref (0 = VDM_PLACE_DEFAULT_PREF = 64G) in the 64-bit
 *             aperture, so hot-adding a device with a BAR up to 64G needs no option;
 *      mem:   topo->default_mem (0 = VDM_PLACE_DEFAULT_MEM = 2M): Linux's own hotplug
 *             padding (hpmmiosize); hot-added devices' small non-prefetchable BARs
 *             (registers, MSI-X tables) fit, 32 ports cost 64M of the 640M aperture,
 *             and anything big is expected to be 64-bit prefetchable;
 *      io:    topo->default_io (0 = none): I/O space is 60K for all ports, PCIe
 *             endpoints must work without I/O, so only io-reserve or children open it.
 *    Non-hotplug ports get no defaults (children only).  pref32-reserve puts the
 *    prefetchable window below 4G instead (pref32 and pref64 together are an error, as
 *    in QEMU).  A reserve of 0 means no window beyond what children need.
 *  - Defaults are wishes: when the aperture cannot hold every default window, the largest
 *    default window is halved (the highest devfn among equals), again and again, down to
 *    what its children need, so the windows come down together and hundreds of hotplug
 *    ports each keep a fair window (128 ports in a 1 TiB aperture: 8G each); then shrunk
 *    ports grow back, first port first, as far as space allows.  Ports shrunk alike share
 *    one warning line ("rp0..rp123 (124 ports): ...").  Explicit reserves and BARs are
 *    requirements: if they do not fit, placement fails naming the device, the resource,
 *    the size and the largest free block.
 *  - Each aperture is packed largest-alignment first, first fit.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vdm/device.h>

#include <vdm/machine_desc.h>

#define VDM_PLACE_UNSET UINT64_MAX /* a reserve option that was not given (QEMU's -1) */
#define VDM_PLACE_DEFAULT_PREF (UINT64_C(64) << 30)
#define VDM_PLACE_DEFAULT_MEM (UINT64_C(2) << 20)
#define VDM_PLACE_IO_GRAN UINT64_C(0x1000)
#define VDM_PLACE_MEM_GRAN (UINT64_C(1) << 20)
#define VDM_PLACE_MAX_CHILDREN 8 /* a root port's secondary bus has device 0 only */

/* Root-port reserve options, named as QEMU's pcie-root-port properties. */
struct vdm_place_reserve {
	uint64_t bus;    /* bus-reserve: bus numbers below the port beyond the secondary */
	uint64_t io;     /* io-reserve: I/O window bytes */
	uint64_t mem;    /* mem-reserve: 32-bit non-prefetchable window bytes (< 4G) */
	uint64_t pref32; /* pref32-reserve: prefetchable window below 4G (< 4G) */
	uint64_t pref64; /* pref64-reserve: prefetchable window in the 64-bit aperture */
};

#define VDM_PLACE_RESERVE_UNSET                                                                \
	{ VDM_PLACE_UNSET, VDM_PLACE_UNSET, VDM_PLACE_UNSET, VDM_PLACE_UNSET, VDM_PLACE_UNSET }

/* One PCI function (endpoint, or the root port's own BARs). */
struct vdm_place_fn {
	const char *id;   /* for messages; NULL prints as "?" */
	uint8_t devfn;    /* on its bus: slot << 3 | function */
	struct vdm_region_decl bars[VDM_MAX_REGIONS];
	uint64_t addr[VDM_MAX_REGIONS]; /* OUT: base of each placed BAR, 0 if none */
};

struct vdm_place_port {
	struct vdm_place_fn self; /* id, devfn on the root bus, the port's BAR0/1 (MSI-X) */
	uint16_t chassis;
	uint16_t slot; /* physical slot number (_SUN) */
	bool hotplug;
	struct vdm_place_reserve reserve;
	struct vdm_place_fn *children; /* on the secondary bus; devfn 0..7 */
	uint32_t num_children;
};

struct vdm_place_topo {
	struct vdm_place_port *ports;
	uint32_t num_ports; /* <= VDM_MACH_MAX_ROOT_PORTS */
	struct vdm_place_fn *endpoints; /* on the root bus */
	uint32_t num_endpoints;
	uint64_t default_pref; /* 0 = VDM_PLACE_DEFAULT_PREF; must be a power of two */
	uint64_t default_mem;  /* 0 = VDM_PLACE_DEFAULT_MEM */
	uint64_t default_io;   /* 0 = no default I/O window */
};

/* What placement has to say: one error line, and warning lines ('\n'-terminated). */
struct vdm_place_msgs {
	char err[512];
	char warn[4096];
	uint32_t num_warn;
};

struct vdm_place; /* placement state kept for hotplug */

/*
 * Place `topo` on the machine `m`, whose apertures, ECAM and bus range were filled by
 * vdm_x86_layout().  On success fills m->root_ports[] (in topo->ports order; bsel = index + 1,
 * BSEL 0 being the root bus), m->num_root_ports, every fn's addr[], and, if `state` is not
 * NULL, *state for the hotplug functions below (free with vdm_place_destroy).
 * `msgs` may be NULL.
 * Returns 0; -EINVAL for an invalid topology (bad BAR declaration, duplicate devfn, too many
 * ports or children, conflicting or out-of-range reserves); -ENOSPC when a requirement
 * does not fit (bus numbers, an explicit reserve, a BAR); -ENOMEM.  msgs->err says which.
 * On failure m->root_ports and the addr[] outputs are unspecified.
 */
int vdm_place_machine(struct vdm_mach_desc *m, struct vdm_place_topo *topo,
		      struct vdm_place **state, struct vdm_place_msgs *msgs);

void vdm_place_destroy(struct vdm_place *p);

/*
 * Would a function with these BARs fit behind root port `port` (index into the topology's
 * ports) now, given what is already placed there?  Returns 0 if yes; -ENOSPC with a reason
 * in err (naming the BAR, its size and the window's size and free space) if not; -EINVAL for
 * a bad port index or BAR declaration.  err starts with "BARn" (the caller prefixes the
 * device id), e.g. "BAR2 (64-bit prefetchable memory, 128G) does not fit behind root port
 * rp1: its prefetchable window is 64G and its largest free aligned block is 64G (raise
 * pref64-reserve)".  Uses Linux's hot-add rules: a 64-bit prefetchable
 * BAR that does not fit the prefetchable window may fall back to the non-prefetchable one.
 */
int vdm_place_fits(const struct vdm_place *p, uint32_t port,
		   const struct vdm_region_decl bars[VDM_MAX_REGIONS], char *err, size_t err_len);

/*
 * Place a hot-added function's BARs inside root port `port`'s windows and record them as
 * used.  Fills addr[] (0 for unused slots).  All or nothing: on error nothing is recorded.
 * Returns 0, or the errors of vdm_place_fits.
 */
int vdm_place_hot_add(struct vdm_place *p, uint32_t port,
		      const struct vdm_region_decl bars[VDM_MAX_REGIONS],
		      uint64_t addr[VDM_MAX_REGIONS], char *err, size_t err_len);

/* Give back what vdm_place_hot_add (or cold placement) recorded for a function behind
 * `port`.  Returns 0, -EINVAL (bad port), -ENOENT (those ranges were not in use). */
int vdm_place_hot_remove(struct vdm_place *p, uint32_t port,
			 const struct vdm_region_decl bars[VDM_MAX_REGIONS],
			 const uint64_t addr[VDM_MAX_REGIONS]);

/* Where a BAR of this kind goes behind a bridge (and on the root bus). */
enum vdm_place_win {
	VDM_PLACE_WIN_IO = 0,
	VDM_PLACE_WIN_MEM = 1,  /* 32-bit non-prefetchable window / pci_mem32 */
	VDM_PLACE_WIN_PREF = 2, /* prefetchable window / pci_mem64 */
	VDM_PLACE_WIN_NONE = 3, /* unused slot */
};
enum vdm_place_win vdm_place_bar_window(const struct vdm_region_decl *bar);

/* Check one function's BAR declaration: powers of two, PCI minimum sizes (I/O 4, memory
 * 16), 32-bit BARs under 4G, I/O BARs <= 64K, MEM64 not in the last slot and followed by
 * a NONE slot.  Returns 0 or -EINVAL with a reason ("BAR2: ...") in err. */
int vdm_place_check_bars(const struct vdm_region_decl bars[VDM_MAX_REGIONS], uint32_t max_bars,
			 char *err, size_t err_len);

#endif /* VDM_PLACE_H */
