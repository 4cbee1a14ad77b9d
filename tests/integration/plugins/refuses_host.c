/* Test plugin whose entry refuses the host (returns NULL), as a plugin needing a newer minor
 * would: the loader reports the refusal with the file name. */
#include <vdm/abi.h>

VDM_PLUGIN_ENTRY(host_abi_version)
{
	(void)host_abi_version;
	return (const struct vdm_plugin *)0;
}
