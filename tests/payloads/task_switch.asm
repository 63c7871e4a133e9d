; The hostile payload's task-switch class (tests/payloads/hostile_task.c):
; from 64-bit mode down to 32-bit protected mode without paging, hardware
; task switches there (JMP to a TSS and back, CALL and an IRET through the
; back link), then up to 64-bit mode again.  Every task switch is a VM
; exit under pmuvisor (SDM Vol. 3C, 26.1.2), which carries it out.
; SysV calling convention; the block, the GDT and the TSSs are below
; 4 GiB (hostile_task.c), and so must this code be.

default rel
%include "lib/sysv.inc"
bits 64

global task_switch_run
global task_b_entry

; struct task_block (hostile_task.c): keep the offsets in step.
%define SAVED_RSP 0x00
%define SAVED_GDTR 0x08     ; 10 bytes
%define SAVED_SEGS 0x18     ; ds, es, fs, gs, ss, cs, tr: 7 words
%define NEW_GDTR 0x28       ; 10 bytes
%define FAR32 0x38          ; m16:32 of compat32
%define FAR64 0x40          ; m16:32 of back64
%define B_RUNS 0x48
%define B_EAX 0x4c
%define B_FLAGS_JMP 0x50
%define B_FLAGS_CALL 0x54
%define A_FLAGS_IRET 0x58
%define A_EAX_JMP 0x5c
%define CR0_AFTER 0x60      ; 8 bytes

%define SEL_CODE64 0x08
%define SEL_DATA 0x10
%define SEL_CODE32 0x18
%define SEL_TSS_A 0x20
%define SEL_TSS_B 0x28

section .text

; void task_switch_run(struct task_block *b /* rdi */)
task_switch_run:
	push_callee_saved
	pushfq
	cli
	mov rbx, rdi
	mov [rbx + SAVED_RSP], rsp
	sgdt [rbx + SAVED_GDTR]
	mov [rbx + SAVED_SEGS], ds
	mov [rbx + SAVED_SEGS + 2], es
	mov [rbx + SAVED_SEGS + 4], fs
	mov [rbx + SAVED_SEGS + 6], gs
	mov [rbx + SAVED_SEGS + 8], ss
	mov [rbx + SAVED_SEGS + 10], cs
	str word [rbx + SAVED_SEGS + 12]
	lea rax, [compat32]
	mov [rbx + FAR32], eax
	mov word [rbx + FAR32 + 4], SEL_CODE32
	lea rax, [back64]
	mov [rbx + FAR64], eax
	mov word [rbx + FAR64 + 4], SEL_CODE64
	lgdt [rbx + NEW_GDTR]
	jmp dword far [rbx + FAR32]

bits 32
compat32:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	; Paging off leaves IA-32e mode (SDM Vol. 3A, 10.8.5.4), then EFER.LME.
	mov eax, cr0
	and eax, 0x7fffffff
	mov cr0, eax
	mov ecx, 0xc0000080
	rdmsr
	and eax, ~0x100
	wrmsr
	mov ax, SEL_TSS_A
	ltr ax
	; 1. JMP to task B, which JMPs back here with EAX as it was.
	mov eax, 0xa0a0a0a0
	jmp SEL_TSS_B:0
	mov [ebx + A_EAX_JMP], eax
	; 2. CALL task B, which returns with IRET (NT set, the back link).
	call SEL_TSS_B:0
	pushfd
	pop eax
	mov [ebx + A_FLAGS_IRET], eax
	; Up again: LME, paging, a 64-bit code segment.
	mov ecx, 0xc0000080
	rdmsr
	or eax, 0x100
	wrmsr
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax
	jmp dword far [ebx + FAR64]

bits 64
back64:
	mov rax, cr0
	mov [rbx + CR0_AFTER], rax
	clts                            ; task switches set CR0.TS
	lgdt [rbx + SAVED_GDTR]
	mov ds, [rbx + SAVED_SEGS]
	mov es, [rbx + SAVED_SEGS + 2]
	mov fs, [rbx + SAVED_SEGS + 4]
	mov gs, [rbx + SAVED_SEGS + 6]
	mov ss, [rbx + SAVED_SEGS + 8]
	; The firmware's TR again, if it had one: its descriptor is still
	; marked busy, which LTR refuses.
	movzx ecx, word [rbx + SAVED_SEGS + 12]
	test ecx, ecx
	jz .segments
	mov rax, [rbx + SAVED_GDTR + 2]
	and ecx, ~7
	and byte [rax + rcx + 5], ~2
	ltr word [rbx + SAVED_SEGS + 12]
.segments:
	movzx eax, word [rbx + SAVED_SEGS + 10]
	push rax
	lea rax, [.done]
	push rax
	retfq
.done:
	mov rsp, [rbx + SAVED_RSP]
	popfq
	pop_callee_saved
	ret

bits 32
; Task B: its registers come from its TSS (EBX = the block).
task_b_entry:
	inc dword [ebx + B_RUNS]
	mov [ebx + B_EAX], eax
	pushfd
	pop eax
	mov [ebx + B_FLAGS_JMP], eax
	jmp SEL_TSS_A:0
	; The CALL resumes task B here, where its JMP left it.
	inc dword [ebx + B_RUNS]
	pushfd
	pop eax
	mov [ebx + B_FLAGS_CALL], eax
	iretd

section .note.GNU-stack noalloc noexec nowrite progbits
