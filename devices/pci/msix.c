/* MSI-X for the PCI core: the capability builder and the table / pending-bit array of a BAR
 * a device dedicates to them (storage only: signalling is the device's business). */
#include <errno.h>
#include <string.h>

#include <vdm/pci.h>

int vdm_pci_config_add_msix_cap(struct vdm_pci_config *c, unsigned nvec, unsigned bar,
				uint32_t table_off, uint32_t pba_off)
{
	int pos;
	uint32_t u;

	if (nvec < 1 || nvec > VDM_PCI_MSIX_MAX_VECTORS || bar >= VDM_PCI_NUM_BARS ||
	    (table_off & 7) || (pba_off & 7))
		return -EINVAL;
	pos = vdm_pci_config_add_cap(c, VDM_PCI_CAP_ID_MSIX, VDM_PCI_MSIX_SIZEOF);
	if (pos < 0)
		return pos;
	u = (uint32_t)pos;
	vdm_pci_config_set16(c, u + VDM_PCI_MSIX_FLAGS, (uint16_t)(nvec - 1));
	vdm_pci_config_set32(c, u + VDM_PCI_MSIX_TABLE, table_off | bar);
	vdm_pci_config_set32(c, u + VDM_PCI_MSIX_PBA, pba_off | bar);
	vdm_pci_config_set_wmask(c, u + VDM_PCI_MSIX_FLAGS, 2,
				 VDM_PCI_MSIX_FLAGS_ENABLE | VDM_PCI_MSIX_FLAGS_MASKALL);
	return pos;
}

void vdm_pci_msix_reset(uint8_t *table, unsigned nvec)
{
	unsigned v;

	memset(table, 0, (size_t)nvec * VDM_PCI_MSIX_ENTRY_SIZE);
	for (v = 0; v < nvec; v++) /* every vector masked (PCIe 7.7.2.5: its reset value) */
		table[v * VDM_PCI_MSIX_ENTRY_SIZE + VDM_PCI_MSIX_ENTRY_VECTOR_CTRL] =
			VDM_PCI_MSIX_ENTRY_CTRL_MASKBIT;
}

static bool size_ok(uint32_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/* The table's byte range inside the BAR, or false if [off, off + size) is not all in it. */
static bool in_table(unsigned nvec, uint64_t table_off, uint64_t off, uint32_t size)
{
	uint64_t len = (uint64_t)nvec * VDM_PCI_MSIX_ENTRY_SIZE;

	return off >= table_off && off - table_off <= len && size <= len - (off - table_off);
}

int vdm_pci_msix_read(const uint8_t *table, unsigned nvec, uint64_t table_off, uint64_t pba_off,
		      uint64_t off, uint32_t size, uint64_t *value)
{
	uint32_t i;

	(void)pba_off; /* nothing is ever pending: the array reads 0 like the rest */
	if (!size_ok(size)) {
		*value = UINT64_MAX;
		return -EINVAL;
	}
	*value = 0;
	if (!in_table(nvec, table_off, off, size))
		return 0;
	for (i = 0; i < size; i++)
		*value |= (uint64_t)table[off - table_off + i] << (8 * i);
	return 0;
}

int vdm_pci_msix_write(uint8_t *table, unsigned nvec, uint64_t table_off, uint64_t off,
		       uint32_t size, uint64_t value)
{
	uint32_t i;

	if (!size_ok(size))
		return -EINVAL;
	if (!in_table(nvec, table_off, off, size))
		return 0;
	for (i = 0; i < size; i++)
		table[off - table_off + i] = (uint8_t)(value >> (8 * i));
	return 0;
}
