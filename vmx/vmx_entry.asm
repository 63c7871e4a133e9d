; VM entry and VM exit: the only code that sees the guest's general-purpose
; registers in flight.  SysV convention toward C.

bits 64
default rel

extern vmx_exit_handler
extern vmx_resume_failed
global vmx_launch
global vmx_exit_entry

section .text

; int vmx_launch(void): VMLAUNCH with the current VMCS.  On success the
; guest starts at GUEST_RIP and this never returns; on failure returns 1
; (VMfailInvalid: no current VMCS) or 2 (VMfailValid: see the VM-instruction
; error field), SDM Vol. 3C, 31.2.
vmx_launch:
	vmlaunch
	mov eax, 1
	jc .out
	mov eax, 2
.out:	ret

; HOST_RIP.  The CPU loaded host state (RSP = HOST_RSP, 16-byte aligned);
; the guest's RSP and RIP are in the VMCS, every other register is the
; guest's: save them as struct guest_regs (vmx/exit.h) and call C.
vmx_exit_entry:
	push r15
	push r14
	push r13
	push r12
	push r11
	push r10
	push r9
	push r8
	push rdi
	push rsi
	push rbp
	push rbx		; slot of RSP in the order; RSP lives in the VMCS
	push rbx
	push rdx
	push rcx
	push rax
	mov rdi, rsp
	call vmx_exit_handler		; returns when the guest may resume
	pop rax
	pop rcx
	pop rdx
	pop rbx
	add rsp, 8
	pop rbp
	pop rsi
	pop rdi
	pop r8
	pop r9
	pop r10
	pop r11
	pop r12
	pop r13
	pop r14
	pop r15
	vmresume
	; Only a failed VMRESUME gets here (flags as for VMLAUNCH).
	mov rdi, rsp
	and rsp, -16
	call vmx_resume_failed	; reports and stops

section .note.GNU-stack noalloc noexec nowrite progbits
