/* vdm PCI configuration-space core: register layout constants, a 4 KiB config space with
 * per-byte write / write-1-to-clear masks, BARs, capabilities, and decoders the VMM uses. */
#ifndef VDM_PCI_H
#define VDM_PCI_H

/*
 * API contract
 * ------------
 * `struct vdm_pci_config` is plain data a device embeds.  The device builds it once in
 * create() (ids, BARs, capabilities, masks), calls vdm_pci_config_seal() to record the
 * power-on image, and then serves guest accesses with vdm_pci_config_read/_write().
 * Nothing here allocates, blocks, prints or makes a system call.
 *
 * Guest-access rules (vdm_pci_config_read / _write, and the generic function ops):
 *  - size 1, 2 or 4 at any offset whose bytes stay inside one dword: handled.  A write
 *    changes only the bits set in the write mask; a 1 written to a bit of the
 *    write-1-to-clear mask clears that bit; every other bit keeps its value.
 *  - size other than 1/2/4, or an access that crosses a dword boundary (e.g. size 4 at
 *    offset 2): reads all-ones, the write is dropped, returns -EINVAL.  (PCIe config
 *    requests carry one dword address plus byte enables, so a root complex cannot issue
 *    such a request; we treat it as invalid rather than splitting it.)
 *  - offset >= 4096 or offset + size > 4096: reads all-ones, dropped, returns -ERANGE.
 *  - a conventional (non-Express) function has a 256-byte config space: offsets 256..4095
 *    read all-ones and writes are dropped, returning 0.  This is what a PCIe-to-PCI path
 *    answers (an Unsupported Request completes as all-ones) and what QEMU does
 *    (pci_host_config_read_common: `limit <= addr` -> ~0).  Linux never reads there for
 *    such a function.
 *  - an Express function's extended space (256..4095) reads 0 where no capability lives,
 *    and its header at 0x100 is 0 when there are no extended capabilities (PCIe base spec
 *    7.6.3: ID 0, version 0, next 0 means "none").
 *  - bytes of the device-specific area (0x40..0xff) not owned by a capability read 0 and
 *    are read-only (QEMU makes them scratch RAM; real hardware returns 0).
 *
 * Header defaults (all functions): command register writable bits are IO, MEM, MASTER,
 * SERR and INTX_DISABLE (QEMU's pci_init_wmask); other command bits are hardwired 0 as
 * PCIe requires.  Status: CAP_LIST (RO, set when a capability exists) and the six error
 * bits PARITY, SIG_TARGET_ABORT, REC_TARGET_ABORT, REC_MASTER_ABORT, SIG_SYSTEM_ERROR,
 * DETECTED_PARITY are write-1-to-clear.  Cache line size and interrupt line are RW;
 * latency timer and BIST read 0; there is no expansion ROM (RO 0).
 *
 * BARs: the write mask of a BAR is exactly the address bits above its size, so the
 * sizing protocol works with no special code: write all-ones, read back ~(size-1) with
 * the read-only type bits (IO: bit 0; memory: bits 3:0).  A 64-bit BAR's upper dword
 * sizes the same way; a BAR of 4 GiB or more has no writable bit in its lower dword.
 * I/O BARs decode all 32 address bits, as QEMU's do (the VMM routes only below 64 KiB).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vdm/device.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- sizes ------------------------------------------------------------------------- */
#define VDM_PCI_CFG_SIZE 256        /* conventional PCI function */
#define VDM_PCI_CFG_EXP_SIZE 4096   /* PCI Express function (ECAM) */
#define VDM_PCI_STD_HEADER_SIZE 0x40
#define VDM_PCI_EXT_CAP_START 0x100

/* ---- common header (types 0 and 1) ------------------------------------------------- */
#define VDM_PCI_VENDOR_ID 0x00
#define VDM_PCI_DEVICE_ID 0x02
#define VDM_PCI_COMMAND 0x04
#define VDM_PCI_STATUS 0x06
#define VDM_PCI_REVISION_ID 0x08
#define VDM_PCI_CLASS_PROG 0x09
#define VDM_PCI_CLASS_DEVICE 0x0a /* sub-class (low byte) and base class (high byte) */
#define VDM_PCI_CACHE_LINE_SIZE 0x0c
#define VDM_PCI_LATENCY_TIMER 0x0d
#define VDM_PCI_HEADER_TYPE 0x0e
#define VDM_PCI_BIST 0x0f
#define VDM_PCI_BAR0 0x10
#define VDM_PCI_CAPABILITY_LIST 0x34
#define VDM_PCI_INTERRUPT_LINE 0x3c
#define VDM_PCI_INTERRUPT_PIN 0x3d

/* type 0 only */
#define VDM_PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define VDM_PCI_SUBSYSTEM_ID 0x2e
#define VDM_PCI_ROM_ADDRESS 0x30

