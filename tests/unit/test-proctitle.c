/* Who a backend serves: from the startup message, else PostgreSQL's
 * process title, which names cannot forge. */
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
	/* a role named "alice proddb 10.9.9.9(5432)" on database postgres:
	 * not alice on proddb, but unknown */
	check("postgres: alice proddb 10.9.9.9(5432) postgres 127.0.0.1(5555) idle", 0, "", "");
	check("postgres: alice shop 127.0.0.1(1) idle in transaction (aborted)", 1, "alice", "shop");
	check("postgres: alice smith shop 127.0.0.1(1) idle", 0, "", "");
}

static void startup(const char *params, size_t len, int ok, const char *user, const char *db)
{
	struct pgn_who w;

	assert_int_equal(pgn_startup_parse(params, len, &w), ok);
	assert_string_equal(w.user, user);
	assert_string_equal(w.database, db);
}

#define PARAMS(s) s, sizeof(s) - 1	/* as read: the literal's own NUL is not */

static void test_startup_parameters(void **state)
{
	(void)state;
	startup(PARAMS("user\0alice\0database\0shop\0application_name\0psql\0"), 1, "alice", "shop");
	startup(PARAMS("database\0shop\0user\0alice\0"), 1, "alice", "shop");
	/* no database: the user's name, as PostgreSQL does */
	startup(PARAMS("user\0bob\0client_encoding\0UTF8\0"), 1, "bob", "bob");
	/* names with spaces, a forged client, control characters: as sent */
	startup(PARAMS("user\0alice proddb 10.9.9.9(5432)\0database\0postgres\0"), 1,
		"alice proddb 10.9.9.9(5432)", "postgres");
	startup(PARAMS("user\0esc\x1b]0;PWNED\a\0database\0db\x1b[31mred\0"), 1,
		"esc\x1b]0;PWNED\a", "db\x1b[31mred");
	/* nothing seen (TLS), no user, cut before the user's value */
	startup(PARAMS(""), 0, "", "");
	startup(PARAMS("database\0shop\0"), 0, "", "");
	startup("user\0al", 7, 0, "", "");
	startup("user\0alice\0database\0sh", 22, 0, "", "");
	startup("user\0alice\0database\0shop\0options\0-c x", 30, 1, "alice", "shop");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_titles),
		cmocka_unit_test(test_startup_parameters),
	};

	return cmocka_run_group_tests_name("proctitle", tests, NULL, NULL);
}
