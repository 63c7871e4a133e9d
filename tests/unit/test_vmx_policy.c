/* vmx/cpuid_policy.c, vmx/cr_policy.c and vmx/hypercall.c: what the guest
 * sees of CPUID, control registers and pmuvisor's hypercalls. */
#include "unit.h"

#include "vmx/cpuid_policy.h"
#include "vmx/redeliver.h"
#include "vmx/cr_policy.h"
#include "vmx/hypercall.h"

/* Bochs corei7_skylake_x and most real CPUs: CR0 PE, NE, PG forced;
 * CR4 VMXE forced; FIXED1 as on the Skylake-X model (0x3727ff). */
static const struct cr_fixed cr0_fixed = { 0x80000021, 0xffffffff };
static const struct cr_fixed cr4_fixed = { 0x2000, 0x3727ff };

static void test_cpuid_leaf1_sets_hypervisor_hides_vmx(void **state)
{
	struct cpuid_result r = { 0x50654, 0, (1u << 5) | (1u << 27) | 1u, 0 };

	cpuid_policy_apply(1, 0, &r);
	assert_true(r.ecx & (1u << 31));  /* hypervisor present */
	assert_false(r.ecx & (1u << 5));  /* VMX hidden */
	assert_false(r.ecx & (1u << 27)); /* OSXSAVE: guest CR4.OSXSAVE is 0 */
	assert_true(r.ecx & 1u);          /* other bits untouched */
	assert_int_equal(r.eax, 0x50654);
}

static void test_cpuid_osxsave_follows_guest_cr4(void **state)
{
	struct cpuid_result r = { 0, 0, 0, 0 };

	cpuid_policy_apply(1, 1ull << 18, &r);
	assert_true(r.ecx & (1u << 27));
}

static void test_cpuid_signature_leaf(void **state)
{
	struct cpuid_result r = { 1, 2, 3, 4 };
	char sig[13] = { 0 };

	cpuid_policy_apply(0x40000000, 0, &r);
	assert_int_equal(r.eax, 0x40000000);
	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	assert_memory_equal(sig, "pmuvisor\0\0\0\0", 12);
}

static void test_cpuid_other_hypervisor_leaves_are_empty(void **state)
{
	struct cpuid_result r = { 1, 2, 3, 4 }, other = { 5, 6, 7, 8 };

	cpuid_policy_apply(0x40000100, 0, &r);
	assert_true(r.eax == 0 && r.ebx == 0 && r.ecx == 0 && r.edx == 0);
	cpuid_policy_apply(7, 0, &other); /* an ordinary leaf passes through */
	assert_true(other.eax == 5 && other.ebx == 6 && other.ecx == 7 && other.edx == 8);
}

static void test_cpuid_maxphyaddr_is_what_4_level_ept_reaches(void **state)
{
	struct cpuid_result wide = { 0x3934, 0, 0, 0 }, narrow = { 0x3028, 0, 0, 0 }; /* 52, 40 bits */

	cpuid_policy_apply(0x80000008, 0, &wide);
	assert_int_equal(wide.eax, 0x3930); /* 48; the linear width (57) stays */
	cpuid_policy_apply(0x80000008, 0, &narrow);
	assert_int_equal(narrow.eax, 0x3028);
}

static void test_interrupted_events_are_injected_again(void **state)
{
	/* An external interrupt, vector 0x30, that met an EPT violation. */
	struct redelivery r = redelivery_of(0x80000030u | 1u << 12);

	assert_int_equal(r.entry_info, 0x80000030u); /* bit 12 is not the entry field's */
	assert_false(r.error_code || r.instruction_length);
	/* #PF (hardware exception, type 3) with its error code. */
	r = redelivery_of(0x80000b0eu);
	assert_int_equal(r.entry_info, 0x80000b0eu);
	assert_true(r.error_code);
	assert_false(r.instruction_length);
	/* INT 0x80 (software interrupt, type 4) and INT3 (software exception,
	 * type 6) are injected with the instruction's length; NMIs are not. */
	assert_true(redelivery_of(0x80000480u).instruction_length);
	assert_true(redelivery_of(0x80000603u).instruction_length);
	assert_true(redelivery_of(0x80000501u).instruction_length);
	assert_false(redelivery_of(0x80000202u).instruction_length);
}

static void test_cr0_mask_exempts_pe_pg_under_unrestricted_guest(void **state)
{
	/* NE is owned; so are bits 63:32, which FIXED1 says must stay 0. */
	assert_int_equal(cr0_guest_host_mask(&cr0_fixed, true), 0xffffffff00000020ull);
	assert_int_equal(cr0_guest_host_mask(&cr0_fixed, false) & 0xffffffff, 0x80000021);
}

