/* Guest payload entry (64-bit, at 0x100000) and the 256 interrupt/exception entry stubs.
 * vmm-example starts us with paging on, RSP = 0x8F000, RDI = RSDP, RSI = RAM below 4 GiB. */
	.code64
	.section .text.start, "ax"
	.globl _start
_start:
	cli
	cld
	movq %rdi, %r12
	movq %rsi, %r13
	andq $-16, %rsp
	/* The flat binary carries no .bss: clear it before any C runs. */
	leaq __bss_start(%rip), %rdi
	leaq __bss_end(%rip), %rcx
	subq %rdi, %rcx
	xorl %eax, %eax
	rep stosb
	movq %r12, rt_boot_rdi(%rip)
	movq %r13, rt_boot_rsi(%rip)
	call idt_init
	call payload_main
	call rt_finish
1:	cli
	hlt
	jmp 1b

/* One 16-byte stub per vector: push a dummy error code where the CPU pushes none, push the
 * vector, join trap_common.  trap_stubs + 16 * vector is the gate address. */
	.text
	.balign 16
	.globl trap_stubs
trap_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	/* vectors whose exceptions push an error code themselves */
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21)
	.elseif (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp trap_common
	.set vec, vec + 1
	.endr

/* Saves the caller-saved registers (struct trap_frame in idt.h), calls trap_dispatch(frame).
 * Stack is 16-byte aligned at the call: 5 CPU words + 2 pushed + 9 saved = 16 words. */
trap_common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	movq %rsp, %rdi
	cld
	call trap_dispatch
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
	addq $16, %rsp
	iretq

	.section .note.GNU-stack, "", @progbits
