/* vmx/controls.c: the five VMX control fields, adjusted to the capability
 * MSRs (SDM Vol. 3D, Appendix A.2-A.5). */
#include "unit.h"

#include "vmx/controls.h"
#include "cpu_fixtures.h"

#define BIT(n) (1u << (n))
#define ALLOWED1(n) (1ull << (32 + (n)))

static int compute(const struct vmx_raw *raw, struct vmx_controls *c, struct text_buffer *b)
{
	struct out o = { text_buffer_sink, b };

	b->len = 0;
	b->text[0] = '\0';
	return vmx_controls_compute(raw, c, &o);
}

static void assert_values(const struct vmx_controls *c, uint32_t pin, uint32_t primary,
			  uint32_t secondary, uint32_t exit, uint32_t entry)
{
	assert_int_equal(c->value[CONTROLS_PIN_BASED], pin);
	assert_int_equal(c->value[CONTROLS_PRIMARY], primary);
	assert_int_equal(c->value[CONTROLS_SECONDARY], secondary);
	assert_int_equal(c->value[CONTROLS_EXIT], exit);
	assert_int_equal(c->value[CONTROLS_ENTRY], entry);
}

static void test_allowed0_bits_are_forced_on(void **state)
{
	uint32_t dropped = 0xdead;

	/* IA32_VMX_ENTRY_CTLS of both fixtures: bits 0-8 and 12 must be 1. */
	assert_int_equal(vmx_adjust(0x0000ffff000011ffull, BIT(ENTRY_IA32E_MODE_GUEST), &dropped),
			 0x13ff);
	assert_int_equal(dropped, 0);
}

static void test_allowed1_clear_bits_are_dropped(void **state)
{
	uint32_t dropped = 0;

	/* Pin-based bit 7 (process posted interrupts) outside allowed-1 0x7f. */
	assert_int_equal(vmx_adjust(0x0000007f00000016ull, BIT(7) | BIT(PIN_NMI_EXITING), &dropped),
			 0x1e);
	assert_int_equal(dropped, BIT(7));
	assert_int_equal(vmx_adjust(0x0000007f00000016ull, BIT(7), NULL), 0x16);
}

static void test_true_msrs_used_when_basic_bit55_set(void **state)
{
	struct vmx_raw raw = core_i7_6700k;
	struct vmx_controls c;
	struct text_buffer b;

	/* TRUE_PROCBASED allowed-0 0x04006172 lets CR3-load/store exiting go;
	 * the legacy 0x0401e172 forces them. */
	assert_int_equal(compute(&raw, &c, &b), 0);
	assert_true(c.true_controls);
	assert_int_equal(c.value[CONTROLS_PRIMARY], 0x96006172);
	assert_false(vmx_control_on(&c, CONTROLS_PRIMARY, PROC_CR3_LOAD_EXITING));
	assert_false(vmx_control_on(&c, CONTROLS_PRIMARY, PROC_CR3_STORE_EXITING));

	raw.basic &= ~(1ull << 55);
	assert_int_equal(compute(&raw, &c, &b), 0);
	assert_false(c.true_controls);
	assert_int_equal(c.value[CONTROLS_PRIMARY], 0x9601e172);
}

static void test_debug_controls_kept_though_true_msrs_allow_clearing(void **state)
{
	struct vmx_controls c;
	struct text_buffer b;

	/* TRUE_EXIT 0x36dfb and TRUE_ENTRY 0x11fb make bit 2 optional, but a
	 * VM exit resets DR7 and IA32_DEBUGCTL (Vol. 3C, 28.5.1). */
	assert_int_equal(core_i7_6700k.true_exit & BIT(EXIT_SAVE_DEBUG_CONTROLS), 0);
	assert_int_equal(compute(&core_i7_6700k, &c, &b), 0);
	assert_true(vmx_control_on(&c, CONTROLS_EXIT, EXIT_SAVE_DEBUG_CONTROLS));
	assert_true(vmx_control_on(&c, CONTROLS_ENTRY, ENTRY_LOAD_DEBUG_CONTROLS));
}

static void assert_all_optional_on_but_save_perf_global_ctrl(const struct vmx_controls *c)
{
	assert_true(c->preemption_timer && c->save_preemption_timer);
	assert_true(c->vpid && c->rdtscp && c->invpcid && c->xsaves);
	assert_true(c->exit_save_efer && c->exit_load_efer && c->entry_load_efer);
	assert_true(c->exit_load_perf_global_ctrl && c->entry_load_perf_global_ctrl);
	assert_false(c->exit_save_perf_global_ctrl);
}