/* type 1 only */
#define VDM_PCI_PRIMARY_BUS 0x18
#define VDM_PCI_SECONDARY_BUS 0x19
#define VDM_PCI_SUBORDINATE_BUS 0x1a
#define VDM_PCI_SEC_LATENCY_TIMER 0x1b
#define VDM_PCI_IO_BASE 0x1c
#define VDM_PCI_IO_LIMIT 0x1d
#define VDM_PCI_SEC_STATUS 0x1e
#define VDM_PCI_MEMORY_BASE 0x20
#define VDM_PCI_MEMORY_LIMIT 0x22
#define VDM_PCI_PREF_MEMORY_BASE 0x24
#define VDM_PCI_PREF_MEMORY_LIMIT 0x26
#define VDM_PCI_PREF_BASE_UPPER32 0x28
#define VDM_PCI_PREF_LIMIT_UPPER32 0x2c
#define VDM_PCI_IO_BASE_UPPER16 0x30
#define VDM_PCI_IO_LIMIT_UPPER16 0x32
#define VDM_PCI_ROM_ADDRESS1 0x38
#define VDM_PCI_BRIDGE_CONTROL 0x3e

#define VDM_PCI_HEADER_TYPE_NORMAL 0
#define VDM_PCI_HEADER_TYPE_BRIDGE 1
#define VDM_PCI_HEADER_TYPE_MULTIFUNCTION 0x80

#define VDM_PCI_COMMAND_IO 0x0001
#define VDM_PCI_COMMAND_MEMORY 0x0002
#define VDM_PCI_COMMAND_MASTER 0x0004
#define VDM_PCI_COMMAND_PARITY 0x0040
#define VDM_PCI_COMMAND_SERR 0x0100
#define VDM_PCI_COMMAND_INTX_DISABLE 0x0400

#define VDM_PCI_STATUS_INTERRUPT 0x0008
#define VDM_PCI_STATUS_CAP_LIST 0x0010
#define VDM_PCI_STATUS_PARITY 0x0100
#define VDM_PCI_STATUS_SIG_TARGET_ABORT 0x0800
#define VDM_PCI_STATUS_REC_TARGET_ABORT 0x1000
#define VDM_PCI_STATUS_REC_MASTER_ABORT 0x2000
#define VDM_PCI_STATUS_SIG_SYSTEM_ERROR 0x4000
#define VDM_PCI_STATUS_DETECTED_PARITY 0x8000
#define VDM_PCI_STATUS_ERROR_BITS 0xf900 /* the six W1C bits above */

#define VDM_PCI_BAR_SPACE_IO 0x01
#define VDM_PCI_BAR_MEM_TYPE_64 0x04
#define VDM_PCI_BAR_MEM_PREFETCH 0x08
#define VDM_PCI_BAR_IO_MASK 0xfffffffcu
#define VDM_PCI_BAR_MEM_MASK 0xfffffff0u

#define VDM_PCI_IO_RANGE_TYPE_16 0x00
#define VDM_PCI_IO_RANGE_TYPE_32 0x01
#define VDM_PCI_PREF_RANGE_TYPE_64 0x01

#define VDM_PCI_BRIDGE_CTL_PARITY 0x0001
#define VDM_PCI_BRIDGE_CTL_SERR 0x0002
#define VDM_PCI_BRIDGE_CTL_ISA 0x0004
#define VDM_PCI_BRIDGE_CTL_VGA 0x0008
#define VDM_PCI_BRIDGE_CTL_VGA_16BIT 0x0010
#define VDM_PCI_BRIDGE_CTL_MASTER_ABORT 0x0020
#define VDM_PCI_BRIDGE_CTL_BUS_RESET 0x0040

/* ---- capabilities ------------------------------------------------------------------ */
#define VDM_PCI_CAP_ID_MSI 0x05
#define VDM_PCI_CAP_ID_VNDR 0x09
#define VDM_PCI_CAP_ID_SSVID 0x0d
#define VDM_PCI_CAP_ID_EXP 0x10
#define VDM_PCI_CAP_ID_MSIX 0x11
#define VDM_PCI_EXT_CAP_ID_ERR 0x0001
#define VDM_PCI_EXT_CAP_ID_ACS 0x000d

/* MSI capability (64-bit address, no per-vector masking) */
#define VDM_PCI_MSI_FLAGS 2
#define VDM_PCI_MSI_ADDRESS_LO 4
#define VDM_PCI_MSI_ADDRESS_HI 8
#define VDM_PCI_MSI_DATA_64 12
#define VDM_PCI_MSI_SIZEOF_64 14
#define VDM_PCI_MSI_FLAGS_ENABLE 0x0001
#define VDM_PCI_MSI_FLAGS_QSIZE 0x0070
#define VDM_PCI_MSI_FLAGS_64BIT 0x0080

/* MSI-X capability and table */
#define VDM_PCI_MSIX_FLAGS 2
#define VDM_PCI_MSIX_TABLE 4 /* offset (bits 31:3) | BAR indicator (bits 2:0) */
#define VDM_PCI_MSIX_PBA 8
#define VDM_PCI_MSIX_SIZEOF 12
#define VDM_PCI_MSIX_FLAGS_QSIZE 0x07ff /* table size - 1 */
#define VDM_PCI_MSIX_FLAGS_MASKALL 0x4000
#define VDM_PCI_MSIX_FLAGS_ENABLE 0x8000
#define VDM_PCI_MSIX_ENTRY_SIZE 16
#define VDM_PCI_MSIX_ENTRY_VECTOR_CTRL 12
#define VDM_PCI_MSIX_ENTRY_CTRL_MASKBIT 0x00000001u
#define VDM_PCI_MSIX_MAX_VECTORS 2048

