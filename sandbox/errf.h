/* Internal to vdm_sandbox: the one-line error helper every refusal goes through. */
#ifndef VDM_SANDBOX_ERRF_H
#define VDM_SANDBOX_ERRF_H

#include <stddef.h>

/* Write a one-line reason into err (if err and len) and return rc. */
int vdm__errf(char *err, size_t len, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* VDM_SANDBOX_ERRF_H */
