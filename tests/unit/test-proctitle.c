/* Who a backend serves, from PostgreSQL's process title. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "proctitle.h"

static void check(const char *title, int ok, const char *user, const char *db)
{
	struct pgn_who w;

	assert_int_equal(pgn_proctitle_parse(title, strlen(title) + 1, &w), ok);
	assert_string_equal(w.user, user);
	assert_string_equal(w.database, db);
}

static void test_titles(void **state)
{
	(void)state;
	check("postgres: alice shop 127.0.0.1(51234) idle", 1, "alice", "shop");
	check("postgres: alice shop [local] SELECT", 1, "alice", "shop");
	check("postgres: main: bob app ::1(40000) idle in transaction", 1, "bob", "app");
	check("postgres: bob app 10.0.0.7(40000)", 1, "bob", "app");
	/* not a client backend, or titles switched off */
	check("postgres: checkpointer ", 0, "", "");
	check("postgres: main: walwriter ", 0, "", "");
	check("/usr/lib/postgresql/15/bin/postgres -D /tmp/x", 0, "", "");
	check("", 0, "", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_titles),
	};

	return cmocka_run_group_tests_name("proctitle", tests, NULL, NULL);
}