/* Subsystem vendor/ID capability (bridges) */
#define VDM_PCI_SSVID_VENDOR_ID 4
#define VDM_PCI_SSVID_DEVICE_ID 6
#define VDM_PCI_SSVID_SIZEOF 8

/* PCI Express capability, version 2 (offsets inside the capability) */
#define VDM_PCI_EXP_FLAGS 0x02
#define VDM_PCI_EXP_DEVCAP 0x04
#define VDM_PCI_EXP_DEVCTL 0x08
#define VDM_PCI_EXP_DEVSTA 0x0a
#define VDM_PCI_EXP_LNKCAP 0x0c
#define VDM_PCI_EXP_LNKCTL 0x10
#define VDM_PCI_EXP_LNKSTA 0x12
#define VDM_PCI_EXP_SLTCAP 0x14
#define VDM_PCI_EXP_SLTCTL 0x18
#define VDM_PCI_EXP_SLTSTA 0x1a
#define VDM_PCI_EXP_RTCTL 0x1c
#define VDM_PCI_EXP_RTCAP 0x1e
#define VDM_PCI_EXP_RTSTA 0x20
#define VDM_PCI_EXP_DEVCAP2 0x24
#define VDM_PCI_EXP_DEVCTL2 0x28
#define VDM_PCI_EXP_DEVSTA2 0x2a
#define VDM_PCI_EXP_LNKCAP2 0x2c
#define VDM_PCI_EXP_LNKCTL2 0x30
#define VDM_PCI_EXP_LNKSTA2 0x32
#define VDM_PCI_EXP_SLTCAP2 0x34
#define VDM_PCI_EXP_SLTCTL2 0x38
#define VDM_PCI_EXP_SLTSTA2 0x3a
#define VDM_PCI_EXP_SIZEOF_V2 0x3c

#define VDM_PCI_EXP_FLAGS_VERS 0x000f
#define VDM_PCI_EXP_FLAGS_TYPE 0x00f0
#define VDM_PCI_EXP_FLAGS_SLOT 0x0100
#define VDM_PCI_EXP_TYPE_ENDPOINT 0x0
#define VDM_PCI_EXP_TYPE_ROOT_PORT 0x4
#define VDM_PCI_EXP_TYPE_UPSTREAM 0x5
#define VDM_PCI_EXP_TYPE_DOWNSTREAM 0x6
#define VDM_PCI_EXP_TYPE_RC_END 0x9

#define VDM_PCI_EXP_DEVCAP_RBER 0x00008000u
#define VDM_PCI_EXP_DEVCTL_ERR_ENABLES 0x000f /* CERE | NFERE | FERE | URRE */
#define VDM_PCI_EXP_DEVSTA_ERR_BITS 0x000f    /* CED | NFED | FED | URD (W1C) */
#define VDM_PCI_EXP_LNKCAP_SLS 0x0000000fu
#define VDM_PCI_EXP_LNKCAP_MLW 0x000003f0u
#define VDM_PCI_EXP_LNKCAP_ASPM_L0S 0x00000400u
#define VDM_PCI_EXP_LNKCAP_DLLLARC 0x00100000u
#define VDM_PCI_EXP_LNKCAP_LBNC 0x00200000u
#define VDM_PCI_EXP_LNKCAP_PN_SHIFT 24
#define VDM_PCI_EXP_LNKCTL_ASPMC 0x0003
#define VDM_PCI_EXP_LNKCTL_RL 0x0020
#define VDM_PCI_EXP_LNKCTL_CCC 0x0040
#define VDM_PCI_EXP_LNKCTL_ES 0x0080
#define VDM_PCI_EXP_LNKSTA_CLS 0x000f
#define VDM_PCI_EXP_LNKSTA_NLW 0x03f0
#define VDM_PCI_EXP_LNKSTA_LT 0x0800
#define VDM_PCI_EXP_LNKSTA_DLLLA 0x2000
#define VDM_PCI_EXP_SLTCAP_ABP 0x00000001u
#define VDM_PCI_EXP_SLTCAP_PCP 0x00000002u
#define VDM_PCI_EXP_SLTCAP_MRLSP 0x00000004u
#define VDM_PCI_EXP_SLTCAP_AIP 0x00000008u
#define VDM_PCI_EXP_SLTCAP_PIP 0x00000010u
#define VDM_PCI_EXP_SLTCAP_HPS 0x00000020u
#define VDM_PCI_EXP_SLTCAP_HPC 0x00000040u
#define VDM_PCI_EXP_SLTCAP_EIP 0x00020000u
#define VDM_PCI_EXP_SLTCAP_NCCS 0x00040000u
#define VDM_PCI_EXP_SLTCAP_PSN_SHIFT 19
#define VDM_PCI_EXP_SLTCAP_PSN_MAX 0x1fff
#define VDM_PCI_EXP_SLTCTL_ABPE 0x0001
#define VDM_PCI_EXP_SLTCTL_PFDE 0x0002
#define VDM_PCI_EXP_SLTCTL_MRLSCE 0x0004
#define VDM_PCI_EXP_SLTCTL_PDCE 0x0008
#define VDM_PCI_EXP_SLTCTL_CCIE 0x0010
#define VDM_PCI_EXP_SLTCTL_HPIE 0x0020
#define VDM_PCI_EXP_SLTCTL_AIC 0x00c0
#define VDM_PCI_EXP_SLTCTL_AIC_OFF 0x00c0
#define VDM_PCI_EXP_SLTCTL_PIC 0x0300
#define VDM_PCI_EXP_SLTCTL_PIC_ON 0x0100
#define VDM_PCI_EXP_SLTCTL_PIC_OFF 0x0300
#define VDM_PCI_EXP_SLTCTL_PCC 0x0400
#define VDM_PCI_EXP_SLTCTL_EIC 0x0800
#define VDM_PCI_EXP_SLTCTL_DLLSCE 0x1000
#define VDM_PCI_EXP_SLTSTA_ABP 0x0001
#define VDM_PCI_EXP_SLTSTA_PFD 0x0002
#define VDM_PCI_EXP_SLTSTA_MRLSC 0x0004
#define VDM_PCI_EXP_SLTSTA_PDC 0x0008
#define VDM_PCI_EXP_SLTSTA_CC 0x0010
#define VDM_PCI_EXP_SLTSTA_MRLSS 0x0020
#define VDM_PCI_EXP_SLTSTA_PDS 0x0040
#define VDM_PCI_EXP_SLTSTA_EIS 0x0080
#define VDM_PCI_EXP_SLTSTA_DLLSC 0x0100
#define VDM_PCI_EXP_SLTSTA_EVENTS 0x011f /* ABP PFD MRLSC PDC CC DLLSC: the W1C bits */
#define VDM_PCI_EXP_RTCTL_ERR_ENABLES 0x0007 /* SECEE | SENFEE | SEFEE */
#define VDM_PCI_EXP_RTSTA_PME 0x00010000u
#define VDM_PCI_EXP_DEVCAP2_ARI 0x00000020u
#define VDM_PCI_EXP_DEVCAP2_EFF 0x00100000u    /* Extended Fmt Field Supported */
#define VDM_PCI_EXP_DEVCAP2_EETLPP 0x00200000u /* End-End TLP Prefix Supported */
#define VDM_PCI_EXP_DEVCTL2_ARI 0x0020
#define VDM_PCI_EXP_DEVCTL2_EETLPPB 0x8000     /* End-End TLP Prefix Blocking */
#define VDM_PCI_EXP_LNKCTL2_TLS 0x000f

