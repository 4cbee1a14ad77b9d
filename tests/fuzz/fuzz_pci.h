/* Shared checks for the PCI fuzz targets: the config-access contract of pci.h, read-only
 * fields, BAR sizing against the declared size, and reset to the power-on image. */
#ifndef VDM_FUZZ_PCI_H
#define VDM_FUZZ_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include <vdm/device.h>
#include <vdm/pci.h>

#include "fuzz_input.h"

#define FZPCI_MAX_RO 48

/* A field the guest can never change: its value as created. */
struct fzpci_ro {
	uint32_t off, size, value;
	const char *what;
};

/*
 * What the checks know about one PCI function under test.  The device must be built on
 * struct vdm_pci_function (pci.h), as testdev and pcie-root-port are: whole-space
 * comparisons then read its config bytes directly (4 KiB through cfg_read costs a
 * thousand traced calls per comparison), and every guest read checks that the raw bytes
 * and the guest's view agree, so the shortcut sees what the guest sees.
 */
struct fzpci {
	struct vdm_device *dev;
	const uint8_t *raw;                /* vdm_pci_function_of(dev)->cfg.cfg */
	uint32_t cfg_size;                 /* 256 (conventional) or 4096 (Express) */
	bool local_writes;                 /* a config write changes only its own bytes */
	uint8_t power_on[VDM_PCI_CFG_EXP_SIZE]; /* config space right after create() */
	unsigned nro;
	struct fzpci_ro ro[FZPCI_MAX_RO];
};

/*
 * Start checking `dev` (just created): snapshot its power-on config space and record the
 * header fields no guest write may change (ids, revision/class, header type, interrupt
 * pin, capability pointer, subsystem ids of type 0, expansion ROM).
 */
void fzpci_init(struct fzpci *p, struct vdm_device *dev, uint32_t cfg_size);

/* Record one more read-only field (its current value) under the name `what`. */
void fzpci_add_ro(struct fzpci *p, uint32_t off, uint32_t size, const char *what);

/* `size` (1, 2, 4) config bytes at `off` straight from the device's config space, without
 * a guest access: fzpci_cfg_read checks on every guest read that both views agree. */
uint32_t fzpci_raw(const struct fzpci *p, uint32_t off, uint32_t size);

/* Abort if a read-only field differs from its recorded value. */
void fzpci_check_ro(const struct fzpci *p);

/* Abort, naming the first differing byte, unless config space equals `expect`.  Also
 * reads the ids and command/status through cfg_read (the raw-vs-guest check). */
void fzpci_check_space(const struct fzpci *p, const uint8_t expect[VDM_PCI_CFG_EXP_SIZE],
		       const char *when);

/*
 * Size every declared BAR the way firmware does (write all-ones, read back, restore) and
 * compare with the declared size and type; unused BAR slots must read 0 before and after
 * all-ones.  Also: the address each BAR decodes is aligned to its size and fits its kind.
 * The BARs hold their previous values afterwards (checked).
 */
void fzpci_check_bars(struct fzpci *p);

/* A guest config read / write with the pci.h contract checked (errno, all-ones, reads
 * consistent with the containing dword, writes confined to their bytes when local). */
void fzpci_cfg_read(const struct fzpci *p, uint32_t off, uint32_t size);
void fzpci_cfg_write(struct fzpci *p, uint32_t off, uint32_t size, uint32_t value);

/* Program BAR `bar` with `addr` through vdm_pci_set_bar_address(); on success the BAR
 * must read back `addr`, on failure the reason must be a documented one. */
void fzpci_program_bar(struct fzpci *p, unsigned bar, uint64_t addr);

/* Decode one config op from the stream (read, write, BAR programming, BAR sizing):
 * returns false when `op` is not one of them. */
bool fzpci_generic_op(struct fzpci *p, uint8_t op, struct fz *f);
#define FZPCI_OP_READ 0
#define FZPCI_OP_WRITE 1
#define FZPCI_OP_PROGRAM_BAR 2
#define FZPCI_OP_SIZE_BARS 3
#define FZPCI_OP_WRITE_BAR_RAW 4
#define FZPCI_NUM_OPS 5

#endif /* VDM_FUZZ_PCI_H */
