/* PCI capability builders: the standard list from 0x34, the extended list from 0x100,
 * and the PCI Express v2, MSI and subsystem-ID capabilities (MSI-X: msix.c, AER: aer.c). */
#include <errno.h>

#include <vdm/pci.h>

int vdm_pci_config_add_cap(struct vdm_pci_config *c, uint8_t id, uint8_t len)
{
	uint32_t off;

	if (len < 2 || vdm_pci_config_check(c, NULL, 0))
		return -EINVAL;
	off = c->cap_free;
	if (off + len > VDM_PCI_CFG_SIZE)
		return -ENOSPC;
	/* First in the chain, as QEMU links them: the newest capability is found first. */
	vdm_pci_config_set8(c, off, id);
	vdm_pci_config_set8(c, off + 1, vdm_pci_config_get8(c, VDM_PCI_CAPABILITY_LIST));
	vdm_pci_config_set8(c, VDM_PCI_CAPABILITY_LIST, (uint8_t)off);
	vdm_pci_config_set16(c, VDM_PCI_STATUS,
			     vdm_pci_config_get16(c, VDM_PCI_STATUS) | VDM_PCI_STATUS_CAP_LIST);
	c->cap_last = (uint8_t)off;
	c->cap_free = (uint16_t)((off + len + 3) & ~3u);
	return (int)off;
}

int vdm_pci_config_add_ext_cap(struct vdm_pci_config *c, uint16_t id, uint8_t version,
			       uint16_t len)
{
	uint32_t off;

	if (vdm_pci_config_check(c, NULL, 0) || c->size != VDM_PCI_CFG_EXP_SIZE || len < 4 ||
	    version > 0xf)
		return -EINVAL;
	off = c->ext_free;
	if (off + len > VDM_PCI_CFG_EXP_SIZE)
		return -ENOSPC;
	vdm_pci_config_set32(c, off, (uint32_t)id | (uint32_t)version << 16);
	if (c->ext_last) {
		uint32_t prev = vdm_pci_config_get32(c, c->ext_last);

		vdm_pci_config_set32(c, c->ext_last, (prev & 0x000fffffu) | off << 20);
	}
	c->ext_last = (uint16_t)off;
	c->ext_free = (uint16_t)((off + len + 3) & ~3u);
	return (int)off;
}

static bool is_downstream(uint8_t type)
{
	return type == VDM_PCI_EXP_TYPE_ROOT_PORT || type == VDM_PCI_EXP_TYPE_DOWNSTREAM;
}

static bool has_link(uint8_t type)
{
	return type != VDM_PCI_EXP_TYPE_RC_END;
}

/* Slot Control bits the guest may write (QEMU's pcie_cap_slot_init; its Electromechanical
 * Interlock Control only toggles a lock we do not model, so it stays 0 here). */
static uint16_t slot_control_wmask(uint32_t sltcap)
{
	uint16_t m = VDM_PCI_EXP_SLTCTL_HPIE | VDM_PCI_EXP_SLTCTL_CCIE | VDM_PCI_EXP_SLTCTL_PDCE |
		     VDM_PCI_EXP_SLTCTL_ABPE | VDM_PCI_EXP_SLTCTL_PIC | VDM_PCI_EXP_SLTCTL_AIC;

	if (sltcap & VDM_PCI_EXP_SLTCAP_PCP)
		m |= VDM_PCI_EXP_SLTCTL_PCC;
	return m;
}

/* Link registers (QEMU's pcie_cap_v1_fill and pcie_cap_fill_slot_lnk). */
static void pcie_fill_link(struct vdm_pci_config *c, uint32_t pos,
			   const struct vdm_pcie_cap_params *p)
{
	uint32_t speed = p->max_speed ? p->max_speed : 1;
	uint32_t width = p->max_width ? p->max_width : 1;
	uint32_t lnkcap = speed | width << 4 | VDM_PCI_EXP_LNKCAP_ASPM_L0S |
			  (uint32_t)p->port_number << VDM_PCI_EXP_LNKCAP_PN_SHIFT;

	if (is_downstream(p->port_type)) {
		/* Required of ports with more than one width or speed. */
		if (width > 1 || speed > 1)
			lnkcap |= VDM_PCI_EXP_LNKCAP_LBNC;
		/* Hot-plug ports faster than 5 GT/s must report link activity; QEMU does so
		 * above 2.5 GT/s. */
		if (speed > 1)
			lnkcap |= VDM_PCI_EXP_LNKCAP_DLLLARC;
	} else {
		vdm_pci_config_set_wmask(c, pos + VDM_PCI_EXP_LNKCTL, 2,
					 VDM_PCI_EXP_LNKCTL_CCC | VDM_PCI_EXP_LNKCTL_ES);
	}
	vdm_pci_config_set32(c, pos + VDM_PCI_EXP_LNKCAP, lnkcap);
	vdm_pci_config_set16(c, pos + VDM_PCI_EXP_LNKSTA, (uint16_t)(speed | width << 4));
	if (speed > 1) /* target speed: 2.5 GT/s devices may hardwire it to 0, as QEMU does */
		vdm_pci_config_set16(c, pos + VDM_PCI_EXP_LNKCTL2, (uint16_t)speed);
	/* Supported Link Speeds Vector (bit n for every speed n up to the maximum): QEMU
	 * fills it only above 5 GT/s, where LNKCAP's field stops being enough. */
	if (speed > 2)
		vdm_pci_config_set32(c, pos + VDM_PCI_EXP_LNKCAP2,
				     ((1u << (speed + 1)) - 1) & ~1u);
}

