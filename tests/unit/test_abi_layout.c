/* ABI freeze: the size and every field's offset and size of each struct that crosses the
 * plugin boundary, the ring wire or the embedding API, and the size of each released version. */
/*
 * The numbers are the LP64 layout: x86_64 and aarch64 agree on every one of them (same sizes
 * and alignments of the C types used here), so an arm64 build runs this test unchanged.  A
 * released layout never changes (abi.h): a failure here means a field moved, changed size or
 * was inserted before existing ones.  A deliberate addition at the end adds its fields here
 * with their `since` minor and, for a struct that grew, the new version's size.
 *
 * Built twice: as a cmocka test (every mismatch reported, naming struct, field, expected and
 * actual offset), and with -DVDM_ABI_LAYOUT_STATIC as nothing but _Static_asserts, so any
 * compiler can check the same numbers for another target without running anything
 * (tests/tools: clang --target=aarch64-linux-gnu -fsyntax-only).
 */
#include <stddef.h>
#include <stdint.h>

#include <vdm/device.h>
#include <vdm/ged.h>
#include <vdm/pci.h>
#include <vdm/plugin.h>
#include <vdm/props.h>
#include <vdm/proxy.h>
#include <vdm/ring.h>

/*
 * S(type, size)                        the struct's size now
 * V(type, minor, size, expression)     its size in ABI 1.minor, as `expression` computes it
 *                                      from today's layout (device.h, props.h, pci.h)
 * F(type, field, offset, size, since)  a field: where it is, how big, since which minor
 */
/* What crosses the plugin boundary: abi.h, device.h, props.h, pci.h, ged.h (since = the
 * ABI minor that added the field). */
