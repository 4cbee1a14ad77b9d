/* The architectures built into libvdm-machine (arch.h): x86_64 and arm64. */
#include "arch.h"

const struct vdm__machine_arch *vdm__machine_arch(uint32_t arch)
{
	static const struct vdm__machine_arch *const built_in[] = { &vdm__machine_arch_x86_64,
								      &vdm__machine_arch_arm64 };

	for (size_t i = 0; i < sizeof(built_in) / sizeof(built_in[0]); i++)
		if (built_in[i]->arch == arch)
			return built_in[i];
	return NULL;
}