static void test_cr0_actual_keeps_ne_and_lets_guest_clear_paging(void **state)
{
	/* A guest writing CR0 without NE still runs with NE (SDM 24.8). */
	assert_int_equal(cr0_actual(&cr0_fixed, 0x80000011, true), 0x80000031);
	/* Unrestricted guest: real mode (PE = PG = 0) is allowed. */
	assert_int_equal(cr0_actual(&cr0_fixed, 0x10, true), 0x30);
	assert_int_equal(cr0_actual(&cr0_fixed, 0x10, false), 0x80000031);
}

static void test_cr4_vmxe_is_owned_and_hidden(void **state)
{
	assert_true(cr4_guest_host_mask(&cr4_fixed) & CR4_VMXE);
	assert_int_equal(cr4_actual(&cr4_fixed, 0x6f0), 0x26f0);
}

static int log_calls;
static uint64_t logged_gpa, logged_len;

static int fake_log(uint64_t gpa, uint64_t len)
{
	log_calls++;
	logged_gpa = gpa;
	logged_len = len;
	return gpa == 0xbad ? -1 : 0;
}

static void test_hypercall_version_and_ping_from_user_mode(void **state)
{
	struct hypercall_env env = { 3, fake_log, 0, 0, 0, 0 };
	struct hypercall_regs r = { HYPERCALL_VERSION, 0, 0, 0 };

	hypercall_dispatch(&r, &env);
	assert_int_equal(r.rax, HYPERCALL_OK);
	assert_int_equal(r.rbx, (0ull << 32) | (1ull << 16) | 0); /* PMUVISOR_VERSION 0.1.0 */
	assert_int_equal(r.rcx, HYPERCALL_ABI_VERSION);
	r = (struct hypercall_regs){ HYPERCALL_PING, 41, 0, 0 };
	hypercall_dispatch(&r, &env);
	assert_int_equal(r.rax, HYPERCALL_OK);
	assert_int_equal(r.rbx, 42);
}

static void test_hypercall_unknown_number_is_an_error(void **state)
{
	struct hypercall_env env = { 0, fake_log, 0, 0, 0, 0 };
	struct hypercall_regs r = { 0x1234, 7, 8, 9 };

	hypercall_dispatch(&r, &env);
	assert_int_equal((int64_t)r.rax, HYPERCALL_ENOSYS);
	assert_true(r.rbx == 7 && r.rcx == 8 && r.rdx == 9); /* untouched */
	r.rax = ~0ull;
	hypercall_dispatch(&r, &env);
	assert_int_equal((int64_t)r.rax, HYPERCALL_ENOSYS);
}

static void test_hypercall_log_needs_cpl0_and_good_memory(void **state)
{
	struct hypercall_env user = { 3, fake_log, 0, 0, 0, 0 }, kernel = { 0, fake_log, 0, 0, 0, 0 };
	struct hypercall_regs r = { HYPERCALL_LOG, 0x1000, 12, 0 };

	log_calls = 0;
	hypercall_dispatch(&r, &user);
	assert_int_equal((int64_t)r.rax, HYPERCALL_EPERM);
	assert_int_equal(log_calls, 0);
	r = (struct hypercall_regs){ HYPERCALL_LOG, 0x1000, 12, 0 };
	hypercall_dispatch(&r, &kernel);
	assert_int_equal(r.rax, HYPERCALL_OK);
	assert_true(logged_gpa == 0x1000 && logged_len == 12);
	r = (struct hypercall_regs){ HYPERCALL_LOG, 0xbad, 1, 0 };
	hypercall_dispatch(&r, &kernel);
	assert_int_equal((int64_t)r.rax, HYPERCALL_EINVAL);
	r = (struct hypercall_regs){ HYPERCALL_LOG, 0x1000, HYPERCALL_LOG_MAX + 1, 0 };
	hypercall_dispatch(&r, &kernel);
	assert_int_equal((int64_t)r.rax, HYPERCALL_EINVAL);
}

static int closes;

static void fake_close(void)
{
	closes++;
}

/* Once the payload runs, 'log' is the loader's no more: refused unless
 * guest_control=on; and whatever it prints is plain text. */
