/* Fuzz-target helpers on top of libvdm-fuzz (vdm/fuzz.h: the op-stream reader and the PCI
 * checks): the check macro through which every target reports a broken invariant. */
#ifndef VDM_FUZZ_INPUT_H
#define VDM_FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <vdm/fuzz.h>
#include <vdm/pci.h>

/*
 * Every target is one LLVMFuzzerTestOneInput() (libFuzzer's entry point; replay_main.c
 * calls it for files when libFuzzer is not linked).  A target decodes its input with the
 * vdm_fuzz_* readers of vdm/fuzz.h: a read past the end yields zeros, so any input,
 * including an empty one, is a valid op stream.
 *
 * FUZZ_CHECK(cond, fmt, ...) prints which invariant broke and calls FUZZ_FAIL(), which is
 * abort() unless the includer defines it first (tests/unit/test_fuzz_regressions.c defines
 * it as a cmocka failure so a regression input fails one test instead of the program).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef FUZZ_FAIL
#define FUZZ_FAIL() abort()
#endif

#define FUZZ_CHECK(cond, ...)                                                             \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "%s:%d: invariant broken: %s: ", __FILE__, __LINE__,   \
				#cond);                                                   \
			fprintf(stderr, __VA_ARGS__);                                     \
			fputc('\n', stderr);                                              \
			FUZZ_FAIL();                                                      \
		}                                                                         \
	} while (0)

/*
 * Known findings: a broken invariant already reported and not fixed yet (listed in
 * tests/fuzz/README.md with its regression test).  A target checks it with
 * FUZZ_CHECK_KNOWN(id, cond, ...), which is FUZZ_CHECK unless the environment has
 * VDM_FUZZ_ALLOW_KNOWN=1, so a long run can look past it for new findings.  fuzz-ci.sh
 * never sets it: an unfixed finding keeps failing CI.
 */
static inline bool fz_allow_known(void)
{
	static int allow = -1;

	if (allow < 0) {
		const char *e = getenv("VDM_FUZZ_ALLOW_KNOWN");

		allow = e && e[0] == '1';
	}
	return allow;
}

#define FUZZ_CHECK_KNOWN(id, cond, ...)                                                   \
	do {                                                                              \
		if (!(cond) && fz_allow_known())                                          \
			break;                                                            \
		FUZZ_CHECK(cond, "[known finding " id "] " __VA_ARGS__);                  \
	} while (0)

/*
 * The library's checks (vdm/fuzz.h: the PCI contract, regions, the runner) report through a
 * sink; this one prints what broke, as FUZZ_CHECK does, and calls FUZZ_FAIL(), so a
 * regression test that redefines FUZZ_FAIL catches the library's findings too.
 */
static inline void fuzz_on_finding(void *opaque, const char *invariant, const char *text)
{
	(void)opaque;
	fprintf(stderr, "invariant broken [%s]: %s\n", invariant, text);
	FUZZ_FAIL();
}

static inline struct vdm_fuzz_sink fuzz_sink(void)
{
	struct vdm_fuzz_sink s = { fuzz_on_finding, NULL };

	return s;
}

/* Start the library's PCI checks on `dev`, a struct vdm_pci_function of libvdm (its config
 * bytes are compared directly), whose valid config writes change only their own bytes. */
static inline void fuzz_pci_init(struct vdm_fuzz_pci *p, struct vdm_device *dev,
				 uint32_t cfg_size)
{
	struct vdm_fuzz_sink sink = fuzz_sink();

	vdm_fuzz_pci_init(p, dev, cfg_size, vdm_pci_function_of(dev)->cfg.cfg, &sink);
	p->local_writes = true;
}

#endif /* VDM_FUZZ_INPUT_H */
