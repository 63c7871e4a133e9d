; launch_core: call the resident core on pmuvisor's page tables; come back
; either as a VMX guest (through VMLAUNCH, at .resume) or with an error.
; See vmx/launch.h.  SysV convention.

default rel
%include "lib/sysv.inc"
bits 64

LAUNCH_GUEST_RSP	equ 64
LAUNCH_GUEST_RIP	equ 72
LAUNCH_GUEST_CR3	equ 80
LAUNCH_GUEST_RFLAGS	equ 88

global launch_core

section .text

; int launch_core(struct launch_params *p /* rdi */, uint64_t host_cr3 /* rsi */,
;                 uint64_t entry /* rdx */)
launch_core:
	push_callee_saved
	pushfq
	pop rax
	mov [rdi + LAUNCH_GUEST_RFLAGS], rax
	cli
	; The guest resumes at .resume with exactly this stack.
	mov [rdi + LAUNCH_GUEST_RSP], rsp
	lea rax, [.resume]
	mov [rdi + LAUNCH_GUEST_RIP], rax
	mov rax, cr3
	mov [rdi + LAUNCH_GUEST_CR3], rax
	mov r12, rdi
	mov r13, rax
	mov cr3, rsi			; pmuvisor's tables: this code stays mapped 1:1
	call rdx			; core_entry(p): returns only on failure
	mov cr3, r13
	push qword [r12 + LAUNCH_GUEST_RFLAGS]
	popfq
	jmp .out
.resume:
	; Now in VMX non-root mode; CR3 and RFLAGS are the firmware's again.
	xor eax, eax
.out:
	pop_callee_saved
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
