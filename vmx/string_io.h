/*
 * INS and OUTS (SDM Vol. 2B, INS/INSB/INSW/INSD and OUTS/OUTSB/...): what
 * an exit needs to carry one out on pmuvisor's ports, pure (unit tested):
 * the memory operand's segment and address size from the instruction's
 * prefixes, how many iterations to run now, and the register updates.
 * The instruction is decoded rather than read from the VM-exit
 * instruction-information field, which not every CPU fills for INS/OUTS
 * (IA32_VMX_BASIC bit 54).
 */
#ifndef VMX_STRING_IO_H
#define VMX_STRING_IO_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx/segments.h"


struct string_io_operand {
	unsigned segment;    /* OUTS: DS or its override; INS: always ES */
	unsigned addr_bytes; /* 2, 4 or 8: which part of RSI/RDI/RCX counts */
	bool rep;
};

/* From the instruction's bytes (len of them, prefixes then the opcode
 * 6C-6F), in a code segment that is 64-bit (CS.L) or has default size
 * 32 (CS.D).  Returns 0, or -1 if the bytes are no INS/OUTS. */
int string_io_decode(const uint8_t *bytes, unsigned len, bool in, bool cs_long, bool cs_d,
		     struct string_io_operand *op);

/* Iterations to run at this exit: 1 without REP, else the count in RCX
 * (as wide as the address size), at most 'max' (the instruction then
 * restarts, as a REP instruction does after an interrupt). */
uint64_t string_io_iterations(const struct string_io_operand *op, uint64_t rcx, uint64_t max);

/* 'reg' moved by 'delta' in its addr_bytes-wide part: 16-bit updates
 * keep bits 63:16, 32-bit ones clear bits 63:32 (as 32-bit register
 * writes do in 64-bit mode). */
uint64_t string_io_step(uint64_t reg, int64_t delta, unsigned addr_bytes);

/* The offset part of 'reg' for addressing. */
uint64_t string_io_offset(uint64_t reg, unsigned addr_bytes);

#endif
