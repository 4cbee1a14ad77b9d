/* Console escape state machine (see monitor_console.h): a pure byte router, so the keys are
 * unit-tested and the stdin path in run.c only reads, routes and acts. */
#include "monitor_console.h"

const char console_help_text[] =
	"\r\nC-a h    this help\r\n"
	"C-a x    stop the virtual machine\r\n"
	"C-a c    switch between the guest console and the monitor\r\n"
	"C-a C-a  send C-a to the guest\r\n";

static void put(struct console_esc *e, uint8_t c, uint8_t *guest, size_t *ng, uint8_t *mon,
		size_t *nm)
{
	if (e->monitor)
		mon[(*nm)++] = c;
	else
		guest[(*ng)++] = c;
}

size_t console_esc_feed(struct console_esc *e, const uint8_t *in, size_t n, uint8_t *guest,
			size_t *n_guest, uint8_t *mon, size_t *n_mon, enum console_action *action)
{
	size_t i;

	*action = CONSOLE_NONE;
	for (i = 0; i < n; i++) {
		uint8_t c = in[i];

		if (!e->pending) {
			if (c == CONSOLE_ESCAPE)
				e->pending = true;
			else
				put(e, c, guest, n_guest, mon, n_mon);
			continue;
		}
		e->pending = false;
		switch (c) {
		case 'c':
		case 'C':
			e->monitor = !e->monitor;
			*action = CONSOLE_SWITCH;
			return i + 1;
		case 'x':
		case 'X':
			*action = CONSOLE_QUIT;
			return i + 1;
		case 'h':
		case 'H':
		case '?':
			*action = CONSOLE_HELP;
			return i + 1;
		case CONSOLE_ESCAPE:
			put(e, c, guest, n_guest, mon, n_mon);
			break;
		default:
			put(e, CONSOLE_ESCAPE, guest, n_guest, mon, n_mon);
			put(e, c, guest, n_guest, mon, n_mon);
			break;
		}
	}
	return n;
}
