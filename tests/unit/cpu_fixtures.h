/* Raw VT-x capability values of real and emulated CPUs, shared by the
 * unit tests of everything that decodes or adjusts against them. */
#ifndef TESTS_CPU_FIXTURES_H
#define TESTS_CPU_FIXTURES_H

#include "vmx/caps.h"

/* Bochs 2.7, cpu model corei7_skylake_x, read by an EFI application. */
static const struct vmx_raw __attribute__((unused)) bochs_skylake_x = {
	.vmx_cpuid = true,
	.feature_control = 0,
	.basic = 0x00d810000000002bull,
	.pinbased = 0x0000007f00000016ull,
	.procbased = 0xf7f9fffe0401e172ull,
	.exit = 0x007fffff00036dffull,
	.entry = 0x0000ffff000011ffull,
	.misc = 0x00000000600401e0ull,
	.procbased2 = 0x02177fff00000000ull,
	.ept_vpid_cap = 0x00000f0106334141ull,
	/* TRUE_* MSRs present (basic bit 55); their allowed-1 halves match. */
	.true_pinbased = 0x0000007f00000016ull,
	.true_procbased = 0xf7f9fffe0401e172ull,
	.true_exit = 0x007fffff00036dffull,
	.true_entry = 0x0000ffff000011ffull,
};

/* A real Intel Core i7-6700K (Skylake), as recorded by VirtualBox's CPU
 * report tool (VirtualBox source, src/VBox/VMM/VMMR3/cpus/Intel_Core_i7_6700K.h). */
static const struct vmx_raw __attribute__((unused)) core_i7_6700k = {
	.vmx_cpuid = true,
	.feature_control = 0x5,
	.basic = 0x00da040000000004ull,
	.pinbased = 0x0000007f00000016ull,
	.procbased = 0xfff9fffe0401e172ull,
	.exit = 0x01ffffff00036dffull,
	.entry = 0x0003ffff000011ffull,
	.misc = 0x000000007004c1e7ull,
	.procbased2 = 0x001ffcff00000000ull,
	.ept_vpid_cap = 0x00000f0106334141ull,
	.true_pinbased = 0x0000007f00000016ull,
	.true_procbased = 0xfff9fffe04006172ull,
	.true_exit = 0x01ffffff00036dfbull,
	.true_entry = 0x0003ffff000011fbull,
};

#endif
