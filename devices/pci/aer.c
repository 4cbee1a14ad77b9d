/* The PCI Express Advanced Error Reporting extended capability, with QEMU 7.2's values and
 * masks (a port that never detects an error: every status starts and stays clear). */
#include <errno.h>

#include <vdm/pci.h>

int vdm_pci_config_add_aer_cap(struct vdm_pci_config *c, bool root_port)
{
	int pos = vdm_pci_config_add_ext_cap(c, VDM_PCI_EXT_CAP_ID_ERR, VDM_PCI_ERR_VER,
					     VDM_PCI_ERR_SIZEOF);
	uint32_t u;

	if (pos < 0)
		return pos;
	u = (uint32_t)pos;
	vdm_pci_config_set_w1cmask(c, u + VDM_PCI_ERR_UNCOR_STATUS, 4, VDM_PCI_ERR_UNC_SUPPORTED);
	vdm_pci_config_set32(c, u + VDM_PCI_ERR_UNCOR_SEVER, VDM_PCI_ERR_UNC_SEVERITY_DEFAULT);
	vdm_pci_config_set_wmask(c, u + VDM_PCI_ERR_UNCOR_SEVER, 4, VDM_PCI_ERR_UNC_SUPPORTED);
	vdm_pci_config_set_w1cmask(c, u + VDM_PCI_ERR_COR_STATUS, 4, VDM_PCI_ERR_COR_SUPPORTED);
	vdm_pci_config_set32(c, u + VDM_PCI_ERR_COR_MASK, VDM_PCI_ERR_COR_MASK_DEFAULT);
	vdm_pci_config_set_wmask(c, u + VDM_PCI_ERR_COR_MASK, 4, VDM_PCI_ERR_COR_SUPPORTED);
	vdm_pci_config_set32(c, u + VDM_PCI_ERR_CAP,
			     VDM_PCI_ERR_CAP_ECRC_GENC | VDM_PCI_ERR_CAP_ECRC_CHKC |
				     VDM_PCI_ERR_CAP_MHRC);
	vdm_pci_config_set_wmask(c, u + VDM_PCI_ERR_CAP, 4,
				 VDM_PCI_ERR_CAP_ECRC_GENE | VDM_PCI_ERR_CAP_ECRC_CHKE |
					 VDM_PCI_ERR_CAP_MHRE);
	if (root_port) {
		vdm_pci_config_set_wmask(c, u + VDM_PCI_ERR_ROOT_COMMAND, 4,
					 VDM_PCI_ERR_ROOT_CMD_EN_MASK);
		vdm_pci_config_set_w1cmask(c, u + VDM_PCI_ERR_ROOT_STATUS, 4,
					   VDM_PCI_ERR_ROOT_STATUS_REPORT);
	}
	return pos;
}
