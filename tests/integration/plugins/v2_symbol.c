/* Test plugin from a future ABI major: it exports vdm_plugin_entry_v2 only; the loader must
 * say it found the v2 entry and that this host speaks 1.x. */
#include <stdint.h>

#include <vdm/abi.h>

__attribute__((visibility("default"))) const struct vdm_plugin *vdm_plugin_entry_v2(uint32_t v);
__attribute__((visibility("default"))) const struct vdm_plugin *vdm_plugin_entry_v2(uint32_t v)
{
	(void)v;
	return (const struct vdm_plugin *)0;
}