int vdm_pci_config_add_pcie_cap(struct vdm_pci_config *c, const struct vdm_pcie_cap_params *p)
{
	int pos;
	uint32_t u;

	if (vdm_pci_config_check(c, NULL, 0) || c->size != VDM_PCI_CFG_EXP_SIZE ||
	    p->port_type > 0xf || p->max_speed > 4 ||
	    p->max_width > 32 || (p->slot && !is_downstream(p->port_type)))
		return -EINVAL;
	pos = vdm_pci_config_add_cap(c, VDM_PCI_CAP_ID_EXP, VDM_PCI_EXP_SIZEOF_V2);
	if (pos < 0)
		return pos;
	u = (uint32_t)pos;

	vdm_pci_config_set16(c, u + VDM_PCI_EXP_FLAGS,
			     (uint16_t)(2 | p->port_type << 4 |
					(p->slot ? VDM_PCI_EXP_FLAGS_SLOT : 0)));
	vdm_pci_config_set32(c, u + VDM_PCI_EXP_DEVCAP, VDM_PCI_EXP_DEVCAP_RBER);
	vdm_pci_config_set_wmask(c, u + VDM_PCI_EXP_DEVCTL, 2, VDM_PCI_EXP_DEVCTL_ERR_ENABLES);
	vdm_pci_config_set_w1cmask(c, u + VDM_PCI_EXP_DEVSTA, 2, VDM_PCI_EXP_DEVSTA_ERR_BITS);
	if (has_link(p->port_type))
		pcie_fill_link(c, u, p);

	vdm_pci_config_set32(c, u + VDM_PCI_EXP_DEVCAP2,
			     VDM_PCI_EXP_DEVCAP2_EFF | VDM_PCI_EXP_DEVCAP2_EETLPP |
				     (is_downstream(p->port_type) ? VDM_PCI_EXP_DEVCAP2_ARI : 0));
	vdm_pci_config_set_wmask(c, u + VDM_PCI_EXP_DEVCTL2, 2,
				 VDM_PCI_EXP_DEVCTL2_EETLPPB |
					 (is_downstream(p->port_type) ? VDM_PCI_EXP_DEVCTL2_ARI : 0));
	if (p->slot) {
		vdm_pci_config_set32(c, u + VDM_PCI_EXP_SLTCAP, p->slot_cap);
		vdm_pci_config_set16(c, u + VDM_PCI_EXP_SLTCTL,
				     VDM_PCI_EXP_SLTCTL_AIC_OFF | VDM_PCI_EXP_SLTCTL_PIC_OFF);
		vdm_pci_config_set_wmask(c, u + VDM_PCI_EXP_SLTCTL, 2,
					 slot_control_wmask(p->slot_cap));
		vdm_pci_config_set_w1cmask(c, u + VDM_PCI_EXP_SLTSTA, 2,
					   VDM_PCI_EXP_SLTSTA_EVENTS);
	}
	if (p->port_type == VDM_PCI_EXP_TYPE_ROOT_PORT) {
		vdm_pci_config_set_wmask(c, u + VDM_PCI_EXP_RTCTL, 2,
					 VDM_PCI_EXP_RTCTL_ERR_ENABLES);
		vdm_pci_config_set_w1cmask(c, u + VDM_PCI_EXP_RTSTA, 4, VDM_PCI_EXP_RTSTA_PME);
	}
	return pos;
}

int vdm_pci_config_add_msi_cap(struct vdm_pci_config *c)
{
	int pos = vdm_pci_config_add_cap(c, VDM_PCI_CAP_ID_MSI, VDM_PCI_MSI_SIZEOF_64);
	uint32_t u;

	if (pos < 0)
		return pos;
	u = (uint32_t)pos;
	vdm_pci_config_set16(c, u + VDM_PCI_MSI_FLAGS, VDM_PCI_MSI_FLAGS_64BIT);
	vdm_pci_config_set_wmask(c, u + VDM_PCI_MSI_FLAGS, 2,
				 VDM_PCI_MSI_FLAGS_ENABLE | VDM_PCI_MSI_FLAGS_QSIZE);
	vdm_pci_config_set_wmask(c, u + VDM_PCI_MSI_ADDRESS_LO, 4, 0xfffffffcu);
	vdm_pci_config_set_wmask(c, u + VDM_PCI_MSI_ADDRESS_HI, 4, 0xffffffffu);
	vdm_pci_config_set_wmask(c, u + VDM_PCI_MSI_DATA_64, 2, 0xffff);
	return pos;
}

int vdm_pci_config_add_ssvid_cap(struct vdm_pci_config *c, uint16_t svid, uint16_t ssid)
{
	int pos = vdm_pci_config_add_cap(c, VDM_PCI_CAP_ID_SSVID, VDM_PCI_SSVID_SIZEOF);

	if (pos < 0)
		return pos;
	vdm_pci_config_set16(c, (uint32_t)pos + VDM_PCI_SSVID_VENDOR_ID, svid);
	vdm_pci_config_set16(c, (uint32_t)pos + VDM_PCI_SSVID_DEVICE_ID, ssid);
	return pos;
}
