/* Findings: how a broken invariant is reported (the caller's sink, or one line on stderr and
 * abort(), which is what makes libFuzzer save the input). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <vdm/fuzz.h>

void vdm_fuzz_fail(const struct vdm_fuzz_sink *sink, const char *invariant, const char *fmt, ...)
{
	char text[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (sink && sink->fn) {
		sink->fn(sink->opaque, invariant, text);
		return;
	}
	/* The default sink: a fuzz finding ends the process (see fuzz.h). */
	fprintf(stderr, "vdm-fuzz: invariant broken [%s]: %s\n", invariant, text);
	fflush(stderr);
	abort();
}