#define PLUGIN_ABI(S, V, F) \
	S(struct vdm_plugin, 32) \
	F(struct vdm_plugin, struct_size, 0, 4, 0) \
	F(struct vdm_plugin, abi_version, 4, 4, 0) \
	F(struct vdm_plugin, name, 8, 8, 0) \
	F(struct vdm_plugin, types, 16, 8, 0) \
	F(struct vdm_plugin, num_types, 24, 4, 0) \
	S(struct vdm_region_decl, 16) \
	F(struct vdm_region_decl, size, 0, 8, 0) \
	F(struct vdm_region_decl, kind, 8, 4, 0) \
	F(struct vdm_region_decl, flags, 12, 4, 0) \
	S(struct vdm_resources, 136) \
	V(struct vdm_resources, 0, 112, VDM_RESOURCES_SIZE_1_0) \
	V(struct vdm_resources, 2, 120, VDM_RESOURCES_SIZE_1_2) \
	V(struct vdm_resources, 3, 136, VDM_RESOURCES_SIZE_1_3) \
	F(struct vdm_resources, struct_size, 0, 4, 0) \
	F(struct vdm_resources, abi_version, 4, 4, 0) \
	F(struct vdm_resources, bus_kind, 8, 4, 0) \
	F(struct vdm_resources, num_irqs, 12, 4, 0) \
	F(struct vdm_resources, regions, 16, 96, 0) \
	F(struct vdm_resources, pure_reads, 112, 4, 2) \
	F(struct vdm_resources, cfg_wmask, 120, 8, 3) \
	F(struct vdm_resources, cfg_w1cmask, 128, 8, 3) \
	S(struct vdm_host, 40) \
	F(struct vdm_host, struct_size, 0, 4, 0) \
	F(struct vdm_host, abi_version, 4, 4, 0) \
	F(struct vdm_host, opaque, 8, 8, 0) \
	F(struct vdm_host, set_irq, 16, 8, 0) \
	F(struct vdm_host, log, 24, 8, 0) \
	F(struct vdm_host, eject, 32, 8, 0) \
	S(struct vdm_device_ops, 64) \
	V(struct vdm_device_ops, 0, 56, VDM_DEVICE_OPS_SIZE_1_0) \
	V(struct vdm_device_ops, 1, 64, VDM_DEVICE_OPS_SIZE_1_1) \
	F(struct vdm_device_ops, struct_size, 0, 4, 0) \
	F(struct vdm_device_ops, abi_version, 4, 4, 0) \
	F(struct vdm_device_ops, cfg_read, 8, 8, 0) \
	F(struct vdm_device_ops, cfg_write, 16, 8, 0) \
	F(struct vdm_device_ops, bar_read, 24, 8, 0) \
	F(struct vdm_device_ops, bar_write, 32, 8, 0) \
	F(struct vdm_device_ops, reset, 40, 8, 0) \
	F(struct vdm_device_ops, destroy, 48, 8, 0) \
	F(struct vdm_device_ops, control, 56, 8, 1) \
	S(struct vdm_device, 200) \
	V(struct vdm_device, 0, 176, VDM_DEVICE_SIZE_1_0) \
	V(struct vdm_device, 2, 184, VDM_DEVICE_SIZE_1_2) \
	V(struct vdm_device, 3, 200, VDM_DEVICE_SIZE_1_3) \
	F(struct vdm_device, struct_size, 0, 4, 0) \
	F(struct vdm_device, abi_version, 4, 4, 0) \
	F(struct vdm_device, ops, 8, 8, 0) \
	F(struct vdm_device, type, 16, 8, 0) \
	F(struct vdm_device, host, 24, 40, 0) \
	F(struct vdm_device, res, 64, 136, 0) \
	S(struct vdm_device_type, 48) \
	F(struct vdm_device_type, struct_size, 0, 4, 0) \
	F(struct vdm_device_type, abi_version, 4, 4, 0) \
	F(struct vdm_device_type, name, 8, 8, 0) \
	F(struct vdm_device_type, summary, 16, 8, 0) \
	F(struct vdm_device_type, props_schema, 24, 8, 0) \
	F(struct vdm_device_type, num_props, 32, 4, 0) \
	F(struct vdm_device_type, bus_kind, 36, 4, 0) \
	F(struct vdm_device_type, create, 40, 8, 0) \
	S(struct vdm_prop_desc, 40) \
	F(struct vdm_prop_desc, name, 0, 8, 0) \
	F(struct vdm_prop_desc, type, 8, 4, 0) \
	F(struct vdm_prop_desc, flags, 12, 4, 0) \
	F(struct vdm_prop_desc, min, 16, 8, 0) \
	F(struct vdm_prop_desc, max, 24, 8, 0) \
	F(struct vdm_prop_desc, help, 32, 8, 0) \
	S(struct vdm_prop_value, 80) \
	F(struct vdm_prop_value, desc, 0, 8, 0) \
	F(struct vdm_prop_value, num, 8, 8, 0) \
	F(struct vdm_prop_value, str, 16, 64, 0) \
	S(struct vdm_prop_values, 2568) \
	V(struct vdm_prop_values, 0, 2568, VDM_PROP_VALUES_SIZE_1_0) \
	F(struct vdm_prop_values, count, 0, 4, 0) \
	F(struct vdm_prop_values, struct_size, 4, 4, 4) \
	F(struct vdm_prop_values, v, 8, 2560, 0) \
	S(struct vdm_pci_config, 16496) \
	V(struct vdm_pci_config, 0, 16496, VDM_PCI_CONFIG_SIZE_1_0) \
	F(struct vdm_pci_config, cfg, 0, 4096, 0) \
	F(struct vdm_pci_config, wmask, 4096, 4096, 0) \
	F(struct vdm_pci_config, w1cmask, 8192, 4096, 0) \
	F(struct vdm_pci_config, power_on, 12288, 4096, 0) \
	F(struct vdm_pci_config, size, 16384, 4, 0) \
	F(struct vdm_pci_config, header_type, 16388, 1, 0) \
	F(struct vdm_pci_config, cap_last, 16389, 1, 0) \
	F(struct vdm_pci_config, ext_last, 16390, 2, 0) \
	F(struct vdm_pci_config, cap_free, 16392, 2, 0) \
	F(struct vdm_pci_config, ext_free, 16394, 2, 0) \
	F(struct vdm_pci_config, bars_used, 16396, 1, 0) \
	F(struct vdm_pci_config, reserved, 16397, 1, 4) \
	F(struct vdm_pci_config, struct_size, 16398, 2, 4) \
	F(struct vdm_pci_config, bars, 16400, 96, 0) \
	S(struct vdm_pci_ids, 16) \
	F(struct vdm_pci_ids, vendor, 0, 2, 0) \
	F(struct vdm_pci_ids, device, 2, 2, 0) \
	F(struct vdm_pci_ids, class_code, 4, 4, 0) \
	F(struct vdm_pci_ids, revision, 8, 1, 0) \
	F(struct vdm_pci_ids, header_type, 9, 1, 0) \
	F(struct vdm_pci_ids, int_pin, 10, 1, 0) \
	F(struct vdm_pci_ids, express, 11, 1, 0) \
	F(struct vdm_pci_ids, subsys_vendor, 12, 2, 0) \
	F(struct vdm_pci_ids, subsys_id, 14, 2, 0) \
	S(struct vdm_pcie_cap_params, 12) \
	F(struct vdm_pcie_cap_params, port_type, 0, 1, 0) \
	F(struct vdm_pcie_cap_params, slot, 1, 1, 0) \
	F(struct vdm_pcie_cap_params, port_number, 2, 1, 0) \
	F(struct vdm_pcie_cap_params, max_speed, 3, 1, 0) \
	F(struct vdm_pcie_cap_params, max_width, 4, 1, 0) \
	F(struct vdm_pcie_cap_params, slot_cap, 8, 4, 0) \
	S(struct vdm_pci_function, 16696) \
	V(struct vdm_pci_function, 0, 16672, VDM_DEVICE_SIZE_1_0 + VDM_PCI_CONFIG_SIZE_1_0) \
	V(struct vdm_pci_function, 2, 16680, VDM_DEVICE_SIZE_1_2 + VDM_PCI_CONFIG_SIZE_1_0) \
	V(struct vdm_pci_function, 3, 16696, VDM_DEVICE_SIZE_1_3 + VDM_PCI_CONFIG_SIZE_1_0) \
	F(struct vdm_pci_function, dev, 0, 200, 0) \
	F(struct vdm_pci_function, cfg, 200, 16496, 0) \
	S(struct vdm_pci_window, 24) \
	F(struct vdm_pci_window, base, 0, 8, 0) \
	F(struct vdm_pci_window, limit, 8, 8, 0) \
	F(struct vdm_pci_window, open, 16, 1, 0) \
	S(struct vdm_pci_bridge, 88) \
	F(struct vdm_pci_bridge, primary, 0, 1, 0) \
	F(struct vdm_pci_bridge, secondary, 1, 1, 0) \
	F(struct vdm_pci_bridge, subordinate, 2, 1, 0) \
	F(struct vdm_pci_bridge, command, 4, 2, 0) \
	F(struct vdm_pci_bridge, bridge_control, 6, 2, 0) \
	F(struct vdm_pci_bridge, io32, 8, 1, 0) \
	F(struct vdm_pci_bridge, pref64, 9, 1, 0) \
	F(struct vdm_pci_bridge, io, 16, 24, 0) \
	F(struct vdm_pci_bridge, mem, 40, 24, 0) \
	F(struct vdm_pci_bridge, pref, 64, 24, 0) \
	S(struct vdm_pci_res_reserve, 40) \
	F(struct vdm_pci_res_reserve, bus, 0, 8, 0) \
	F(struct vdm_pci_res_reserve, io, 8, 8, 0) \
	F(struct vdm_pci_res_reserve, mem, 16, 8, 0) \
	F(struct vdm_pci_res_reserve, pref32, 24, 8, 0) \
	F(struct vdm_pci_res_reserve, pref64, 32, 8, 0) \
	S(struct vdm_ged_bus_state, 12) \
	F(struct vdm_ged_bus_state, slots, 0, 4, 0) \
	F(struct vdm_ged_bus_state, up, 4, 4, 0) \
	F(struct vdm_ged_bus_state, down, 8, 4, 0)

