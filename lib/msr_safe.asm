; Fault-tolerant RDMSR/WRMSR/XSETBV, MOV to CR0/CR4 and VMCALL, and the #GP
; (and #UD) handlers that make them so.
; See lib/cpu_safe.h.  SysV calling convention (the C compiler's).

default rel
bits 64

global msr_read_safe
global msr_write_safe
global xsetbv_safe
global fault_guard_gp_handler
global fault_guard_chained_gp
global cr0_write_safe
global cr4_write_safe
global vmcall_safe
global fault_guard_catch_ud
global fault_guard_ud_handler
global fault_guard_chained_ud
global fault_fixup

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

; int cr0_write_safe(uint64_t value /* rdi */), cr4_write_safe(...): MOV to
; CR0/CR4, which raises #GP(0) for a reserved bit or a bad combination
; (SDM Vol. 2B, MOV--Move to/from Control Registers, "64-Bit Mode Exceptions").
cr0_write_safe:
.insn:	mov cr0, rdi
	xor eax, eax
	ret
.fault:	mov eax, -1
	ret

cr4_write_safe:
.insn:	mov cr4, rdi
	xor eax, eax
	ret
.fault:	mov eax, -1
	ret

; int vmcall_safe(struct vmcall_regs *regs /* rdi */): VMCALL with RAX, RBX,
; RCX, RDX taken from *regs and written back.  Outside VMX non-root
; operation VMCALL raises #UD (SDM Vol. 2C, VMCALL); that fails it too,
; once fault_guard_catch_ud() is in force, and leaves *regs as it was.
vmcall_safe:
	push rbx
	push rdi
	mov rax, [rdi]
	mov rbx, [rdi + 8]
	mov rcx, [rdi + 16]
	mov rdx, [rdi + 24]
.insn:	vmcall
	pop rdi
	mov [rdi], rax
	mov [rdi + 8], rbx
	mov [rdi + 16], rcx
	mov [rdi + 24], rdx
	pop rbx
	xor eax, eax
	ret
.fault:	pop rdi
	pop rbx
	mov eax, -1
	ret

; void fault_guard_catch_ud(void), only between fault_guard_enter() and
; fault_guard_leave(): the live IDT is then the guard's own copy, whose
; #UD gate (vector 6) this points at fault_guard_ud_handler, keeping the
; gate's old handler for any #UD that is not a guarded instruction's.
; fault_guard_enter() copies the firmware's gate back the next time.
UD_GATE equ 6 * 16			; 16-byte gates (SDM Vol. 3A, 6.14.1, Figure 6-8)
fault_guard_catch_ud:
	sub rsp, 16
	sidt [rsp]
	mov rcx, [rsp + 2]		; the IDT's base, after its 16-bit limit
	add rsp, 16
	add rcx, UD_GATE
	movzx eax, word [rcx]		; offset 15:0
	movzx edx, word [rcx + 6]	; offset 31:16
	shl rdx, 16
	or rax, rdx
	mov edx, [rcx + 8]		; offset 63:32
	shl rdx, 32
	or rax, rdx
	mov [fault_guard_chained_ud], rax
	lea rax, [fault_guard_ud_handler]
	mov [rcx], ax
	shr rax, 16
	mov [rcx + 6], ax
	shr rax, 16
	mov [rcx + 8], eax
	mov ax, cs
	mov [rcx + 2], ax
	mov byte [rcx + 4], 0		; no IST
	mov byte [rcx + 5], 0x8e	; present, DPL 0, 64-bit interrupt gate
	ret

; The two entries share one body: a fault at one of the instructions in
; fixup_table resumes at its fixup; anything else is passed on, frame
; untouched, to the handler the firmware had.  %1: where the faulting RIP
; is above the three saves, %2: the chained handler, %3: bytes of error
; code to drop before IRETQ.
%macro FIXUP_ENTRY 3
	push rax
	push rcx
	push rdx
	mov rax, [rsp + %1]
	lea rcx, [fixup_table]
	mov edx, FIXUP_COUNT
%%next:	cmp rax, [rcx]
	je %%found
	add rcx, 16
	dec edx
	jnz %%next
	pop rdx
	pop rcx
	pop rax
	jmp [%2]
%%found:
	mov rax, [rcx + 8]
	mov [rsp + %1], rax
	pop rdx
	pop rcx
	pop rax
	add rsp, %3
	iretq
%endmacro

; uint64_t fault_fixup(uint64_t rip /* rdi */): where a fault at 'rip'
; resumes if it is one of the guarded instructions above, else 0.  For an
; exception handler of one's own (pmuvisor's root mode: vmx/host.c), which
; needs no IDT of the guard's and so works on every CPU at once.
fault_fixup:
	lea rcx, [fixup_table]
	mov edx, FIXUP_COUNT
.next:	cmp rdi, [rcx]
	je .found
	add rcx, 16
	dec edx
	jnz .next
	xor eax, eax
	ret
.found:	mov rax, [rcx + 8]
	ret

; #UD pushes no error code (SDM Vol. 3A, 6.15, "Interrupt 6--Invalid
; Opcode Exception"): the faulting RIP is the top of the frame.
fault_guard_ud_handler:
	FIXUP_ENTRY 24, fault_guard_chained_ud, 0

; #GP: the CPU pushed SS, RSP, RFLAGS, CS, RIP and an error code (SDM Vol.
; 3A, 6.14.1 "64-Bit Mode Stack Frame").
fault_guard_gp_handler:
	FIXUP_ENTRY 32, fault_guard_chained_gp, 8

section .data
align 8
fault_guard_chained_gp: dq 0
fault_guard_chained_ud: dq 0
fixup_table:
	dq msr_read_safe.insn, msr_read_safe.fault
	dq msr_write_safe.insn, msr_write_safe.fault
	dq xsetbv_safe.insn, xsetbv_safe.fault
	dq cr0_write_safe.insn, cr0_write_safe.fault
	dq cr4_write_safe.insn, cr4_write_safe.fault
	dq vmcall_safe.insn, vmcall_safe.fault
FIXUP_COUNT equ ($ - fixup_table) / 16

section .note.GNU-stack noalloc noexec nowrite progbits