/* Advanced Error Reporting extended capability (version 2, 0x48 bytes) */
#define VDM_PCI_ERR_UNCOR_STATUS 0x04
#define VDM_PCI_ERR_UNCOR_MASK 0x08
#define VDM_PCI_ERR_UNCOR_SEVER 0x0c
#define VDM_PCI_ERR_COR_STATUS 0x10
#define VDM_PCI_ERR_COR_MASK 0x14
#define VDM_PCI_ERR_CAP 0x18
#define VDM_PCI_ERR_HEADER_LOG 0x1c
#define VDM_PCI_ERR_ROOT_COMMAND 0x2c
#define VDM_PCI_ERR_ROOT_STATUS 0x30
#define VDM_PCI_ERR_ROOT_ERR_SRC 0x34
#define VDM_PCI_ERR_TLP_PREFIX_LOG 0x38
#define VDM_PCI_ERR_SIZEOF 0x48
#define VDM_PCI_ERR_VER 2
/* Uncorrectable errors a port can log: DLP SDN POISON FCP COMP_TIME COMP_ABORT UNX_COMP
 * RX_OVER MALF_TLP ECRC UNSUP ACSV INTN MCBTLP ATOP_EBLOCKED TLP_PRF_BLOCKED */
#define VDM_PCI_ERR_UNC_SUPPORTED 0x03fff030u
/* Fatal by default (PCIe 6.2.7): DLP SDN FCP RX_OVER MALF_TLP INTN */
#define VDM_PCI_ERR_UNC_SEVERITY_DEFAULT 0x00462030u
/* Correctable: RCVR BAD_TLP BAD_DLLP REP_ROLL REP_TIMER ADV_NFAT INTERNAL HL_OVERFLOW */
#define VDM_PCI_ERR_COR_SUPPORTED 0x0000f1c1u
#define VDM_PCI_ERR_COR_MASK_DEFAULT 0x0000e000u /* ADV_NFAT INTERNAL HL_OVERFLOW */
#define VDM_PCI_ERR_CAP_ECRC_GENC 0x00000020u
#define VDM_PCI_ERR_CAP_ECRC_GENE 0x00000040u
#define VDM_PCI_ERR_CAP_ECRC_CHKC 0x00000080u
#define VDM_PCI_ERR_CAP_ECRC_CHKE 0x00000100u
#define VDM_PCI_ERR_CAP_MHRC 0x00000200u
#define VDM_PCI_ERR_CAP_MHRE 0x00000400u
#define VDM_PCI_ERR_ROOT_CMD_EN_MASK 0x00000007u   /* COR, NONFATAL, FATAL reporting */
#define VDM_PCI_ERR_ROOT_STATUS_REPORT 0x0000007fu /* the seven "received" bits (W1C) */