static void test_bochs_skylake_x_values(void **state)
{
	struct vmx_controls c;
	struct text_buffer b;

	assert_int_equal(compute(&bochs_skylake_x, &c, &b), 0);
	assert_string_equal(b.text, "");
	assert_true(c.true_controls);
	/* Bochs's TRUE MSRs equal the legacy ones: CR3 exiting stays forced. */
	assert_values(&c, 0x0000007e, 0x9601e172, 0x001010aa, 0x00737fff, 0x0000b3ff);
	assert_all_optional_on_but_save_perf_global_ctrl(&c);
}

static void test_core_i7_6700k_values(void **state)
{
	struct vmx_controls c;
	struct text_buffer b;

	assert_int_equal(compute(&core_i7_6700k, &c, &b), 0);
	assert_string_equal(b.text, "");
	assert_values(&c, 0x0000007e, 0x96006172, 0x001010aa, 0x00737fff, 0x0000b3ff);
	assert_all_optional_on_but_save_perf_global_ctrl(&c);
}

static void test_interrupt_controls_stay_clear(void **state)
{
	struct vmx_controls c;
	struct text_buffer b;

	assert_int_equal(compute(&bochs_skylake_x, &c, &b), 0);
	assert_false(vmx_control_on(&c, CONTROLS_PIN_BASED, PIN_EXTERNAL_INTERRUPT_EXITING));
	assert_false(vmx_control_on(&c, CONTROLS_EXIT, EXIT_ACKNOWLEDGE_INTERRUPT_ON_EXIT));
}

static void test_missing_required_control_is_named(void **state)
{
	struct vmx_raw raw = core_i7_6700k;
	struct vmx_controls c;
	struct text_buffer b;

	raw.procbased2 &= ~ALLOWED1(PROC2_UNRESTRICTED_GUEST);
	assert_int_equal(compute(&raw, &c, &b), -1);
	assert_string_equal(b.text,
		"VT-x: the CPU cannot set the secondary processor-based control \"unrestricted guest\" "
		"(IA32_VMX_PROCBASED_CTLS2 allowed-1 bit 7 is 0)\n");
}

static void test_each_missing_required_control_gets_a_line(void **state)
{
	struct vmx_raw raw = core_i7_6700k;
	struct vmx_controls c;
	struct text_buffer b;

	/* The TRUE MSRs are the ones consulted, so they are the ones named. */
	raw.true_pinbased &= ~ALLOWED1(PIN_NMI_EXITING);
	raw.true_exit &= ~ALLOWED1(EXIT_HOST_ADDRESS_SPACE_SIZE);
	assert_int_equal(compute(&raw, &c, &b), -1);
	assert_string_equal(b.text,
		"VT-x: the CPU cannot set the pin-based control \"NMI exiting\" "
		"(IA32_VMX_TRUE_PINBASED_CTLS allowed-1 bit 3 is 0)\n"
		"VT-x: the CPU cannot set the VM-exit control \"host address-space size\" "
		"(IA32_VMX_TRUE_EXIT_CTLS allowed-1 bit 9 is 0)\n");
}

static void test_optional_control_absent_is_fine(void **state)
{
	struct vmx_raw raw = core_i7_6700k;
	struct vmx_controls c;
	struct text_buffer b;

	/* Exit control bit 30 is allowed-1 on neither fixture. */
	assert_int_equal(compute(&bochs_skylake_x, &c, &b), 0);
	assert_false(c.exit_save_perf_global_ctrl);
	assert_int_equal(compute(&core_i7_6700k, &c, &b), 0);
	assert_false(c.exit_save_perf_global_ctrl);
	assert_string_equal(b.text, "");

	raw.true_exit |= ALLOWED1(EXIT_SAVE_PERF_GLOBAL_CTRL);
	assert_int_equal(compute(&raw, &c, &b), 0);
	assert_true(c.exit_save_perf_global_ctrl);
	assert_int_equal(c.value[CONTROLS_EXIT], 0x40737fff);
}

