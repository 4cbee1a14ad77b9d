/* vmm-example's architecture interface: the same functions for every architecture, each
 * implemented in its own folder (x86/, arm64/); this picks the one the build targets. */
#ifndef VMM_ARCH_SELECT_H
#define VMM_ARCH_SELECT_H

#if defined(__x86_64__)
#include "x86/arch.h"
#elif defined(__aarch64__)
#include "arm64/arch.h"
#else
#error "vmm-example runs on x86_64 and aarch64 hosts only"
#endif

#endif /* VMM_ARCH_SELECT_H */