/* ACS extended capability */
#define VDM_PCI_ACS_CAP 4
#define VDM_PCI_ACS_CTRL 6
#define VDM_PCI_ACS_SIZEOF 8
#define VDM_PCI_ACS_DOWNSTREAM_BITS 0x005f /* SV TB RR CR UF DT: a downstream port's must */

/*
 * Red Hat "resource reserve" vendor capability (QEMU PCIBridgeQemuCap, 32 bytes, LE).
 * A field of all-ones (of its width) means "not set".
 */
#define VDM_PCI_RH_CAP_TYPE 3
#define VDM_PCI_RH_CAP_BUS_RES 4
#define VDM_PCI_RH_CAP_IO 8
#define VDM_PCI_RH_CAP_MEM 16
#define VDM_PCI_RH_CAP_MEM_PREF32 20
#define VDM_PCI_RH_CAP_MEM_PREF64 24
#define VDM_PCI_RH_CAP_SIZEOF 32
#define VDM_PCI_RH_CAP_TYPE_RES_RESERVE 1

/* Red Hat / QEMU identifiers */
#define VDM_PCI_VENDOR_REDHAT 0x1b36
#define VDM_PCI_DEVICE_REDHAT_TEST 0x0005
#define VDM_PCI_DEVICE_REDHAT_PCIE_RP 0x000c
#define VDM_PCI_SUBVENDOR_QUMRANET 0x1af4
#define VDM_PCI_SUBDEVICE_QEMU 0x1100

/* ---- the config space ---------------------------------------------------------------- */

#define VDM_PCI_NUM_BARS 6

/*
 * A device (a plugin, too) owns this struct and the PCI core's functions work on it, so it
 * says how big it is: struct_size (ABI 1.4, 16 bits in what was padding: no field moved) is
 * set by vdm_pci_config_init to the layout it initialised.  Every function below refuses a
 * struct whose struct_size is below VDM_PCI_CONFIG_SIZE_1_0 (not initialised by
 * vdm_pci_config_init, or overwritten): reads give all-ones or 0, writes are dropped, and
 * the int-returning ones return -EINVAL; vdm_pci_config_check says why.  A later minor may
 * grow the struct at its end; the functions then touch a new field only when struct_size
 * reaches it.
 */
struct vdm_pci_config {
	uint8_t cfg[VDM_PCI_CFG_EXP_SIZE];     /* current contents */
	uint8_t wmask[VDM_PCI_CFG_EXP_SIZE];   /* 1 = guest-writable bit */
	uint8_t w1cmask[VDM_PCI_CFG_EXP_SIZE]; /* 1 = write-1-to-clear bit */
	uint8_t power_on[VDM_PCI_CFG_EXP_SIZE]; /* image restored by reset (see seal) */
	uint32_t size;      /* 256 (conventional) or 4096 (Express) */
	uint8_t header_type;
	uint8_t cap_last;   /* offset of the standard capability added last (first in the chain) */
	uint16_t ext_last;  /* offset of the last extended capability, 0 = none */
	uint16_t cap_free;  /* next free standard-capability offset */
	uint16_t ext_free;  /* next free extended-capability offset */
	uint8_t bars_used;  /* bit n: BAR slot n taken (incl. the upper half of a 64-bit BAR) */
	uint8_t reserved;   /* 0 */
	uint16_t struct_size; /* ABI 1.4: see above */
	struct vdm_region_decl bars[VDM_PCI_NUM_BARS];
};

/* Its 1.0 layout (the struct has not grown since): the smallest struct the core takes. */
#define VDM_PCI_CONFIG_SIZE_1_0                                                              \
	(offsetof(struct vdm_pci_config, bars) + VDM_PCI_NUM_BARS * sizeof(struct vdm_region_decl))

#if defined(__LP64__)
/* The LP64 layout (x86_64, aarch64); tests/unit/test_abi_layout.c pins every field. */
VDM_ABI_ASSERT(offsetof(struct vdm_pci_config, size) == 16384, "vdm_pci_config.size at 16384");
VDM_ABI_ASSERT(offsetof(struct vdm_pci_config, struct_size) == 16398 &&
		       offsetof(struct vdm_pci_config, bars) == 16400,
	       "vdm_pci_config.struct_size fills the padding before bars, at 16398");
VDM_ABI_ASSERT(sizeof(struct vdm_pci_config) == VDM_PCI_CONFIG_SIZE_1_0 &&
		       VDM_PCI_CONFIG_SIZE_1_0 == 16496,
	       "struct vdm_pci_config is its 1.0 layout, 16496 bytes");
#endif
VDM_ABI_ASSERT(VDM_PCI_CONFIG_SIZE_1_0 <= UINT16_MAX, "struct_size holds the size");

/* Identity of a function. */
struct vdm_pci_ids {
	uint16_t vendor;
	uint16_t device;
	uint32_t class_code;  /* base << 16 | sub-class << 8 | prog-if */
	uint8_t revision;
	uint8_t header_type;  /* VDM_PCI_HEADER_TYPE_NORMAL or _BRIDGE */
	uint8_t int_pin;      /* 0 = no INTx, 1..4 = INTA..INTD */
	bool express;         /* 4 KiB config space */
	uint16_t subsys_vendor; /* type 0 only (bridges use the SSVID capability) */
	uint16_t subsys_id;
};

