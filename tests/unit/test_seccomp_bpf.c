/* Unit tests for vdm-devhost's seccomp program generator (sandbox/seccomp_bpf.c), loaded for
 * real in a child process: allowed calls run, errno rules fail them, everything else (other
 * syscalls, other arguments, stray upper bits of an argument) kills the process by SIGSYS. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <linux/audit.h>
#include <linux/seccomp.h>

#include "seccomp_bpf.h"

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#endif

#define EQ(n, v) { (n), UINT64_MAX, (uint64_t)(v) }

static const struct bpf_rule rules[] = {
	{ SYS_exit_group, SECCOMP_RET_ALLOW, 0, { { 0 } } },
	{ SYS_getpid, SECCOMP_RET_ALLOW, 0, { { 0 } } },
	/* dup(7) fails with EBADF, dup(1) runs, any other dup is killed */
	{ SYS_dup, SECCOMP_RET_ERRNO | EBADF, 1, { EQ(0, 7) } },
	{ SYS_dup, SECCOMP_RET_ALLOW, 1, { EQ(0, 1) } },
	/* getpriority(which, who): allowed when which has none of bits 4..7 and who is 0 */
	{ SYS_getpriority, SECCOMP_RET_ALLOW, 2, { { 0, 0xf0, 0 }, EQ(1, 0) } },
};

/* Run `what` in a child under the program; its wait status. */
static int run(int what)
{
	struct sock_fprog *prog = vdm__bpf_compile(rules, sizeof(rules) / sizeof(rules[0]), ARCH,
						   SECCOMP_RET_KILL_PROCESS);
	int status = -1;
	pid_t pid;

	assert_non_null(prog);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		long r = 0;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog))
			syscall(SYS_exit_group, 100);
		switch (what) {
		case 0: r = syscall(SYS_getpid) > 0 ? 0 : 1; break;
		case 1: r = syscall(SYS_dup, 7) == -1 && errno == EBADF ? 2 : 1; break;
		case 2: r = syscall(SYS_dup, 1) >= 0 ? 3 : 1; break;
		case 3: r = syscall(SYS_getpriority, 0, 0) >= 0 || errno != ENOSYS ? 4 : 1; break;
		case 4: syscall(SYS_dup, 2); break;                            /* other argument */
		case 5: syscall(SYS_dup, (uint64_t)1 << 32 | 7); break;        /* stray upper bits */
		case 6: syscall(SYS_getppid); break;                           /* not listed */
		case 7: syscall(SYS_getpriority, 0x10, 0); break;              /* masked bits set */
		case 8: syscall(SYS_getpriority, 0, 1); break;                 /* second test fails */
		}
		syscall(SYS_exit_group, r);
	}
	free(prog);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void allowed_and_errno_rules_decide_what_they_match(void **state)
{
	(void)state;
	for (int what = 0; what <= 3; what++) {
		int st = run(what);

		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), what == 0 ? 0 : what + 1);
	}
}

static void anything_else_is_killed_by_sigsys(void **state)
{
	(void)state;
	for (int what = 4; what <= 8; what++) {
		int st = run(what);

		if (!WIFSIGNALED(st))
			fail_msg("case %d: not killed (status 0x%x)", what, st);
		assert_int_equal(WTERMSIG(st), SIGSYS);
	}
}

static void a_rule_with_a_bad_argument_index_makes_no_program(void **state)
{
	const struct bpf_rule bad[] = { { SYS_dup, SECCOMP_RET_ALLOW, 1, { { 6, UINT64_MAX, 0 } } } };

	(void)state;
	assert_null(vdm__bpf_compile(bad, 1, ARCH, SECCOMP_RET_KILL_PROCESS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(allowed_and_errno_rules_decide_what_they_match),
		cmocka_unit_test(anything_else_is_killed_by_sigsys),
		cmocka_unit_test(a_rule_with_a_bad_argument_index_makes_no_program),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
