/*
 * The memory type of physical addresses, decided from the MTRRs
 * (SDM Vol. 3A, 12.11 "Memory Type Range Registers (MTRRs)").
 *
 * Pure: boot code reads the MSRs named here into a struct mtrr_state;
 * everything below only looks at that copy.  The EPT builder asks
 * mtrr_range_type() whether a whole candidate page has one type.
 */
#ifndef VMX_MTRR_H
#define VMX_MTRR_H

#include <stdbool.h>
#include <stdint.h>

/* Memory-type encodings (SDM Vol. 3A, Table 12-8); 2, 3 and 7+ are reserved. */
#define MTRR_TYPE_UC 0
#define MTRR_TYPE_WC 1
#define MTRR_TYPE_WT 4
#define MTRR_TYPE_WP 5
#define MTRR_TYPE_WB 6

/* MTRR MSRs (SDM Vol. 4, Table 2-2). */
#define MSR_IA32_MTRRCAP 0x0fe
#define MSR_IA32_MTRR_DEF_TYPE 0x2ff
#define MSR_IA32_MTRR_PHYSBASE(n) (0x200u + 2u * (n))
#define MSR_IA32_MTRR_PHYSMASK(n) (0x201u + 2u * (n))

/* IA32_MTRRCAP: VCNT bits 7:0, FIX bit 8, WC bit 10 (12.11.1). */
#define MTRRCAP_VCNT_MASK 0xffu
#define MTRRCAP_FIX (1u << 8)
#define MTRRCAP_WC (1u << 10)

/* IA32_MTRR_DEF_TYPE: type bits 7:0, FE bit 10, E bit 11 (12.11.2.1). */
#define MTRR_DEF_TYPE_MASK 0xffu
#define MTRR_DEF_TYPE_FE (1u << 10)
#define MTRR_DEF_TYPE_E (1u << 11)

/* IA32_MTRR_PHYSMASKn bit 11 marks the pair valid (12.11.2.3). */
#define MTRR_PHYSMASK_VALID (1u << 11)

#define MTRR_FIXED_MSRS 11
#define MTRR_VARIABLE_MAX 16

/* One fixed-range MTRR: eight one-byte types, byte 0 (bits 7:0) for the
 * lowest 'unit' bytes starting at 'base' (12.11.2.2, Table 12-9). */
struct mtrr_fixed_msr {
	uint32_t msr;
	uint32_t base;
	uint32_t unit;
	const char *name;
};

/* In address order; state->fixed[i] holds the MSR mtrr_fixed_msrs[i]. */
extern const struct mtrr_fixed_msr mtrr_fixed_msrs[MTRR_FIXED_MSRS];

struct mtrr_variable {
	uint64_t base; /* IA32_MTRR_PHYSBASEn: type bits 7:0, PhysBase bits MAXPHYADDR-1:12 */
	uint64_t mask; /* IA32_MTRR_PHYSMASKn: valid bit 11, PhysMask bits MAXPHYADDR-1:12 */
};

struct mtrr_state {
	uint64_t cap;      /* IA32_MTRRCAP */
	uint64_t def_type; /* IA32_MTRR_DEF_TYPE */
	uint64_t fixed[MTRR_FIXED_MSRS];               /* read only if cap has FIX */
	struct mtrr_variable variable[MTRR_VARIABLE_MAX]; /* the first mtrr_variable_count() */
	unsigned maxphyaddr; /* CPUID.80000008H:EAX[7:0]; 0 means 36 (the leaf is absent) */
};

/* How many PHYSBASEn/PHYSMASKn pairs to read and use: VCNT, at most
 * MTRR_VARIABLE_MAX. */
unsigned mtrr_variable_count(const struct mtrr_state *state);

/* NULL if the state can be used as read, else why not (VCNT larger than
 * the pairs pmuvisor keeps: an unread UC range would be mapped WB). */
const char *mtrr_state_problem(const struct mtrr_state *state);

/* MAXPHYADDR, with 36 when CPUID did not say (SDM Vol. 3A, 4.1.4). */
unsigned mtrr_maxphyaddr(const struct mtrr_state *state);

/* The memory type of the byte at 'phys' (12.11.4.1 "MTRR Precedences"). */
uint8_t mtrr_type_of(const struct mtrr_state *state, uint64_t phys);

/* True if every byte of [base, base + size) has the same memory type,
 * stored in *type.  False for an empty range, one that wraps past 2^64,
 * or one with more than one type. */
bool mtrr_range_type(const struct mtrr_state *state, uint64_t base, uint64_t size, uint8_t *type);

/* "UC", "WC", "WT", "WP", "WB", or "reserved". */
const char *mtrr_type_name(unsigned type);

#endif
