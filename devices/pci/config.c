/* PCI config-space core: header init (types 0 and 1), BAR declaration, masked guest
 * reads/writes, power-on image and reset, and the resources a function declares. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <vdm/pci.h>

/* ---- the struct's size (pci.h, ABI 1.4) ----------------------------------------------- */

/* True when `c` is initialised: every function refuses a struct below the 1.0 layout. */
static bool usable(const struct vdm_pci_config *c)
{
	return c && c->struct_size >= VDM_PCI_CONFIG_SIZE_1_0;
}

int vdm_pci_config_check(const struct vdm_pci_config *c, char *err, size_t err_len)
{
	if (usable(c))
		return 0;
	if (err && err_len && !c)
		snprintf(err, err_len, "vdm_pci_config: none given");
	else if (err && err_len)
		snprintf(err, err_len, "vdm_pci_config: struct_size %u is below %zu, the smallest "
			 "struct (initialise it with vdm_pci_config_init)", c->struct_size,
			 VDM_PCI_CONFIG_SIZE_1_0);
	return -EINVAL;
}

/* ---- raw access ---------------------------------------------------------------------- */

static bool in_space(uint32_t off, uint32_t width)
{
	return off < VDM_PCI_CFG_EXP_SIZE && width <= VDM_PCI_CFG_EXP_SIZE - off;
}