/*
 * Initialise `c` to a function with `ids` and the header defaults described at the top.
 * `c` is a struct of this (1.0..1.4) layout, VDM_PCI_CONFIG_SIZE_1_0 bytes: all of it is
 * cleared and struct_size records that size.
 * A type 1 header also gets the bridge masks: bus numbers RW, secondary latency timer 0,
 * I/O window 16-bit (base/limit high nibble RW), memory window RW (bits 15:4),
 * prefetchable window 64-bit (bits 15:4 RW, type nibble 1, upper 32-bit registers RW),
 * secondary status error bits W1C (as the primary status plus bit 14), bridge control
 * PARITY, SERR, ISA, VGA, VGA_16BIT, BUS_RESET writable, and every window closed
 * (base > limit).  Returns 0, or -EINVAL for an unknown header type or a pin above 4.
 */
int vdm_pci_config_init(struct vdm_pci_config *c, const struct vdm_pci_ids *ids);

/*
 * Declare BAR `bar` of `kind` (VDM_REGION_IO / _MEM32 / _MEM64) and `size` bytes, with
 * `flags` VDM_REGION_PREFETCHABLE (memory only).  MEM64 takes slots bar and bar+1.
 * Limits: size a power of two; IO 4..256 bytes (PCI 3.0 6.2.5.1); MEM32 16 B..2 GiB;
 * MEM64 16 B..2^63.  Type 0: bars 0..5; type 1: bars 0..1.
 * Returns 0, -EINVAL (bad kind/size/flags/index) or -EBUSY (slot already used).
 */
int vdm_pci_config_add_bar(struct vdm_pci_config *c, unsigned bar, uint32_t kind,
			   uint32_t flags, uint64_t size);

/*
 * Add a standard capability of `len` bytes (>= 2) with ID `id` at the next free dword
 * from 0x40 and link it FIRST in the list (0x34 points to it, its next pointer to the
 * previous first), as QEMU's pci_add_capability does: a device that adds its capabilities
 * in QEMU's order gets QEMU's offsets and QEMU's chain.  Sets STATUS.CAP_LIST.  The body
 * is zero and read-only until the caller sets values and masks.  Returns its offset, or
 * -EINVAL (len < 2) / -ENOSPC.
 */
int vdm_pci_config_add_cap(struct vdm_pci_config *c, uint8_t id, uint8_t len);

/*
 * Append an extended capability (Express functions only) of `len` bytes (>= 4) from
 * 0x100.  Returns its offset, -EINVAL (conventional function) or -ENOSPC.
 */
int vdm_pci_config_add_ext_cap(struct vdm_pci_config *c, uint16_t id, uint8_t version,
			       uint16_t len);

/* Parameters of a PCI Express capability (version 2). */
struct vdm_pcie_cap_params {
	uint8_t port_type;   /* VDM_PCI_EXP_TYPE_* */
	bool slot;           /* Slot Implemented (root/downstream ports only) */
	uint8_t port_number; /* Link Capabilities port number */
	uint8_t max_speed;   /* 1 = 2.5 GT/s, 2 = 5, 3 = 8, 4 = 16; 0 means 1 */
	uint8_t max_width;   /* lanes; 0 means x1 */
	uint32_t slot_cap;   /* Slot Capabilities (incl. PSN) when `slot` */
};

/*
 * Add a PCI Express capability v2 (0x3c bytes) and fill it as QEMU 7.2's pcie_cap_init
 * and its port helpers do (the config-space differential test, tests/e2e, compares):
 *  FLAGS version 2, port type, Slot Implemented; DEVCAP RBER, MPS 128; DEVCTL error
 *  enables RW; DEVSTA error bits W1C; LNKCAP speed/width/ASPM L0s/port number, plus for
 *  root and downstream ports LBNC when wider than x1 or faster than 2.5 GT/s and DLLLARC
 *  when faster than 2.5 GT/s; LNKCTL RO 0 for ports, CCC and ES RW for other functions;
 *  LNKSTA the trained speed and width (DLLLA is the caller's); LNKCAP2 the supported-speeds
 *  vector and LNKCTL2 the target speed (RO) only above 5 GT/s (QEMU leaves both 0 at
 *  2.5 and 5 GT/s).  DEVCAP2 EFF and EETLPP, DEVCTL2 EETLPPB RW; root/downstream ports
 *  also ARI forwarding (DEVCAP2) and its enable (DEVCTL2 RW).
 *  Slot: SLTCAP as given; SLTCTL HPIE, CCIE, PDCE, ABPE, PIC and AIC RW, PCC RW when
 *  SLTCAP has PCP; power-on SLTCTL has both indicators off; SLTSTA events W1C.
 *  Root ports: RTCTL error enables RW, RTSTA PME status W1C.
 * Returns the capability offset or a negative errno (-EINVAL, -ENOSPC).
 */
int vdm_pci_config_add_pcie_cap(struct vdm_pci_config *c, const struct vdm_pcie_cap_params *p);

/* Add a 64-bit MSI capability with one vector (enable and MME RW, address/data RW). */
int vdm_pci_config_add_msi_cap(struct vdm_pci_config *c);

/* Add a subsystem vendor/ID capability (bridges). */
int vdm_pci_config_add_ssvid_cap(struct vdm_pci_config *c, uint16_t svid, uint16_t ssid);

