/* Payload ged_regs: the ged payload without waiting for an event - finds the GED and the PCI
 * hotplug block, checks the idle selector, BNUM read-back and empty PCIU/PCID of every BSEL. */
#define GED_REGS_ONLY 1
#define PAYLOAD_NAME "ged_regs"
#include "ged.c"
