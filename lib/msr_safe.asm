; Fault-tolerant RDMSR/WRMSR/XSETBV and the #GP handler that makes them so.
; See lib/cpu_safe.h.  SysV calling convention (the C compiler's).

default rel
bits 64

global msr_read_safe
global msr_write_safe
global xsetbv_safe
global fault_guard_gp_handler
global fault_guard_chained_gp

section .text

; int msr_read_safe(uint32_t msr /* edi */, uint64_t *value /* rsi */)
msr_read_safe:
	mov ecx, edi
.insn:	rdmsr
	shl rdx, 32
	or rax, rdx
	mov [rsi], rax
	xor eax, eax
	ret
.fault:	mov qword [rsi], 0
	mov eax, -1
	ret

; int msr_write_safe(uint32_t msr /* edi */, uint64_t value /* rsi */)
msr_write_safe:
	mov ecx, edi
	mov eax, esi
	mov rdx, rsi
	shr rdx, 32
.insn:	wrmsr
	xor eax, eax
	ret
.fault:	mov eax, -1
	ret

; int xsetbv_safe(uint32_t xcr /* edi */, uint64_t value /* rsi */)
xsetbv_safe:
	mov ecx, edi
	mov eax, esi
	mov rdx, rsi
	shr rdx, 32
.insn:	xsetbv
	xor eax, eax
	ret
.fault:	mov eax, -1
	ret

; #GP entry.  The CPU pushed SS, RSP, RFLAGS, CS, RIP and an error code
; (SDM Vol. 3A, 6.14.1 "64-Bit Mode Stack Frame").  A fault at one of the
; instructions in fixup_table resumes at its fixup; anything else is
; passed on, frame untouched, to the handler the firmware had.
fault_guard_gp_handler:
	push rax
	push rcx
	push rdx
	mov rax, [rsp + 32]		; faulting RIP, above 3 saves + error code
	lea rcx, [fixup_table]
	mov edx, FIXUP_COUNT
.next:	cmp rax, [rcx]
	je .found
	add rcx, 16
	dec edx
	jnz .next
	pop rdx
	pop rcx
	pop rax
	jmp [fault_guard_chained_gp]
.found:	mov rax, [rcx + 8]
	mov [rsp + 32], rax
	pop rdx
	pop rcx
	pop rax
	add rsp, 8			; drop the error code before IRETQ
	iretq

section .data
align 8
fault_guard_chained_gp: dq 0
fixup_table:
	dq msr_read_safe.insn, msr_read_safe.fault
	dq msr_write_safe.insn, msr_write_safe.fault
	dq xsetbv_safe.insn, xsetbv_safe.fault
FIXUP_COUNT equ ($ - fixup_table) / 16

section .note.GNU-stack noalloc noexec nowrite progbits