/*
 * Add an MSI-X capability (12 bytes) for `nvec` vectors (1..2048) whose table lies in BAR
 * `bar` (0..5) at `table_off` and whose pending-bit array at `pba_off` (both 8-byte
 * aligned): table size nvec - 1, enable and function-mask RW.  The BAR itself and its
 * contents are the caller's (see vdm_pci_msix_*).  Returns the offset or -EINVAL/-ENOSPC.
 */
int vdm_pci_config_add_msix_cap(struct vdm_pci_config *c, unsigned nvec, unsigned bar,
				uint32_t table_off, uint32_t pba_off);

/*
 * Add an Advanced Error Reporting extended capability (version 2, 0x48 bytes) as QEMU 7.2
 * has it: uncorrectable status W1C and severity RW (default fatal set) for the errors a
 * port can log, uncorrectable mask RO 0 (QEMU made it writable only in 8.0), correctable
 * status W1C and mask RW (default: advisory non-fatal, internal, header-log overflow
 * masked), ECRC generation/check and multiple-header recording capable with their enables
 * RW.  `root_port`: also Root Error Command enables RW and Root Error Status W1C.
 * Returns the offset, or -EINVAL (conventional function) / -ENOSPC.
 */
int vdm_pci_config_add_aer_cap(struct vdm_pci_config *c, bool root_port);

/*
 * The MSI-X table and pending-bit array of a BAR a device dedicates to them, kept in
 * `table` (nvec * 16 bytes; vdm_pci_msix_reset() masks every vector, the power-on state).
 * Reads and writes of 1, 2, 4 or 8 bytes inside the table touch its bytes as stored (the
 * guest programs address, data and vector control); the pending bits read 0 (a device
 * that never signals has nothing pending) and ignore writes; every other offset reads 0
 * and ignores writes.  Returns 0, or -EINVAL for another size (reads then give all-ones).
 */
void vdm_pci_msix_reset(uint8_t *table, unsigned nvec);
int vdm_pci_msix_read(const uint8_t *table, unsigned nvec, uint64_t table_off, uint64_t pba_off,
		      uint64_t off, uint32_t size, uint64_t *value);
int vdm_pci_msix_write(uint8_t *table, unsigned nvec, uint64_t table_off, uint64_t off,
		       uint32_t size, uint64_t value);

/* Raw host-side access: ignores masks; `off` + width must be inside 4 KiB (else ignored
 * / reads 0).  Devices use these to build config space and to reflect internal state. */
void vdm_pci_config_set8(struct vdm_pci_config *c, uint32_t off, uint8_t v);
void vdm_pci_config_set16(struct vdm_pci_config *c, uint32_t off, uint16_t v);
void vdm_pci_config_set32(struct vdm_pci_config *c, uint32_t off, uint32_t v);
uint8_t vdm_pci_config_get8(const struct vdm_pci_config *c, uint32_t off);
uint16_t vdm_pci_config_get16(const struct vdm_pci_config *c, uint32_t off);
uint32_t vdm_pci_config_get32(const struct vdm_pci_config *c, uint32_t off);

/* Set the guest-write mask / write-1-to-clear mask of `size` (1, 2, 4) bytes at `off`. */
void vdm_pci_config_set_wmask(struct vdm_pci_config *c, uint32_t off, uint32_t size,
			      uint32_t mask);
void vdm_pci_config_set_w1cmask(struct vdm_pci_config *c, uint32_t off, uint32_t size,
				uint32_t mask);

/*
 * Check that `c` is a config space the core can work on: struct_size at least
 * VDM_PCI_CONFIG_SIZE_1_0.  Returns 0, or -EINVAL with one line in `err`, e.g.
 *   "vdm_pci_config: struct_size 0 is below 16496, the smallest struct (initialise it with
 *    vdm_pci_config_init)"
 */
int vdm_pci_config_check(const struct vdm_pci_config *c, char *err, size_t err_len);

/* Record the current contents as the power-on image.  Call once, at the end of create(). */
void vdm_pci_config_seal(struct vdm_pci_config *c);

/* Restore the power-on image (what a PCI reset does to config space). */
void vdm_pci_config_reset(struct vdm_pci_config *c);

/* Guest accesses.  See the contract above for sizes, offsets and return values. */
int vdm_pci_config_read(const struct vdm_pci_config *c, uint32_t off, uint32_t size,
			uint32_t *value);
int vdm_pci_config_write(struct vdm_pci_config *c, uint32_t off, uint32_t size,
			 uint32_t value);

/* Fill `res` (bus kind, INTx use, regions) from the declared BARs.  Call from create(). */
void vdm_pci_config_fill_resources(const struct vdm_pci_config *c, struct vdm_resources *res);

/*
 * A PCI function whose state starts with the device head and the config space.  Devices
 * with no config-space side effects put this first in their struct and use the two ops
 * below directly; devices with side effects write their own cfg_write that calls
 * vdm_pci_config_write() and then looks at what changed.  The two ops find the config
 * space right after the head the device was built with (dev->struct_size, abi.h), so they
 * serve a device built against older headers too; they refuse (all-ones, -EINVAL) a head
 * or config space of no known size.
 */
struct vdm_pci_function {
	struct vdm_device dev;
	struct vdm_pci_config cfg;
};

