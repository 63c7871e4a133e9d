/* Architectural performance-monitoring MSRs (SDM Vol. 3B, 20.2; Vol. 4). */
#ifndef PMU_MSR_H
#define PMU_MSR_H

#define MSR_IA32_PMC0 0x0c1
#define MSR_IA32_PERFEVTSEL0 0x186
#define MSR_IA32_FIXED_CTR0 0x309
#define MSR_IA32_FIXED_CTR_CTRL 0x38d
#define MSR_IA32_PERF_GLOBAL_STATUS 0x38e
#define MSR_IA32_PERF_GLOBAL_CTRL 0x38f
#define MSR_IA32_PERF_GLOBAL_OVF_CTRL 0x390

/* IA32_PERFEVTSELx fields (SDM Vol. 3B, 20.2.1.1, Figure 20-1). */
#define EVTSEL_USR (1u << 16)
#define EVTSEL_OS (1u << 17)
#define EVTSEL_EN (1u << 22)
/* Architectural event "instructions retired": event 0xC0, umask 0. */
#define EVENT_INSTRUCTIONS_RETIRED 0xc0

#endif
