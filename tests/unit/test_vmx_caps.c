/* vmx/caps.c and vmx/caps_report.c: VT-x capabilities from raw MSR values. */
#include "unit.h"

#include "vmx/caps.h"
#include "cpu_fixtures.h"

static void report(struct text_buffer *b, const struct vmx_caps *caps)
{
	struct out o = { text_buffer_sink, b };

	b->len = 0;
	b->text[0] = '\0';
	vmx_caps_report(&o, caps);
}

static void test_bochs_basic_and_feature_control(void **state)
{
	struct vmx_caps caps;

	vmx_caps_decode(&bochs_skylake_x, &caps);
	assert_true(caps.vmx);
	assert_int_equal(caps.vmcs_revision, 0x2b);
	assert_int_equal(caps.vmcs_size, 4096);
	assert_int_equal(caps.vmcs_memory_type, 6);
	assert_true(caps.true_controls);
	assert_false(caps.fc_locked);
	assert_false(caps.fc_vmx_outside_smx);
}

static void test_bochs_features_later_work_needs(void **state)
{
	struct vmx_caps caps;

	vmx_caps_decode(&bochs_skylake_x, &caps);
	assert_true(caps.ept && caps.ept_4level && caps.ept_wb && caps.ept_2m && caps.ept_1g);
	assert_true(caps.ept_ad && caps.invept && caps.vpid && caps.invvpid);
	assert_true(caps.unrestricted_guest);
	assert_true(caps.preemption_timer && caps.save_preemption_timer);
	assert_int_equal(caps.preemption_timer_shift, 0);
	assert_true(caps.activity_hlt && caps.activity_shutdown && caps.activity_wait_for_sipi);
	assert_true(caps.nmi_exiting && caps.virtual_nmis);
	assert_true(caps.msr_bitmaps && caps.io_bitmaps);
	assert_true(caps.entry_load_perf_global_ctrl && caps.exit_load_perf_global_ctrl);
	/* Exit control bit 30 appears only on Sapphire Rapids and later. */
	assert_false(caps.exit_save_perf_global_ctrl);
	assert_int_equal(caps.msr_list_max, 512);
	assert_null(vmx_unavailable_reason(&caps));
}

static void test_bochs_report_text(void **state)
{
	struct vmx_caps caps;
	struct text_buffer b;

	vmx_caps_decode(&bochs_skylake_x, &caps);
	report(&b, &caps);
	assert_string_equal(b.text,
		"VT-x\n"
		"  VMX                        yes (VMCS revision 0x2b, 4096 bytes, write-back)\n"
		"  IA32_FEATURE_CONTROL       unlocked (pmuvisor will lock it with VMX enabled)\n"
		"  EPT                        yes: 4-level, write-back, 2M pages yes, 1G pages yes, A/D bits yes\n"
		"  unrestricted guest         yes\n"
		"  VPID                       yes\n"
		"  VMX-preemption timer       yes, counts at TSC rate / 1\n"
		"  wait-for-SIPI state        yes\n"
		"  load IA32_PERF_GLOBAL_CTRL on VM entry yes, on VM exit yes\n"
		"  save IA32_PERF_GLOBAL_CTRL no (the VM-exit MSR-store list stands in)\n"
		"  MSR load/store lists       up to 512 entries each\n"
		"VT-x available\n");
}

static void test_no_vmx_in_cpuid(void **state)
{
	struct vmx_raw raw = { .vmx_cpuid = false };
	struct vmx_caps caps;
	struct text_buffer b;

	vmx_caps_decode(&raw, &caps);
	assert_false(caps.vmx);
	report(&b, &caps);
	assert_contains(b.text, "VT-x not available: the CPU does not offer VMX "
				"(CPUID.1:ECX.VMX[bit 5] is 0)\n");
}

static void test_firmware_locked_vmx_off(void **state)
{
	struct vmx_raw raw = bochs_skylake_x;
	struct vmx_caps caps;
	struct text_buffer b;

	raw.feature_control = 0x1; /* locked, neither VMX enable bit */
	vmx_caps_decode(&raw, &caps);
	report(&b, &caps);
	assert_contains(b.text, "  IA32_FEATURE_CONTROL       locked, VMX outside SMX DISABLED, "
				"inside SMX disabled\n");
	assert_contains(b.text, "VT-x not available: the firmware locked IA32_FEATURE_CONTROL with "
				"VMX disabled (enable VT-x in the firmware setup)\n");
}

static void test_locked_with_vmx_on_is_usable(void **state)
{
	struct vmx_raw raw = bochs_skylake_x;
	struct vmx_caps caps;

	raw.feature_control = 0x5; /* lock + VMX outside SMX: what firmware usually sets */
	vmx_caps_decode(&raw, &caps);
	assert_true(caps.fc_locked && caps.fc_vmx_outside_smx);
	assert_null(vmx_unavailable_reason(&caps));
}