/* The shared-memory ring's wire format, ring.h (since = the wire minor: mirror_map and
 * mirror_seq took two of the device line's reserved words in wire 1.2). */
#define RING_WIRE(S, V, F) \
	S(struct vdm_ring_entry, 32) \
	F(struct vdm_ring_entry, seq, 0, 4, 0) \
	F(struct vdm_ring_entry, kind, 4, 1, 0) \
	F(struct vdm_ring_entry, size, 5, 1, 0) \
	F(struct vdm_ring_entry, region, 6, 1, 0) \
	F(struct vdm_ring_entry, flags, 7, 1, 0) \
	F(struct vdm_ring_entry, offset, 8, 8, 0) \
	F(struct vdm_ring_entry, data, 16, 8, 0) \
	F(struct vdm_ring_entry, status, 24, 4, 0) \
	F(struct vdm_ring_entry, reserved, 28, 4, 0) \
	S(struct vdm_ring_log, 128) \
	F(struct vdm_ring_log, kind, 0, 4, 0) \
	F(struct vdm_ring_log, level, 4, 4, 0) \
	F(struct vdm_ring_log, arg0, 8, 4, 0) \
	F(struct vdm_ring_log, arg1, 12, 4, 0) \
	F(struct vdm_ring_log, text, 16, 112, 0) \
	S(struct vdm_ring_header, 256) \
	F(struct vdm_ring_header, magic, 0, 4, 0) \
	F(struct vdm_ring_header, wire_version, 4, 4, 0) \
	F(struct vdm_ring_header, total_size, 8, 4, 0) \
	F(struct vdm_ring_header, doorbell, 12, 4, 0) \
	F(struct vdm_ring_header, req_offset, 16, 4, 0) \
	F(struct vdm_ring_header, req_entries, 20, 4, 0) \
	F(struct vdm_ring_header, rsp_offset, 24, 4, 0) \
	F(struct vdm_ring_header, rsp_entries, 28, 4, 0) \
	F(struct vdm_ring_header, log_offset, 32, 4, 0) \
	F(struct vdm_ring_header, log_entries, 36, 4, 0) \
	F(struct vdm_ring_header, layout_reserved, 40, 24, 0) \
	F(struct vdm_ring_header, req_prod, 64, 4, 0) \
	F(struct vdm_ring_header, req_bell, 68, 4, 0) \
	F(struct vdm_ring_header, rsp_cons, 72, 4, 0) \
	F(struct vdm_ring_header, vmm_waiting, 76, 4, 0) \
	F(struct vdm_ring_header, log_cons, 80, 4, 0) \
	F(struct vdm_ring_header, vmm_reserved, 84, 44, 0) \
	F(struct vdm_ring_header, req_cons, 128, 4, 0) \
	F(struct vdm_ring_header, dev_waiting, 132, 4, 0) \
	F(struct vdm_ring_header, rsp_prod, 136, 4, 0) \
	F(struct vdm_ring_header, rsp_bell, 140, 4, 0) \
	F(struct vdm_ring_header, log_prod, 144, 4, 0) \
	F(struct vdm_ring_header, dev_state, 148, 4, 0) \
	F(struct vdm_ring_header, log_dropped, 152, 4, 0) \
	F(struct vdm_ring_header, bad_requests, 156, 4, 0) \
	F(struct vdm_ring_header, write_errors, 160, 4, 0) \
	F(struct vdm_ring_header, mirror_map, 164, 4, 2) \
	F(struct vdm_ring_header, mirror_seq, 168, 4, 2) \
	F(struct vdm_ring_header, dev_reserved, 172, 20, 0) \
	F(struct vdm_ring_header, tail_reserved, 192, 64, 0)

