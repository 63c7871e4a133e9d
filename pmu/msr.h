/* Architectural performance-monitoring MSRs (SDM Vol. 3B, 20.2; Vol. 4). */
#ifndef PMU_MSR_H
#define PMU_MSR_H

#define MSR_IA32_PMC0 0x0c1
#define MSR_IA32_PERFEVTSEL0 0x186
#define MSR_IA32_PERF_CAPABILITIES 0x345
#define MSR_IA32_FIXED_CTR0 0x309
#define MSR_IA32_FIXED_CTR_CTRL 0x38d
#define MSR_IA32_PERF_GLOBAL_STATUS 0x38e
#define MSR_IA32_PERF_GLOBAL_CTRL 0x38f
#define MSR_IA32_PERF_GLOBAL_OVF_CTRL 0x390 /* IA32_PERF_GLOBAL_STATUS_RESET from v4 */
#define MSR_IA32_PERF_GLOBAL_STATUS_SET 0x391 /* v4 and later */
#define MSR_IA32_A_PMC0 0x4c1 /* full-width writes (PERF_CAPABILITIES.FW_WRITE) */
#define MSR_IA32_DEBUGCTL 0x1d9

/* IA32_PERFEVTSELx fields (SDM Vol. 3B, 20.2.1.1, Figure 20-1). */
#define EVTSEL_USR (1u << 16)
#define EVTSEL_OS (1u << 17)
#define EVTSEL_INT (1u << 20)
#define EVTSEL_EN (1u << 22)
/* Architectural event "instructions retired": event 0xC0, umask 0. */
#define EVENT_INSTRUCTIONS_RETIRED 0xc0

/* IA32_FIXED_CTR_CTRL: four bits per counter (SDM Vol. 3B, 20.2.2,
 * Figure 20-2): count at CPL 0, count at CPL > 0, any thread, PMI. */
#define FIXED_CTRL_OS 0x1u
#define FIXED_CTRL_USR 0x2u
#define FIXED_CTRL_PMI 0x8u

/* IA32_PERF_GLOBAL_STATUS: bit n overflow of PMCn, bit 32 + n of
 * IA32_FIXED_CTRn; 62 OvfBuf, 63 CondChgd (SDM Vol. 3B, 20.2.2). */
#define GLOBAL_FIXED_SHIFT 32
#define GLOBAL_STATUS_OVF_BUF (1ull << 62)
#define GLOBAL_STATUS_COND_CHGD (1ull << 63)

/* IA32_PERF_CAPABILITIES bit 13: IA32_A_PMCx take full-width writes. */
#define PERF_CAP_FW_WRITE (1ull << 13)

/* IA32_DEBUGCTL bit 12: the PMU freezes (GLOBAL_CTRL cleared) on a PMI. */
#define DEBUGCTL_FREEZE_PERFMON_ON_PMI (1ull << 12)

/* The local APIC's LVT performance-counter entry (SDM Vol. 3A, 11.5.1):
 * delivery mode NMI, and the mask bit the APIC sets when it delivers a
 * PMI (software must clear it again). */
#define LVT_DELIVERY_NMI (4u << 8)
#define LVT_MASKED (1u << 16)

#endif