static void test_missing_unrestricted_guest_or_ept(void **state)
{
	struct vmx_raw raw = bochs_skylake_x;
	struct vmx_caps caps;

	raw.procbased2 &= ~(1ull << (32 + PROC2_UNRESTRICTED_GUEST));
	vmx_caps_decode(&raw, &caps);
	assert_string_equal(vmx_unavailable_reason(&caps), "the CPU has no unrestricted-guest mode");

	raw = bochs_skylake_x;
	raw.procbased2 &= ~(1ull << (32 + PROC2_ENABLE_EPT));
	vmx_caps_decode(&raw, &caps);
	assert_string_equal(vmx_unavailable_reason(&caps),
			    "the CPU has no usable EPT (4-level, write-back)");

	raw = bochs_skylake_x;
	raw.procbased &= ~(1ull << (32 + PROC_SECONDARY_CONTROLS));
	raw.true_procbased = raw.procbased;
	vmx_caps_decode(&raw, &caps);
	assert_false(caps.ept);
	assert_string_equal(vmx_unavailable_reason(&caps),
			    "the CPU has no secondary processor-based VM-execution controls");
}

static void test_true_msrs_used_when_basic_bit55_set(void **state)
{
	struct vmx_raw raw = bochs_skylake_x;
	struct vmx_caps caps;

	/* Allowed-1 settings come from TRUE_* when bit 55 says they exist. */
	raw.true_entry &= ~(1ull << (32 + ENTRY_LOAD_PERF_GLOBAL_CTRL));
	vmx_caps_decode(&raw, &caps);
	assert_false(caps.entry_load_perf_global_ctrl);

	raw.basic &= ~(1ull << 55);
	vmx_caps_decode(&raw, &caps);
	assert_true(caps.entry_load_perf_global_ctrl);
}

static void test_misc_timer_rate_and_list_size(void **state)
{
	struct vmx_raw raw = bochs_skylake_x;
	struct vmx_caps caps;
	struct text_buffer b;

	/* Rate 5: the timer ticks once every 32 TSC ticks; N=3: 2048 entries. */
	raw.misc = (raw.misc & ~0x1full) | 5 | (3ull << 25);
	vmx_caps_decode(&raw, &caps);
	assert_int_equal(caps.preemption_timer_shift, 5);
	assert_int_equal(caps.msr_list_max, 2048);
	report(&b, &caps);
	assert_contains(b.text, "yes, counts at TSC rate / 32\n");
	assert_contains(b.text, "up to 2048 entries each\n");
}

static void test_real_skylake_core_i7_6700k(void **state)
{
	struct vmx_caps caps;
	struct text_buffer b;

	vmx_caps_decode(&core_i7_6700k, &caps);
	assert_int_equal(caps.vmcs_revision, 4);
	assert_int_equal(caps.vmcs_size, 1024);
	assert_true(caps.fc_locked && caps.fc_vmx_outside_smx && !caps.fc_vmx_inside_smx);
	assert_true(caps.ept_2m && caps.ept_1g && caps.unrestricted_guest && caps.vpid);
	/* MISC bits 4:0 = 7: the preemption timer ticks every 128 TSC ticks. */
	assert_int_equal(caps.preemption_timer_shift, 7);
	assert_true(caps.entry_load_perf_global_ctrl && caps.exit_load_perf_global_ctrl);
	assert_false(caps.exit_save_perf_global_ctrl);
	assert_null(vmx_unavailable_reason(&caps));
	report(&b, &caps);
	assert_contains(b.text, "  VMX                        yes (VMCS revision 0x4, 1024 bytes, write-back)\n");
	assert_contains(b.text, "  IA32_FEATURE_CONTROL       locked, VMX outside SMX allowed, inside SMX disabled\n");
	assert_contains(b.text, "  VMX-preemption timer       yes, counts at TSC rate / 128\n");
	assert_contains(b.text, "VT-x available\n");
}

static void test_save_perf_global_ctrl_bit30(void **state)
{
	struct vmx_raw raw = core_i7_6700k;
	struct vmx_caps caps;
	struct text_buffer b;

	/* As on Sapphire Rapids: exit control 30 may be 1. */
	raw.true_exit |= 1ull << (32 + EXIT_SAVE_PERF_GLOBAL_CTRL);
	vmx_caps_decode(&raw, &caps);
	assert_true(caps.exit_save_perf_global_ctrl);
	report(&b, &caps);
	assert_contains(b.text, "  save IA32_PERF_GLOBAL_CTRL yes\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bochs_basic_and_feature_control),
		cmocka_unit_test(test_bochs_features_later_work_needs),
		cmocka_unit_test(test_bochs_report_text),
		cmocka_unit_test(test_no_vmx_in_cpuid),
		cmocka_unit_test(test_firmware_locked_vmx_off),
		cmocka_unit_test(test_locked_with_vmx_on_is_usable),
		cmocka_unit_test(test_missing_unrestricted_guest_or_ept),
		cmocka_unit_test(test_true_msrs_used_when_basic_bit55_set),
		cmocka_unit_test(test_misc_timer_rate_and_list_size),
		cmocka_unit_test(test_real_skylake_core_i7_6700k),
		cmocka_unit_test(test_save_perf_global_ctrl_bit30),
	};

	return cmocka_run_group_tests_name("vmx_caps", tests, NULL, NULL);
}
