/* Test plugin built "for ABI 2.0": exports the v1 entry symbol but describes itself as 2.0;
 * the loader must refuse it, naming the file and the versions. */
#include <vdm/abi.h>

static const struct vdm_plugin plugin = {
	.struct_size = sizeof(struct vdm_plugin),
	.abi_version = VDM_ABI_MAKE(VDM_ABI_MAJOR + 1, 0),
	.name = "bad-abi",
};

VDM_PLUGIN_ENTRY(host_abi_version)
{
	(void)host_abi_version;
	return &plugin;
}