/* What a VMM hands the library: proxy.h and the ring endpoints' configs, ring.h. */
#define EMBED_API(S, V, F) \
	S(struct vdm_proxy_event, 224) \
	F(struct vdm_proxy_event, kind, 0, 4, 0) \
	F(struct vdm_proxy_event, fault, 4, 4, 0) \
	F(struct vdm_proxy_event, exit_code, 8, 4, 0) \
	F(struct vdm_proxy_event, signal, 12, 4, 0) \
	F(struct vdm_proxy_event, pid, 16, 4, 0) \
	F(struct vdm_proxy_event, type_name, 24, 8, 0) \
	F(struct vdm_proxy_event, text, 32, 192, 0) \
	S(struct vdm_proxy_config, 144) \
	V(struct vdm_proxy_config, 0, 120, offsetof(struct vdm_proxy_config, spare)) \
	V(struct vdm_proxy_config, 2, 128, offsetof(struct vdm_proxy_config, wait_budget_ms)) \
	F(struct vdm_proxy_config, struct_size, 0, 4, 0) \
	F(struct vdm_proxy_config, abi_version, 4, 4, 0) \
	F(struct vdm_proxy_config, devhost, 8, 8, 0) \
	F(struct vdm_proxy_config, plugin, 16, 8, 0) \
	F(struct vdm_proxy_config, spec, 24, 8, 0) \
	F(struct vdm_proxy_config, doorbell, 32, 4, 0) \
	F(struct vdm_proxy_config, timeout_ms, 36, 4, 0) \
	F(struct vdm_proxy_config, start_timeout_ms, 40, 4, 0) \
	F(struct vdm_proxy_config, spin_ns, 44, 4, 0) \
	F(struct vdm_proxy_config, dev_spin_ns, 48, 4, 0) \
	F(struct vdm_proxy_config, num_irqfds, 52, 4, 0) \
	F(struct vdm_proxy_config, irqfds, 56, 32, 0) \
	F(struct vdm_proxy_config, host, 88, 8, 0) \
	F(struct vdm_proxy_config, on_event, 96, 8, 0) \
	F(struct vdm_proxy_config, opaque, 104, 8, 0) \
	F(struct vdm_proxy_config, cpu_mask, 112, 8, 0) \
	F(struct vdm_proxy_config, spare, 120, 8, 2) \
	F(struct vdm_proxy_config, wait_budget_ms, 128, 4, 4) \
	F(struct vdm_proxy_config, cpu_budget_ms, 132, 4, 4) \
	F(struct vdm_proxy_config, log_lines_per_s, 136, 4, 4) \
	S(struct vdm_ring_client_config, 40) \
	F(struct vdm_ring_client_config, doorbell, 0, 4, 0) \
	F(struct vdm_ring_client_config, spin_ns, 4, 4, 0) \
	F(struct vdm_ring_client_config, timeout_ms, 8, 4, 0) \
	F(struct vdm_ring_client_config, pidfd, 12, 4, 0) \
	F(struct vdm_ring_client_config, req_efd, 16, 4, 0) \
	F(struct vdm_ring_client_config, rsp_efd, 20, 4, 0) \
	F(struct vdm_ring_client_config, pump, 24, 8, 0) \
	F(struct vdm_ring_client_config, pump_opaque, 32, 8, 0) \
	S(struct vdm_ring_client_stats, 32) \
	F(struct vdm_ring_client_stats, calls, 0, 8, 0) \
	F(struct vdm_ring_client_stats, call_ns, 8, 8, 0) \
	F(struct vdm_ring_client_stats, posts, 16, 8, 0) \
	F(struct vdm_ring_client_stats, mirror_reads, 24, 8, 0) \
	S(struct vdm_ring_server_config, 16) \
	F(struct vdm_ring_server_config, spin_ns, 0, 4, 0) \
	F(struct vdm_ring_server_config, req_efd, 4, 4, 0) \
	F(struct vdm_ring_server_config, rsp_efd, 8, 4, 0) \
	F(struct vdm_ring_server_config, notify_efd, 12, 4, 0)