static void put_le(uint8_t *p, uint32_t off, uint32_t width, uint32_t v)
{
	uint32_t i;

	if (!in_space(off, width))
		return;
	for (i = 0; i < width; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le(const uint8_t *p, uint32_t off, uint32_t width)
{
	uint32_t i, v = 0;

	if (!in_space(off, width))
		return 0;
	for (i = 0; i < width; i++)
		v |= (uint32_t)p[off + i] << (8 * i);
	return v;
}

void vdm_pci_config_set8(struct vdm_pci_config *c, uint32_t off, uint8_t v)
{
	if (usable(c))
		put_le(c->cfg, off, 1, v);
}

void vdm_pci_config_set16(struct vdm_pci_config *c, uint32_t off, uint16_t v)
{
	if (usable(c))
		put_le(c->cfg, off, 2, v);
}

void vdm_pci_config_set32(struct vdm_pci_config *c, uint32_t off, uint32_t v)
{
	if (usable(c))
		put_le(c->cfg, off, 4, v);
}

uint8_t vdm_pci_config_get8(const struct vdm_pci_config *c, uint32_t off)
{
	return usable(c) ? (uint8_t)get_le(c->cfg, off, 1) : 0;
}

uint16_t vdm_pci_config_get16(const struct vdm_pci_config *c, uint32_t off)
{
	return usable(c) ? (uint16_t)get_le(c->cfg, off, 2) : 0;
}

uint32_t vdm_pci_config_get32(const struct vdm_pci_config *c, uint32_t off)
{
	return usable(c) ? get_le(c->cfg, off, 4) : 0;
}

static bool width_ok(uint32_t size)
{
	return size == 1 || size == 2 || size == 4;
}

void vdm_pci_config_set_wmask(struct vdm_pci_config *c, uint32_t off, uint32_t size,
			      uint32_t mask)
{
	if (usable(c) && width_ok(size))
		put_le(c->wmask, off, size, mask);
}

void vdm_pci_config_set_w1cmask(struct vdm_pci_config *c, uint32_t off, uint32_t size,
				uint32_t mask)
{
	if (usable(c) && width_ok(size))
		put_le(c->w1cmask, off, size, mask);
}

/* ---- header init --------------------------------------------------------------------- */

/* Close every window: base above limit (QEMU pci_bridge_disable_base_limit). */
static void bridge_close_windows(struct vdm_pci_config *c)
{
	vdm_pci_config_set8(c, VDM_PCI_IO_BASE, 0xf0 | VDM_PCI_IO_RANGE_TYPE_16);
	vdm_pci_config_set8(c, VDM_PCI_IO_LIMIT, VDM_PCI_IO_RANGE_TYPE_16);
	vdm_pci_config_set16(c, VDM_PCI_MEMORY_BASE, 0xfff0);
	vdm_pci_config_set16(c, VDM_PCI_MEMORY_LIMIT, 0);
	vdm_pci_config_set16(c, VDM_PCI_PREF_MEMORY_BASE, 0xfff0 | VDM_PCI_PREF_RANGE_TYPE_64);
	vdm_pci_config_set16(c, VDM_PCI_PREF_MEMORY_LIMIT, VDM_PCI_PREF_RANGE_TYPE_64);
	vdm_pci_config_set32(c, VDM_PCI_PREF_BASE_UPPER32, 0xffffffffu);
	vdm_pci_config_set32(c, VDM_PCI_PREF_LIMIT_UPPER32, 0);
}

/*
 * Type 1 masks (PCI-to-PCI Bridge spec 1.2 ch. 3, as QEMU's pci_init_mask_bridge except
 * that the secondary latency timer is RO 0, which PCIe requires).
 */
static void bridge_init_masks(struct vdm_pci_config *c)
{
	vdm_pci_config_set_wmask(c, VDM_PCI_PRIMARY_BUS, 1, 0xff);
	vdm_pci_config_set_wmask(c, VDM_PCI_SECONDARY_BUS, 1, 0xff);
	vdm_pci_config_set_wmask(c, VDM_PCI_SUBORDINATE_BUS, 1, 0xff);
	vdm_pci_config_set_wmask(c, VDM_PCI_IO_BASE, 1, 0xf0);
	vdm_pci_config_set_wmask(c, VDM_PCI_IO_LIMIT, 1, 0xf0);
	vdm_pci_config_set_wmask(c, VDM_PCI_MEMORY_BASE, 2, 0xfff0);
	vdm_pci_config_set_wmask(c, VDM_PCI_MEMORY_LIMIT, 2, 0xfff0);
	vdm_pci_config_set_wmask(c, VDM_PCI_PREF_MEMORY_BASE, 2, 0xfff0);
	vdm_pci_config_set_wmask(c, VDM_PCI_PREF_MEMORY_LIMIT, 2, 0xfff0);
	vdm_pci_config_set_wmask(c, VDM_PCI_PREF_BASE_UPPER32, 4, 0xffffffffu);
	vdm_pci_config_set_wmask(c, VDM_PCI_PREF_LIMIT_UPPER32, 4, 0xffffffffu);
	vdm_pci_config_set_wmask(c, VDM_PCI_BRIDGE_CONTROL, 2,
				 VDM_PCI_BRIDGE_CTL_PARITY | VDM_PCI_BRIDGE_CTL_SERR |
					 VDM_PCI_BRIDGE_CTL_ISA | VDM_PCI_BRIDGE_CTL_VGA |
					 VDM_PCI_BRIDGE_CTL_VGA_16BIT |
					 VDM_PCI_BRIDGE_CTL_BUS_RESET);
	/* Secondary status: the primary error bits, with bit 14 = Received System Error. */
	vdm_pci_config_set_w1cmask(c, VDM_PCI_SEC_STATUS, 2, VDM_PCI_STATUS_ERROR_BITS);
	bridge_close_windows(c);
}

int vdm_pci_config_init(struct vdm_pci_config *c, const struct vdm_pci_ids *ids)
{
	uint8_t type;

	if (!c || !ids)
		return -EINVAL;
	type = ids->header_type & (uint8_t)~VDM_PCI_HEADER_TYPE_MULTIFUNCTION;
	if (type > VDM_PCI_HEADER_TYPE_BRIDGE || ids->int_pin > 4 || ids->class_code > 0xffffff)
		return -EINVAL;

	memset(c, 0, VDM_PCI_CONFIG_SIZE_1_0);
	c->struct_size = VDM_PCI_CONFIG_SIZE_1_0;
	c->size = ids->express ? VDM_PCI_CFG_EXP_SIZE : VDM_PCI_CFG_SIZE;
	c->header_type = type;
	c->cap_free = VDM_PCI_STD_HEADER_SIZE;
	c->ext_free = VDM_PCI_EXT_CAP_START;

	vdm_pci_config_set16(c, VDM_PCI_VENDOR_ID, ids->vendor);
	vdm_pci_config_set16(c, VDM_PCI_DEVICE_ID, ids->device);
	vdm_pci_config_set8(c, VDM_PCI_REVISION_ID, ids->revision);
	vdm_pci_config_set8(c, VDM_PCI_CLASS_PROG, (uint8_t)ids->class_code);
	vdm_pci_config_set16(c, VDM_PCI_CLASS_DEVICE, (uint16_t)(ids->class_code >> 8));
	vdm_pci_config_set8(c, VDM_PCI_HEADER_TYPE, ids->header_type);
	vdm_pci_config_set8(c, VDM_PCI_INTERRUPT_PIN, ids->int_pin);

	vdm_pci_config_set_wmask(c, VDM_PCI_COMMAND, 2,
				 VDM_PCI_COMMAND_IO | VDM_PCI_COMMAND_MEMORY |
					 VDM_PCI_COMMAND_MASTER | VDM_PCI_COMMAND_SERR |
					 VDM_PCI_COMMAND_INTX_DISABLE);
	vdm_pci_config_set_w1cmask(c, VDM_PCI_STATUS, 2, VDM_PCI_STATUS_ERROR_BITS);
	vdm_pci_config_set_wmask(c, VDM_PCI_CACHE_LINE_SIZE, 1, 0xff);
	vdm_pci_config_set_wmask(c, VDM_PCI_INTERRUPT_LINE, 1, 0xff);

	if (type == VDM_PCI_HEADER_TYPE_NORMAL) {
		vdm_pci_config_set16(c, VDM_PCI_SUBSYSTEM_VENDOR_ID, ids->subsys_vendor);
		vdm_pci_config_set16(c, VDM_PCI_SUBSYSTEM_ID, ids->subsys_id);
	} else {
		bridge_init_masks(c);
	}
	vdm_pci_config_seal(c);
	return 0;
}

/* ---- BARs ---------------------------------------------------------------------------- */

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

int vdm_pci_config_add_bar(struct vdm_pci_config *c, unsigned bar, uint32_t kind,
			   uint32_t flags, uint64_t size)
{
	unsigned nbars = !usable(c) ? 0
		       : c->header_type == VDM_PCI_HEADER_TYPE_BRIDGE ? 2 : VDM_PCI_NUM_BARS;
	unsigned slots = kind == VDM_REGION_MEM64 ? 2 : 1;
	uint8_t used = (uint8_t)(((1u << slots) - 1) << (bar < 8 ? bar : 0));
	uint32_t off = VDM_PCI_BAR0 + 4 * bar;
	uint64_t addr_mask = ~(size - 1);
	uint32_t type_bits;

	if (bar >= nbars || bar + slots > nbars || !is_pow2(size))
		return -EINVAL;
	if (flags & ~VDM_REGION_PREFETCHABLE)
		return -EINVAL;
	switch (kind) {
	case VDM_REGION_IO:
		if (flags || size < 4 || size > 256)
			return -EINVAL;
		type_bits = VDM_PCI_BAR_SPACE_IO;
		addr_mask &= VDM_PCI_BAR_IO_MASK;
		break;
	case VDM_REGION_MEM32:
		if (size < 16 || size > (1ull << 31))
			return -EINVAL;
		type_bits = (flags & VDM_REGION_PREFETCHABLE) ? VDM_PCI_BAR_MEM_PREFETCH : 0;
		addr_mask &= VDM_PCI_BAR_MEM_MASK;
		break;
	case VDM_REGION_MEM64:
		if (size < 16 || size > (1ull << 63))
			return -EINVAL;
		type_bits = VDM_PCI_BAR_MEM_TYPE_64 |
			    ((flags & VDM_REGION_PREFETCHABLE) ? VDM_PCI_BAR_MEM_PREFETCH : 0);
		addr_mask &= ~(uint64_t)0xf;
		break;
	default:
		return -EINVAL;
	}
	if (c->bars_used & used)
		return -EBUSY;

	c->bars_used |= used;
	c->bars[bar].size = size;
	c->bars[bar].kind = kind;
	c->bars[bar].flags = flags;
	vdm_pci_config_set32(c, off, type_bits);
	vdm_pci_config_set_wmask(c, off, 4, (uint32_t)addr_mask);
	if (kind == VDM_REGION_MEM64) {
		vdm_pci_config_set32(c, off + 4, 0);
		vdm_pci_config_set_wmask(c, off + 4, 4, (uint32_t)(addr_mask >> 32));
	}
	return 0;
}

/* ---- power-on image ---------------------------------------------------------------- */

void vdm_pci_config_seal(struct vdm_pci_config *c)
{
	if (usable(c))
		memcpy(c->power_on, c->cfg, sizeof(c->cfg));
}

void vdm_pci_config_reset(struct vdm_pci_config *c)
{
	if (usable(c))
		memcpy(c->cfg, c->power_on, sizeof(c->cfg));
}

/* ---- guest accesses ------------------------------------------------------------------ */

/* 0 if the access is well-formed (see the contract in pci.h), else the errno. */
static int check_access(uint32_t off, uint32_t size)
{
	if (!width_ok(size))
		return -EINVAL;
	if (!in_space(off, size))
		return -ERANGE;
	if ((off & 3) + size > 4)
		return -EINVAL; /* crosses a dword: no PCIe config request can say this */
	return 0;
}

static uint32_t ones(uint32_t size)
{
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

int vdm_pci_config_read(const struct vdm_pci_config *c, uint32_t off, uint32_t size,
			uint32_t *value)
{
	int r = usable(c) ? check_access(off, size) : -EINVAL;

	if (r) {
		*value = 0xffffffffu;
		return r;
	}
	if (off >= c->size) { /* conventional function, extended range: nothing there */
		*value = ones(size);
		return 0;
	}
	*value = get_le(c->cfg, off, size);
	return 0;
}

int vdm_pci_config_write(struct vdm_pci_config *c, uint32_t off, uint32_t size,
			 uint32_t value)
{
	int r = usable(c) ? check_access(off, size) : -EINVAL;
	uint32_t i;

	if (r)
		return r;
	if (off >= c->size)
		return 0;
	for (i = 0; i < size; i++) {
		uint32_t o = off + i;
		uint8_t b = (uint8_t)(value >> (8 * i));
		uint8_t w = c->wmask[o];

		c->cfg[o] = (uint8_t)(((c->cfg[o] & ~w) | (b & w)) & ~(b & c->w1cmask[o]));
	}
	return 0;
}

void vdm_pci_config_fill_resources(const struct vdm_pci_config *c, struct vdm_resources *res)
{
	unsigned i;

	if (!usable(c))
		return;
	res->bus_kind = c->header_type == VDM_PCI_HEADER_TYPE_BRIDGE ? VDM_BUS_PCI_BRIDGE
								     : VDM_BUS_PCI_ENDPOINT;
	res->num_irqs = vdm_pci_config_get8(c, VDM_PCI_INTERRUPT_PIN) ? 1 : 0;
	for (i = 0; i < VDM_MAX_REGIONS && i < VDM_PCI_NUM_BARS; i++)
		res->regions[i] = c->bars[i];
}

/* ---- generic function ops ------------------------------------------------------------ */

struct vdm_pci_config *vdm_pci_function_config(struct vdm_device *dev, char *err,
					       size_t err_len)
{
	struct vdm_pci_config *c;
	uint32_t head = dev ? dev->struct_size : 0;

	/* The config space follows the head the device was built with: the head grew in 1.2
	 * and 1.3 (abi.h), so a device built against 1.0 headers has it at 176, not 200. */
	if (head != VDM_DEVICE_SIZE_1_0 && head != VDM_DEVICE_SIZE_1_2 &&
	    head != VDM_DEVICE_SIZE_1_3) {
		if (err && err_len)
			snprintf(err, err_len, "PCI function: device head of %u bytes, none of the "
				 "released sizes %zu, %zu, %zu (vdm_device_init not called?)", head,
				 VDM_DEVICE_SIZE_1_0, VDM_DEVICE_SIZE_1_2, VDM_DEVICE_SIZE_1_3);
		return NULL;
	}
	c = (struct vdm_pci_config *)((char *)dev + head);
	return vdm_pci_config_check(c, err, err_len) ? NULL : c;
}

int vdm_pci_function_cfg_read(struct vdm_device *dev, uint32_t off, uint32_t size,
			      uint32_t *value)
{
	struct vdm_pci_config *c = vdm_pci_function_config(dev, NULL, 0);

	if (!c) {
		*value = 0xffffffffu;
		return -EINVAL;
	}
	return vdm_pci_config_read(c, off, size, value);
}

int vdm_pci_function_cfg_write(struct vdm_device *dev, uint32_t off, uint32_t size,
			       uint32_t value)
{
	struct vdm_pci_config *c = vdm_pci_function_config(dev, NULL, 0);

	return c ? vdm_pci_config_write(c, off, size, value) : -EINVAL;
}
