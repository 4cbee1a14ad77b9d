/* Test-only multiboot loader: lets QEMU (-kernel loader.bin -initrd payload.bin) start a
 * payload the way vmm-example does: long mode, 1 GiB identity pages, RDI=RSDP, RSI=RAM. */
	.set MB_MAGIC, 0x1badb002
	.set MB_FLAGS, (1 << 0) | (1 << 1) | (1 << 16) /* page-aligned modules, mem info, a.out kludge */

	.section .text.start, "ax"
	.code32
	.globl _start
_start:
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long mb_header    /* header_addr */
	.long _start       /* load_addr */
	.long __load_end   /* load_end_addr */
	.long __bss_end    /* bss_end_addr */
	.long entry32      /* entry_addr */

entry32:
	cli
	cld
	movl $boot_stack_top, %esp
	movl %ebx, mbi_addr
	cmpl $0x2badb002, %eax
	jne fail32

	/* PML4[0] -> PDPT; PDPT[i] = i GiB, present | writable | 1 GiB page (512 GiB mapped). */
	movl $pdpt, %eax
	orl $3, %eax
	movl %eax, pml4
	movl $pdpt, %edi
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $30, %eax
	orl $0x83, %eax
	movl %eax, (%edi,%ecx,8)
	movl %ecx, %eax
	shrl $2, %eax
	movl %eax, 4(%edi,%ecx,8)
	incl %ecx
	cmpl $512, %ecx
	jne 1b

	movl %cr4, %eax
	orl $(1 << 5), %eax          /* PAE */
	movl %eax, %cr4
	movl $pml4, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx       /* EFER: LME | NXE */
	rdmsr
	orl $((1 << 8) | (1 << 11)), %eax
	wrmsr
	movl %cr0, %eax
	orl $((1 << 31) | (1 << 16) | 1), %eax /* PG | WP | PE */
	movl %eax, %cr0
	lgdt gdt_desc
	ljmp $0x08, $entry64

fail32:
	movw $0x600, %dx
	movb $0x01, %al
	outb %al, %dx
	hlt

	.code64
entry64:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movq $boot_stack_top, %rsp
	movl mbi_addr, %edi
	leaq boot_args(%rip), %rsi
	call loader_main
	/* Enter the payload exactly as PAYLOAD.md describes. */
	movq boot_args(%rip), %rdi
	movq boot_args+8(%rip), %rsi
	movq $0x8f000, %rsp
	xorl %eax, %eax
	xorl %ebx, %ebx
	xorl %ecx, %ecx
	xorl %edx, %edx
	xorl %ebp, %ebp
	xorl %r8d, %r8d
	xorl %r9d, %r9d
	xorl %r10d, %r10d
	xorl %r11d, %r11d
	xorl %r12d, %r12d
	xorl %r13d, %r13d
	xorl %r14d, %r14d
	xorl %r15d, %r15d
	pushq $0x2
	popfq
	movq $0x100000, %rax
	jmp *%rax

	.section .rodata
	.balign 8
gdt:
	.quad 0
	.quad 0x00af9a000000ffff /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff /* 0x10: data */
gdt_desc:
	.word gdt_desc - gdt - 1
	.long gdt

	.section .bss
	.balign 4096
pml4:
	.skip 4096
pdpt:
	.skip 4096
boot_stack:
	.skip 16384
boot_stack_top:
mbi_addr:
	.skip 8
	.globl boot_args
boot_args:
	.skip 16

	.section .note.GNU-stack, "", @progbits
