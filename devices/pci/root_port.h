/* Moved to the installed <vdm/root_port.h>; this forwarder goes once every includer uses
 * the installed name. */
#include <vdm/root_port.h>
