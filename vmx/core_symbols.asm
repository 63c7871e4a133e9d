; pmuvisor's own symbol table (tools/mksyms), read by pmu/prof_symbols.c.
section .pmuvisor_symbols progbits alloc noexec nowrite align=8
	incbin CORE_SYMBOLS

section .note.GNU-stack noalloc noexec nowrite progbits