#define ALL(S, V, F) PLUGIN_ABI(S, V, F) RING_WIRE(S, V, F) EMBED_API(S, V, F)

#if !defined(__LP64__)
#error "test_abi_layout.c pins the LP64 layout (x86_64, aarch64): add this data model's numbers"
#endif

#ifdef VDM_ABI_LAYOUT_STATIC

#define S_ASSERT(T, size) _Static_assert(sizeof(T) == (size), #T " must be " #size " bytes");
#define V_ASSERT(T, minor, size, expr)                                                         \
	_Static_assert((expr) == (size), #T " of ABI 1." #minor " must be " #size " bytes");
#define F_ASSERT(T, m, off, size, since)                                                       \
	_Static_assert(offsetof(T, m) == (off) && sizeof(((T *)0)->m) == (size),                  \
		       #T "." #m " must stay at offset " #off ", " #size " bytes");
ALL(S_ASSERT, V_ASSERT, F_ASSERT)

#else /* the cmocka test */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

struct pin {
	char what;         /* 'S', 'V' or 'F' */
	const char *type;  /* "struct vdm_resources" */
	const char *field; /* F: the field */
	unsigned minor;    /* V: the version; F: the minor that added the field */
	size_t want_off, want_size, off, size;
};

#define S_ROW(T, sz) { 'S', #T, NULL, 0, 0, (sz), 0, sizeof(T) },
#define V_ROW(T, mn, sz, expr) { 'V', #T, NULL, (mn), 0, (sz), 0, (expr) },
#define F_ROW(T, m, o, sz, since)                                                              \
	{ 'F', #T, #m, (since), (o), (sz), offsetof(T, m), sizeof(((T *)0)->m) },

static const struct pin plugin_abi[] = { PLUGIN_ABI(S_ROW, V_ROW, F_ROW) };
static const struct pin ring_wire[] = { RING_WIRE(S_ROW, V_ROW, F_ROW) };
static const struct pin embed_api[] = { EMBED_API(S_ROW, V_ROW, F_ROW) };

/* When pin `p` does not hold: true, with one line naming it in `msg`. */
static bool broken(const struct pin *p, char *msg, size_t len)
{
	if (p->what == 'F' && (p->off != p->want_off || p->size != p->want_size))
		snprintf(msg, len, "%s: field %s is at offset %zu (%zu bytes), expected offset %zu "
			 "(%zu bytes, since ABI 1.%u): a released layout changed; structs only grow "
			 "at their end (include/vdm/abi.h)", p->type, p->field, p->off, p->size,
			 p->want_off, p->want_size, p->minor);
	else if (p->what == 'V' && p->size != p->want_size)
		snprintf(msg, len, "%s: its ABI 1.%u version is %zu bytes, expected %zu (what a "
			 "device or plugin built then has)", p->type, p->minor, p->size,
			 p->want_size);
	else if (p->what == 'S' && p->size != p->want_size)
		snprintf(msg, len, "%s: %zu bytes, expected %zu: a field was added, removed or "
			 "resized (a deliberate addition at the end is pinned here)", p->type,
			 p->size, p->want_size);
	else
		return false;
	return true;
}

/* Print every pin of `p` that does not hold; return how many. */
static int mismatches(const struct pin *p, size_t n)
{
	char msg[400];
	int bad = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (broken(&p[i], msg, sizeof(msg))) {
			print_error("%s\n", msg);
			bad++;
		}
	}
	return bad;
}

/* Each table names at least one struct, each struct at least one field, and the fields of
 * a struct are listed in offset order without overlapping (a pin list that cannot drift
 * from the header's order unnoticed). */
static void pins_are_well_formed(const struct pin *p, size_t n)
{
	size_t i, fields = 0, end = 0;
	const char *type = NULL;

	assert_true(n > 0 && p[0].what == 'S');
	for (i = 0; i < n; i++) {
		if (p[i].what == 'S') {
			assert_true(i == 0 || fields > 0);
			type = p[i].type;
			fields = 0;
			end = 0;
		} else if (p[i].what == 'F') {
			assert_string_equal(p[i].type, type);
			if (p[i].want_off < end)
				fail_msg("%s: pin for %s overlaps the field before it", type,
					 p[i].field);
			end = p[i].want_off + p[i].want_size;
			fields++;
		}
	}
	assert_true(fields > 0);
}

static void plugin_boundary_structs_keep_every_released_layout(void **state)
{
	(void)state;
	pins_are_well_formed(plugin_abi, sizeof(plugin_abi) / sizeof(plugin_abi[0]));
	assert_int_equal(mismatches(plugin_abi, sizeof(plugin_abi) / sizeof(plugin_abi[0])), 0);
}

static void ring_wire_structs_keep_their_layout(void **state)
{
	(void)state;
	pins_are_well_formed(ring_wire, sizeof(ring_wire) / sizeof(ring_wire[0]));
	assert_int_equal(mismatches(ring_wire, sizeof(ring_wire) / sizeof(ring_wire[0])), 0);
}

static void embedding_api_structs_keep_their_layout(void **state)
{
	(void)state;
	pins_are_well_formed(embed_api, sizeof(embed_api) / sizeof(embed_api[0]));
	assert_int_equal(mismatches(embed_api, sizeof(embed_api) / sizeof(embed_api[0])), 0);
}

/* The checker itself: a pin that does not hold is reported by struct, field and offset. */
static void a_moved_field_is_reported_with_struct_field_and_offset(void **state)
{
	const struct pin moved = { 'F', "struct vdm_resources", "pure_reads", 2, 112, 4, 116, 4 };
	const struct pin grown = { 'V', "struct vdm_resources", NULL, 0, 0, 112, 0, 116 };
	const struct pin held = { 'S', "struct vdm_host", NULL, 0, 0, 40, 0, 40 };
	char msg[400] = "";

	(void)state;
	assert_true(broken(&moved, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "struct vdm_resources: field pure_reads is at offset 116"));
	assert_non_null(strstr(msg, "expected offset 112"));
	assert_true(broken(&grown, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "ABI 1.0 version is 116 bytes, expected 112"));
	assert_false(broken(&held, msg, sizeof(msg)));
}

/* Bumping the ABI minor (abi.h: a struct grew or a callback appeared) means pinning what
 * it added: this test says so.  (The ring's wire minor can change without a layout change;
 * its structs are pinned above all the same.) */
static void the_pins_know_the_current_minor(void **state)
{
	(void)state;
	if (VDM_ABI_MINOR != 4)
		fail_msg("ABI 1.%d: pin the new version's fields and sizes in "
			 "tests/unit/test_abi_layout.c, then update this check (pinned: 1.4)",
			 VDM_ABI_MINOR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plugin_boundary_structs_keep_every_released_layout),
		cmocka_unit_test(ring_wire_structs_keep_their_layout),
		cmocka_unit_test(embedding_api_structs_keep_their_layout),
		cmocka_unit_test(a_moved_field_is_reported_with_struct_field_and_offset),
		cmocka_unit_test(the_pins_know_the_current_minor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
