/* The guest's memory as the vCPU sees it now: guest/memory.c set up from
 * the VMCS (paging mode, CR3, the PDPTEs of PAE paging, CR0.WP). */
#ifndef VMX_GUEST_ACCESS_H
#define VMX_GUEST_ACCESS_H

#include "guest/memory.h"

struct guest_memory guest_memory_now(void);

/* The guest's CPL: SS.DPL (SDM Vol. 3A, 5.5). */
unsigned guest_cpl(void);

#endif
