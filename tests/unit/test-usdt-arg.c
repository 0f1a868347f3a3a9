/* Where a USDT argument lives, from its note's spec: the registers the
 * probes read directly, and everything that must go through libbpf. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "usdt-arg.h"

#if defined(__x86_64__)
static void test_registers(void **state)
{
	(void)state;
	/* offsets of the kernel's struct pt_regs */
	assert_int_equal(pgn_usdt_arg_reg_off("8@%r15"), 0);
	assert_int_equal(pgn_usdt_arg_reg_off("8@%rax"), 80);
	assert_int_equal(pgn_usdt_arg_reg_off("8@%rsi"), 104);
	assert_int_equal(pgn_usdt_arg_reg_off("-8@%rdi"), 112);
	assert_int_equal(pgn_usdt_arg_reg_off("8@%r8"), 72);
}

static void test_not_a_register(void **state)
{
	(void)state;
	assert_int_equal(pgn_usdt_arg_reg_off("8@-16(%rbp)"), -1);	/* memory */
	assert_int_equal(pgn_usdt_arg_reg_off("8@activity(%rip)"), -1);
	assert_int_equal(pgn_usdt_arg_reg_off("8@$0"), -1);		/* constant */
	assert_int_equal(pgn_usdt_arg_reg_off("4@%esi"), -1);		/* narrower */
	assert_int_equal(pgn_usdt_arg_reg_off("8@%rip"), -1);		/* not a pt_regs GPR we read */
	assert_int_equal(pgn_usdt_arg_reg_off("%rsi"), -1);		/* no size */
	assert_int_equal(pgn_usdt_arg_reg_off(""), -1);
}

static void test_first_of_several(void **state)
{
	(void)state;
	assert_int_equal(pgn_usdt_first_arg_reg_off("8@%rsi 4@60(%rax)"), 104);
	assert_int_equal(pgn_usdt_first_arg_reg_off("4@60(%rax) 8@%rsi"), -1);
	assert_int_equal(pgn_usdt_first_arg_reg_off(""), -1);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
#if defined(__x86_64__)
		cmocka_unit_test(test_registers),
		cmocka_unit_test(test_not_a_register),
		cmocka_unit_test(test_first_of_several),
#endif
	};

	return cmocka_run_group_tests_name("usdt-arg", tests, NULL, NULL);
}
