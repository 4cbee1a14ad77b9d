/* A seccomp BPF program from a list of rules (internal to vdm-devhost): each rule a syscall,
 * up to two argument tests and an action; the kernel's own filter language, no library. */
#ifndef VDM_SANDBOX_SECCOMP_BPF_H
#define VDM_SANDBOX_SECCOMP_BPF_H

#include <stddef.h>
#include <stdint.h>

#include <linux/filter.h>

#define BPF_RULE_MAX_ARGS 2

/* (argument `arg` & mask) == value, on all 64 bits (mask ~0: plain equality). */
struct bpf_arg_test {
	unsigned arg; /* 0..5 */
	uint64_t mask;
	uint64_t value;
};

struct bpf_rule {
	int nr;          /* the syscall number */
	uint32_t action; /* SECCOMP_RET_* (with SECCOMP_RET_ERRNO: | errno) */
	unsigned argc;   /* 0..BPF_RULE_MAX_ARGS tests, all must hold */
	struct bpf_arg_test args[BPF_RULE_MAX_ARGS];
};

/*
 * The program: a call from another architecture than `arch` (AUDIT_ARCH_*), or on x86_64 an
 * x32 call, gets `fallback`; otherwise the first rule (in `rules` order) whose syscall and
 * tests match decides; a call no rule matches gets `fallback`.  Rules of one syscall are
 * tested together (the number is compared once per syscall).  Returns a malloc'd sock_fprog
 * whose instructions follow it (free() it whole), or NULL (out of memory, a rule with a bad
 * argument index, or a program longer than BPF_MAXINSNS).
 */
struct sock_fprog *vdm__bpf_compile(const struct bpf_rule *rules, size_t n, uint32_t arch,
				    uint32_t fallback);

#endif /* VDM_SANDBOX_SECCOMP_BPF_H */