static void test_hypercall_log_closed_for_the_payload(void **state)
{
	struct hypercall_env env = { 0, fake_log, 0, 0, 0, fake_close };
	struct hypercall_regs r = { HYPERCALL_LOG_CLOSE, 0, 0, 0 };

	closes = 0;
	hypercall_dispatch(&r, &env);
	assert_int_equal(r.rax, HYPERCALL_OK);
	assert_int_equal(closes, 1);
	env.log_closed = 1;
	log_calls = 0;
	r = (struct hypercall_regs){ HYPERCALL_LOG, 0x1000, 12, 0 };
	hypercall_dispatch(&r, &env);
	assert_int_equal((int64_t)r.rax, HYPERCALL_EACCES);
	assert_int_equal(log_calls, 0);
	env.guest_control = 1;
	r = (struct hypercall_regs){ HYPERCALL_LOG, 0x1000, 12, 0 };
	hypercall_dispatch(&r, &env);
	assert_int_equal(r.rax, HYPERCALL_OK);
	env.cpl = 3;
	r = (struct hypercall_regs){ HYPERCALL_LOG_CLOSE, 0, 0, 0 };
	hypercall_dispatch(&r, &env);
	assert_int_equal((int64_t)r.rax, HYPERCALL_EPERM);
}

static void test_hypercall_log_text_is_printable(void **state)
{
	const char in[] = "ok\t\x1b[2Jgone\x07\xff\n";
	char out[sizeof(in)];

	assert_int_equal(hypercall_printable(in, sizeof(in) - 1, out), sizeof(in) - 1);
	assert_memory_equal(out, "ok\t?[2Jgone??\n", sizeof(in) - 1);
}

static int shell_calls;

static int fake_shell(uint64_t command, uint64_t reply, uint64_t size, uint64_t *len, int *status)
{
	shell_calls++;
	if (command == 0xbad)
		return -1;
	*len = 17;
	*status = command == 0xfa11;
	return 0;
}

static void test_hypercall_shell_needs_guest_control(void **state)
{
	struct hypercall_env off = { 3, fake_log, 0, fake_shell, 0, 0 }, on = { 3, fake_log, 1, fake_shell, 0, 0 };
	struct hypercall_regs r = { HYPERCALL_SHELL, 0x1000, 0x2000, 4096 };

	shell_calls = 0;
	hypercall_dispatch(&r, &off);
	assert_int_equal((int64_t)r.rax, HYPERCALL_EACCES);
	assert_int_equal(shell_calls, 0);
	r = (struct hypercall_regs){ HYPERCALL_SHELL, 0x1000, 0x2000, 4096 };
	hypercall_dispatch(&r, &on);
	assert_int_equal(r.rax, HYPERCALL_OK);
	assert_int_equal(r.rbx, 17); /* reply length */
	assert_int_equal(r.rcx, 0);  /* the command succeeded */
	r = (struct hypercall_regs){ HYPERCALL_SHELL, 0xfa11, 0x2000, 4096 };
	hypercall_dispatch(&r, &on);
	assert_int_equal(r.rcx, 1);
	r = (struct hypercall_regs){ HYPERCALL_SHELL, 0xbad, 0x2000, 4096 };
	hypercall_dispatch(&r, &on);
	assert_int_equal((int64_t)r.rax, HYPERCALL_EINVAL);
	r = (struct hypercall_regs){ HYPERCALL_SHELL, 0x1000, 0x2000, 0 }; /* no room */
	hypercall_dispatch(&r, &on);
	assert_int_equal((int64_t)r.rax, HYPERCALL_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpuid_leaf1_sets_hypervisor_hides_vmx),
		cmocka_unit_test(test_cpuid_osxsave_follows_guest_cr4),
		cmocka_unit_test(test_cpuid_signature_leaf),
		cmocka_unit_test(test_cpuid_other_hypervisor_leaves_are_empty),
		cmocka_unit_test(test_cpuid_maxphyaddr_is_what_4_level_ept_reaches),
		cmocka_unit_test(test_interrupted_events_are_injected_again),
		cmocka_unit_test(test_cr0_mask_exempts_pe_pg_under_unrestricted_guest),
		cmocka_unit_test(test_cr0_actual_keeps_ne_and_lets_guest_clear_paging),
		cmocka_unit_test(test_cr4_vmxe_is_owned_and_hidden),
		cmocka_unit_test(test_hypercall_version_and_ping_from_user_mode),
		cmocka_unit_test(test_hypercall_unknown_number_is_an_error),
		cmocka_unit_test(test_hypercall_log_needs_cpl0_and_good_memory),
		cmocka_unit_test(test_hypercall_log_closed_for_the_payload),
		cmocka_unit_test(test_hypercall_log_text_is_printable),
		cmocka_unit_test(test_hypercall_shell_needs_guest_control),
	};

	return cmocka_run_group_tests_name("vmx_policy", tests, NULL, NULL);
}
