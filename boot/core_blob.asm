; The resident core's image, carried inside pmuvisor.efi.
bits 64
global core_image_start
global core_image_end

section .rodata
align 4096
core_image_start:
	incbin CORE_IMAGE
core_image_end:

section .note.GNU-stack noalloc noexec nowrite progbits