static inline struct vdm_pci_function *vdm_pci_function_of(struct vdm_device *dev)
{
	return (struct vdm_pci_function *)dev;
}

int vdm_pci_function_cfg_read(struct vdm_device *dev, uint32_t off, uint32_t size,
			      uint32_t *value);
int vdm_pci_function_cfg_write(struct vdm_device *dev, uint32_t off, uint32_t size,
			       uint32_t value);

/* The config space of `dev`, a struct vdm_pci_function of any 1.x build, as the two ops
 * above find it; NULL (with the reason in `err`, if given) when its head size is none of
 * the released ones or vdm_pci_config_check refuses its config space. */
struct vdm_pci_config *vdm_pci_function_config(struct vdm_device *dev, char *err,
					       size_t err_len);

/* ---- decoders and programming helpers (for the VMM acting as firmware) ---------------- */
/*
 * These work on any struct vdm_device through its cfg_read/cfg_write ops, so they serve
 * an in-process device and a proxy for a sandboxed one alike.  They bound every walk, so
 * a hostile config space cannot make them loop.
 */

/*
 * The address BAR `bar` is programmed with (type bits masked off; both dwords of a 64-bit
 * BAR).  Uses dev->res to know the BAR's kind.  Returns 0, or -EINVAL if `bar` is not a
 * declared BAR (absent, or the upper half of a 64-bit BAR), or the cfg_read error.
 */
int vdm_pci_bar_address(struct vdm_device *dev, unsigned bar, uint64_t *addr);

/*
 * Program BAR `bar` with `addr` (low dword first, then high).  Returns 0; -EINVAL if the
 * BAR is not declared, `addr` is not aligned to its size, or does not fit its kind (MEM32
 * and IO below 4 GiB); -EIO if the value did not read back (the device refused it).
 */
int vdm_pci_set_bar_address(struct vdm_device *dev, unsigned bar, uint64_t addr);

/*
 * Find standard capability `id`.  With *off == 0 the walk starts at 0x34, otherwise after
 * the capability at *off (to find the next one of the same id).  Returns 0 and sets *off,
 * or -ENOENT.  Next pointers below 0x40 end the list; at most 48 entries are followed.
 */
int vdm_pci_find_cap(struct vdm_device *dev, uint8_t id, uint32_t *off);

/* Same for extended capabilities (from 0x100; at most 960 entries). */
int vdm_pci_find_ext_cap(struct vdm_device *dev, uint16_t id, uint32_t *off);

/* A decoded bridge window: [base, limit], inclusive.  open = base <= limit. */
struct vdm_pci_window {
	uint64_t base;
	uint64_t limit;
	bool open;
};

/* What a type 1 header says. */
struct vdm_pci_bridge {
	uint8_t primary, secondary, subordinate;
	uint16_t command;
	uint16_t bridge_control;
	bool io32;   /* I/O window decodes 32 bits (upper 16 registers used) */
	bool pref64; /* prefetchable window decodes 64 bits */
	struct vdm_pci_window io, mem, pref;
};

/* Decode the first 64 bytes of a type 1 header (little-endian bytes). */
void vdm_pci_bridge_decode(const uint8_t hdr[VDM_PCI_STD_HEADER_SIZE], struct vdm_pci_bridge *out);

/* Read the header of `dev` and decode it.  Returns 0 or the cfg_read error. */
int vdm_pci_bridge_read(struct vdm_device *dev, struct vdm_pci_bridge *out);

/* Write primary/secondary/subordinate bus numbers.  -EIO if they did not read back. */
int vdm_pci_bridge_set_buses(struct vdm_device *dev, uint8_t primary, uint8_t secondary,
			     uint8_t subordinate);

enum vdm_pci_window_kind {
	VDM_PCI_WINDOW_IO = 0,
	VDM_PCI_WINDOW_MEM = 1,
	VDM_PCI_WINDOW_PREF = 2,
};

/*
 * Program a bridge window to [base, base + size).  size 0 closes it (base > limit).
 * base and size must be multiples of the granularity (I/O 4 KiB, memory 1 MiB) and the
 * window must fit the decoder (I/O 16-bit: below 64 KiB; memory: below 4 GiB;
 * prefetchable: below 4 GiB unless the bridge decodes 64 bits).
 * Returns 0, -EINVAL (bad range) or -EIO (the window did not read back: e.g. a root port
 * whose I/O window is read-only because io-reserve=0).
 */
int vdm_pci_bridge_set_window(struct vdm_device *dev, enum vdm_pci_window_kind kind,
			      uint64_t base, uint64_t size);

/* Red Hat resource-reserve capability, decoded.  UINT64_MAX = field not set. */
struct vdm_pci_res_reserve {
	uint64_t bus;
	uint64_t io;
	uint64_t mem;
	uint64_t pref32;
	uint64_t pref64;
};

/*
 * Find the Red Hat resource-reserve capability (vendor cap, type 1, len >= 32) and decode
 * it.  Returns 0, or -ENOENT if the device has none (then every field is UINT64_MAX).
 */
int vdm_pci_res_reserve_read(struct vdm_device *dev, struct vdm_pci_res_reserve *out);

#ifdef __cplusplus
}
#endif

#endif /* VDM_PCI_H */