static void test_save_preemption_timer_value_needs_the_timer(void **state)
{
	struct vmx_raw raw = bochs_skylake_x;
	struct vmx_controls c;
	struct text_buffer b;

	/* Vol. 3C, 27.2.1.2: the exit control must be 0 without the timer,
	 * even where the CPU would allow it. */
	raw.true_pinbased &= ~ALLOWED1(PIN_PREEMPTION_TIMER);
	assert_int_equal(compute(&raw, &c, &b), 0);
	assert_false(c.preemption_timer);
	assert_false(c.save_preemption_timer);
	assert_int_equal(c.value[CONTROLS_PIN_BASED], 0x3e);
	assert_int_equal(c.value[CONTROLS_EXIT], 0x00337fff);
}

static void test_secondary_controls_unusable_without_primary_bit31(void **state)
{
	struct vmx_raw raw = bochs_skylake_x;
	struct vmx_controls c;
	struct text_buffer b;

	/* IA32_VMX_PROCBASED_CTLS2 still holds bits, but without primary
	 * bit 31 it does not exist (A.3.3). */
	raw.true_procbased &= ~ALLOWED1(PROC_SECONDARY_CONTROLS);
	assert_int_equal(compute(&raw, &c, &b), -1);
	assert_int_equal(c.value[CONTROLS_SECONDARY], 0);
	assert_int_equal(c.value[CONTROLS_PRIMARY], 0x1601e172);
	assert_false(c.vpid || c.rdtscp || c.invpcid || c.xsaves);
	assert_string_equal(b.text,
		"VT-x: the CPU cannot set the primary processor-based control \"activate secondary controls\" "
		"(IA32_VMX_TRUE_PROCBASED_CTLS allowed-1 bit 31 is 0)\n"
		"VT-x: the CPU cannot set the secondary processor-based control \"enable EPT\" "
		"(IA32_VMX_TRUE_PROCBASED_CTLS allowed-1 bit 31 is 0: no secondary controls)\n"
		"VT-x: the CPU cannot set the secondary processor-based control \"unrestricted guest\" "
		"(IA32_VMX_TRUE_PROCBASED_CTLS allowed-1 bit 31 is 0: no secondary controls)\n");
}

static void test_report_text(void **state)
{
	struct vmx_controls c;
	struct text_buffer b;
	struct out o = { text_buffer_sink, &b };

	assert_int_equal(compute(&core_i7_6700k, &c, &b), 0);
	vmx_controls_report(&o, &c);
	assert_string_equal(b.text,
		"VMX controls (adjusted to the TRUE capability MSRs)\n"
		"  pin-based                          0x0000007e\n"
		"    activate VMX-preemption timer    on\n"
		"  primary processor-based            0x96006172\n"
		"  secondary processor-based          0x001010aa\n"
		"    enable VPID                      on\n"
		"    enable RDTSCP                    on\n"
		"    enable INVPCID                   on\n"
		"    enable XSAVES/XRSTORS            on\n"
		"  VM-exit                            0x00737fff\n"
		"    save IA32_EFER                   on\n"
		"    load IA32_EFER                   on\n"
		"    save VMX-preemption timer value  on\n"
		"    load IA32_PERF_GLOBAL_CTRL       on\n"
		"    save IA32_PERF_GLOBAL_CTRL       off\n"
		"  VM-entry                           0x0000b3ff\n"
		"    load IA32_EFER                   on\n"
		"    load IA32_PERF_GLOBAL_CTRL       on\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowed0_bits_are_forced_on),
		cmocka_unit_test(test_allowed1_clear_bits_are_dropped),
		cmocka_unit_test(test_true_msrs_used_when_basic_bit55_set),
		cmocka_unit_test(test_debug_controls_kept_though_true_msrs_allow_clearing),
		cmocka_unit_test(test_bochs_skylake_x_values),
		cmocka_unit_test(test_core_i7_6700k_values),
		cmocka_unit_test(test_interrupt_controls_stay_clear),
		cmocka_unit_test(test_missing_required_control_is_named),
		cmocka_unit_test(test_each_missing_required_control_gets_a_line),
		cmocka_unit_test(test_optional_control_absent_is_fine),
		cmocka_unit_test(test_save_preemption_timer_value_needs_the_timer),
		cmocka_unit_test(test_secondary_controls_unusable_without_primary_bit31),
		cmocka_unit_test(test_report_text),
	};

	return cmocka_run_group_tests_name("vmx_controls", tests, NULL, NULL);
}
