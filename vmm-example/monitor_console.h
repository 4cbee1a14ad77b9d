/* The console's escape keys, pure: stdin bytes go to the guest's UART or, after Ctrl-a c,
 * to the monitor (QEMU's mux: Ctrl-a c switches, Ctrl-a x quits, Ctrl-a Ctrl-a sends one
 * Ctrl-a, Ctrl-a h lists the keys; any other Ctrl-a pair passes through unchanged). */
#ifndef VMM_MONITOR_CONSOLE_H
#define VMM_MONITOR_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_ESCAPE 0x01 /* Ctrl-a */

enum console_action {
	CONSOLE_NONE = 0,
	CONSOLE_SWITCH, /* Ctrl-a c: the other side now gets the bytes (see .monitor) */
	CONSOLE_QUIT,   /* Ctrl-a x */
	CONSOLE_HELP,   /* Ctrl-a h */
};

struct console_esc {
	bool pending; /* last byte was Ctrl-a */
	bool monitor; /* bytes go to the monitor */
};

/*
 * Route in[0..n) until the first escape action: bytes for the guest are appended to
 * guest[*n_guest], bytes for the monitor to mon[*n_mon] (each buffer at least n + 1 bytes).
 * Returns how many input bytes were consumed; *action says why it stopped early (NONE when
 * everything was consumed).  Call again with the rest after handling an action.
 */
size_t console_esc_feed(struct console_esc *e, const uint8_t *in, size_t n, uint8_t *guest,
			size_t *n_guest, uint8_t *mon, size_t *n_mon, enum console_action *action);

extern const char console_help_text[];

#endif /* VMM_MONITOR_CONSOLE_H */
