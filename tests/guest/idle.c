/* Payload idle: reports that it started and halts with interrupts off, leaving the machine
 * exactly as firmware set it up (for inspecting it from outside, e.g. QEMU's query-pci). */
#include "lib/rt.h"

void payload_main(void)
{
	rt_printf("PAYLOAD: idle rdi=0x%lx rsi=0x%lx\n", rt_boot_rdi, rt_boot_rsi);
	for (;;)
		__asm__ volatile("cli; hlt");
}
