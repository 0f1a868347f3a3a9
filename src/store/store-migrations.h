#ifndef PGNETPROF_STORE_MIGRATIONS_H
#define PGNETPROF_STORE_MIGRATIONS_H

/* The results schema's versions, oldest first; the list ends with version 0. */
struct pgn_migration {
	int version;
	const char *description;
	const char *sql;
};

extern const struct pgn_migration pgn_migrations[];

#endif
