; The first bytes of the core image: struct core_header (vmx/launch.h).
bits 64
extern core_entry
extern __core_file_end
extern __core_end

section .head progbits alloc noexec nowrite
	dq 0x45524f4356554d50		; "PMUVCORE"
	dq core_entry
	dq __core_file_end - 0xffffffff80000000
	dq __core_end - 0xffffffff80000000

section .note.GNU-stack noalloc noexec nowrite progbits
