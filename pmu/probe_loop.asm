; A loop of known length for the PMU probe: each iteration retires
; exactly two instructions (DEC, JNZ), and RET one more.

default rel
bits 64
global pmu_probe_loop

section .text
; void pmu_probe_loop(uint64_t iterations /* rdi, > 0 */)
pmu_probe_loop:
	mov rcx, rdi
.again:	dec rcx
	jnz .again
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
