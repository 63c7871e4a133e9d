; Root-mode interrupt entry points: exceptions 0-31 go to host_exception()
; (which resumes a guarded instruction at its fixup, or reports and stops); an NMI goes to host_nmi(), which takes it as
; the profiler's PMI or records it for the exit path to re-inject into the
; guest.

bits 64
default rel

extern host_exception
extern host_nmi
global host_exception_stubs
global host_nmi_entry

section .text

; Vectors for which the CPU pushes an error code (SDM Vol. 3A, 6.15).
%macro stub 1
exception_%1:
%if %1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30
%else
	push 0
%endif
	push %1
	jmp exception_common
%endmacro

%assign v 0
%rep 32
	stub v
%assign v v + 1
%endrep

exception_common:
	; Frame: vector, error code, then the CPU's RIP, CS, RFLAGS, RSP, SS.
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	mov rdi, rsp
	mov rbx, rsp
	and rsp, -16
	call host_exception		; returns only after a fixup (frame's RIP changed)
	mov rsp, rbx
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16			; vector and error code
	iretq

host_nmi_entry:
	; Caller-saved registers (the C code may use them), then host_nmi(RIP
	; of the interrupted instruction) on a 16-byte aligned stack.
	push rax
	push rcx
	push rdx
	push rsi
	push rdi
	push r8
	push r9
	push r10
	push r11
	push rbx
	mov rdi, [rsp + 10 * 8]		; the CPU's frame: RIP first
	mov rbx, rsp
	and rsp, -16
	call host_nmi
	mov rsp, rbx
	pop rbx
	pop r11
	pop r10
	pop r9
	pop r8
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rax
	iretq

section .rodata
align 8
host_exception_stubs:
%assign v 0
%rep 32
	dq exception_%[v]
%assign v v + 1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
