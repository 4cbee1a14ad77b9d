/* vdm-devhost's seccomp program generator (seccomp_bpf.h): rules grouped by syscall number,
 * each rule a run of 32-bit compares (low word, then high word) ending in its action. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <linux/audit.h>
#include <linux/seccomp.h>

#include "seccomp_bpf.h"

#define OFF_NR 0u   /* offsetof(struct seccomp_data, nr) */
#define OFF_ARCH 4u /* offsetof(struct seccomp_data, arch) */
#define OFF_ARG_LO(i) (16u + 8u * (i)) /* args[i], little-endian: low word first */
#define OFF_ARG_HI(i) (20u + 8u * (i))
#define X32_SYSCALL_BIT 0x40000000u

struct prog {
	struct sock_filter *insn;
	size_t n, cap;
	bool failed;
};

static size_t emit(struct prog *p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 128;
		struct sock_filter *grown = realloc(p->insn, cap * sizeof(*grown));

		if (!grown) {
			p->failed = true;
			return p->n;
		}
		p->insn = grown;
		p->cap = cap;
	}
	p->insn[p->n] = (struct sock_filter){ code, jt, jf, k };
	return p->n++;
}

static void ld(struct prog *p, uint32_t off)
{
	emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, off);
}

static void ret(struct prog *p, uint32_t action)
{
	emit(p, BPF_RET | BPF_K, 0, 0, action);
}

/* Point the false branch of every compare in [from, to) at `target` (the next rule). */
static void patch_false(struct prog *p, size_t from, size_t to, size_t target)
{
	for (size_t i = from; i < to && !p->failed; i++) {
		if (BPF_CLASS(p->insn[i].code) != BPF_JMP || BPF_OP(p->insn[i].code) == BPF_JA)
			continue;
		if (target - i - 1 > 255) {
			p->failed = true; /* a rule of more than 255 instructions: never made */
			return;
		}
		p->insn[i].jf = (uint8_t)(target - i - 1);
	}
}

/* A 32-bit half: A = word (& mask); if A != value go to the next rule (patched later). */
static void test_word(struct prog *p, uint32_t off, uint32_t mask, uint32_t value)
{
	ld(p, off);
	if (mask != UINT32_MAX)
		emit(p, BPF_ALU | BPF_AND | BPF_K, 0, 0, mask);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, value);
}

static void rule(struct prog *p, const struct bpf_rule *r)
{
	size_t start = p->n;

	for (unsigned i = 0; i < r->argc; i++) {
		const struct bpf_arg_test *t = &r->args[i];

		if (t->arg > 5) {
			p->failed = true;
			return;
		}
		test_word(p, OFF_ARG_LO(t->arg), (uint32_t)t->mask, (uint32_t)t->value);
		test_word(p, OFF_ARG_HI(t->arg), (uint32_t)(t->mask >> 32),
			  (uint32_t)(t->value >> 32));
	}
	ret(p, r->action);
	patch_false(p, start, p->n, p->n);
}

struct sock_fprog *vdm__bpf_compile(const struct bpf_rule *rules, size_t n, uint32_t arch,
				    uint32_t fallback)
{
	struct prog p = { 0 };
	struct sock_fprog *out;
	bool *done = calloc(n ? n : 1, sizeof(*done));

	if (!done)
		return NULL;
	ld(&p, OFF_ARCH);
	emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, arch);
	ret(&p, fallback);
	ld(&p, OFF_NR);
	if (arch == AUDIT_ARCH_X86_64) { /* x32 calls come with x86_64's arch value */
		emit(&p, BPF_JMP | BPF_JSET | BPF_K, 0, 1, X32_SYSCALL_BIT);
		ret(&p, fallback);
	}
	for (size_t i = 0; i < n && !p.failed; i++) {
		size_t skip;

		if (done[i])
			continue;
		/* this syscall's rules, in order; a call matching none of them: fallback */
		ld(&p, OFF_NR);
		emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, (uint32_t)rules[i].nr);
		skip = emit(&p, BPF_JMP | BPF_JA, 0, 0, 0);
		for (size_t j = i; j < n; j++)
			if (!done[j] && rules[j].nr == rules[i].nr) {
				done[j] = true;
				rule(&p, &rules[j]);
			}
		ret(&p, fallback);
		if (!p.failed)
			p.insn[skip].k = (uint32_t)(p.n - skip - 1);
	}
	ret(&p, fallback);
	free(done);
	if (p.failed || p.n > BPF_MAXINSNS) {
		free(p.insn);
		return NULL;
	}
	out = malloc(sizeof(*out) + p.n * sizeof(*p.insn));
	if (out) {
		out->len = (unsigned short)p.n;
		out->filter = (struct sock_filter *)(out + 1);
		memcpy(out->filter, p.insn, p.n * sizeof(*p.insn));
	}
	free(p.insn);
	return out;
}
