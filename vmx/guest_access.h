/* The guest's memory as the vCPU sees it now: guest/memory.c set up from
 * the VMCS (paging mode, CR3, the PDPTEs of PAE paging, CR0.WP). */
#ifndef VMX_GUEST_ACCESS_H
#define VMX_GUEST_ACCESS_H

#include "guest/memory.h"

struct guest_memory guest_memory_now(void);

/* The page-fault error code the CPU gives for an access that failed at
 * 'linear' (SDM Vol. 3A, 5.7): P if the page is there but refused it, W/R,
 * U/S. */
uint32_t guest_pf_error(const struct guest_memory *m, uint64_t linear, bool write, bool user);

/* The guest's CPL: SS.DPL (SDM Vol. 3A, 5.5). */
unsigned guest_cpl(void);

#endif
