/* Guest payload runtime: PCI config access (ECAM from the MCFG, and legacy CF8/CFC), bus
 * scan, BAR sizing the way Linux does it, and bridge window decoding. */
#ifndef PAYLOAD_PCI_H
#define PAYLOAD_PCI_H

#include <stdint.h>

#define PCI_BDF(bus, dev, fn) ((uint16_t)((bus) << 8 | (dev) << 3 | (fn)))
#define PCI_BUS(bdf) ((uint8_t)((bdf) >> 8))
#define PCI_DEV(bdf) ((uint8_t)(((bdf) >> 3) & 0x1f))
#define PCI_FN(bdf) ((uint8_t)((bdf) & 7))

#define PCI_VENDOR_ID 0x00
#define PCI_COMMAND 0x04
#define PCI_CMD_IO 0x1
#define PCI_CMD_MEM 0x2
#define PCI_CMD_MASTER 0x4
#define PCI_CLASS_REV 0x08
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_PRIMARY_BUS 0x18
#define PCI_IO_BASE 0x1c
#define PCI_MEM_BASE 0x20
#define PCI_PREF_BASE 0x24
#define PCI_PREF_BASE_UPPER 0x28
#define PCI_PREF_LIMIT_UPPER 0x2c
#define PCI_IO_BASE_UPPER 0x30

/* Print a bdf as BB:DD.F */
#define PCI_BDF_FMT "%02x:%02x.%x"
#define PCI_BDF_ARGS(bdf) PCI_BUS(bdf), PCI_DEV(bdf), PCI_FN(bdf)

/* ECAM window of segment 0 (from the MCFG); every pci_cfg_* access goes through it. */
void pci_ecam_init(uint64_t base, uint8_t bus_start, uint8_t bus_end);

uint8_t pci_cfg_read8(uint16_t bdf, uint16_t off);
uint16_t pci_cfg_read16(uint16_t bdf, uint16_t off);
uint32_t pci_cfg_read32(uint16_t bdf, uint16_t off);
void pci_cfg_write8(uint16_t bdf, uint16_t off, uint8_t v);
void pci_cfg_write16(uint16_t bdf, uint16_t off, uint16_t v);
void pci_cfg_write32(uint16_t bdf, uint16_t off, uint32_t v);
/* The same dword through the legacy 0xCF8/0xCFC mechanism (off < 256). */
uint32_t pci_cf8_read32(uint16_t bdf, uint8_t off);

/* Every present function on buses [bus_start, bus_end] (functions 1-7 only when function 0
 * says multi-function).  Returns how many were written to `out` (at most `max`). */
unsigned pci_scan(uint16_t *out, unsigned max);
/* The same, but only the root bus and the buses behind bridges (depth first, as an OS
 * enumerates): far fewer config reads when the ECAM range is large. */
unsigned pci_scan_tree(uint16_t *out, unsigned max);

enum pci_bar_kind { BAR_NONE = 0, BAR_IO, BAR_MEM32, BAR_MEM64 };

struct pci_bar {
	uint8_t kind; /* enum pci_bar_kind; the upper half of a 64-bit BAR is BAR_NONE */
	uint8_t pref;
	uint64_t addr;
	uint64_t size;
};

/* "io", "mem32", "mem32pref", "mem64", "mem64pref". */
const char *pci_bar_kind_name(const struct pci_bar *b);

/* Sizes BARs 0..n-1 (6 for type 0, 2 for type 1): decoding (COMMAND.IO|MEM) off, then per
 * BAR save, write all-ones, read mask, restore (both dwords of a 64-bit BAR), decoding
 * restored.  Fails a check if a BAR does not read back what was restored or a 64-bit BAR
 * is the last one. */
void pci_size_bars(uint16_t bdf, unsigned n, struct pci_bar *bars);

/* A bridge window [base, limit]; open = base <= limit. */
struct pci_window {
	uint64_t base, limit;
	int open;
};

struct pci_bridge {
	uint8_t primary, secondary, subordinate;
	struct pci_window io, mem, pref;
	int io32, pref64; /* the window registers advertise 32-bit I/O / 64-bit pref */
};

void pci_read_bridge(uint16_t bdf, struct pci_bridge *br);

#endif /* PAYLOAD_PCI_H */
